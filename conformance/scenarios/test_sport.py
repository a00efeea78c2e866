"""Workouts: the band's sport mode, its records in flash and their sync (fact sheet §4.3, §9; docs/workouts.md)

"I finished a workout and it did not show up" is a sync complaint of
its own.  These scenarios start workouts on the band (StartWorkout
stands for the wearer's menu), let band time pass, and fetch them as
Gadgetbridge does (bandsim.clients.fetch.FetchClient.workouts): a
summary a round (``01 05``), then its track (``01 06``) asked for with
the start the band announced, each acked.  The summary is read with the
field layout of Gadgetbridge's parser for the MB4, and three oracles
judge it (bandsim.oracles.workouts): every workout fetched exactly once,
each summary agreeing with its track and the band's record, and the
track's whole minutes agreeing with the activity log's samples.
"""

import pytest

from bandsim.clients.devevents import DeviceEventsClient
from bandsim.clients.fetch import (FetchClient, FetchRefused,
                                    PacketCounterError, WorkoutState)
from bandsim.clients.sport import SportClient
from bandsim.harness.control import ControlError
from bandsim.harness.targets import PERSON_TIMEOUT
from bandsim.oracles import workouts as oracle
from bandsim.protocol import workouts as W
from bandsim.protocol.profile import write_variant
from bandsim.protocol.values import MINUTE

from scenarios.helpers.events import events_after, last_seq
from scenarios.helpers.look import let_pass
from scenarios.helpers.sync import (DAY, HOUR, SINCE, all_samples,
                                    band_now, synced_since)

RUN_S = 10 * MINUTE


def fetched(band, fetch_links, since=SINCE, ack=True, state=None):
    """One link's workout sync, Gadgetbridge's way; (state, workouts)."""
    fetch = fetch_links(band)
    state = state or WorkoutState(since)
    got = fetch.workouts(state, ack=ack)
    band.disconnect(fetch.att)
    return state, got


def judged(control, got, truth) -> None:
    """The three oracles, against what the band held before the sync."""
    problems = oracle.fetched_once(got, truth)
    by_start = {int(t["start"]): t for t in truth}
    samples = all_samples(control)
    for w in got:
        t = by_start.get(w.summary.start)
        if t is None:
            continue
        problems += oracle.self_consistent(w, t)
        problems += oracle.against_samples(w, t["tz"], samples)
    assert not problems, "\n".join(problems)


def run_workout(control, band_time, kind="outdoor-run", seconds=RUN_S):
    control.start_workout(kind)
    band_time.let_pass(seconds)
    control.stop_workout()


@pytest.mark.person("workout", "look")
@pytest.mark.observes("GetWorkouts", "GetSamples", "Events")
def test_run_started_on_the_band(band, hands, witness, band_time,
                                 fetch_links):
    """MB4/SPORT/BV-01: a run started on the band: event 14, 11 02 and 11 05, then its summary and track fetched once

    The phone hears ``14 00 01 01`` on 00000010 (an outdoor run, GPS
    wanted) and ``11 02`` on 0000000f; the band shows the workout.  Ten
    minutes on, the wearer stops it: ``11 05``, workout-ended with 600
    seconds.  The sync brings one summary (version below 512, kind 1,
    600 active seconds, the band's start and end) and a track of 600
    seconds with the wearer's heart rate and steps, no position (no
    phone gave any); the oracles agree, and the acks deleted it.  On a
    real band the person runs for thirty seconds, says what the band
    shows, and the phone judges the rest: the bytes it heard, a summary
    of at least thirty seconds that agrees with its track, no position,
    and nothing the second time.
    """
    exact = witness is not None
    seconds = RUN_S if exact else 30
    timeout = None if hands.control is not None else PERSON_TIMEOUT
    att = fetch_links(band).att
    since = band_now(att) - DAY
    events = DeviceEventsClient(att)
    events.enable_notifications()
    sport = SportClient(att)
    sport.watch_status()
    hands.start_workout("outdoor-run")
    assert bytes(events.expect(0x14, timeout=timeout)) == \
        bytes([0x14, 0x00, 0x01, 0x01])
    assert sport.status(timeout=timeout) == W.STATUS_START
    assert hands.sees("the running workout", "workout", kind="outdoor-run")
    let_pass(att, band_time, seconds)
    hands.stop_workout()
    assert sport.status(timeout=timeout) == W.STATUS_END
    band.disconnect(att)
    truth = None
    if exact:
        ended = witness.wait_event("workout-ended")
        assert ended.details["seconds"] == RUN_S
        assert ended.details["reason"] == "wearer"
        truth = witness.workouts()
        assert [t["kind"] for t in truth] == ["outdoor-run"]
        assert not truth[0]["cut"] and not truth[0]["running"]
    state, got = fetched(band, fetch_links, since=since)
    w = got[-1]
    assert w.kind == "outdoor-run" and w.summary.active_s >= seconds
    assert w.summary.version < W.NEW_LAYOUT_VERSION
    assert len(w.summary.raw) == W.SUMMARY_LEN
    assert w.positions() == []
    assert oracle.summary_agrees(w) == []
    assert fetched(band, fetch_links, state=state)[1] == []
    if not exact:
        return
    assert len(got) == 1
    s = w.summary
    assert (s.active_s, s.end - s.start) == (RUN_S, RUN_S)
    assert s.base_alt == W.ALTITUDE_UNKNOWN
    assert len(w.track.points) == RUN_S
    assert all(60 <= p.bpm <= 200 for p in w.track.points)
    judged(witness, got, truth)
    assert witness.workouts() == []


@pytest.mark.person("workout")
@pytest.mark.observes("GetWorkouts", "GetSamples")
@pytest.mark.parametrize("kind", W.KIND_NAMES)
def test_every_kind(band, hands, witness, band_time, fetch_links, kind):
    """MB4/SPORT/BV-02: each of the MB4's workouts announces its type and GPS need, and its summary its kind

    Outdoor run, treadmill, walking, cycling, exercise and pool swim,
    each for thirty seconds (the person's on a real band): event 14's
    bytes 2 and 3 are the GPS need and the type as Gadgetbridge numbers
    them (HuamiWorkoutTrackActivityType), the summary's kind as
    HuamiSportsActivityType numbers it, and the summary agrees with its
    track.  With a witness, the band's record agrees, and a kind the
    band does not have is refused with the list of those it has.
    """
    timeout = None if hands.control is not None else PERSON_TIMEOUT
    fetch = fetch_links(band)
    since = band_now(fetch.att) - DAY
    events = DeviceEventsClient(fetch.att)
    events.enable_notifications()
    hands.start_workout(kind)
    assert events.expect(0x14, timeout=timeout).extra[1:] == bytes(
        [int(W.NEEDS_GPS[kind]), W.EVENT_TYPE[kind]])
    let_pass(fetch.att, band_time, 30)
    hands.stop_workout()
    band.disconnect(fetch.att)
    truth = witness.workouts() if witness is not None else None
    _, got = fetched(band, fetch_links, since=since)
    assert got[-1].summary.kind == W.SUMMARY_KIND[kind]
    assert oracle.summary_agrees(got[-1]) == []
    if witness is None:
        return
    judged(witness, got, truth)
    with pytest.raises(ControlError) as info:
        witness.start_workout("rowing")
    assert info.value.name == "io.bandsim.Error.InvalidArgs"


@pytest.mark.person("workout")
@pytest.mark.observes("GetWorkouts", "GetSamples")
def test_two_workouts_in_one_sync(band, hands, witness, band_time,
                                  fetch_links):
    """MB4/SPORT/BV-03: two workouts in one sync, each fetched once and in order

    A treadmill workout of thirty seconds, a pause, then a walk of
    thirty seconds (the person's on a real band): one sync of the last
    day brings both, the treadmill before the walk, each with its own
    track agreeing with its summary, each once (their starts differ); a
    second sync from where the first ended brings nothing, and, the
    acks having deleted them, nor does one from the start.
    """
    fetch = fetch_links(band)
    since = band_now(fetch.att) - DAY
    for kind in ("treadmill", "walking"):
        hands.start_workout(kind)
        let_pass(fetch.att, band_time, 30)
        hands.stop_workout()
        let_pass(fetch.att, band_time, 5)
    band.disconnect(fetch.att)
    truth = witness.workouts() if witness is not None else None
    state, got = fetched(band, fetch_links, since=since)
    assert [w.kind for w in got[-2:]] == ["treadmill", "walking"]
    starts = [w.summary.start for w in got]
    assert starts == sorted(set(starts))
    assert all(oracle.summary_agrees(w) == [] for w in got)
    if witness is not None:
        judged(witness, got, truth)
    assert fetched(band, fetch_links, state=state)[1] == []
    assert fetched(band, fetch_links, since=since)[1] == []


@pytest.mark.person("workout")
@pytest.mark.observes("GetWorkouts", "GetSamples")
def test_sync_cut_between_summary_and_track(band, hands, witness, band_time,
                                            fetch_links):
    """MB4/SPORT/BV-04: a sync cut between the summary and its track is resumed, and the workout comes once

    A treadmill workout of thirty seconds (the person's on a real band).
    The phone fetches the first summary the band has and acks it, then
    the link goes before it asks for the track.  The ack of a summary
    deletes nothing (its track is still to come): the next sync, from
    the same cursor, brings that summary again first, with its track,
    and every workout once.  With a witness, the band's record agrees.
    """
    fetch = fetch_links(band)
    since = band_now(fetch.att) - DAY
    hands.start_workout("treadmill")
    let_pass(fetch.att, band_time, 30)
    hands.stop_workout()
    truth = witness.workouts() if witness is not None else None
    first = fetch.start(since, 0, W.TYPE_SUMMARY)
    assert first.count >= W.SUMMARY_LEN
    summary = W.parse_summary(fetch.stream_bytes())
    fetch.ack()
    band.disconnect(fetch.att)
    if witness is not None:
        assert witness.workouts() == truth
    _, got = fetched(band, fetch_links, since=since)
    assert got[0].summary.raw == summary.raw
    starts = [w.summary.start for w in got]
    assert len(set(starts)) == len(starts)
    assert all(oracle.summary_agrees(w) == [] for w in got)
    if witness is not None:
        judged(witness, got, truth)
        assert witness.workouts() == []


@pytest.mark.person("workout")
@pytest.mark.observes("GetWorkouts", "GetSamples")
@pytest.mark.restarts("kill")
def test_workout_across_kill(band, hands, witness, band_time, fetch_links,
                             restart_band):
    """MB4/SPORT/BV-05: a workout the band is killed in is kept, cut at its last second, and synced

    Ninety seconds into a treadmill workout the emulator is killed
    (kill -9) and started again on its state directory.  Nothing runs
    any more; the workout is in flash with its 90 seconds, cut, its end
    its last second; the sync brings it once and the oracles agree.  On
    any other band the phone reboots it (05 on 00001531) thirty seconds
    into the person's workout: the sync brings a treadmill workout of at
    least those thirty seconds, whose summary agrees with its track, and
    a second sync none.  That the band keeps a workout it went down in is
    the emulator's policy (docs/workouts.md): on a real band a workout
    that is gone is a finding.
    """
    timeout = None if hands.control is not None else PERSON_TIMEOUT
    seconds = 90 if restart_band.process else 30
    fetch = fetch_links(band)
    since = band_now(fetch.att) - DAY
    sport = SportClient(fetch.att)
    sport.watch_status()
    hands.start_workout("treadmill")
    assert sport.status(timeout=timeout) == W.STATUS_START
    let_pass(fetch.att, band_time, seconds)
    band = restart_band(band, "kill", via=fetch.att)
    exact = witness is not None and restart_band.process
    truth = witness.workouts() if exact else None
    if exact:
        (t,) = truth
        assert (t["cut"], t["running"], len(t["track"])) == (True, False, 90)
        assert t["end"] == t["start"] + 90
        with pytest.raises(ControlError):
            hands.control.stop_workout()
    state, got = fetched(band, fetch_links, since=since)
    w = got[-1]
    assert w.kind == "treadmill" and w.summary.active_s >= seconds
    assert oracle.summary_agrees(w) == []
    assert fetched(band, fetch_links, state=state)[1] == []
    if exact:
        assert len(got) == 1 and w.summary.active_s == 90
        judged(witness, got, truth)


@pytest.mark.person("workout")
@pytest.mark.observes("GetWorkouts", "GetSamples")
def test_gps_from_the_phone(band, hands, witness, band_time, fetch_links):
    """MB4/SPORT/BV-06: the phone's GPS is kept in the track and comes back as positions

    An outdoor run; every second the phone sends its position as
    Gadgetbridge does, a chunked transfer of type 6: on the emulator ten
    at ATT_MTU 23 (each cut in three), then, on a new link at 247 (the
    workout runs on without a link), ten more in one chunk each, the
    last one written whole on 0000000f; on a real band (the person
    starts and stops the run) all twenty on one link at its MTU.  The
    summary's base is the first position; the track's GPS records, from
    that base, give back every position the phone sent, in order, each
    at a later second than the one before, to the band's unit
    (1/3,000,000 degree).  With a witness, each at the second it came,
    and the oracles agree.
    """
    timeout = None if hands.control is not None else PERSON_TIMEOUT
    plan = ((23, range(10)), (247, range(10, 20))) if witness is not None \
        else ((247, range(20)),)
    first = fetch_links(band, mtu=plan[0][0])
    since = band_now(first.att) - DAY
    sport = SportClient(first.att)
    sport.watch_status()
    hands.start_workout("outdoor-run")
    assert sport.status(timeout=timeout) == W.STATUS_START
    sent = []
    for n, (mtu, seconds) in enumerate(plan):
        fetch = first if n == 0 else fetch_links(band, mtu=mtu)
        sport = SportClient(fetch.att)
        for i in seconds:
            let_pass(fetch.att, band_time, 1)
            lon, lat = 13.4050 + i * 0.00003, 52.5200 + i * 0.00002
            sport.send_gps(lon, lat,
                           status=W.GPS_ACQUIRED if i == 0 else None,
                           whole=i == 19, speed=3.1,
                           time_ms=1_700_000_000_000 + i * 1000)
            sport.settle()
            sent.append((W.to_units(lon), W.to_units(lat)))
        if n + 1 < len(plan):
            band.disconnect(fetch.att)
    let_pass(fetch.att, band_time, 10)
    hands.stop_workout()
    band.disconnect(fetch.att)
    truth = witness.workouts() if witness is not None else None
    _, got = fetched(band, fetch_links, since=since)
    w = got[-1]
    assert w.kind == "outdoor-run"
    assert (w.summary.base_lon, w.summary.base_lat) == sent[0]
    assert [(p.lon, p.lat) for p in w.positions()] == sent
    offsets = [p.offset for p in w.positions()]
    assert offsets == sorted(set(offsets)), offsets
    assert oracle.summary_agrees(w) == []
    if witness is None:
        return
    (only,) = got
    assert offsets == list(range(20))
    judged(witness, got, truth)


@pytest.mark.person("workout")
@pytest.mark.observes("GetWorkouts")
def test_empty_track(band, hands, witness, fetch_links):
    """MB4/SPORT/BV-07: a workout stopped at once has a summary and an empty track, and is deleted all the same

    Started and stopped in the same second: its summary says 0 seconds,
    0 steps; the track request is answered with count 0, which the
    phone acks, and that ack deletes it (a second sync brings nothing,
    no summary again).  On a real band the person stops it as soon as it
    starts: its summary agrees with whatever track it has, and the
    second sync brings nothing.
    """
    timeout = None if hands.control is not None else PERSON_TIMEOUT
    fetch = fetch_links(band)
    since = band_now(fetch.att) - DAY
    sport = SportClient(fetch.att)
    sport.watch_status()
    hands.start_workout("exercise")
    hands.stop_workout()
    assert sport.status(timeout=timeout) == W.STATUS_START
    assert sport.status(timeout=timeout) == W.STATUS_END
    band.disconnect(fetch.att)
    truth = witness.workouts() if witness is not None else None
    if truth is not None:
        assert len(truth) == 1 and truth[0]["track"] == []
    state, got = fetched(band, fetch_links, since=since)
    w = got[-1]
    assert w.kind == "exercise"
    assert oracle.summary_agrees(w) == []
    assert fetched(band, fetch_links, state=state)[1] == []
    if truth is not None:
        assert len(got) == 1
        assert (w.summary.active_s, w.summary.steps) == (0, 0)
        assert w.track.points == []
        assert witness.workouts() == []


@pytest.mark.person("workout")
@pytest.mark.observes("GetWorkouts")
def test_keep_on_device(band, hands, witness, band_time, fetch_links):
    """MB4/SPORT/BV-08: without the acks the workouts stay, and the cursor alone keeps them from coming twice

    Gadgetbridge's "keep activity data on device": no 03.  After a
    treadmill workout of thirty seconds (the person's on a real band),
    a sync of the last day without acks brings it; the workouts stay on
    the band (the witness: all of them); the next sync from the saved
    cursor (the last one's end) brings nothing new, and one from the
    start brings the same summaries again.
    """
    fetch = fetch_links(band)
    since = band_now(fetch.att) - DAY
    hands.start_workout("treadmill")
    let_pass(fetch.att, band_time, 30)
    hands.stop_workout()
    band.disconnect(fetch.att)
    truth = witness.workouts() if witness is not None else None
    state, got = fetched(band, fetch_links, since=since, ack=False)
    assert got and got[-1].kind == "treadmill"
    if witness is not None:
        assert witness.workouts() == truth
    assert fetched(band, fetch_links, ack=False, state=state)[1] == []
    again = fetched(band, fetch_links, since=since, ack=False)[1]
    assert [w.summary.raw for w in again] == [w.summary.raw for w in got]


@pytest.mark.observes("GetWorkouts", "GetSamples")
@pytest.mark.parametrize("data_type", [0x02, 0x07, 0x42])
def test_other_types_refused(band, witness, fetch_links, data_type):
    """MB4/SPORT/BI-01: manual heart rate (02), debug logs (07) and a type no band has are refused, and nothing changes

    ``01 02``, ``01 07`` and ``01 42`` get ``10 01 <status>`` with a
    status other than 01 (docs/workouts.md#other-types), the activity
    log and the workouts stay as they were, and a sync right after works.
    On a real band the phone judges it: the refusal, then a sync of the
    last hour whole by its own timestamps.  That 02 and 07 are refused is
    the emulator's policy: on a real band another answer is a finding.
    """
    before = all_samples(witness) if witness is not None else None
    fetch = fetch_links(band)
    with pytest.raises(FetchRefused):
        fetch.start(SINCE, 0, data_type)
    if witness is None:
        synced_since(fetch.att, band_now(fetch.att) - HOUR)
        return
    assert synced_since(fetch.att) == before
    assert witness.workouts() == []


@pytest.mark.needs_control("StartWorkout", "StopWorkout", "SetBattery",
                           "GetWorkouts", "AdvanceClock", "Events")
def test_band_off_ends_the_workout(band, control, band_time):
    """MB4/SPORT/BI-02: a band that runs empty ends its workout, and one that is off cannot start one

    Two minutes into a walk the battery reaches 0: workout-ended with
    reason power-off, the workout is in flash with its two minutes;
    StartWorkout on the band that is off fails, and so does StopWorkout
    with nothing running.
    """
    control.start_workout("walking")
    band_time.let_pass(2 * MINUTE)
    control.set_battery(0)
    ended = control.wait_event("workout-ended")
    assert ended.details["reason"] == "power-off"
    (t,) = control.workouts()
    assert len(t["track"]) == 2 * MINUTE and not t["running"]
    for call in (lambda: control.start_workout("walking"),
                 control.stop_workout):
        with pytest.raises(ControlError) as info:
            call()
        assert info.value.name == "io.bandsim.Error.Failed"


@pytest.mark.needs_control("StartWorkout", "StopWorkout", "GetWorkouts",
                           "GetSamples", "AdvanceClock", "InjectFault",
                           "Events")
def test_preset_track_counter_gap(band, control, band_time, fetch_links):
    """MB4/SPORT/BI-03: workout-track-counter-gap: the track's counter skips, the app drops it, the next sync brings the workout once

    Gadgetbridge #1144: "invalid package counter" while fetching a
    workout's details.  With the preset armed, an activity sync goes
    through (fetch=track: the fault waits for a track transfer); the
    workout sync gets its summary, then the track's third packet comes
    with counter 03 and the client refuses it.  The summary's ack
    deleted nothing, so the workout is still on the band, and the next
    sync (the preset fires once) brings it whole, once.
    """
    run_workout(control, band_time)
    truth = control.workouts()
    control.inject_fault("preset=workout-track-counter-gap")
    fetch = fetch_links(band)
    assert synced_since(fetch.att) == all_samples(control)
    state = WorkoutState(SINCE)
    with pytest.raises(PacketCounterError) as info:
        fetch.workouts(state)
    assert (info.value.expected, info.value.got) == (2, 3)
    band.disconnect(fetch.att)
    fired = control.wait_event("fault-fired")
    assert fired.details["action"] == "skip-counter"
    assert state.workouts == [] and control.workouts() == truth
    _, got = fetched(band, fetch_links, state=state)
    judged(control, got, truth)


@pytest.mark.needs_control("StartWorkout", "StopWorkout", "GetWorkouts",
                           "AdvanceClock", "InjectFault", "ClearFaults")
def test_preset_track_refused(band, control, band_time, fetch_links):
    """MB4/SPORT/BI-04: workout-track-refused: the same summary on every sync and never its track, until the band takes 01 06 again

    Gadgetbridge #1107 and #1611: the same workout fetched on every
    sync, without a GPX, or kept twice.  With the preset the band
    answers ``01 06`` with ``10 01 04``: each sync brings the summary,
    the track is refused, the cursor stays, and the next sync brings the
    same summary again (an app that stores summaries as they come keeps
    it twice).  The workout stays on the band; once the fault is
    cleared, a sync brings it once, with its track, and deletes it.
    """
    run_workout(control, band_time, seconds=3 * MINUTE)
    truth = control.workouts()
    control.inject_fault("preset=workout-track-refused")
    state = WorkoutState(SINCE)
    summaries = []
    for _ in range(2):
        fetch = fetch_links(band)
        first = fetch.start(state.cursor, 0, W.TYPE_SUMMARY)
        summaries.append(fetch.stream_bytes())
        fetch.ack()
        with pytest.raises(FetchRefused) as info:
            fetch.start(first.start_ts, first.tz, W.TYPE_TRACK)
        assert info.value.status == 0x04
        band.disconnect(fetch.att)
    assert summaries[0] == summaries[1]
    assert control.workouts() == truth
    control.clear_faults()
    _, got = fetched(band, fetch_links, state=state)
    assert [w.summary.raw for w in got] == summaries[:1]
    assert len(got[0].track.points) == 3 * MINUTE
    assert control.workouts() == []


@pytest.mark.needs_control("GetWorkouts", "GetSamples", "AdvanceClock",
                           "Events")
@pytest.mark.emulator_process("a profile variant (workout-auto = yes)")
def test_workout_auto(start_band, control, fetch_links, tmp_path):
    """MB4/SPORT/BV-09: with workout-auto, the wearer's runs are workouts, from the band's first running minute to the first one after

    Three days of band life of a wearer who goes for runs (the life
    model's 45-minute runs, kind 2): each run starts an outdoor-run
    workout at the end of its first minute (workout-started by run) and
    ends at the end of the first minute that is not running
    (workout-ended run-over).  There is a workout for every run in the
    activity log, and the sync brings each once, its whole minutes
    agreeing with the log's.
    """
    variant = write_variant(tmp_path / "auto.ini", {"workout-auto": "yes"})
    band = start_band(profile=variant)
    mark = last_seq(control)
    control.advance_clock(3 * 24 * 60 * MINUTE)
    samples = all_samples(control)
    runs = [ts for (ts, d), (_, before) in zip(samples[1:], samples)
            if d[0] & 0x0F == 2 and before[0] & 0x0F != 2]
    assert runs, "the wearer never ran in three days"
    truth = control.workouts()
    assert [t["kind"] for t in truth] == ["outdoor-run"] * len(runs)
    started = events_after(control, "workout-started", mark)
    assert [e.details["by"] for e in started] == ["run"] * len(runs)
    ended = events_after(control, "workout-ended", mark)
    assert {e.details["reason"] for e in ended} == {"run-over"}
    for t, run in zip(truth, runs):
        # The end of the run's first minute, in band local time.
        assert int(t["start"]) + t["tz"] * 15 * 60 == run + MINUTE
    _, got = fetched(band, fetch_links)
    judged(control, got, truth)


@pytest.mark.person("workout")
@pytest.mark.observes("GetWorkouts", "Events")
def test_workout_on_any_band(authed, hands, witness, band_time):
    """MB4/SPORT/BV-10: a treadmill workout started and stopped on the band: the phone hears 14, 11 02 and 11 05, then fetches it whole, once

    The person (on an emulator, StartWorkout) starts a treadmill workout:
    the phone hears device event 14 saying no GPS and type 02, and
    ``11 02`` on 0000000f; thirty seconds on (band time, waited for on a
    band whose clock runs) they stop it, ``11 05``.  The phone fetches
    the workouts of the last day as Gadgetbridge does: the last is a
    treadmill of at least thirty seconds whose summary agrees with its
    own track, second by second from 0; a second fetch brings none of
    them (each was acked).  With a witness, the band's record agrees.
    """
    timeout = None if hands.control is not None else PERSON_TIMEOUT
    events = DeviceEventsClient(authed)
    events.enable_notifications()
    sport = SportClient(authed)
    sport.watch_status()
    hands.start_workout("treadmill")
    event = events.expect(0x14, timeout=timeout)
    assert event.extra[1:] == bytes([0x00, W.EVENT_TYPE["treadmill"]])
    assert sport.status(timeout=timeout) == W.STATUS_START
    truth = None
    let_pass(authed, band_time, 30)
    hands.stop_workout()
    assert sport.status(timeout=timeout) == W.STATUS_END
    if witness is not None:
        truth = witness.workouts()
    fetch = FetchClient(authed)
    fetch.enable_notifications()
    since = band_now(authed) - DAY
    got = fetch.workouts(WorkoutState(since))
    assert got, "the band announced no workout"
    w = got[-1]
    assert (w.kind, w.summary.active_s >= 30) == ("treadmill", True)
    assert oracle.summary_agrees(w) == []
    assert fetch.workouts(WorkoutState(since)) == []
    if truth is not None:
        judged(witness, got, truth)
        assert witness.workouts() == []
