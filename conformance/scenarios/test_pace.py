"""The socket transport at a real band's pace (--pace real,
docs/socket-transport.md "Pace"): PDUs cross at connection events, the
band answers at the event after a request, and a sync still delivers
every sample, at the link's speed.

The figures against the protocol sheet's real-band timings are
bench/bench_pace.py's; here only what holds on any machine, however
busy: an answer never comes before the next connection event, so a
chain of requests takes at least one interval per link.
"""

import time

import pytest

from bandsim.clients.devevents import DeviceEventsClient
from bandsim.clients.fetch import FetchClient, SyncState
from bandsim.harness.suite import CLOCK_START
from bandsim.harness.targets import EMU
from bandsim.link.base import Timeout
from bandsim.oracles import ground_truth
from bandsim.protocol import devevents
from scenarios.helpers.links import authenticated_link
from scenarios.helpers.policy import CONNECTION_INTERVAL_S as INTERVAL_S

REAL = "a band at --pace real, its clock running"


def paced_band(start_band):
    return start_band(clock_rate=1, extra_args=["--pace", "real"])


@pytest.mark.socket_only("--pace is the socket transport's")
@pytest.mark.emulator_process(REAL)
def test_answers_come_at_connection_events(start_band):
    """MB4/PACE/BV-01: at --pace real each answer waits for a connection event

    Ten Device Name reads one after the other: each answer comes at the
    connection event after its request, so the ten take at least nine
    intervals (the first may find an event just due).
    """
    band = paced_band(start_band)
    att = band.connect()
    try:
        start = time.monotonic()
        for _ in range(10):
            assert att.read(0x0003).startswith(b"Mi Smart Band")
        elapsed = time.monotonic() - start
    finally:
        band.disconnect(att)
    assert elapsed >= 9 * INTERVAL_S, f"{elapsed:.3f} s for ten reads"


@pytest.mark.socket_only("--pace is the socket transport's")
@pytest.mark.needs_control("AdvanceClock", "GetSamples")
@pytest.mark.emulator_process(REAL)
@pytest.mark.takes(3)
def test_paced_sync_delivers_everything(start_band, control):
    """MB4/PACE/BV-02: a sync at --pace real delivers every sample once

    A day of samples at MTU 23: 360 notifications of 4 samples, at most
    six a connection event, with the band's flow control holding the
    transfer while the link is full.  The phone ends up with exactly
    what the band logged.
    """
    band = paced_band(start_band)
    control.advance_clock(86400)
    att = authenticated_link(band, mtu=23)
    try:
        fetch = FetchClient(att, timeout=60.0)
        fetch.enable_notifications()
        state = SyncState(CLOCK_START - 60)
        fetch.sync(state, ack=False, timeout=120.0)
    finally:
        band.disconnect(att)
    # Band time runs here: the day advanced is the window to judge.
    truth = control.get_samples(0, 1 << 63)
    day = (truth[0][0], truth[0][0] + 86400)
    ground_truth.assert_exactly_once(state.samples, truth, window=day)


@pytest.fixture
def band_at_its_pace(request, target):
    """A band at a real band's pace: on the socket one the suite starts
    at --pace real; any other band (a real one, the stand-in, an emulator
    on the air, whose pace is the radio's) as it is."""
    if target.kind == EMU and not target.stand_in and not target.emu_bluez:
        return paced_band(request.getfixturevalue("start_band"))
    return request.getfixturevalue("band")


@pytest.mark.raw_att("the MTU the central picks: 23 kept, then exchanged")
def test_band_announces_its_mtu(band_at_its_pace, target):
    """MB4/PACE/BV-03: at --pace real the band announces its MTU: 16 f7 00

    A phone that enables device events on a link still at ATT_MTU 23
    hears the MTU the band takes (protocol §13, confirmed on a real
    band), then exchanges it; a phone that exchanged it first hears
    nothing (docs/policies.md#mtu-announce).  On the emulator a band
    the suite starts at --pace real; on a real band, the stand-in or an
    emulator on the air (--transport l2cap) the band as it is: its
    pace is the radio's, and a raw central keeps the link at 23.
    """
    if target.through_bluetoothd:
        pytest.skip("bluetoothd's GATT server holds the CCCDs and the MTU: "
                    "the band never meets a link at 23 that subscribes")
    band = band_at_its_pace
    key = target.auth_key
    att = authenticated_link(band, mtu=23, key=key)
    try:
        events = DeviceEventsClient(att)
        events.enable_notifications()
        announced = events.expect(devevents.MTU).mtu
        assert announced == 247
        assert att.exchange_mtu(announced) == 247
    finally:
        band.disconnect(att)
    att = authenticated_link(band, mtu=247, key=key)
    try:
        events = DeviceEventsClient(att)
        # The enable's response comes after anything the band sent for it.
        events.enable_notifications()
        assert [value for _, handle, value in att.take_unsolicited()
                if handle == events.event_handle] == []
    finally:
        band.disconnect(att)


# harbour-amazfish's fetcher cancels a fetch after this long without a
# packet (protocol §13, "Client patience").
PATIENCE_S = 10.0


@pytest.mark.socket_only("--pace is the socket transport's")
@pytest.mark.needs_control("AdvanceClock", "InjectFault", "Busy")
@pytest.mark.emulator_process(REAL)
@pytest.mark.takes(10)
def test_no_packet_patience(start_band, control):
    """MB4/PACE/BV-04: a client's 10 s "no packet" timeout, at a real pace

    harbour-amazfish gives up on a fetch after 10 s without a packet.
    At --pace real the packets of a day's sync at MTU 23 come a few
    milliseconds to one connection interval apart, far inside that; a
    band that goes quiet after 5 packets (the stuck-syncing preset)
    trips it 10 s after the last one, no sooner, and is still busy
    with the transfer, as a real band stuck mid-sync is.
    """
    band = paced_band(start_band)
    control.advance_clock(86400)
    control.inject_fault("preset=stuck-syncing")
    att = authenticated_link(band, mtu=23)
    try:
        fetch = FetchClient(att)
        fetch.enable_notifications()
        assert fetch.start(CLOCK_START - 60).count > 0
        fetch.send(b"\x02")
        arrivals = []
        with pytest.raises(Timeout):
            while True:
                fetch.att.wait_any_notification((fetch.data_handle,),
                                                PATIENCE_S)
                arrivals.append(time.monotonic())
        gave_up = time.monotonic()
        assert control.get("Busy") == "fetch"
    finally:
        band.disconnect(att)
    assert len(arrivals) == 5
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    # An interval or two apart; a busy machine may stretch that, never
    # near the patience.
    assert max(gaps) < PATIENCE_S / 4, f"gaps {gaps}"
    assert gave_up - arrivals[-1] >= PATIENCE_S
