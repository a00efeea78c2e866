"""Device events, what the band notifies on 00000010 of its own accord
(fact sheet §9): the first byte names the event, a few carry bytes
after it.

- ``10 <on>``: silent mode from the band's menu, 00 off, 01 on;
- ``14 <?> <needs GPS> <workout type>``: a workout starts on the band;
- ``16 <mtu u16>``: the band announces its MTU (§13);
- ``FE <action>``: the music screen (MUSIC has the codes; satcar77
  confirms them on a real Mi Band 4).

Find phone is 08 (start) and 0F (stop); the phone answers on 00000003
(protocol/settings.py find_phone_ack).  decode() reads a value;
describe() is a line for people.
"""

import struct
from dataclasses import dataclass

from .values import ValueFormatError

FELL_ASLEEP = 0x01
WOKE_UP = 0x02
GOAL_REACHED = 0x03
BUTTON = 0x04
NON_WEAR = 0x06
CALL_REJECTED = 0x07
FIND_PHONE_START = 0x08
CALL_IGNORED = 0x09
ALARM_TOGGLED = 0x0A
BUTTON_LONG = 0x0B
TICK_30MIN = 0x0E
FIND_PHONE_STOP = 0x0F
SILENT_MODE = 0x10
WORKOUT = 0x14
MTU = 0x16
ALARM_CHANGED = 0x1A
MUSIC_CONTROL = 0xFE

# As Gadgetbridge names them (HuamiDeviceEvent); the bytes after the
# code each takes.
NAMES = {
    FELL_ASLEEP: "fell asleep",
    WOKE_UP: "woke up",
    GOAL_REACHED: "step goal reached",
    BUTTON: "button pressed",
    NON_WEAR: "not worn",
    CALL_REJECTED: "call rejected",
    FIND_PHONE_START: "find phone",
    CALL_IGNORED: "call ignored",
    ALARM_TOGGLED: "alarm toggled",
    BUTTON_LONG: "button long-pressed",
    TICK_30MIN: "30-minute tick",
    FIND_PHONE_STOP: "find phone stopped",
    SILENT_MODE: "silent mode",
    WORKOUT: "workout starting",
    MTU: "MTU",
    ALARM_CHANGED: "alarm changed",
    MUSIC_CONTROL: "music control",
}
EXTRA = {SILENT_MODE: 1, WORKOUT: 3, MTU: 2, MUSIC_CONTROL: 1}

# FE <code>: the music screen's buttons, by the name the control plane
# takes (MusicControl).
MUSIC = {
    "play": 0x00,
    "pause": 0x01,
    "next": 0x03,
    "previous": 0x04,
    "volume-up": 0x05,
    "volume-down": 0x06,
    "open": 0xE0,
    "close": 0xE1,
}
MUSIC_ACTIONS = {code: name for name, code in MUSIC.items()}


@dataclass(frozen=True)
class DeviceEvent:
    code: int
    extra: bytes = b""

    @property
    def name(self) -> str:
        """Gadgetbridge's name, "unknown" for a code it does not name."""
        return NAMES.get(self.code, "unknown")

    @property
    def music(self):
        """The music screen's action ("play", "open", ...), or None."""
        if self.code != MUSIC_CONTROL:
            return None
        return MUSIC_ACTIONS.get(self.extra[0], "unknown")

    @property
    def silent(self):
        """Silent mode on (True) or off, or None."""
        return bool(self.extra[0]) if self.code == SILENT_MODE else None

    @property
    def mtu(self):
        return struct.unpack("<H", self.extra)[0] if self.code == MTU \
            else None

    def __bytes__(self) -> bytes:
        return bytes([self.code]) + self.extra

    def __str__(self) -> str:
        detail = self.music or (None if self.silent is None
                                else "on" if self.silent else "off")
        if self.mtu is not None:
            detail = str(self.mtu)
        return f"{self.name}: {detail}" if detail else self.name


def decode(raw: bytes) -> DeviceEvent:
    """A device event value; ValueFormatError when it is empty, or a
    known code comes with other than its bytes."""
    if not raw:
        raise ValueFormatError("an empty device event")
    code, extra = raw[0], bytes(raw[1:])
    if code in NAMES and len(extra) != EXTRA.get(code, 0):
        raise ValueFormatError(f"device event {bytes(raw).hex(' ')}: "
                               f"{NAMES[code]} takes "
                               f"{EXTRA.get(code, 0)} bytes after its code")
    return DeviceEvent(code, extra)


def describe(raw: bytes) -> str:
    """A line for people: what the event says and its bytes."""
    try:
        text = str(decode(raw))
    except ValueFormatError:
        text = NAMES.get(raw[0], "unknown") if raw else "(empty)"
    return f"{text} ({bytes(raw).hex(' ')})"
