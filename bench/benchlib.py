"""What the benchmarks share: the conformance package, a band on a
private bus, the machine description and the markdown report.

Each benchmark prints the exact command line and the machine next to
its numbers, so a figure pasted into docs/benchmarks.md says where it
came from.
"""

import argparse
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "conformance"))

from bandsim.harness.bus import PrivateBus  # noqa: E402
from bandsim.harness.control import ControlClient  # noqa: E402
from bandsim.harness.process import BandProcess  # noqa: E402
from bandsim.harness.suite import CLOCK_START, TEST_KEY  # noqa: E402
from bandsim.protocol.profile import DEFAULT_PATH  # noqa: E402

DEFAULT_BINARY = REPO / "build" / "emulator" / "bandsim"
DAY = 86400


def phone(att, timeout: float = 30.0, mtu: int = 247):
    """What a phone app does on a new link before it syncs (Gadgetbridge's
    sequence): the MTU exchange, Huami auth with the suite's key, notifications
    on.  Returns the FetchClient, ready."""
    from bandsim.clients.auth import HuamiClient
    from bandsim.clients.fetch import FetchClient

    att.exchange_mtu(mtu)
    huami = HuamiClient(att)
    huami.enable_notifications()
    huami.authenticate(TEST_KEY)
    fetch = FetchClient(att, timeout=timeout)
    fetch.enable_notifications()
    return fetch


def binary_path(arg) -> Path:
    """The emulator: --binary, else $BANDSIM, else the build's."""
    binary = Path(arg or os.environ.get("BANDSIM", DEFAULT_BINARY))
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        sys.exit(f"emulator binary not found or not executable: {binary}")
    # Absolute: the suite's self-tests run pytest again in directories
    # of their own, with this path in BANDSIM.
    return binary.resolve()


def arguments(doc: str, runs: int = None) -> argparse.ArgumentParser:
    """The command line every benchmark starts from: described by the
    first line of its docstring, --binary for binary_path() and, given
    its default, --runs (how many times it measures)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    if runs is not None:
        parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--binary", help="the emulator (default: $BANDSIM, "
                                         "else the build's)")
    return parser


class Bench:
    """A private bus and the bands started on it, all cleaned up on exit."""

    def __init__(self, binary: Path):
        self.binary = binary
        self.bus = PrivateBus()
        self.dir = None
        self.control = None
        self.bands = []
        self.closing = []           # more control clients to close

    def __enter__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="bandsim-bench-"))
        self.bus.start()
        return self

    def start_band(self, auth_key=TEST_KEY, extra_args=(),
                   clock_rate=0) -> BandProcess:
        """A fresh band (new state dir), clock at CLOCK_START, frozen
        unless clock_rate says otherwise."""
        workdir = Path(tempfile.mkdtemp(prefix="b", dir=self.dir))
        band = BandProcess(self.binary, DEFAULT_PATH, workdir,
                           control_address=self.bus.address,
                           clock_rate=clock_rate,
                           clock_start=CLOCK_START, auth_key=auth_key,
                           extra_args=["--quiet", *extra_args])
        self.bands.append(band)
        band.start()
        if self.control is None:
            self.control = ControlClient(self.bus.address, timeout=60.0)
        return band

    def stop_band(self, band: BandProcess) -> None:
        code = band.stop()
        if code != 0:
            raise RuntimeError(f"emulator exit status {code}\n"
                               f"{band.log_tail()}")

    def __exit__(self, *exc):
        for band in self.bands:
            if band.started and not band.stopped:
                band.stop()
        for client in [self.control, *self.closing]:
            if client is not None:
                client.close()
        self.bus.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def thread_cpu_s(pid: int) -> float:
    """CPU time of every thread of pid so far (seconds, from the
    scheduler's nanoseconds, not clock ticks)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat",
                      encoding="ascii") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            # A thread that ended between the listing and the read.
            continue
    return total / 1e9


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    """A field of /proc/PID/status in KB: VmRSS, or VmHWM (the peak)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def machine() -> dict:
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True,
                           check=False).stdout.strip()
    return {"uname": uname or platform.platform(),
            "nproc": os.cpu_count(),
            "cpu": cpu or platform.processor() or "unknown",
            "python": platform.python_version()}


def command_line() -> str:
    return shlex.join([sys.executable] + sys.argv)


def summary(times) -> dict:
    return {"median": statistics.median(times), "min": min(times),
            "max": max(times), "runs": len(times)}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def timed_report(title: str, what: str, times, rate: tuple, timed: str,
                 goal_s: float, goal: str) -> str:
    """The report of one timed measurement: a row with the runs and the
    median, min and max time, and a rate at the median (rate: its column
    and how many units one run moved); notes say what was timed, whether
    the median met the goal (goal_s for `goal`) and every run."""
    stats = summary(times)
    column, units = rate
    row = {"what": what, "runs": stats["runs"],
           "median": ms(stats["median"]), "min": ms(stats["min"]),
           "max": ms(stats["max"]),
           column: f"{units / stats['median']:,.0f}"}
    met = "met" if stats["median"] <= goal_s else "NOT met"
    return report(title, [row], [
        f"Timed: {timed}. Goal ≤ {goal_s * 1000:.0f} ms for {goal}: {met} "
        f"(median).",
        "Per run (ms): " + ", ".join(f"{t * 1000:.1f}" for t in times)])


def report(title: str, rows, notes=()) -> str:
    """The markdown snippet: command, machine, results table."""
    m = machine()
    lines = [f"### {title}", "",
             f"Command: `{command_line()}`", "",
             f"Machine: `{m['uname']}`, {m['nproc']} CPUs, {m['cpu']}, "
             f"Python {m['python']}", ""]
    header = list(rows[0])
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for row in rows:
        lines.append("| " + " | ".join(str(row[k]) for k in header) + " |")
    lines += [""] + [f"{note}" for note in notes]
    return "\n".join(lines).rstrip() + "\n"
