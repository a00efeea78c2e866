"""A band shared by a group of tests (conftest.py: shared_band): the
tests of a group get the same band until one fails, which takes the band
with it; the group's last test stops it, and a passed band's directory
goes while a failed one's stays.  From a real pytest run of a sample
with the suite's conftest as a plugin."""

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

CONFORMANCE = Path(__file__).resolve().parents[1]

SAMPLE = '''
import os

OUT = os.environ["SHARED_OUT"]


def note(name, band):
    with open(OUT, "a") as f:
        f.write(f"{name} {band.pid} {band.workdir}\\n")


def prepared(control):
    control.advance_clock(60)


def test_one(shared_band):
    band, control = shared_band("g", prepared)
    note("one", band)


def test_two(shared_band):
    band, control = shared_band("g", prepared)
    note("two", band)
    assert False, "on purpose"


def test_three(shared_band):
    band, control = shared_band("g", prepared, last=True)
    note("three", band)
    assert control.get("State") == "advertising"
'''


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.timeout(60)
def test_a_failure_takes_the_band_with_it(tmp_path, emulator_binary):
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(SAMPLE))
    out = tmp_path / "bands.txt"
    env = dict(os.environ, PYTHONPATH=str(CONFORMANCE), SHARED_OUT=str(out),
               BANDSIM=str(emulator_binary))
    # A short base: a band's socket path must fit in sun_path.
    base = Path(tempfile.mkdtemp(prefix="shared-"))
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "conftest", "-p",
             "no:cacheprovider", "-q", "test_sample.py", "--basetemp",
             str(base)],
            cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=50)
        check(result, out)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def check(result, out):
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 2 passed" in result.stdout.splitlines()[-1], \
        result.stdout
    rows = [line.split() for line in out.read_text().splitlines()]
    assert [name for name, _, _ in rows] == ["one", "two", "three"]
    (_, first, first_dir), (_, second, _), (_, third, third_dir) = rows
    # Shared until the failure; a new band after it.
    assert first == second != third
    # Every band stopped; the failed one's directory kept, the last gone.
    assert not alive(int(first)) and not alive(int(third))
    assert Path(first_dir).is_dir()
    assert not Path(third_dir).exists()
