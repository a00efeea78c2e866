"""Fixtures that start one emulator (and one private bus) per test.

Each test gets a fresh process, socket, state dir and dbus-daemon, so no
test sees another's writes (the clock, CCCDs, the drawn serial, the
binding) and a crash is charged to the test that caused it.  Start-up of
both is a few milliseconds.
"""

import os
import re
from pathlib import Path

import pytest

from bandsim.bus import PrivateBus
from bandsim.control import ControlClient
from bandsim.huami import HuamiClient
from bandsim.process import BandProcess
from bandsim.suite import CLOCK_START, TEST_KEY
from bandsim.synctest import open_fetch
from bandsim import profile as profile_module
from bandsim.profile import Profile

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = REPO_ROOT / "build" / "emulator" / "bandsim"
PROFILE_PATH = profile_module.DEFAULT_PATH
SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
TEST_ID = re.compile(r"^MB4/[A-Z]+/B[VI]-\d{2}: \S")


@pytest.fixture(scope="session")
def emulator_binary() -> Path:
    binary = Path(os.environ.get("BANDSIM", DEFAULT_BINARY))
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"emulator binary not found or not executable: {binary} "
                    f"(build it, or point BANDSIM at it)", pytrace=False)
    return binary


@pytest.fixture(scope="session")
def profile() -> Profile:
    return Profile.load(PROFILE_PATH)


@pytest.fixture
def bus():
    """A private dbus-daemon for this test; its address."""
    daemon = PrivateBus()
    daemon.start()
    yield daemon.address
    daemon.stop()


@pytest.fixture
def start_band(emulator_binary, tmp_path_factory, bus):
    """Factory: start_band(auth_key=TEST_KEY, state_dir=None,
    profile=None, **opts).

    Each call starts one more emulator on the test's bus with a fresh
    socket and log; pass the state_dir of an earlier one to restart "the
    same band", and a profile path for a band with other policies
    (bandsim.profile.write_variant).  On teardown every band the test
    did not stop or kill itself must exit 0 on SIGTERM.
    """
    started = []

    def start(auth_key=TEST_KEY, state_dir=None, profile=None, **opts):
        opts.setdefault("control_address", bus)
        opts.setdefault("clock_rate", 0)
        opts.setdefault("clock_start", CLOCK_START)
        proc = BandProcess(emulator_binary, profile or PROFILE_PATH,
                           tmp_path_factory.mktemp("band"),
                           state_dir=state_dir, auth_key=auth_key, **opts)
        started.append(proc)
        try:
            proc.start()
        except BaseException:
            if proc.started:
                proc.stop()
            raise
        return proc

    yield start
    failures = []
    for proc in started:
        if not proc.started or proc.stopped:
            continue
        code = proc.stop()
        if code != 0:
            failures.append(f"emulator exit status {code} after SIGTERM\n"
                            f"{proc.log_tail()}")
    assert not failures, "\n".join(failures)


@pytest.fixture
def band(start_band):
    """A listening emulator bound to TEST_KEY, clock frozen."""
    return start_band()


@pytest.fixture
def fresh_band(start_band):
    """A factory-new emulator: no key, clock frozen."""
    return start_band(auth_key=None)


@pytest.fixture
def control(bus):
    """The control plane of whichever band owns io.bandsim on the bus."""
    client = ControlClient(bus)
    yield client
    client.close()


@pytest.fixture
def att(band):
    """A link to the band; closing it must be reported as DISCONNECTED=1."""
    client = band.connect()
    yield client
    close_link(band, client)


@pytest.fixture
def authed(band):
    """A link to the band that passed variant A with TEST_KEY."""
    client = band.connect()
    huami = HuamiClient(client)
    huami.enable_notifications()
    huami.authenticate(TEST_KEY)
    yield client
    close_link(band, client)


@pytest.fixture
def fetch_links():
    """Factory: fetch_links(band, mtu=247) opens a link ready to sync
    (authenticated, notifications on); every one is closed on teardown,
    however the test ends."""
    opened = []

    def open_(band, mtu=247):
        fetch = open_fetch(band, mtu)
        opened.append(fetch)
        return fetch

    yield open_
    for fetch in opened:
        fetch.att.close()


def close_link(band, client):
    """Close a fixture's link; unless the test stopped the band or the
    band dropped the link already, the close must be reported."""
    client.close()
    if band.alive and not band.stopped and band.pending("DISCONNECTED=1") == 0:
        band.wait_status("DISCONNECTED=1")


def pytest_collection_modifyitems(items):
    """Scenario IDs are the suite's public names: require and dedupe them."""
    seen = {}
    for item in items:
        if SCENARIO_DIR not in Path(item.fspath).parents:
            continue
        doc = (getattr(item.function, "__doc__", None) or "").strip()
        first = doc.splitlines()[0] if doc else ""
        if not TEST_ID.match(first):
            raise pytest.UsageError(
                f"{item.nodeid}: docstring must start 'MB4/AREA/BV-nn: ...'")
        test_id = first.split(":")[0]
        owner = seen.setdefault(test_id, item.function)
        if owner is not item.function:
            raise pytest.UsageError(f"{test_id} used twice ({item.nodeid})")
