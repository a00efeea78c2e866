"""Band life: the simulated wearer behind the activity log.

docs/sync.md describes the model: one 4-byte sample a band minute,
deterministic from --life-seed and the band's local time of day.  Apps
draw sleep, workouts and step counts from these bytes, and a bug report
that names a seed and a time must reproduce on any machine, so the
samples are checked against the model's description, against each other
across bands and seeds, and against the committed fixtures/activity
files; the realtime step count against the log it summarises.
"""

import struct
from pathlib import Path

import pytest

from bandsim.harness.suite import CLOCK_START
from bandsim.protocol.profile import DEFAULT_PATH, Profile
from bandsim.protocol.values import local_datetime

from scenarios.helpers.hr import set_hr_settings
from scenarios.helpers.links import authenticated_link
from scenarios.helpers.pdus import hexs
from scenarios.helpers.sync import (DAY, FOREVER, HOUR, MINUTE, PER_DAY,
                                    all_samples)

PROFILE = Profile.load(DEFAULT_PATH)
REALTIME_STEPS = PROFILE.characteristic("realtime-steps")
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "activity"
SLEEP = (0x09, 0x0B)
KINDS = {0x00, 0x01, 0x02, 0x03, 0x06, 0x09, 0x0B}
# The midnight before CLOCK_START (Monday 10:30 band local time).
MONDAY = CLOCK_START - 10 * HOUR - 30 * MINUTE
# With the heart rate every minute each band minute is an hr-measured
# event too: days of band life take seconds of a busy machine.
DAYS_OF_READINGS_S = 60.0


def steps_value(att) -> int:
    value = att.read(REALTIME_STEPS.value_handle)
    assert len(value) == 13 and value[0] == 0x0C, hexs(value)
    return struct.unpack_from("<I", value, 1)[0]


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


@pytest.mark.needs_control("AdvanceClock", "GetSamples")
@pytest.mark.emulator_process(
    "a fresh activity log from CLOCK_START, clock frozen")
def test_realtime_steps_match_log(band, control, authed):
    """MB4/SYNC/BV-14: the step count on the band's face equals the log

    A user compares today's steps on the band with the app after a
    sync: 00000007 counts the steps byte of every minute logged since
    local midnight, and its once-a-minute notification moves on with
    the next minute.
    """
    control.advance_clock(DAY + 7.5 * HOUR)       # Tuesday 18:00
    midnight = MONDAY + DAY
    now = midnight + 18 * HOUR
    today = control.get_samples(midnight, now)
    assert len(today) == 18 * 60
    expected = sum(data[2] for _, data in today)
    assert expected > 0, "a whole day without a step"
    assert steps_value(authed) == expected

    authed.write(REALTIME_STEPS.cccd_handle, b"\x01\x00")
    control.advance_clock(MINUTE)
    value = authed.wait_notification(REALTIME_STEPS.value_handle)
    (minute,) = control.get_samples(now, now + MINUTE)
    assert struct.unpack_from("<I", value, 1)[0] == expected + minute[1][2]

    authed.write(REALTIME_STEPS.cccd_handle, b"\x00\x00")
    control.advance_clock(6 * HOUR)                # Wednesday 00:01
    after = control.get_samples(midnight + DAY, FOREVER)
    assert len(after) == 1
    assert steps_value(authed) == after[0][1][2]


@pytest.mark.needs_control("AdvanceClock", "GetSamples")
@pytest.mark.emulator_process(
    "a fresh activity log from CLOCK_START, clock frozen")
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
