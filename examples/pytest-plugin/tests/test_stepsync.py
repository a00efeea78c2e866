"""stepsync's tests: only the bandsim pytest plugin's fixtures and oracles."""

import datetime

import pytest

from bandsim.clients.fetch import FetchInterrupted
from bandsim.oracles import ground_truth

import stepsync

DAY = 86400
# The bands start on 2024-05-20 10:30 band time, their clock frozen.
START = 1716201000
SINCE = START - DAY


def all_minutes(band):
    """The band's whole log, through its control plane: the ground truth."""
    return band.control.get_samples(0, 1 << 63)


def test_first_sync_brings_every_minute(band, tmp_path):
    band.control.advance_clock(DAY)
    store = stepsync.Store(tmp_path / "steps.json", SINCE)
    link = band.connect()
    try:
        assert stepsync.sync(link, band.auth_key, store) == 1440
    finally:
        band.disconnect(link)
    saved = sorted(store.minutes.items())
    ground_truth.assert_exactly_once(saved, all_minutes(band))
    assert band.control.stored_samples() == 0       # acked: deleted
    day = datetime.date(2024, 5, 20)
    assert stepsync.steps_on(store, day) == sum(
        data[2] for ts, data in all_minutes(band) if ts < START + 13.5 * 3600)


def test_second_sync_brings_only_what_is_new(band, tmp_path):
    store = stepsync.Store(tmp_path / "steps.json", SINCE)
    band.control.advance_clock(3600)
    link = band.connect()
    try:
        assert stepsync.sync(link, band.auth_key, store) == 60
        band.control.advance_clock(600)
        assert stepsync.sync(link, band.auth_key, store) == 10
    finally:
        band.disconnect(link)
    assert len(store.minutes) == 70


def test_a_lost_link_loses_nothing(band_factory, tmp_path):
    band = band_factory(faults=["preset=partial-sync"])
    band.control.advance_clock(DAY)
    store = stepsync.Store(tmp_path / "steps.json", SINCE)
    link = band.connect()
    with pytest.raises(FetchInterrupted):
        stepsync.sync(link, band.auth_key, store)
    band.process.wait_dropped()
    link.close()
    link = band.connect()
    try:
        stepsync.sync(link, band.auth_key, store)
    finally:
        band.disconnect(link)
    ground_truth.assert_exactly_once(sorted(store.minutes.items()),
                                     all_minutes(band))


def test_many_bands_in_one_fleet(fleet, tmp_path):
    bands = fleet(3)
    for k in range(1, 4):
        bands.control(k).advance_clock(3600)
    for k in range(1, 4):
        store = stepsync.Store(tmp_path / f"band{k}.json", SINCE)
        link = bands.band(k).connect()
        try:
            assert stepsync.sync(link, bands.auth_key, store) == 60
        finally:
            bands.band(k).disconnect(link)
        ground_truth.assert_exactly_once(
            sorted(store.minutes.items()),
            bands.control(k).get_samples(0, 1 << 63))
