#!/usr/bin/python3
"""Ten thousand sessions: one band process serves connect, auth, sync,
disconnect, over and over; its memory and open files must stay flat.

One emulator on the socket transport, its clock frozen, on the charger,
bound to the suite's key.  Every cycle moves band time --minutes on
(AdvanceClock: that many samples logged) and then plays a phone: connect,
MTU exchange, Huami auth (variant A), notifications on, every fetch round
from the phone's saved cursor, each acked, disconnect.  In each run of
--fault-every cycles one, at a seeded random place, is a session with a
random fault armed first (InjectFault; docs/faults.md): the band goes
quiet, drops or doubles a packet, skips a counter, hangs up, reboots,
browns out, refuses the ack, never answers auth or never finishes the
sync.  That session may fail as a phone's would; the phone keeps its
cursor and the next session fetches what it missed.  Every other session
must succeed.

Every --sample-every cycles, with no link up, the band's RSS (VmRSS of
/proc/PID/status) and its open fds (/proc/PID/fd) are sampled.  At the
end the program asserts growth of at most --max-rss-growth-kb and
--max-fd-growth between the first sample after --warmup cycles and the
last, and that the phone holds exactly the band's log (ground truth,
over the minutes the band still holds), and prints the table with the
command, machine, seed and duration.
"""

import argparse
import collections
import os
import random
import sys
import time

import benchlib
from bandsim.clients.auth import HuamiClient
from bandsim.clients.fetch import FetchClient, FetchError, SyncState
from bandsim.harness.process import EmulatorError
from bandsim.link.base import AttClientError
from bandsim.oracles import ground_truth
from bandsim.protocol.values import MINUTE

DATA = "chr=activity-data"
# What a fault session arms: fault lines of docs/faults.md, where `after`
# lets the first packets of the session through, and presets.
FAULTS = (
    ("silence", f"trigger=notify {DATA} after={{after}} action=silence"),
    ("drop-packet", f"trigger=notify {DATA} after={{after}} action=drop"),
    ("duplicate", f"trigger=notify {DATA} after={{after}} action=duplicate"),
    ("skip-counter",
     f"trigger=notify {DATA} after={{after}} action=skip-counter"),
    ("disconnect",
     f"trigger=notify {DATA} after={{after}} action=disconnect"),
    ("reboot", f"trigger=notify {DATA} after={{after}} action=reboot"),
    ("brown-out", f"trigger=notify {DATA} after={{after}} action=brown-out"),
    ("foreign-notify",
     f"trigger=notify {DATA} after={{after}} action=foreign-notify "
     f"target=device-event value=04"),
    ("ack-refused",
     "trigger=write chr=fetch-control match=03 action=status status=0x04"),
    ("auth-hang-up", "trigger=write chr=auth match=02 action=disconnect"),
    ("sync-never-ends", "preset=sync-never-ends"),
    ("auth-never-answers", "preset=auth-never-answers"),
    ("half-connected", "preset=half-connected"),
)
# What a session with a fault may end with: the link's and the clients'
# own errors, never anything else.
EXPECTED = (AttClientError, FetchError, EmulatorError)
FULL = 100


def proc_sample(pid: int) -> tuple:
    """(VmRSS in kB, open fds) of a process."""
    rss = None
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def session(band, state, mtu: int, timeout: float) -> None:
    """A phone's session: connect, MTU, auth, sync with acks, close."""
    att = band.connect(timeout=timeout)
    try:
        att.exchange_mtu(mtu, timeout)
        huami = HuamiClient(att, timeout=timeout)
        huami.enable_notifications()
        huami.authenticate(benchlib.TEST_KEY)
        fetch = FetchClient(att, timeout=timeout)
        fetch.enable_notifications()
        fetch.sync(state, ack=True, timeout=timeout * 4)
    finally:
        att.close()


def settle(band, control, faulted: bool) -> None:
    """The link is gone and the band listens again: the fault disarmed,
    a band that browned out charged back on."""
    if faulted:
        control.clear_faults()
        if control.get("State") == "off":
            control.set_battery(FULL)
    band.wait_status("DISCONNECTED=1")
    band.wait_status("ADVERTISING=1")


def check_truth(control, state) -> str:
    """The phone's samples against the band's log, over the minutes the
    band still holds up to the phone's cursor; "" when they agree."""
    truth = control.get_samples(0, 1 << 63, timeout=60.0)
    if not truth:
        return "the band holds no samples"
    window = (truth[0][0], state.cursor)
    result = ground_truth.compare(state.samples, truth, window)
    return "" if result.ok else result.describe()


def report(args, rows, duration, outcomes, problems) -> str:
    first = next(r for r in rows if r["cycle"] >= args.warmup)
    last = rows[-1]
    growth_kb = last["RSS kB"] - first["RSS kB"]
    growth_fd = last["fds"] - first["fds"]
    faulted = sum(outcomes.values())
    lines = [benchlib.report(
        "soak_sessions",
        [{k: v for k, v in r.items()} for r in rows],
        [f"Seed {args.seed}; {args.cycles} cycles of {args.minutes} band "
         f"minutes at MTU {args.mtu}, one in {args.fault_every} with a "
         f"fault ({faulted} sessions); {duration:.0f} s "
         f"({args.cycles / duration:.1f} cycles/s).",
         f"Growth from cycle {first['cycle']} to {last['cycle']}: RSS "
         f"{growth_kb:+d} kB (limit {args.max_rss_growth_kb}), fds "
         f"{growth_fd:+d} (limit {args.max_fd_growth}).",
         "Fault sessions, by fault and how they ended: "
         + ", ".join(f"{name} {end} {n}"
                     for (name, end), n in sorted(outcomes.items())) + "."])]
    if growth_kb > args.max_rss_growth_kb:
        problems.append(f"RSS grew {growth_kb} kB")
    if growth_fd > args.max_fd_growth:
        problems.append(f"open fds grew by {growth_fd}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--minutes", type=int, default=5,
                        help="band minutes logged before each session")
    parser.add_argument("--mtu", type=int, default=23)
    parser.add_argument("--fault-every", type=int, default=10)
    parser.add_argument("--sample-every", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds a step of a clean session may take")
    parser.add_argument("--fault-timeout", type=float, default=0.5,
                        help="seconds a step of a fault session may take")
    parser.add_argument("--max-rss-growth-kb", type=int, default=1024)
    parser.add_argument("--max-fd-growth", type=int, default=0)
    parser.add_argument("--binary", help="emulator (default: the build's)")
    args = parser.parse_args()
    if args.cycles < args.warmup + args.sample_every:
        parser.error("--cycles must cover the warm-up and one more sample")
    binary = benchlib.binary_path(args.binary)
    rng = random.Random(args.seed)
    state = SyncState(benchlib.CLOCK_START - benchlib.DAY)
    outcomes = collections.Counter()
    rows, problems = [], []
    started = time.monotonic()
    with benchlib.Bench(binary) as bench:
        band = bench.start_band()
        control = bench.control
        control.set_charging(True)
        fault_at = None
        for cycle in range(args.cycles + 1):
            if cycle % args.sample_every == 0:
                rss, fds = proc_sample(band.pid)
                rows.append({"cycle": cycle, "RSS kB": rss, "fds": fds,
                             "s": round(time.monotonic() - started, 1)})
                print(f"cycle {cycle}: RSS {rss} kB, {fds} fds",
                      file=sys.stderr, flush=True)
                control.forget_history()
            if cycle == args.cycles:
                break
            if cycle % args.fault_every == 0:
                fault_at = cycle + rng.randrange(args.fault_every)
            control.advance_clock(args.minutes * MINUTE)
            fault = None
            if cycle == fault_at:
                fault = rng.choice(FAULTS)
                control.inject_fault(fault[1].format(after=rng.randrange(2)))
            try:
                session(band, state, args.mtu,
                        args.fault_timeout if fault else args.timeout)
                end = "completed"
            except EXPECTED as exc:
                if fault is None:
                    sys.exit(f"cycle {cycle}: a session without a fault "
                             f"failed: {exc!r}")
                end = type(exc).__name__
            if fault is not None:
                outcomes[(fault[0], end)] += 1
            settle(band, control, fault is not None)
        duration = time.monotonic() - started
        problem = check_truth(control, state)
        if problem:
            problems.append(f"ground truth: {problem}")
        print(report(args, rows, duration, outcomes, problems))
        bench.stop_band(band)
    for problem in problems:
        print(f"FAIL: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
