"""Band time: the RTC of a real band runs on through a reboot, a crash and
a power cut of its emulator, so the activity log it writes never goes
back in time.

docs/sync.md "Band time": the band keeps its clock (band time, the rate
it runs at, and the local-time offset, time zone and DST byte the phone
set over 0x2A2B) in STATE_DIR/time.ini, replaced atomically whenever
AdvanceClock, SetClockRate or a 0x2A2B write moves it, and the last
minute in the flash log is a floor under it at start.
"""

import datetime

import pytest

from bandsim.harness.suite import CLOCK_START
from bandsim.oracles import ground_truth
from bandsim.protocol.profile import default_profile, write_variant

from scenarios.helpers.links import authenticated_link
from scenarios.helpers.sync import HOUR, MINUTE, all_samples, assert_minutes
from scenarios.helpers.update import NEW, install

CURRENT_TIME = default_profile().characteristic("current-time")
# protocol §6: 2026-01-31 23:04:05, a Saturday, DST byte 01, tz -20.
SET_TIME = datetime.datetime(2026, 1, 31, 23, 4, 5)
SET_TIME_VALUE = bytes.fromhex("ea 07 01 1f 17 04 05 06 00 01 ec")


def current_time_at(when: datetime.datetime, dst: int, tz: int) -> bytes:
    """0x2A2B as the band reads it at local time when (protocol §6)."""
    return bytes([when.year & 0xFF, when.year >> 8, when.month, when.day,
                  when.hour, when.minute, when.second, when.isoweekday(),
                  when.microsecond * 256 // 1000000, dst, tz & 0xFF])


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


@pytest.mark.needs_control("AdvanceClock", "Clock", "GetSamples")
@pytest.mark.emulator_process("kill -9 and a restart on the state directory")
def test_band_time_survives_kill(start_band, control, tmp_path):
    """MB4/TIME/BV-04: band time survives kill -9 and a restart

    The sequence reported in issue 13: a band that ran two hours ahead
    of wall time (AdvanceClock 7200) is killed and started again on its
    state directory, with no --clock-start.  Its Clock must go on from
    where it was, not fall back to wall time, and the hour it logs next
    must follow the two hours it logged before: 180 samples, 180
    different minutes, in order.
    """
    state_dir = tmp_path / "state"
    band = start_band(state_dir=state_dir, clock_start=None)
    start = control.get("Clock")
    control.advance_clock(2 * HOUR)
    before = all_samples(control)
    assert len(before) == 120
    band.kill()

    start_band(state_dir=state_dir, clock_start=None)
    assert control.get("Clock") == start + 2 * HOUR * 1000, \
        "band time fell back at the restart"
    control.advance_clock(HOUR)
    after = all_samples(control)
    assert after[:120] == before, "the restart changed what was logged"
    assert len(after) == 180
    assert_strictly_increasing(after, "after the restart")
    assert [ts for ts, _ in after] == \
        list(range(before[0][0], before[0][0] + 180 * MINUTE, MINUTE))


@pytest.mark.needs_control("Reboot", "AdvanceClock", "Clock", "Events")
@pytest.mark.emulator_process("kill -9, a restart and a firmware boot")
def test_rtc_survives_reboots(start_band, control, updaters, tmp_path):
    """MB4/TIME/BV-05: the time the phone set survives every kind of reboot

    A phone sets the band's clock once (a date, the DST byte and a time
    zone, protocol §6) and expects it to hold.  The band reboots from
    its menu (Reboot), into new firmware after an update (05, then its
    boot time), is killed (kill -9) and stopped: each time 0x2A2B reads
    the time it was set to plus the band time that passed, with its
    time zone and DST byte, and Clock never goes back.
    """
    state_dir = tmp_path / "state"
    band = start_band(state_dir=state_dir)
    write_time(band, SET_TIME_VALUE)
    elapsed = datetime.timedelta()

    def check(label: str) -> None:
        assert read_time(band).hex(" ") == \
            current_time_at(SET_TIME + elapsed, 1, -20).hex(" "), label

    check("as set")
    clock = control.get("Clock")
    control.reboot()
    control.wait_event("reboot")
    check("after Reboot")
    install(band, control, updaters(band), NEW)
    elapsed += datetime.timedelta(seconds=10.5)    # the boot time
    check("after the firmware boot")
    control.advance_clock(HOUR)
    elapsed += datetime.timedelta(hours=1)
    assert control.get("Clock") == clock + (HOUR + 10.5) * 1000
    clock = control.get("Clock")
    band.kill()
    band = start_band(state_dir=state_dir)
    assert control.get("Clock") == clock, "kill -9"
    check("after kill -9")
    assert band.stop() == 0
    band = start_band(state_dir=state_dir)
    assert control.get("Clock") == clock, "stop"
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
