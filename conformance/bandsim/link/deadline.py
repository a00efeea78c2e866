"""Deadlines shared by every step of one operation.

A multi-step exchange (discovery, a status wait that reads several lines)
gets one budget: each step waits only for what is left of it, so retrying
steps can never stretch an operation past its limit.  read_until() reads
a pipe or terminal that way.
"""

import os
import select
import time

# Every default deadline (a call given no timeout) is multiplied by this:
# a run on a slow machine (the BlueZ tier in a VM without KVM) sets
# BANDSIM_TIMEOUT_SCALE instead of failing on time.  Explicit timeouts,
# such as "nothing may come within 0.5 s", are left as they are.
SCALE = float(os.environ.get("BANDSIM_TIMEOUT_SCALE", "1") or 1)


class Deadline:
    """A fixed point on the monotonic clock."""

    def __init__(self, seconds: float):
        if seconds < 0:
            raise ValueError(f"negative timeout {seconds}")
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left, never negative, so it can go straight to select()."""
        return max(0.0, self._end - time.monotonic())

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self._end


def as_deadline(timeout, default: float) -> Deadline:
    """Accept None (use default), a number of seconds or a Deadline.

    Public calls take plain seconds; helpers that issue several requests
    pass their own Deadline down so the whole sequence shares it.
    """
    if isinstance(timeout, Deadline):
        return timeout
    return Deadline(default * SCALE if timeout is None else timeout)


def read_until(fd: int, buffer: bytearray, done, deadline: Deadline,
               error=TimeoutError, quiet="nothing arrived in time",
               closed="the other end closed", size: int = 4096) -> None:
    """Read fd onto buffer until done(buffer) holds, waiting on select()
    for no longer than what is left of deadline.  When nothing more comes
    before the deadline, or fd closes first, raises error(quiet) or
    error(closed): each a message, or a function of the buffer that
    makes one.  What was read stays in buffer either way."""
    while not done(buffer):
        ready, _, _ = select.select([fd], [], [], deadline.remaining())
        chunk = os.read(fd, size) if ready else None
        if not chunk:
            why = quiet if chunk is None else closed
            raise error(why(buffer) if callable(why) else why)
        buffer += chunk
