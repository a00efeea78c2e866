#!/usr/bin/python3
"""How fast the emulator simulates band life.

Times AdvanceClock(DAYS days) as a test sees it: the D-Bus call's round
trip, in which the band runs every minute tick (life model, flash log
writes with sector erases once the log wraps, realtime steps).  Each
run uses a fresh band so every run starts from an empty log.

The issue's goal: 30 band-days in at most 0.1 s.
"""

import sys
import time

import benchlib

GOAL_S = 0.100


def main() -> int:
    parser = benchlib.arguments(__doc__, runs=20)
    parser.add_argument("--days", type=float, default=30)
    args = parser.parse_args()
    binary = benchlib.binary_path(args.binary)
    times = []
    with benchlib.Bench(binary) as bench:
        for _ in range(args.runs):
            band = bench.start_band()
            control = bench.control
            control.get("Clock")        # the band answers: it is up
            start = time.perf_counter()
            control.advance_clock(args.days * benchlib.DAY, timeout=120.0)
            times.append(time.perf_counter() - start)
            clock = control.get("Clock")
            want = (benchlib.CLOCK_START + round(args.days * benchlib.DAY)) \
                * 1000
            if clock != want:
                sys.exit(f"band clock {clock}, expected {want}")
            bench.stop_band(band)
    minutes = args.days * 1440
    print(benchlib.timed_report(
        "bench_life",
        f"AdvanceClock({args.days:g} days) = {minutes:,.0f} band minutes",
        times, ("band-days/s (median)", args.days),
        "the AdvanceClock D-Bus round trip (wall time, perf_counter), "
        "fresh band per run", GOAL_S, "30 days"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
