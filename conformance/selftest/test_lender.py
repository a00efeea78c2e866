"""Bands lent from a fleet (bandsim/harness/lender.py): a lent band is a
new band of the worker's fleet, listening, with the key asked for; given
back it leaves the fleet and its directory goes; a fleet that died while
a test had its band is that test's failure, and the next loan comes from
a new fleet.  With a real fleet process and dbus-daemon."""

import pytest

from bandsim.harness.control import ControlClient
from bandsim.harness.fleet import FLEET_INTERFACE, FLEET_PATH
from bandsim.harness.lender import BandLender, LentBand
from bandsim.harness.process import wrapper_from_env
from bandsim.harness.suite import CLOCK_START, TEST_KEY
from bandsim.protocol import profile as profile_module


@pytest.fixture
def lender(emulator_binary, tmp_path_factory):
    # The worker's own directory, as the suite's lender: a test's
    # tmp_path would make the sockets' paths too long for AF_UNIX.
    made = BandLender(emulator_binary, profile_module.DEFAULT_PATH,
                      tmp_path_factory.getbasetemp(), CLOCK_START)
    yield made
    made.close()


def listed(lender) -> list:
    with ControlClient(lender.bus.address, path=FLEET_PATH) as fleet:
        (bands,) = fleet.call("Get", "(ss)", FLEET_INTERFACE, "Bands",
                              interface="org.freedesktop.DBus.Properties")
    return [k for k, _, _, _ in bands]


def test_a_lent_band_is_a_new_band_given_back_whole(lender):
    bound = lender.lend(TEST_KEY)
    unbound = lender.lend(None)
    assert (bound.k, unbound.k) == (1, 2)
    assert bound.stored_key() == TEST_KEY and unbound.stored_key() is None
    assert bound.address != unbound.address
    with ControlClient(bound.control_address, path=bound.path) as control:
        assert control.get("Clock") == CLOCK_START * 1000
        assert control.get("Busy") == ""
    bound.disconnect(bound.connect())
    assert listed(lender) == [1, 2]
    assert lender.give_back(bound) == []
    assert not bound.alive and not bound.state_dir.exists()
    assert listed(lender) == [2]
    assert lender.give_back(bound) == []            # once only
    assert lender.give_back(unbound, keep=True) == []
    assert unbound.state_dir.exists() and listed(lender) == []
    assert lender.close() == []


def test_a_fleet_that_died_fails_the_test_that_had_its_band(lender):
    band = lender.lend(TEST_KEY)
    first = lender.fleet
    first.kill()
    failures = lender.give_back(band)
    assert len(failures) == 1 and "exited" in failures[0]
    again = lender.lend(TEST_KEY)
    assert lender.fleet is not first and lender.fleets == 2
    assert again.k == 1
    again.disconnect(again.connect())
    assert lender.give_back(again) == []


def test_the_suite_lends_a_test_that_needs_only_a_band(band, request):
    config = request.config
    if config.getoption("--bandsim-own-bands") or \
            config.getoption("--bandsim-report") or \
            config.getoption("--target") != "emu" or \
            config.getoption("--bandsim-stand-in") or \
            config.getoption("--emu-bluez") or wrapper_from_env():
        pytest.skip("every band is a process of its own in this run")
    assert isinstance(band, LentBand)
    assert band.alive and band.stored_key() == TEST_KEY
