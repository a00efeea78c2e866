"""A private D-Bus message bus for one test.

dbus-daemon runs in the foreground with a minimal configuration: one
unix socket in a private directory, EXTERNAL auth, everything allowed
and no service directories, so nothing on the bus can be activated
behind the test's back.  The daemon prints its address on a pipe once it
listens; start() waits for that line against a deadline.

SystemPolicyBus is the same daemon configured as the system bus is:
``<type>system</type>``, the ``<policy>`` elements of the installed
system.conf (deny by default) and an ``<include>`` of a policy file as
it would sit in system.d (the shipped data/io.bandsim.conf), with a
socket every local user can reach, so the policy decides who may do
what (scenarios/test_bus_policy.py).
"""

import os
import select
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

from ..link.deadline import Deadline, read_until

DAEMON = "dbus-daemon"
START_TIMEOUT = 5.0
STOP_TIMEOUT = 5.0

# Every bus of the suite: one unix socket, EXTERNAL auth; its type and
# what it allows (rules) are the bus's own.
CONFIG = """<!DOCTYPE busconfig PUBLIC
 "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>{type}</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  {rules}
</busconfig>
"""
# A test's own bus: everything allowed.
ALLOW_ALL = """<policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>"""

SYSTEM_CONF = Path("/usr/share/dbus-1/system.conf")


def bus_config(bus_type: str, socket: Path, rules: str) -> str:
    """A daemon's configuration: a bus of bus_type listening on socket,
    with rules (XML elements, as they are) for what it allows."""
    return CONFIG.format(type=bus_type, socket=escape(str(socket)),
                         rules=rules)


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
        self._dir = self.make_dir()
        config = self._dir / "bus.conf"
        try:
            config.write_text(self.config(self._dir / "bus"))
        except BaseException:
            self._remove_dir()
            raise
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

    def make_dir(self) -> Path:
        """A new directory for the socket, the configuration and the log."""
        return Path(tempfile.mkdtemp(prefix="bandsim-bus-"))

    def config(self, socket: Path) -> str:
        """The daemon's configuration, listening on socket."""
        return bus_config("session", socket, ALLOW_ALL)

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


def system_policies(path: Path = SYSTEM_CONF) -> str:
    """The <policy> elements of the system bus's configuration, as XML."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise BusError(f"{path}: cannot read the system bus policy "
                       f"(package dbus-system-bus-common): {exc}") from None
    policies = root.findall("policy")
    if not policies:
        raise BusError(f"{path}: no <policy> element")
    return "".join(ET.tostring(p, encoding="unicode") for p in policies)


class SystemPolicyBus(PrivateBus):
    """A bus with the system bus's policy plus one policy file, included
    as is; every local user may connect to it."""

    def __init__(self, include: Path, daemon: str = DAEMON,
                 system_conf: Path = SYSTEM_CONF):
        super().__init__(daemon)
        self.include = Path(include).resolve()
        self.system_conf = system_conf

    def make_dir(self) -> Path:
        # Every local user must reach the socket, whatever TMPDIR says,
        # so that the policy, not the file system, is what keeps them
        # out: /tmp, and the directory opened up from mkdtemp's 0700.
        directory = Path(tempfile.mkdtemp(prefix="bandsim-bus-", dir="/tmp"))
        directory.chmod(0o755)
        return directory

    def config(self, socket: Path) -> str:
        if not self.include.is_file():
            raise BusError(f"{self.include}: no such policy file")
        return bus_config(
            "system", socket,
            system_policies(self.system_conf)
            + f"\n  <include>{escape(str(self.include))}</include>")
