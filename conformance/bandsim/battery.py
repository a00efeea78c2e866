"""The battery characteristic 00000006 (fact sheet §5, 20 bytes):

    0f <level> <charging 00|01> <A: year u16 mo d h mi s> <tz A>
       <B: year u16 mo d h mi s> <tz B> <level at B>

bandsim's policy (docs/battery-firmware.md): A is when charging last
started (1970-01-01 00:00:00 until the first charge), B and "level at
B" when it last stopped (at first start: the start time and level).
Times are band local time, as 0x2A2B shows it.
"""

import datetime
import struct
from dataclasses import dataclass

from .fetch import decode_time

BATTERY_UUID = "00000006-0000-3512-2118-0009af100700"
SIZE = 20
UNSET = datetime.datetime(1970, 1, 1)


class BatteryFormatError(ValueError):
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


def parse(raw: bytes) -> BatteryInfo:
    raw = bytes(raw)
    if len(raw) != SIZE or raw[0] != 0x0F:
        raise BatteryFormatError(f"battery value {raw.hex(' ')}")
    if raw[2] not in (0, 1):
        raise BatteryFormatError(f"charging byte {raw[2]:#04x}")
    try:
        a, b = decode_time(raw[3:10]), decode_time(raw[11:18])
    except Exception as exc:
        raise BatteryFormatError(f"battery value {raw.hex(' ')}: {exc}") \
            from exc
    (tz_a,) = struct.unpack_from("<b", raw, 10)
    (tz_b,) = struct.unpack_from("<b", raw, 18)
    return BatteryInfo(raw[1], bool(raw[2]), a, tz_a, b, tz_b, raw[19], raw)
