"""Power loss and flash damage: the activity log survives what a
battery-powered band with NOR flash meets.

docs/sync.md: records are written marker-last into a memory-mapped
image, so every record whose write completed is there after kill -9; a
recovery scan at start keeps every valid record and drops a torn or
corrupt one; an image that cannot be read is rebuilt empty.  The
restarted band is given the clock it had (it is frozen in the suite),
or the end of the AdvanceClock it died in, so band time never runs
backwards over minutes already logged.
"""

import random
import struct

import pytest

from bandsim.clients.fetch import FetchInterrupted, Round, SyncState
from bandsim.harness.suite import CLOCK_START
from bandsim.oracles import ground_truth

from scenarios.helpers.sync import (DAY, FOREVER, HOUR, MINUTE, PER_DAY, SINCE,
                                    all_samples, assert_minutes, logged,
                                    open_fetch, sync_over_new_link)

KILL_POINTS = ("after-advance", "mid-transfer", "after-ack", "ack-in-flight")
KILL_ROUNDS = 10


def check_recovered(band, control, seen: dict, floor: int, label: str):
    """After a restart: every minute seen before survives with its bytes,
    the ack cursor did not go back, and a fetch serves exactly the
    minutes not deleted.  Returns the current log and AckedUntil."""
    truth = all_samples(control)
    stamps = [ts for ts, _ in truth]
    assert stamps == sorted(set(stamps)), f"{label}: log order broken"
    now = dict(truth)
    lost = [ts for ts in seen if ts not in now]
    assert not lost, f"{label}: lost {ground_truth.runs(lost)}"
    changed = [ts for ts in seen if now[ts] != seen[ts]]
    assert not changed, f"{label}: changed {ground_truth.runs(changed)}"
    acked = control.acked_until()
    assert acked >= floor, f"{label}: AckedUntil went back to " \
                           f"{acked}, an answered ack had set {floor}"
    kept = [(ts, d) for ts, d in truth if ts > acked]
    assert control.stored_samples() == len(kept), label
    check = sync_over_new_link(band, ack=False)
    ground_truth.assert_exactly_once(check.samples, kept, context=label)
    return truth, acked


@pytest.mark.needs_control("AdvanceClock", "GetSamples", "StoredSamples",
                           "AckedUntil")
@pytest.mark.emulator_process("kill -9 and a restart on the state directory")
def test_power_loss_during_logging_and_sync(start_band, control, tmp_path):
    """MB4/SYNC/BI-08: the battery dies while the band logs and syncs

    kill -9 after a minute tick, in the middle of a transfer, right
    after an answered ack and with an ack in flight.  Every minute the
    control plane showed before the kill is still there with the same
    bytes, the ack cursor never goes back behind an ack answered
    10 03 01, a fetch never serves an acked minute, and in the end the
    phone holds every minute exactly once.
    """
    rng = random.Random(20240520)
    state_dir = tmp_path / "state"
    clock = CLOCK_START
    band = start_band(state_dir=state_dir)
    state = SyncState(SINCE)
    seen, floor = {}, 0
    for round_no in range(KILL_ROUNDS):
        point = KILL_POINTS[round_no % len(KILL_POINTS)]
        label = f"round {round_no} ({point})"
        hours = rng.randint(2, 9)
        control.advance_clock(hours * HOUR)
        clock += hours * HOUR
        seen.update(all_samples(control))
        if point != "after-advance":
            fetch = open_fetch(band, mtu=23)
            try:
                if point == "mid-transfer":
                    packets = rng.randint(1, 12)

                    def kill_band(received, expected):
                        if received >= 4 * packets and band.alive:
                            band.kill()
                    try:
                        fetch.sync(state, progress=kill_band)
                    except FetchInterrupted:
                        pass
                elif point == "after-ack":
                    fetch.sync(state)
                    floor = max(floor, state.last_ts)
                else:
                    announced = fetch.start(state.cursor)
                    samples = fetch.stream()
                    state.save(Round(state.cursor, announced, len(samples),
                                     False), samples)
                    fetch.send(b"\x03")
                band.kill()
            finally:
                fetch.att.close()
        else:
            band.kill()
        band = start_band(state_dir=state_dir, clock_start=clock)
        truth, acked = check_recovered(band, control, seen, floor, label)
        seen.update(truth)
        floor = max(floor, acked)

    sync_over_new_link(band, state)
    ground_truth.assert_exactly_once(state.samples, all_samples(control),
                               (CLOCK_START, clock))


@pytest.mark.needs_control("AdvanceClock", "GetSamples", "StoredSamples",
                           "AckedUntil")
@pytest.mark.emulator_process("kill -9 and a restart on the state directory")
def test_power_loss_while_logging(start_band, control, tmp_path):
    """MB4/SYNC/BI-09: the battery dies while the band writes days of log

    kill -9 lands somewhere inside a multi-day AdvanceClock, so the last
    record may be torn.  The band comes back with every earlier minute
    intact, its log in order, its counts consistent, and goes on logging
    after the restart.
    """
    state_dir = tmp_path / "state"
    clock = CLOCK_START
    band = start_band(state_dir=state_dir)
    for round_no, days in enumerate((2, 3, 1, 4)):
        label = f"round {round_no}"
        before = all_samples(control)
        control.call_nowait("AdvanceClock", "(d)", float(days * DAY))
        band.kill()
        clock += days * DAY
        band = start_band(state_dir=state_dir, clock_start=clock)
        after = all_samples(control)
        assert after[:len(before)] == before, f"{label}: earlier minutes"
        stamps = [ts for ts, _ in after]
        assert stamps == sorted(set(stamps)), f"{label}: log order broken"
        # The kill may land before the band took the call: nothing new.
        assert all(ts < clock for ts in stamps[-1:]), \
            f"{label}: a minute from the future"
        assert control.stored_samples() == len(after), label
        assert control.acked_until() == 0, label
    control.advance_clock(10 * MINUTE)
    tail = control.get_samples(clock, FOREVER)
    assert [ts for ts, _ in tail] == [clock + i * MINUTE for i in range(10)]
    # Each restart left a gap in the log; a sync must still time every
    # minute after a gap right (a transfer carries no timestamps).
    state = sync_over_new_link(band)
    ground_truth.assert_exactly_once(state.samples, all_samples(control))


FLASH = "flash.img"
SECTOR, HEADER, RECORD = 4096, 16, 16


def find_record(image: bytes, ts: int) -> int:
    """Offset of the sample record for minute ts (docs/sync.md layout:
    marker, type, seq u32, timestamp u32 minutes, payload, CRC-16)."""
    minute = struct.pack("<I", ts // MINUTE)
    for sector in range(0, len(image), SECTOR):
        if image[sector:sector + 4] != b"MBFL":
            continue
        for at in range(sector + HEADER, sector + SECTOR, RECORD):
            if image[at + 1] == 0x01 and image[at + 6:at + 10] == minute:
                return at
    raise AssertionError(f"no record for {ground_truth.when(ts)} in {FLASH}")


@pytest.mark.needs_control("AdvanceClock", "GetSamples", "StoredSamples")
@pytest.mark.emulator_process("damages flash.img and restarts the band")
def test_corrupt_record_costs_one_minute(start_band, control, tmp_path):
    """MB4/SYNC/BI-10: a flipped bit in flash loses one minute, not the log

    Worn NOR flash returns a bad byte in one record: the band drops that
    record (its CRC fails) at the next start and keeps every other
    minute, and a sync times the minutes after the hole correctly
    instead of shifting them by one.
    """
    state_dir = tmp_path / "state"
    band = start_band(state_dir=state_dir)
    before = logged(control, 1)
    assert band.stop() == 0
    hole = CLOCK_START + 6 * HOUR
    image = bytearray((state_dir / FLASH).read_bytes())
    image[find_record(image, hole) + 10] ^= 0x01
    (state_dir / FLASH).write_bytes(image)

    band = start_band(state_dir=state_dir, clock_start=CLOCK_START + DAY)
    truth = all_samples(control)
    assert [ts for ts, _ in truth] == [ts for ts, _ in before if ts != hole]
    assert dict(truth).items() <= dict(before).items()
    assert control.stored_samples() == PER_DAY - 1
    state = sync_over_new_link(band)
    ground_truth.assert_exactly_once(state.samples, truth)


CORRUPT_IMAGES = {
    "missing": None,
    "wrong-size": lambda image: image[:-SECTOR],
    "erased": lambda image: b"\xff" * len(image),
    "zeroed": lambda image: bytes(len(image)),
    "garbage": lambda image: bytes(random.Random(7).randbytes(len(image))),
}


@pytest.mark.needs_control("AdvanceClock", "GetSamples", "StoredSamples",
                           "AckedUntil", "Bound")
@pytest.mark.emulator_process("damages flash.img and restarts the band")
@pytest.mark.parametrize("damage", sorted(CORRUPT_IMAGES))
def test_unusable_flash_image_is_rebuilt(start_band, control, tmp_path,
                                         damage):
    """MB4/SYNC/BI-11: a flash image that cannot be read starts an empty log

    A band whose log cannot be recovered (file gone, wrong size for the
    profile, no valid sector) must still start, keep its pairing, and
    log and sync from then on.
    """
    state_dir = tmp_path / "state"
    band = start_band(state_dir=state_dir)
    logged(control, 0.5)
    assert band.stop() == 0
    path = state_dir / FLASH
    if CORRUPT_IMAGES[damage] is None:
        path.unlink()
    else:
        path.write_bytes(CORRUPT_IMAGES[damage](path.read_bytes()))

    restart = CLOCK_START + DAY
    band = start_band(state_dir=state_dir, clock_start=restart)
    assert all_samples(control) == []
    assert (control.stored_samples(), control.acked_until()) == (0, 0)
    assert control.get("Bound") is True
    control.advance_clock(HOUR)
    truth = all_samples(control)
    assert_minutes(truth, restart, 60)
    state = sync_over_new_link(band)
    ground_truth.assert_exactly_once(state.samples, truth)
