"""Run a fleet: many bands in one emulator process (`bandsim fleet`,
docs/fleet.md).

Band K has its socket DIR/band-K.sock, its state directory DIR/band-K and
its control object /io/bandsim/band/K; io.bandsim.Fleet1 on /io/bandsim
adds, kills, starts and removes bands.  The fleet writes its bands'
status lines to one pipe, each tagged "band/K LINE", and READY=1 once
every band is up.  A FleetBand is band K as the scenarios' helpers use a
band (connect, disconnect, wait_dropped), so the same sync and auth
helpers drive one band of a fleet.
"""

import os
from pathlib import Path

from ..link.deadline import as_deadline
from ..link.sock import AttClient
from .process import BandProcess, StatusBand

FLEET_PATH = "/io/bandsim"
FLEET_INTERFACE = "io.bandsim.Fleet1"


def band_path(k: int) -> str:
    """Band K's io.bandsim.Band1 object."""
    return f"/io/bandsim/band/{k}"


class FleetBand(StatusBand):
    """Band K of a running fleet."""

    def __init__(self, fleet: "FleetProcess", k: int):
        self.fleet = fleet
        self.k = k
        self.socket_path = fleet.dir / f"band-{k}.sock"
        self.state_dir = fleet.dir / f"band-{k}"
        self.path = band_path(k)

    @property
    def status_timeout(self) -> float:
        return self.fleet.status_timeout

    def wait_status(self, line: str, timeout=None) -> None:
        self.fleet.wait_status(f"band/{self.k} {line}", timeout)

    def pending(self, line: str) -> int:
        return self.fleet.pending(f"band/{self.k} {line}")

    def connect(self, timeout: float = None) -> AttClient:
        """Open a link and wait until the band reports it."""
        deadline = as_deadline(timeout, self.status_timeout)
        client = AttClient.connect(self.socket_path, deadline.seconds)
        try:
            self.wait_status("CONNECTED=1", deadline)
        except BaseException:
            client.close()
            raise
        return client

    def log_tail(self, size: int = 4000) -> str:
        return self.fleet.log_tail(size)


class FleetProcess(BandProcess):
    """One `bandsim fleet` process: its bands, its status pipe."""

    def __init__(self, binary, profile, workdir, count: int,
                 control_address=None, clock_rate=None, clock_start=None,
                 auth_key=None, extra_args=(), env=None, wrapper=()):
        super().__init__(binary, profile, workdir,
                         control_address=control_address,
                         clock_rate=clock_rate, clock_start=clock_start,
                         auth_key=auth_key, extra_args=extra_args, env=env,
                         wrapper=wrapper)
        self.count = count
        self.dir = Path(workdir) / "fleet"

    def where(self) -> list:
        """A fleet is `bandsim fleet`, its bands under dir."""
        return ["fleet", "--count", str(self.count), "--dir", str(self.dir)]

    def start(self, timeout: float = None, advertising: bool = False) -> None:
        """Start and wait for the fleet's READY=1: every band listens."""
        super().start(timeout, advertising=False)

    def discard_status(self) -> None:
        """From now on read the status pipe only to empty it, in a
        thread of its own: a fleet's bands write three lines a link, and
        a pipe nobody reads (a benchmark's, a soak's) fills up and stops
        the whole fleet at its next line.  wait_status() is over."""
        import threading

        fd = self._status_fd

        def drain():
            try:
                while os.read(fd, 65536):
                    pass
            except OSError:
                pass

        self._status_fd = None
        self._drain_fd = fd
        self._drain = threading.Thread(target=drain, daemon=True)
        self._drain.start()

    def _close_fds(self) -> None:
        super()._close_fds()
        fd = getattr(self, "_drain_fd", None)
        if fd is not None:
            # The fleet has exited: the reader sees EOF and ends, and
            # only then is its fd closed (a number the next open reuses).
            self._drain.join()
            self._drain_fd = None
            os.close(fd)

    def band(self, k: int) -> FleetBand:
        return FleetBand(self, k)
