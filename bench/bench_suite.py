#!/usr/bin/python3
"""The socket suite's time: wall and CPU of whole runs, configurations
side by side, and what one band costs the suite on a disk and on a tmpfs.

    /usr/bin/python3 bench/bench_suite.py [--runs 3] [--jobs 6]
        [--binary build/emulator/bandsim] [--tree OTHER_CHECKOUT]
        [--cases now,own-bands,disk,serial,other] [--bands 30]
        [--tier asan] [--other-binary OTHER_BUILD] [--other-jobs 4]

Each run is ``/usr/bin/python3 -m pytest conformance/scenarios -q -n
JOBS --dist loadgroup`` from a tree, the socket suite as ci/test runs it
against each build (the self-tests are a step of their own there); cases
take turns run by run, so that the machine's state at any moment weighs
on all alike:

- now: this tree as it is;
- own-bands: the same with --bandsim-own-bands: every band a process of
  its own on a dbus-daemon of its own, none lent from a fleet;
- half: the same with half the workers;
- disk: the same with --bandsim-tmp on the disk (the system's temporary
  directory when that is not a tmpfs, else the repository's build/);
- serial: the same with -n 0, one process: the suite's CPU without the
  workers' start-up;
- other: the suite of another checkout (--tree, `git worktree add DIR
  COMMIT`), the same command (with --other-jobs workers), against the
  same emulator;
- whole, whole-other: this tree's or the other's whole suite, the
  self-tests too (``pytest conformance``).

--tier asan runs the ASan tier as ci/test does: the same tests with
ci/test's ASAN_OPTIONS, with the ASan build given to --binary.

Wall: from fork to exit.  CPU: user + system time of pytest and every
process it waited for (the emulators, the buses) from the kernel's
rusage of children.  The pytest outcome line of each run is printed; a
run that fails fails the benchmark.

Then, unless --bands 0, one band's cost to a test: start it on a private
bus, open a link, close it, stop it, on the disk and on /dev/shm in turn
(harness/scratch.py says why the suite uses the latter), and with
--other-binary the same for another build in turn with --binary's.

Goal (issue: "a suite in seconds"): ≤ 15 s wall per tier on 2 cores, and
≤ 25 s for the ASan tier (--tier asan --binary
build-asan/emulator/bandsim).
"""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib
from bandsim.harness import scratch
from bandsim.harness.bus import PrivateBus
from bandsim.harness.process import BandProcess

GOAL_S = 15.0
GOAL_ASAN_S = 25.0
CASES = ("now", "own-bands", "half", "disk", "serial", "other", "whole",
         "whole-other")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def disk_dir() -> Path:
    """A directory on a disk for --bandsim-tmp."""
    system = Path(tempfile.gettempdir())
    if scratch.fast_root(system, 0) is None:
        return system
    build = benchlib.REPO / "build"
    build.mkdir(exist_ok=True)
    return build


# Both tiers as ci/test runs them: the scenarios (the self-tests are a
# step of their own); the ASan tier's emulator aborts on the first error
# or leak.
ASAN_ENV = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1",
            "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1"}
SOCKET_SUITE = "conformance/scenarios"
# ci/test's workers (-n auto: conformance/conftest.py, WAIT_WORKERS): one
# per core and four more for the tests that wait.
DEFAULT_JOBS = len(os.sched_getaffinity(0)) + 4


def suite_command(case: str, jobs: int, tier: str = "plain") -> list:
    whole = case in ("whole", "whole-other")
    command = [sys.executable, "-m", "pytest",
               "conformance" if whole else SOCKET_SUITE, "-q",
               "-p", "no:cacheprovider"]
    if case == "serial":
        return command + ["-n", "0"]
    command += ["-n", str(max(1, jobs // 2) if case == "half" else jobs),
                "--dist", "loadgroup"]
    if case == "disk":
        command += ["--bandsim-tmp", str(disk_dir())]
    if case == "own-bands":
        command += ["--bandsim-own-bands"]
    return command


def one_run(case: str, tree: Path, jobs: int, binary: Path,
            tier: str = "plain") -> tuple:
    """(wall s, CPU s, pytest's last line) of one run of the suite."""
    env = dict(os.environ, BANDSIM=str(binary),
               **(ASAN_ENV if tier == "asan" else {}))
    # As ci/test: pytest keeps each module's rewritten asserts.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cpu = children_cpu()
    start = time.perf_counter()
    done = subprocess.run(suite_command(case, jobs, tier), cwd=tree, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    wall = time.perf_counter() - start
    used = children_cpu() - cpu
    lines = done.stdout.strip().splitlines()
    last = lines[-1] if lines else ""
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-6000:])
        raise RuntimeError(f"{case}: pytest exit status {done.returncode}: "
                           f"{last}")
    return wall, used, last


def one_band(binary: Path, base: Path, bus) -> tuple:
    """(wall s, CPU s of the band) of start, one link, stop."""
    cpu = children_cpu()
    start = time.perf_counter()
    band = BandProcess(binary, benchlib.DEFAULT_PATH,
                       Path(tempfile.mkdtemp(dir=base)),
                       control_address=bus.address, clock_rate=0,
                       clock_start=benchlib.CLOCK_START,
                       auth_key=benchlib.TEST_KEY)
    band.start()
    band.disconnect(band.connect())
    code = band.stop()
    if code != 0:
        raise RuntimeError(f"emulator exit status {code}\n{band.log_tail()}")
    return time.perf_counter() - start, children_cpu() - cpu


def band_rows(binaries: list, count: int) -> list:
    """One band's start, link and stop, each binary and place in turn."""
    places = [("disk", disk_dir())]
    shm = scratch.fast_root()
    if shm is not None:
        places.append(("tmpfs (/dev/shm)", shm))
    keys = [(name, binary) for name, _ in places for binary in binaries]
    walls = {key: [] for key in keys}
    cpus = {key: [] for key in keys}
    bus = PrivateBus()
    bus.start()
    bases = {name: Path(tempfile.mkdtemp(prefix="bandsim-bench-", dir=where))
             for name, where in places}
    try:
        for _ in range(count):
            for name, binary in keys:
                wall, cpu = one_band(binary, bases[name], bus)
                walls[(name, binary)].append(wall)
                cpus[(name, binary)].append(cpu)
    finally:
        bus.stop()
        for base in bases.values():
            scratch.remove(base)
    rows = []
    for key in keys:
        w, c = benchlib.summary(walls[key]), benchlib.summary(cpus[key])
        row = {"band's directory on": key[0]}
        if len(binaries) > 1:
            row["emulator"] = f"`{key[1]}`"
        rows.append({**row, "runs": w["runs"],
                     "wall: median": benchlib.ms(w["median"]),
                     "wall: min": benchlib.ms(w["min"]),
                     "wall: max": benchlib.ms(w["max"]),
                     "CPU: median": benchlib.ms(c["median"]),
                     "CPU: min": benchlib.ms(c["min"]),
                     "CPU: max": benchlib.ms(c["max"])})
    return rows


def main() -> int:
    parser = benchlib.arguments(__doc__, runs=3)
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS,
                        help="pytest-xdist workers (default: one per core "
                             "and four more, as ci/test)")
    parser.add_argument("--tree", help="another checkout: the case other")
    parser.add_argument("--other-jobs", type=int,
                        help="workers of the cases other and whole-other "
                             "(default --jobs): as that checkout's ci/test")
    parser.add_argument("--cases", default="now,disk,serial",
                        help=f"comma-separated, of {', '.join(CASES)}")
    parser.add_argument("--tier", choices=("plain", "asan"), default="plain",
                        help="asan: the ASan tier as ci/test runs it (only "
                             "what starts the emulator; pass the ASan build "
                             "with --binary)")
    parser.add_argument("--bands", type=int, default=30,
                        help="runs of the one-band comparison (0: none)")
    parser.add_argument("--other-binary",
                        help="another emulator build, beside --binary in "
                             "the one-band comparison (another link of the "
                             "ASan build, say)")
    args = parser.parse_args()
    binary = benchlib.binary_path(args.binary)
    if args.tier == "asan":
        # The bands of the one-band comparison too, as the tier runs them.
        os.environ.update(ASAN_ENV)
    cases = [c for c in args.cases.split(",") if c]
    unknown = [c for c in cases if c not in CASES]
    if unknown or (any(c.endswith("other") for c in cases)
                   and not args.tree):
        parser.error(f"unknown cases {unknown}" if unknown
                     else "the case other needs --tree")
    trees = {case: (Path(args.tree).resolve() if case.endswith("other")
                    else benchlib.REPO) for case in cases}
    jobs = {case: (args.other_jobs or args.jobs) if case.endswith("other")
            else args.jobs for case in cases}
    walls = {case: [] for case in cases}
    cpus = {case: [] for case in cases}
    outcome = {}
    for run in range(args.runs):
        for case in cases:
            wall, cpu, last = one_run(case, trees[case], jobs[case], binary,
                                      args.tier)
            walls[case].append(wall)
            cpus[case].append(cpu)
            outcome[case] = last
            print(f"run {run + 1} {case}: {wall:.1f} s wall, {cpu:.1f} s "
                  f"CPU: {last}", file=sys.stderr, flush=True)
    goal = GOAL_ASAN_S if args.tier == "asan" else GOAL_S
    rows = []
    for case in cases:
        w, c = benchlib.summary(walls[case]), benchlib.summary(cpus[case])
        rows.append({"case": case,
                     "command": " ".join(suite_command(case, jobs[case],
                                                       args.tier)[1:]),
                     "runs": w["runs"],
                     "wall: median": f"{w['median']:.1f} s",
                     "wall: min": f"{w['min']:.1f} s",
                     "wall: max": f"{w['max']:.1f} s",
                     "CPU: median": f"{c['median']:.1f} s",
                     "outcome": outcome[case]})
    notes = [f"Emulator: `{binary}`. Goal ≤ {goal:.0f} s wall per tier "
             f"on 2 cores."]
    first = cases[0]
    for case in cases[1:]:
        ratio = (benchlib.summary(walls[case])["median"]
                 / benchlib.summary(walls[first])["median"])
        notes.append(f"{case} / {first}: {ratio:.2f}× the wall time "
                     f"(medians, same run).")
    print(benchlib.report("bench_suite", rows, notes))
    if args.bands:
        binaries = [binary] + ([Path(args.other_binary).resolve()]
                               if args.other_binary else [])
        print(benchlib.report("bench_suite: one band's start, link and stop",
                              band_rows(binaries, args.bands)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
