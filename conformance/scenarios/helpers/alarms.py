"""Alarms and the band's routine on a band whose clock runs (a real one,
or --bandsim-stand-in): what is due at a whole minute of band time is
set for the band's next minute, read on 0x2A2B first, and the phone
waits on the link for it with a deadline.

The band rings an alarm when its clock reaches hh:mm:00 (docs/settings.md
"What the band does"); its time reads to the second, so the minute comes
up to a second sooner than the read says.  A wait is at most
ALARM_WAIT_MAX_S (a minute, the margin and the slack).
"""

import datetime
from typing import NamedTuple

from bandsim.link.base import Timeout
from bandsim.link.deadline import Deadline
from bandsim.protocol.profile import default_profile
from bandsim.protocol.settings import DAYS
from bandsim.protocol.values import local_datetime

from .sync import MINUTE, band_now

DEVICE_EVENT = default_profile().characteristic("device-event")
# An alarm is set at least this long before its minute, so that the
# write is in before the band's clock gets there.
ALARM_MARGIN_S = 3
# How much later than its minute the phone may hear of it: the band's
# minute work after the tick, the link.
RING_SLACK_S = 5
# How much sooner than the read says: the time reads to the second,
# and the read's reply took a while to come.
EARLY_S = 2
ALARM_WAIT_MAX_S = MINUTE + ALARM_MARGIN_S + RING_SLACK_S


class Minute(NamedTuple):
    """A whole minute of band time ahead: when (band local), the phone's
    deadlines for it (not before `early` expired, by `late`)."""
    when: datetime.datetime
    early: Deadline
    late: Deadline

    @property
    def hour(self) -> int:
        return self.when.hour

    @property
    def minute(self) -> int:
        return self.when.minute

    @property
    def day(self) -> str:
        """Its weekday, "mon".."sun"."""
        return DAYS[self.when.weekday()]

    @property
    def hm(self) -> str:
        return f"{self.when:%H:%M}"

    def plus(self, minutes: int) -> tuple:
        """(hour, minute) `minutes` from it (negative: before it)."""
        t = self.when + datetime.timedelta(minutes=minutes)
        return t.hour, t.minute


def next_minute(att, margin: float = ALARM_MARGIN_S) -> Minute:
    """The band's next whole minute at least `margin` seconds away."""
    now = band_now(att)
    at = (now // MINUTE + 1) * MINUTE
    if at - now < margin:
        at += MINUTE
    wait = at - now
    return Minute(local_datetime(at), Deadline(max(0, wait - EARLY_S)),
                  Deadline(wait + RING_SLACK_S))


def listen(att, deadline: Deadline) -> None:
    """Wait on the link until deadline, passing over the device events
    (00000010) the band sends meanwhile."""
    while not deadline.expired:
        try:
            att.wait_notification(DEVICE_EVENT.value_handle,
                                  deadline.remaining())
        except Timeout:
            pass


def device_event_by(att, code: int, deadline: Deadline, what: str) -> bytes:
    """The band's device event `code` on 00000010 (notifications on)
    before deadline; other events on the way are passed over."""
    while True:
        try:
            raw = bytes(att.wait_notification(DEVICE_EVENT.value_handle,
                                              deadline.remaining()))
        except Timeout:
            raise AssertionError(f"no device event {code:02x} ({what}) "
                                 f"within {deadline.seconds:g} s") from None
        if raw[:1] == bytes([code]):
            return raw


def device_event_at(att, code: int, at: Minute, what: str) -> bytes:
    """device_event_by() for an event due at minute `at`: it must come
    no sooner than the minute and by its slack."""
    raw = device_event_by(att, code, at.late, f"{what}, due at {at.hm}")
    assert at.early.expired, \
        f"device event {code:02x} ({what}) before {at.hm} band time"
    return raw
