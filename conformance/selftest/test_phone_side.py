"""The phone-side sync judgement on made-up rounds: a whole sync passes;
each rule a band can break is caught, named in band local time."""

import datetime

import pytest

from bandsim.clients.fetch import Announcement, Round, Sample, SyncState
from bandsim.oracles.phone_side import (SyncJudgement, check_sync,
                                        same_samples)
from bandsim.protocol.values import local_datetime

pytestmark = pytest.mark.no_emulator

T0 = 1716201000     # 2024-05-20 10:30


def samples(n, start=T0):
    return [Sample(start + 60 * i, bytes([1, i % 256, 3, 80]))
            for i in range(n)]


def rnd(requested, start, got):
    announced = Announcement(1, len(got), local_datetime(start), 0, b"")
    return Round(requested, announced, len(got), False)


def sync(*rounds_of_samples, asked=T0 - 86400, starts=None, end=True):
    state = SyncState(asked)
    for i, got in enumerate(rounds_of_samples):
        start = starts[i] if starts else got[0].ts
        state.save(rnd(state.cursor, start, got), got)
    if end:
        state.rounds.append(rnd(state.cursor, state.cursor, []))
    return state


def test_whole_sync_passes():
    check_sync(sync(samples(180)))
    check_sync(sync(samples(60), samples(60, T0 + 7200)))


def test_sync_not_ended_by_zero():
    with pytest.raises(SyncJudgement, match="not on a count of 0"):
        check_sync(sync(samples(10), end=False))


def test_round_earlier_than_asked():
    state = sync(samples(10))
    state.rounds[0].requested = T0 + 60
    with pytest.raises(SyncJudgement, match="started earlier, at "
                       "2024-05-20 10:30"):
        check_sync(state)


def test_overlapping_rounds():
    state = sync(samples(10), samples(10, T0 + 300))
    with pytest.raises(SyncJudgement, match="started earlier"):
        check_sync(state)
    # A phone that asked from too early itself: the band answered as
    # asked, and the minutes it sent twice are still caught.
    state.rounds[1].requested = T0 + 300
    with pytest.raises(SyncJudgement, match="5 samples not later than "
                       "one before them: 2024-05-20 10:35 .. 10:39"):
        check_sync(state)


def test_off_the_minute_and_short_samples():
    odd = samples(3)
    odd[2] = Sample(odd[2].ts + 1, odd[2].data)
    with pytest.raises(SyncJudgement, match="off the minute grid"):
        check_sync(sync(odd))
    short = samples(3)
    short[1] = Sample(short[1].ts, b"\x01\x02")
    with pytest.raises(SyncJudgement, match="not 4 bytes"):
        check_sync(sync(short))


def test_same_samples():
    same_samples(samples(5), samples(5), "again")
    changed = samples(5)
    changed[3] = Sample(changed[3].ts, b"\x00\x00\x00\x00")
    with pytest.raises(SyncJudgement, match="differs from the first at "
                       "2024-05-20 10:33"):
        same_samples(samples(5), changed, "again")
    with pytest.raises(SyncJudgement, match="holds 4 of the 5"):
        same_samples(samples(5), samples(4), "again")


def test_no_round():
    with pytest.raises(SyncJudgement, match="no round"):
        check_sync(SyncState(T0))


def test_datetime_is_band_local():
    assert local_datetime(T0) == datetime.datetime(2024, 5, 20, 10, 30)
