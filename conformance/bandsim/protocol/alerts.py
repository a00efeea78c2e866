"""Alerts as a phone writes them (fact sheet §2.1, §2.6, §9;
docs/alerts.md has each layout and where it comes from).

- 0x2A46: ``<category> 01 [<icon>] <title> 00 <text>``, a Write Request
  (a long one goes out as queued writes);
- 00000020: chunked transfers, ``00 <flags | type> <index> <payload>``
  in Write Commands of at most ATT_MTU - 3 bytes: type 0 an alert or a
  call, 1 the weather, 3 the track playing;
- 0x2A06: the alert level, find band ``03`` until ``00``;
- 00000010: the band's answer to a call, ``07`` rejected, ``09`` ignored.

What the emulator reports of them (the events' fields) is named here
too, so a scenario compares against one table.
"""

import enum
import struct


class Category(enum.IntEnum):
    """Alert Notification categories, and Huami's custom one (0xFA)
    that carries an app icon."""
    SIMPLE = 0x00
    EMAIL = 0x01
    NEWS = 0x02
    INCOMING_CALL = 0x03
    MISSED_CALL = 0x04
    SMS = 0x05
    VOICE_MAIL = 0x06
    SCHEDULE = 0x07
    HIGH_PRIORITY = 0x08
    INSTANT_MESSAGE = 0x09
    APP = 0xFA


# alert-received's category for each (an incoming call rings instead).
CATEGORY_NAMES = {
    Category.SIMPLE: "simple",
    Category.EMAIL: "email",
    Category.NEWS: "news",
    Category.INCOMING_CALL: "incoming-call",
    Category.MISSED_CALL: "missed-call",
    Category.SMS: "sms",
    Category.VOICE_MAIL: "voice-mail",
    Category.SCHEDULE: "schedule",
    Category.HIGH_PRIORITY: "high-priority",
    Category.INSTANT_MESSAGE: "instant-message",
    Category.APP: "app",
}

# The icon Gadgetbridge and harbour-amazfish put after 0xFA (HuamiIcon).
APP_ICON = 0x0B


def alert(category: int, title: str, text: str = "",
          icon: int = APP_ICON) -> bytes:
    """A text alert: 0x2A46's value, or a type-0 transfer's payload."""
    head = bytes([category, 0x01])
    if category == Category.APP:
        head += bytes([icon])
    body = title.encode()
    if text:
        body += b"\x00" + text.encode()
    return head + body


def call(caller: str) -> bytes:
    """An incoming call (category 03), as satcar77 sends it."""
    return alert(Category.INCOMING_CALL, caller)


class ChunkType(enum.IntEnum):
    ALERT = 0
    WEATHER = 1
    MUSIC = 3


# §2.6 flags, as Gadgetbridge and satcar77 set them.
FIRST = 0x00
MIDDLE = 0x40
LAST = 0x80
SINGLE = 0xC0


def chunk(type_: int, flags: int, index: int, payload: bytes) -> bytes:
    return bytes([0x00, flags | type_, index & 0xFF]) + bytes(payload)


def chunks(type_: int, payload: bytes, mtu: int = 23) -> list:
    """payload cut into the writes of one transfer, ATT_MTU - 6 bytes of
    it each (Gadgetbridge's writeToChunked)."""
    size = mtu - 6
    payload = bytes(payload)
    parts = [payload[i:i + size]
             for i in range(0, max(len(payload), 1), size)]
    out = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if last:
            flags = SINGLE if index == 0 else LAST
        else:
            flags = FIRST if index == 0 else MIDDLE
        out.append(chunk(type_, flags, index, part))
    return out


class MusicState(enum.IntEnum):
    PAUSED = 0
    PLAYING = 1


MUSIC_STATE_NAMES = {MusicState.PAUSED: "paused",
                     MusicState.PLAYING: "playing"}


def music(state: int, artist: str = "", album: str = "", track: str = "",
          position_s: int = 0, duration_s: int = 0) -> bytes:
    """A type-3 payload, Gadgetbridge's sendMusicStateToDevice layout:
    <flags> <state> 00 <position u16> [artist 00] [album 00] [track 00]
    [<duration u16>]."""
    flags, tail = 0x01, b""
    for bit, text in ((0x02, artist), (0x04, album), (0x08, track)):
        if text:
            flags |= bit
            tail += text.encode() + b"\x00"
    if duration_s:
        flags |= 0x10
        tail += struct.pack("<H", duration_s)
    return bytes([flags, state, 0x00]) + struct.pack("<H", position_s) + tail


def weather_current(timestamp: int, condition: int, temperature: int,
                    text: str, tz_quarters: int = 0) -> bytes:
    """A type-1 payload, Gadgetbridge's current weather:
    02 <time u32> <tz> <condition> <temperature> <text> 00."""
    return struct.pack("<BIbBb", 0x02, timestamp, tz_quarters, condition,
                       temperature) + text.encode() + b"\x00"


def weather_text(temperature: int, text: str) -> str:
    """What weather-received says of weather_current()."""
    return f"{temperature}\u00b0 {text}" if text else f"{temperature}\u00b0"


class Level(enum.IntEnum):
    """0x2A06 (§2.1)."""
    NONE = 0
    MESSAGE = 1
    PHONE_CALL = 2
    FIND = 3


# Device events on 00000010 that answer a call (§9).
CALL_REJECTED = 0x07
CALL_IGNORED = 0x09

# chunk-dropped's reasons (docs/policies.md#chunked-transfers).
DROP_REASONS = ("malformed", "out-of-order", "missing-last", "timeout",
                "too-long", "disconnected", "unknown-type")
