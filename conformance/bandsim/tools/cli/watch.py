"""``watch --auth-key HEX``: print what the band notifies, decoded, as it
comes: device events (00000010, fact sheet §9), realtime steps
(00000007) and battery (00000006, §5).  The current steps and battery
are read first.  Runs until Ctrl-C or --duration seconds.
"""

import datetime

from ...link.base import Timeout
from ...link.deadline import Deadline
from ...protocol import uuids
from ...protocol.att import NOTIFY_ON
from ...protocol.values import (ValueFormatError, decode_battery,
                                decode_steps, event_name)
from ..argtypes import add_seconds
from .common import command, note, out, session

# Without --duration each wait is this long, again and again.
IDLE_WAIT = 60.0


def decoded(decode):
    """A line for a value: what decode makes of it, its bytes when it
    does not fit the layout."""
    def text(value: bytes) -> str:
        try:
            return str(decode(value))
        except ValueFormatError:
            return value.hex(" ") or "(empty)"
    return text


def event_text(value: bytes) -> str:
    return f"{event_name(value)} ({value.hex(' ')})"


# What is watched: kind -> (characteristic UUID, line for a value).
WATCHED = {
    "event": (uuids.DEVICE_EVENT, decoded(event_text)),
    "steps": (uuids.REALTIME_STEPS, decoded(decode_steps)),
    "battery": (uuids.BATTERY, decoded(decode_battery)),
}


def add_parser(sub) -> None:
    p = command(sub, "watch", "print device events, steps and battery as "
                              "the band sends them", run)
    add_seconds(p, "--duration", "stop after S seconds (default: until "
                                 "Ctrl-C)")


def _line(kind: str, text: str) -> None:
    now = datetime.datetime.now().strftime("%H:%M:%S")
    out(f"{now} {kind:<8} {text}")


def run(args) -> int:
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
        until = Deadline(args.duration) if args.duration else None
        # Once it says it is watching, Ctrl-C is the way to stop it.
        try:
            note("watching device events, steps and battery "
                 + (f"for {args.duration:g} s" if until
                    else "(Ctrl-C stops)"))
            while until is None or not until.expired:
                wait = until if until is not None else IDLE_WAIT
                try:
                    handle, value = link.wait_any_notification(
                        by_handle, wait)
                except Timeout:
                    continue
                kind, decode = by_handle[handle]
                _line(kind, decode(value))
        except KeyboardInterrupt:
            note("stopped")
    return 0
