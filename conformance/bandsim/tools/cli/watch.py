"""``watch --auth-key HEX``: print what the band notifies, decoded, as it
comes: device events (00000010, fact sheet §9: the music screen's
buttons, find phone, ...), realtime steps (00000007) and battery
(00000006, §5).  The current steps and battery are read first.  With
``--band-control ADDRESS`` (an emulated band's io.bandsim.Band1) it also
prints what the band shows, its Screen, as it changes.  Runs until
Ctrl-C or --duration seconds.
"""

import datetime

from ...link.base import Timeout
from ...link.deadline import Deadline
from ...protocol import devevents, uuids
from ...protocol.att import NOTIFY_ON
from ...protocol.values import (ValueFormatError, decode_battery,
                                decode_steps)
from ..argtypes import add_seconds
from .common import CommandError, command, note, out, session

# Without --duration each wait is this long, again and again.
IDLE_WAIT = 60.0
# With the control plane, the link is waited on this long at a time, and
# the screen's changes printed in between.
SCREEN_WAIT = 0.2


def decoded(decode):
    """A line for a value: what decode makes of it, its bytes when it
    does not fit the layout."""
    def text(value: bytes) -> str:
        try:
            return str(decode(value))
        except ValueFormatError:
            return value.hex(" ") or "(empty)"
    return text


# What is watched: kind -> (characteristic UUID, line for a value).
WATCHED = {
    "event": (uuids.DEVICE_EVENT, devevents.describe),
    "steps": (uuids.REALTIME_STEPS, decoded(decode_steps)),
    "battery": (uuids.BATTERY, decoded(decode_battery)),
}


def add_parser(sub) -> None:
    p = command(sub, "watch", "print device events, steps and battery as "
                              "the band sends them", run)
    add_seconds(p, "--duration", "stop after S seconds (default: until "
                                 "Ctrl-C)")
    p.add_argument("--band-control", metavar="ADDRESS",
                   help="an emulated band's control plane "
                        "(io.bandsim.Band1: unix:path=..., session or "
                        "system): also print what the band shows")


def screen_text(screen: dict) -> str:
    """What the band shows, as `bandsim ctl status` prints it: the
    screen's name, then its fields."""
    fields = " ".join(f"{key}={value!r}" for key, value in screen.items()
                      if key not in ("name", "screen"))
    name = screen.get("name", screen.get("screen", "?"))
    return f"{name} {fields}" if fields else name


class ScreenWatch:
    """The band's Screen through its control plane: the screen-changed
    events that came since the last look."""

    def __init__(self, address: str, timeout: float):
        # GIO only when watching a screen: every command shares this
        # module's imports, and GIO's cost 22 ms of CPU each time.
        from ...harness.control import ControlClient, ControlError
        from ...harness.targets import TargetError, bus_address
        try:
            self.control = ControlClient(bus_address(address),
                                         timeout=timeout)
            self.first = dict(self.control.get("Screen"))
        except (TargetError, ControlError) as exc:
            raise CommandError(f"--band-control {address}: {exc}") from None
        self.seen = len(self.control.timeline)

    def changes(self) -> list:
        self.control.drain()
        new = self.control.timeline[self.seen:]
        self.seen = len(self.control.timeline)
        return [screen_text(e.details) for e in new
                if e.name == "screen-changed"]

    def close(self) -> None:
        self.control.close()


def _line(kind: str, text: str) -> None:
    now = datetime.datetime.now().strftime("%H:%M:%S")
    out(f"{now} {kind:<8} {text}")


def run(args) -> int:
    screen = ScreenWatch(args.band_control, args.timeout) \
        if args.band_control else None
    try:
        return _watch(args, screen)
    finally:
        if screen is not None:
            screen.close()


def _wait(until, screen):
    """How long one wait on the link may be."""
    if screen is not None:
        return min(until.remaining(), SCREEN_WAIT) if until is not None \
            else SCREEN_WAIT
    return until if until is not None else IDLE_WAIT


def _watch(args, screen) -> int:
    with session(args) as s:
        link, profile = s.link, s.profile
        chars = {kind: (profile.by_uuid(uuid), line)
                 for kind, (uuid, line) in WATCHED.items()}
        by_handle = {}
        for kind, (char, decode) in chars.items():
            link.write(char.cccd_handle, NOTIFY_ON)
            by_handle[char.value_handle] = (kind, decode)
        for kind in ("steps", "battery"):
            char, decode = chars[kind]
            _line(kind, decode(link.read(char.value_handle)))
        if screen is not None:
            _line("screen", screen_text(screen.first))
        until = Deadline(args.duration) if args.duration else None
        # Once it says it is watching, Ctrl-C is the way to stop it.
        try:
            note("watching device events, steps and battery"
                 + (" and the screen " if screen is not None else " ")
                 + (f"for {args.duration:g} s" if until
                    else "(Ctrl-C stops)"))
            while until is None or not until.expired:
                try:
                    handle, value = link.wait_any_notification(
                        by_handle, _wait(until, screen))
                    kind, decode = by_handle[handle]
                    _line(kind, decode(value))
                except Timeout:
                    pass
                for text in screen.changes() if screen is not None else ():
                    _line("screen", text)
        except KeyboardInterrupt:
            note("stopped")
    return 0
