#!/usr/bin/python3
"""The emulator's own costs against a baseline, each measured side by
side in one run: band life against the band model alone, and a band's
sync in a fleet against a band alone.

    /usr/bin/python3 bench/bench_ratio.py [--rounds 5] [--runs 7]
        [--fleet 128] [--days 3] [--check]

Life: both simulate 30 band days on a fresh band.  The core:
``bench-core`` (the band model linked directly, a fake clock, nothing
around it).  The emulator: ``bandsim`` with its control plane on a
private bus, moved on by ``AdvanceClock`` as a test does, every event it
sends received by the suite's own control client.  Each round runs both,
the order alternating between rounds, and takes the ratio of their
medians over --runs.

Fleet: a fleet of one band and a fleet of --fleet bands, each band
having lived --days days, are synced by bench-pool (bench_fleet.py's
sync, every sample checked); the ratio is the fleet's CPU per band
against the one band's CPU.  A main loop that grows a cost with the
number of bands (a scan of every band per packet, say) raises it.

What is compared is CPU time, not wall time: the sum over the
emulator's threads (``/proc/PID/task/*/schedstat``) across the call or
the sync, and bench-core's own.  A busy machine stretches wall time,
and stretches a chain of processes more than one, but leaves CPU time
nearly alone, so the ratios mean the same in CI, beside the VM, as on
an idle machine.  Each result is the median, minimum and maximum over
--rounds.  ``--check`` fails (exit 1) when a median ratio is more than
twice the one recorded in ``bench/ratios.ini``: that is what four times
the edge overhead looked like when it crept in unnoticed
(docs/benchmarks.md).
"""

import configparser
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import benchlib
from bench_fleet import Fleet, c_pool_sync

DAYS = 30
RATIOS = Path(__file__).resolve().parent / "ratios.ini"
CORE_CPU = re.compile(r"^life-cpu\s+median\s+([0-9.]+) ms")


def core_cpu_ms(core: Path, runs: int) -> float:
    out = subprocess.run([str(core), str(benchlib.DEFAULT_PATH),
                          str(runs)], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        m = CORE_CPU.match(line)
        if m:
            return float(m.group(1))
    sys.exit(f"{core}: no life-cpu line in:\n{out}")


def emulator_cpu_ms(bench: benchlib.Bench, runs: int) -> float:
    times = []
    want = (benchlib.CLOCK_START + DAYS * benchlib.DAY) * 1000
    for _ in range(runs):
        band = bench.start_band()
        control = bench.control
        control.get("Clock")        # the band answers: it is up
        before = benchlib.thread_cpu_s(band.pid)
        control.advance_clock(DAYS * benchlib.DAY, timeout=120.0)
        times.append(benchlib.thread_cpu_s(band.pid) - before)
        control.drain()
        if control.get("Clock") != want:
            sys.exit(f"band clock {control.get('Clock')}, expected {want}")
        bench.stop_band(band)
    return statistics.median(times) * 1000


def fleet_cpu_per_band_ms(binary, bus, root, pool, count: int,
                          days: float) -> float:
    """A fleet of count bands, each lived days: its CPU over their sync
    by bench-pool, a band (ms)."""
    fleet = Fleet(binary, bus, count, root)
    fleet.start()
    fleet.advance(days * benchlib.DAY)
    truth = fleet.truth()
    before = benchlib.thread_cpu_s(fleet.process.pid)
    _, got = c_pool_sync(pool, sorted(truth))
    cpu = benchlib.thread_cpu_s(fleet.process.pid) - before
    fleet.stop()
    if got != truth:
        sys.exit(f"fleet of {count}: a band synced other samples than "
                 f"it logged")
    return cpu / count * 1000


def recorded(section: str, key: str) -> float:
    parser = configparser.ConfigParser()
    parser.read(RATIOS, encoding="utf-8")
    return parser.getfloat(section, key)


def row(what: str, base: str, cost: str, rows) -> dict:
    ratios = [r[2] for r in rows]
    return {"what": what, "rounds": len(rows),
            "baseline: median": f"{base}, "
            f"{statistics.median(r[0] for r in rows):.2f} ms",
            "measured: median": f"{cost}, "
            f"{statistics.median(r[1] for r in rows):.2f} ms",
            "ratio: median": f"{statistics.median(ratios):.2f}",
            "min": f"{min(ratios):.2f}", "max": f"{max(ratios):.2f}"}


def main() -> int:
    parser = benchlib.arguments(__doc__, runs=7)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fleet", type=int, default=128,
                        help="bands in the fleet of the fleet ratio")
    parser.add_argument("--days", type=float, default=3,
                        help="days each band of the fleet ratio lived")
    parser.add_argument("--core", help="bench-core (default: the build's)")
    parser.add_argument("--check", action="store_true",
                        help=f"fail at twice a ratio in {RATIOS.name}")
    args = parser.parse_args()
    binary = benchlib.binary_path(args.binary)
    core = Path(args.core) if args.core else \
        binary.parent.parent / "bench" / "bench-core"
    pool = binary.parent.parent / "bench" / "bench-pool"
    life, fleet = [], []
    start = time.monotonic()
    with benchlib.Bench(binary) as bench:
        for r in range(args.rounds):
            if r % 2:
                emu = emulator_cpu_ms(bench, args.runs)
                cor = core_cpu_ms(core, args.runs)
            else:
                cor = core_cpu_ms(core, args.runs)
                emu = emulator_cpu_ms(bench, args.runs)
            life.append((cor, emu, emu / cor))
            one = fleet_cpu_per_band_ms(binary, bench.bus, bench.dir, pool,
                                        1, args.days)
            many = fleet_cpu_per_band_ms(binary, bench.bus, bench.dir, pool,
                                         args.fleet, args.days)
            fleet.append((one, many, many / one))
    print(benchlib.report("bench_ratio", [
        row(f"CPU for {DAYS} band days", "core", "emulator", life),
        row(f"CPU a band for its sync, {args.days:g} days logged",
            "one band", f"a band of {args.fleet}", fleet)],
        ["Per round, life (core ms, emulator ms, ratio): " + "; ".join(
            f"{c:.1f}, {e:.1f}, {q:.2f}" for c, e, q in life),
         "Per round, fleet (one band ms, a band of the fleet ms, ratio): "
         + "; ".join(f"{o:.2f}, {m:.2f}, {q:.2f}" for o, m, q in fleet),
         f"Took {time.monotonic() - start:.1f} s."]))
    failed = False
    for name, rows, section, key in (
            ("band life, emulator against core", life, "life",
             "emulator-over-core"),
            ("a sync, a band of a fleet against a band alone", fleet,
             "fleet", "band-of-fleet-over-one")):
        ratio, was = statistics.median(r[2] for r in rows), \
            recorded(section, key)
        if not args.check:
            continue
        if ratio > 2 * was:
            print(f"bench_ratio: {name}: {ratio:.2f}; {RATIOS.name} "
                  f"records {was:.2f}, and twice that is the limit",
                  file=sys.stderr)
            failed = True
        else:
            print(f"bench_ratio: {name}: {ratio:.2f} is within twice the "
                  f"recorded {was:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
