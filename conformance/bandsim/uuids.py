"""UUID forms used by the suite.

Everything above the wire is a lowercase 128-bit string, so a UUID from
the profile, from a 2-byte wire form and from a 16-byte wire form compare
equal without special cases.  On the wire ATT carries SIG-base UUIDs as
2 bytes and everything else as 16 bytes, both little-endian.
"""

import uuid as _uuid

SIG_BASE_SUFFIX = "-0000-1000-8000-00805f9b34fb"


def sig(short: int) -> str:
    """Full form of a 16-bit SIG-assigned UUID."""
    if not 0 <= short <= 0xFFFF:
        raise ValueError(f"not a 16-bit UUID: {short:#x}")
    return f"0000{short:04x}{SIG_BASE_SUFFIX}"


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
