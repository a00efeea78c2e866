"""bandsim for any project's pytest suite: emulated Mi Band 4s as fixtures.

Installed with the bandsim package, pytest loads this plugin by itself
(entry point ``pytest11``); from a checkout, ``-p bandsim_pytest`` with
``conformance/`` on the path.  It gives:

- ``band``: one emulated band, started for the test on a socket of its
  own and bound to ``band.auth_key``, its control plane on a private
  D-Bus bus (``band.control``); ``band.connect()`` opens a raw ATT link,
  ``band.target`` is what ``bandsim.link.connect()`` and the command line
  take.  With ``--bandsim-target`` naming a band that is already running
  (a socket, or a band reached through BlueZ) ``band`` is that band,
  without a control plane;
- ``band_factory(**options)``: as many bands as the test needs, each with
  its options (``profile``, ``faults``, ``life_seed``, ``clock_start``,
  ``clock_rate``, ``auth_key``, ``extra_args``);
- ``fleet(count, **options)``: N bands in one emulator process
  (``bandsim fleet``), each with its own control object;
- ``--bandsim-binary`` (the emulator: default ``$BANDSIM``, then
  ``bandsim`` on ``PATH``, then a checkout's ``build/emulator/bandsim``),
  ``--bandsim-target``, ``--bandsim-key`` and ``--bandsim-report DIR``
  (one JSON file per test: outcome, time, and every band's events).

The oracles are importable as they are: ``bandsim.oracles.ground_truth``
and ``bandsim.oracles.phone_side``.  docs/pytest-plugin.md has an example.

This module imports nothing of bandsim until a fixture is used
(bandsim.harness.plugin does the work): pytest loads entry-point plugins
before a checkout's conftest puts the checkout on the path, and an
installed bandsim imported here would shadow the checkout's.
"""

import json
import re
import time
from pathlib import Path

import pytest

REPORT_KEY = pytest.StashKey[object]()
# Set by a suite that writes its own report (the repository's
# conformance/conftest.py): then this plugin writes none.
SUITE_REPORTS = pytest.StashKey[bool]()
RESULTS_KEY = pytest.StashKey[dict]()
BANDS_KEY = pytest.StashKey[list]()


def pytest_addoption(parser):
    group = parser.getgroup("bandsim", "bandsim: emulated Mi Band 4s")
    group.addoption("--bandsim-binary", metavar="PATH", default=None,
                    help="the emulator (default: $BANDSIM, then bandsim on "
                         "PATH, then the checkout's build/emulator/bandsim)")
    group.addoption("--bandsim-target", metavar="TARGET", default="emu",
                    help="emu (default): the band fixture starts an emulator "
                         "per test; sock:PATH or bluez:ADDRESS[@hciN]: the "
                         "band fixture is the band already there")
    group.addoption("--bandsim-key", metavar="HEX", default=None,
                    help="the key the band at --bandsim-target is bound to "
                         "(32 hex digits; default: the emulators' own, "
                         "000102...0e0f)")
    group.addoption("--bandsim-report", metavar="DIR", default=None,
                    help="write one JSON file per test into DIR")


def pytest_configure(config):
    directory = config.getoption("--bandsim-report")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
    config.stash[REPORT_KEY] = directory


@pytest.fixture
def _bandsim_session(request, tmp_path):
    from bandsim.harness.plugin import PluginError, Session, find_binary
    try:
        binary = find_binary(request.config.getoption("--bandsim-binary"))
    except PluginError as exc:
        pytest.fail(str(exc), pytrace=False)
    session = Session(binary, tmp_path)
    request.node.stash[BANDS_KEY] = session.bands
    yield session
    problems = session.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def band_factory(_bandsim_session):
    """band_factory(**options) -> a band started for this test, stopped
    at its end (it must exit 0 on SIGTERM)."""
    return _bandsim_session.band


@pytest.fixture
def band(request):
    """One band: started for this test (--bandsim-target emu, the
    default), or the one at --bandsim-target."""
    from bandsim.harness.plugin import PluginError, parse_key, remote_band
    target = request.config.getoption("--bandsim-target")
    key = request.config.getoption("--bandsim-key")
    try:
        if target == "emu":
            return request.getfixturevalue("band_factory")(
                auth_key=parse_key(key))
        return remote_band(target, key)
    except (PluginError, ValueError) as exc:
        pytest.fail(f"--bandsim-target/--bandsim-key: {exc}", pytrace=False)


@pytest.fixture
def fleet(_bandsim_session):
    """fleet(count, **options) -> Fleet: N bands in one process."""
    return _bandsim_session.fleet


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    directory = item.config.stash.get(REPORT_KEY, None)
    if not directory or item.config.stash.get(SUITE_REPORTS, False):
        return
    results = item.stash.setdefault(RESULTS_KEY, {})
    results[rep.when] = rep
    if rep.when != "teardown":
        return
    bands = []
    for made in item.stash.get(BANDS_KEY, []):
        events = []
        if made.control is not None:
            events = [{"seq": e.seq, "name": e.name, "details": e.details}
                      for e in made.control.timeline]
        bands.append({"target": made.target, "events": events})
    failed = [r for r in results.values() if r.failed]
    skipped = [r for r in results.values() if r.skipped]
    doc = {
        "nodeid": item.nodeid,
        "outcome": "failed" if failed else
                   "skipped" if skipped else "passed",
        "duration_s": round(sum(r.duration for r in results.values()), 6),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "longrepr": str(failed[0].longrepr) if failed else None,
        "bands": bands,
    }
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid).strip("_")
    path = Path(directory) / f"{name}.json"
    path.write_text(json.dumps(doc, indent=2, default=str) + "\n",
                    encoding="utf-8")
