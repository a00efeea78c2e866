"""The activity fetch ("sync") as a phone app speaks it.

Commands go to 00000004 as Write Commands and are answered by
notifications on 00000004; the samples arrive as notifications on
00000005 (docs/sync.md, fact sheet §4):

    01 01 <ts>   ->  10 01 01 <count u32> <actual start>   (announce)
    02           ->  <counter> <samples>... on 00000005, then 10 02 01
    03           ->  10 03 01                               (ack, delete)

The two characteristics are told apart by handle and read from one
ordered stream, so whatever the band sent before a reply is seen before
it.  Like Gadgetbridge, the client refuses a transfer whose packet
counter skips or repeats (``PacketCounterError``) instead of guessing,
and it keeps what it fetched only once a whole round has arrived: an
interrupted round is redone from the last *saved* timestamp (``SyncState``),
which is how Gadgetbridge's AbstractRepeatingFetchOperation recovers.

Timestamps are "band local Unix seconds" (protocol/values.py): the
band's wall-clock time counted as if it were UTC, the unit GetSamples
uses on the control plane.  Sample i of a transfer is at actual start +
i min.
"""

import datetime
import struct
from dataclasses import dataclass, field
from typing import NamedTuple

from ..link.base import DEFAULT_TIMEOUT, Disconnected, Link, Timeout
from ..link.deadline import Deadline, as_deadline
from ..protocol import uuids, workouts
from ..protocol.huami import REPLY, SUCCESS, StatusError
from ..protocol.profile import Profile
from ..protocol.values import (MINUTE, ValueFormatError, decode_time,
                               encode_time, local_datetime, local_ts)
from .base import CommandClient, Interrupted

START = 0x01
SEND_DATA = 0x02
ACK = 0x03

TYPE_ACTIVITY = 0x01
TYPE_SPORTS_SUMMARY = 0x05
TYPE_SPORTS_DETAILS = 0x06

SAMPLE_SIZE = 4
START_REPLY_SIZE = 15


def samples_per_packet(mtu: int) -> int:
    """How many samples a full activity packet carries at this ATT_MTU:
    as many as fit after its counter byte in ATT_MTU - 3 (§4.1)."""
    return (mtu - 3 - 1) // SAMPLE_SIZE

COUNT_UNITS = ("samples", "packets", "bytes")
# A whole sync (every round) gets this long unless told otherwise.
SYNC_TIMEOUT = 30.0
# Gadgetbridge stops after a handful of rounds; a band that keeps
# announcing data that never ends is "stuck syncing", not a long log.
MAX_ROUNDS = 20


# ------------------------------------------------------------ errors

class FetchError(Exception):
    """Base of everything this module raises about the band's answers."""


class FetchRefused(FetchError, StatusError):
    """A reply ``10 <command> <status>`` with a status other than 01."""


class FetchProtocolError(FetchError):
    """A reply or packet that fits no step of the protocol."""


class PacketCounterError(FetchError):
    """A data packet's counter skipped or repeated (Gadgetbridge's
    "invalid package counter"): the transfer cannot be trusted."""

    def __init__(self, expected: int, got: int, packet_index: int,
                 received: int):
        self.expected = expected
        self.got = got
        self.packet_index = packet_index
        self.received = received
        kind = "repeated" if got == (expected - 1) % 256 else "skipped"
        super().__init__(f"packet {packet_index}: counter {got:#04x}, "
                         f"expected {expected:#04x} ({kind}; {received} "
                         f"samples received before it)")


class TransferError(FetchError):
    """The band sent more samples than it announced, or ended early."""


class FetchTimeout(FetchError, Timeout):
    """The band went quiet in the middle of a step ("stuck syncing")."""


class FetchInterrupted(FetchError, Interrupted):
    """The link ended in the middle of a step; nothing was saved."""

    PROGRESS = "received"


class SyncDidNotConverge(FetchError):
    """Rounds kept bringing data after MAX_ROUNDS requests."""


class Sample(NamedTuple):
    """One minute as the client holds it; compares equal to the
    (timestamp, bytes) pairs GetSamples returns."""
    ts: int
    data: bytes

    def __repr__(self) -> str:
        return (f"Sample({local_datetime(self.ts):%Y-%m-%d %H:%M}, "
                f"{self.data.hex(' ')})")


@dataclass
class Announcement:
    """The band's answer to ``01``: how much, and from when."""
    data_type: int
    count: int
    start: datetime.datetime
    tz: int
    reply: bytes

    @property
    def start_ts(self) -> int:
        return local_ts(self.start)

    def __iter__(self):
        """``count, actual_start = fetch.start(...)``."""
        return iter((self.count, self.start))


@dataclass
class TransferLog:
    """How a transfer arrived, packet by packet, for tests that check
    the band's packetisation (sizes against the MTU, counter wrap)."""
    counters: list = field(default_factory=list)
    sizes: list = field(default_factory=list)


def parse_start_reply(reply: bytes, data_type: int = TYPE_ACTIVITY) \
        -> Announcement:
    """``10 01 01 <count u32> <year u16 mo d h mi s> <tz>``, else raise."""
    FetchClient.check(reply, START)
    if len(reply) != START_REPLY_SIZE:
        raise FetchProtocolError(f"start reply of {len(reply)} bytes, "
                                 f"expected {START_REPLY_SIZE}: "
                                 f"{reply.hex(' ')}")
    (count,) = struct.unpack_from("<I", reply, 3)
    try:
        start = decode_time(reply[7:14])
    except ValueFormatError as exc:
        raise FetchProtocolError(str(exc)) from exc
    (tz,) = struct.unpack_from("<b", reply, 14)
    return Announcement(data_type, count, start, tz, bytes(reply))


# ------------------------------------------------------------ client

class FetchClient(CommandClient):
    """The fetch protocol on one authenticated link."""

    CONTROL = uuids.FETCH_CONTROL
    DATA = uuids.ACTIVITY_DATA
    NOTIFY = ("control", "data")
    WrongReply = FetchProtocolError
    Refusal = FetchRefused

    def __init__(self, att: Link, profile: Profile = None,
                 timeout: float = DEFAULT_TIMEOUT):
        super().__init__(att, profile, timeout)
        # What the count in 10 01 01 counts (docs/policies.md,
        # fetch-count-unit): samples on the Mi Band 4, notifications or
        # bytes where a profile models another firmware.
        self.count_unit = self.profile.section("policy").get(
            "fetch-count-unit", "samples")
        if self.count_unit not in COUNT_UNITS:
            raise ValueError(f"unknown fetch-count-unit {self.count_unit!r}")
        self.announced = None       # the last Announcement with count > 0
        self.last_transfer = None   # TransferLog of the last stream()
        self.stale_packets = 0      # data from an earlier transfer, dropped

    # ------------------------------------------------------------ raw

    def send(self, payload: bytes, timeout=None) -> None:
        """Write Command on 00000004, exactly the bytes given."""
        try:
            super().send(payload, timeout)
        except Disconnected as exc:
            raise FetchInterrupted(f"link ended before "
                                   f"{bytes(payload).hex(' ')} went out") \
                from exc

    def reply(self, timeout=None) -> bytes:
        """The next notification on 00000004.

        Data notifications that come first belong to a transfer the band
        has already left (it answers a new ``01`` after stopping the old
        one), so they are counted in stale_packets and dropped.
        """
        deadline = as_deadline(timeout, self.timeout)
        while True:
            handle, value = self._next(deadline, "reply on 00000004")
            if handle == self.control_handle:
                return value
            self.stale_packets += 1

    def _next(self, deadline: Deadline, what: str, received: int = 0):
        try:
            return self.att.wait_any_notification(
                (self.control_handle, self.data_handle), deadline)
        except Timeout as exc:
            raise FetchTimeout(f"no {what} within {deadline.seconds} s "
                               f"({received} samples received)") from exc
        except Disconnected as exc:
            raise FetchInterrupted(f"link ended while waiting for {what} "
                                   f"({received} samples received)",
                                   received) from exc

    # ---------------------------------------------------------- steps

    def start(self, since, tz: int = 0, data_type: int = TYPE_ACTIVITY,
              seconds_precision: bool = False, timeout=None) -> Announcement:
        """``01 <type> <since>``; returns the band's announcement.

        since is band local time: a naive datetime or local Unix seconds.
        A count of 0 means nothing to send (Gadgetbridge then acks).
        """
        payload = (bytes([START, data_type])
                   + encode_time(since, tz, seconds_precision))
        announcement = parse_start_reply(self.command(payload, timeout),
                                         data_type)
        self.announced = announcement if announcement.count else None
        return announcement

    def stream(self, expected_count: int = None, progress=None,
               timeout=None) -> list:
        """``02``, then collect the announced data until ``10 02 01``.

        expected_count is in the band's count unit (default: the
        announced count).  Returns [Sample] timed actual start + i
        minutes.  progress, if given, is called as progress(samples so
        far, samples expected or None) after every packet; an exception
        it raises ends the stream (a test uses that to cut the link
        after K packets).
        """
        if self.announced is None:
            raise FetchError("stream() needs an announcement with count > 0")
        announced = self.announced
        count = announced.count if expected_count is None else expected_count
        samples, packets = self._expected(count)
        deadline = as_deadline(timeout, self.timeout * 2)
        log = self.last_transfer = TransferLog()
        raw = bytearray()
        self.send(bytes([SEND_DATA]))
        while True:
            received = len(raw) // SAMPLE_SIZE
            handle, value = self._next(deadline, "activity data", received)
            if handle == self.control_handle:
                self.check(value, SEND_DATA)
                if value != bytes([REPLY, SEND_DATA, SUCCESS]):
                    raise FetchProtocolError(
                        f"end of transfer {value.hex(' ')}, expected 10 02 01")
                if samples is not None and received != samples:
                    raise TransferError(f"transfer ended after {received} of "
                                        f"{samples} announced samples")
                if packets is not None and len(log.counters) != packets:
                    raise TransferError(f"transfer ended after "
                                        f"{len(log.counters)} of {packets} "
                                        f"announced packets")
                break
            self._take_packet(value, log, raw)
            received = len(raw) // SAMPLE_SIZE
            if samples is not None and received > samples:
                raise TransferError(f"packet {len(log.counters) - 1} brings "
                                    f"the transfer to {received} samples, "
                                    f"{samples} were announced")
            if packets is not None and len(log.counters) > packets:
                raise TransferError(f"{len(log.counters)} packets, "
                                    f"{packets} were announced")
            if progress is not None:
                progress(received, samples)
        self.announced = None
        base = announced.start_ts
        return [Sample(base + i * MINUTE, bytes(raw[o:o + SAMPLE_SIZE]))
                for i, o in enumerate(range(0, len(raw), SAMPLE_SIZE))]

    def _expected(self, count: int):
        """(samples, packets) a count promises; None where it says nothing."""
        if self.count_unit == "samples":
            return count, None
        if self.count_unit == "bytes":
            if count % SAMPLE_SIZE:
                raise FetchProtocolError(f"count of {count} bytes is not "
                                         f"whole samples")
            return count // SAMPLE_SIZE, None
        return None, count

    def _take_packet(self, packet: bytes, log: TransferLog,
                     raw: bytearray) -> None:
        index = len(log.counters)
        received = len(raw) // SAMPLE_SIZE
        if not packet:
            raise FetchProtocolError(f"packet {index} is empty")
        want = index % 256
        if packet[0] != want:
            raise PacketCounterError(want, packet[0], index, received)
        body = packet[1:]
        if not body or len(body) % SAMPLE_SIZE:
            raise FetchProtocolError(f"packet {index} carries {len(body)} "
                                     f"bytes, not whole samples: "
                                     f"{packet.hex(' ')}")
        if len(packet) > self.att.mtu - 3:
            raise FetchProtocolError(f"packet {index} of {len(packet)} bytes "
                                     f"exceeds ATT_MTU {self.att.mtu} - 3")
        log.counters.append(packet[0])
        log.sizes.append(len(packet))
        raw += body

    def stream_bytes(self, progress=None, timeout=None) -> bytes:
        """``02``, then a workout's summary (05) or track (06): the
        packets' bytes after their counters, joined, until ``10 02 01``
        (fact sheet §4.3; docs/workouts.md).  The count announced is
        bytes; progress(bytes so far, bytes announced) after each
        packet."""
        if self.announced is None:
            raise FetchError("stream_bytes() needs an announcement with "
                             "count > 0")
        announced = self.announced
        deadline = as_deadline(timeout, self.timeout * 2)
        log = self.last_transfer = TransferLog()
        raw = bytearray()
        self.send(bytes([SEND_DATA]))
        while True:
            handle, value = self._next(deadline, "workout data", len(raw))
            if handle == self.control_handle:
                self.check(value, SEND_DATA)
                if value != bytes([REPLY, SEND_DATA, SUCCESS]):
                    raise FetchProtocolError(
                        f"end of transfer {value.hex(' ')}, expected 10 02 01")
                break
            index = len(log.counters)
            if not value or value[0] != index % 256:
                raise PacketCounterError(index % 256,
                                         value[0] if value else None,
                                         index, len(raw))
            if len(value) < 2 or len(value) > self.att.mtu - 3:
                raise FetchProtocolError(f"packet {index} of {len(value)} "
                                         f"bytes at ATT_MTU {self.att.mtu}")
            log.counters.append(value[0])
            log.sizes.append(len(value))
            raw += value[1:]
            if len(raw) > announced.count:
                raise TransferError(f"{len(raw)} bytes, {announced.count} "
                                    f"were announced")
            if progress is not None:
                progress(len(raw), announced.count)
        if len(raw) != announced.count:
            raise TransferError(f"transfer ended after {len(raw)} of "
                                f"{announced.count} announced bytes")
        self.announced = None
        return bytes(raw)

    def workouts(self, state, ack: bool = True, tz: int = 0,
                 max_rounds: int = MAX_ROUNDS, seconds_precision: bool = True,
                 timeout=None) -> list:
        """Workouts as Gadgetbridge fetches them (FetchSportsSummary-
        Operation, FetchSportsDetailsOperation): a summary a round from
        the cursor (``01 05``), acked; then its track, asked for with the
        start the band announced (``01 06``), acked; the cursor moves to
        the workout's end.  A count of 0 ends it (acked).  Unlike
        Gadgetbridge, it does not stop at a workout that ended today.
        Requests carry seconds (GB with "truncate fetch timestamps"
        off): at minute precision, GB's default, a cursor at the end of
        a workout shorter than a minute names its start again, and
        without acks the same workout comes back every round, as GB's
        own source warns.  A round cut short leaves state as it was.
        Returns the workouts saved."""
        if not isinstance(state, WorkoutState):
            state = WorkoutState(state)
        deadline = as_deadline(timeout, SYNC_TIMEOUT)
        saved = []
        for _ in range(max_rounds):
            announcement = self.start(
                state.cursor, tz if state.tz is None else state.tz,
                workouts.TYPE_SUMMARY, seconds_precision, timeout=deadline)
            if announcement.count == 0:
                if ack:
                    self.ack(deadline)
                return saved
            try:
                summary = workouts.parse_summary(
                    self.stream_bytes(timeout=deadline))
            except ValueFormatError as exc:
                raise FetchProtocolError(f"summary: {exc}") from exc
            if ack:
                self.ack(deadline)
            # The start as the band announced it, in its zone: the same
            # instant, as GB asks for it in the phone's.
            details = self.start(announcement.start_ts, announcement.tz,
                                 workouts.TYPE_TRACK, seconds_precision,
                                 timeout=deadline)
            raw = self.stream_bytes(timeout=deadline) if details.count \
                else b""
            try:
                track = workouts.parse_track(raw, summary.base_lon,
                                             summary.base_lat)
            except ValueFormatError as exc:
                raise FetchProtocolError(f"track: {exc}") from exc
            if ack:
                self.ack(deadline)
            workout = workouts.Workout(announcement.start_ts, summary, track)
            state.save(workout, announcement.tz)
            saved.append(workout)
        raise SyncDidNotConverge(f"band still announced workouts after "
                                 f"{max_rounds} rounds")

    def ack(self, timeout=None) -> None:
        """``03``; anything but ``10 03 01`` raises."""
        reply = self.command(bytes([ACK]), timeout)
        self.check(reply, ACK)
        if reply != bytes([REPLY, ACK, SUCCESS]):
            raise FetchProtocolError(f"ack reply {reply.hex(' ')}, "
                                     f"expected 10 03 01")

    # ----------------------------------------------------------- sync

    def sync(self, state, ack: bool = True, tz: int = 0,
             progress=None, max_rounds: int = MAX_ROUNDS,
             timeout=None) -> list:
        """Fetch rounds from the saved cursor until the band has nothing.

        state is a SyncState kept across links (or a start time, for a
        one-off sync).  Each round: request from state.cursor, stream,
        save (which moves the cursor to the last sample + 1 min), then
        ack when asked to.  A count of 0 ends the sync (acked, as
        Gadgetbridge does).  An error in a round leaves state as it was
        before that round.  Returns the samples this call saved.
        """
        if not isinstance(state, SyncState):
            state = SyncState(state)
        deadline = as_deadline(timeout, SYNC_TIMEOUT)
        saved = []
        for _ in range(max_rounds):
            requested = state.cursor
            announcement = self.start(requested, tz, timeout=deadline)
            if announcement.count == 0:
                state.rounds.append(Round(requested, announcement, 0, False))
                if ack:
                    self.ack(deadline)
                    state.rounds[-1].acked = True
                return saved
            samples = self.stream(announcement.count, progress, deadline)
            state.save(Round(requested, announcement, len(samples), False),
                       samples)
            saved += samples
            if ack:
                self.ack(deadline)
                state.rounds[-1].acked = True
        raise SyncDidNotConverge(f"band still announced data after "
                                 f"{max_rounds} rounds (last "
                                 f"{state.rounds[-1]})")


@dataclass
class Round:
    """One request of a sync and what came of it."""
    requested: int                 # band local Unix seconds
    announcement: Announcement
    received: int
    acked: bool

    @property
    def count(self) -> int:
        return self.announcement.count

    @property
    def start_ts(self) -> int:
        return self.announcement.start_ts


class SyncState:
    """What a phone app keeps between links: the samples it saved and the
    saved cursor, the next minute it will ask for.

    Nothing here changes until a round has fully arrived, so a round cut
    short (link lost, counter gap, band gone quiet) is asked for again
    from the same minute on the next link.
    """

    def __init__(self, since):
        self.cursor = local_ts(since)
        self.samples = []
        self.rounds = []

    def save(self, round_: Round, samples: list) -> None:
        self.samples.extend(samples)
        self.rounds.append(round_)
        if samples:
            self.cursor = samples[-1].ts + MINUTE

    @property
    def last_ts(self):
        return self.samples[-1].ts if self.samples else None


class WorkoutState:
    """What a phone app keeps of workouts between links (GB's
    lastSportsActivityTimeMillis): the workouts saved, and the cursor,
    the end of the last one (band local Unix seconds)."""

    def __init__(self, since, tz: int = None):
        self.cursor = local_ts(since)
        self.tz = tz            # the cursor's zone, once a band named it
        self.workouts = []

    def save(self, workout, tz: int) -> None:
        self.workouts.append(workout)
        s = workout.summary
        # A workout of no second ends where it starts: one past it, or
        # the cursor would name it again.
        self.cursor = workout.announced_start + max(1, s.end - s.start)
        self.tz = tz
