"""The sync oracle on made-up logs: each kind of disagreement is found
and named in band local time."""

import pytest

from bandsim.oracles import ground_truth

T0 = 1716201000     # 2024-05-20 10:30


def log(n, start=T0, offset=0):
    return [(start + 60 * i, bytes([1, i % 256, (i + offset) % 256, 80]))
            for i in range(n)]


def test_identical_is_ok():
    result = ground_truth.assert_exactly_once(log(100), log(100))
    assert result.ok and result.client_count == 100


def test_lost_range_is_named():
    truth = log(200)
    client = truth[:10] + truth[130:]
    with pytest.raises(AssertionError) as info:
        ground_truth.assert_exactly_once(client, truth)
    assert "lost 120: 2024-05-20 10:40 .. 12:39 (120)" in str(info.value)


def test_duplicates_after_resume():
    truth = log(20)
    client = truth[:12] + truth[10:]
    result = ground_truth.compare(client, truth)
    assert [ts for ts, _ in result.duplicated] == [T0 + 600, T0 + 660]
    assert "held more than once 2: 2024-05-20 10:40 .. 10:41 (2)" in \
        result.describe()


def test_shift_by_a_minute_is_hinted():
    truth = log(30)
    client = [(ts + 60, data) for ts, data in truth[:-1]]
    client.insert(0, truth[0])
    result = ground_truth.compare(client, truth)
    assert result.changed and not result.lost
    assert "one minute earlier" in result.describe()


def test_invented_samples():
    truth = log(5)
    result = ground_truth.compare(truth + [(T0 + 3600, b"\x01\x02\x03\x04")],
                            truth)
    assert result.unexpected == [T0 + 3600]


def test_window_limits_both_sides():
    truth = log(100)
    client = truth[50:]
    assert ground_truth.compare(client, truth,
                                (T0 + 50 * 60, T0 + 100 * 60)).ok
    assert not ground_truth.compare(client, truth, (T0, T0 + 100 * 60)).ok


def test_band_repeating_a_timestamp_is_reported():
    truth = log(5) + log(1)
    result = ground_truth.compare(log(5), truth)
    assert result.truth_duplicates == [T0]
    assert not result.ok


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
