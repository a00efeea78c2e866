"""``watch --auth-key HEX``: print what the band notifies, decoded, as it
comes: device events (00000010, fact sheet §9), realtime steps
(00000007) and battery (00000006, §5).  The current steps and battery
are read first.  Runs until Ctrl-C or --duration seconds.
"""

import datetime
import struct

from .. import battery
from ..att import Timeout
from ..deadline import Deadline
from .common import add_auth, add_target, note, out, seconds, session

EVENT_UUID = "00000010-0000-3512-2118-0009af100700"
STEPS_UUID = "00000007-0000-3512-2118-0009af100700"
# Without --duration each wait is this long, again and again.
IDLE_WAIT = 60.0

# Device events as Gadgetbridge names them (HuamiDeviceEvent).
EVENTS = {
    0x01: "fell asleep",
    0x02: "woke up",
    0x03: "step goal reached",
    0x04: "button pressed",
    0x06: "not worn",
    0x07: "call rejected",
    0x08: "find phone",
    0x0A: "alarm toggled",
    0x0B: "button long-pressed",
    0x0E: "30-minute tick",
    0x0F: "find phone stopped",
    0xFE: "music control",
}


def decode_event(value: bytes) -> str:
    if not value:
        return "(empty)"
    name = EVENTS.get(value[0], "unknown")
    return f"{name} ({value.hex(' ')})"


def decode_steps(value: bytes) -> str:
    if len(value) < 13:
        return value.hex(" ")
    steps, metres, kcal = struct.unpack_from("<III", value, 1)
    return f"{steps} steps, {metres} m, {kcal} kcal"


def decode_battery(value: bytes) -> str:
    try:
        info = battery.parse(value)
    except battery.BatteryFormatError:
        return value.hex(" ")
    return f"{info.level} %, {'charging' if info.charging else 'not charging'}"


def add_parser(sub) -> None:
    p = sub.add_parser("watch", help="print device events, steps and "
                                     "battery as the band sends them")
    add_target(p)
    add_auth(p)
    p.add_argument("--duration", type=seconds, metavar="S",
                   help="stop after S seconds (default: until Ctrl-C)")
    p.set_defaults(run=run)


def _line(kind: str, text: str) -> None:
    now = datetime.datetime.now().strftime("%H:%M:%S")
    out(f"{now} {kind:<8} {text}")


def run(args) -> int:
    with session(args) as s:
        link, profile = s.link, s.profile
        chars = {
            "event": (profile.by_uuid(EVENT_UUID), decode_event),
            "steps": (profile.by_uuid(STEPS_UUID), decode_steps),
            "battery": (profile.by_uuid(battery.BATTERY_UUID),
                        decode_battery),
        }
        by_handle = {}
        for kind, (char, decode) in chars.items():
            link.write(char.cccd_handle, b"\x01\x00")
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
