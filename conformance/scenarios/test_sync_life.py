"""Band life: the simulated wearer behind the activity log.

docs/sync.md describes the model: one 4-byte sample a band minute,
deterministic from --life-seed and the band's local time of day.  Apps
draw sleep, workouts and step counts from these bytes, and a bug report
that names a seed and a time must reproduce on any machine, so the
samples are checked against the model's description, against each other
across bands and seeds, and against the committed fixtures/activity
files; the realtime step count against the log it summarises.

The model's own claims need an emulator the suite starts (a fresh log
from CLOCK_START, other seeds and clock starts): a real band's log is
its wearer's life.  The step count runs on any band (MB4/SYNC/BV-14):
there the phone compares it with the part of today's log it can fetch.
"""

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from bandsim.clients.fetch import SyncState
from bandsim.harness.suite import CLOCK_START
from bandsim.oracles import ground_truth
from bandsim.oracles.phone_side import check_sync
from bandsim.protocol.profile import DEFAULT_PATH, Profile
from bandsim.protocol.values import decode_battery, local_datetime

from scenarios.helpers.hr import set_hr_settings
from scenarios.helpers.links import authenticated_link
from scenarios.helpers.pdus import hexs
from scenarios.helpers.sync import (DAY, FOREVER, HOUR, MINUTE, PER_DAY,
                                    LOG_DAYS, all_samples, assert_minutes,
                                    band_now, first_since, need_unsynced)

PROFILE = Profile.load(DEFAULT_PATH)
REALTIME_STEPS = PROFILE.characteristic("realtime-steps")
BATTERY = PROFILE.characteristic("battery")
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "activity"
SLEEP = (0x09, 0x0B)
KINDS = {0x00, 0x01, 0x02, 0x03, 0x06, 0x09, 0x0B}
# The midnight before CLOCK_START (Monday 10:30 band local time).
MONDAY = CLOCK_START - 10 * HOUR - 30 * MINUTE
# With the heart rate every minute each band minute is an hr-measured
# event too: days of band life take seconds of a busy machine.
DAYS_OF_READINGS_S = 60.0
# On a band whose clock runs, how long the phone waits for the realtime
# steps notification: the band's next minute, and a little more.
NEXT_MINUTE_S = 70.0


def steps_of(value: bytes) -> int:
    """The steps of a 00000007 value (§2.4: 0c, steps u32, ...)."""
    assert len(value) == 13 and value[0] == 0x0C, hexs(value)
    return struct.unpack_from("<I", value, 1)[0]


def steps_value(att) -> int:
    return steps_of(att.read(REALTIME_STEPS.value_handle))


def read_fixture(name: str) -> list:
    """[(ts, 4 bytes)] from a fixtures/activity CSV."""
    rows = []
    with open(FIXTURES / name, encoding="ascii") as f:
        next(f)
        for line in f:
            ts, _, *fields = line.strip().split(",")
            rows.append((int(ts), bytes(int(x) for x in fields)))
    return rows


def heart_rate_every_minute(band) -> None:
    """What an app that wants the heart rate every minute writes (14 01
    on 0x2A39): from then on the log carries the wearer's rate in every
    minute the band is worn (docs/policies.md#heart-rate), as the
    committed fixtures do; a factory band logs ff."""
    att = authenticated_link(band, 23)
    try:
        set_hr_settings(att, interval=1)
    finally:
        band.disconnect(att)


def day_of(samples, day_start: int) -> list:
    return [(ts, d) for ts, d in samples if day_start <= ts < day_start + DAY]


def hour_of(ts: int) -> float:
    return (ts % DAY) / HOUR


def runs_of(samples, kind: int) -> list:
    """[(first ts, length)] of unbroken runs of one kind."""
    found = []
    for ts, data in samples:
        if data[0] == kind and found and found[-1][0] + \
                found[-1][1] * MINUTE == ts:
            found[-1][1] += 1
        elif data[0] == kind:
            found.append([ts, 1])
    return found


def todays_log(fetch, midnight: int) -> tuple:
    """(state, samples): a sync from local midnight without an ack, so
    the phone holds every minute of the day the band still has and the
    scenario deletes nothing; judged by the phone's rules (phone_side)."""
    state = SyncState(midnight)
    fetch.sync(state, ack=False)
    check_sync(state)
    return state, state.samples


def steps_in(samples) -> int:
    return sum(s.data[2] for s in samples)


@pytest.mark.observes("GetSamples")
def test_realtime_steps_match_log(band, band_time, fetch_links, witness):
    """MB4/SYNC/BV-14: the step count on the band's face equals the log

    A user compares today's steps on the band with the app after a
    sync: 00000007 counts the steps byte of every minute logged since
    local midnight, and its once-a-minute notification moves on with
    the next minute.  The phone syncs today from the band's local
    midnight without an ack: on the emulator, on Tuesday at 18:00, it
    gets the 1080 minutes since midnight and 00000007 their steps; the
    notification a minute later adds that minute's; at Wednesday 00:01
    the count is that one minute's.  With a witness those minutes are
    the band's log.  On a band whose clock runs (a real one) the phone
    cannot know it holds all of today: minutes an earlier sync acked are
    gone from the sync but still counted, and a real band may count the
    running minute before it logs it.  There the count is at least the
    steps of the minutes of today the phone got, before and after the
    notification, which comes within NEXT_MINUTE_S while subscribed and
    counts no fewer than the read before it (band midnight aside).  The
    scenario deletes nothing; a real band with no unsynced minute of
    today is skipped.
    """
    own_clock = band_time.control is None
    band_time.let_pass(DAY + 7.5 * HOUR)       # Tuesday 18:00
    fetch = fetch_links(band)
    now = band_now(fetch.att)
    midnight = now - now % DAY
    state, today = todays_log(fetch, midnight)
    need_unsynced(len(today), band_time)
    expected = steps_in(today)
    counted = steps_value(fetch.att)
    if own_clock:
        assert counted >= expected, \
            f"00000007 counts {counted} steps, today's log holds {expected}"
    else:
        assert (now, len(today), today[0].ts) == \
            (MONDAY + DAY + 18 * HOUR, 18 * 60, midnight)
        assert expected > 0, "a whole day without a step"
        assert counted == expected
    if witness is not None:
        ground_truth.assert_exactly_once(
            today, witness.get_samples(midnight, now))

    fetch.att.write(REALTIME_STEPS.cccd_handle, b"\x01\x00")
    band_time.let_pass(MINUTE)
    notified = steps_of(fetch.att.wait_notification(
        REALTIME_STEPS.value_handle, NEXT_MINUTE_S if own_clock else None))
    newer = fetch.sync(state, ack=False)
    check_sync(state)
    if own_clock:
        later = steps_value(fetch.att)
        if band_now(fetch.att) >= midnight + DAY:
            pytest.skip("band midnight passed during the scenario: its "
                        "count started again")
        assert notified >= counted, \
            f"notified {notified} steps after a read of {counted}"
        assert later >= expected + steps_in(newer), \
            (f"00000007 counts {later} steps, today's log holds "
             f"{expected + steps_in(newer)}")
    else:
        assert len(newer) == 1
        assert notified == expected + newer[0].data[2]
    if witness is not None:
        assert newer == witness.get_samples(now, now + MINUTE)

    fetch.att.write(REALTIME_STEPS.cccd_handle, b"\x00\x00")
    if own_clock:
        return
    band_time.let_pass(6 * HOUR)                # Wednesday 00:01
    _, after = todays_log(fetch, midnight + DAY)
    assert len(after) == 1
    assert steps_value(fetch.att) == after[0].data[2]
    if witness is not None:
        assert after == witness.get_samples(midnight + DAY, FOREVER)


@pytest.mark.needs_control("AdvanceClock", "GetSamples")
@pytest.mark.emulator_process(
    "the life model's days in a fresh log from CLOCK_START; a real "
    "band's log is its wearer's")
def test_life_model_days(band, control):
    """MB4/SYNC/BV-15: a simulated day looks like a person's day

    Apps chart sleep, workouts and wear time from these bytes: nights
    are light and deep sleep at 45-60 bpm, an evening run is running at
    120-170 bpm, the morning shower is "not worn" with no heart rate (the
    app set the heart rate to every minute).
    """
    heart_rate_every_minute(band)
    control.advance_clock(4 * DAY, timeout=DAYS_OF_READINGS_S)
    samples = all_samples(control)
    evening_runs = 0
    for n in range(1, 4):
        day = day_of(samples, MONDAY + n * DAY)
        assert len(day) == PER_DAY
        label = f"{local_datetime(day[0][0]):%a %Y-%m-%d}"
        kinds = {d[0] for _, d in day}
        assert kinds <= KINDS, f"{label}: kinds {sorted(kinds)}"
        night = [d for ts, d in day if 1 <= hour_of(ts) < 6]
        asleep = [d for d in night if d[0] in SLEEP]
        assert len(asleep) >= 0.8 * len(night), f"{label}: awake at night"
        assert {d[0] for d in asleep} == set(SLEEP), f"{label}: one stage"
        for ts, d in day:
            when = f"{label} {local_datetime(ts):%H:%M} {hexs(d)}"
            if d[0] in SLEEP:
                assert 45 <= d[3] <= 60, when
            elif d[0] == 0x02:
                assert 120 <= d[3] <= 170, when
            elif d[0] in (0x03, 0x06):
                assert d[3] == 0xFF, when
        morning = [ts for ts, d in day if d[0] == 0x03 and
                   5 <= hour_of(ts) < 12]
        assert morning, f"{label}: no not-worn stretch in the morning"
        runs = [r for r in runs_of(day, 0x02)
                if 16 <= hour_of(r[0]) < 23 and r[1] >= 30]
        evening_runs += bool(runs)
        assert sum(d[2] for _, d in day) > 0, f"{label}: no steps"
    assert evening_runs >= 2, "a run on fewer than two of three evenings"


@pytest.mark.needs_control("AdvanceClock", "GetSamples")
@pytest.mark.emulator_process(
    "starts bands with other life seeds and clock starts")
def test_life_is_deterministic(start_band, control):
    """MB4/SYNC/BV-16: the same seed lives the same day, whenever simulated

    A bug report says "seed 1, Tuesday evening": every band started with
    that seed must log the same bytes for those minutes (also the
    committed fixtures/activity files, heart rate every minute), and
    another seed a different day.
    """
    def life(*args, start=CLOCK_START, days=1.0):
        band = start_band(clock_start=start, extra_args=list(args))
        heart_rate_every_minute(band)
        control.advance_clock(days * DAY, timeout=DAYS_OF_READINGS_S)
        samples = all_samples(control)
        assert band.stop() == 0
        return dict(samples)

    first = life()
    assert len(first) == PER_DAY
    assert life("--life-seed", "1") == first
    later = life(start=CLOCK_START + 6 * HOUR)
    overlap = [ts for ts in later if ts in first]
    assert len(overlap) == PER_DAY - 360
    assert all(later[ts] == first[ts] for ts in overlap)
    other = life("--life-seed", "2")
    assert other.keys() == first.keys()
    differ = sum(other[ts] != first[ts] for ts in first)
    assert differ > PER_DAY // 4, f"seed 2 differs in {differ} minutes"

    fixture = dict(read_fixture("seed1-2024-05-20-3days.csv"))
    assert all(fixture[ts] == first[ts] for ts in first)
    fixture = dict(read_fixture("seed2-2024-05-20-3days.csv"))
    assert all(fixture[ts] == other[ts] for ts in other)


def found_by_a_phone(band, fetch_links) -> tuple:
    """(samples, battery value, today's steps) as a phone that has never
    synced finds the band: one sync from further back than any log
    reaches, without an ack (judged by the phone's rules), 00000006 and
    00000007."""
    fetch = fetch_links(band)
    state = SyncState(first_since(band_now(fetch.att)))
    fetch.sync(state, ack=False)
    check_sync(state)
    battery = fetch.att.read(BATTERY.value_handle)
    steps = steps_value(fetch.att)
    band.disconnect(fetch.att)
    return state.samples, battery, steps


@pytest.mark.needs_control("AdvanceClock", "GetSamples")
@pytest.mark.emulator_process(
    "starts a band with --history and --control-bus none beside one "
    "started three days earlier")
@pytest.mark.parametrize("heart_rate", ["factory", "every minute"])
def test_history_is_a_band_worn_that_long(start_band, control, fetch_links,
                                          tmp_path, heart_rate):
    """MB4/SYNC/BV-21: a band started with --history 3d was worn for three
    days and never synced

    A user reproducing a sync problem starts a band with a past:
    `bandsim --history 3d --clock-start T --control-bus none`, no
    control plane and no AdvanceClock.  Its clock shows T, and a phone's
    first sync gets the 4320 minutes from T - 3d to T: the same bytes,
    the same battery value, the same step count for today (the minutes
    since local midnight) and the same flash.img byte for byte as a
    band started at T - 3d and moved on by AdvanceClock(3 days), whose
    GetSamples is the ground truth.  With the heart rate every minute
    (settings.ini of the reference band in the new band's state
    directory before it starts) the minutes carry the wearer's rate as
    the reference band's do.
    """
    lived = 3 * DAY
    reference = start_band(clock_start=CLOCK_START - lived)
    if heart_rate == "every minute":
        heart_rate_every_minute(reference)
    state_dir = tmp_path / "history-state"
    state_dir.mkdir()
    if heart_rate == "every minute":
        shutil.copyfile(reference.state_dir / "settings.ini",
                        state_dir / "settings.ini")
    control.advance_clock(lived, timeout=DAYS_OF_READINGS_S)
    truth = all_samples(control)
    assert_minutes(truth, CLOCK_START - lived, 3 * PER_DAY)

    band = start_band(control_address=None, state_dir=state_dir,
                      extra_args=["--history", "3d"])
    words = band.command(0)
    assert words[words.index("--control-bus") + 1] == "none"
    assert (state_dir / "flash.img").read_bytes() == \
        (reference.state_dir / "flash.img").read_bytes()
    samples, battery, steps = found_by_a_phone(band, fetch_links)
    assert_minutes(samples, CLOCK_START - lived, 3 * PER_DAY)
    ground_truth.assert_exactly_once(samples, truth)
    readings = sum(s.data[3] != 0xFF for s in samples)
    if heart_rate == "every minute":
        assert readings > PER_DAY, f"{readings} minutes with a heart rate"
    else:
        assert readings == 0, f"{readings} minutes with a heart rate"
    reference_samples, reference_battery, reference_steps = \
        found_by_a_phone(reference, fetch_links)
    assert samples == reference_samples
    today = [s for s in samples if s.ts >= MONDAY]
    assert steps == reference_steps == steps_in(today) > 0
    assert battery == reference_battery, \
        f"{decode_battery(battery)} after --history, " \
        f"{decode_battery(reference_battery)} after AdvanceClock"
    fetch = fetch_links(band)
    assert band_now(fetch.att) == CLOCK_START
    band.disconnect(fetch.att)


def start_refused(emulator_binary, profile, state_dir, *args):
    """bandsim with args on state_dir, which must not start: its exit."""
    return subprocess.run(
        [str(emulator_binary), "--transport", "sock",
         "--socket", str(state_dir.parent / "band.sock"),
         "--state-dir", str(state_dir), "--profile", str(profile.path),
         "--control-bus", "none", *args],
        capture_output=True, text=True, timeout=10,
        stdin=subprocess.DEVNULL)


@pytest.mark.emulator_process("runs the emulator with a bad --history")
@pytest.mark.parametrize("args,status,says", [
    (["--history", "3"], 2, "--history 3: a span of band life"),
    (["--history", "1.5d"], 2, "--history 1.5d: a span of band life"),
    (["--history", "-3d"], 2, "--history -3d: a span of band life"),
    (["--history", "3d", "--clock-start", "86400"], 2,
     "--history 3d: reaches back before 1970"),
    (["--history", f"{LOG_DAYS + 1}d"], 1,
     f"--history {LOG_DAYS + 1}d: the activity log holds {LOG_DAYS} days"),
    (["--history", f"{LOG_DAYS * 24 * 60 + 1}m"], 1,
     f"the activity log holds {LOG_DAYS} days"),
], ids=["no unit", "fraction", "sign", "before 1970", "days past the log",
        "a minute past the log"])
def test_bad_history(emulator_binary, profile, tmp_path, args, status, says):
    """MB4/SYNC/BI-12: a --history the band cannot have stops it at start,
    naming the option

    A span is a whole number and s, m, h or d; it may not reach back
    before 1970 from --clock-start, nor hold more than the profile's
    flash log does (flash-log-days: the oldest samples would be erased
    as on a band worn that long, not what was asked for).  Each is
    refused with its reason on stderr, the band never starts and no
    state is written.
    """
    state_dir = tmp_path / "state"
    result = start_refused(emulator_binary, profile, state_dir, *args)
    assert result.returncode == status, (result.returncode, result.stderr)
    assert says in result.stderr, result.stderr
    assert not (state_dir / "flash.img").exists()
    assert not (state_dir / "time.ini").exists()


@pytest.mark.emulator_process("runs bandsim fleet with --history")
def test_fleet_refuses_history(emulator_binary, tmp_path):
    """MB4/SYNC/BI-14: a fleet refuses --history and says what to do
    instead

    A fleet's bands start as their directories left them, a restarted
    one too, so a past given at start would be lived again or refused
    band by band.  `bandsim fleet --history 3d` exits 2 before any band
    starts and names advance-all, which gives every band the same past.
    """
    result = subprocess.run(
        [str(emulator_binary), "fleet", "--count", "2",
         "--dir", str(tmp_path / "shelf"), "--control-bus", "none",
         "--history", "3d"],
        capture_output=True, text=True, timeout=10,
        stdin=subprocess.DEVNULL)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "bandsim fleet: --history 3d: a fleet starts each band as its " \
        "directory left it" in result.stderr, result.stderr
    assert "bandsim ctl advance-all SECONDS" in result.stderr
    assert not (tmp_path / "shelf").exists()


@pytest.mark.emulator_process(
    "starts a band on a state directory, then --history on it")
def test_history_leaves_a_lived_band_alone(start_band, emulator_binary,
                                           profile, fetch_links, tmp_path):
    """MB4/SYNC/BI-13: --history on a band that has lived is refused and
    changes nothing

    --history makes a new band's past; a state directory that holds a
    band's clock (time.ini) or log (flash.img) has a past of its own.
    Started there with --history the emulator exits 1 naming the
    directory, the file and what to do, and every file of the directory
    is as it was; the same start without --history goes on with it.
    """
    state_dir = tmp_path / "lived"
    band = start_band(state_dir=state_dir, extra_args=["--history", "1h"])
    assert band.stop() == 0
    before = {f.name: f.read_bytes() for f in state_dir.iterdir()}
    assert {"time.ini", "flash.img"} <= before.keys()
    result = start_refused(emulator_binary, profile, state_dir,
                           "--history", "1h")
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert f"--history 1h: a band has lived in {state_dir} already " \
        "(time.ini)" in result.stderr, result.stderr
    assert "leave out --history" in result.stderr, result.stderr
    assert {f.name: f.read_bytes() for f in state_dir.iterdir()} == before
    again = start_band(state_dir=state_dir, control_address=None)
    samples, _, _ = found_by_a_phone(again, fetch_links)
    assert_minutes(samples, CLOCK_START - HOUR, 60)
