"""Fixtures that start one emulator per test.

Each test gets a fresh process, socket and state dir, so no test sees
another's writes (the clock, CCCDs, the drawn serial) and a crash is
charged to the test that caused it.  Start-up is a few milliseconds.
"""

import os
import re
from pathlib import Path

import pytest

from bandsim.process import BandProcess
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
def band(emulator_binary, tmp_path_factory):
    """A listening emulator; on teardown it must exit 0 on SIGTERM."""
    proc = BandProcess(emulator_binary, PROFILE_PATH,
                       tmp_path_factory.mktemp("band"))
    try:
        proc.start()
    except BaseException:
        if proc.started:
            proc.stop()
        raise
    yield proc
    code = proc.stop()
    assert code == 0, (f"emulator exit status {code} after SIGTERM\n"
                       f"{proc.log_tail()}")


@pytest.fixture
def att(band):
    """A link to the band; closing it must be reported as DISCONNECTED=1."""
    client = band.connect()
    yield client
    client.close()
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
