"""The pytest plugin (bandsim_pytest) as another project meets it: a test
file of its own, run by pytest in a subprocess with only the plugin, no
conftest of this suite.  ci/plugin-check runs examples/pytest-plugin the
same way from an installed package."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CONFORMANCE = Path(__file__).resolve().parents[1]
RUN_TIMEOUT = 120

PROJECT_TEST = '''
import pytest
from bandsim.clients.auth import HuamiClient
from bandsim.clients.fetch import FetchClient, SyncState
from bandsim.oracles import ground_truth


def test_band_syncs(band):
    band.control.advance_clock(3600)
    link = band.connect()
    try:
        HuamiClient(link).enable_notifications()
        HuamiClient(link).authenticate(band.auth_key)
        fetch = FetchClient(link)
        fetch.enable_notifications()
        state = SyncState(1716201000 - 86400)
        fetch.sync(state)
    finally:
        band.disconnect(link)
    ground_truth.assert_exactly_once(
        state.samples, band.control.get_samples(0, 1 << 63))
    assert len(state.samples) == 60


def test_factory_band_is_new(band_factory):
    new = band_factory(auth_key=None, life_seed=7)
    assert new.control.get("Bound") is False


def test_fleet(fleet):
    bands = fleet(2)
    assert len(bands) == 2
    assert bands.control(1).get("Address") != bands.control(2).get("Address")


def test_fails_on_purpose(band):
    assert band.control.get("Bound") is False
'''


def run_project(tmp_path, *args, test=PROJECT_TEST):
    """pytest on a project of one test file, the plugin loaded with -p
    (the package on PYTHONPATH, as an installed one is on sys.path)."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_project.py").write_text(textwrap.dedent(test))
    env = {**os.environ, "PYTHONPATH": str(CONFORMANCE)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "bandsim_pytest", "--rootdir", str(project),
         "-c", os.devnull, *args, str(project)],
        cwd=project, env=env, capture_output=True, text=True,
        timeout=RUN_TIMEOUT)


def test_fixtures_and_report(tmp_path):
    report = tmp_path / "report"
    done = run_project(tmp_path, "--bandsim-report", str(report))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 3 passed" in done.stdout.splitlines()[-1], done.stdout
    docs = {d["nodeid"].split("::")[-1]: d for d in
            (json.loads(p.read_text()) for p in report.glob("*.json"))}
    assert sorted(docs) == ["test_band_syncs", "test_factory_band_is_new",
                            "test_fails_on_purpose", "test_fleet"]
    assert docs["test_fails_on_purpose"]["outcome"] == "failed"
    assert "Bound" in docs["test_fails_on_purpose"]["longrepr"]
    assert docs["test_band_syncs"]["outcome"] == "passed"
    events = [e["name"] for e in docs["test_band_syncs"]["bands"][0]["events"]]
    assert "fetch-started" in events or "authenticated" in events, events


def test_a_missing_binary_is_named(tmp_path):
    done = run_project(tmp_path, "--bandsim-binary", "/nonexistent/bandsim",
                       "-k", "test_fleet",
                       test="def test_fleet(fleet):\n    fleet(1)\n")
    env_bandsim = os.environ.get("BANDSIM")
    if env_bandsim:
        # $BANDSIM is the next candidate: the test then passes.
        assert done.returncode == 0, done.stdout
        return
    assert "no bandsim emulator" in done.stdout


def test_a_bad_target_is_named(tmp_path):
    done = run_project(tmp_path, "--bandsim-target", "socket:/x",
                       test="def test_one(band):\n    pass\n")
    assert done.returncode == 1
    assert "--bandsim-target" in done.stdout and "sock:PATH" in done.stdout


@pytest.mark.parametrize("key", ["00", "zz" * 16])
def test_a_bad_key_is_named(tmp_path, key):
    done = run_project(tmp_path, "--bandsim-key", key,
                       test="def test_one(band):\n    pass\n")
    assert done.returncode == 1
    assert "32 hex digits" in done.stdout
