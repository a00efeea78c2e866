"""Ground truth for workouts: what a phone fetched against what the band
recorded (GetWorkouts) and logged (GetSamples).

A workout sync can look fine on the wire and still drop a workout, bring
one twice after a resume, or carry a summary that disagrees with its own
track.  Three checks, each a list of findings (empty: agreed):

- fetched_once(): every workout the band had (before the sync) was
  fetched exactly once, matched by its start;
- self_consistent(): a summary states what its track holds (seconds,
  steps, distance, average heart rate) and the track is the band's,
  second by second;
- against_samples(): the track's whole minutes agree with the activity
  log's samples of the same minutes: the same steps, and readings whose
  mean is the minute's heart rate (the band reads the wearer every
  second in a workout, and logs their mean).
"""

import collections

from ..protocol import workouts as W

TZ_S = 15 * 60


def _start(truth: dict) -> int:
    return int(truth["start"])


def fetched_once(fetched: list, truth: list) -> list:
    """Findings: a finished workout of truth (GetWorkouts) fetched never
    or more than once, or a fetched one the band never had."""
    findings = []
    starts = collections.Counter(w.summary.start for w in fetched)
    for t in truth:
        if t["running"]:
            continue
        n = starts.pop(_start(t), 0)
        if n != 1:
            findings.append(f"workout {t['id']} ({t['kind']}, start "
                            f"{_start(t)}) fetched {n} times")
    for start, n in starts.items():
        findings.append(f"fetched {n} workout(s) starting {start} the band "
                        f"did not have")
    return findings


def _agrees(name, got, want, findings, tolerance=0):
    if abs(got - want) > tolerance:
        findings.append(f"{name}: summary {got}, track {want}")


def summary_agrees(workout) -> list:
    """Findings for a workout's summary against its own track, judged by
    the phone alone (a real band): a second for each active second, from
    0 on, and the totals the seconds add up to."""
    findings = []
    s, points = workout.summary, workout.track.points
    if s.end - s.start != s.active_s:
        findings.append(f"start {s.start} to end {s.end} is not "
                        f"{s.active_s} active seconds")
    offsets = [p.offset for p in points]
    if offsets != list(range(s.active_s)):
        findings.append(f"track seconds {offsets[:3]}..{offsets[-3:]}, "
                        f"not 0 to {s.active_s - 1}")
    _agrees("steps", s.steps, sum(p.steps or 0 for p in points), findings)
    return findings


def self_consistent(workout, truth: dict) -> list:
    """Findings for one fetched workout against its own track and the
    band's record of it."""
    findings = summary_agrees(workout)
    s, points = workout.summary, workout.track.points
    record = truth["track"]
    if W.KIND_OF_SUMMARY.get(s.kind) != truth["kind"]:
        findings.append(f"kind {s.kind} for a {truth['kind']}")
    if (s.start, s.end) != (_start(truth), int(truth["end"])):
        findings.append(f"start/end {s.start}/{s.end}, the band's "
                        f"{truth['start']}/{truth['end']}")
    _agrees("seconds", s.active_s, len(record), findings)
    dm = sum(p.distance_dm or 0 for p in points)
    _agrees("distance m", int(s.distance_m), dm // 10, findings)
    bpms = [p.bpm for p in points if p.bpm not in (None, 0, W.HR_NONE)]
    if bpms:
        _agrees("average bpm", s.avg_bpm, round(sum(bpms) / len(bpms)),
                findings, tolerance=1)
    # The track, second by second, as the band recorded it.
    by_offset = {p.offset: p for p in points}
    for offset, bpm, steps, dist, has_pos, lat, lon in record:
        p = by_offset.get(offset)
        if p is None:
            findings.append(f"second {offset} missing from the track")
            continue
        want_bpm = None if bpm in (0, W.HR_NONE) else bpm
        if (p.bpm, p.steps, p.distance_dm) != (want_bpm, steps, dist):
            findings.append(f"second {offset}: track ({p.bpm}, {p.steps}, "
                            f"{p.distance_dm}), band ({want_bpm}, {steps}, "
                            f"{dist})")
        if has_pos and (p.lon, p.lat) != (lon, lat):
            findings.append(f"second {offset}: position {p.lon},{p.lat}, "
                            f"band {lon},{lat}")
        if len(findings) > 10:
            break
    return findings


def against_samples(workout, tz: int, samples: list) -> list:
    """Findings for the whole minutes of a workout against the activity
    log's samples [(local ts, 4 bytes)] (GetSamples)."""
    findings = []
    logged = {ts: data for ts, data in samples}
    minutes = collections.defaultdict(list)
    local0 = workout.summary.start + tz * TZ_S
    for p in workout.track.points:
        minutes[(local0 + p.offset) // 60 * 60].append(p)
    for minute, points in sorted(minutes.items()):
        if len(points) < 60:
            continue                   # the workout's first or last minute
        data = logged.get(minute)
        if data is None:
            findings.append(f"minute {minute}: no activity sample")
            continue
        steps = sum(p.steps or 0 for p in points)
        if steps != data[2]:
            findings.append(f"minute {minute}: track {steps} steps, "
                            f"sample {data[2]}")
        bpms = [p.bpm for p in points if p.bpm not in (None, 0, W.HR_NONE)]
        if data[3] == W.HR_NONE:
            if bpms:
                findings.append(f"minute {minute}: track heart rate, the "
                                f"sample none")
        elif len(bpms) != len(points) or sum(bpms) != data[3] * len(bpms):
            findings.append(f"minute {minute}: track {len(bpms)} readings "
                            f"of mean {sum(bpms) / max(1, len(bpms)):.2f}, "
                            f"sample {data[3]} bpm")
    return findings
