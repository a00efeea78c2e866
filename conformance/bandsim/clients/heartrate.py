"""Heart rate as an app measures it (fact sheet §2.3), over any Link.

HeartRateClient writes the control point 0x2A39 with Write Requests and
reads the readings ``00 <bpm>`` the band notifies on 0x2A37:

- one-shot: ``measure_once()`` starts a manual measurement and returns
  the one reading that ends it;
- continuous: ``start_continuous()``, then ``reading()`` for each value
  while ``keep_alive()`` goes out often enough (satcar77: every 12 s),
  and ``stop_continuous()``.

Apps have habits the band must take: Gadgetbridge and satcar77 stop a
measurement before they start one (``15 02 00`` before ``15 02 01``);
``stop_first`` does the same.  The client never waits in wall time for
the band's clock: the caller lets band time pass (the emulator's
AdvanceClock, or a real band's own clock while reading() waits).
"""

from ..link.base import DEFAULT_TIMEOUT, Link
from ..link.deadline import as_deadline
from ..protocol import heartrate as H
from ..protocol.att import NOTIFY_OFF, NOTIFY_ON
from ..protocol.profile import Profile
from .base import LinkClient

# A real band takes some seconds to read a one-shot value (the profile's
# hr-manual-measure-s is 10): a reading gets this long by default.
READING_TIMEOUT = 30.0


class HeartRateClient(LinkClient):
    """The heart rate of one band, over one link."""

    def __init__(self, att: Link, profile: Profile = None,
                 timeout: float = DEFAULT_TIMEOUT):
        super().__init__(att, profile, timeout)
        self.measurement, self.cccd = self.handles_of(H.HR_MEASUREMENT)
        self.control, _ = self.handles_of(H.HR_CONTROL)

    def enable_notifications(self, on: bool = True, timeout=None) -> None:
        """CCCD of 0x2A37: readings come only to a subscribed link."""
        self.att.write(self.cccd, NOTIFY_ON if on else NOTIFY_OFF,
                       as_deadline(timeout, self.timeout))

    def write(self, command: bytes, timeout=None) -> None:
        """One command on 0x2A39, a Write Request (AttError if refused)."""
        self.att.write(self.control, command,
                       as_deadline(timeout, self.timeout))

    # ---------------------------------------------------------- one-shot

    def start_manual(self, stop_first: bool = False, timeout=None) -> None:
        deadline = as_deadline(timeout, self.timeout)
        if stop_first:
            self.write(H.MANUAL_OFF, deadline)
        self.write(H.MANUAL_ON, deadline)

    def stop_manual(self, timeout=None) -> None:
        self.write(H.MANUAL_OFF, timeout)

    def measure_once(self, timeout=READING_TIMEOUT,
                     stop_first: bool = False) -> int:
        """Start a manual measurement and return its reading (bpm; 0 is
        what a band that read nothing sends).  On the emulator with its
        clock frozen, let band time pass with start_manual() and
        reading() instead."""
        deadline = as_deadline(timeout, READING_TIMEOUT)
        self.start_manual(stop_first, deadline)
        return self.reading(deadline)

    # -------------------------------------------------------- continuous

    def start_continuous(self, stop_first: bool = False,
                         timeout=None) -> None:
        deadline = as_deadline(timeout, self.timeout)
        if stop_first:
            self.write(H.MANUAL_OFF, deadline)
        self.write(H.CONTINUOUS_ON, deadline)

    def keep_alive(self, timeout=None) -> None:
        self.write(H.KEEP_ALIVE, timeout)

    def stop_continuous(self, timeout=None) -> None:
        self.write(H.CONTINUOUS_OFF, timeout)

    # ----------------------------------------------------------- readings

    def reading(self, timeout=READING_TIMEOUT) -> int:
        """The next reading's bpm (Timeout if none comes in time)."""
        value = self.att.wait_notification(
            self.measurement, as_deadline(timeout, READING_TIMEOUT))
        return H.decode_reading(value)
