#!/usr/bin/python3
"""A fleet of bands in one emulator process (`bandsim fleet`,
docs/fleet.md): how its cost grows with the number of bands.

    /usr/bin/python3 bench/bench_fleet.py [--bands 1000] [--days 14]
        [--curve 1,10,100,1000] [--idle 10000] [--processes 50]
        [--workers 2] [--threads 8] [--dir DIR]

Sync: a fleet of N bands, every band bound to the suite's key, its clock
frozen, lives --days days at once (Fleet1.AdvanceClock, timed on its
own).  Then every band is synced by a client pool: --workers processes,
each with --threads threads, each thread taking the next band: ATT
connect, MTU 247, Huami auth, notifications on, every fetch round until
count 0, each acked (bench_sync.py's sequence, the suite's own clients).
Timed: from the pool's start to the last band's last ack.  Every sample
is checked: each band's samples as the pool saved them, timestamps and
bytes, hashed in order, against the same hash of the band's own log
(GetSamples, read before the sync, not timed); a sample lost, twice or
changed fails the run.  Peak RSS is the fleet process's VmHWM.

Idle: a fleet of N bands started and left alone: the time from exec to
the fleet's READY=1 and its RSS; the RSS per band beyond the first is
(RSS(N) - RSS(1)) / (N - 1).

Processes: the same N bands as N `bandsim` processes, side by side with
a fleet of N in one run: the sum of their RSS against the fleet's.
"""

import argparse
import concurrent.futures
import hashlib
import multiprocessing
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib
from bandsim.clients.fetch import SyncState
from bandsim.harness.bus import PrivateBus
from bandsim.harness.control import ControlClient
from bandsim.harness.process import BandProcess
from bandsim.harness.fleet import (FLEET_INTERFACE, FLEET_PATH, FleetProcess,
                                   band_path)
from bandsim.link.sock import AttClient

GOAL_SYNC_S = 10.0
GOAL_PEAK_MB = 200
GOAL_IDLE_KB = 100
START_TIMEOUT = 900.0


def digest(samples) -> str:
    """SHA-256 over every (timestamp, 4 bytes), in order."""
    h = hashlib.sha256()
    for ts, data in samples:
        h.update(struct.pack("<Q", ts) + bytes(data))
    return h.hexdigest()


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


# ------------------------------------------------------------- the pool

def sync_one(socket_path: str) -> tuple:
    """One phone's sync of one band: (samples, digest)."""
    att = AttClient.connect(socket_path, 30.0)
    try:
        fetch = benchlib.phone(att, timeout=60.0)
        state = SyncState(benchlib.CLOCK_START - benchlib.DAY)
        fetch.sync(state, ack=True, timeout=300.0)
    finally:
        att.close()
    return len(state.samples), digest(state.samples)


def worker(sockets: list, threads: int, start, out) -> None:
    """A pool process: its bands, threads at a time, after the start
    signal; what each band gave to the out queue."""
    start.wait()
    try:
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            results = dict(zip(sockets, pool.map(sync_one, sockets)))
    except BaseException as exc:  # noqa: B902 - reported, not lost
        out.put({"error": f"{type(exc).__name__}: {exc}"})
        raise
    out.put(results)


def pool_sync(sockets: list, workers: int, threads: int) -> tuple:
    """(seconds, {socket: (count, digest)}) for every band at once."""
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    out = ctx.Queue()
    procs = [ctx.Process(target=worker,
                         args=(sockets[w::workers], threads, start, out))
             for w in range(workers)]
    for p in procs:
        p.start()
    began = time.perf_counter()
    start.set()
    results = {}
    for _ in procs:
        results.update(out.get(timeout=600))
        if "error" in results:
            for p in procs:
                p.kill()
            sys.exit(f"the client pool failed: {results['error']}")
    elapsed = time.perf_counter() - began
    for p in procs:
        p.join()
        if p.exitcode:
            sys.exit(f"a pool process failed (exit {p.exitcode})")
    return elapsed, results


# ------------------------------------------------------------- the fleet

class Fleet:
    """A fleet on a private bus in a directory of its own."""

    def __init__(self, binary, bus, count: int, root: Path):
        self.workdir = Path(tempfile.mkdtemp(prefix="fleet", dir=root))
        self.process = FleetProcess(binary, benchlib.DEFAULT_PATH,
                                    self.workdir, count,
                                    control_address=bus.address,
                                    clock_rate=0,
                                    clock_start=benchlib.CLOCK_START,
                                    auth_key=benchlib.TEST_KEY,
                                    extra_args=["--quiet"])
        self.bus = bus
        self.count = count

    def start(self) -> float:
        began = time.perf_counter()
        self.process.start(timeout=START_TIMEOUT)
        elapsed = time.perf_counter() - began
        self.process.discard_status()
        return elapsed

    def advance(self, seconds: float) -> float:
        began = time.perf_counter()
        with ControlClient(self.bus.address, path=FLEET_PATH,
                           timeout=START_TIMEOUT) as fleet:
            fleet.call("AdvanceClock", "(d)", float(seconds),
                       interface=FLEET_INTERFACE)
        return time.perf_counter() - began

    def truth(self) -> dict:
        """{socket: (count, digest)} of every band's own log; each band
        charged full first: a fortnight off the charger leaves some
        wearers' bands low enough to drop a sync (the low-battery
        policy, docs/policies.md), which is a scenario, not this
        benchmark."""
        truth = {}
        for k in range(1, self.count + 1):
            with ControlClient(self.bus.address, path=band_path(k),
                               timeout=60.0) as control:
                control.set_battery(100)
                samples = control.get_samples(0, 1 << 63)
            truth[str(self.process.band(k).socket_path)] = (
                len(samples), digest(samples))
        return truth

    def stop(self) -> None:
        code = self.process.stop(timeout=START_TIMEOUT)
        if code:
            sys.exit(f"fleet exit status {code}\n{self.process.log_tail()}")
        shutil.rmtree(self.workdir, ignore_errors=True)


def measure_sync(binary, bus, root, count, days, workers, threads) -> dict:
    fleet = Fleet(binary, bus, count, root)
    started = fleet.start()
    lived = fleet.advance(days * benchlib.DAY)
    truth = fleet.truth()
    expected = round(days * 1440)
    bad = [s for s, (n, _) in truth.items() if n != expected]
    if bad:
        sys.exit(f"{len(bad)} bands did not log {expected} samples")
    seconds, got = pool_sync(sorted(truth), workers, threads)
    wrong = [s for s in truth if got.get(s) != truth[s]]
    peak = rss_kb(fleet.process.pid, "VmHWM")
    fleet.stop()
    if wrong:
        sys.exit(f"{len(wrong)} of {count} bands synced wrong, first "
                 f"{wrong[0]}: got {got.get(wrong[0])}, log {truth[wrong[0]]}")
    return {"bands": count, "start": started, "live": lived,
            "sync": seconds, "peak_kb": peak,
            "samples": count * expected}


def measure_idle(binary, bus, root, count) -> dict:
    fleet = Fleet(binary, bus, count, root)
    started = fleet.start()
    rss = rss_kb(fleet.process.pid)
    fleet.stop()
    return {"bands": count, "start": started, "rss_kb": rss}


def measure_processes(binary, bus, root, count) -> dict:
    """count bandsim processes, each a band alone (no control plane, as
    the fleet of measure_idle() has one bus connection for all): their
    RSS summed."""
    bands, rss = [], 0
    began = time.perf_counter()
    try:
        for _ in range(count):
            band = BandProcess(binary, benchlib.DEFAULT_PATH,
                               tempfile.mkdtemp(prefix="p", dir=root),
                               clock_rate=0,
                               clock_start=benchlib.CLOCK_START,
                               auth_key=benchlib.TEST_KEY,
                               extra_args=["--quiet"])
            bands.append(band)
            band.start()
        started = time.perf_counter() - began
        rss = sum(rss_kb(band.pid) for band in bands)
    finally:
        for band in bands:
            if band.started and not band.stopped:
                band.stop()
    return {"bands": count, "start": started, "rss_kb": rss}


def table(rows) -> list:
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(r[k]) for k in header) + " |"
              for r in rows]
    return lines + [""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bands", type=int, default=1000)
    parser.add_argument("--days", type=float, default=14)
    parser.add_argument("--curve", default="1,10,100,1000",
                        help="fleet sizes for the idle and sync curves")
    parser.add_argument("--idle", type=int, default=10000,
                        help="the largest idle fleet (0: none)")
    parser.add_argument("--processes", type=int, default=50,
                        help="bands as processes, beside a fleet of as "
                             "many (0: none)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--dir", help="where the fleets live (default: "
                                      "$TMPDIR)")
    parser.add_argument("--binary", help="emulator (default: the build's)")
    args = parser.parse_args()
    binary = benchlib.binary_path(args.binary)
    root = Path(tempfile.mkdtemp(prefix="bandsim-fleet-", dir=args.dir))
    fs = subprocess.run(["stat", "-f", "-c", "%T", str(root)],
                        capture_output=True, text=True).stdout.strip()
    sizes = sorted({int(n) for n in args.curve.split(",")} | {args.bands})
    idle_sizes = sorted(set(sizes) | {1} | ({args.idle} if args.idle else set()))
    bus = PrivateBus()
    bus.start()
    idle, synced, side = {}, {}, None
    try:
        for n in idle_sizes:
            idle[n] = measure_idle(binary, bus, root, n)
        for n in sizes:
            synced[n] = measure_sync(binary, bus, root, n, args.days,
                                     args.workers, args.threads)
        if args.processes:
            side = (measure_processes(binary, bus, root, args.processes),
                    measure_idle(binary, bus, root, args.processes))
    finally:
        bus.stop()
        shutil.rmtree(root, ignore_errors=True)
    one = idle[idle_sizes[0]]["rss_kb"]
    idle_rows = [{
        "bands": f"{n:,}", "start": f"{r['start']:.2f} s",
        "start per band": f"{r['start'] / n * 1000:.2f} ms",
        "RSS": f"{r['rss_kb'] / 1024:.1f} MB",
        "RSS per band beyond the first":
            f"{(r['rss_kb'] - one) / (n - 1):.1f} KB" if n > 1 else "—",
    } for n, r in idle.items()]
    sync_rows = [{
        "bands": f"{n:,}", "samples": f"{r['samples']:,}",
        "live (AdvanceClock)": f"{r['live']:.2f} s",
        "sync": f"{r['sync']:.2f} s",
        "sync per band": f"{r['sync'] / n * 1000:.2f} ms",
        "samples/s": f"{r['samples'] / r['sync']:,.0f}",
        "peak RSS": f"{r['peak_kb'] / 1024:.1f} MB",
        "peak RSS per band": f"{r['peak_kb'] / n:.0f} KB",
    } for n, r in synced.items()]
    m = benchlib.machine()
    lines = ["### bench_fleet", "",
             f"Command: `{benchlib.command_line()}`", "",
             f"Machine: `{m['uname']}`, {m['nproc']} CPUs, {m['cpu']}, "
             f"Python {m['python']}; fleets on {fs or 'an unknown fs'}; "
             f"client pool {args.workers} processes × {args.threads} "
             f"threads (the suite's own clients)", "",
             "Idle fleets (exec to READY=1, RSS after it):", ""]
    lines += table(idle_rows)
    lines += [f"Fleets whose bands each lived {args.days:g} days, all synced "
              f"at once (every sample checked):", ""]
    lines += table(sync_rows)
    if side:
        procs, fleet = side
        lines += [f"{args.processes} bands side by side: "
                  f"{args.processes} processes, RSS "
                  f"{procs['rss_kb'] / 1024:.1f} MB, start "
                  f"{procs['start']:.2f} s; one fleet, RSS "
                  f"{fleet['rss_kb'] / 1024:.1f} MB, start "
                  f"{fleet['start']:.2f} s: processes/fleet "
                  f"{procs['rss_kb'] / fleet['rss_kb']:.1f}× the memory, "
                  f"{procs['start'] / fleet['start']:.1f}× the start time.",
                  ""]
    big = synced[args.bands]
    goals = [f"sync ≤ {GOAL_SYNC_S:.0f} s: {big['sync']:.2f} s "
             f"({'met' if big['sync'] <= GOAL_SYNC_S else 'NOT met'})",
             f"peak RSS ≤ {GOAL_PEAK_MB} MB: {big['peak_kb'] / 1024:.1f} MB "
             f"({'met' if big['peak_kb'] <= GOAL_PEAK_MB * 1024 else 'NOT met'})"]
    if args.bands in idle and args.bands > 1:
        per = (idle[args.bands]["rss_kb"] - one) / (args.bands - 1)
        goals.append(f"idle RSS per band ≤ {GOAL_IDLE_KB} KB: {per:.1f} KB "
                     f"({'met' if per <= GOAL_IDLE_KB else 'NOT met'})")
    lines.append(f"Goals for {args.bands:,} bands: " + "; ".join(goals) + ".")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
