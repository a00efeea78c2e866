"""What the fault scenarios share: the presets, arming a fault and
seeing it fire, and a phone app that syncs the way a robust one does.

A fault (docs/faults.md) is armed on the control plane with
``InjectFault("preset=NAME")`` and announces itself with the event
``fault-fired`` {id, name, action} the moment it acts.  Presets fire
once, so a client that gives up on the broken attempt, reconnects and
starts again from what it saved gets everything on its second try: that
is the robust behaviour the scenarios check, with the band's log
(GetSamples) as the oracle.

``Phone`` is such a client.  ``attempt()`` is one try, the reference
clients as they are (bandsim.clients.auth, bandsim.clients.fetch) with
one deadline for the whole try, and never raises for the band's
misbehaviour: it returns an ``Attempt`` that says at which stage the
try ended and with what error, and what the fetch client took from the
link.  ``come_back()`` is what the app does after a broken try: close
the link, wait until the band advertises again (letting band time pass
while it boots, and asking the person to charge it when it is off), and
``sync()`` tries until a try goes through.  Nothing here sleeps: every
wait is on the band's status lines, the control plane's events and
properties, or the link, each with a deadline.
"""

import time
from dataclasses import dataclass, field

from bandsim.clients.auth import HuamiClient
from bandsim.clients.fetch import (SAMPLE_SIZE, FetchClient, FetchError,
                                   SyncState)
from bandsim.harness.suite import TEST_KEY
from bandsim.link.base import AttClientError, Timeout
from bandsim.link.deadline import SCALE, Deadline, as_deadline
from bandsim.oracles.liveness import BUSY_SETTLE_S
from bandsim.protocol.huami import StatusError
from bandsim.protocol.profile import default_profile
from bandsim.protocol.values import MINUTE

from .events import event_after, last_seq
from .sync import SINCE
from .update import BOOT_S

# The presets of docs/faults.md, as the band must know them; the
# scenarios check them against `bandsim --list-faults`.
PRESETS = {
    "low-battery-drop": "trigger=battery percent=15 action=disconnect",
    "stuck-syncing":
        "trigger=notify chr=activity-data after=5 action=silence",
    "sync-never-ends":
        "trigger=notify chr=fetch-control match=10:02 action=drop",
    "foreign-notification":
        "trigger=notify chr=activity-data after=3 action=foreign-notify "
        "target=device-event value=04",
    "counter-gap":
        "trigger=notify chr=activity-data after=3 action=skip-counter",
    "counter-starts-late":
        "trigger=notify chr=activity-data action=skip-counter",
    "short-packet":
        "trigger=notify chr=activity-data after=2 action=truncate",
    "duplicate-packet":
        "trigger=notify chr=activity-data after=3 action=duplicate",
    "workout-track-counter-gap":
        "trigger=notify chr=activity-data fetch=track after=2 "
        "action=skip-counter",
    "workout-track-refused":
        "trigger=write chr=fetch-control match=01:06 action=status "
        "status=0x04 count=0",
    "partial-sync":
        "trigger=notify chr=activity-data after=10 action=disconnect",
    "reboot-mid-sync":
        "trigger=notify chr=activity-data after=5 action=reboot",
    "brown-out-mid-sync":
        "trigger=notify chr=activity-data after=5 action=brown-out",
    "interrupted-update": "trigger=firmware percent=57 action=disconnect",
    "drops-idle-link": "trigger=minute minute=30 action=disconnect",
    "reboot-on-alert": "trigger=write chr=new-alert action=reboot",
    "update-stalls-at-99": "trigger=firmware percent=99 action=silence",
    "update-fails-at-100":
        "trigger=write chr=firmware-control match=04 action=status "
        "status=0x04",
    "auth-never-answers": "trigger=notify chr=auth match=10:03 action=drop",
    "half-connected": "trigger=connect action=silence",
    "hr-never-answers":
        "trigger=notify chr=heart-rate-measurement action=drop count=0",
    "keepalive-ignored":
        "trigger=write chr=heart-rate-control match=16 action=drop count=0",
    "call-keeps-ringing": "trigger=write chr=alert-level match=00 "
                          "action=drop",
    "key-refused":
        "trigger=write chr=auth match=03 action=status status=0x04",
    "long-packet":
        "trigger=notify chr=activity-data after=2 action=extend",
    "transfer-ends-early":
        "trigger=notify chr=activity-data after=5 action=end",
    "steps-value-short":
        "trigger=notify chr=realtime-steps action=truncate count=0",
    "time-write-ignored": "trigger=write chr=current-time action=drop",
}
ACTIONS = ("disconnect", "silence", "drop", "duplicate", "skip-counter",
           "corrupt", "truncate", "status", "foreign-notify", "reboot",
           "brown-out", "extend", "end")

# The deadline of a try that meets a fault which makes the band go
# quiet: the band answers a socket link in milliseconds, so half a
# second of nothing is a hang, not a slow band.  The same holds over the
# air on the band's own L2CAP socket, where the kernel tells the phone's
# socket of the link's end at once.  Through bluetoothd (--emu-transport
# bluez) it does not: the band asks bluetoothd to end the link after a
# grace of 200 ms (bluez-server.c) and the end reaches the phone's bleak
# through two bluetoothds and D-Bus, seconds in the VM, so that half a
# second of quiet there is the link, not the band.  set_link() stretches
# it with BANDSIM_TIMEOUT_SCALE there, as every deadline of a working
# band does; read it as faults.QUIET_S, after the session has begun.
QUIET_BASE_S = 0.5
QUIET_S = QUIET_BASE_S


def set_link(target) -> None:
    """QUIET_S for the link the session's bands are reached over."""
    global QUIET_S
    QUIET_S = QUIET_BASE_S * (SCALE if target.through_bluetoothd else 1)
# A try that should go through (connect, auth, a day of data, ack): what
# a working band needs, so it stretches with BANDSIM_TIMEOUT_SCALE as
# every client deadline does (over the air under TCG a connection alone
# takes seconds); QUIET_S, the fault's own "nothing came", never does.
RETRY_S = 5.0 * SCALE
# The steps of a try before the one that meets a band gone quiet
# (connect, MTU, auth, subscribe): what a working band needs for them,
# on a machine as busy as CI's.  QUIET_S bounds only the quiet step, so a
# slow connect under load is never taken for the fault.
SETUP_S = RETRY_S
ATTEMPTS = 3

# What a try may end with when the band misbehaves: the link's typed
# errors (Timeout, Disconnected, ...), the fetch client's, a Huami
# status other than success (a key refused), or a socket that turns the
# phone away (the band is off).
FAILURES = (AttClientError, FetchError, StatusError, ConnectionRefusedError)

DEVICE_EVENT = default_profile().characteristic("device-event")


def parse_spec(spec: str) -> dict:
    """A fault line's words as {key: value}, count=1 when not given."""
    words = dict(word.split("=", 1) for word in spec.split())
    words.setdefault("count", "1")
    return words


# ---------------------------------------------------------------- faults

def arm(control, preset: str) -> tuple:
    """InjectFault("preset=NAME"); the fault is listed as armed.
    Returns (since, fault id): since marks the events before it, for
    fired() and event_after()."""
    since = last_seq(control)
    spec = f"preset={preset}"
    fault_id = control.inject_fault(spec)
    assert (fault_id, spec) in control.faults(), control.faults()
    return since, fault_id


def fired(control, since: int, fault_id: int, name: str, action: str,
          timeout=None):
    """The fault-fired event of this fault, with exactly its id, name
    and action; the fault is no longer armed (it fires once)."""
    event = event_after(control, "fault-fired", since, timeout, id=fault_id)
    assert event.details == {"id": fault_id, "name": name,
                             "action": action}, event.details
    assert fault_id not in [i for i, _ in control.faults()], \
        control.faults()
    return event


def retire(band, control, links=()) -> None:
    """Done with a band before its test ends: close its links, let it
    settle to Busy "" (what the fixtures check at teardown) and stop it;
    it must exit 0."""
    for att in links:
        att.close()
    control.wait_property("Busy", "", BUSY_SETTLE_S)
    code = band.stop()
    assert code == 0, f"emulator exit status {code}\n{band.log_tail()}"


# ---------------------------------------------------------------- phone

class TracingFetch(FetchClient):
    """The reference fetch client, keeping every notification it took
    from the link, (handle, value), in order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trace = []

    def _next(self, deadline, what, received=0):
        handle, value = super()._next(deadline, what, received)
        self.trace.append((handle, bytes(value)))
        return handle, value

    def data_packets(self) -> list:
        return [v for h, v in self.trace if h == self.data_handle]

    def replies(self) -> list:
        return [v for h, v in self.trace if h == self.control_handle]


@dataclass
class Attempt:
    """One try of a phone app: connect, MTU, auth, subscribe, sync."""
    stage: str = "connect"      # where it ended: ... "sync", "done"
    error: BaseException = None
    att: object = None
    fetch: TracingFetch = None
    linked: bool = False        # the band reported the link (CONNECTED=1)
    saved: list = field(default_factory=list)
    other: list = field(default_factory=list)   # notifications elsewhere
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def trace_hex(self) -> list:
        """What the fetch client took, as hex: equal across two fresh
        bands when the band is deterministic."""
        if self.fetch is None:
            return []
        return [(handle, value.hex(" ")) for handle, value in
                self.fetch.trace]

    def received(self) -> int:
        """Samples in the data packets the fetch client took."""
        if self.fetch is None:
            return 0
        return sum((len(p) - 1) // SAMPLE_SIZE
                   for p in self.fetch.data_packets())

    def describe(self) -> str:
        what = "ok" if self.ok else f"{type(self.error).__name__}: " \
                                    f"{self.error}"
        return f"{self.stage} after {self.seconds:.3f} s: {what}"


class Budget:
    """The deadlines of one try.  Without a quiet stage, one deadline of
    `timeout` for the whole try.  With one, the stages before it share
    SETUP_S, and from that stage on the try has `timeout`: it is timed
    from there, so a fault's deadline is the quiet step's alone."""

    def __init__(self, timeout: float, quiet: str = None):
        self.timeout = timeout
        self.quiet = quiet
        self.start = time.monotonic()
        self.deadline = None if quiet else Deadline(timeout)
        self.setup = Deadline(SETUP_S) if quiet else None

    def at(self, stage: str) -> Deadline:
        """The deadline for the step `stage`; reaching the quiet stage
        starts its deadline and the try's clock."""
        if self.deadline is None and stage == self.quiet:
            self.deadline = Deadline(self.timeout)
            self.start = time.monotonic()
        return self.deadline or self.setup

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.start


class _Fixed:
    """One Deadline for every stage (a caller's own)."""

    def __init__(self, deadline: Deadline):
        self.deadline = deadline

    def at(self, _stage: str) -> Deadline:
        return self.deadline


class Phone:
    """A phone app syncing one band: its saved cursor (a SyncState kept
    across links) and every link it opened (close() ends them all)."""

    def __init__(self, band, control, since=SINCE, key: bytes = TEST_KEY,
                 mtu: int = 247, subscribe=()):
        """subscribe: more notify characteristics (profile
        Characteristic objects) the app turns on after auth, as
        Gadgetbridge does with device-event for the band's button."""
        self.band = band
        self.control = control
        self.state = SyncState(since)
        self.key = key
        self.mtu = mtu
        self.subscribe = list(subscribe)
        self.attempts = []
        self._links = []

    @property
    def links(self) -> list:
        """Every link this phone opened, in order."""
        return self._links

    def close(self) -> None:
        for att in self._links:
            att.close()

    def open(self, budget, attempt: Attempt) -> TracingFetch:
        """Connect, exchange the MTU, authenticate and subscribe, each
        step within its deadline (a Budget, or one Deadline for all);
        attempt.stage follows."""
        if isinstance(budget, Deadline):
            budget = _Fixed(budget)
        attempt.stage = "connect"
        attempt.att = self.band.connect(
            max(budget.at("connect").remaining(), 0.05))
        self._links.append(attempt.att)
        attempt.linked = True
        att = attempt.att
        if self.mtu != 23:
            attempt.stage = "mtu"
            att.exchange_mtu(self.mtu, budget.at("mtu"))
        attempt.stage = "auth"
        huami = HuamiClient(att)
        huami.enable_notifications(budget.at("auth"))
        huami.authenticate(self.key, timeout=budget.at("auth"))
        attempt.stage = "subscribe"
        attempt.fetch = TracingFetch(att)
        attempt.fetch.enable_notifications(budget.at("subscribe"))
        for char in self.subscribe:
            att.write(char.cccd_handle, b"\x01\x00", budget.at("subscribe"))
        return attempt.fetch

    def attempt(self, timeout: float = RETRY_S, ack: bool = True,
                before_sync=None, quiet: str = None) -> Attempt:
        """One try within `timeout` seconds, or, given the stage where
        the band is to go quiet ("mtu", "auth", "sync"...), with SETUP_S
        for the stages before it and `timeout` from it on (Budget).
        before_sync() runs once the link is ready (a test moves the
        band's world there).  A try that goes through closes its link;
        one that fails leaves it for come_back() (or the test) to look
        at."""
        attempt = Attempt()
        budget = Budget(timeout, quiet)
        try:
            fetch = self.open(budget, attempt)
            if before_sync is not None:
                before_sync()
            attempt.stage = "sync"
            attempt.saved = fetch.sync(self.state, ack=ack,
                                       timeout=budget.at("sync"))
            attempt.other = self._others(attempt.att)
            attempt.stage = "done"
        except FAILURES as exc:
            attempt.error = exc
        attempt.seconds = budget.seconds
        self.attempts.append(attempt)
        if attempt.ok:
            self.band.disconnect(attempt.att)
        return attempt

    def _others(self, att) -> list:
        """Notifications on the extra subscriptions that are waiting."""
        got = []
        for char in self.subscribe:
            while True:
                try:
                    got.append((char.value_handle, att.wait_notification(
                        char.value_handle, 0)))
                except Timeout:
                    break
        return got

    def come_back(self, attempt: Attempt, remedy=None) -> None:
        """After a broken try: close the link, and wait until the band
        advertises again.  A band that boots gets its boot time of band
        time; a band that is off needs remedy() (the person puts it on
        the charger), else this fails."""
        if attempt.att is not None:
            attempt.att.close()
        if attempt.linked:
            self.band.wait_status("DISCONNECTED=1")
        state = self.control.get("State")
        if state == "booting":
            self.control.advance_clock(BOOT_S + 1)
        elif state == "off":
            assert remedy is not None, "the band is off and nobody charges it"
            remedy()
        self.band.wait_status("ADVERTISING=1")

    def sync(self, attempts: int = ATTEMPTS, timeout: float = RETRY_S,
             remedy=None) -> list:
        """Try until a try goes through, coming back after each broken
        one; returns the tries of this call.  Every try starts from the
        saved cursor, so a broken round is asked for again."""
        tries = []
        for _ in range(attempts):
            attempt = self.attempt(timeout)
            tries.append(attempt)
            if attempt.ok:
                return tries
            self.come_back(attempt, remedy)
        raise AssertionError(f"no sync in {attempts} tries: "
                             + "; ".join(a.describe() for a in tries))


def naive_transfer(fetch: FetchClient, since, handles=(), timeout=None):
    """A naive fetch: 01, 02, then every notification on the data
    characteristic, and on the control one and `handles`, taken as it
    comes until the first that is not a data packet, which ends the
    transfer whatever it is.  No counter check, no count check.
    Returns (announcement, [(handle, value)])."""
    deadline = as_deadline(timeout, fetch.timeout)
    announcement = fetch.start(since, timeout=deadline)
    fetch.send(b"\x02")
    watched = (fetch.data_handle, fetch.control_handle) + tuple(handles)
    seen = []
    while True:
        handle, value = fetch.att.wait_any_notification(watched, deadline)
        seen.append((handle, bytes(value)))
        if handle != fetch.data_handle:
            return announcement, seen


def naive_samples(announcement, packets) -> list:
    """[(ts, 4 bytes)] as a naive client times them: sample i of the
    bodies in arrival order at actual start + i minutes."""
    raw = b"".join(p[1:] for p in packets)
    base = announcement.start_ts
    return [(base + i * MINUTE, raw[o:o + SAMPLE_SIZE])
            for i, o in enumerate(range(0, len(raw), SAMPLE_SIZE))]
