"""What the band shows or does, on any band: hands.sees() / hands.felt()
(the control plane's Screen and events on the emulator, the person's
y/n on a real band), and the band time a screen needs to go.

A person judges a screen's time only coarsely: a scenario asks right
after what put the screen up, and asks again only once the screen's
time and LOOK_SLACK_S more have passed, when it must be gone (at most
LOOK_WAIT_MAX_S of waiting on a band whose clock runs; longer times are
the witness's to check).
"""

from bandsim.clients.alerts import AlertClient
from bandsim.link.base import Timeout
from bandsim.link.deadline import Deadline

# What a person's look (and the phone's timing) may be off by.
LOOK_SLACK_S = 3
# The longest a scenario waits on a running clock for a screen to go:
# screen-alarm-s (30) and the slack.
LOOK_WAIT_MAX_S = 35


def let_pass(att, band_time, seconds: float) -> None:
    """`seconds` of band time: at once with a control plane (AdvanceClock,
    everything due has happened on return); on a band whose clock runs
    the phone waits them out on the link, listening to the band's device
    events (00000010) and passing over whatever it says meanwhile."""
    assert seconds <= LOOK_WAIT_MAX_S or band_time.control is not None, \
        f"{seconds} s is too long to wait for on a running clock"
    band_time.let_pass(seconds)
    if band_time.control is not None:
        return
    handle = AlertClient(att).device_event
    deadline = Deadline(seconds)
    while not deadline.expired:
        try:
            att.wait_notification(handle, deadline.remaining())
        except Timeout:
            pass


class PassingTime:
    """advance_clock(seconds) for code written against the control plane
    that only lets band time pass: let_pass() on the phone's link, and on
    a band whose clock runs LOOK_SLACK_S more, so that whatever was due
    by then has happened."""

    def __init__(self, att, band_time):
        self.att = att
        self.band_time = band_time

    def advance_clock(self, seconds: float) -> None:
        if self.band_time.control is None:
            seconds += LOOK_SLACK_S
        let_pass(self.att, self.band_time, seconds)
