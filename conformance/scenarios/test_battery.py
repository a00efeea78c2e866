"""The battery: 00000006, the discharge and charge model, and what the
band does when it runs low (docs/battery-firmware.md; fact sheet §5).

Band time is frozen at CLOCK_START (Monday 10:30, tz 0) and moves only
through AdvanceClock, so levels and timestamps are exact functions of
the scenario.  The default wearer (life seed 1) puts the band on the
charger on Monday evening (docs/sync.md); scenarios that must not see
that stretch run elsewhere, the one about it finds it in
fixtures/activity.  Low-battery policies are profile settings: a
scenario that needs another one runs a band on a derived profile.
"""

import pytest

from bandsim.clients.fetch import FetchError, FetchInterrupted, SyncState
from bandsim.harness.control import ControlError
from bandsim.harness.suite import CLOCK_START
from bandsim.harness.targets import EMU
from bandsim.link.base import Disconnected
from bandsim.oracles import ground_truth
from bandsim.protocol import uuids
from bandsim.protocol.profile import DEFAULT_PATH, Profile, write_variant
from bandsim.link.deadline import Deadline
from bandsim.oracles.phone_side import check_samples, check_sync, same_samples
from bandsim.protocol.values import (UNSET, decode_battery, local_datetime,
                                     local_ts)

from scenarios.helpers.events import events_after, last_seq
from scenarios.helpers.links import authenticated_link, closing
from scenarios.helpers.sync import (DAY, FOREVER, HOUR, MINUTE, SINCE,
                                    all_samples, assert_minutes, band_now,
                                    first_since, sync_meanwhile,
                                    sync_over_new_link)
from scenarios.helpers.update import SOFTWARE_REVISION, refused_connection

PROFILE = Profile.load(DEFAULT_PATH)
BATTERY = PROFILE.by_uuid(uuids.BATTERY)
INITIAL_LEVEL = PROFILE.section("battery").getint("initial-level")
ACTIVITY = DEFAULT_PATH.parents[1] / "fixtures" / "activity" / \
    "seed1-2024-05-20-3days.csv"
CHARGING_KIND = 0x06


# ---------------------------------------------------------------- helpers

def link(band, auth: bool = True):
    """A link at ATT_MTU 23, authenticated unless told otherwise."""
    return authenticated_link(band, 23) if auth else band.connect()


@pytest.fixture
def links():
    """Factory: links(band, auth=True); all closed on teardown."""
    yield from closing(link, lambda att: att.close())


def read_battery(att):
    return decode_battery(att.read(BATTERY.value_handle))


def battery_notes(att) -> list:
    """Every 00000006 notification sent so far: a read is answered in
    order after them, so once its reply is in they are all queued."""
    att.read(BATTERY.value_handle)
    return battery_notes_queued(att)


def is_up(band, att) -> bool:
    """The link still answers and the band reported no drop."""
    att.read(SOFTWARE_REVISION.value_handle)
    return band.pending("DISCONNECTED=1") == 0


def charging_stretch():
    """(first minute, minutes) of seed 1's first charging stretch after
    CLOCK_START, from the committed activity fixture."""
    first = count = None
    with open(ACTIVITY, encoding="ascii") as f:
        next(f)
        for line in f:
            ts, _, kind, *_ = line.split(",")
            ts, kind = int(ts), int(kind)
            if ts < CLOCK_START:
                continue
            if kind == CHARGING_KIND:
                first = ts if first is None else first
                count = (count or 0) + 1
            elif first is not None:
                return first, count
    raise AssertionError(f"no charging stretch in {ACTIVITY.name}")


# ---------------------------------------------------------------- layout

# 0 to 100 % on the charger takes two hours, 72 s a whole percent: a
# band whose clock runs (a real one) gets this long for the next one.
PERCENT_ON_CHARGER_S = 90


def read_matches(att, note) -> None:
    """A read returns what the latest notification said: note, or, on a
    band whose clock runs, a newer one that came before the read's
    answer (ATT keeps order)."""
    read = read_battery(att)
    later = battery_notes_queued(att)
    want = later[-1] if later else note
    assert read.raw == want.raw, f"read {read.raw.hex(' ')}, notified " \
        f"{want.raw.hex(' ')}"


def battery_notes_queued(att) -> list:
    """The 00000006 notifications already in, without waiting."""
    notes = []
    while True:
        try:
            notes.append(decode_battery(
                att.wait_notification(BATTERY.value_handle, 0)))
        except TimeoutError:
            return notes


@pytest.mark.person("charger")
@pytest.mark.observes("SetBattery", "Battery", "Charging", "Events")
def test_battery_level_and_charging_state(band, hands, band_time, witness,
                                          target):
    """MB4/BATT/BV-02: the app shows the battery level and the charging state

    00000006 carries the level, the charging byte and two timestamps:
    A when charging last started (unset before the first charge), B and
    the level at B when it last stopped (at first start: then).  A
    subscribed app is notified of every whole percent and of plugging
    in or out, and the notified bytes are what a read returns.  On a
    real band the person puts it on the charger and takes it off
    (--interactive): plugged in, A is now by the band's clock and B and
    its level are kept; the next whole percent on the charger comes
    within 90 s, one percent at a time, A and B kept; off the charger B
    is now and its level the level.  With a witness SetBattery's level
    is notified and the levels are the band's; on a fresh emulator A,
    B and the levels are exact.
    """
    fresh = witness is not None and target.kind == EMU
    att = authenticated_link(band, 23, target.auth_key)
    try:
        start = local_datetime(CLOCK_START)
        info = read_battery(att)
        if info.charging:
            pytest.skip("the band is on its charger already: take it off "
                        "and run again")
        if band_time.control is None and info.level >= 95:
            pytest.skip(f"the band reads {info.level} %: near full a whole "
                        f"percent takes long; run it down a little first")
        if fresh:
            assert info.level == INITIAL_LEVEL
            assert (info.a, info.tz_a) == (UNSET, 0), info.raw.hex(" ")
            assert (info.b, info.tz_b, info.level_at_b) == \
                (start, 0, INITIAL_LEVEL), info.raw.hex(" ")
        att.write(BATTERY.cccd_handle, b"\x01\x00")
        if witness is not None:
            assert witness.battery() == info.level
            set_at = witness.get("Clock") // 1000
            witness.set_battery(57)
            if target.responses_order_notifications:
                (note,) = battery_notes(att)
            else:
                # Through bleak the notification may come after the
                # response to the read that battery_notes() makes.
                note = wait_battery(att, lambda b: True, "at 57 %")
            assert (note.level, note.charging, note.raw[3:]) == \
                (57, False, info.raw[3:]), note.raw.hex(" ")
            read_matches(att, note)
            details = witness.wait_event("battery-changed").details
            assert details == {"level": 57, "charging": 0,
                               "at": details["at"]}
            # Stamped with band time, when the level was set.
            assert set_at <= details["at"] <= witness.get("Clock") // 1000
            assert witness.battery() == 57
            info = note

        band_time.let_pass(5 * MINUTE)
        battery_notes(att)
        plug_from = band_now(att)
        hands.put_on_charger()
        plugged = wait_battery(att, lambda b: b.charging, "with charging 01")
        plugged_at = band_now(att)
        read_matches(att, plugged)
        # To the minute: a band may keep these times without seconds.
        assert plug_from - MINUTE < local_ts(plugged.a) <= plugged_at, \
            plugged.raw.hex(" ")
        assert (plugged.b, plugged.tz_b, plugged.level_at_b) == \
            (info.b, info.tz_b, info.level_at_b), plugged.raw.hex(" ")
        if fresh:
            assert (plugged.a, plugged.tz_a) == (start.replace(minute=35),
                                                 0), plugged.raw.hex(" ")
        if witness is not None:
            assert witness.charging() is True
            assert witness.wait_event("battery-changed", charging=1)

        band_time.let_pass(30 * MINUTE)         # +25 % on the charger
        risen = wait_battery(att, lambda b: b.level != plugged.level,
                             "with the next whole percent",
                             PERCENT_ON_CHARGER_S)
        notes = [risen] + battery_notes(att)
        if witness is not None:
            # Through bleak a notification may come after the read's
            # response: wait for every level up to the band's own.
            final = witness.battery()
            while notes[-1].level != final:
                notes.append(wait_battery(att, lambda b: True,
                                          f"up to {final} %"))
        levels = [n.level for n in notes]
        assert levels == list(range(plugged.level + 1, levels[-1] + 1)), \
            levels
        assert all(n.charging and (n.a, n.b, n.level_at_b) ==
                   (plugged.a, plugged.b, plugged.level_at_b)
                   for n in notes), [n.raw.hex(" ") for n in notes]
        read_matches(att, notes[-1])
        if fresh:
            assert 81 <= levels[-1] <= 82, levels

        off_from = band_now(att)
        hands.take_off_charger()
        unplugged = wait_battery(att, lambda b: not b.charging,
                                 "with charging 00")
        off_at = band_now(att)
        read_matches(att, unplugged)
        assert (unplugged.a, unplugged.tz_a) == (plugged.a, plugged.tz_a), \
            unplugged.raw.hex(" ")
        assert off_from - MINUTE < local_ts(unplugged.b) <= off_at, \
            unplugged.raw.hex(" ")
        assert unplugged.level_at_b == unplugged.level, \
            unplugged.raw.hex(" ")
        if fresh:
            assert (unplugged.b, unplugged.tz_b) == \
                (start.replace(hour=11, minute=5), 0), unplugged.raw.hex(" ")
        if witness is not None:
            assert unplugged.level == witness.battery()
            assert witness.charging() is False
    finally:
        band.disconnect(att)


# ------------------------------------------------------------- the model

@pytest.mark.needs_control("AdvanceClock", "Battery", "Events")
@pytest.mark.emulator_process("starts bands at a chosen band time")
def test_a_day_of_wear(start_band, control):
    """MB4/BATT/BV-03: a full battery lasts about two weeks

    A day on the default wearer costs 5-9 % (100 % in 20 days, plus the
    heart rate the band measures: none on a factory band).  The level
    falls one whole percent at a time, each announced, and two bands
    with the same seed end the day on the same level.  Tuesday is
    chosen: seed 1 does not charge then.
    """
    tuesday = CLOCK_START + DAY

    def one_day():
        band = start_band(clock_start=tuesday)
        mark = last_seq(control)
        before = control.battery()
        control.advance_clock(DAY)
        after = control.battery()
        levels = [e.details["level"]
                  for e in events_after(control, "battery-changed", mark)]
        assert band.stop() == 0
        return before, after, levels

    before, after, levels = one_day()
    assert before == INITIAL_LEVEL
    assert 5 <= before - after <= 9, f"{before} % -> {after} % in a day"
    assert levels == list(range(before - 1, after - 1, -1)), levels
    assert one_day() == (before, after, levels)


@pytest.mark.needs_control("SetBattery", "SetCharging", "AdvanceClock",
                           "Battery", "Charging")
@pytest.mark.emulator_process(
    "band time away from the wearer's charging stretch")
def test_charging_takes_two_hours(band, control, band_charger):
    """MB4/BATT/BV-04: a nearly empty band charges full in two hours

    0 to 100 % in two hours: from 5 % half way after an hour, full after
    two, and it stays full while it sits on the charger.
    """
    control.set_battery(5)
    band_charger.put_on_charger()
    control.advance_clock(HOUR)
    assert 53 <= control.battery() <= 56
    control.advance_clock(HOUR)
    assert 99 <= control.battery() <= 100
    control.advance_clock(HOUR)
    assert 99 <= control.battery() <= 100
    assert control.charging() is True


@pytest.mark.needs_control("AdvanceClock", "SetBattery", "Battery", "Charging",
                           "GetSamples")
@pytest.mark.emulator_process(
    "band time at CLOCK_START with the default wearer")
def test_charging_stretch_of_the_wearer(band, control, links):
    """MB4/BATT/BV-05: the wearer puts the band on the charger in the evening

    During the charging stretch of the simulated wearer (kind 06 in the
    log) the band reports charging and its level rises as on the
    charger: an hour gives 50 %.
    """
    first, minutes = charging_stretch()
    assert minutes == 60
    control.advance_clock(first - 10 * MINUTE - CLOCK_START)
    control.set_battery(30)
    assert control.charging() is False
    control.advance_clock(30 * MINUTE)
    assert control.charging() is True
    assert read_battery(links(band)).charging
    kinds = {d[0] for _, d in control.get_samples(first, first + 20 * MINUTE)}
    assert kinds == {CHARGING_KIND}
    control.advance_clock((minutes - 10) * MINUTE)
    assert control.charging() is False
    assert 78 <= control.battery() <= 80


@pytest.mark.needs_control("SetClockRate", "Clock", "GetSamples", "Events")
@pytest.mark.emulator_process(
    "a fresh activity log from CLOCK_START, clock frozen")
def test_band_runs_on_its_own_clock(band, control):
    """MB4/BATT/BV-06: a band left alone drains on its own clock

    Without AdvanceClock, band time runs SetClockRate times wall time:
    at 100 000x a whole percent (about three hours of band time) goes
    within a fraction of a second and the log fills minute by minute;
    rate 0 freezes the band again.
    """
    start = control.get("Clock")
    control.set_clock_rate(100_000)
    # The level shows 80 % as soon as anything is drawn from 81.000 %.
    control.wait_event("battery-changed", timeout=10,
                       level=INITIAL_LEVEL - 2)
    control.set_clock_rate(0)
    frozen = control.get("Clock")
    assert frozen - start > 2 * HOUR * 1000
    minutes = (frozen // 1000 - CLOCK_START) // MINUTE
    assert_minutes(all_samples(control), CLOCK_START, minutes)
    control.sync()
    assert control.get("Clock") == frozen
    with pytest.raises(ControlError) as info:
        control.set_clock_rate(-1)
    assert info.value.name == "io.bandsim.Error.InvalidArgs"


# ------------------------------------------------------------ low battery

@pytest.mark.needs_control("AdvanceClock", "SetBattery", "GetSamples",
                           "StoredSamples", "AckedUntil", "Events")
@pytest.mark.emulator_process(
    "a fresh activity log from CLOCK_START, clock frozen")
def test_sync_fails_when_low(band, control, fetch_links):
    """MB4/BATT/BI-01: Gadgetbridge: sync fails when the band is low

    At 15 % the band answers the fetch request but drops the link the
    moment the transfer starts (02); nothing is lost or deleted, and once
    the band is above 15 % the phone syncs everything exactly once.
    (At 16 % the first notification's radio cost already shows 15 %.)
    Emulator only: the drop at 02 is the profile's policy
    (low-battery-drop-pattern, docs/policies.md), not a known fact of a
    real band's firmware, which may end the sync whole; what the phone
    can judge on any band, whole or cut, nothing lost, all of it after
    charging, is MB4/BATT/BI-05.
    """
    control.advance_clock(2 * HOUR)
    truth = all_samples(control)
    control.set_battery(15)
    fetch = fetch_links(band)
    announced = fetch.start(SINCE)
    assert announced.count == 120
    with pytest.raises(FetchInterrupted):
        fetch.stream()
    assert control.wait_event("low-battery-drop").details == \
        {"reason": "transfer-start"}
    band.wait_dropped()
    assert (control.stored_samples(), control.acked_until()) == (120, 0)

    control.set_battery(17)
    state = sync_over_new_link(band)
    ground_truth.assert_exactly_once(state.samples, truth)


@pytest.mark.needs_control("SetBattery", "AdvanceClock", "Events")
@pytest.mark.emulator_process("a band on a profile variant")
def test_disconnects_after_connecting_when_low(start_band, control, links,
                                               tmp_path):
    """MB4/BATT/BI-02: the band disconnects below 15 % soon after connecting

    A band whose policy is after-connected-s (10 s) keeps a link at 15 %
    for 10 s of band time, then drops it; at 17 % a link stays up.
    """
    variant = write_variant(tmp_path / "drop-after-connect.ini", {
        "low-battery-drop-pattern": "after-connected-s",
        "low-battery-drop-after-s": 10})
    band = start_band(profile=variant)
    control.set_battery(15)
    att = links(band)
    control.advance_clock(9)
    assert is_up(band, att)
    control.advance_clock(1.5)
    assert control.wait_event("low-battery-drop").details == \
        {"reason": "after-connected"}
    band.wait_dropped()
    with pytest.raises(Disconnected):
        att.read(SOFTWARE_REVISION.value_handle)

    control.set_battery(17)
    att = links(band)
    control.advance_clock(MINUTE)
    assert is_up(band, att)
    control.sync()
    assert [e.name for e in control.timeline].count("low-battery-drop") == 1


@pytest.mark.needs_control("SetBattery", "AdvanceClock", "GetSamples", "Events")
@pytest.mark.emulator_process("a band on a profile variant")
def test_reboots_in_a_loop_when_low(start_band, control, links, tmp_path):
    """MB4/BATT/BI-03: the band reboots in a loop below 10 %

    With reboot-below-percent = 10 the band restarts on its own once an
    hour of band time below 10 % (dropping the phone's link each time),
    never at 11 %, and keeps its activity log through it.
    """
    variant = write_variant(tmp_path / "reboot-below.ini",
                            {"reboot-below-percent": 10})
    band = start_band(profile=variant)
    att = links(band, auth=False)
    control.set_battery(11)
    mark = last_seq(control)
    control.advance_clock(HOUR)
    assert not events_after(control, "reboot", mark)
    assert is_up(band, att)

    logged = all_samples(control)
    control.set_battery(9)
    control.advance_clock(HOUR)
    control.wait_event("reboot")
    band.wait_dropped()
    with pytest.raises(Disconnected):
        att.read(SOFTWARE_REVISION.value_handle)

    mark = last_seq(control)
    control.advance_clock(3 * HOUR)
    reboots = len(events_after(control, "reboot", mark))
    assert 2 <= reboots <= 4, f"{reboots} reboots in 3 hours below 10 %"
    assert all_samples(control)[:len(logged)] == logged


@pytest.mark.needs_control("SetBattery", "SetCharging", "AdvanceClock",
                           "State", "Battery", "GetSamples", "Events")
@pytest.mark.emulator_process(
    "a fresh activity log from CLOCK_START; its socket refuses while off")
def test_dies_at_zero_and_comes_back_on_the_charger(band, control,
                                                    band_charger, links):
    """MB4/BATT/BI-04: the band dies at 0 % and comes back on the charger

    At 0 % the band is off: the link drops, the socket refuses
    connections, nothing is logged.  On the charger it boots once past
    2 %, advertises again, still holds every minute logged before, logs
    on, and a sync then gets the whole log exactly once.
    Emulator only: a worn band's last percent lasts hours (a day costs
    5-9 %, MB4/BATT/BV-03), so the moment it dies fits no person's step,
    and what it had logged before, and that nothing is logged while it
    is off, are the witness's: the phone meets the band only after it
    came back.
    """
    control.advance_clock(2 * HOUR)
    before = all_samples(control)
    off_at = CLOCK_START + 2 * HOUR
    att = links(band)

    control.set_battery(0)
    control.wait_event("power-off")
    band.wait_status("DISCONNECTED=1")
    with pytest.raises(Disconnected):
        att.read(SOFTWARE_REVISION.value_handle)
    control.wait_property("State", "off")
    assert control.battery() == 0
    assert refused_connection(band)

    control.advance_clock(HOUR)
    assert control.get_samples(off_at, FOREVER) == []
    assert refused_connection(band)
    assert band.pending("ADVERTISING=1") == 0

    band_charger.put_on_charger()
    control.advance_clock(10 * MINUTE)
    control.wait_event("power-on")
    band.wait_status("ADVERTISING=1")
    assert control.get("State") == "advertising"
    assert 3 <= control.battery() <= 9
    on_by = off_at + HOUR + 10 * MINUTE

    after = all_samples(control)
    ground_truth.assert_exactly_once(after, before, (CLOCK_START, off_at),
                               "flash after power-off")
    assert control.get_samples(off_at, off_at + HOUR + 2 * MINUTE) == []
    control.advance_clock(30 * MINUTE)
    assert_minutes(control.get_samples(on_by, FOREVER), on_by, 30)
    state = sync_over_new_link(band)
    ground_truth.assert_exactly_once(state.samples, all_samples(control))


@pytest.mark.observes("Battery", "GetSamples")
def test_battery_read_in_the_middle_of_a_sync(band, band_time, fetch_links,
                                              witness):
    """MB4/BATT/BV-08: the battery read in the middle of a sync is answered at once, and the sync stays whole

    Gadgetbridge reads 00000006 while a fetch runs (its battery refresh
    on a timer, the app's screen opened): a third of the way through a
    sync at ATT_MTU 23 the phone reads it among the band's
    notifications.  The read is answered with the 20-byte layout (§5),
    its level a percentage, no lower than before the sync by more than
    a point; the sync is whole by the phone's rules.  With a witness
    the level is the band's, and the phone holds its log exactly once.
    """
    levels = []

    def read(att) -> None:
        levels.append(read_battery(att))

    fetch, state = sync_meanwhile(band, band_time, fetch_links, read)
    during = levels[0]
    assert 0 <= during.level <= 100, during
    after = read_battery(fetch.att)
    assert abs(after.level - during.level) <= 1, (during, after)
    if witness is not None:
        assert during.level == witness.battery() or \
            after.level == witness.battery()
        ground_truth.assert_exactly_once(state.samples, all_samples(witness))


def wait_battery(att, wanted, what: str, timeout: float = 10.0):
    """The first 00000006 notification that is wanted(info), within
    timeout; level changes on the way are passed over."""
    deadline = Deadline(timeout)
    while True:
        try:
            info = decode_battery(att.wait_notification(
                BATTERY.value_handle, deadline.remaining()))
        except TimeoutError:
            raise AssertionError(f"no battery notification {what} within "
                                 f"{timeout:g} s") from None
        if wanted(info):
            return info


@pytest.mark.person("charger")
@pytest.mark.observes("Charging", "Events")
def test_charger_as_the_app_sees_it(band, hands, witness, target):
    """MB4/BATT/BV-07: on the charger and off it again, as the app sees it

    "The app never shows charging": an app subscribed to 00000006 is
    notified when the band goes on the charger (charging byte 01, time
    A now by the band's own clock) and when it comes off (00, time B now,
    the level at B its level, A kept); each notification is what a read
    returns right after it.  Judged by the phone on any band (the person
    puts a real band on its charger); with a witness Charging and the
    battery-changed events agree.
    """
    att = authenticated_link(band, 23, target.auth_key)
    try:
        att.write(BATTERY.cccd_handle, b"\x01\x00")
        if read_battery(att).charging:
            pytest.skip("the band is on its charger already: take it off "
                        "and run again")
        before = band_now(att)
        hands.put_on_charger()
        on = wait_battery(att, lambda b: b.charging, "with charging 01")
        on_at = band_now(att)
        # To the minute: a band may keep these times without seconds.
        assert before - MINUTE < local_ts(on.a) <= on_at, on.raw.hex(" ")
        assert read_battery(att).charging
        if witness is not None:
            assert witness.charging() is True
            witness.wait_event("battery-changed", charging=1)
        hands.take_off_charger()
        off = wait_battery(att, lambda b: not b.charging, "with charging 00")
        off_at = band_now(att)
        assert (off.a, off.tz_a) == (on.a, on.tz_a), off.raw.hex(" ")
        assert on_at - MINUTE < local_ts(off.b) <= off_at, off.raw.hex(" ")
        assert off.level_at_b == off.level, off.raw.hex(" ")
        assert off.raw[:3] == read_battery(att).raw[:3]
        if witness is not None:
            assert witness.charging() is False
            witness.wait_event("battery-changed", charging=0)
    finally:
        band.disconnect(att)


LOW_PERCENT = PROFILE.section("policy").getint("low-battery-drop-percent")


@pytest.mark.person("low-battery")
@pytest.mark.observes("StoredSamples", "AckedUntil", "Events")
def test_sync_when_low_loses_nothing(band, hands, band_time, witness,
                                     fetch_links):
    """MB4/BATT/BI-05: a sync at a low battery loses nothing, and one after charging brings it all

    Gadgetbridge #1734, "stuck Fetching" around 15 %: the person lets
    the band run down to the profile's low-battery-drop-percent (the
    emulator is set there), and the phone syncs without an ack.  Whether
    that sync ends whole or is cut (the emulator drops the link as the
    transfer starts, its policy), the phone keeps only whole rounds, and
    nothing is deleted.  On the charger to two points above, a new sync
    from the same minute brings every sample the first one did, same
    bytes, and passes the phone's own checks (oracles/phone_side.py).
    """
    band_time.let_pass(2 * HOUR)
    hands.run_down(LOW_PERCENT)
    fetch = fetch_links(band)
    level = read_battery(fetch.att).level
    assert level <= LOW_PERCENT, f"the band reads {level} %"
    first = SyncState(first_since(band_now(fetch.att)))
    try:
        fetch.sync(first, ack=False)
        whole = True
    except (FetchError, Disconnected):
        whole = False
    check_samples(first.samples)
    try:
        band.disconnect(fetch.att)
    except Disconnected:
        pass
    if witness is not None:
        assert not whole        # the profile's at-transfer-start
        witness.wait_event("low-battery-drop", reason="transfer-start")
        assert witness.acked_until() == 0
    hands.charge_up(LOW_PERCENT + 2)
    again = fetch_links(band)
    second = SyncState(first_since(band_now(again.att)))
    again.sync(second, ack=False)
    check_sync(second)
    if not second.samples:
        pytest.skip("the band had nothing unsynced: wear it for an hour "
                    "after the last sync")
    held = [s for s in second.samples if s.ts <= first.samples[-1].ts] \
        if first.samples else []
    same_samples(first.samples, held, "the sync after charging")
    if witness is not None:
        ground_truth.assert_exactly_once(second.samples,
                                         all_samples(witness))
