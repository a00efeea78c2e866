"""The process driver against a stand-in emulator script.

The stand-in speaks only the status-pipe and signal contract, which is
all BandProcess relies on, so the driver's waits and error paths are
checked without the C emulator.
"""

import stat
import sys

import pytest

from bandsim.process import BandProcess, EmulatorError

STAND_IN = """#!{python}
import os, signal, sys
args = sys.argv[1:]
fd = int(args[args.index("--ready-fd") + 1])
mode = {mode!r}
if mode == "crash":
    sys.exit(3)
# Handler first: a SIGTERM right after READY=1 must still exit cleanly.
signal.signal(signal.SIGTERM, lambda *_: sys.exit({term_status}))
os.write(fd, b"ADVERTISING=1\\nREA")
os.write(fd, b"DY=1\\n")
while True:
    signal.pause()
"""


def stand_in(tmp_path, mode="ok", term_status=0):
    path = tmp_path / "fake-bandsim"
    path.write_text(STAND_IN.format(python=sys.executable, mode=mode,
                                    term_status=term_status))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return BandProcess(path, "profile.ini", tmp_path / "run")


def test_start_reads_split_lines_in_any_order(tmp_path):
    band = stand_in(tmp_path)
    band.start(timeout=5)
    assert band.history == ["ADVERTISING=1", "READY=1"]
    assert band.alive
    assert band.stop() == 0
    assert not band.alive


def test_exit_status_is_reported(tmp_path):
    band = stand_in(tmp_path, term_status=7)
    band.start(timeout=5)
    assert band.stop() == 7


def test_early_exit_is_an_error_not_a_hang(tmp_path):
    band = stand_in(tmp_path, mode="crash")
    with pytest.raises(EmulatorError, match="exit status 3"):
        band.start(timeout=5)
    band.stop()


def test_missing_status_times_out(tmp_path):
    band = stand_in(tmp_path)
    band.start(timeout=5)
    with pytest.raises(EmulatorError, match="no CONNECTED=1"):
        band.wait_status("CONNECTED=1", timeout=0.1)
    assert band.stop() == 0
