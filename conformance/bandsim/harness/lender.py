"""Bands lent from a fleet: one `bandsim fleet` per pytest worker, on a
bus of its own, and a new band of it for each test that only needs a
band (docs/conformance.md, "Bands lent from a fleet").

A band of a fleet is the band `bandsim` runs alone (docs/fleet.md): the
same model, state directory, socket transport and io.bandsim.Band1,
answering on /io/bandsim/band/K.  What a test is lent is a band added
for it alone with Fleet1.AddBandWith, with what a band the suite starts
itself would have: its life seed (1), its key or none, its clock frozen
at CLOCK_START; and it is removed (as SIGTERM stops `bandsim`) when the
test is over.  What is saved is the process: an exec, a dynamic link,
a bus connection and a dbus-daemon per test (docs/benchmarks.md, "Bands
lent from a fleet, and workers that wait").

One test runs at a time on a worker, so a fleet that dies did so in the
test that holds its band: that test fails with the fleet's log, and the
next one is lent a band of a new fleet.
"""

from pathlib import Path

from gi.repository import GLib

from . import scratch
from .bus import PrivateBus
from .control import BUS_NAME, ControlClient
from .fleet import FLEET_INTERFACE, FLEET_PATH, FleetBand, FleetProcess

# The options of every lent band that a fleet's would otherwise set: a
# band the suite starts alone has life seed 1, whatever its number.
LIFE_SEED = 1


class LentBand(FleetBand):
    """Band K of the lender's fleet, as a test's band: its bus and
    object for the control fixture, its links and waits as any band's."""

    def __init__(self, fleet: FleetProcess, k: int, bus: str, path: str):
        super().__init__(fleet, k)
        self.control_address = bus
        self.control_name = BUS_NAME
        self.path = path
        self.given_back = False

    @property
    def alive(self) -> bool:
        return not self.given_back and self.fleet.alive

    @property
    def stopped(self) -> bool:
        """Given back, or its fleet gone: as BandProcess.stopped."""
        return not self.alive


class BandLender:
    """A worker's fleet and its bus, started at the first loan."""

    def __init__(self, binary, profile, workdir: Path, clock_start: float):
        self.binary = binary
        self.profile = profile
        self.workdir = Path(workdir)
        self.clock_start = clock_start
        self.bus = None
        self.fleet = None
        self._fleet_client = None
        self.fleets = 0             # fleets started

    def _start(self) -> None:
        self.bus = PrivateBus()
        self.bus.start()
        self.fleets += 1
        self.fleet = FleetProcess(
            self.binary, self.profile,
            scratch.band_dir(self.workdir, "lender"), 0,
            control_address=self.bus.address, clock_rate=0,
            clock_start=self.clock_start)
        try:
            self.fleet.start()
            self._fleet_client = ControlClient(self.bus.address,
                                               path=FLEET_PATH)
        except BaseException:
            self.close()
            raise

    def lend(self, auth_key) -> LentBand:
        """A new band of the fleet, bound to auth_key (None: unbound),
        listening and advertising."""
        if self.fleet is None or not self.fleet.alive:
            self.close()
            self._start()
        options = {
            "life-seed": GLib.Variant("t", LIFE_SEED),
            "auth-key": GLib.Variant("ay", bytes(auth_key or b"")),
        }
        k, path, _socket = self._fleet_client.call(
            "AddBandWith", "(a{sv})", options, interface=FLEET_INTERFACE)
        band = LentBand(self.fleet, k, self.bus.address, path)
        band.wait_status("READY=1")
        band.wait_status("ADVERTISING=1")
        return band

    def give_back(self, band: LentBand, keep: bool = False) -> list:
        """Remove the band, as SIGTERM stops `bandsim`; its directory
        goes unless kept.  What went wrong, as test failures: a fleet
        that died while the test had its band, or refused to remove it."""
        if band.given_back:
            return []
        band.given_back = True
        if not self.fleet.alive:
            failure = (f"the fleet lending band {band.k} exited "
                       f"({self.fleet.stop()})\n{self.fleet.log_tail()}")
            self.close()
            return [failure]
        try:
            self._fleet_client.call("RemoveBand", "(u)", band.k,
                                    interface=FLEET_INTERFACE)
        except Exception as exc:
            return [f"RemoveBand {band.k}: {exc}\n{self.fleet.log_tail()}"]
        if not keep:
            scratch.remove(band.state_dir)
            band.socket_path.unlink(missing_ok=True)
        return []

    def close(self) -> list:
        """Stop the fleet and its bus: it must exit 0 on SIGTERM."""
        failures = []
        if self._fleet_client is not None:
            self._fleet_client.close()
            self._fleet_client = None
        if self.fleet is not None:
            if self.fleet.started and not self.fleet.stopped:
                code = self.fleet.stop()
                if code != 0:
                    failures.append(f"lending fleet exit status {code} "
                                    f"after SIGTERM\n"
                                    f"{self.fleet.log_tail()}")
            self.fleet = None
        if self.bus is not None:
            self.bus.stop()
            self.bus = None
        return failures
