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

With --fleet N the sessions go to the N bands of one `bandsim fleet`
process in turn (docs/fleet.md), each band with a phone of its own (its
own cursor) and a control client on its own object; the process is the
fleet's, and so are the RSS and fds sampled.  --cycles counts the
sessions of all bands together.

Every --sample-every cycles, with no link up, the band's RSS (VmRSS of
/proc/PID/status) and its open fds (/proc/PID/fd) are sampled, its
listening sockets counted apart (proc_sample()).  At the
end the program asserts growth of at most --max-rss-growth-kb and
--max-fd-growth between the first sample after --warmup cycles and the
last (for fds, the fewest of three samples at each end: a link closed
just before a sample may not be gone yet), and that the phone holds
exactly the band's log (ground truth,
over the minutes the band still holds), and prints the table with the
command, machine, seed and duration.
"""

import collections
import os
import random
import sys
import time

import benchlib
from bandsim.clients.auth import HuamiClient
from bandsim.clients.fetch import FetchClient, FetchError, SyncState
from bandsim.harness.control import ControlClient
from bandsim.harness.fleet import FleetProcess, band_path
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


# Samples at each end whose fewest open fds are compared.
FD_SAMPLES = 3
# __SO_ACCEPTCON in /proc/net/unix's Flags: a listening socket.
ACCEPTCON = 0x10000


def listening_inodes() -> set:
    """Inodes of every listening unix socket on the machine."""
    found = set()
    with open("/proc/net/unix", encoding="ascii") as f:
        next(f)
        for line in f:
            fields = line.split()
            if int(fields[3], 16) & ACCEPTCON:
                found.add(fields[6])
    return found


def proc_sample(pid: int) -> tuple:
    """(VmRSS in kB, open fds but the bands' listening sockets, those) of
    a process.  A band closes its listening socket while a link is up and
    while it is off (a reboot, a brown-out), and opens a new one after:
    at a sample some band of a fleet may be between the two, so the
    listeners are counted apart and the fds that must stay flat are the
    others."""
    rss = benchlib.rss_kb(pid)
    listening = listening_inodes()
    fds = [os.readlink(f"/proc/{pid}/fd/{n}")
           for n in os.listdir(f"/proc/{pid}/fd")]
    listeners = sum(1 for target in fds
                    if target.startswith("socket:[")
                    and target[8:-1] in listening)
    return rss, len(fds) - listeners, listeners


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


def start_fleet(bench, count: int):
    """A fleet of count bands on the bench's bus: (process, bands 1 to
    count, their control clients)."""
    fleet = FleetProcess(bench.binary, benchlib.DEFAULT_PATH,
                         bench.dir / "fleet", count,
                         control_address=bench.bus.address, clock_rate=0,
                         clock_start=benchlib.CLOCK_START,
                         auth_key=benchlib.TEST_KEY, extra_args=["--quiet"])
    bench.bands.append(fleet)
    fleet.start(timeout=120.0)
    controls = [ControlClient(bench.bus.address, path=band_path(k),
                              timeout=60.0) for k in range(1, count + 1)]
    bench.closing.extend(controls)
    return fleet, [fleet.band(k) for k in range(1, count + 1)], controls


def report(args, rows, duration, outcomes, problems) -> str:
    after = [r for r in rows if r["cycle"] >= args.warmup]
    first, last = after[0], rows[-1]
    growth_kb = last["RSS kB"] - first["RSS kB"]
    # A link the band has not yet seen closed when a sample is taken is
    # one fd more at that moment; a leak stays.  So the fds at each end
    # are the fewest of FD_SAMPLES samples in a row.
    growth_fd = (min(r["fds"] for r in rows[-FD_SAMPLES:])
                 - min(r["fds"] for r in after[:FD_SAMPLES]))
    faulted = sum(outcomes.values())
    where = (f"one fleet of {args.fleet} bands, sessions in turn"
             if args.fleet else "one band process")
    lines = [benchlib.report(
        "soak_sessions",
        [{k: v for k, v in r.items()} for r in rows],
        [f"{where.capitalize()}. "
         f"Seed {args.seed}; {args.cycles} cycles of {args.minutes} band "
         f"minutes at MTU {args.mtu}, one in {args.fault_every} with a "
         f"fault ({faulted} sessions); {duration:.0f} s "
         f"({args.cycles / duration:.1f} cycles/s).",
         f"Growth from cycle {first['cycle']} to {last['cycle']}: RSS "
         f"{growth_kb:+d} kB (limit {args.max_rss_growth_kb}), fds "
         f"{growth_fd:+d} (the fewest of {FD_SAMPLES} samples at each "
         f"end; limit {args.max_fd_growth}).",
         "Fault sessions, by fault and how they ended: "
         + ", ".join(f"{name} {end} {n}"
                     for (name, end), n in sorted(outcomes.items())) + "."])]
    if growth_kb > args.max_rss_growth_kb:
        problems.append(f"RSS grew {growth_kb} kB")
    if growth_fd > args.max_fd_growth:
        problems.append(f"open fds grew by {growth_fd}")
    return "\n".join(lines)


def main() -> int:
    parser = benchlib.arguments(__doc__)
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
    parser.add_argument("--fleet", type=int, default=0,
                        help="sessions to the bands of one fleet of this "
                             "many, in turn (0: one band process)")
    args = parser.parse_args()
    if args.cycles < args.warmup + FD_SAMPLES * args.sample_every:
        parser.error(f"--cycles must cover the warm-up and {FD_SAMPLES} "
                     f"more samples")
    binary = benchlib.binary_path(args.binary)
    rng = random.Random(args.seed)
    outcomes = collections.Counter()
    rows, problems = [], []
    started = time.monotonic()
    with benchlib.Bench(binary) as bench:
        if args.fleet:
            process, bands, controls = start_fleet(bench, args.fleet)
        else:
            process = bench.start_band()
            bands, controls = [process], [bench.control]
        states = [SyncState(benchlib.CLOCK_START - benchlib.DAY)
                  for _ in bands]
        for control in controls:
            control.set_charging(True)
        fault_at = None
        for cycle in range(args.cycles + 1):
            k = cycle % len(bands)
            band, control, state = bands[k], controls[k], states[k]
            if cycle % args.sample_every == 0:
                rss, fds, listeners = proc_sample(process.pid)
                rows.append({"cycle": cycle, "RSS kB": rss, "fds": fds,
                             "listening": listeners,
                             "s": round(time.monotonic() - started, 1)})
                print(f"cycle {cycle}: RSS {rss} kB, {fds} fds, "
                      f"{listeners} listening", file=sys.stderr, flush=True)
                for each in controls:
                    each.forget_history()
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
        for k, (control, state) in enumerate(zip(controls, states)):
            problem = check_truth(control, state)
            if problem:
                problems.append(f"ground truth, band {k + 1}: {problem}")
        print(report(args, rows, duration, outcomes, problems))
        bench.stop_band(process)
    for problem in problems:
        print(f"FAIL: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
