#!/usr/bin/python3
"""How long a phone needs to sync a full activity log from the emulator.

A band with its clock frozen lives DAYS days (AdvanceClock, not timed),
then one repetition is timed from connect() to the answer to the last
ack: ATT connect, MTU exchange, Huami auth (variant A), notifications on,
every fetch round until count 0, each acked, as Gadgetbridge does it.
Each repetition gets a fresh band, so every one moves the whole log;
with --no-ack one band is re-fetched instead (the data stays).  Every
repetition is checked against the band's log (not timed), so a fast
but wrong sync cannot pass as a result.

The issue's goal: a 14-day sync in at most 50 ms over the socket
transport.
"""

import sys
import time

import benchlib
from bandsim.clients.fetch import SyncState
from bandsim.oracles import ground_truth

GOAL_S = 0.050


def timed_sync(band, mtu: int, ack: bool):
    """One sync from connect to the last reply; returns (seconds, state)."""
    start = time.perf_counter()
    att = band.connect()
    try:
        fetch = benchlib.phone(att, mtu=mtu)
        state = SyncState(benchlib.CLOCK_START - benchlib.DAY)
        fetch.sync(state, ack=ack, timeout=60.0)
        elapsed = time.perf_counter() - start
    finally:
        att.close()
    band.wait_status("DISCONNECTED=1")
    return elapsed, state


def main() -> int:
    parser = benchlib.arguments(__doc__, runs=20)
    parser.add_argument("--days", type=float, default=14)
    parser.add_argument("--mtu", type=int, default=247)
    parser.add_argument("--no-ack", action="store_true",
                        help="re-fetch one band without acking")
    args = parser.parse_args()
    binary = benchlib.binary_path(args.binary)
    expected = round(args.days * 1440)
    times = []
    with benchlib.Bench(binary) as bench:
        band = None
        for run in range(args.runs):
            if band is None or not args.no_ack:
                if band is not None:
                    bench.stop_band(band)
                band = bench.start_band()
                bench.control.advance_clock(args.days * benchlib.DAY,
                                            timeout=120.0)
                truth = bench.control.get_samples(0, 1 << 63, timeout=60.0)
                if len(truth) != expected:
                    sys.exit(f"the band logged {len(truth)} samples, "
                             f"expected {expected}")
            elapsed, state = timed_sync(band, args.mtu, not args.no_ack)
            ground_truth.assert_exactly_once(state.samples, truth,
                                       context=f"run {run}")
            times.append(elapsed)
    print(benchlib.timed_report(
        "bench_sync",
        f"{args.days:g}-day sync ({expected} samples), MTU {args.mtu}, "
        f"{'no ack' if args.no_ack else 'ack'}",
        times, ("samples/s (median)", expected),
        f"connect, MTU exchange, auth, every fetch round"
        f"{'' if args.no_ack else ' and its ack'} (wall time, perf_counter)",
        GOAL_S, "14 days"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
