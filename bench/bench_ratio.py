#!/usr/bin/python3
"""The emulator's own cost of band life against the band model alone,
measured side by side in one run.

    /usr/bin/python3 bench/bench_ratio.py [--rounds 5] [--runs 7] [--check]

Both simulate 30 band days on a fresh band.  The core: ``bench-core``
(the band model linked directly, a fake clock, nothing around it).  The
emulator: ``bandsim`` with its control plane on a private bus, moved on
by ``AdvanceClock`` as a test does, every event it sends received by the
suite's own control client.  What is compared is CPU time, not wall
time: the core's is its process's; the emulator's is the sum over its
threads (``/proc/PID/task/*/schedstat``) from just before the call to its
reply.  A busy machine stretches wall time, and stretches a chain of
processes more than one, but leaves CPU time nearly alone, so the ratio
means the same in CI, beside the VM, as on an idle machine.

Each round runs both, the order alternating between rounds, and takes
the ratio of their medians; the result is the median, minimum and maximum
over the rounds.  ``--check`` fails (exit 1) when the median ratio is
more than twice the one recorded in ``bench/ratios.ini``: that is what
four times the edge overhead looked like when it crept in unnoticed
(docs/benchmarks.md).
"""

import argparse
import configparser
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import benchlib

DAYS = 30
RATIOS = Path(__file__).resolve().parent / "ratios.ini"
CORE_CPU = re.compile(r"^life-cpu\s+median\s+([0-9.]+) ms")


def thread_cpu_s(pid: int) -> float:
    """CPU time of every thread of pid so far (seconds)."""
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
        before = thread_cpu_s(band.pid)
        control.advance_clock(DAYS * benchlib.DAY, timeout=120.0)
        times.append(thread_cpu_s(band.pid) - before)
        control.drain()
        if control.get("Clock") != want:
            sys.exit(f"band clock {control.get('Clock')}, expected {want}")
        bench.stop_band(band)
    return statistics.median(times) * 1000


def recorded() -> float:
    parser = configparser.ConfigParser()
    parser.read(RATIOS, encoding="utf-8")
    return parser.getfloat("life", "emulator-over-core")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--binary", help="emulator (default: the build's)")
    parser.add_argument("--core", help="bench-core (default: the build's)")
    parser.add_argument("--check", action="store_true",
                        help=f"fail at twice the ratio in {RATIOS.name}")
    args = parser.parse_args()
    binary = benchlib.binary_path(args.binary)
    core = Path(args.core) if args.core else \
        binary.parent.parent / "bench" / "bench-core"
    rows = []
    start = time.monotonic()
    with benchlib.Bench(binary) as bench:
        for r in range(args.rounds):
            if r % 2:
                emu = emulator_cpu_ms(bench, args.runs)
                cor = core_cpu_ms(core, args.runs)
            else:
                cor = core_cpu_ms(core, args.runs)
                emu = emulator_cpu_ms(bench, args.runs)
            rows.append((cor, emu, emu / cor))
    ratios = [row[2] for row in rows]
    ratio = statistics.median(ratios)
    print(benchlib.report(
        "bench_ratio", [{
            "what": f"CPU for {DAYS} band days",
            "rounds": len(rows),
            "core (median of medians)":
                f"{statistics.median(r[0] for r in rows):.1f} ms",
            "emulator (median of medians)":
                f"{statistics.median(r[1] for r in rows):.1f} ms",
            "emulator / core: median": f"{ratio:.2f}",
            "min": f"{min(ratios):.2f}", "max": f"{max(ratios):.2f}"}],
        ["Per round (core ms, emulator ms, ratio): " + "; ".join(
            f"{c:.1f}, {e:.1f}, {q:.2f}" for c, e, q in rows),
         f"Took {time.monotonic() - start:.1f} s."]))
    if args.check:
        limit = 2 * recorded()
        if ratio > limit:
            print(f"bench_ratio: the emulator took {ratio:.2f} times the "
                  f"core's CPU for band life; {RATIOS.name} records "
                  f"{recorded():.2f}, and twice that is the limit",
                  file=sys.stderr)
            return 1
        print(f"bench_ratio: {ratio:.2f} is within twice the recorded "
              f"{recorded():.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
