#!/usr/bin/python3
"""A fleet of bands in one emulator process (`bandsim fleet`,
docs/fleet.md): how its cost grows with the number of bands.

    /usr/bin/python3 bench/bench_fleet.py [--bands 1000] [--days 14]
        [--curve 1,10,100,1000] [--idle 10000] [--processes 50]
        [--pool c|python|c,python] [--workers 2] [--threads 8] [--dir DIR]

Sync: a fleet of N bands, every band bound to the suite's key, its clock
frozen, lives --days days at once (Fleet1.AdvanceClock, timed on its
own).  Then every band is synced by a client pool, each phone doing
bench_sync.py's sequence: ATT connect, MTU 247, Huami auth,
notifications on, every fetch round until count 0, each acked.  The
pools: ``c`` is bench-pool (bench/bench-pool.c), every band at once
from one thread of C, so that the clients are not what is measured;
``python`` is the suite's own clients, --workers processes of
--threads threads, each thread taking the next band.  With both, each
syncs a fleet of its own and the report gives their ratio.  Timed: from
the pool's start to the last band's last ack; the fleet's and the
pool's CPU over the same span are given beside it.  Every sample is
checked: each band's samples as the pool got them, timestamps and
bytes, hashed in order, against the same hash of the band's own log
(GetSamples, read before the sync, not timed); a sample lost, twice or
changed fails the run.  Peak RSS is the fleet process's VmHWM.

Idle: a fleet of N bands started and left alone: the time from exec to
the fleet's READY=1 and its RSS; the RSS per band beyond the first is
(RSS(N) - RSS(1)) / (N - 1).

Processes: the same N bands as N `bandsim` processes, side by side with
a fleet of N in one run: the sum of their RSS against the fleet's.
"""

import concurrent.futures
import hashlib
import multiprocessing
import os
import resource
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
from bandsim.protocol import uuids
from bandsim.protocol.profile import default_profile

GOAL_SYNC_S = 10.0
GOAL_PEAK_MB = 200
GOAL_IDLE_KB = 100
START_TIMEOUT = 900.0
POOL_NAMES = {"c": "bench-pool", "python": "python"}


def digest(samples) -> str:
    """SHA-256 over every (timestamp, 4 bytes), in order."""
    h = hashlib.sha256()
    for ts, data in samples:
        h.update(struct.pack("<Q", ts) + bytes(data))
    return h.hexdigest()


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


def c_pool_sync(pool: Path, sockets: list) -> tuple:
    """The same sync by bench-pool (bench/bench-pool.c): every band at
    once from one thread of C, so that the pool is not what is measured.
    (seconds, {socket: (count, digest)}), seconds as the pool timed it
    (first connect to last ack)."""
    profile = default_profile()
    handles = []
    for uuid in (uuids.AUTH, uuids.FETCH_CONTROL, uuids.ACTIVITY_DATA):
        char = profile.by_uuid(uuid)
        handles += [char.value_handle, char.cccd_handle]
    cmd = [str(pool), "--handles", ",".join(map(str, handles)),
           "--key", bytes(benchlib.TEST_KEY).hex(),
           "--since", str(benchlib.CLOCK_START - benchlib.DAY),
           "--mtu", "247", "--timeout", "120"] + sockets
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    results, elapsed, errors = {}, None, []
    for line in done.stdout.splitlines():
        words = line.split()
        if words[0] == "elapsed":
            elapsed = float(words[1])
        elif words[1] == "error":
            errors.append(line)
        else:
            results[words[0]] = (int(words[1]), words[2])
    if done.returncode or errors or elapsed is None:
        sys.exit(f"bench-pool failed (exit {done.returncode}): "
                 f"{'; '.join(errors[:3])} {done.stderr.strip()}")
    return elapsed, results


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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


def measure_sync(binary, bus, root, count, days, pool) -> dict:
    """pool: ("c", bench-pool's path) or ("python", workers, threads)."""
    fleet = Fleet(binary, bus, count, root)
    started = fleet.start()
    lived = fleet.advance(days * benchlib.DAY)
    truth = fleet.truth()
    expected = round(days * 1440)
    bad = [s for s, (n, _) in truth.items() if n != expected]
    if bad:
        sys.exit(f"{len(bad)} bands did not log {expected} samples")
    fleet_cpu = benchlib.thread_cpu_s(fleet.process.pid)
    pool_cpu = children_cpu_s()
    if pool[0] == "c":
        seconds, got = c_pool_sync(pool[1], sorted(truth))
    else:
        seconds, got = pool_sync(sorted(truth), pool[1], pool[2])
    fleet_cpu = benchlib.thread_cpu_s(fleet.process.pid) - fleet_cpu
    pool_cpu = children_cpu_s() - pool_cpu
    wrong = [s for s in truth if got.get(s) != truth[s]]
    peak = benchlib.rss_kb(fleet.process.pid, "VmHWM")
    fleet.stop()
    if wrong:
        sys.exit(f"{len(wrong)} of {count} bands synced wrong, first "
                 f"{wrong[0]}: got {got.get(wrong[0])}, log {truth[wrong[0]]}")
    return {"bands": count, "start": started, "live": lived,
            "sync": seconds, "peak_kb": peak, "pool": pool[0],
            "fleet_cpu": fleet_cpu, "pool_cpu": pool_cpu,
            "samples": count * expected}


def measure_idle(binary, bus, root, count) -> dict:
    fleet = Fleet(binary, bus, count, root)
    started = fleet.start()
    rss = benchlib.rss_kb(fleet.process.pid)
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
        rss = sum(benchlib.rss_kb(band.pid) for band in bands)
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
    parser = benchlib.arguments(__doc__)
    parser.add_argument("--bands", type=int, default=1000)
    parser.add_argument("--days", type=float, default=14)
    parser.add_argument("--curve", default="1,10,100,1000",
                        help="fleet sizes for the idle and sync curves")
    parser.add_argument("--idle", type=int, default=10000,
                        help="the largest idle fleet (0: none)")
    parser.add_argument("--processes", type=int, default=50,
                        help="bands as processes, beside a fleet of as "
                             "many (0: none)")
    parser.add_argument("--pool", default="c",
                        help="client pools, each syncing its own fleet of "
                             "every size: c (bench-pool), python (the "
                             "suite's clients) or c,python side by side")
    parser.add_argument("--workers", type=int, default=2,
                        help="python pool: processes")
    parser.add_argument("--threads", type=int, default=8,
                        help="python pool: threads a process")
    parser.add_argument("--bench-pool", help="bench-pool (default: the "
                                             "build's)")
    parser.add_argument("--dir", help="where the fleets live (default: "
                                      "$TMPDIR)")
    args = parser.parse_args()
    binary = benchlib.binary_path(args.binary)
    pools = []
    for name in args.pool.split(","):
        if name == "c":
            path = Path(args.bench_pool) if args.bench_pool else \
                binary.parent.parent / "bench" / "bench-pool"
            if not os.access(path, os.X_OK):
                sys.exit(f"bench-pool not found or not executable: {path}")
            pools.append(("c", path))
        elif name == "python":
            pools.append(("python", args.workers, args.threads))
        else:
            sys.exit(f"--pool: unknown pool {name!r} (c or python)")
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
            for pool in pools:
                synced[(n, pool[0])] = measure_sync(binary, bus, root, n,
                                                    args.days, pool)
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
        "bands": f"{n:,}", "pool": POOL_NAMES[r["pool"]],
        "samples": f"{r['samples']:,}",
        "live (AdvanceClock)": f"{r['live']:.2f} s",
        "sync": f"{r['sync']:.2f} s",
        "sync per band": f"{r['sync'] / n * 1000:.2f} ms",
        "samples/s": f"{r['samples'] / r['sync']:,.0f}",
        "fleet CPU": f"{r['fleet_cpu']:.2f} s",
        "pool CPU": f"{r['pool_cpu']:.2f} s",
        "peak RSS": f"{r['peak_kb'] / 1024:.1f} MB",
        "peak RSS per band": f"{r['peak_kb'] / n:.0f} KB",
    } for (n, _), r in synced.items()]
    m = benchlib.machine()
    lines = ["### bench_fleet", "",
             f"Command: `{benchlib.command_line()}`", "",
             f"Machine: `{m['uname']}`, {m['nproc']} CPUs, {m['cpu']}, "
             f"Python {m['python']}; fleets on {fs or 'an unknown fs'}; "
             f"client pools: " + ", ".join(
                 "bench-pool (one thread of C, every band at once)"
                 if p[0] == "c" else
                 f"python ({args.workers} processes × {args.threads} "
                 f"threads of the suite's own clients)" for p in pools),
             "",
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
    if len(pools) > 1:
        lines += ["Pools side by side, sync time python / c: " + "; ".join(
            f"{n:,} bands {synced[(n, 'python')]['sync'] / synced[(n, 'c')]['sync']:.1f}×"
            for n in sizes) + ".", ""]
    big = synced[(args.bands, pools[0][0])]
    goals = [f"sync ≤ {GOAL_SYNC_S:.0f} s: {big['sync']:.2f} s "
             f"({'met' if big['sync'] <= GOAL_SYNC_S else 'NOT met'})",
             f"peak RSS ≤ {GOAL_PEAK_MB} MB: {big['peak_kb'] / 1024:.1f} MB "
             f"({'met' if big['peak_kb'] <= GOAL_PEAK_MB * 1024 else 'NOT met'})"]
    if args.bands in idle and args.bands > 1:
        per = (idle[args.bands]["rss_kb"] - one) / (args.bands - 1)
        goals.append(f"idle RSS per band ≤ {GOAL_IDLE_KB} KB: {per:.1f} KB "
                     f"({'met' if per <= GOAL_IDLE_KB else 'NOT met'})")
    lines.append(f"Goals for {args.bands:,} bands (pool: {POOL_NAMES[pools[0][0]]}"
                 f"): " + "; ".join(goals) + ".")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
