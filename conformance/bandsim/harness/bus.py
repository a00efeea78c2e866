"""A private D-Bus message bus for one test.

dbus-daemon runs in the foreground with a minimal configuration: one
unix socket in a private directory, EXTERNAL auth, everything allowed
and no service directories, so nothing on the bus can be activated
behind the test's back.  The daemon prints its address on a pipe once it
listens; start() waits for that line against a deadline.
"""

import os
import select
import shutil
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from ..link.deadline import Deadline, read_until

DAEMON = "dbus-daemon"
START_TIMEOUT = 5.0
STOP_TIMEOUT = 5.0

CONFIG = """<!DOCTYPE busconfig PUBLIC
 "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class BusError(Exception):
    """The daemon did not start, or did not stop."""


class PrivateBus:
    """One dbus-daemon process and the directory holding its socket."""

    def __init__(self, daemon: str = DAEMON):
        self.daemon = daemon
        self.address = None
        self._dir = None
        self._proc = None
        self._pidfd = None

    def start(self, timeout: float = START_TIMEOUT) -> str:
        """Start the daemon; returns its address once it listens."""
        # A short directory of its own: sun_path holds 107 bytes.
        self._dir = Path(tempfile.mkdtemp(prefix="bandsim-bus-"))
        config = self._dir / "bus.conf"
        config.write_text(CONFIG.format(socket=escape(str(self._dir / "bus"))))
        read_fd, write_fd = os.pipe()
        try:
            with open(self._dir / "bus.log", "wb") as log:
                self._proc = subprocess.Popen(
                    [self.daemon, "--nofork", "--nopidfile",
                     f"--config-file={config}",
                     f"--print-address={write_fd}"],
                    pass_fds=(write_fd,), stdin=subprocess.DEVNULL,
                    stdout=log, stderr=subprocess.STDOUT)
        except BaseException:
            os.close(read_fd)
            self._remove_dir()
            raise
        finally:
            os.close(write_fd)
        try:
            self._pidfd = os.pidfd_open(self._proc.pid)
            self.address = self._read_address(read_fd, Deadline(timeout))
        except BaseException:
            self.stop()
            raise
        finally:
            os.close(read_fd)
        return self.address

    def _read_address(self, fd: int, deadline: Deadline) -> str:
        data = bytearray()
        read_until(fd, data, lambda data: b"\n" in data, deadline, BusError,
                   quiet=f"no address from {self.daemon} within "
                         f"{deadline.seconds} s",
                   closed=lambda _: f"{self.daemon} exited before "
                                    f"listening: {self._stderr()}")
        return data.split(b"\n", 1)[0].decode().strip()

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Terminate the daemon (killing it if it lingers) and clean up."""
        if self._proc is None:
            return
        try:
            if self._proc.poll() is None:
                self._proc.terminate()
                if not self._exited_within(timeout):
                    self._proc.kill()
                    if not self._exited_within(timeout):
                        raise BusError(f"{self.daemon} survived SIGKILL")
            self._proc.poll()
        finally:
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None
            self._proc = None
            self._remove_dir()

    def _exited_within(self, timeout: float) -> bool:
        ready, _, _ = select.select([self._pidfd], [], [], timeout)
        return bool(ready)

    def _stderr(self) -> str:
        try:
            data = (self._dir / "bus.log").read_bytes()
        except OSError:
            return ""
        return data[-2000:].decode("utf-8", "replace").strip()

    def _remove_dir(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
