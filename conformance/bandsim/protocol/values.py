"""The band's values, decoded: one decoder per layout, for the clients,
the CLI and the scenarios alike.

Band local time (fact sheet §4): the band's wall-clock time, what 0x2A2B
shows, counted as if it were UTC ("band local Unix seconds"), the unit
GetSamples uses on the control plane.  Huami's timestamps are
``year u16, month, day, hour, minute, second`` little-endian.

Layouts:

- current time 0x2A2B (§6, 11 bytes): ``year u16 mo d h mi s, day of
  week, fractions256, adjust reason, tz`` (tz in quarter hours);
- battery 00000006 (§5, 20 bytes):

      0f <level> <charging 00|01> <A: year u16 mo d h mi s> <tz A>
         <B: year u16 mo d h mi s> <tz B> <level at B>

  bandsim's policy (docs/battery-firmware.md): A is when charging last
  started (1970-01-01 00:00:00 until the first charge), B and "level at
  B" when it last stopped (at first start: the start time and level).
  Times are band local time, as 0x2A2B shows it;
- realtime steps 00000007 (§2.4, 13 bytes): ``0c <steps u32> <metres
  u32> <kcal u32>``;
- System ID 0x2A23 (§8, 8 bytes): ``MAC[0..2] ff fe MAC[3..5]``.

Device events (00000010, §9) are protocol/devevents.py's.

A value that does not fit its layout raises ValueFormatError (a
ValueError).
"""

import calendar
import datetime
import struct
from dataclasses import dataclass
from typing import NamedTuple

MINUTE = 60
_EPOCH = datetime.datetime(1970, 1, 1)


class ValueFormatError(ValueError):
    """A value that is not the layout it should be."""


# ------------------------------------------------------- band local time

def local_ts(when) -> int:
    """Band local Unix seconds of a naive datetime (or pass an int)."""
    if isinstance(when, datetime.datetime):
        if when.tzinfo is not None:
            raise ValueError("band local time is a naive datetime")
        return calendar.timegm(when.timetuple())
    return int(when)


def local_datetime(ts: int) -> datetime.datetime:
    """The naive band-local datetime of band local Unix seconds."""
    return _EPOCH + datetime.timedelta(seconds=int(ts))


def encode_time(when, tz: int = 0, seconds: bool = False) -> bytes:
    """The request timestamp: ``year u16, month, day, hour, minute, 00,
    tz`` (8 bytes) or with seconds ``..., minute, second, 00, tz`` (9)."""
    t = local_datetime(local_ts(when))
    raw = struct.pack("<HBBBB", t.year, t.month, t.day, t.hour, t.minute)
    if seconds:
        raw += bytes([t.second])
    return raw + struct.pack("<Bb", 0, tz)


# A Huami timestamp (decode_time), and one with the tz byte that follows
# it in the battery value (§5) and the fetch start reply (§4.1).
TIME_SIZE = 7
ZONED_TIME_SIZE = TIME_SIZE + 1


def decode_time(raw: bytes) -> datetime.datetime:
    """``year u16, month, day, hour, minute, second`` (7 bytes)."""
    try:
        year, month, day, hour, minute, second = struct.unpack("<HBBBBB",
                                                               raw)
    except struct.error as exc:
        raise ValueFormatError(f"time of {len(raw)} bytes: "
                               f"{bytes(raw).hex(' ')}") from exc
    try:
        return datetime.datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise ValueFormatError(f"impossible time {bytes(raw).hex(' ')}: "
                               f"{exc}") from exc


# ----------------------------------------------------- current time

CURRENT_TIME_SIZE = 11


class CurrentTime(NamedTuple):
    """0x2A2B field by field, as the band wrote them (not checked to be
    a real date)."""
    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    weekday: int
    fractions: int
    adjust: int
    tz: int                 # quarter hours

    def __str__(self) -> str:
        return (f"{self.year:04}-{self.month:02}-{self.day:02} "
                f"{self.hour:02}:{self.minute:02}:{self.second:02} "
                f"weekday {self.weekday}, tz {self.tz / 4:+g} h")


def encode_current_time(when: datetime.datetime, tz: int = 0) -> bytes:
    """0x2A2B as a phone writes it, 11 bytes: date, time, ISO weekday,
    fractions 0, adjust reason 0, tz in quarter hours."""
    return struct.pack("<HBBBBBBBBb", when.year, when.month, when.day,
                       when.hour, when.minute, when.second,
                       when.isoweekday(), 0, 0, tz)


def decode_current_time(raw: bytes) -> CurrentTime:
    if len(raw) != CURRENT_TIME_SIZE:
        raise ValueFormatError(f"current time {bytes(raw).hex(' ')}")
    return CurrentTime(*struct.unpack("<HBBBBBBBBb", raw))


# --------------------------------------------------------- System ID

# 0x2A23 (§8): MAC[0..2] FF FE MAC[3..5], the band's address around a
# fill.
MAC_SIZE = 6
SYSTEM_ID_FILL = bytes.fromhex("ff fe")


# ----------------------------------------------------------- battery

BATTERY_SIZE = 20
UNSET = datetime.datetime(1970, 1, 1)


class BatteryFormatError(ValueFormatError):
    """A value that is not the 20-byte layout."""


@dataclass(frozen=True)
class BatteryInfo:
    level: int
    charging: bool
    a: datetime.datetime
    tz_a: int
    b: datetime.datetime
    tz_b: int
    level_at_b: int
    raw: bytes

    def __str__(self) -> str:
        return (f"{self.level} %, "
                f"{'charging' if self.charging else 'not charging'}")


def decode_battery(raw: bytes) -> BatteryInfo:
    raw = bytes(raw)
    if len(raw) != BATTERY_SIZE or raw[0] != 0x0F:
        raise BatteryFormatError(f"battery value {raw.hex(' ')}")
    if raw[2] not in (0, 1):
        raise BatteryFormatError(f"charging byte {raw[2]:#04x}")
    try:
        a, b = decode_time(raw[3:10]), decode_time(raw[11:18])
    except ValueFormatError as exc:
        raise BatteryFormatError(f"battery value {raw.hex(' ')}: {exc}") \
            from exc
    (tz_a,) = struct.unpack_from("<b", raw, 10)
    (tz_b,) = struct.unpack_from("<b", raw, 18)
    return BatteryInfo(raw[1], bool(raw[2]), a, tz_a, b, tz_b, raw[19], raw)


# ------------------------------------------------------------- steps

STEPS_SIZE = 13


class Steps(NamedTuple):
    steps: int
    metres: int
    kcal: int

    def __str__(self) -> str:
        return f"{self.steps} steps, {self.metres} m, {self.kcal} kcal"


def decode_steps(raw: bytes) -> Steps:
    """The first 13 bytes of a realtime steps value."""
    if len(raw) < STEPS_SIZE:
        raise ValueFormatError(f"steps value {bytes(raw).hex(' ')}")
    return Steps(*struct.unpack_from("<III", raw, 1))


# ------------------------------------------------------------ samples

# A logged minute's kind byte (§4.2; docs/sync.md "Band life"): the
# name a reader shows; any other value is shown as its hex.
SAMPLE_KINDS = {
    0x00: "sedentary",
    0x01: "activity",
    0x02: "running",
    0x03: "not-worn",
    0x06: "charging",
    0x09: "light-sleep",
    0x0B: "deep-sleep",
}
# Heart-rate byte of a minute the band measured none.
NO_HEART_RATE = 0xFF
