#!/usr/bin/python3
"""The emulator at a real band's pace (--pace real) against the real band's
published timings (protocol sheet §13).

A band lives MINUTES minutes (AdvanceClock; its clock then runs at wall
speed, as --pace real needs) (490 by default, the
fetch of harbour-amazfish #136), then a phone connects, exchanges the MTU
(247), authenticates, subscribes and fetches it all, as Gadgetbridge does.
Each run is a fresh band.  The client notes when each notification
arrived (time.perf_counter) and the benchmark prints, per interval, what
the sheet says and what was measured (median over the runs), within
±10 % where the sheet gives a number.
"""

import argparse
import statistics
import sys
import time

import benchlib



def timed_fetch(band, minutes: int) -> dict:
    att = band.connect()
    try:
        fetch = benchlib.phone(att)
        arrivals = []
        real_next = att.wait_any_notification

        def stamped(handles, timeout=None):
            item = real_next(handles, timeout)
            arrivals.append((time.perf_counter(), item[0], item[1]))
            return item
        att.wait_any_notification = stamped
        t_start = time.perf_counter()
        fetch.start(benchlib.CLOCK_START - 60)
        t_meta = arrivals[-1][0]
        samples = fetch.stream()
        t_end = arrivals[-1][0]
        fetch.ack()
    finally:
        att.close()
    band.wait_status("DISCONNECTED=1")
    # Band time runs (the band's own work takes it): a minute may have
    # been logged since.
    if not minutes <= len(samples) <= minutes + 1:
        sys.exit(f"fetched {len(samples)} samples, the band logged {minutes}")
    data = [t for t, h, _ in arrivals if h == fetch.data_handle]
    return {"request → metadata reply": t_meta - t_start,
            "metadata reply → first data": data[0] - t_meta,
            "gap between data notifications":
                statistics.median(b - a for a, b in zip(data, data[1:])),
            "whole fetch (01 to 10 02 01)": t_end - t_start,
            "notifications": len(data)}


# What the sheet says (§13): (low, high) seconds, or one figure with ±10 %.
SHEET = {
    "request → metadata reply": (0.080,),
    "metadata reply → first data": (0.040,),
    "gap between data notifications": (0.001, 0.007),
    "whole fetch (01 to 10 02 01)": (0.0, 2.0),
}


def judged(expected: tuple, value: float) -> str:
    if len(expected) == 1:
        low, high = expected[0] * 0.9, expected[0] * 1.1
        want = f"≈ {expected[0] * 1000:.0f} ms (±10 %)"
    else:
        low, high = expected
        want = f"{low * 1000:.0f}–{high * 1000:.0f} ms"
    return want, ("within" if low <= value <= high else "OUTSIDE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--minutes", type=int, default=490)
    parser.add_argument("--binary", help="emulator (default: the build's)")
    args = parser.parse_args()
    results = []
    with benchlib.Bench(benchlib.binary_path(args.binary)) as bench:
        for _ in range(args.runs):
            band = bench.start_band(extra_args=["--pace", "real"],
                                    clock_rate=1)
            bench.control.advance_clock(args.minutes * 60, timeout=60.0)
            results.append(timed_fetch(band, args.minutes))
            bench.stop_band(band)
    rows = []
    for what, expected in SHEET.items():
        values = [r[what] for r in results]
        med = statistics.median(values)
        want, verdict = judged(expected, med)
        rows.append({"interval": what, "sheet (§13)": want,
                     "measured median": f"{med * 1000:.1f} ms",
                     "min–max": f"{min(values) * 1000:.1f}–"
                                f"{max(values) * 1000:.1f} ms",
                     "": verdict})
    print(benchlib.report("bench_pace", rows, [
        f"{args.runs} runs, {args.minutes} samples each at MTU 247 "
        f"({results[0]['notifications']} data notifications); the link "
        f"at --pace real with the profile's connection interval, packets "
        f"per event and fetch preparation."]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
