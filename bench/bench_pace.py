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

Then (unless --upload-kib 0) a watchface upload at MTU 23, as a phone
that never exchanged the MTU sends one: Write Commands of 20 bytes, a
00 sync (a Write Request) every 100 of them, each run a fresh band.  The
sheet estimates 2-4 minutes for 500 KB at MTU 23 ([U]); the benchmark
prints the rate measured and the time it gives for 500 KB.
"""

import statistics
import sys
import time

import benchlib
from bandsim.clients.auth import HuamiClient
from bandsim.clients.firmware import TYPE_WATCHFACE, FirmwareClient
from bandsim.harness import images

# §13: "≈ 2-4 min for 500 KB at MTU 23 (estimate)".
UPLOAD_SHEET_BYTES = 500 * 1000
UPLOAD_SHEET_S = (120.0, 240.0)


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


def timed_upload(band, size: int) -> float:
    """Seconds from 01 to 10 04 01 for a watchface of size bytes at
    ATT_MTU 23."""
    face = images.build_watchface(size, "pace")
    att = band.connect()
    try:
        huami = HuamiClient(att)
        huami.enable_notifications()
        huami.authenticate(benchlib.TEST_KEY)
        firmware = FirmwareClient(att, timeout=30.0)
        firmware.enable_notifications()
        start = time.perf_counter()
        firmware.update(face, TYPE_WATCHFACE, timeout=900.0)
        took = time.perf_counter() - start
    finally:
        att.close()
    band.wait_status("DISCONNECTED=1")
    return took


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
    parser = benchlib.arguments(__doc__, runs=5)
    parser.add_argument("--minutes", type=int, default=490)
    parser.add_argument("--upload-kib", type=int, default=32,
                        help="size of the timed upload (0: none)")
    args = parser.parse_args()
    results = []
    uploads = []
    with benchlib.Bench(benchlib.binary_path(args.binary)) as bench:
        for _ in range(args.runs):
            band = bench.start_band(extra_args=["--pace", "real"],
                                    clock_rate=1)
            bench.control.advance_clock(args.minutes * 60, timeout=60.0)
            results.append(timed_fetch(band, args.minutes))
            bench.stop_band(band)
            if args.upload_kib:
                band = bench.start_band(extra_args=["--pace", "real"],
                                        clock_rate=1)
                uploads.append(timed_upload(band, args.upload_kib * 1024))
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
    if uploads:
        size = args.upload_kib * 1024
        med = statistics.median(uploads)
        rate = size / med
        whole = UPLOAD_SHEET_BYTES / rate
        low, high = UPLOAD_SHEET_S
        rows.append({
            "interval": f"upload of {args.upload_kib} KiB at MTU 23 "
                        f"(500 KB at that rate)",
            "sheet (§13)": f"500 KB in {low / 60:.0f}–{high / 60:.0f} min "
                           f"(estimate)",
            "measured median": f"{med:.1f} s, {rate / 1000:.2f} KB/s "
                               f"({whole / 60:.1f} min)",
            "min–max": f"{min(uploads):.1f}–{max(uploads):.1f} s",
            "": "within" if low <= whole <= high else "OUTSIDE"})
    print(benchlib.report("bench_pace", rows, [
        f"{args.runs} runs, {args.minutes} samples each at MTU 247 "
        f"({results[0]['notifications']} data notifications); the link "
        f"at --pace real with the profile's connection interval, packets "
        f"per event and fetch preparation."]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
