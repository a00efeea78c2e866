"""Band time: the RTC of a real band runs on through a reboot, a crash and
a power cut of its emulator, so the activity log it writes never goes
back in time.

docs/sync.md "Band time": the band keeps its clock (band time, the rate
it runs at, and the local-time offset, time zone and DST byte the phone
set over 0x2A2B) in STATE_DIR/time.ini, replaced atomically whenever
AdvanceClock, SetClockRate or a 0x2A2B write moves it, and the last
minute in the flash log is a floor under it at start.

A real band cannot be killed, but the phone can reboot it (05 on
00001531, restart_band): MB4/TIME/BV-04 runs on every band, judged there
by what the phone reads of 0x2A2B around the reboot and by what it
syncs.  The others stay on the emulator: a firmware boot and the control
plane's Reboot (BV-05), a clock set back whose log must wait half an
hour (BV-06), a clock running 600 times wall time (BV-08), a damaged
time.ini (BI-03); what of them a phone can see through a reboot,
BV-04 judges.
"""

import datetime
import math
import time

import pytest

from bandsim.clients.fetch import SyncState
from bandsim.harness.suite import CLOCK_START
from bandsim.oracles import ground_truth
from bandsim.oracles.phone_side import check_sync, same_samples
from bandsim.protocol.profile import default_profile, write_variant

from scenarios.helpers.links import authenticated_link
from scenarios.helpers.pdus import hexs
from scenarios.helpers.sync import (HOUR, MINUTE, all_samples,
                                    assert_minutes, clock_of, first_since)
from scenarios.helpers.settings import current_time_at, phone_local_time
from scenarios.helpers.update import BOOT_S, NEW, install

CURRENT_TIME = default_profile().characteristic("current-time")
# protocol §6: 2026-01-31 23:04:05, a Saturday, DST byte 01, tz -20.
SET_TIME = datetime.datetime(2026, 1, 31, 23, 4, 5)
SET_TIME_VALUE = bytes.fromhex("ea 07 01 1f 17 04 05 06 00 01 ec")
# How far a rebooted band's clock may be off the wall time that passed
# (seconds, either way), beyond what the phone's reads themselves blur:
# a real band's RTC runs on through a reboot, but when the firmware
# takes its second from it again is the band's own.
RTC_SLACK_S = 2


def write_time(band, value: bytes) -> None:
    att = authenticated_link(band)
    try:
        att.write(CURRENT_TIME.value_handle, value)
    finally:
        band.disconnect(att)


def read_time(band) -> bytes:
    att = authenticated_link(band)
    try:
        return att.read(CURRENT_TIME.value_handle)
    finally:
        band.disconnect(att)


def assert_strictly_increasing(samples, label: str) -> None:
    stamps = [ts for ts, _ in samples]
    doubled = sorted({ts for ts in stamps if stamps.count(ts) > 1})
    assert not doubled, f"{label}: doubled {ground_truth.runs(doubled)}"
    back = [(a, b) for a, b in zip(stamps, stamps[1:]) if b <= a]
    assert not back, f"{label}: the log goes back at " \
                     f"{[ground_truth.when(b) for _, b in back[:3]]}"


class ClockRead:
    """0x2A2B read by the phone: its bytes, the band's local seconds, and
    when (monotonic) the read was asked and answered."""

    def __init__(self, att):
        self.asked = time.monotonic()
        value = att.read(CURRENT_TIME.value_handle)
        self.answered = time.monotonic()
        self.now = clock_of(value)[0]
        self.value = value


def assert_clock_ran_on(before: ClockRead, after: ClockRead, band_time,
                        passed: float, label: str) -> None:
    """The band's clock went on from `before` by the band time let pass:
    exactly `passed` seconds where band time only moves when moved (a
    control plane); where it runs by itself, the wall time between the
    two reads, each read's own second and RTC_SLACK_S either way (a real
    band's reboot may cost its RTC a moment, never the time lived).  The
    DST byte and the zone stay."""
    moved = after.now - before.now
    if band_time.control is not None:
        assert moved == passed, f"{label}: band time moved {moved} s, " \
                                f"{passed:g} s were let pass"
    else:
        least = math.floor(after.asked - before.answered) - 1 - RTC_SLACK_S
        most = math.ceil(after.answered - before.asked) + 1 + RTC_SLACK_S
        assert least <= moved <= most, \
            (f"{label}: 0x2A2B went from {hexs(before.value)} to "
             f"{hexs(after.value)}, {moved} s, while {least} .. {most} s "
             f"passed on the phone")
    # protocol §6: byte 9 the DST byte, 10 the tz in quarter-hours
    assert after.value[9:] == before.value[9:], \
        (f"{label}: DST and tz {hexs(before.value[9:])} became "
         f"{hexs(after.value[9:])}")


def synced(band, fetch_links, since: int):
    """A whole sync from minute `since`, no ack (the scenario deletes
    nothing), judged by the phone's rules; the link is closed."""
    fetch = fetch_links(band)
    try:
        state = SyncState(since)
        fetch.sync(state, ack=False)
    finally:
        band.disconnect(fetch.att)
    check_sync(state)
    return state


@pytest.mark.observes("Clock", "GetSamples")
@pytest.mark.restarts("kill -9")
def test_band_time_survives_kill(band, band_time, witness, restart_band,
                                 fetch_links):
    """MB4/TIME/BV-04: band time survives kill -9 and a restart

    The sequence reported in issue 13, on the emulator: a band that ran
    two hours (band_time, AdvanceClock 7200) is killed -9 and started
    again on its state directory with no --clock-start.  Its clock must
    go on from where it was, not fall back to wall time: 0x2A2B reads
    what it read before the kill, and with a witness Clock is exactly
    two hours on; the DST byte and zone stay.  The hour it logs next follows the two hours it
    logged before: a sync after the restart brings the 120 minutes of
    the sync before it, same bytes, and 60 more, 180 in all, one a
    minute from the first (with a witness: its log, each once).

    Any other band (a real one, the stand-in) the phone reboots (05 on
    00001531), between two reads of 0x2A2B: the band time between them
    is the wall time between them, within RTC_SLACK_S, with the same
    DST byte and zone, so the reboot neither stopped nor reset the clock
    nor lost the time the phone set.  The sync
    after the reboot (no ack) holds every sample of the one before it
    with the same bytes, and is in order, no minute twice (phone_side);
    what the band logged is its wearer's, so the sync may bring more.
    """
    if witness is not None:
        start = witness.get("Clock")
    band_time.let_pass(2 * HOUR)
    fetch = fetch_links(band)
    before = ClockRead(fetch.att)
    band.disconnect(fetch.att)
    since = first_since(before.now)
    first = synced(band, fetch_links, since)
    if witness is not None:
        clock = witness.get("Clock")
        assert clock == start + 2 * HOUR * 1000
        logged_before = all_samples(witness)
        ground_truth.assert_exactly_once(first.samples, logged_before)
    if band_time.control is not None:
        assert_minutes(first.samples, first.samples[0].ts, 120)

    band = restart_band(band, "kill", clock_start=None)
    fetch = fetch_links(band)
    after = ClockRead(fetch.att)
    band.disconnect(fetch.att)
    assert_clock_ran_on(before, after, band_time, 0, "after the restart")
    if witness is not None:
        assert witness.get("Clock") == clock, \
            "band time fell back at the restart"

    band_time.let_pass(HOUR)
    second = synced(band, fetch_links, since)
    same_samples(first.samples, second.samples[:len(first.samples)],
                 "the sync after the restart")
    if band_time.control is not None:
        assert_minutes(second.samples, first.samples[0].ts, 180)
    if witness is not None:
        logged_after = all_samples(witness)
        assert logged_after[:120] == logged_before, \
            "the restart changed what was logged"
        assert len(logged_after) == 180
        assert_strictly_increasing(logged_after, "after the restart")
        assert [ts for ts, _ in logged_after] == \
            list(range(logged_before[0][0],
                       logged_before[0][0] + 180 * MINUTE, MINUTE))
        ground_truth.assert_exactly_once(second.samples, logged_after)


@pytest.mark.observes("Clock", "Events")
@pytest.mark.restarts("kill -9", "stop", "reboot")
def test_rtc_survives_reboots(band, band_time, witness, restart_band,
                              updaters, target):
    """MB4/TIME/BV-05: the time the phone set survives every kind of reboot

    A phone sets the band's clock once (a date, the DST byte and a time
    zone, protocol §6) and expects it to hold.  On an emulator the suite
    started, whose clock stands, the phone sets 2026-01-31 23:04:05, DST
    01, zone -20, then the band is rebooted by the phone (05 on
    00001531), boots new firmware after an update (10 05 01, then its
    boot time; where there is a witness to report the install), is
    killed (kill -9) and is stopped (SIGTERM) and started again: each
    time 0x2A2B reads the time it was set to plus the band time let
    pass, with its zone and DST byte, and the witness's Clock never goes
    back.

    Any other band's clock runs (a real one, the stand-in): the phone
    sets its own local time, zone and DST, as Gadgetbridge does on every
    connect (the wearer loses nothing), and reboots the band (05 on
    00001531): 0x2A2B then reads that time plus the wall time since,
    within RTC_SLACK_S, with the zone and DST byte the phone set.  Only
    an emulator the suite started gets a firmware image.
    """
    if not restart_band.process:
        value = phone_local_time()
        att = authenticated_link(band, key=target.auth_key)
        try:
            att.write(CURRENT_TIME.value_handle, value)
            before = ClockRead(att)
        finally:
            band.disconnect(att)
        assert before.value[9:] == value[9:], "the zone and DST as set"
        band = restart_band(band, "reboot")
        att = authenticated_link(band, key=target.auth_key)
        try:
            after = ClockRead(att)
        finally:
            band.disconnect(att)
        assert_clock_ran_on(before, after, band_time, 0,
                            "after the phone's reboot")
        return

    write_time(band, SET_TIME_VALUE)
    elapsed = datetime.timedelta()

    def check(label: str) -> None:
        assert read_time(band).hex(" ") == \
            current_time_at(SET_TIME + elapsed, 1, -20).hex(" "), label

    def clock_went_on(before, label: str):
        if witness is None:
            return None
        clock = witness.get("Clock")
        if before is not None:
            assert clock >= before, f"Clock went back {label}"
        return clock

    check("as set")
    clock = clock_went_on(None, "")
    band = restart_band(band, "reboot")
    check("after the phone's reboot")
    clock = clock_went_on(clock, "at the phone's reboot")
    if witness is not None:
        install(band, witness, updaters(band), NEW, band_time=band_time)
        elapsed += datetime.timedelta(seconds=BOOT_S + 0.5)
        check("after the firmware boot")
    band_time.let_pass(HOUR)
    elapsed += datetime.timedelta(hours=1)
    if witness is not None:
        assert witness.get("Clock") == clock + \
            round(elapsed.total_seconds() * 1000)
    clock = clock_went_on(clock, "over the hour")
    band = restart_band(band, "kill")
    assert clock_went_on(clock, "at kill -9") == clock, "kill -9"
    check("after kill -9")
    band = restart_band(band, "stop")
    assert clock_went_on(clock, "at the stop") == clock, "stop"
    check("after a stop and a start")


def set_back_half_an_hour(band, control) -> list:
    """An hour of log from CLOCK_START (10:30 .. 11:29), then the phone
    sets the clock to 11:00 as it is 11:30; returns the log."""
    control.advance_clock(HOUR)
    before = all_samples(control)
    assert_minutes(before, CLOCK_START, 60)
    back = datetime.datetime.fromtimestamp(CLOCK_START + 30 * MINUTE,
                                           datetime.timezone.utc)
    write_time(band, current_time_at(back.replace(tzinfo=None), 0, 0))
    return before


@pytest.mark.needs_control("AdvanceClock", "GetSamples")
@pytest.mark.emulator_process("kill -9 and a restart on the state directory")
def test_set_back_waits(start_band, control, tmp_path):
    """MB4/TIME/BV-06: the phone sets the clock back: the log waits

    docs/policies.md#time-set-back, the Mi Band 4 profile's `wait`: a
    DST change or a flight west sets the band's clock back half an
    hour.  The minutes it logged stay; it logs again only once its
    clock passes the last one, so the log never goes back and a phone
    that resumes a sync from its last timestamp misses nothing logged.
    A kill -9 right after the change keeps the new time: the restart
    does not jump to the last logged minute.
    """
    state_dir = tmp_path / "state"
    band = start_band(state_dir=state_dir)
    before = set_back_half_an_hour(band, control)
    band.kill()
    band = start_band(state_dir=state_dir)
    back = datetime.datetime(2024, 5, 20, 11, 0)
    assert read_time(band) == current_time_at(back, 0, 0)
    control.advance_clock(HOUR)
    after = all_samples(control)
    assert after[:60] == before
    assert_strictly_increasing(after, "after the clock went back")
    assert_minutes(after, CLOCK_START, 90)


@pytest.mark.needs_control("AdvanceClock", "GetSamples")
@pytest.mark.emulator_process("a profile variant (time-set-back = relog)")
def test_set_back_relogs(start_band, control, tmp_path):
    """MB4/TIME/BV-07: a band that logs the repeated minutes again

    The `relog` choice of docs/policies.md#time-set-back: the band logs
    every minute at the time its clock shows, so after the clock went
    back half an hour the log holds 11:00 .. 11:29 twice, and its
    timestamps go back once: what a phone that syncs by timestamp must
    cope with if a band does this.
    """
    variant = write_variant(tmp_path / "relog.ini",
                            {"time-set-back": "relog"})
    band = start_band(profile=variant)
    before = set_back_half_an_hour(band, control)
    control.advance_clock(HOUR)
    after = all_samples(control)
    assert after[:60] == before
    stamps = [ts for ts, _ in after]
    assert stamps[60:] == [CLOCK_START + (30 + i) * MINUTE
                           for i in range(60)]


@pytest.mark.needs_control("SetClockRate", "Clock", "GetSamples",
                           "AdvanceClock")
@pytest.mark.emulator_process("kill -9 and a restart on the state directory")
def test_fast_clock_survives_kill(start_band, control, tmp_path):
    """MB4/TIME/BV-08: a band running fast is killed: its time is not lost

    After an hour of log, band time runs 600 times wall time
    (SetClockRate), so band time passes between any two calls; the kill
    comes at whatever moment.  The restarted band is no earlier than the
    Clock read just before, its log goes on after the last minute it
    logged, one sample a minute.
    """
    state_dir = tmp_path / "state"
    band = start_band(state_dir=state_dir)
    control.advance_clock(HOUR)
    control.set_clock_rate(600)
    seen = control.get("Clock")
    band.kill()
    start_band(state_dir=state_dir)
    assert control.get("Clock") >= seen, "band time went back"
    before = all_samples(control)
    assert len(before) >= 60
    control.advance_clock(10 * MINUTE)
    after = all_samples(control)
    assert after[:len(before)] == before
    assert_strictly_increasing(after, "after the restart")
    assert len(after) == len(before) + 10


DAMAGE = {
    "lost": None,
    "cut short": lambda text: text[:len(text) // 2],
    "garbage": lambda text: "band-ms = soon\n",
}


@pytest.mark.needs_control("AdvanceClock", "Clock", "GetSamples")
@pytest.mark.emulator_process("damages time.ini and restarts the band")
@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_lost_time_file_uses_the_log(start_band, control, tmp_path, damage):
    """MB4/TIME/BI-03: time.ini lost or damaged: the log is the floor

    A band whose time.ini is gone, cut short or garbage still starts
    (the file is named in its log and replaced), and the last minute in
    its activity log is a floor under band time: started with a
    --clock-start two hours behind it, it goes on right after that
    minute, and the log never goes back.
    """
    state_dir = tmp_path / "state"
    band = start_band(state_dir=state_dir)
    control.advance_clock(2 * HOUR)
    before = all_samples(control)
    band.kill()
    path = state_dir / "time.ini"
    if DAMAGE[damage] is None:
        path.unlink()
    else:
        path.write_text(DAMAGE[damage](path.read_text()))
    start_band(state_dir=state_dir, clock_start=CLOCK_START)
    assert control.get("Clock") == (CLOCK_START + 2 * HOUR) * 1000
    control.advance_clock(HOUR)
    after = all_samples(control)
    assert after[:120] == before
    assert_minutes(after, CLOCK_START, 180)
    assert "[end]" in path.read_text(), "time.ini was not replaced"
