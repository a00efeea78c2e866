"""The socket transport's modelled link security (docs/socket-transport.md
"Link security"): the packets that stand for what an LE link layer does
below ATT, naming the central, pairing it and encrypting the link.

Every such packet starts with ESCAPE, an ATT opcode the specification
reserves and no ATT client sends; the band answers each request with
``00 <REPLY | op> <status> ...``.  Statuses are the codes the link layer
carries the same outcome under (HCI and SMP)."""

import enum

ESCAPE = 0x00
REPLY = 0x80
LTK_SIZE = 16


class Op(enum.IntEnum):
    ADDRESS = 0x01      # <address 6, display order> <0 public | 1 random>
    ENCRYPT = 0x02      # <ltk 16>
    PAIR = 0x03         # (nothing); reply <status> [<ltk 16>]
    UNKNOWN = 0x7F      # reply ff 12 <the op not understood>


class Status(enum.IntEnum):
    OK = 0x00
    PAIRING_NOT_SUPPORTED = 0x05    # SMP: the band keeps no bonds
    KEY_MISSING = 0x06              # HCI: PIN or Key Missing
    UNSPECIFIED = 0x08              # SMP: the bond could not be kept
    NO_PEER = 0x0C                  # HCI: Command Disallowed
    INVALID = 0x12                  # HCI: Invalid HCI Command Parameters
    MIC_FAILURE = 0x3D              # HCI: MIC failure; the link ends


def address_req(address: str, random: bool) -> bytes:
    octets = bytes.fromhex(address.replace(":", ""))
    if len(octets) != 6:
        raise ValueError(f"not a Bluetooth address: {address!r}")
    return bytes([ESCAPE, Op.ADDRESS]) + octets + bytes([1 if random else 0])


def encrypt_req(ltk: bytes) -> bytes:
    if len(ltk) != LTK_SIZE:
        raise ValueError("an LTK is 16 bytes")
    return bytes([ESCAPE, Op.ENCRYPT]) + bytes(ltk)


def pair_req() -> bytes:
    return bytes([ESCAPE, Op.PAIR])


def is_reply(packet: bytes) -> bool:
    return len(packet) >= 3 and packet[0] == ESCAPE and \
        packet[1] & REPLY == REPLY
