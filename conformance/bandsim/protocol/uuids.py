"""UUID forms, and the UUIDs of the Mi Band 4's characteristics.

Everything above the wire is a lowercase 128-bit string, so a UUID from
the profile, from a 2-byte wire form and from a 16-byte wire form compare
equal without special cases.  On the wire ATT carries SIG-base UUIDs as
2 bytes and everything else as 16 bytes, both little-endian.

Huami's characteristics share one base (fact sheet §2): 0000XXXX-0000-
3512-2118-0009af100700, XXXX their number; they are named below as the
profile names them.
"""

import uuid as _uuid

SIG_BASE_SUFFIX = "-0000-1000-8000-00805f9b34fb"
HUAMI_BASE_SUFFIX = "-0000-3512-2118-0009af100700"


def sig(short: int) -> str:
    """Full form of a 16-bit SIG-assigned UUID."""
    if not 0 <= short <= 0xFFFF:
        raise ValueError(f"not a 16-bit UUID: {short:#x}")
    return f"0000{short:04x}{SIG_BASE_SUFFIX}"


def huami(number: int) -> str:
    """Full form of a characteristic on Huami's base UUID."""
    if not 0 <= number <= 0xFFFF:
        raise ValueError(f"not a Huami characteristic number: {number:#x}")
    return f"0000{number:04x}{HUAMI_BASE_SUFFIX}"


def normalize(text: str) -> str:
    """Full lowercase form of "2a00", "0x2A00" or a 128-bit UUID string."""
    text = text.strip().lower()
    if text.startswith("0x"):
        text = text[2:]
    if len(text) == 4:
        return sig(int(text, 16))
    return str(_uuid.UUID(text))


def short_form(full: str):
    """The 16-bit value of a SIG-base UUID, or None when it needs 128 bits."""
    full = normalize(full)
    if full.endswith(SIG_BASE_SUFFIX) and full.startswith("0000"):
        return int(full[4:8], 16)
    return None


def from_wire(data: bytes) -> str:
    if len(data) == 2:
        return sig(int.from_bytes(data, "little"))
    if len(data) == 16:
        return str(_uuid.UUID(bytes=bytes(reversed(data))))
    raise ValueError(f"UUID must be 2 or 16 bytes on the wire, got {len(data)}")


def to_wire(text: str) -> bytes:
    """Shortest wire form, as a server compares types in either length."""
    full = normalize(text)
    short = short_form(full)
    if short is not None:
        return short.to_bytes(2, "little")
    return bytes(reversed(_uuid.UUID(full).bytes))


# The characteristics the clients and the CLI use, by the profile's names.
CURRENT_TIME = sig(0x2A2B)
HR_MEASUREMENT = sig(0x2A37)
HR_CONTROL = sig(0x2A39)
CONFIGURATION = huami(0x0003)
FETCH_CONTROL = huami(0x0004)
ACTIVITY_DATA = huami(0x0005)
BATTERY = huami(0x0006)
REALTIME_STEPS = huami(0x0007)
USER_SETTINGS = huami(0x0008)
AUTH = huami(0x0009)
DEVICE_EVENT = huami(0x0010)
ALERT_LEVEL = sig(0x2A06)
NEW_ALERT = sig(0x2A46)
CHUNKED = huami(0x0020)
WORKOUT = huami(0x000F)
FIRMWARE_CONTROL = huami(0x1531)
FIRMWARE_DATA = huami(0x1532)
# Device Information values that differ from band to band (§8).
SYSTEM_ID = sig(0x2A23)
SERIAL_NUMBER = sig(0x2A25)
