"""Run the emulator and follow its status pipe.

The emulator reports milestones as newline-terminated lines on a pipe
(--ready-fd): READY=1, ADVERTISING=1, CONNECTED=1, DISCONNECTED=1.  Tests
wait on those lines instead of polling the socket, so a wait ends the
moment the emulator acts.  Lines are counted, not matched in order: a
wait consumes one unconsumed occurrence of its line, which keeps waits
correct whichever of two near-simultaneous lines is written first.
Process exit is watched through a pidfd, so no wait ever sleeps.
"""

import collections
import configparser
import os
import select
import shlex
import signal
import subprocess
from pathlib import Path

from ..link.deadline import SCALE, Deadline, as_deadline
from ..link.sock import AttClient

STATE_FILE = "band.ini"
START_TIMEOUT = 10.0
STATUS_TIMEOUT = 5.0
# Through bluetoothd (a VM without KVM, say) registering, connecting and
# discovering take seconds, not milliseconds.
BLUEZ_STATUS_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
# Status lines an error quotes: the last ones.
HISTORY_SHOWN = 40
# control_address for a band on the system bus.
SYSTEM = "system"
# Longest sun_path the kernel accepts, with room for the terminating NUL.
_SUN_PATH_MAX = 107
# A command the suite's emulators run under, its words before the
# binary's (valgrind, say: docs/conformance.md, "Under valgrind").
WRAPPER_ENV = "BANDSIM_WRAPPER"


def wrapper_from_env(environ=None) -> list:
    """The words of $BANDSIM_WRAPPER (shell quoting), [] when unset."""
    environ = os.environ if environ is None else environ
    return shlex.split(environ.get(WRAPPER_ENV, ""))


class EmulatorError(Exception):
    """The emulator died, stalled or misreported; carries its log tail."""


class StatusBand:
    """What a band whose emulator reports its links on a status pipe
    offers the scenarios' helpers, whether it runs alone (BandProcess)
    or in a fleet (FleetBand): a link's end, waited for on its status
    lines, and the state directory's band.ini.

    A subclass has state_dir, status_timeout and wait_status(line,
    timeout)."""

    def disconnect(self, client: AttClient,
                   timeout: float = None) -> None:
        """Close a link and wait until the band listens again."""
        deadline = as_deadline(timeout, self.status_timeout)
        client.close()
        self.wait_dropped(deadline)

    def wait_dropped(self, timeout: float = None) -> None:
        """The band ended the link and listens again."""
        deadline = as_deadline(timeout, self.status_timeout)
        self.wait_status("DISCONNECTED=1", deadline)
        self.wait_status("ADVERTISING=1", deadline)

    def state(self) -> configparser.ConfigParser:
        """STATE_DIR/band.ini, parsed; a malformed file raises."""
        parser = configparser.ConfigParser(interpolation=None)
        with open(self.state_dir / STATE_FILE, encoding="utf-8") as f:
            parser.read_file(f)
        return parser

    def identity(self) -> dict:
        """The [band] section of band.ini: address and serial."""
        return dict(self.state()["band"])

    def stored_key(self):
        """The bound key from band.ini's [binding], or None when unbound."""
        state = self.state()
        if not state.has_section("binding"):
            return None
        return bytes.fromhex(state["binding"]["key"])

    @property
    def address(self) -> str:
        """The address a phone finds the band at: the one it advertises
        with, kept in band.ini (a real band's comes from --address)."""
        return self.identity()["address"]

    def air_address(self) -> str:
        """The address centrals see: on the socket, the band's own."""
        return self.identity()["address"]


class BandProcess(StatusBand):
    """One emulator process with its socket, state dir and status pipe."""

    def __init__(self, binary, profile, workdir, state_dir=None,
                 control_address=None, clock_rate=None, clock_start=None,
                 auth_key=None, extra_args=(), adapter=None, env=None,
                 central=None, wrapper=(), transport="bluez"):
        """workdir holds the socket and log; state_dir (default
        workdir/state) may be shared with an earlier run.  Without a
        control_address the control plane is off (--control-bus none);
        SYSTEM puts it on the system bus (--control-bus system), wherever
        env's DBUS_SYSTEM_BUS_ADDRESS says that is.
        With an adapter ("hci0") the band is served on it instead of the
        socket, through bluetoothd (transport "bluez") or on the kernel's
        L2CAP socket ("l2cap"); env adds to the emulator's environment
        (DBUS_SYSTEM_BUS_ADDRESS, say).  central (with an adapter) opens a
        link to it: central(deadline, band) -> Link.
        wrapper is a command the emulator runs under (["valgrind",
        ...]): the process, its pid and its signals are the wrapper's,
        which passes them on."""
        self.binary = Path(binary)
        self.profile = Path(profile)
        self.workdir = Path(workdir)
        self.socket_path = self.workdir / "band.sock"
        self.state_dir = (Path(state_dir) if state_dir
                          else self.workdir / "state")
        self.log_path = self.workdir / "emulator.log"
        self.control_address = control_address
        self.clock_rate = clock_rate
        self.clock_start = clock_start
        self.auth_key = auth_key
        self.extra_args = list(extra_args)
        self.adapter = adapter
        self.transport = transport
        self.env = dict(env or {})
        self.central = central
        self.wrapper = list(wrapper)
        self.status_timeout = BLUEZ_STATUS_TIMEOUT if adapter \
            else STATUS_TIMEOUT
        self.history = []          # every status line, in arrival order
        # Called with the number of link attempts a connect() saw fail
        # after the band had them (over BlueZ): whoever keeps the band's
        # events drops theirs (harness/control.py).
        self.on_lost_attempts = []
        self._pending = collections.Counter()
        self._buffer = b""
        self._proc = None
        self._status_fd = None
        self._pidfd = None
        if len(os.fsencode(self.socket_path)) > _SUN_PATH_MAX:
            raise ValueError(f"socket path too long for AF_UNIX: "
                             f"{self.socket_path}")

    def where(self) -> list:
        """The arguments that say where the band is: its transport and
        state directory."""
        if self.adapter:
            cmd = ["--transport", self.transport, "--adapter", self.adapter]
        else:
            cmd = ["--transport", "sock", "--socket", str(self.socket_path)]
        return cmd + ["--state-dir", str(self.state_dir)]

    def command(self, ready_fd: int):
        cmd = self.wrapper + [str(self.binary)] + self.where() + \
            ["--profile", str(self.profile)]
        if self.control_address is None:
            cmd += ["--control-bus", "none"]
        elif self.control_address == SYSTEM:
            cmd += ["--control-bus", "system"]
        else:
            cmd += ["--control-address", self.control_address]
        if self.clock_rate is not None:
            cmd += ["--clock-rate", _number(self.clock_rate)]
        if self.clock_start is not None:
            cmd += ["--clock-start", _number(self.clock_start)]
        if self.auth_key is not None:
            cmd += ["--auth-key", bytes(self.auth_key).hex()]
        return cmd + self.extra_args + ["--ready-fd", str(ready_fd)]

    def start(self, timeout: float = None,
              advertising: bool = True) -> None:
        """Start and wait until it listens (READY=1 and, unless told
        not to, ADVERTISING=1: over BlueZ that needs bluetoothd)."""
        if timeout is None:
            timeout = max(START_TIMEOUT, self.status_timeout) * SCALE
        self.state_dir.mkdir(parents=True, exist_ok=True)
        read_fd, write_fd = os.pipe()
        try:
            with open(self.log_path, "wb") as log:
                self._proc = subprocess.Popen(
                    self.command(write_fd), pass_fds=(write_fd,),
                    env={**os.environ, **self.env},
                    stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT)
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            # Only the child may hold the write end, or EOF never comes.
            os.close(write_fd)
        self._status_fd = read_fd
        self._pidfd = os.pidfd_open(self._proc.pid)
        deadline = Deadline(timeout)
        self.wait_status("READY=1", deadline)
        if advertising:
            self.wait_status("ADVERTISING=1", deadline)

    @property
    def started(self) -> bool:
        return self._proc is not None

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def wait_status(self, line: str, timeout=None) -> None:
        """Consume one occurrence of a status line, waiting if needed."""
        deadline = as_deadline(timeout, self.status_timeout)
        while self._pending[line] == 0:
            self._read_status(deadline, line)
        self._pending[line] -= 1

    def pending(self, line: str) -> int:
        """Occurrences of a line that arrived but nobody consumed yet."""
        return self._pending[line]

    def _read_status(self, deadline: Deadline, waiting_for: str) -> None:
        ready, _, _ = select.select([self._status_fd, self._pidfd], [], [],
                                    deadline.remaining())
        if self._status_fd in ready:
            chunk = os.read(self._status_fd, 4096)
            if chunk:
                self._buffer += chunk
                *lines, self._buffer = self._buffer.split(b"\n")
                for raw in lines:
                    text = raw.decode("utf-8", "replace").strip()
                    self.history.append(text)
                    self._pending[text] += 1
                return
            # EOF usually means exit; let the exit land so the error
            # can name the status.
            self._exited_within(min(deadline.remaining(), 1.0))
            raise self._error(f"status pipe closed while waiting for "
                              f"{waiting_for}")
        if self._pidfd in ready:
            raise self._error(f"emulator exited while waiting for "
                              f"{waiting_for}")
        raise self._error(f"no {waiting_for} within {deadline.seconds} s")

    def air_address(self) -> str:
        """The address centrals see: the band's own on the socket and over
        --transport l2cap, the adapter's through bluetoothd."""
        if self.adapter and self.transport != "l2cap":
            from .targets import adapter_address
            return adapter_address(self.adapter)
        return super().air_address()

    def connect(self, timeout: float = None) -> AttClient:
        """Open a link and wait until the emulator reports it."""
        # A default deadline stretches with BANDSIM_TIMEOUT_SCALE, as
        # every other wait does (a first connection through BlueZ in a VM
        # without KVM on a busy host takes more than 30 s).
        deadline = as_deadline(timeout, self.status_timeout)
        timeout = deadline.seconds
        if self.central is not None:
            client = self.central(deadline, self)
        else:
            client = AttClient.connect(self.socket_path, timeout)
        try:
            seen = len(self.history)
            self.wait_status("CONNECTED=1", deadline)
            # Over BlueZ a first attempt may have failed after the band
            # saw it (the central retries): its CONNECTED=1 and
            # DISCONNECTED=1 are not this link's, nor the ADVERTISING=1
            # of the band advertising again before the retry.
            retried = 0
            while self.central is not None and self._pending["DISCONNECTED=1"]:
                self.wait_status("DISCONNECTED=1", deadline)
                self.wait_status("CONNECTED=1", deadline)
                retried += 1
            if retried:
                lines = self.history[seen:]
                first = lines.index("CONNECTED=1")
                last = len(lines) - 1 - lines[::-1].index("CONNECTED=1")
                between = lines[first:last].count("ADVERTISING=1")
                self._pending["ADVERTISING=1"] = max(
                    0, self._pending["ADVERTISING=1"] - between)
                for hook in self.on_lost_attempts:
                    hook(retried)
        except BaseException:
            client.close()
            raise
        return client

    def kill(self, timeout: float = None) -> None:
        """SIGKILL (a power cut for the band) and reap."""
        timeout = STOP_TIMEOUT * SCALE if timeout is None else timeout
        if self._proc is None:
            raise EmulatorError("emulator was never started")
        try:
            if self._proc.poll() is None:
                self._proc.kill()
                if not self._exited_within(timeout):
                    raise self._error(f"no exit within {timeout} s of SIGKILL")
            self._proc.wait()
        finally:
            self._close_fds()

    @property
    def stopped(self) -> bool:
        """Stopped or killed through this object (fds released)."""
        return self._proc is not None and self._pidfd is None

    def stop(self, timeout: float = None) -> int:
        """SIGTERM, wait for exit, return the exit status.

        A process that ignores SIGTERM is killed so no test leaves one
        behind, and that is reported as an error rather than a status.
        """
        timeout = STOP_TIMEOUT * SCALE if timeout is None else timeout
        if self._proc is None:
            raise EmulatorError("emulator was never started")
        try:
            if self._proc.poll() is None:
                self._proc.send_signal(signal.SIGTERM)
                if not self._exited_within(timeout):
                    self._proc.kill()
                    self._exited_within(timeout)
                    raise self._error(f"no exit within {timeout} s of SIGTERM")
            # Exited already, so this only reaps it.
            return self._proc.wait()
        finally:
            self._close_fds()

    def _exited_within(self, timeout: float) -> bool:
        ready, _, _ = select.select([self._pidfd], [], [], timeout)
        return bool(ready)

    def _close_fds(self) -> None:
        for fd in (self._status_fd, self._pidfd):
            if fd is not None:
                os.close(fd)
        self._status_fd = self._pidfd = None

    def log_tail(self, size: int = 4000) -> str:
        try:
            data = self.log_path.read_bytes()
        except OSError:
            return ""
        return data[-size:].decode("utf-8", "replace")

    def _error(self, message: str) -> EmulatorError:
        code = self._proc.poll() if self._proc else None
        state = "running" if code is None else f"exit status {code}"
        # A fleet's thousands of lines would bury the message.
        lines = self.history if len(self.history) <= HISTORY_SHOWN else \
            [f"... {len(self.history) - HISTORY_SHOWN} more"] + \
            self.history[-HISTORY_SHOWN:]
        return EmulatorError(
            f"{message} ({state}; status lines so far {lines})\n"
            f"--- emulator log tail ---\n{self.log_tail()}")


def _number(value) -> str:
    """Command-line form of a number: no trailing .0 for whole values."""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))
