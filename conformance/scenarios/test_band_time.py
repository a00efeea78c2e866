"""Band time: the RTC of a real band runs on through a reboot, a crash and
a power cut of its emulator, so the activity log it writes never goes
back in time.

docs/sync.md "Band time": the band keeps its clock (band time, the rate
it runs at, and the local-time offset, time zone and DST byte the phone
set over 0x2A2B) in STATE_DIR/time.ini, replaced atomically whenever
AdvanceClock, SetClockRate or a 0x2A2B write moves it, and the last
minute in the flash log is a floor under it at start.
"""

import pytest

from bandsim.oracles import ground_truth

from scenarios.helpers.sync import HOUR, MINUTE, all_samples


def assert_strictly_increasing(samples, label: str) -> None:
    stamps = [ts for ts, _ in samples]
    doubled = sorted({ts for ts in stamps if stamps.count(ts) > 1})
    assert not doubled, f"{label}: doubled {ground_truth.runs(doubled)}"
    back = [(a, b) for a, b in zip(stamps, stamps[1:]) if b <= a]
    assert not back, f"{label}: the log goes back at " \
                     f"{[ground_truth.when(b) for _, b in back[:3]]}"


@pytest.mark.needs_control("AdvanceClock", "Clock", "GetSamples")
@pytest.mark.emulator_process("kill -9 and a restart on the state directory")
@pytest.mark.xfail(strict=True, reason="issue 13: band time does not survive "
                                       "a restart yet")
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
