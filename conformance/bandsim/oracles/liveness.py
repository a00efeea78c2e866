"""The liveness oracle: every client operation ends within its deadline,
and the band is not left busy.

Operations are timed where the fixtures hand out clients (the links a
band's connect() returns, the band process's own waits, the control
client), not inside the clients: instrument() wraps, on one object,
every public method that takes a ``timeout`` (plus ``send_raw`` and
``write_command``, bounded by the link's socket timeout).  Only the
outermost call on an object is timed, so read() -> request() ->
recv_raw() is one operation, judged against the budget read() was
given: a number of seconds, what is left of a Deadline, or the object's
default.  An operation is *late* when it took longer than its budget
plus a small slack, whether it then returned, raised Timeout or raised
anything else: a client that honours its deadlines is never late, and
a hung peer shows up as Timeout at the deadline, not as a test that
waits forever.

The band side is the control plane's ``Busy`` property ("" when idle,
else "bind", "fetch" or "firmware"): check_busy() reads it once the
links are closed, giving the band a moment to notice the last
disconnect.
"""

import functools
import heapq
import inspect
import time
from dataclasses import dataclass

from ..harness.control import ControlError, Timeout as ControlTimeout
from ..link.deadline import SCALE, Deadline

# Slack on top of a budget before an operation counts as late: a select()
# woken at its deadline, a scheduler hiccup on a loaded CI machine.
SLACK_S = 0.25
SLACK_FRACTION = 0.10
# How long the band may take to settle to Busy "" after the last link
# closed (it learns of a disconnect on its own main loop).
BUSY_SETTLE_S = 2.0
# How a band without the Busy property answers a Get for it.
UNKNOWN_PROPERTY = frozenset({
    "org.freedesktop.DBus.Error.InvalidArgs",
    "org.freedesktop.DBus.Error.UnknownProperty",
})
SLOWEST_KEPT = 10


def slack(budget: float) -> float:
    return SLACK_S + SLACK_FRACTION * budget


def budget_of(timeout, default: float) -> float:
    """Seconds an operation may take: what is left of a Deadline, a
    number of seconds, or the default for None."""
    if isinstance(timeout, Deadline):
        return timeout.remaining()
    if timeout is None:
        return float(default) * SCALE
    return float(timeout)


@dataclass
class Operation:
    name: str
    start: float        # seconds since the log's start
    duration: float
    budget: float
    outcome: str        # "ok", "timeout" or "error"
    error: str = ""

    @property
    def late(self) -> bool:
        return self.duration > self.budget + slack(self.budget)

    def as_dict(self) -> dict:
        return {"name": self.name, "t": round(self.start, 6),
                "duration": round(self.duration, 6),
                "budget": round(self.budget, 6), "outcome": self.outcome,
                "error": self.error, "late": self.late}

    def describe(self) -> str:
        how = {"ok": "returned", "timeout": "raised Timeout",
               "error": f"raised {self.error}"}[self.outcome]
        return (f"{self.name} {how} after {self.duration:.3f} s, "
                f"its deadline was {self.budget:.3f} s "
                f"(+{slack(self.budget):.2f} s slack)")


@dataclass
class _Stats:
    count: int = 0
    total: float = 0.0
    max: float = 0.0
    timeouts: int = 0
    errors: int = 0

    def as_dict(self) -> dict:
        return {"count": self.count, "total": round(self.total, 6),
                "max": round(self.max, 6), "timeouts": self.timeouts,
                "errors": self.errors}


class OperationLog:
    """Every timed operation of one test: totals per name, the slowest
    few and every late one (kept in full)."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.t0 = clock()
        self.stats = {}
        self.late = []
        self._slowest = []          # heap of (duration, n, Operation)
        self._n = 0
        self.after_op = []          # callbacks run after each operation

    def operation(self, name: str, budget: float) -> "_Timing":
        """Time a block (``with log.operation(...)``) as one operation
        with this budget (seconds)."""
        return _Timing(self, name, budget)

    def record(self, op: Operation) -> None:
        self.add(op.name, self.t0 + op.start,
                 self.t0 + op.start + op.duration, op.budget, op.outcome,
                 op.error, op)

    def add(self, name: str, start: float, end: float, budget: float,
            outcome: str = "ok", error: str = "", op=None) -> None:
        """One operation from start to end (clock() readings).  The
        Operation itself is built only when it is kept (late, or among
        the slowest): a test times thousands of reads."""
        duration = end - start
        stats = self.stats.get(name)
        if stats is None:
            stats = self.stats[name] = _Stats()
        stats.count += 1
        stats.total += duration
        if duration > stats.max:
            stats.max = duration
        if outcome != "ok":
            stats.timeouts += outcome == "timeout"
            stats.errors += outcome == "error"
        self._n += 1
        late = duration > budget + slack(budget)
        slowest = self._slowest
        kept = len(slowest) < SLOWEST_KEPT or duration > slowest[0][0]
        if late or kept:
            if op is None:
                op = Operation(name, start - self.t0, duration, budget,
                               outcome, error)
            if late:
                self.late.append(op)
            if kept:
                item = (duration, self._n, op)
                if len(slowest) < SLOWEST_KEPT:
                    heapq.heappush(slowest, item)
                else:
                    heapq.heappushpop(slowest, item)
        for callback in self.after_op:
            callback()

    @property
    def count(self) -> int:
        return self._n

    def slowest(self) -> list:
        return [op for _, _, op in sorted(self._slowest, reverse=True)]

    def problems(self) -> list:
        """One line per late operation; empty when the oracle holds."""
        return [op.describe() for op in self.late]

    def summary(self) -> dict:
        return {"count": self._n,
                "by_name": {name: s.as_dict()
                            for name, s in sorted(self.stats.items())},
                "slowest": [op.as_dict() for op in self.slowest()],
                "late": [op.as_dict() for op in self.late]}


class _Timing:
    """One operation being timed: a context manager of its own, not a
    generator's, since it wraps every read of every link."""

    __slots__ = ("log", "name", "budget", "start")

    def __init__(self, log: OperationLog, name: str, budget: float):
        self.log = log
        self.name = name
        self.budget = budget

    def __enter__(self):
        self.start = self.log.clock()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            outcome, error = "ok", ""
        elif issubclass(exc_type, TimeoutError):
            outcome, error = "timeout", ""
        else:
            outcome, error = "error", exc_type.__name__
        self.log.add(self.name, self.start, self.log.clock(), self.budget,
                     outcome, error)
        return False


# ------------------------------------------------------ instrumenting

# Methods bounded by the link's socket timeout rather than an argument.
SOCKET_BOUNDED = ("send_raw", "write_command")


@functools.lru_cache(maxsize=None)
def _timeout_param(cls, name):
    """(positional index or None, default) of a method's timeout
    parameter, or None when it has none."""
    try:
        params = list(inspect.signature(getattr(cls, name)).parameters
                      .values())[1:]          # without self
    except (TypeError, ValueError):
        return None
    for index, param in enumerate(params):
        if param.name == "timeout":
            positional = param.kind in (param.POSITIONAL_ONLY,
                                        param.POSITIONAL_OR_KEYWORD)
            default = (None if param.default is param.empty
                       else param.default)
            return (index if positional else None), default
    return None


def timed_methods(obj, names=None) -> list:
    """Public methods of obj that take a timeout (or the given names)."""
    if names is None:
        return list(_timed_methods_of(type(obj)))
    return sorted(set(names))


@functools.lru_cache(maxsize=None)
def _timed_methods_of(cls) -> tuple:
    """Once per class: a test instruments a few objects of each."""
    names = [n for n in dir(cls) if not n.startswith("_")
             and inspect.isfunction(getattr(cls, n, None))
             and _timeout_param(cls, n) is not None]
    names += [n for n in SOCKET_BOUNDED if hasattr(cls, n)]
    return tuple(sorted(set(names)))


def instrument(obj, log: OperationLog, prefix: str, default: float = None,
               names=None, results=None):
    """Time obj's operations into log, on this object only.

    default is the budget of a call that passes no timeout when the
    method's own default is None (the object's ``timeout`` if not
    given).  results maps a method name to a callback that receives
    what the method returned (a band's connect() hands its link on).
    Instrumenting an object twice is a no-op.
    """
    if getattr(obj, "_liveness_log", None) is not None:
        return obj
    if default is None:
        default = getattr(obj, "timeout", None)
    cls = type(obj)
    depth = [0]
    results = results or {}
    for name in timed_methods(obj, names):
        method = getattr(obj, name)
        spec = _timeout_param(cls, name)
        wrapped = _timed(method, log, f"{prefix}.{name}", spec, default,
                         depth, results.get(name), obj)
        setattr(obj, name, wrapped)
    obj._liveness_log = log
    return obj


def _timed(method, log, label, spec, default, depth, on_result, obj):
    index, own_default = spec if spec is not None else (None, None)

    def timed(*args, **kwargs):
        if depth[0]:
            return method(*args, **kwargs)
        if spec is None:            # bounded by the socket timeout
            timeout = None
            fallback = getattr(obj, "timeout", default)
        else:
            if "timeout" in kwargs:
                timeout = kwargs["timeout"]
            elif index is not None and len(args) > index:
                timeout = args[index]
            else:
                timeout = own_default
            fallback = default
        budget = budget_of(timeout, fallback if fallback is not None
                           else 0.0)
        depth[0] += 1
        try:
            with _Timing(log, label, budget):
                result = method(*args, **kwargs)
        finally:
            depth[0] -= 1
        if on_result is not None:
            on_result(result)
        return result

    # What functools.wraps would copy that anyone reads, without its
    # generic copying: a test instruments thousands of methods.
    timed.__name__ = method.__name__
    timed.__qualname__ = method.__qualname__
    timed.__doc__ = method.__doc__
    timed.__wrapped__ = method
    return timed


# --------------------------------------------------------- band side

def check_busy(control, settle: float = BUSY_SETTLE_S):
    """(busy, note) of a band once its links are closed.

    busy is "" when the band settled to idle within `settle` seconds,
    else what it is still doing; None (with a note) when the band has no
    Busy property to read.
    """
    try:
        value = control.get("Busy")
    except ControlError as exc:
        if exc.name in UNKNOWN_PROPERTY:
            return None, ("the band has no Busy property yet: "
                          "not left busy was not checked")
        raise
    if value == "":
        return "", None
    try:
        control.wait_property("Busy", "", settle)
    except ControlTimeout:
        return control.get("Busy"), None
    return "", None
