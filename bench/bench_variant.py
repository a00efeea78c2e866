#!/usr/bin/python3
"""Control-plane values: GLib.Variant.unpack() against the harness's reader.

    /usr/bin/python3 bench/bench_variant.py [--runs 21] [--calls 300]

Two values the suite reads over and over, each as it comes off the bus
(deserialised from its bytes, untrusted, as GDBus hands a reply over):
the band's Settings shape (an a{sv} of 61 entries, the alarms an
aa{sv} among them) in its (v) reply, and a 500-byte ay.  Each run times
--calls unpacks of one value by one reader (CPU time of this process);
readers and values take turns within every run.  The result is per
call: median, min and max over the runs, and the ratio of the medians.
"""

import time

import benchlib
from gi.repository import GLib

from bandsim.harness.variant import unpack


def settings_reply() -> GLib.Variant:
    entries = {}
    for i in range(60):
        entries[f"key-{i}"] = (GLib.Variant("s", "24h") if i % 3
                               else GLib.Variant("u", i))
    alarm = {"slot": GLib.Variant("y", 1), "enabled": GLib.Variant("b", True),
             "hour": GLib.Variant("y", 7), "minute": GLib.Variant("y", 30)}
    entries["alarms"] = GLib.Variant("aa{sv}", [alarm] * 3)
    return received(GLib.Variant("(v)", (GLib.Variant("a{sv}", entries),)))


def received(value: GLib.Variant) -> GLib.Variant:
    """The value as it arrives: read back from its bytes, not trusted."""
    return GLib.Variant.new_from_bytes(value.get_type(),
                                       value.get_data_as_bytes(), False)


READERS = {"GLib unpack()": lambda v: v.unpack(), "harness": unpack}


def main() -> int:
    parser = benchlib.arguments(__doc__, runs=21)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    values = {"Settings (v)": settings_reply(),
              "ay, 500 bytes": received(GLib.Variant("(ay)", (b"x" * 500,)))}
    for value in values.values():
        assert unpack(value) == value.unpack()
    times = {(v, r): [] for v in values for r in READERS}
    for _ in range(args.runs):
        for vname, value in values.items():
            for rname, read in READERS.items():
                start = time.process_time()
                for _ in range(args.calls):
                    read(value)
                times[(vname, rname)].append(
                    (time.process_time() - start) / args.calls)
    rows = []
    for vname in values:
        base = benchlib.summary(times[(vname, "GLib unpack()")])["median"]
        for rname in READERS:
            stats = benchlib.summary(times[(vname, rname)])
            rows.append({"value": vname, "reader": rname,
                         "runs": stats["runs"],
                         "median": f"{stats['median'] * 1e6:.1f} µs",
                         "min": f"{stats['min'] * 1e6:.1f} µs",
                         "max": f"{stats['max'] * 1e6:.1f} µs",
                         "GLib / this": f"{base / stats['median']:.1f}×"})
    print(benchlib.report("Control-plane values: unpack() against the "
                          "harness's reader", rows,
                          [f"Per call, CPU time, {args.calls} calls a run."]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
