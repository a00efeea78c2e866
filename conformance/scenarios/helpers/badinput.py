"""Bad input for every characteristic of the profile, as a table.

The rows are generated from the profile the suite loads (the same file
the emulator builds its GATT table from): every characteristic, every
CCCD, every service declaration.  What a characteristic's value means is
the one thing the profile does not say; RULES says it, by the
characteristic's profile name.  A characteristic with no rule, or with a
rule that does not fit its properties, becomes a row that fails and
says so: a characteristic added to the profile cannot go untested.

Each row is one PDU and the band's exact answer: the ATT response (an
Error Response with its code, or the Write Response) or, for a Write
Command, nothing; the notifications it raises (a Huami reply
``10 <cmd> <status>``); the control plane events it emits.  The
scenario (test_bad_input.py) checks besides that the band's state did
not change (bandsim/oracles/snapshot.py) and runs the row's ``then``
steps to show that what was under way still works.

Classes of bad input (a row's ``kind``):

- ``empty``, ``short``, ``long``: no bytes, fewer than the shortest
  form, more than the longest one (or than ATT_MTU lets through where
  the value has no limit of its own);
- ``oversize``: a Write Request or Command longer than ATT_MTU;
- ``long-write``: Prepare Write where the profile takes no long write
  (Request Not Supported, docs/policies.md#long-writes); where it does,
  the part is only queued (its echo, nothing shown);
- ``range``: the right length, a value out of range, an unknown command;
- ``state``: a command the band cannot take now (data before a start);
- ``auth``: a protected characteristic before Huami auth;
- ``op``: an ATT operation the characteristic does not have (write to
  read-only, read of write-only, a Write Command where only Write
  Requests are allowed, a Read Blob past the value's end) and a
  subscription where there is nothing to subscribe to;
- ``cccd``: a Client Characteristic Configuration value that is no
  configuration (1 or 3 bytes, bits the properties do not allow);
- ``handle``: handles that are no characteristic: declarations, gaps.

Where a class cannot apply (no short form of a 1-byte command, no value
to write on a read-only characteristic) the ``op`` rows stand for it.
Expected answers come from the protocol fact sheet and, where it says
[U], from docs/policies.md; the profile's own policies (the ATT error
for unauthorized access) are read from the profile.
"""

import datetime
import struct
import zlib
from dataclasses import dataclass

from bandsim.clients import auth, fetch, firmware
from bandsim.harness.images import fixture
from bandsim.harness.suite import CLOCK_START
from bandsim.protocol import huami, settings
from bandsim.protocol import alerts, workouts
from bandsim.protocol.att import (ErrorCode, Op, error_rsp,
                                  prepare_write_req, prepare_write_rsp)
from bandsim.protocol.values import encode_time

# Every link exchanges this ATT_MTU first, as the companion apps do.
MTU = 247
# The most a Write Request or Command can carry at that MTU.
MAX_VALUE = MTU - 3

# The statuses of a Huami reply (protocol §2.2).
SUCCESS, MALFORMED, REFUSED = huami.SUCCESS, huami.MALFORMED, huami.REFUSED

# Kinds of link and band a row runs on.
AUTHED, UNAUTHED = "authed", "unauthed"
BOUND, NEW = "bound", "new"

# Setup and then steps (test_bad_input.py has one function per name).
FETCH_ANNOUNCED = "fetch-announced"     # 01 answered, count > 0
FETCH_DONE = "fetch-done"               # a transfer completed, not acked
FETCH_SEND = "fetch-send"               # then: 02 sends the whole run
FW_ANNOUNCED = "fw-announced"           # 01 answered 10 01 01
FW_STARTED = "fw-started"               # and 03 01 sent
FW_UPLOAD = "fw-upload"                 # then: the rest, 10 04 01
CHALLENGE = "challenge"                 # 02 answered with a challenge
ANSWER = "answer"                       # then: the right answer, 10 03 01

# The file the firmware rows announce and, in FW_UPLOAD, finish.
WATCHFACE = fixture("mb4-watchface.bin")
WATCHFACE_INIT = firmware.init_payload(firmware.TYPE_WATCHFACE,
                                       len(WATCHFACE),
                                       zlib.crc32(WATCHFACE))

# A fetch request for everything from the band's start on.
FETCH_REQUEST = bytes([fetch.START, fetch.TYPE_ACTIVITY]) + \
    encode_time(CLOCK_START)


@dataclass(frozen=True)
class Row:
    """One bad PDU and everything the band owes it."""
    id: str
    char: str                    # the profile name the row is about
    kind: str
    pdu: bytes
    answer: bytes = None         # ATT response; None: a command, none
    notifications: tuple = ()    # ((handle, value), ...) in order
    events: tuple = ()           # control plane event names, in order
    link: str = AUTHED
    band: str = BOUND
    setup: tuple = ()
    then: tuple = ()
    problem: str = None          # the table is wrong: the row fails
    # What the band rightly shows for it (docs/policies.md#screen): the
    # Screen property's name after it, the one property it changes.
    screen: str = None


# ------------------------------------------------------------- PDUs

def write_req(handle: int, value: bytes) -> bytes:
    return struct.pack("<BH", Op.WRITE_REQ, handle) + bytes(value)


def write_cmd(handle: int, value: bytes) -> bytes:
    return struct.pack("<BH", Op.WRITE_CMD, handle) + bytes(value)


def read_req(handle: int) -> bytes:
    return struct.pack("<BH", Op.READ_REQ, handle)


def read_blob(handle: int, offset: int) -> bytes:
    return struct.pack("<BHH", Op.READ_BLOB_REQ, handle, offset)


def prepare_write(handle: int, value: bytes) -> bytes:
    return prepare_write_req(handle, 0, value)


WRITE_RSP = bytes([Op.WRITE_RSP])


def reply(command: int, status: int) -> bytes:
    """A Huami reply ``10 <command> <status>`` (protocol §2.2)."""
    return bytes([huami.REPLY, command, status])


# ------------------------------------------------------------ rules

@dataclass(frozen=True)
class Rule:
    """What a characteristic's value means to the band.

    sample is a well-formed value: the op and auth rows send it where it
    must not be taken (a factory reset on 00000003 before auth, a reboot
    on 00001531 as a Write Command), so taking it would show."""
    sample: bytes = b"\x01"
    writable: bool = True        # the rule expects write properties
    # What runs before and after the rows that write (an op, oversize
    # or long write included), and on which link: a transfer under way
    # that a write it must not take would disturb.
    setup: tuple = ()
    then: tuple = ()
    link: str = AUTHED

    def rows(self, char, make, profile):
        """The empty/short/long/range/state rows of this
        characteristic; make(kind, label, op, value, **row) builds one
        (op: Op.WRITE_REQ or Op.WRITE_CMD); profile gives the policies
        the answers depend on."""
        return ()


@dataclass(frozen=True)
class Fixed(Rule):
    """Read, notify or indicate only: nothing a central writes means
    anything, so the op rows are all there is."""
    writable: bool = False


@dataclass(frozen=True)
class Unexplained(Rule):
    """The fact sheet does not say what the value means: the band takes
    any write and keeps its read value (docs/policies.md, "Decisions
    that are not settings")."""

    def rows(self, char, make, profile):
        for op in write_ops(char):
            taken = WRITE_RSP if op == Op.WRITE_REQ else None
            yield make("empty", "taken", op, b"", answer=taken)
            yield make("long", f"{MAX_VALUE}-bytes-taken", op,
                       b"\xa5" * MAX_VALUE, answer=taken)


# §6: 2025-01-01 12:00:00, a Wednesday, tz 0.
TIME = bytes.fromhex("e9 07 01 01 0c 00 00 03 00 00 00")
# Fields of a time that is no time: (label, byte offset, value); each
# gets Value Not Allowed (docs/policies.md, current time writes).
BAD_TIME_FIELDS = (
    ("year-1969", 0, struct.pack("<H", 1969)),
    ("month-0", 2, b"\x00"), ("month-13", 2, b"\x0d"),
    ("day-0", 3, b"\x00"), ("day-32", 3, b"\x20"),
    ("february-30", 2, b"\x02\x1e"),
    ("hour-24", 4, b"\x18"), ("minute-60", 5, b"\x3c"),
    ("second-60", 6, b"\x3c"), ("weekday-8", 7, b"\x08"),
    ("tz-minus-49", 10, struct.pack("<b", -49)),
    ("tz-57", 10, struct.pack("<b", 57)),
)


def patched(value: bytes, offset: int, part: bytes) -> bytes:
    return value[:offset] + part + value[offset + len(part):]


@dataclass(frozen=True)
class CurrentTime(Rule):
    """0x2A2B: 11 bytes (or the 10-byte CTS form), every field in
    range; otherwise an ATT error and the clock keeps its time."""
    sample: bytes = TIME

    def rows(self, char, make, profile):
        length = ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH
        for label, value in (("empty", b""), ("short", TIME[:9]),
                             ("long", TIME + b"\x00")):
            yield make(label, f"{len(value)}-bytes", Op.WRITE_REQ, value,
                       code=length)
        for label, offset, part in BAD_TIME_FIELDS:
            yield make("range", label, Op.WRITE_REQ,
                       patched(TIME, offset, part),
                       code=ErrorCode.VALUE_NOT_ALLOWED)
        yield make("range", "cts-form-month-13", Op.WRITE_REQ,
                   patched(TIME[:10], 2, b"\x0d"),
                   code=ErrorCode.VALUE_NOT_ALLOWED)


FACTORY_RESET = settings.FACTORY_RESET.payload
TIME_FORMAT = settings.time_format("24h").payload          # 06 02 00 01
STEP_GOAL = settings.step_goal(10000).payload             # 10 00 00 ...
USER_INFO = settings.user_info(datetime.date(1985, 7, 14), "female", 172,
                               62, 0x12345678).payload
HR_INTERVAL = settings.hr_interval(10).payload            # 14 0a
# What settings.md's tables refuse (kind, label, bytes, unknown): cut
# short, too long, a field out of range, a command no table knows.
CONFIGURATION_BAD = (
    ("short", "time-format-cut", TIME_FORMAT[:3], False),
    ("short", "reset-prefix", FACTORY_RESET[:3], False),
    ("long", "time-format-and-more", TIME_FORMAT + b"\x00", False),
    ("long", "reset-and-more", FACTORY_RESET + b"\x00", False),
    ("long", f"reset-{MAX_VALUE}-bytes",
     FACTORY_RESET + bytes(MAX_VALUE - len(FACTORY_RESET)), False),
    ("range", "time-format-02", patched(TIME_FORMAT, 3, b"\x02"), False),
    ("range", "reset-value-02", patched(FACTORY_RESET, 3, b"\x02"), False),
    ("range", "dnd-mode-84", bytes.fromhex("09 84"), False),
    ("range", "alarm-slot-10", bytes.fromhex("02 8a 07 00 1f"), False),
    ("range", "unknown-06-99", bytes.fromhex("06 99 00 01"), True),
    ("range", "unknown-77", bytes.fromhex("77 01"), True),
)
USER_SETTINGS_BAD = (
    ("short", "user-info-cut", USER_INFO[:-1], False),
    ("long", "goal-and-more", STEP_GOAL + b"\x00", False),
    ("long", f"goal-{MAX_VALUE}-bytes",
     STEP_GOAL + bytes(MAX_VALUE - len(STEP_GOAL)), False),
    ("range", "goal-0", patched(STEP_GOAL, 3, b"\x00\x00"), False),
    ("range", "user-info-month-13", patched(USER_INFO, 5, b"\x0d"), False),
    ("range", "wear-location-03", bytes.fromhex("20 00 00 03"), False),
    ("range", "unknown-33", bytes.fromhex("33 00"), True),
)


@dataclass(frozen=True)
class Settings(Rule):
    """00000003 and 00000008 (docs/settings.md, docs/policies.md
    "Settings"): what a table refuses is answered 10 <cmd>
    <settings-error-status> with a malformed event, an unknown command
    the same (or, with settings-unknown-command = ignore, not at all)
    with unknown-command; an empty write has no command to answer."""
    bad: tuple = ()

    def rows(self, char, make, profile):
        policy = profile.section("policy")
        status = int(policy["settings-error-status"], 0)
        answers_unknown = policy["settings-unknown-command"] == "refuse"
        op = Op.WRITE_REQ if "write" in char.properties else Op.WRITE_CMD
        if op == Op.WRITE_REQ:
            yield make("empty", "no-command", op, b"",
                       code=ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH)
        else:
            yield make("empty", "no-command", op, b"")
        for kind, label, value, unknown in self.bad:
            answered = answers_unknown or not unknown
            yield make(kind, label, op, value,
                       reply=reply(value[0], status) if answered else None,
                       events=("unknown-command",) if unknown
                       else ("malformed",))


@dataclass(frozen=True)
class HeartRateControl(Rule):
    """0x2A39 (docs/settings.md): no notify, so a refused setting is the
    Write Request's ATT error, 0x0D for its length and 0x13 for a value
    out of range; a measurement command of the heart-rate part is
    refused the same way (docs/policies.md "Heart rate"); unknown bytes
    are taken (docs/policies.md "Settings")."""
    sample: bytes = HR_INTERVAL

    def rows(self, char, make, profile):
        op, length = Op.WRITE_REQ, ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH
        out_of_range = ErrorCode.VALUE_NOT_ALLOWED
        yield make("empty", "no-command", op, b"", code=length)
        yield make("short", "interval-cut", op, HR_INTERVAL[:1], code=length,
                   events=("malformed",))
        yield make("long", "interval-and-more", op, HR_INTERVAL + b"\x00",
                   code=length, events=("malformed",))
        yield make("long", f"interval-{MAX_VALUE}-bytes", op,
                   HR_INTERVAL + bytes(MAX_VALUE - len(HR_INTERVAL)),
                   code=length, events=("malformed",))
        yield make("range", "interval-61", op, bytes.fromhex("14 3d"),
                   code=out_of_range, events=("malformed",))
        yield make("range", "sleep-assist-02", op,
                   bytes.fromhex("15 00 02"), code=out_of_range,
                   events=("malformed",))
        yield make("range", "unknown-99-taken", op, bytes.fromhex("99 01"),
                   events=("unknown-command",))
        yield make("short", "manual-cut", op, bytes.fromhex("15 02"),
                   code=length, events=("malformed",))
        yield make("long", "keepalive-and-more", op, bytes.fromhex("16 00"),
                   code=length, events=("malformed",))
        yield make("range", "manual-02", op, bytes.fromhex("15 02 02"),
                   code=out_of_range, events=("malformed",))


@dataclass(frozen=True)
class Command:
    """One Huami command: its byte, its lengths, and the bad values of
    the right length (label, value, status, events)."""
    byte: int
    min_len: int
    max_len: int
    bad_values: tuple = ()

    def short(self):
        return bytes([self.byte]) + b"\x00" * (self.min_len - 2) \
            if self.min_len > 1 else None

    def long(self):
        return bytes([self.byte]) + b"\x00" * self.max_len


@dataclass(frozen=True)
class StateRow:
    """A command out of turn: what it gets (status None: no reply), on
    which band, after and before what."""
    label: str
    value: bytes
    status: int = None
    events: tuple = ()
    setup: tuple = ()
    then: tuple = ()
    band: str = BOUND
    screen: str = None


@dataclass(frozen=True)
class Commands(Rule):
    """A Huami command characteristic (protocol §2.2): a wrong length
    or an unknown command gets ``10 <cmd> 02`` and a ``malformed``
    event, nothing else; an empty write has no command to answer
    (docs/policies.md).  Every row runs with setup under way, and then
    shows it was not disturbed; state_rows are the commands out of
    turn, each with its own setup."""
    commands: tuple = ()
    unknown: tuple = ()          # command bytes the band does not have
    state_rows: tuple = ()       # StateRow, each with its own setup

    def rows(self, char, make, profile):
        op = Op.WRITE_REQ if "write" in char.properties else Op.WRITE_CMD
        common = dict(setup=self.setup, then=self.then, link=self.link)

        def malformed(kind, label, value):
            return make(kind, label, op, value,
                        reply=reply(value[0], MALFORMED),
                        events=("malformed",), **common)

        if op == Op.WRITE_REQ:
            yield make("empty", "no-command", op, b"",
                       code=ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH,
                       **common)
        else:
            yield make("empty", "no-command", op, b"", **common)
        for cmd in self.commands:
            short = cmd.short()
            if short is not None:
                yield malformed("short", f"{cmd.byte:02x}-{len(short)}-bytes",
                                short)
            yield malformed("long", f"{cmd.byte:02x}-{cmd.max_len + 1}-bytes",
                            cmd.long())
            for label, value, status, events in cmd.bad_values:
                yield make("range", f"{cmd.byte:02x}-{label}", op, value,
                           reply=reply(cmd.byte, status), events=events,
                           **common)
        for byte in self.unknown:
            yield malformed("range", f"unknown-{byte:02x}", bytes([byte]))
        yield make("long", f"{MAX_VALUE}-bytes", op,
                   self.commands[0].long()
                   + b"\x00" * (MAX_VALUE - self.commands[0].max_len - 1),
                   reply=reply(self.commands[0].byte, MALFORMED),
                   events=("malformed",), **common)
        for row in self.state_rows:
            yield make("state", row.label, op, row.value,
                       reply=None if row.status is None
                       else reply(row.value[0], row.status),
                       events=row.events, setup=row.setup, then=row.then,
                       band=row.band, screen=row.screen,
                       link=UNAUTHED if row.band == NEW else self.link)


REQUEST_RANDOM = bytes([auth.REQUEST_RANDOM, 0x00])

# On an unauthenticated link with a challenge outstanding: a bad
# command must not use it up, so the right answer still authenticates.
AUTH = Commands(
    sample=REQUEST_RANDOM,
    commands=(
        Command(auth.SEND_KEY, 18, 18),
        Command(auth.REQUEST_RANDOM, 2, 2),
        Command(auth.REQUEST_RANDOM | auth.CRYPT_FLAG, 2, 5, bad_values=(
            # 82 <flags> or 82 <flags> 02 01 00, nothing between.
            ("3-bytes", b"\x82\x00\x02", MALFORMED, ("malformed",)),
            ("4-bytes", b"\x82\x00\x02\x01", MALFORMED,
             ("malformed",)),
        )),
        Command(auth.SEND_ANSWER, 18, 18),
        Command(auth.SEND_ANSWER | auth.CRYPT_FLAG, 18, 18),
    ),
    unknown=(0x00, 0x05, 0xff),
    setup=(CHALLENGE,), then=(ANSWER,), link=UNAUTHED,
    state_rows=(
        StateRow("answer-without-challenge",
                 bytes([auth.SEND_ANSWER, 0x00]) + bytes(16), REFUSED,
                 ("auth-failed",)),
        # A band without a key tells the wearer to pair it first.
        StateRow("random-on-a-new-band", REQUEST_RANDOM, REFUSED,
                 ("auth-failed", "screen-changed"), band=NEW,
                 screen="pair-first"),
    ))


def _fetch_bad_times():
    """01 01 with a time that is no time: 10 01 02 (docs/sync.md)."""
    good = FETCH_REQUEST
    seconds = bytes([fetch.START, fetch.TYPE_ACTIVITY]) + \
        encode_time(CLOCK_START, seconds=True)
    rows = [(label, patched(good, 2 + offset, part))
            for label, offset, part in BAD_TIME_FIELDS
            if offset < 6]          # year .. minute; the rest differs
    rows.append(("second-60", patched(seconds, 8, b"\x3c")))
    return tuple((label, value, MALFORMED, ("malformed",))
                 for label, value in rows)


FETCH = Commands(
    sample=FETCH_REQUEST,
    commands=(
        Command(fetch.START, 10, 11, bad_values=_fetch_bad_times() + (
            # Refused, not malformed: a type the band does not have.
            ("type-07", patched(FETCH_REQUEST, 1, b"\x07"), REFUSED, ()),
            ("type-ff", patched(FETCH_REQUEST, 1, b"\xff"), REFUSED, ()),
        )),
        Command(fetch.SEND_DATA, 1, 1),
        Command(fetch.ACK, 1, 1),
    ),
    unknown=(0x00, 0x04, 0xff),
    setup=(FETCH_ANNOUNCED,), then=(FETCH_SEND,),
    state_rows=(
        StateRow("send-with-nothing-announced", bytes([fetch.SEND_DATA]),
                 REFUSED),
        StateRow("send-after-a-completed-transfer",
                 bytes([fetch.SEND_DATA]), REFUSED,
                 setup=(FETCH_DONE,)),
        # Nothing completed, so nothing is deleted (docs/sync.md).
        StateRow("ack-with-nothing-delivered", bytes([fetch.ACK]),
                 SUCCESS, ("fetch-acked",)),
        StateRow("ack-of-an-announced-transfer", bytes([fetch.ACK]),
                 SUCCESS, ("fetch-acked",), setup=(FETCH_ANNOUNCED,),
                 then=(FETCH_SEND,)),
    ))

FIRMWARE = Commands(
    sample=bytes([firmware.REBOOT]),
    commands=(
        Command(firmware.SYNC, 1, 1),
        Command(firmware.INIT, 10, 10, bad_values=(
            ("type-07", patched(WATCHFACE_INIT, 1, b"\x07"), REFUSED,
             ("firmware-failed",)),
            ("size-0", patched(WATCHFACE_INIT, 2, bytes(4)), REFUSED,
             ("firmware-failed",)),
            ("size-over-4-mib",
             patched(WATCHFACE_INIT, 2,
                     struct.pack("<I", firmware.MAX_SIZE + 1)), REFUSED,
             ("firmware-failed",)),
        )),
        Command(firmware.START_DATA, 2, 2, bad_values=(
            ("02", bytes([firmware.START_DATA, 0x02]), MALFORMED,
             ("malformed",)),
        )),
        Command(firmware.CHECKSUM, 1, 1),
        Command(firmware.REBOOT, 1, 1),
    ),
    unknown=(0x02, 0x09, 0xff),
    setup=(FW_ANNOUNCED,), then=(FW_UPLOAD,),
    state_rows=(
        StateRow("start-without-init", bytes([firmware.START_DATA, 0x01]),
                 REFUSED),
        StateRow("check-without-init", bytes([firmware.CHECKSUM]),
                 REFUSED, ("firmware-failed",)),
        StateRow("start-twice", bytes([firmware.START_DATA, 0x01]),
                 REFUSED, setup=(FW_STARTED,), then=(FW_UPLOAD,)),
    ))


@dataclass(frozen=True)
class FirmwareData(Rule):
    """00001532: bytes of a transfer only while one is receiving; before
    03 01 they are dropped (no reply: it is a Write Command).  A write
    it must not take lands in the middle of an upload, which then
    verifies only if no byte of it was taken."""
    sample: bytes = WATCHFACE[:20]
    setup: tuple = (FW_STARTED,)
    then: tuple = (FW_UPLOAD,)

    def rows(self, char, make, profile):
        op = Op.WRITE_CMD
        yield make("state", "before-init", op, self.sample, setup=(),
                   then=())
        yield make("state", "before-start", op, self.sample,
                   setup=(FW_ANNOUNCED,), then=(FW_UPLOAD,))
        yield make("empty", "while-receiving", op, b"",
                   setup=(FW_STARTED,), then=(FW_UPLOAD,))


@dataclass(frozen=True)
class AlertLevel(Rule):
    """0x2A06 (docs/policies.md#calls): one level byte 0-3; anything
    else is a Write Command the band lets go with a malformed event."""
    sample: bytes = bytes([alerts.Level.MESSAGE])

    def rows(self, char, make, profile):
        op = Op.WRITE_CMD
        yield make("empty", "no-level", op, b"", events=("malformed",))
        yield make("long", "level-and-more", op, b"\x03\x00",
                   events=("malformed",))
        yield make("range", "level-04", op, b"\x04", events=("malformed",))


@dataclass(frozen=True)
class NewAlert(Rule):
    """0x2A46 (docs/policies.md#alerts): <category> 01 [<icon>] <text>;
    fewer bytes than its header get Invalid Attribute Value Length, a
    category none of §2.1's Value Not Allowed, and nothing is shown."""
    sample: bytes = alerts.alert(alerts.Category.SMS, "A", "x")

    def rows(self, char, make, profile):
        op, length = Op.WRITE_REQ, ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH
        yield make("empty", "no-category", op, b"", code=length)
        yield make("short", "category-only", op, b"\x05", code=length)
        yield make("short", "app-without-icon", op, b"\xfa\x01", code=length)
        yield make("range", "category-42", op, b"\x42\x01hi",
                   code=ErrorCode.VALUE_NOT_ALLOWED)
        yield make("range", "category-ff", op, b"\xff\x01hi",
                   code=ErrorCode.VALUE_NOT_ALLOWED)


@dataclass(frozen=True)
class Chunked(Rule):
    """00000020 (docs/policies.md#chunked-transfers): Write Commands, so
    what is not a chunk, or a whole transfer no part takes, is let go
    with chunk-dropped."""
    sample: bytes = alerts.chunk(alerts.ChunkType.ALERT, alerts.SINGLE, 0,
                                 alerts.alert(alerts.Category.SMS, "A"))

    def rows(self, char, make, profile):
        op, dropped = Op.WRITE_CMD, ("chunk-dropped",)
        yield make("empty", "no-header", op, b"", events=dropped)
        yield make("short", "header-cut", op, b"\x00\xc0", events=dropped)
        yield make("long", f"{MAX_VALUE}-bytes-no-chunk", op,
                   b"\xa5" * MAX_VALUE, events=dropped)
        yield make("range", "type-2", op,
                   alerts.chunk(2, alerts.SINGLE, 0, b"\x0b"), events=dropped)
        yield make("range", "continues-nothing", op,
                   alerts.chunk(0, alerts.LAST, 1, b"x"), events=dropped)
        yield make("range", "alert-category-42", op,
                   alerts.chunk(0, alerts.SINGLE, 0, b"\x42\x01hi"),
                   events=dropped)
        yield make("range", "gps-lead-07", op,
                   alerts.chunk(6, alerts.SINGLE, 0, b"\x07\x00\x00\x00\x00"),
                   events=dropped)


@dataclass(frozen=True)
class WorkoutGps(Rule):
    """0000000f (docs/workouts.md#the-phones-gps): the phone's GPS for a
    workout, a Write Command; what is not one is let go with a malformed
    event (and no workout runs here, so a good one changes nothing)."""
    sample: bytes = workouts.gps_payload(status=workouts.GPS_SEARCHING)

    def rows(self, char, make, profile):
        op, bad = Op.WRITE_CMD, ("malformed",)
        good = workouts.gps_payload(13.4, 52.5, status=workouts.GPS_ACQUIRED)
        yield make("empty", "no-lead", op, b"", events=bad)
        yield make("short", "flags-cut", op, good[:3], events=bad)
        yield make("short", "position-cut", op, good[:-1], events=bad)
        yield make("long", "position-and-more", op, good + b"\x00",
                   events=bad)
        yield make("range", "lead-07", op, b"\x07" + good[1:], events=bad)
        yield make("range", "flag-unknown", op,
                   patched(good, 1, struct.pack("<I", 0x80040001)),
                   events=bad)
        yield make("range", "latitude-91", op,
                   workouts.gps_payload(13.4, 91.0), events=bad)
        yield make("state", "no-workout", op, good)


# Every characteristic of profiles/miband4.ini, by its profile name.
RULES = {
    "device-name": Fixed(),
    "appearance": Fixed(),
    "ppcp": Fixed(),
    "service-changed": Fixed(),
    "system-id": Fixed(),
    "serial-number": Fixed(),
    "software-revision": Fixed(),
    "hardware-revision": Fixed(),
    "pnp-id": Fixed(),
    "heart-rate-measurement": Fixed(),
    "heart-rate-control": HeartRateControl(),
    "alert-level": AlertLevel(),
    "new-alert": NewAlert(),
    "alert-notification-control": Unexplained(),
    "sensor-control": Unexplained(),
    "sensor-data": Fixed(),
    "configuration": Settings(sample=FACTORY_RESET, bad=CONFIGURATION_BAD),
    "fetch-control": FETCH,
    "activity-data": Fixed(),
    "battery": Fixed(),
    "realtime-steps": Fixed(),
    "device-event": Fixed(),
    "user-settings": Settings(sample=STEP_GOAL, bad=USER_SETTINGS_BAD),
    "unknown-0e": Unexplained(),
    "workout": WorkoutGps(),
    "unknown-11": Unexplained(),
    "audio": Unexplained(),
    "audio-data": Unexplained(),
    "chunked-transfer": Chunked(),
    "current-time": CurrentTime(),
    "ppcp-miband": Unexplained(),
    "auth": AUTH,
    "unknown-fec1": Unexplained(),
    "unknown-fed0": Unexplained(),
    "unknown-fed1": Unexplained(),
    "unknown-fed2": Fixed(),
    "unknown-fed3": Unexplained(),
    "unknown-fedd": Unexplained(),
    "unknown-fede": Fixed(),
    "unknown-fedf": Fixed(),
    "unknown-4a02": Unexplained(),
    "firmware-control": FIRMWARE,
    "firmware-data": FirmwareData(),
}


# -------------------------------------------------------- generation

def write_ops(char):
    """The write operations the characteristic's properties allow."""
    ops = []
    if "write" in char.properties:
        ops.append(Op.WRITE_REQ)
    if "write-without-response" in char.properties:
        ops.append(Op.WRITE_CMD)
    return ops


def _maker(char, rule):
    """make(kind, label, op, value, ...) for rows on char's value; the
    rule's setup, then and link unless a row says otherwise."""
    def make(kind, label, op, value, code=None, answer=None, reply=None,
             events=(), **extra):
        for key in ("setup", "then", "link"):
            extra.setdefault(key, getattr(rule, key))
        handle = char.value_handle
        pdu = (write_req if op == Op.WRITE_REQ else write_cmd)(handle,
                                                                value)
        if code is not None:
            answer = error_rsp(op, handle, code)
        elif op == Op.WRITE_REQ and answer is None:
            answer = WRITE_RSP
        notes = ((handle, reply),) if reply is not None else ()
        return Row(id=f"{char.name}/{kind}/{label}", char=char.name,
                   kind=kind, pdu=pdu, answer=answer, notifications=notes,
                   events=tuple(events), **extra)
    return make


def _unauthorized(profile) -> int:
    return int(profile.section("policy")["unauthorized-att-error"], 0)


def _op_rows(char, rule, profile):
    """What the properties forbid, and the ATT limits of what they
    allow.  The rows that write run with the rule's setup."""
    name, handle = char.name, char.value_handle
    props = char.properties
    writing = dict(setup=rule.setup, then=rule.then, link=rule.link)
    if "read" not in props:
        for label, pdu, op in (("read", read_req(handle), Op.READ_REQ),
                               ("read-blob", read_blob(handle, 0),
                                Op.READ_BLOB_REQ)):
            yield Row(f"{name}/op/{label}-not-permitted", name, "op", pdu,
                      error_rsp(op, handle, ErrorCode.READ_NOT_PERMITTED))
    else:
        yield Row(f"{name}/op/read-blob-past-the-end", name, "op",
                  read_blob(handle, 0xFFFF),
                  error_rsp(Op.READ_BLOB_REQ, handle,
                            ErrorCode.INVALID_OFFSET))
    if "write" not in props:
        yield Row(f"{name}/op/write-request-not-permitted", name, "op",
                  write_req(handle, rule.sample),
                  error_rsp(Op.WRITE_REQ, handle,
                            ErrorCode.WRITE_NOT_PERMITTED), **writing)
    else:
        # ATT checks a request's length before its handle: no handle in
        # the error (docs/policies.md, ATT details).
        yield Row(f"{name}/oversize/write-request-{MTU + 1}-bytes", name,
                  "oversize", write_req(handle, padded(rule.sample)),
                  error_rsp(Op.WRITE_REQ, 0, ErrorCode.INVALID_PDU),
                  **writing)
        # A long write is only queued where the profile takes one
        # (docs/policies.md#long-writes); elsewhere it is refused.
        yield Row(f"{name}/long-write/prepare-write", name, "long-write",
                  prepare_write(handle, rule.sample),
                  prepare_write_rsp(handle, 0, rule.sample)
                  if char.long_write else
                  error_rsp(Op.PREPARE_WRITE_REQ, handle,
                            ErrorCode.REQUEST_NOT_SUPPORTED), **writing)
    if "write-without-response" not in props:
        yield Row(f"{name}/op/write-command-not-permitted", name, "op",
                  write_cmd(handle, rule.sample), **writing)
    else:
        yield Row(f"{name}/oversize/write-command-{MTU + 1}-bytes", name,
                  "oversize", write_cmd(handle, padded(rule.sample)),
                  **writing)
    if not {"notify", "indicate"} & set(props):
        yield _subscribe_elsewhere(char, profile)


def padded(value: bytes) -> bytes:
    """value and zeros: one byte more than ATT_MTU lets through."""
    return value + b"\x00" * (MAX_VALUE + 1 - len(value))


def _subscribe_elsewhere(char, profile):
    """``01 00`` written where a CCCD would follow the value: there is
    none, so it lands on whatever comes next (a declaration: not
    writable; nothing: no such handle)."""
    handle = char.value_handle + 1
    kind = dict(profile.attributes()).get(handle)
    code = (ErrorCode.INVALID_HANDLE if kind is None
            else ErrorCode.WRITE_NOT_PERMITTED)
    return Row(f"{char.name}/op/subscribe-without-notify", char.name, "op",
               write_req(handle, b"\x01\x00"),
               error_rsp(Op.WRITE_REQ, handle, code))


def _auth_rows(char, rule, profile):
    """A protected characteristic before Huami auth: the profile's
    unauthorized error for requests, nothing at all for a command."""
    if not char.auth:
        return
    name, handle = char.name, char.value_handle
    code = _unauthorized(profile)
    common = dict(char=name, kind="auth", link=UNAUTHED)
    if "read" in char.properties:
        yield Row(f"{name}/auth/read", pdu=read_req(handle),
                  answer=error_rsp(Op.READ_REQ, handle, code), **common)
    if "write" in char.properties:
        yield Row(f"{name}/auth/write-request",
                  pdu=write_req(handle, rule.sample),
                  answer=error_rsp(Op.WRITE_REQ, handle, code), **common)
    if "write-without-response" in char.properties:
        yield Row(f"{name}/auth/write-command",
                  pdu=write_cmd(handle, rule.sample), **common)
    if char.cccd_handle is not None:
        yield Row(f"{name}/auth/subscribe",
                  pdu=write_req(char.cccd_handle, b"\x01\x00"),
                  answer=error_rsp(Op.WRITE_REQ, char.cccd_handle, code),
                  **common)


def _cccd_rows(char):
    """Bad values on the CCCD of a notify or indicate characteristic."""
    handle = char.cccd_handle
    if handle is None:
        return
    name = char.name
    length = ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH
    bad = ErrorCode.CCCD_IMPROPERLY_CONFIGURED
    values = [("empty", b"", length), ("1-byte", b"\x01", length),
              ("3-bytes", b"\x01\x00\x00", length),
              ("0x0004", b"\x04\x00", bad), ("0xffff", b"\xff\xff", bad)]
    if "indicate" not in char.properties:
        values.append(("indicate-on-notify-only", b"\x02\x00", bad))
    if "notify" not in char.properties:
        values.append(("notify-on-indicate-only", b"\x01\x00", bad))
    for label, value, code in values:
        yield Row(f"{name}/cccd/{label}", name, "cccd",
                  write_req(handle, value),
                  error_rsp(Op.WRITE_REQ, handle, code))
    yield Row(f"{name}/cccd/write-command-0x0004", name, "cccd",
              write_cmd(handle, b"\x04\x00"))


def _rule_problem(char, rule):
    if rule is None:
        return (f"no rule for characteristic {char.name!r} "
                f"({char.uuid}): add one to RULES in "
                f"conformance/scenarios/helpers/badinput.py")
    writes = bool(write_ops(char))
    if writes != rule.writable:
        return (f"rule {type(rule).__name__} of {char.name!r} does not fit "
                f"its properties {', '.join(char.properties)}")
    return None


def rows_for(char, profile, rules=None):
    """Every row of one characteristic."""
    rules = RULES if rules is None else rules
    rule = rules.get(char.name)
    problem = _rule_problem(char, rule)
    if problem:
        yield Row(f"{char.name}/rule", char.name, "rule", b"",
                  problem=problem)
        return
    yield from _op_rows(char, rule, profile)
    yield from _auth_rows(char, rule, profile)
    yield from _cccd_rows(char)
    yield from rule.rows(char, _maker(char, rule), profile)


def handle_rows(profile):
    """Handles that are no characteristic value or CCCD."""
    attributes = profile.attributes()
    handles = [h for h, _ in attributes]
    for service in profile.services:
        handle = service.declaration_handle
        yield Row(f"service-{service.name}/handle/declaration",
                  f"service-{service.name}", "handle",
                  write_req(handle, b"\x01\x00"),
                  error_rsp(Op.WRITE_REQ, handle,
                            ErrorCode.WRITE_NOT_PERMITTED))
    gaps = [h + 1 for h, nxt in zip(handles, handles[1:]) if nxt > h + 1]
    for label, handle in (("handle-0x0000", 0x0000),
                          ("first-gap", gaps[0] if gaps else None),
                          ("past-the-end", handles[-1] + 1)):
        if handle is None:
            continue
        yield Row(f"table/handle/{label}", "table", "handle",
                  write_req(handle, b"\x01\x00"),
                  error_rsp(Op.WRITE_REQ, handle, ErrorCode.INVALID_HANDLE))


def table(profile, rules=None):
    """Every row for the profile, characteristics in profile order,
    then the handles that are none."""
    rows = []
    for char in profile.characteristics():
        rows.extend(rows_for(char, profile, rules))
    rows.extend(handle_rows(profile))
    names = {c.name for c in profile.characteristics()}
    rules = RULES if rules is None else rules
    for name in sorted(set(rules) - names):
        rows.append(Row(f"{name}/rule", name, "rule", b"",
                        problem=f"RULES has {name!r}, which the profile "
                                f"{profile.path} does not"))
    return rows


def cccd_value(char) -> bytes:
    """What a client writes to a CCCD to hear the characteristic."""
    return b"\x01\x00" if "notify" in char.properties else b"\x02\x00"
