"""Faults: the band misbehaving the way real bands do (docs/faults.md).

Each preset of the fault plan reproduces a report from the field:
Gadgetbridge's issues about Mi Band 4 and its Huami siblings, and the
guides for the band (each preset names its sources: `bandsim
--list-faults`, docs/faults.md).  For each one a scenario shows

- the symptom, deterministically: the preset is armed on a band with a
  day of data (InjectFault("preset=NAME")), a phone app meets it the
  naive way (one try, one deadline, no retry) and sees exactly the
  reported symptom, and ``fault-fired`` names the fault and its action.
  The same is done on a second fresh band and gives the same bytes and
  the same state;
- what a robust app does about it: it gives up on the broken try at its
  deadline, closes the link, waits until the band advertises again and
  tries again from its saved cursor (helpers/faults.py: Phone), or
  retries the update.  Presets fire once, so the second try goes
  through; the band's log (GetSamples) is the oracle: every sample
  exactly once.

Band time is frozen at CLOCK_START and moves by AdvanceClock only, so
every transfer is the same on every band: one day, 1440 samples, 24
packets of 60 at MTU 247.  A fault that makes the band go quiet is met
with a deadline of QUIET_S; the liveness oracle holds every operation to
its deadline.
"""

import datetime
import select
import subprocess
import time

import pytest

from bandsim.clients.alerts import AlertClient
from bandsim.clients.auth import AuthRefused
from bandsim.clients.fetch import (FetchInterrupted, FetchProtocolError,
                                   FetchTimeout, PacketCounterError,
                                   TransferError, samples_per_packet)
from bandsim.clients.firmware import FirmwareInterrupted, Refused
from bandsim.harness.control import ControlError
from bandsim.link.base import Disconnected, Timeout
from bandsim.link.deadline import SCALE, Deadline
from bandsim.oracles import ground_truth
from bandsim.oracles.liveness import slack
from bandsim.protocol import alerts as A
from bandsim.protocol.profile import default_profile
from bandsim.protocol.values import (STEPS_SIZE, ValueFormatError,
                                     decode_steps, encode_current_time)
from bandsim.tools import faultdoc

from scenarios.helpers.events import event_after, events_after, last_seq
from scenarios.helpers import faults
from scenarios.helpers.faults import (ACTIONS, DEVICE_EVENT, PRESETS,
                                      RETRY_S, Attempt, arm, fired,
                                      naive_samples, naive_transfer,
                                      parse_spec, retire)
from scenarios.helpers.pdus import hexs
from scenarios.helpers.sync import MINUTE, PER_DAY, SINCE, all_samples, logged
from scenarios.helpers.links import authenticated_link
from scenarios.helpers.update import (BOOT_S, FACTORY, FACTORY_VERSION, NEW,
                                      progress_recorder, read_revision,
                                      refused_connection, retry_installs,
                                      software_revision)

PER_PACKET = samples_per_packet(247)
REALTIME_STEPS = default_profile().characteristic("realtime-steps")
CURRENT_TIME = default_profile().characteristic("current-time")
# What twice() needs: a fresh band, and then another.
ON_TWO_FRESH_BANDS = pytest.mark.emulator_process(
    "a fresh activity log from CLOCK_START on two fresh bands")
FACTORY_IMAGE_TWICE = pytest.mark.emulator_process(
    "the factory image on two fresh bands")
# What a sync fault scenario asks of the control plane.
SYNC_FAULT_CONTROL = pytest.mark.needs_control(
    "InjectFault", "Faults", "AdvanceClock", "GetSamples", "Events")


# ------------------------------------------------------------- fixtures

class Case:
    """What a symptom run leaves for the robust part: the band's answer
    (signature, compared across two fresh bands) and the objects."""

    def __init__(self, signature, links=(), **context):
        self.signature = signature
        self.links = list(links)
        self.__dict__.update(context)


def twice(start_band, control, symptom):
    """symptom(band) -> Case on a fresh band, then on another: the same
    signature both times.  The first band is stopped (not left busy,
    exit 0); the second and its Case go on to the robust part."""
    first_band = start_band()
    first = symptom(first_band)
    retire(first_band, control, first.links)
    band = start_band()
    again = symptom(band)
    assert again.signature == first.signature, \
        f"a second fresh band differs:\n{again.signature}\n" \
        f"the first:\n{first.signature}"
    return band, again


def day_of_data(control) -> list:
    """A day of band life: 1440 samples from CLOCK_START."""
    return logged(control, 1)


def assert_quiet_deadline(attempt) -> None:
    """A try that met a silent band ended at its deadline, not later."""
    quiet = faults.QUIET_S
    assert quiet <= attempt.seconds <= quiet + slack(quiet), \
        attempt.describe()


def phone_case(phone, tried, *signature) -> Case:
    """The Case of a phone's broken try: the signature, the phone's
    links, the phone and the try."""
    return Case(signature, phone.links, phone=phone, tried=tried)


def then(control, fired_event, name: str, since: int):
    """The event `name` the fault's action led to: it comes after the
    fault-fired event."""
    later = event_after(control, name, since)
    assert later.seq > fired_event.seq, (later, fired_event)
    return later


def nothing_deleted(control) -> tuple:
    """(StoredSamples, AckedUntil) of a band that still holds its day of
    data and deleted none of it."""
    state = (control.stored_samples(), control.acked_until())
    assert state == (PER_DAY, 0)
    return state


def exactly_once(phone, control, context="") -> None:
    ground_truth.assert_exactly_once(phone.state.samples,
                                     all_samples(control), context=context)


def resync_once(case, context, remedy=None, before_sync=None):
    """The robust app comes back after the symptom (remedy: what the
    person does for a band that is off; before_sync: runs once the band
    advertises again) and syncs again: one try must be enough, and it
    holds every sample exactly once.  Returns the tries."""
    phone = case.phone
    phone.come_back(case.tried, remedy)
    if before_sync is not None:
        before_sync()
    tries = phone.sync()
    assert len(tries) == 1, [t.describe() for t in tries]
    exactly_once(phone, phone.control, context)
    return tries


def twice_then_resync(start_band, control, symptom, context, **resync):
    """The symptom on two fresh bands (twice()), then on the second the
    robust app's resync (resync_once()); returns its tries."""
    _, case = twice(start_band, control, symptom)
    return resync_once(case, context, **resync)


# ---------------------------------------------------------------- battery

@pytest.mark.needs_control("InjectFault", "Faults", "AdvanceClock",
                           "SetBattery", "SetCharging", "GetSamples",
                           "StoredSamples", "AckedUntil", "State", "Busy",
                           "Events")
@ON_TWO_FRESH_BANDS
def test_low_battery_drop(start_band, control, phones):
    """MB4/FAULT/BV-01: the band disconnects below 15 %

    Gadgetbridge #1734, a syncing guide: a phone stays linked all day;
    the battery ticks from 16 % to 15 % and the band drops the link at
    once, before the phone syncs, although the profile's own policy
    would only refuse a transfer.  The app reconnects once the person has put the band on
    the charger and syncs everything from its cursor.
    """
    def symptom(band):
        day_of_data(control)
        since, fault = arm(control, "low-battery-drop")
        phone = phones(band, control)

        def battery_falls():
            control.set_battery(16)
            control.advance_clock(MINUTE)

        tried = phone.attempt(faults.QUIET_S, before_sync=battery_falls,
                              quiet="sync")
        assert (tried.stage, type(tried.error)) == \
            ("sync", FetchInterrupted), tried.describe()
        event = fired(control, since, fault, "low-battery-drop",
                      "disconnect")
        level = event_after(control, "battery-changed", since, level=15)
        assert level.seq < event.seq
        assert events_after(control, "low-battery-drop", since) == []
        assert phone.state.samples == []
        state = (control.battery(), control.stored_samples(),
                 control.acked_until())
        assert state == (15, PER_DAY + 1, 0)
        return phone_case(phone, tried, tried.stage,
                          type(tried.error).__name__, tried.trace_hex(),
                          event.details, state)

    twice_then_resync(start_band, control, symptom, "after charging",
                      before_sync=lambda: control.set_charging(True))


@pytest.mark.needs_control("InjectFault", "Faults", "AdvanceClock",
                           "GetSamples", "Events")
@ON_TWO_FRESH_BANDS
def test_drops_idle_link(start_band, control, phones):
    """MB4/FAULT/BV-22: the band drops a link it has held for a while

    Gadgetbridge #1536 (a Mi Band 4 loses the connection after hours or
    days) and #493 (a Mi Band 2's unstable connection): half an hour of
    band time after the phone connected, the band drops the link, before
    the phone syncs.  The robust app connects again and syncs everything
    from its cursor.
    """
    def symptom(band):
        day_of_data(control)
        since, fault = arm(control, "drops-idle-link")
        phone = phones(band, control)
        tried = phone.attempt(
            faults.QUIET_S,
            before_sync=lambda: control.advance_clock(30 * MINUTE),
            quiet="sync")
        assert tried.stage == "sync", tried.describe()
        assert isinstance(tried.error, (FetchInterrupted, Disconnected)), \
            tried.describe()
        event = fired(control, since, fault, "drops-idle-link",
                      "disconnect")
        assert phone.state.samples == []
        return phone_case(phone, tried, tried.stage,
                          type(tried.error).__name__, event.details)

    twice_then_resync(start_band, control, symptom, "after the dropped link")


# ------------------------------------------------------------------- sync

def broken_try(band, preset, action, stage, error_type, phones, control,
               **phone_kw):
    """Arm `preset` on a band with a day of data and let the phone try
    once, with deadline QUIET_S from `stage` on (the stages before it have
    SETUP_S); the try ends at `stage` with error_type
    and the fault fired with `action`.  Returns (tried, event, since,
    phone)."""
    day_of_data(control)
    since, fault = arm(control, preset)
    phone = phones(band, control, **phone_kw)
    tried = phone.attempt(faults.QUIET_S, quiet=stage)
    assert (tried.stage, type(tried.error)) == (stage, error_type), \
        tried.describe()
    event = fired(control, since, fault, preset, action)
    return tried, event, since, phone


def sync_symptom(band, preset, action, error_type, received, phones,
                 control, **phone_kw):
    """broken_try() that ends in the sync after exactly `received`
    samples, the phone having saved nothing."""
    tried, event, since, phone = broken_try(
        band, preset, action, "sync", error_type, phones, control,
        **phone_kw)
    assert tried.received() == received, tried.describe()
    assert phone.state.samples == []
    return tried, event, since, phone


@pytest.mark.needs_control("InjectFault", "Faults", "AdvanceClock",
                           "GetSamples", "Busy", "Events")
@ON_TWO_FRESH_BANDS
@pytest.mark.takes(1)
def test_stuck_syncing(start_band, control, phones):
    """MB4/FAULT/BV-02: stuck on "Syncing..."

    Gadgetbridge #1295, #1162, #355: the progress stops after a few
    packets and the app shows "Syncing..." for ever.  The band goes quiet on the link after
    5 data packets (300 samples, each the band's own): the fetch
    client's deadline ends the try with a timeout while the band is
    still in the middle of the transfer (Busy "fetch").  The robust app
    closes the link, reconnects and syncs everything from its saved
    cursor.
    """
    def symptom(band):
        tried, event, _, phone = sync_symptom(
            band, "stuck-syncing", "silence", FetchTimeout, 5 * PER_PACKET,
            phones, control)
        assert_quiet_deadline(tried)
        packets = tried.fetch.data_packets()
        assert [p[0] for p in packets] == [0, 1, 2, 3, 4]
        assert naive_samples(tried.fetch.announced, packets) == \
            all_samples(control)[:5 * PER_PACKET]
        assert control.get("Busy") == "fetch"
        return phone_case(phone, tried, tried.trace_hex(), event.details)

    def idle():
        assert control.get("Busy") == ""

    twice_then_resync(start_band, control, symptom, "after the stuck try",
                      before_sync=idle)


@SYNC_FAULT_CONTROL
@ON_TWO_FRESH_BANDS
@pytest.mark.takes(1)
def test_sync_never_ends(start_band, control, phones):
    """MB4/FAULT/BV-03: the sync that never ends because the band never
    sends the end reply

    Gadgetbridge (Mi Band 4 and its Huami siblings): every packet
    arrives, but the end of the transfer, 10 02 01, does not, and the
    app waits for it for ever.  The fetch client's deadline ends the try
    with all 1440 samples in hand and no 10 02 01; a round that did not
    end is not saved, so the robust app asks for it again on a new link
    and acks it only then.
    """
    def symptom(band):
        tried, event, _, phone = sync_symptom(
            band, "sync-never-ends", "drop", FetchTimeout, PER_DAY,
            phones, control)
        assert_quiet_deadline(tried)
        assert len(tried.fetch.data_packets()) == PER_DAY // PER_PACKET
        replies = [hexs(r[:3]) for r in tried.fetch.replies()]
        assert replies == ["10 01 01"], replies         # no 10 02 01
        nothing_deleted(control)
        return phone_case(phone, tried, tried.trace_hex(), event.details)

    tries = twice_then_resync(start_band, control, symptom,
                              "after the endless try")
    assert [hexs(r[:3]) for r in tries[0].fetch.replies()] == \
        ["10 01 01", "10 02 01", "10 03 01", "10 01 01", "10 03 01"]
    assert control.stored_samples() == 0


def naive_symptom(band, control, phones, preset, action, handles=(),
                  timeout=None, **phone_kw):
    """A naive app meets `preset`, armed on a band with a day of data:
    one link, naive_transfer() within timeout (faults.QUIET_S unless
    given), and the fault fires with `action`.  Returns (Case,
    announcement, data packets, every notification taken, the band's
    log)."""
    if timeout is None:
        timeout = faults.QUIET_S
    truth = day_of_data(control)
    since, fault = arm(control, preset)
    phone = phones(band, control, **phone_kw)
    attempt = Attempt()
    fetch = phone.open(Deadline(RETRY_S), attempt)
    announced, seen = naive_transfer(fetch, SINCE, handles, timeout)
    event = fired(control, since, fault, preset, action)
    data = [v for h, v in seen if h == fetch.data_handle]
    case = Case(([(h, hexs(v)) for h, v in seen], event.details),
                phone.links, phone=phone, attempt=attempt)
    return case, announced, data, seen, truth


def armed_again(case, band, control, phones, preset, action, **phone_kw):
    """After a naive symptom: its link closed, the same fault armed
    again, and a robust app syncs until a try goes through; the fault
    fired with `action`.  Returns (the app's tries, the app)."""
    case.phone.come_back(case.attempt)
    since, fault = arm(control, preset)
    phone = phones(band, control, **phone_kw)
    tries = phone.sync()
    fired(control, since, fault, preset, action)
    return tries, phone


@SYNC_FAULT_CONTROL
@ON_TWO_FRESH_BANDS
def test_foreign_notification(start_band, control, phones):
    """MB4/FAULT/BV-04: a notification on another characteristic in the
    middle of a fetch ends the sync abnormally

    Gadgetbridge: a button event (device event 04 on 00000010) arrives
    between two activity packets.  An app that takes the link's next
    notification, whatever it is, as the next step of the fetch ends the
    transfer after 3 packets, with 180 of 1440 samples and no end reply.
    A robust app tells the characteristics apart: with the same fault
    armed again its fetch goes through in one try, every sample once,
    and the button press waits for the app's button handler.
    """
    fault = ("foreign-notification", "foreign-notify")

    def symptom(band):
        case, announced, data, seen, _ = naive_symptom(
            band, control, phones, *fault, (DEVICE_EVENT.value_handle,),
            subscribe=[DEVICE_EVENT])
        assert announced.count == PER_DAY
        assert [p[0] for p in data] == [0, 1, 2]
        assert seen[-1] == (DEVICE_EVENT.value_handle, b"\x04")
        assert len(naive_samples(announced, data)) == 3 * PER_PACKET
        return case

    band, case = twice(start_band, control, symptom)
    tries, phone = armed_again(case, band, control, phones, *fault,
                               subscribe=[DEVICE_EVENT])
    assert len(tries) == 1, [t.describe() for t in tries]
    assert tries[0].other == [(DEVICE_EVENT.value_handle, b"\x04")]
    exactly_once(phone, control, "with a button press mid-fetch")


@SYNC_FAULT_CONTROL
@ON_TWO_FRESH_BANDS
def test_counter_gap(start_band, control, phones):
    """MB4/FAULT/BV-05: packet-counter gap (GB: invalid package counter)

    Gadgetbridge logs "invalid package counter" and aborts the fetch:
    the 4th packet carries counter 04 where 03 was due.  The fetch
    client refuses the transfer (a skipped counter is a lost packet) and
    saves nothing of it; the robust app syncs again on a new link.
    """
    def symptom(band):
        tried, event, _, phone = sync_symptom(
            band, "counter-gap", "skip-counter", PacketCounterError,
            4 * PER_PACKET, phones, control)
        error = tried.error
        assert (error.expected, error.got, error.packet_index,
                error.received) == (3, 4, 3, 3 * PER_PACKET)
        assert "skipped" in str(error)
        assert [p[0] for p in tried.fetch.data_packets()] == [0, 1, 2, 4]
        return phone_case(phone, tried, tried.trace_hex(), event.details)

    twice_then_resync(start_band, control, symptom, "after the counter gap")


@SYNC_FAULT_CONTROL
@ON_TWO_FRESH_BANDS
def test_counter_starts_late(start_band, control, phones):
    """MB4/FAULT/BV-18: the first data packet carries counter 01

    Gadgetbridge #1144, "invalid package counter", at the start of a
    transfer: the band answers the fetch start and its first packet
    carries 01 where 00 was due.  The fetch client refuses the transfer
    before it takes a sample; the robust app syncs again on a new link.
    """
    def symptom(band):
        tried, event, _, phone = sync_symptom(
            band, "counter-starts-late", "skip-counter", PacketCounterError,
            PER_PACKET, phones, control)
        error = tried.error
        assert (error.expected, error.got, error.packet_index,
                error.received) == (0, 1, 0, 0)
        assert [p[0] for p in tried.fetch.data_packets()] == [1]
        return phone_case(phone, tried, tried.trace_hex(), event.details)

    twice_then_resync(start_band, control, symptom,
                      "after the late first counter")


@SYNC_FAULT_CONTROL
@ON_TWO_FRESH_BANDS
def test_short_packet(start_band, control, phones):
    """MB4/FAULT/BV-19: an activity packet one byte short

    Gadgetbridge #915, "remaining bytes: 3, received: 4": the length of
    what arrives disagrees with the samples it should carry.  The third
    packet ends mid-sample, 240 bytes where 241 were due; the fetch
    client refuses the transfer rather than take 59 samples and a
    fragment, and saves nothing; the robust app syncs again on a new
    link.
    """
    def symptom(band):
        tried, event, _, phone = sync_symptom(
            band, "short-packet", "truncate", FetchProtocolError,
            3 * PER_PACKET - 1, phones, control)
        sizes = [len(p) for p in tried.fetch.data_packets()]
        assert sizes == [1 + 4 * PER_PACKET] * 2 + [4 * PER_PACKET]
        return phone_case(phone, tried, tried.trace_hex(), event.details)

    twice_then_resync(start_band, control, symptom, "after the short packet")


@SYNC_FAULT_CONTROL
@ON_TWO_FRESH_BANDS
def test_long_packet(start_band, control, phones):
    """MB4/FAULT/BV-24: an activity packet one byte long

    Gadgetbridge #701, a Mi Band 1S: "remaining bytes 4, received 5",
    always one more than the samples can hold.  The third packet carries
    a zero after its 60 samples, 242 bytes where 241 were due; the fetch
    client refuses the transfer rather than take a byte that belongs to
    no sample, and saves nothing; the robust app syncs again on a new
    link.
    """
    def symptom(band):
        tried, event, _, phone = sync_symptom(
            band, "long-packet", "extend", FetchProtocolError,
            3 * PER_PACKET, phones, control)
        packets = tried.fetch.data_packets()
        assert [len(p) for p in packets] == \
            [1 + 4 * PER_PACKET] * 2 + [2 + 4 * PER_PACKET]
        assert packets[2][-1] == 0x00
        nothing_deleted(control)
        return phone_case(phone, tried, tried.trace_hex(), event.details)

    twice_then_resync(start_band, control, symptom, "after the long packet")


@SYNC_FAULT_CONTROL
@ON_TWO_FRESH_BANDS
def test_transfer_ends_early(start_band, control, phones):
    """MB4/FAULT/BV-25: a fetch that ends early as if it were complete

    Gadgetbridge #1162 and #330: each fetch brings a few minutes of
    data, and the app has to fetch again and again; #691: the app
    fetches again while the last timestamp is still old.  The band
    announces the day, 1440 samples, sends five packets (300) and then
    the end reply 10 02 01, success.  An app that believes the end reply
    holds five hours of a day.  The fetch client counts: 300 of 1440
    announced is not a whole transfer, so it saves and acks nothing, and
    the band deletes nothing; the robust app fetches again and gets
    every sample once.
    """
    def symptom(band):
        tried, event, _, phone = sync_symptom(
            band, "transfer-ends-early", "end", TransferError,
            5 * PER_PACKET, phones, control)
        replies = [hexs(r[:3]) for r in tried.fetch.replies()]
        assert replies == ["10 01 01", "10 02 01"], replies
        assert tried.fetch.announced.count == PER_DAY
        assert naive_samples(tried.fetch.announced,
                             tried.fetch.data_packets()) == \
            all_samples(control)[:5 * PER_PACKET]
        nothing_deleted(control)
        return phone_case(phone, tried, tried.trace_hex(), event.details)

    twice_then_resync(start_band, control, symptom,
                      "after the transfer that ended early")


@SYNC_FAULT_CONTROL
@ON_TWO_FRESH_BANDS
def test_duplicate_packet(start_band, control, phones):
    """MB4/FAULT/BV-06: a packet sent twice

    Gadgetbridge: a repeated packet counter.  An app that takes every
    packet as it comes and times sample i at start + i minutes holds 60
    samples too many, everything after the repeat an hour late, and an
    hour the band never lived.  The fetch client refuses the repeat
    (counter 03 again where 04 was due); the robust app, meeting the
    same fault armed again, syncs again on a new link and ends with
    every sample once.
    """
    fault = ("duplicate-packet", "duplicate")

    def symptom(band):
        case, announced, data, seen, truth = naive_symptom(
            band, control, phones, *fault, timeout=RETRY_S)
        counters = [p[0] for p in data]
        assert counters == [0, 1, 2, 3] + list(range(3, PER_DAY //
                                                     PER_PACKET))
        fetch_control = case.attempt.fetch.control_handle
        assert seen[-1] == (fetch_control, b"\x10\x02\x01")
        held = naive_samples(announced, data)
        assert len(held) == PER_DAY + PER_PACKET
        verdict = ground_truth.compare(held, truth)
        assert len(verdict.unexpected) == PER_PACKET and not verdict.lost, \
            verdict.describe()
        return case

    band, case = twice(start_band, control, symptom)
    tries, phone = armed_again(case, band, control, phones, *fault)
    assert [type(t.error) for t in tries] == [PacketCounterError,
                                             type(None)], \
        [t.describe() for t in tries]
    error = tries[0].error
    assert (error.expected, error.got, error.packet_index) == (4, 3, 4)
    assert "repeated" in str(error)
    exactly_once(phone, control, "after the repeated packet")


@pytest.mark.needs_control("InjectFault", "Faults", "AdvanceClock",
                           "GetSamples", "StoredSamples", "AckedUntil",
                           "Events")
@ON_TWO_FRESH_BANDS
def test_partial_sync(start_band, control, phones):
    """MB4/FAULT/BV-07: a partial sync that needs two runs

    Gadgetbridge: the band drops the link after 10 packets (600 of 1440
    samples); the sync ends half done and the user has to sync again.
    The band deleted nothing, the app saved nothing of the cut round,
    and its second run from the saved cursor brings every sample once.
    """
    def symptom(band):
        tried, event, since, phone = sync_symptom(
            band, "partial-sync", "disconnect", FetchInterrupted,
            10 * PER_PACKET, phones, control)
        assert tried.error.received == 10 * PER_PACKET
        event_after(control, "fetch-aborted", since, reason="disconnected")
        return phone_case(phone, tried, tried.trace_hex(), event.details,
                          nothing_deleted(control))

    twice_then_resync(start_band, control, symptom, "on the second run")


@pytest.mark.needs_control("InjectFault", "Faults", "AdvanceClock",
                           "GetSamples", "StoredSamples", "AckedUntil",
                           "State", "Events")
@ON_TWO_FRESH_BANDS
def test_reboot_mid_sync(start_band, control, phones):
    """MB4/FAULT/BV-08: the band reboots in the middle of a sync

    Gadgetbridge #734, #839, a reboot guide: the band reboots in the
    middle of a sync.  The link drops after 5 packets; the band comes
    back with its log and binding intact, and the robust app, once the
    band advertises again, authenticates and resyncs from its cursor.
    """
    def symptom(band):
        tried, event, since, phone = sync_symptom(
            band, "reboot-mid-sync", "reboot", FetchInterrupted,
            5 * PER_PACKET, phones, control)
        then(control, event, "reboot", since)
        return phone_case(phone, tried, tried.trace_hex(), event.details,
                          nothing_deleted(control))

    twice_then_resync(start_band, control, symptom, "after the reboot")


@pytest.mark.needs_control("InjectFault", "Faults", "AdvanceClock", "State",
                           "Bound", "Events")
@pytest.mark.emulator_process("a fresh band twice, each rebooted")
def test_reboot_on_alert(start_band, control):
    """MB4/FAULT/BV-21: a notification makes the band reboot

    Gadgetbridge #734: a notification text that overflows the band's
    font makes it reboot.  The phone sends one text alert and the band
    reboots at once: the link drops and the alert is never shown.  The
    band boots with its binding and its log, and the robust app, once it
    advertises again, authenticates and sends the alert again, which is
    shown.
    """
    def symptom(band):
        since, fault = arm(control, "reboot-on-alert")
        att = authenticated_link(band)
        answered = True
        try:
            AlertClient(att).send(A.Category.SMS, "Ann", "tea at 6?")
        except (Disconnected, Timeout):
            answered = False
        event = fired(control, since, fault, "reboot-on-alert", "reboot")
        then(control, event, "reboot", since)
        band.wait_status("DISCONNECTED=1")
        state = control.get("State")
        assert events_after(control, "alert-received", since) == []
        return Case((answered, event.details, state), [att])

    band, case = twice(start_band, control, symptom)
    for att in case.links:
        att.close()
    control.advance_clock(BOOT_S + 1)
    band.wait_status("ADVERTISING=1")
    assert control.get("Bound") is True
    att = authenticated_link(band)
    mark = last_seq(control)
    AlertClient(att).send(A.Category.SMS, "Ann", "tea at 6?")
    event_after(control, "alert-received", mark, title="Ann",
                text="tea at 6?")
    band.disconnect(att)


@pytest.mark.needs_control("InjectFault", "Faults", "AdvanceClock",
                           "SetCharging", "GetSamples", "Battery", "State",
                           "Events")
@pytest.mark.emulator_process(
    "a fresh activity log from CLOCK_START on two fresh bands; its socket "
    "refuses while off")
def test_brown_out_mid_sync(start_band, control, phones):
    """MB4/FAULT/BV-09: the band dies in the middle of a sync

    The syncing and reboot guides: the battery gives out mid-sync (a
    brown-out): the link drops after 5 packets, the band is off (0 %)
    and turns every reconnect away.  Once it is on the charger it boots, and the app's
    next run from its cursor brings every sample once, those logged
    before the brown-out and after the boot.
    """
    def symptom(band):
        tried, event, since, phone = sync_symptom(
            band, "brown-out-mid-sync", "brown-out", FetchInterrupted,
            5 * PER_PACKET, phones, control)
        then(control, event, "power-off", since)
        control.wait_property("State", "off")
        assert control.battery() == 0
        assert refused_connection(band)
        return phone_case(phone, tried, tried.trace_hex(), event.details,
                          control.battery(), control.get("State"))

    def charge():
        control.set_charging(True)
        control.advance_clock(10 * MINUTE)

    twice_then_resync(start_band, control, symptom, "after the brown-out",
                      remedy=charge)


# --------------------------------------------------------------- firmware

@pytest.mark.needs_control("InjectFault", "Faults", "Firmware",
                           "AdvanceClock", "Events")
@FACTORY_IMAGE_TWICE
def test_interrupted_update(start_band, control, updaters):
    """MB4/FAULT/BV-10: the interrupted update

    Xiaomi's support FAQ, Gadgetbridge #176: the update that must not be
    interrupted, cut at 57 %.
    The band drops the link once 57 % of the image has arrived, discards
    the transfer and keeps running its old image; the app's retry, from
    01 on a new link, installs the new one.
    """
    def symptom(band):
        since, fault = arm(control, "interrupted-update")
        fw = updaters(band)
        with pytest.raises(FirmwareInterrupted) as info:
            fw.update(NEW, timeout=RETRY_S)
        event = fired(control, since, fault, "interrupted-update",
                      "disconnect")
        failed = event_after(control, "firmware-failed", since)
        assert failed.details == {"reason": "interrupted"}
        band.wait_dropped()
        assert 57 * len(NEW) <= 100 * info.value.sent, info.value.sent
        assert control.firmware() == FACTORY
        assert read_revision(band) == FACTORY_VERSION
        assert events_after(control, "firmware-verified", since) == []
        return Case((event.details, failed.details, control.firmware()),
                    [fw.att])

    band, _ = twice(start_band, control, symptom)
    retry_installs(band, control, updaters(band))


# The upload's deadline: the 99 % that go through, then the wait after
# them.  It is a working band's time, so it stretches with
# BANDSIM_TIMEOUT_SCALE: through bluetoothd in the VM each Write Command
# is a D-Bus call, and 2 s carried 26 KB of the 64 KB image.
STALL_S = 2.0 * SCALE


@pytest.mark.needs_control("InjectFault", "Faults", "Firmware",
                           "AdvanceClock", "Events")
@FACTORY_IMAGE_TWICE
@pytest.mark.takes(4)
def test_update_stalls_at_99(start_band, control, updaters, target):
    """MB4/FAULT/BV-20: the firmware transfer stalls at 99 %

    Gadgetbridge #873: "it's just going to 99% and fail".  The band goes
    quiet once 99 % of the image has arrived: the next 00 sync, or the
    end of the data, is never answered and the upload ends at the app's
    deadline.  The band still runs its old image; once the app closes
    the link the transfer is discarded, and a retry on a new link
    installs the new image.
    """
    if target.through_bluetoothd:
        pytest.skip("a request the band leaves unanswered gets 0x0E through "
                    "bluetoothd, which cannot keep a call pending past the "
                    "link's end (docs/bluez.md)")

    def symptom(band):
        since, fault = arm(control, "update-stalls-at-99")
        fw = updaters(band)
        # The deadline covers the 99 % that go through as well as the
        # wait after them: an upload that takes some 0.1 s here, and a
        # busy machine's ASan band ten times that, must not run out of
        # it before the band goes quiet.
        with pytest.raises(Timeout):
            fw.update(NEW, timeout=STALL_S)
        event = fired(control, since, fault, "update-stalls-at-99",
                      "silence")
        assert control.firmware() == FACTORY
        band.disconnect(fw.att)
        failed = event_after(control, "firmware-failed", since)
        assert failed.details == {"reason": "interrupted"}
        assert events_after(control, "firmware-verified", since) == []
        assert control.firmware() == FACTORY
        assert read_revision(band) == FACTORY_VERSION
        return Case((event.details, failed.details, control.firmware()),
                    [fw.att])

    band, _ = twice(start_band, control, symptom)
    retry_installs(band, control, updaters(band))


@pytest.mark.needs_control("InjectFault", "Faults", "Firmware",
                           "AdvanceClock", "Events")
@FACTORY_IMAGE_TWICE
def test_update_fails_at_100(start_band, control, updaters):
    """MB4/FAULT/BV-11: the firmware transfer reaches 100 % and then fails

    Gadgetbridge: the progress bar reaches 100 %, 10 03 01 comes, and
    the checksum command 04 is answered 10 04 04.  Nothing is installed
    and the old version still runs; the app's retry of the whole update
    (a new 01 on the same link) installs the new image.
    """
    def symptom(band):
        since, fault = arm(control, "update-fails-at-100")
        fw = updaters(band)
        seen, progress = progress_recorder()
        with pytest.raises(Refused) as info:
            fw.update(NEW, progress=progress, timeout=RETRY_S)
        assert (info.value.command, hexs(info.value.reply)) == \
            (0x04, "10 04 04")
        assert seen[-1] == (len(NEW), len(NEW))
        event = fired(control, since, fault, "update-fails-at-100",
                      "status")
        assert events_after(control, "firmware-verified", since) == []
        assert control.firmware() == FACTORY
        assert software_revision(fw.att) == FACTORY_VERSION
        return Case((hexs(info.value.reply), event.details,
                     control.firmware()), [fw.att], fw=fw)

    band, case = twice(start_band, control, symptom)
    retry_installs(band, control, case.fw)


# ------------------------------------------------------------ the link

@pytest.mark.needs_control("InjectFault", "Faults", "AdvanceClock",
                           "GetSamples", "Authenticated", "Events")
@ON_TWO_FRESH_BANDS
@pytest.mark.takes(1)
def test_auth_never_answers(start_band, control, phones):
    """MB4/FAULT/BV-12: the auth answer never comes

    Gadgetbridge: initialisation stalls at "authenticating".  The band
    checks the answer and takes the link as authenticated, but its
    10 03 01 never reaches the phone, whose auth ends in a timeout.  The
    robust app closes the link, reconnects, authenticates and syncs.
    """
    def symptom(band):
        tried, event, since, phone = broken_try(
            band, "auth-never-answers", "drop", "auth", Timeout, phones,
            control)
        assert_quiet_deadline(tried)
        succeeded = event_after(control, "auth-succeeded", since)
        authenticated = control.get("Authenticated")
        assert authenticated is True
        return phone_case(phone, tried, tried.stage, event.details,
                          succeeded.details, authenticated)

    twice_then_resync(start_band, control, symptom, "after the silent auth")


@pytest.mark.needs_control("InjectFault", "Faults", "AdvanceClock",
                           "GetSamples", "Bound", "KeyId", "Authenticated",
                           "StoredSamples", "AckedUntil", "Events")
@ON_TWO_FRESH_BANDS
def test_key_refused(start_band, control, phones):
    """MB4/FAULT/BV-23: the band refuses the app's key

    Gadgetbridge #1627 (a key pasted with the Enter after it), #1603 and
    #1653 (pairing that loops): the encrypted answer gets 10 03 04, auth
    failed.  The band stays bound to its key and the link is not
    authenticated; nothing is fetched or deleted.  The robust app does
    not pair again at once, which would ask for a tap and loop: it says
    the key was refused and, once the person has entered the key again,
    connects, authenticates and syncs.
    """
    def symptom(band):
        key_id = control.get("KeyId")
        tried, event, since, phone = broken_try(
            band, "key-refused", "status", "auth", AuthRefused, phones,
            control)
        assert (tried.error.command, tried.error.status) == (0x03, 0x04)
        state = (control.get("Bound"), control.get("KeyId") == key_id,
                 control.get("Authenticated"))
        assert state == (True, True, False)
        assert events_after(control, "auth-succeeded", since) == []
        nothing_deleted(control)
        return phone_case(phone, tried, tried.stage, str(tried.error),
                          event.details, state)

    twice_then_resync(start_band, control, symptom, "after the refused key")


@pytest.mark.needs_control("InjectFault", "Faults", "AdvanceClock",
                           "GetSamples", "Events")
@ON_TWO_FRESH_BANDS
def test_steps_value_short(start_band, control):
    """MB4/FAULT/BV-26: a live step count the app does not recognise

    Gadgetbridge #1363 and #1121: "Unrecognized realtime steps value",
    and the live activity shows nothing.  Every realtime-steps
    notification comes one byte short, 12 bytes where the Mi Band 4
    sends 13; the decoder refuses it.  The robust app keeps the figure
    it had and reads 00000007, whose 13 bytes hold the day's steps: the
    sum of the steps byte of every minute logged today.
    """
    def symptom(band):
        since, fault = arm(control, "steps-value-short")
        att = authenticated_link(band)
        att.write(REALTIME_STEPS.cccd_handle, b"\x01\x00")
        control.advance_clock(MINUTE)
        value = att.wait_notification(REALTIME_STEPS.value_handle,
                                      RETRY_S)
        assert len(value) == STEPS_SIZE - 1, hexs(value)
        with pytest.raises(ValueFormatError):
            decode_steps(value)
        # count=0: it stays armed, and cuts every value.
        event = event_after(control, "fault-fired", since, id=fault)
        assert event.details == {"id": fault, "name": "steps-value-short",
                                 "action": "truncate"}, event.details
        assert fault in [i for i, _ in control.faults()]
        return Case((hexs(value), event.details), [att], att=att)

    band, case = twice(start_band, control, symptom)
    read = case.att.read(REALTIME_STEPS.value_handle)
    assert len(read) == STEPS_SIZE and read[0] == 0x0C, hexs(read)
    # A fresh band's log starts at CLOCK_START, Monday 10:30: all today.
    today = all_samples(control)
    assert today and decode_steps(read).steps == \
        sum(data[2] for _, data in today)
    band.disconnect(case.att)


@pytest.mark.needs_control("InjectFault", "Faults", "AdvanceClock",
                           "GetSamples", "Clock", "Events")
@ON_TWO_FRESH_BANDS
def test_time_write_ignored(start_band, control):
    """MB4/FAULT/BV-27: the band does not take the time the phone sets

    Gadgetbridge #441 and #459 (setting the time does nothing; a band
    hours off), xDrip #1493 (a Mi Band 4 an hour ahead after the change
    from summer time): the phone writes 0x2A2B with its local time, the
    Write Request is answered, and the band's clock stays where it was.
    The robust app reads 0x2A2B back after setting it, finds the band's
    time not its own, and writes it again: the second write takes.
    """
    phone_time = datetime.datetime(2024, 5, 20, 12, 30)
    written = encode_current_time(phone_time, 8)

    def symptom(band):
        since, fault = arm(control, "time-write-ignored")
        att = authenticated_link(band)
        att.write(CURRENT_TIME.value_handle, written)
        event = fired(control, since, fault, "time-write-ignored", "drop")
        back = att.read(CURRENT_TIME.value_handle)
        assert back[:7] != written[:7], hexs(back)
        return Case((hexs(back), event.details), [att], att=att)

    band, case = twice(start_band, control, symptom)
    att = case.att
    att.write(CURRENT_TIME.value_handle, written)
    back = att.read(CURRENT_TIME.value_handle)
    assert (hexs(back[:7]), back[10]) == (hexs(written[:7]), 8), hexs(back)
    band.disconnect(att)


@pytest.mark.needs_control("InjectFault", "Faults", "AdvanceClock",
                           "GetSamples", "State", "Events")
@ON_TWO_FRESH_BANDS
@pytest.mark.takes(1)
def test_half_connected(start_band, control, phones, target):
    """MB4/FAULT/BV-13: the half-connected link that never initialises

    Gadgetbridge: the phone shows "connected" but the band never
    answers, so initialisation never starts.  The link is up (State
    "connected") and the first ATT request, the MTU exchange, times out.
    The robust app closes the link and connects again.
    """
    if target.through_bluetoothd:
        # The central's bluetoothd asks the band itself as the link comes
        # up (MTU, PnP ID): a band silent from the start can fail that
        # connect, bleak's link tries again, and the fault, which fires
        # once, is spent on a link the phone never saw (in the VM: link 1
        # silent and dropped, link 2 synced).
        pytest.skip("through bluetoothd a band silent from the link's start "
                    "can fail the connect itself, and the retry meets a "
                    "band whose fault is spent")

    def symptom(band):
        tried, event, _, phone = broken_try(
            band, "half-connected", "silence", "mtu", Timeout, phones,
            control)
        assert_quiet_deadline(tried)
        state = control.get("State")
        assert state == "connected"
        return phone_case(phone, tried, tried.stage, event.details, state)

    twice_then_resync(start_band, control, symptom,
                      "after the half-connected link")


# ------------------------------------------------------------- liveness

@pytest.mark.needs_control("InjectFault", "Faults", "AdvanceClock", "Busy",
                           "Events")
@pytest.mark.emulator_process("a fresh activity log from CLOCK_START")
def test_liveness_catches_a_hang(band, control, phones, liveness, target):
    """MB4/FAULT/BV-14: a client without a deadline would hang on a stuck
    band; with one it reports Timeout at the deadline

    The band of "stuck on Syncing..." is quiet after 5 packets and stays
    so while the link lasts: nothing arrives, not even the answer to an
    ATT request, so a read without a deadline would never return.  The
    suite's operations have deadlines: the stream ends with Timeout
    within its deadline plus the liveness slack, the liveness record
    holds it as a timeout and not as late, and the band is Busy "fetch"
    until the phone closes the link, "" after.
    """
    day_of_data(control)
    since, fault = arm(control, "stuck-syncing")
    phone = phones(band, control)
    attempt = Attempt()
    fetch = phone.open(Deadline(RETRY_S), attempt)
    assert fetch.start(SINCE).count == PER_DAY
    start = time.monotonic()
    with pytest.raises(FetchTimeout):
        with liveness.operation("fetch.stream", faults.QUIET_S):
            fetch.stream(timeout=faults.QUIET_S)
    took = time.monotonic() - start
    quiet = faults.QUIET_S
    assert quiet <= took <= quiet + slack(quiet), took
    fired(control, since, fault, "stuck-syncing", "silence")
    assert len(fetch.last_transfer.counters) == 5
    # Nothing is waiting: a recv() without a deadline would block here
    # (a socket's own queue included; a link through bluetoothd has none).
    assert fetch.att.take_unsolicited() == []
    if hasattr(fetch.att, "fileno"):
        assert select.select([fetch.att.fileno()], [], [], 0)[0] == []
    assert control.get("Busy") == "fetch"
    # A request is not answered either: through bluetoothd, which cannot
    # keep a call pending past the link's end, it gets 0x0E at once
    # (docs/bluez.md).
    stuck_read = not target.through_bluetoothd
    if stuck_read:
        with pytest.raises(Timeout):
            fetch.att.read(REALTIME_STEPS.value_handle,
                           timeout=faults.QUIET_S / 2)

    stats = liveness.summary()["by_name"]
    assert (stats["fetch.stream"]["count"],
            stats["fetch.stream"]["timeouts"]) == (1, 1)
    assert stats["att.wait_any_notification"]["timeouts"] == 1
    if stuck_read:
        assert stats["att.read"]["timeouts"] == 1
    assert liveness.problems() == []

    fetch.att.close()
    band.wait_status("DISCONNECTED=1")
    control.wait_property("Busy", "", 2.0)
    band.wait_status("ADVERTISING=1")


# ------------------------------------------------------ the fault plan

@pytest.mark.needs_control("InjectFault", "ClearFaults", "Faults",
                           "AdvanceClock", "GetSamples", "Events")
@pytest.mark.emulator_process("a fresh activity log from CLOCK_START")
def test_clear_faults_disarms(band, control, phones):
    """MB4/FAULT/BV-15: ClearFaults disarms every fault

    A harness that armed faults and changed its mind: Faults lists each
    armed fault with its id and the line as given, ClearFaults empties
    it, and a whole sync afterwards meets none of them.
    """
    day_of_data(control)
    since = last_seq(control)
    names = ["half-connected", "auth-never-answers", "stuck-syncing",
             "counter-gap"]
    ids = [control.inject_fault(f"preset={name}") for name in names]
    assert len(set(ids)) == len(ids)
    assert sorted(control.faults()) == \
        sorted(zip(ids, (f"preset={name}" for name in names)))
    control.clear_faults()
    assert control.faults() == []
    phone = phones(band, control)
    tries = phone.sync(attempts=1)
    assert tries[0].ok
    assert events_after(control, "fault-fired", since) == []
    exactly_once(phone, control, "with every fault cleared")


@pytest.mark.needs_control("InjectFault", "ClearFaults", "Faults")
@pytest.mark.emulator_process("runs the emulator binary with --list-faults")
def test_list_faults(emulator_binary, band, control):
    """MB4/FAULT/BV-16: bandsim --list-faults names every preset

    One preset a line, NAME<TAB>fault line<TAB>what it reproduces<TAB>
    where it was reported (LABEL <https://...>, "; " between them), at
    least ten of them, the documented ones with their documented fault
    lines; every name it prints is armed by InjectFault("preset=NAME").
    """
    listing = subprocess.run([str(emulator_binary), "--list-faults"],
                             capture_output=True, text=True, timeout=5,
                             stdin=subprocess.DEVNULL)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert len(lines) >= 10, listing.stdout
    listed = {}
    for line in lines:
        fields = line.split("\t")
        assert len(fields) == 4 and all(f.strip() for f in fields), line
        name, spec, _, cited = fields
        assert faultdoc.sources(cited), line
        assert " " not in name and "=" not in name, line
        assert name not in listed, f"{name} listed twice"
        assert parse_spec(spec).get("action") in ACTIONS, line
        listed[name] = spec
    assert sorted(set(PRESETS) - set(listed)) == []
    for name, spec in PRESETS.items():
        assert parse_spec(listed[name]) == parse_spec(spec), name
    ids = [control.inject_fault(f"preset={name}") for name in listed]
    assert sorted(control.faults()) == \
        sorted(zip(ids, (f"preset={name}" for name in listed)))
    control.clear_faults()
    assert control.faults() == []


BAD_LINES = [
    pytest.param("trigger=notify action=explode", "action",
                 id="unknown-action"),
    pytest.param("trigger=sometimes action=drop", "trigger",
                 id="unknown-trigger"),
    pytest.param("trigger=notify chr=no-such-thing action=drop", "chr",
                 id="unknown-chr"),
    pytest.param("trigger=notify chr=activity-data after=soon action=drop",
                 "after", id="bad-number"),
    pytest.param("trigger=notify chr=auth match=zz action=drop", "match",
                 id="bad-hex"),
    pytest.param("trigger=notify chr=auth action=drop colour=red", "colour",
                 id="unknown-key"),
    pytest.param("preset=no-such-preset", "preset", id="unknown-preset"),
]


@pytest.mark.needs_control("InjectFault", "Faults")
@pytest.mark.parametrize("line, key", BAD_LINES)
def test_bad_fault_line(band, control, line, key):
    """MB4/FAULT/BI-01: a bad fault line is refused, naming the key

    A harness with a typo in its fault line must hear which word is
    wrong (io.bandsim.Error.InvalidArgs, the key in the message), and
    nothing is armed.
    """
    with pytest.raises(ControlError) as info:
        control.inject_fault(line)
    assert info.value.name == "io.bandsim.Error.InvalidArgs", info.value
    assert f"{key}:" in str(info.value), info.value
    assert control.faults() == []


@pytest.mark.emulator_process("runs the emulator binary with --faults")
def test_bad_fault_file(emulator_binary, profile, tmp_path):
    """MB4/FAULT/BI-02: a fault file with a bad line stops the band at start

    `bandsim --faults FILE` refuses to run with a plan it cannot read:
    exit status 1 and `FILE:LINE: key: ...` on stderr, the line counted
    with comments and good lines before it.
    """
    path = tmp_path / "faults.txt"
    path.write_text("# a bad day for the phone\n"
                    "preset=stuck-syncing\n"
                    "trigger=notify action=explode\n")
    result = subprocess.run(
        [str(emulator_binary), "--transport", "sock",
         "--socket", str(tmp_path / "band.sock"),
         "--state-dir", str(tmp_path / "state"),
         "--profile", str(profile.path), "--control-bus", "none",
         "--faults", str(path)],
        capture_output=True, text=True, timeout=5,
        stdin=subprocess.DEVNULL)
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert f"{path}:3: action: " in result.stderr, result.stderr


@pytest.mark.needs_control("Faults")
@pytest.mark.emulator_process("starts the emulator with --faults")
def test_fault_file_arms_at_start(start_band, control, tmp_path):
    """MB4/FAULT/BV-17: a fault file arms its faults before the first link

    A CI job starts the band with `--faults FILE` instead of calling
    InjectFault: comments are skipped, presets and fault lines are armed
    in order, each listed by Faults as written.
    """
    lines = ["preset=half-connected",
             "name=late trigger=minute minute=90 action=reboot"]
    path = tmp_path / "faults.txt"
    path.write_text("# armed at start\n" + "\n".join(lines) + "\n")
    start_band(extra_args=["--faults", str(path)])
    assert [spec for _, spec in control.faults()] == lines
