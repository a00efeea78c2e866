"""Power loss and flash damage: the activity log survives what a
battery-powered band with NOR flash meets.

docs/sync.md: records are written marker-last into a memory-mapped
image, so every record whose write completed is there after kill -9; a
recovery scan at start keeps every valid record and drops a torn or
corrupt one; an image that cannot be read is rebuilt empty.  The
restarted band is given the clock it had (it is frozen in the suite),
or the end of the AdvanceClock it died in, so band time never runs
backwards over minutes already logged.

A real band cannot be killed, but the phone can reboot it (05 on
00001531, restart_band): MB4/SYNC/BI-15 and BI-16 cut a sync and follow
an ack with a restart on every band, kill -9 on the emulator, and judge
what the phone received (bandsim/oracles/phone_side.py), with the
band's log where there is a witness.  BI-08 and BI-09 stay on the
emulator: their oracle is the exact log of ten kills at chosen points
and of kills inside days of logging, which only the control plane shows.
"""

import random
import struct

import pytest

from bandsim.clients.fetch import FetchInterrupted, Round, SyncState
from bandsim.harness.suite import CLOCK_START
from bandsim.oracles import ground_truth
from bandsim.oracles.phone_side import check_sync, same_samples

from scenarios.helpers.sync import (DAY, FOREVER, HOUR, LIVED_S, MINUTE,
                                    PER_DAY, SINCE, all_samples,
                                    assert_minutes, band_now, first_since,
                                    lived_sync, logged, need_unsynced,
                                    open_fetch, resync_after_ack,
                                    sync_over_new_link)

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
def test_power_loss_during_logging_and_sync(start_band, control, tmp_path,
                                            target):
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
    if target.through_bluetoothd:
        # The VM: the phone waited 240 s for the rest of a transfer from
        # a band killed in the middle of it.
        pytest.skip("kill -9 leaves bluetoothd's link up (the link is "
                    "bluetoothd's, not the band process's): the phone waits "
                    "out its deadline where a band's power loss ends the "
                    "link; --transport l2cap runs it")
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


class Cut(Exception):
    """The phone stops reading a transfer."""


def cut(received, expected):
    raise Cut()


@pytest.mark.observes("GetSamples", "StoredSamples")
@pytest.mark.restarts("kill -9")
def test_restart_mid_sync_resumes(band, band_time, witness, restart_band,
                                  fetch_links):
    """MB4/SYNC/BI-15: the band restarts in the middle of a sync: the phone resumes from its cursor, nothing lost or twice

    "Sync stuck after the band rebooted": a whole sync first (no ack),
    so the phone knows what the band holds; then, on a new link at MTU
    23, a sync from the same minute whose first round the phone stops
    reading after one packet, its cursor left where it was, and the
    band restarts then, with the transfer under way: on the emulator it
    is killed -9 and started again on its state directory; any other
    band the phone reboots over that same link (05 on 00001531).  A new
    link resumes from the cursor: the sync is whole by the phone's rules
    (phone_side) and holds the first sync's samples, same minutes, same
    bytes, each once (on a band whose clock runs it may bring more).
    With a witness the phone holds the band's log exactly once, and the
    band still stores all of it.  A real band with nothing unsynced is
    skipped.
    """
    band_time.let_pass(LIVED_S)
    fetch = fetch_links(band)
    whole = SyncState(first_since(band_now(fetch.att)))
    fetch.sync(whole, ack=False)
    band.disconnect(fetch.att)
    check_sync(whole)
    need_unsynced(len(whole.samples), band_time)

    state = SyncState(whole.rounds[0].requested)
    link = fetch_links(band, mtu=23)
    with pytest.raises(Cut):
        link.sync(state, ack=False, progress=cut)
    assert (state.samples, state.cursor) == ([], whole.rounds[0].requested)
    band = restart_band(band, "kill", via=link.att)

    resumed = fetch_links(band)
    resumed.sync(state, ack=False)
    check_sync(state)
    same_samples(whole.samples, state.samples[:len(whole.samples)],
                 "the sync resumed after the restart")
    if band_time.control is not None:
        assert len(state.samples) == len(whole.samples)
    if witness is not None:
        truth = all_samples(witness)
        ground_truth.assert_exactly_once(state.samples, truth)
        assert witness.stored_samples() == len(truth)


@pytest.mark.observes("GetSamples", "StoredSamples", "AckedUntil")
@pytest.mark.restarts("kill -9")
def test_ack_holds_across_a_restart(band, band_time, witness, restart_band,
                                    fetch_links):
    """MB4/SYNC/BI-16: an ack the band answered holds across a restart right after it

    The battery dies just after the phone's last ack of a sync (03,
    answered 10 03 01): on the emulator the band is killed -9 with the
    link still up and started again on its state directory; any other
    band the phone reboots over that link (05 on 00001531) right after
    the answer.  On a new link the phone asks again from the first
    sync's first minute: the sync is whole by the phone's rules, and no
    sample it brings is one the phone acked (where band time stands
    still, none at all).  With a witness AckedUntil is the last acked
    minute and nothing is stored.  On a real band the first sync acks
    what it fetched, as every phone app does (MB4/SYNC/BV-20); one with
    nothing unsynced is skipped.
    """
    fetch, first = lived_sync(band, band_time, fetch_links, ack=True)
    assert all(r.acked for r in first.rounds)
    last = first.samples[-1].ts
    band = restart_band(band, "kill", via=fetch.att)

    second = resync_after_ack(fetch_links(band), first, " after the restart")
    if band_time.control is not None:
        assert second.samples == []
    if witness is not None:
        assert witness.acked_until() == last
        assert witness.stored_samples() == 0
        assert len(all_samples(witness)) == len(first.samples)


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
