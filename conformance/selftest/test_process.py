"""The process driver against a stand-in emulator script.

The stand-in speaks only the status-pipe and signal contract, which is
all BandProcess relies on, so the driver's waits and error paths are
checked without the C emulator.
"""

import os
import signal
import stat
import sys

import pytest

from bandsim.harness.process import (BandProcess, EmulatorError,
                                     wrapper_from_env)

STAND_IN = """#!{python}
import os, signal, sys
args = sys.argv[1:]
fd = int(args[args.index("--ready-fd") + 1])
mode = {mode!r}
if mode == "crash":
    sys.exit(3)
# Handler first: a SIGTERM right after READY=1 must still exit cleanly.
signal.signal(signal.SIGTERM, lambda *_: sys.exit({term_status}))
if mode == "retry":
    # SIGUSR1, a central over BlueZ: its first attempt fails after the
    # band saw it, the band advertises again, the retry gets the link.
    signal.signal(signal.SIGUSR1, lambda *_: os.write(
        fd, b"CONNECTED=1\\nDISCONNECTED=1\\nADVERTISING=1\\nCONNECTED=1\\n"))
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


def test_a_retried_connect_leaves_nothing_of_its_failed_attempt(tmp_path):
    """The failed attempt's CONNECTED=1 and DISCONNECTED=1 and the
    ADVERTISING=1 before the retry are not this link's: none is left
    pending for the scenario (MB4/BATT/BI-04 counts ADVERTISING=1)."""
    band = stand_in(tmp_path, mode="retry")

    class Link:
        def close(self):
            pass

    def central(_deadline, _band):
        os.kill(band.pid, signal.SIGUSR1)
        return Link()

    lost = []
    band.central = central
    band.on_lost_attempts.append(lost.append)
    band.start(timeout=5)
    band.connect(timeout=5)
    assert band.history[-4:] == ["CONNECTED=1", "DISCONNECTED=1",
                                 "ADVERTISING=1", "CONNECTED=1"]
    for line in ("CONNECTED=1", "DISCONNECTED=1", "ADVERTISING=1"):
        assert band.pending(line) == 0, line
    # Whoever keeps the band's events is told one attempt was lost.
    assert lost == [1]
    assert band.stop() == 0


def test_command_line_options(tmp_path):
    key = bytes.fromhex("00112233445566778899aabbccddeeff")
    band = BandProcess("/bin/bandsim", "p.ini", tmp_path / "run",
                       state_dir=tmp_path / "shared",
                       control_address="unix:path=/tmp/b", clock_rate=0,
                       clock_start=1716201000, auth_key=key)
    cmd = band.command(5)
    assert "--control-bus" not in cmd
    pairs = dict(zip(cmd[1::2], cmd[2::2]))
    assert pairs == {"--transport": "sock",
                     "--socket": str(tmp_path / "run" / "band.sock"),
                     "--state-dir": str(tmp_path / "shared"),
                     "--profile": "p.ini",
                     "--control-address": "unix:path=/tmp/b",
                     "--clock-rate": "0", "--clock-start": "1716201000",
                     "--auth-key": "00112233445566778899aabbccddeeff",
                     "--ready-fd": "5"}
    plain = BandProcess("/bin/bandsim", "p.ini", tmp_path / "run").command(5)
    assert plain[plain.index("--control-bus") + 1] == "none"
    assert "--auth-key" not in plain and "--clock-rate" not in plain


def test_wrapper_goes_before_the_binary(tmp_path):
    wrapper = wrapper_from_env(
        {"BANDSIM_WRAPPER": "valgrind --log-file='/tmp/a b/%p.log' -q"})
    assert wrapper == ["valgrind", "--log-file=/tmp/a b/%p.log", "-q"]
    assert wrapper_from_env({}) == []
    cmd = BandProcess("/bin/bandsim", "p.ini", tmp_path,
                      wrapper=wrapper).command(5)
    assert cmd[:4] == wrapper + ["/bin/bandsim"]
    assert cmd[4:6] == ["--transport", "sock"]


def test_state_file_sections(tmp_path):
    band = BandProcess("/bin/bandsim", "p.ini", tmp_path)
    band.state_dir.mkdir()
    (band.state_dir / "band.ini").write_text(
        "[band]\naddress = E1:23:45:67:89:AB\nserial = 0123456789ab\n")
    assert band.identity() == {"address": "E1:23:45:67:89:AB",
                               "serial": "0123456789ab"}
    assert band.stored_key() is None
    with open(band.state_dir / "band.ini", "a") as f:
        f.write("[binding]\nkey = 00112233445566778899AABBCCDDEEFF\n")
    assert band.stored_key().hex() == "00112233445566778899aabbccddeeff"


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
