"""The real emulator's side of the stop contract BandProcess relies on:
SIGTERM is a clean exit (status 0) from its first status line on.

Every test stops its band with SIGTERM as soon as it is done, which can
be right after READY=1.  The emulator is held before its first status
line by a status pipe that is already full: it has then owned its bus
name (the control plane starts before the socket listens) and blocks in
the write of ADVERTISING=1, so the SIGTERM surely lands in start-up.
"""

import fcntl
import os
import select
import signal
import subprocess

from bandsim.harness.control import ControlClient
from bandsim.link.deadline import Deadline
from bandsim.harness.process import BandProcess
from bandsim.protocol.profile import DEFAULT_PATH

TIMEOUT = 10.0


def full_pipe():
    """(read fd, write fd) of a pipe with no room left; both blocking."""
    read_fd, write_fd = os.pipe()
    fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, 4096)
    os.set_blocking(write_fd, False)
    try:
        while True:
            os.write(write_fd, b"\n" * 4096)
    except BlockingIOError:
        pass
    # The emulator shares this file description: it must block.
    os.set_blocking(write_fd, True)
    return read_fd, write_fd


def status_lines_until(read_fd, line, deadline, proc):
    """Read the status pipe (past the filler) until line; the lines."""
    data = b""
    while line.encode() + b"\n" not in data:
        ready, _, _ = select.select([read_fd], [], [], deadline.remaining())
        lines = data.decode().split()
        assert ready, f"no {line} within {deadline.seconds} s: {lines}"
        chunk = os.read(read_fd, 65536)
        if not chunk:
            raise AssertionError(
                f"status pipe closed before {line} (lines {lines}; exit "
                f"status {proc.wait(deadline.remaining())})")
        data += chunk
    return data.decode().split()


def test_sigterm_during_start_up_is_a_clean_exit(emulator_binary, bus,
                                                 tmp_path):
    ctl = ControlClient(bus)
    read_fd, write_fd = full_pipe()
    band = BandProcess(emulator_binary, DEFAULT_PATH, tmp_path,
                       control_address=bus, clock_rate=0)
    band.state_dir.mkdir()
    try:
        with open(band.log_path, "wb") as log:
            proc = subprocess.Popen(band.command(write_fd),
                                    pass_fds=(write_fd,),
                                    stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT)
        os.close(write_fd)
        write_fd = None
        try:
            deadline = Deadline(TIMEOUT)
            # NameOwnerChanged: the band owns its name, ADVERTISING=1 is
            # next and cannot be written.  (_owner: the unique name the
            # client follows.)
            ctl.iterate_until(lambda: ctl._owner is not None, deadline,
                              "owner of the band's bus name")
            proc.send_signal(signal.SIGTERM)
            lines = status_lines_until(read_fd, "READY=1", deadline, proc)
            assert lines == ["ADVERTISING=1", "READY=1"]
            assert proc.wait(deadline.remaining()) == 0, band.log_tail()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    finally:
        os.close(read_fd)
        if write_fd is not None:
            os.close(write_fd)
        ctl.close()
