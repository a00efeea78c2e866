"""What the pytest plugin (bandsim_pytest, beside this package) starts
and hands to tests: emulated bands on sockets of their own with a control
plane on a private bus, fleets, or a band already running.

The plugin's hooks and fixtures live in bandsim_pytest, which imports this
module only once a fixture is used, so that when a checkout's own suite
runs, the checkout's bandsim is the one imported, not an installed one.
"""

import os
import re
import shutil
import tempfile
from pathlib import Path

from ..link.target import connect as link_connect
from ..link.target import parse_target
from ..protocol import profile as profile_module
from .bus import PrivateBus
from .control import ControlClient, ControlError
from .fleet import FleetProcess, band_path
from .process import BandProcess

# The key every band the plugin starts is bound to, unless told another.
DEFAULT_KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
CHECKOUT_BINARY = Path(__file__).resolve().parents[3] / "build" / \
    "emulator" / "bandsim"


class PluginError(Exception):
    """An option or a binary the plugin cannot use; its text says what
    to do."""


def find_binary(given=None) -> Path:
    """The emulator: given, $BANDSIM, bandsim on PATH, the checkout's
    build; PluginError naming all four when none exists."""
    candidates = [given, os.environ.get("BANDSIM"), shutil.which("bandsim"),
                  CHECKOUT_BINARY]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and \
                os.access(candidate, os.X_OK):
            return Path(candidate).resolve()
    raise PluginError("no bandsim emulator: give --bandsim-binary PATH, set "
                      "BANDSIM, install bandsim (meson install) or build "
                      "the checkout (ninja -C build)")


def parse_key(text) -> bytes:
    if text is None:
        return DEFAULT_KEY
    if not re.fullmatch(r"[0-9A-Fa-f]{32}", text):
        raise PluginError(f"--bandsim-key {text!r}: 32 hex digits, the "
                          f"band's 16-byte key")
    return bytes.fromhex(text)


class EmulatedBand:
    """One band the plugin started: its process, link target, key and
    control plane."""

    def __init__(self, process: BandProcess, control: ControlClient,
                 auth_key):
        self.process = process
        self.control = control
        self.auth_key = auth_key

    @property
    def target(self) -> str:
        return f"sock:{self.process.socket_path}"

    @property
    def state_dir(self) -> Path:
        return self.process.state_dir

    def connect(self, timeout: float = None):
        """A raw ATT link (bandsim.link.sock.AttClient); the band reports
        it before this returns."""
        return self.process.connect(timeout)

    def disconnect(self, link, timeout: float = None) -> None:
        """Close link and wait until the band advertises again."""
        self.process.disconnect(link, timeout)

    def stop(self) -> int:
        return self.process.stop()


class RemoteBand:
    """The band at --bandsim-target: a link target and a key, no control
    plane."""

    control = None
    process = None

    def __init__(self, target: str, auth_key: bytes):
        self.target = target
        self.auth_key = auth_key

    def connect(self, timeout: float = None):
        return link_connect(self.target, timeout or 30.0)

    def disconnect(self, link, timeout: float = None) -> None:
        link.close()


class Session:
    """What one test started: a bus and bands, all stopped at its end."""

    def __init__(self, binary: Path, base: Path):
        self.binary = binary
        self.base = base
        self.bus = None
        self.bands = []         # EmulatedBand
        self.fleets = []        # (FleetProcess, [ControlClient])
        self.n = 0

    def address(self) -> str:
        if self.bus is None:
            self.bus = PrivateBus()
            self.address_ = self.bus.start()
        return self.address_

    def workdir(self, prefix: str) -> Path:
        self.n += 1
        return Path(tempfile.mkdtemp(prefix=f"{prefix}{self.n}-",
                                     dir=self.base))

    def band(self, profile=None, faults=(), life_seed=None,
             clock_start=None, clock_rate=0, auth_key=DEFAULT_KEY,
             extra_args=()) -> EmulatedBand:
        name = f"io.bandsim.Plugin{self.n + 1}"
        workdir = self.workdir("band")
        args = ["--control-name", name] + list(extra_args)
        if faults:
            # One fault spec a line (docs/faults.md), armed at start.
            spec = workdir / "faults"
            spec.write_text("".join(f"{f}\n" for f in faults),
                            encoding="utf-8")
            args += ["--faults", str(spec)]
        if life_seed is not None:
            args += ["--life-seed", str(life_seed)]
        proc = BandProcess(self.binary, profile or profile_module.DEFAULT_PATH,
                           workdir,
                           control_address=self.address(),
                           clock_rate=clock_rate, clock_start=clock_start,
                           auth_key=auth_key, extra_args=args)
        band = EmulatedBand(proc, None, auth_key)
        self.bands.append(band)
        proc.start()
        band.control = ControlClient(self.address(), name=name)
        return band

    def fleet(self, count: int, clock_start=None, clock_rate=0,
              auth_key=DEFAULT_KEY, extra_args=()):
        proc = FleetProcess(self.binary, profile_module.DEFAULT_PATH,
                            self.workdir("fleet"), count,
                            control_address=self.address(),
                            clock_rate=clock_rate, clock_start=clock_start,
                            auth_key=auth_key, extra_args=list(extra_args))
        controls = []
        self.fleets.append((proc, controls))
        proc.start()
        for k in range(1, count + 1):
            controls.append(ControlClient(self.address(), path=band_path(k)))
        return Fleet(proc, controls, auth_key)

    def close(self) -> list:
        """Stop everything; the bands that did not exit 0 on SIGTERM."""
        problems = []
        for band in self.bands:
            if band.control is not None:
                try:
                    band.control.sync()     # every event, for the report
                except ControlError:        # a band that died says so below
                    pass
                band.control.close()
            if band.process.started and not band.process.stopped:
                code = band.process.stop()
                if code != 0:
                    problems.append(f"band {band.target}: exit {code}\n"
                                    f"{band.process.log_tail()}")
        for proc, controls in self.fleets:
            for control in controls:
                control.close()
            if proc.started and not proc.stopped:
                code = proc.stop()
                if code != 0:
                    problems.append(f"fleet: exit {code}")
        if self.bus is not None:
            self.bus.stop()
        return problems


class Fleet:
    """N bands in one process: band(k) (1-based) for its link, control(k)
    for its control object, len() for how many."""

    def __init__(self, process: FleetProcess, controls: list, auth_key):
        self.process = process
        self.controls = controls
        self.auth_key = auth_key

    def __len__(self) -> int:
        return len(self.controls)

    def band(self, k: int):
        return self.process.band(k)

    def control(self, k: int) -> ControlClient:
        return self.controls[k - 1]


def remote_band(target: str, key_text) -> RemoteBand:
    """The band at --bandsim-target; PluginError or ValueError naming
    what is wrong with the target or the key."""
    key = parse_key(key_text)
    parse_target(target)
    return RemoteBand(target, key)
