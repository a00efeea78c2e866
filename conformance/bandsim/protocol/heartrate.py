"""Heart rate on the wire (fact sheet §2.3, §1, §4.2).

The control point 0x2A39 (Write Requests):

- ``15 02 01`` / ``15 02 00``: a manual (one-shot) measurement on / off;
- ``15 01 01`` / ``15 01 00``: a continuous measurement on / off;
- ``16``: the keep-alive of a continuous measurement (satcar77 sends it
  every 12 s; without it the band turns the measurement off by itself,
  Gadgetbridge #913);
- ``15 00 <on>`` (sleep assist) and ``14 <minutes>`` (the all-day
  interval) are settings: protocol/settings.py builds them.

Readings arrive on 0x2A37 as ``00 <bpm>``.  The activity log's fourth
sample byte and the advertisement's manufacturer data carry a heart rate
too, ``ff`` meaning none.
"""

from typing import Optional

from . import uuids

HR_MEASUREMENT = uuids.HR_MEASUREMENT
HR_CONTROL = uuids.HR_CONTROL

MANUAL_ON = bytes.fromhex("15 02 01")
MANUAL_OFF = bytes.fromhex("15 02 00")
CONTINUOUS_ON = bytes.fromhex("15 01 01")
CONTINUOUS_OFF = bytes.fromhex("15 01 00")
KEEP_ALIVE = bytes.fromhex("16")

# How often satcar77 keeps a continuous measurement alive, in seconds.
KEEP_ALIVE_EVERY = 12

# "no heart rate" in a log sample (§4.2) and in the advertisement (§1).
NO_HEART_RATE = 0xFF

# The Huami company ID of the advertisement's manufacturer data (§1).
HUAMI_COMPANY = 0x0157
AD_MANUFACTURER = 0xFF


def decode_reading(value: bytes) -> int:
    """The bpm of a 0x2A37 notification ``00 <bpm>`` (ValueError for any
    other layout).  0 is what a band sends when it read nothing."""
    value = bytes(value)
    if len(value) != 2 or value[0] != 0x00:
        raise ValueError(f"not a heart-rate reading: {value.hex(' ')}")
    return value[1]


def ad_structures(data: bytes) -> list:
    """[(AD type, payload)] of legacy advertising data (Core Supplement
    Part A 1): length, type, payload, until a zero length or the end."""
    data, found, i = bytes(data), [], 0
    while i < len(data) and data[i]:
        length = data[i]
        if i + 1 + length > len(data):
            raise ValueError(f"AD structure at {i} runs past the end: "
                             f"{data.hex(' ')}")
        found.append((data[i + 1], data[i + 2:i + 1 + length]))
        i += 1 + length
    return found


def manufacturer_payload(data: bytes, company: int = HUAMI_COMPANY):
    """The manufacturer data after the company ID, for company, from
    advertising data; None if there is none."""
    for ad_type, payload in ad_structures(data):
        if ad_type == AD_MANUFACTURER and len(payload) >= 2 and \
                int.from_bytes(payload[:2], "little") == company:
            return payload[2:]
    return None


def advertised_heart_rate(payload: bytes, offset: int) -> Optional[int]:
    """The heart rate in the manufacturer payload (after the company ID)
    at the profile's heart-rate-offset: None for ``ff`` (not measuring)
    or a payload too short to have it."""
    if payload is None or len(payload) <= offset:
        return None
    value = payload[offset]
    return None if value == NO_HEART_RATE else value
