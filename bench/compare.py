#!/usr/bin/python3
"""Two trees' benchmarks side by side, in one run.

    /usr/bin/python3 bench/compare.py OLD_TREE NEW_TREE [--rounds 5] [--runs 21]

Each tree must be built (``ninja -C TREE/build``).  Every round runs
each benchmark once from each tree, the order alternating between
rounds so that a machine slowing down or speeding up during the run
falls on both alike.  Each invocation reports its own median of
``--runs`` repetitions; the table gives, per tree, the median, minimum
and maximum of those medians over the rounds, and the ratio of the
medians (new / old: below 1 is faster).

The benchmarks are the tree's own programs: ``build/bench/bench-core``
(the band model alone: 30 band days, a 14-day fetch), and
``bench/bench_sync.py`` and ``bench/bench_life.py`` against the tree's
emulator (end to end over the socket and D-Bus).
"""

import argparse
import platform
import re
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

CORE_LINE = re.compile(r"^(life|fetch)\s+median\s+([0-9.]+) ms")
TABLE_ROW = re.compile(r"^\| ([^|]+) \| \d+ \| ([0-9.]+) ms \|")


def bench_core(tree: Path, runs: int) -> dict:
    out = run([str(tree / "build" / "bench" / "bench-core"),
               str(tree / "profiles" / "miband4.ini"), str(runs)], tree)
    return {f"bench-core {m.group(1)}": float(m.group(2))
            for m in map(CORE_LINE.match, out.splitlines()) if m}


def python_bench(script: str, args: list, label: str):
    def measure(tree: Path, runs: int) -> dict:
        out = run(["/usr/bin/python3", f"bench/{script}", "--runs", str(runs),
                   "--binary", str(tree / "build" / "emulator" / "bandsim")]
                  + args, tree)
        rows = [m for m in map(TABLE_ROW.match, out.splitlines()) if m]
        if len(rows) != 1:
            sys.exit(f"{script} {args} in {tree}: expected one result row:\n{out}")
        return {label: float(rows[0].group(2))}
    return measure


BENCHMARKS = [
    bench_core,
    python_bench("bench_sync.py", [], "sync 14 days, MTU 247, acked"),
    python_bench("bench_sync.py", ["--mtu", "23"], "sync 14 days, MTU 23"),
    python_bench("bench_sync.py", ["--days", "0"], "sync fixed cost (0 days)"),
    python_bench("bench_life.py", [], "life: AdvanceClock(30 days)"),
]


def run(cmd: list, cwd: Path) -> str:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          timeout=900)
    if done.returncode:
        sys.exit(f"{shlex.join(cmd)} in {cwd} failed ({done.returncode}):\n"
                 f"{done.stdout}{done.stderr}")
    return done.stdout


def git_rev(tree: Path) -> str:
    done = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)
    return done.stdout.strip() or "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=21,
                        help="repetitions inside each invocation (default 21)")
    opt = parser.parse_args()
    trees = {"old": opt.old.resolve(), "new": opt.new.resolve()}
    medians = {}            # label -> {"old": [...], "new": [...]}
    for r in range(opt.rounds):
        order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
        for bench in BENCHMARKS:
            for which in order:
                for label, ms in bench(trees[which], opt.runs).items():
                    medians.setdefault(label, {"old": [], "new": []})[which].append(ms)
        print(f"round {r + 1}/{opt.rounds} done", file=sys.stderr)

    print(f"Command: `/usr/bin/python3 bench/compare.py {opt.old} {opt.new} "
          f"--rounds {opt.rounds} --runs {opt.runs}`\n")
    print(f"Machine: `{' '.join(platform.uname())}`, Python {platform.python_version()}\n")
    print(f"old = `{git_rev(trees['old'])}`, new = `{git_rev(trees['new'])}`; "
          f"each cell: the median, min and max over {opt.rounds} rounds of an "
          f"invocation's median of {opt.runs} runs\n")
    print("| benchmark | old median | old min–max | new median | new min–max | new / old |")
    print("|---|---|---|---|---|---|")
    for label, by in medians.items():
        old, new = by["old"], by["new"]
        ratio = statistics.median(new) / statistics.median(old)
        print(f"| {label} | {statistics.median(old):.3f} ms | {min(old):.3f}–{max(old):.3f} | "
              f"{statistics.median(new):.3f} ms | {min(new):.3f}–{max(new):.3f} | {ratio:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
