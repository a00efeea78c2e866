"""A fleet: many bands in one emulator process (docs/fleet.md).

Each band of a fleet is a whole band: its own socket, state directory,
identity, wearer and control object (/io/bandsim/band/K), so each is
checked with the same oracle as a band alone: its log through its own
GetSamples.  io.bandsim.Fleet1 (/io/bandsim) lists, adds, kills, starts
and removes bands, and moves every band's clock at once.  What one band
lives through (a kill, a factory reset, its own clock moved) the others
never notice: their links stay up and their state stays as it was.
"""


import pytest
from gi.repository import GLib

from bandsim.clients.fetch import SyncState
from bandsim.harness.control import PROPERTIES, ControlClient, ControlError
from bandsim.harness.fleet import FLEET_INTERFACE, FLEET_PATH, band_path
from bandsim.harness.suite import TEST_KEY
from bandsim.oracles import ground_truth

from scenarios.helpers.sync import (DAY, HOUR, SINCE, all_samples, open_fetch,
                                    sync_all)

FLEET = "Fleet1, GetSamples and AdvanceClock of each band"
PROCESS = "starts a fleet of bands in one emulator process"
COUNT = 8


class Fleet:
    """The test's view of a running fleet: Fleet1 and each band's
    control client, closed at the end."""

    def __init__(self, process, bus):
        self.process = process
        self.bus = bus
        self.fleet = ControlClient(bus, path=FLEET_PATH)
        self._controls = {}

    def call(self, method, signature=None, *args):
        return self.fleet.call(method, signature, *args,
                               interface=FLEET_INTERFACE)

    def prop(self, name):
        (value,) = self.fleet.call("Get", "(ss)", FLEET_INTERFACE, name,
                                   interface=PROPERTIES)
        return value

    def bands(self) -> dict:
        """{K: (path, socket, running)} as Fleet1 lists them."""
        return {k: (path, socket, running)
                for k, path, socket, running in self.prop("Bands")}

    def control(self, k) -> ControlClient:
        if k not in self._controls:
            self._controls[k] = ControlClient(self.bus, path=band_path(k))
        return self._controls[k]

    def close(self):
        for control in self._controls.values():
            control.close()
        self.fleet.close()


@pytest.fixture
def fleet(start_fleet, bus):
    made = Fleet(start_fleet(COUNT), bus)
    yield made
    made.close()


@pytest.mark.needs_control(FLEET)
@pytest.mark.emulator_process(PROCESS)
def test_fleet_syncs_every_band_at_once(fleet):
    """MB4/FLEET/BV-01: eight bands of one fleet, a day of band life
    each (one Fleet1.AdvanceClock), synced at the same time over eight
    links: every band's samples arrive exactly once and match that
    band's own log, and no two bands are the same band or the same
    wearer."""
    listed = fleet.bands()
    assert sorted(listed) == list(range(1, COUNT + 1))
    assert all(running for _, _, running in listed.values())
    fleet.call("AdvanceClock", "(d)", float(DAY))
    links = {k: open_fetch(fleet.process.band(k)) for k in listed}
    try:
        saved = sync_all(links)
    finally:
        for k, fetch in links.items():
            fleet.process.band(k).disconnect(fetch.att)
    truths = {}
    for k in listed:
        truths[k] = all_samples(fleet.control(k))
        assert len(truths[k]) == 1440, f"band {k}"
        ground_truth.assert_exactly_once(saved[k], truths[k],
                                         context=f"band {k}")
        assert fleet.control(k).stored_samples() == 0, f"band {k} acked"
    addresses = {fleet.process.band(k).identity()["address"] for k in listed}
    assert len(addresses) == COUNT, "two bands share an address"
    wearers = {bytes(b"".join(data for _, data in truths[k]))
               for k in listed}
    assert len(wearers) == COUNT, "two bands share a wearer (life seed)"


@pytest.mark.needs_control(FLEET)
@pytest.mark.emulator_process(PROCESS)
def test_fleet_band_killed_alone(fleet):
    """MB4/FLEET/BV-02: band 2 killed in the middle of the fleet's life
    (Fleet1.KillBand, as kill -9): band 1's link stays up and its sync
    completes; band 2's object leaves the bus and Bands says so; started
    again (StartBand) it is the same band with its time and its unsynced
    samples, none lost."""
    fleet.call("AdvanceClock", "(d)", float(6 * HOUR))
    truth_2 = all_samples(fleet.control(2))
    clock_2 = fleet.control(2).get("Clock")
    identity_2 = fleet.process.band(2).identity()
    band_1 = fleet.process.band(1)
    fetch_1 = open_fetch(band_1)
    try:
        fleet.call("KillBand", "(u)", 2)
        assert fleet.bands()[2][2] is False
        with pytest.raises(ControlError):
            fleet.control(2).get("Clock")
        state = SyncState(SINCE)
        fetch_1.sync(state)
        ground_truth.assert_exactly_once(
            state.samples, all_samples(fleet.control(1)), context="band 1")
    finally:
        band_1.disconnect(fetch_1.att)
    fleet.call("StartBand", "(u)", 2)
    fleet.process.band(2).wait_status("READY=1")
    assert fleet.bands()[2][2] is True
    assert fleet.process.band(2).identity() == identity_2
    assert fleet.control(2).get("Clock") >= clock_2
    assert all_samples(fleet.control(2)) == truth_2
    assert fleet.control(2).stored_samples() == len(truth_2)
    # Band 3 never noticed: it logged the same six hours as before.
    assert len(all_samples(fleet.control(3))) == 6 * 60


@pytest.mark.needs_control(FLEET, "FactoryReset")
@pytest.mark.emulator_process(PROCESS)
def test_fleet_one_band_at_a_time(fleet):
    """MB4/FLEET/BV-03: one band's AdvanceClock moves only its own
    clock; one band's factory reset changes only its own address; a band
    added gets the next number, its own socket and directory, and a band
    removed leaves the list (its files stay) while the others run on."""
    clocks = {k: fleet.control(k).get("Clock") for k in (1, 2, 3)}
    fleet.control(2).advance_clock(HOUR)
    assert fleet.control(2).get("Clock") == clocks[2] + HOUR * 1000
    assert fleet.control(1).get("Clock") == clocks[1]
    assert fleet.control(3).get("Clock") == clocks[3]
    before = {k: fleet.process.band(k).identity()["address"]
              for k in (1, 3, 4)}
    fleet.control(3).factory_reset()
    after = {k: fleet.process.band(k).identity()["address"]
             for k in (1, 3, 4)}
    assert after[3] != before[3]
    assert after[1] == before[1] and after[4] == before[4]
    k, path, socket = fleet.call("AddBand")
    assert (k, path) == (COUNT + 1, band_path(COUNT + 1))
    assert fleet.bands()[k] == (path, socket, True)
    assert fleet.prop("Count") == COUNT + 1
    fleet.call("RemoveBand", "(u)", 1)
    assert 1 not in fleet.bands() and fleet.prop("Count") == COUNT
    assert (fleet.process.dir / "band-1" / "band.ini").exists()
    fetch = open_fetch(fleet.process.band(k))
    fleet.process.band(k).disconnect(fetch.att)


@pytest.mark.needs_control(FLEET)
@pytest.mark.emulator_process(PROCESS)
def test_fleet_refuses_bad_calls(fleet):
    """MB4/FLEET/BI-01: Fleet1 calls on a band that is not there, a
    band killed twice, a running band started, a negative AdvanceClock:
    each a D-Bus error that says why, and the fleet unchanged."""
    listed = fleet.bands()
    clock = fleet.control(1).get("Clock")
    cases = [("KillBand", "(u)", 99, "io.bandsim.Error.Failed"),
             ("RemoveBand", "(u)", 0, "io.bandsim.Error.Failed"),
             ("StartBand", "(u)", 1, "io.bandsim.Error.Failed"),
             ("AdvanceClock", "(d)", -1.0,
              "io.bandsim.Error.InvalidArgs")]
    for method, signature, arg, error in cases:
        with pytest.raises(ControlError) as raised:
            fleet.call(method, signature, arg)
        assert raised.value.name == error, method
    fleet.call("KillBand", "(u)", 4)
    with pytest.raises(ControlError) as raised:
        fleet.call("KillBand", "(u)", 4)
    assert raised.value.name == "io.bandsim.Error.Failed"
    fleet.call("StartBand", "(u)", 4)
    fleet.process.band(4).wait_status("READY=1")
    assert fleet.bands() == listed
    assert fleet.control(1).get("Clock") == clock


@pytest.fixture
def empty_fleet(start_fleet, bus):
    """A fleet started with no band (--count 0), unbound by default."""
    made = Fleet(start_fleet(0, auth_key=None), bus)
    yield made
    made.close()


def add_band_with(fleet, **options):
    """Fleet1.AddBandWith: (K, path, socket)."""
    return fleet.call("AddBandWith", "(a{sv})", options)


@pytest.mark.needs_control(FLEET)
@pytest.mark.emulator_process(PROCESS)
def test_fleet_band_with_its_own_wearer_and_key(empty_fleet, start_band,
                                                bus):
    """MB4/FLEET/BV-04: a fleet started with no band takes bands through
    Fleet1.AddBandWith, each with its own life seed and key: a band given
    life seed 1 and the suite's key logs, over a day, the very minutes a
    band `bandsim` runs alone logs (its life seed is 1), whatever its
    number; it authenticates with that key, and after KillBand and
    StartBand it still has both; a band given an empty key is unbound,
    as from the box.  This is what a test is lent (docs/conformance.md,
    "Bands lent from a fleet")."""
    fleet = empty_fleet
    assert fleet.bands() == {} and fleet.prop("Count") == 0
    # On the fleet's bus, beside it: the fleet has io.bandsim.
    start_band(extra_args=["--control-name", "io.bandsim.alone"])
    alone_control = ControlClient(bus, name="io.bandsim.alone")
    try:
        alone_control.advance_clock(DAY)
        truth = all_samples(alone_control)
    finally:
        alone_control.close()
    seed_1 = GLib.Variant("t", 1)
    key = GLib.Variant("ay", TEST_KEY)
    k_free, _, _ = add_band_with(fleet, **{"auth-key": GLib.Variant("ay",
                                                                    b"")})
    k, path, socket = add_band_with(fleet, **{"life-seed": seed_1,
                                              "auth-key": key})
    # The fleet's own numbering: life seed 1 + 3 - 1.
    k_other, _, _ = add_band_with(fleet)
    assert (k_free, k, k_other) == (1, 2, 3)
    assert fleet.bands()[k] == (path, socket, True)
    band = fleet.process.band(k)
    for n in (k_other, k, k_free):
        fleet.process.band(n).wait_status("READY=1")
    assert band.state()["binding"]["key"] == TEST_KEY.hex()
    assert not fleet.process.band(k_free).state().has_section("binding")
    fleet.control(k).advance_clock(DAY)
    assert all_samples(fleet.control(k)) == truth
    fleet.control(k_other).advance_clock(DAY)
    assert all_samples(fleet.control(k_other)) != truth
    fleet.call("KillBand", "(u)", k)
    fleet.call("StartBand", "(u)", k)
    band.wait_status("READY=1")
    assert all_samples(fleet.control(k)) == truth
    fetch = open_fetch(band)
    band.disconnect(fetch.att)
    assert band.state()["binding"]["key"] == TEST_KEY.hex()


@pytest.mark.needs_control(FLEET)
@pytest.mark.emulator_process(PROCESS)
def test_fleet_refuses_bad_band_options(empty_fleet):
    """MB4/FLEET/BI-03: AddBandWith with an option there is not, a life
    seed that is not a uint64, a key of 15 bytes or of the wrong type:
    each io.bandsim.Error.InvalidArgs naming the option, no band added,
    and no number used up: the next band added is band 1."""
    fleet = empty_fleet
    cases = [
        ({"colour": GLib.Variant("s", "red")}, "colour"),
        ({"life-seed": GLib.Variant("u", 1)}, "life-seed"),
        ({"auth-key": GLib.Variant("ay", TEST_KEY[:15])}, "auth-key"),
        ({"auth-key": GLib.Variant("s", TEST_KEY.hex())}, "auth-key"),
    ]
    for options, named in cases:
        with pytest.raises(ControlError) as raised:
            add_band_with(fleet, **options)
        assert raised.value.name == "io.bandsim.Error.InvalidArgs", options
        assert named in str(raised.value), options
        assert fleet.prop("Count") == 0
    assert add_band_with(fleet)[0] == 1
