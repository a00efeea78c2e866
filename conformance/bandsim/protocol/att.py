"""ATT as the band speaks it (Core spec Vol 3 Part F): opcodes, error
codes, the attribute types of a GATT table and the Error Response.

The socket link (link/sock.py) builds and parses PDUs with these; the
bleak link maps BlueZ's errors back to the codes; the report and the
capture tools name opcodes with them.
"""

import enum
import struct

from . import uuids

# Every link starts at this ATT_MTU until an exchange raises it.
DEFAULT_MTU = 23


class Op(enum.IntEnum):
    ERROR_RSP = 0x01
    MTU_REQ = 0x02
    MTU_RSP = 0x03
    FIND_INFO_REQ = 0x04
    FIND_INFO_RSP = 0x05
    FIND_BY_TYPE_VALUE_REQ = 0x06
    FIND_BY_TYPE_VALUE_RSP = 0x07
    READ_BY_TYPE_REQ = 0x08
    READ_BY_TYPE_RSP = 0x09
    READ_REQ = 0x0A
    READ_RSP = 0x0B
    READ_BLOB_REQ = 0x0C
    READ_BLOB_RSP = 0x0D
    READ_BY_GROUP_TYPE_REQ = 0x10
    READ_BY_GROUP_TYPE_RSP = 0x11
    WRITE_REQ = 0x12
    WRITE_RSP = 0x13
    PREPARE_WRITE_REQ = 0x16
    PREPARE_WRITE_RSP = 0x17
    EXECUTE_WRITE_REQ = 0x18
    EXECUTE_WRITE_RSP = 0x19
    NOTIFICATION = 0x1B
    INDICATION = 0x1D
    CONFIRMATION = 0x1E
    WRITE_CMD = 0x52


class ErrorCode(enum.IntEnum):
    INVALID_HANDLE = 0x01
    READ_NOT_PERMITTED = 0x02
    WRITE_NOT_PERMITTED = 0x03
    INVALID_PDU = 0x04
    INSUFFICIENT_AUTHENTICATION = 0x05
    REQUEST_NOT_SUPPORTED = 0x06
    INVALID_OFFSET = 0x07
    INSUFFICIENT_AUTHORIZATION = 0x08
    PREPARE_QUEUE_FULL = 0x09
    ATTRIBUTE_NOT_FOUND = 0x0A
    ATTRIBUTE_NOT_LONG = 0x0B
    INVALID_ATTRIBUTE_VALUE_LENGTH = 0x0D
    UNLIKELY_ERROR = 0x0E
    UNSUPPORTED_GROUP_TYPE = 0x10
    VALUE_NOT_ALLOWED = 0x13
    CCCD_IMPROPERLY_CONFIGURED = 0xFD


# Execute Write Request flags (Vol 3 Part F 3.4.6.3).
EXECUTE_CANCEL = 0x00
EXECUTE_WRITE = 0x01

# Attribute types of a GATT table.
PRIMARY_SERVICE = uuids.sig(0x2800)
CHARACTERISTIC = uuids.sig(0x2803)
CCCD = uuids.sig(0x2902)

# What a CCCD is written to turn notifications on, and off.
NOTIFY_ON = b"\x01\x00"
NOTIFY_OFF = b"\x00\x00"


def opcode_name(opcode: int) -> str:
    """READ_REQ for 0x0a; the number for an opcode ATT does not name."""
    try:
        return Op(opcode).name
    except ValueError:
        return f"0x{opcode:02x}"


def describe(kind, value: int) -> str:
    """"READ_REQ(0x0a)" for a member of Op or ErrorCode, else the number."""
    try:
        return f"{kind(value).name}({value:#04x})"
    except ValueError:
        return f"{value:#04x}"


def error_rsp(opcode: int, handle: int, code: int) -> bytes:
    """The Error Response to a request with opcode on handle."""
    return struct.pack("<BBHB", Op.ERROR_RSP, opcode, handle, code)


def prepare_write_req(handle: int, offset: int, part: bytes) -> bytes:
    """A Prepare Write Request: one part of a long write (3.4.6.1)."""
    return struct.pack("<BHH", Op.PREPARE_WRITE_REQ, handle, offset) + \
        bytes(part)


def prepare_write_rsp(handle: int, offset: int, part: bytes) -> bytes:
    """Its response echoes handle, offset and part (3.4.6.2)."""
    return struct.pack("<BHH", Op.PREPARE_WRITE_RSP, handle, offset) + \
        bytes(part)


def execute_write_req(flags: int) -> bytes:
    return bytes([Op.EXECUTE_WRITE_REQ, flags])


def long_write_parts(value: bytes, mtu: int):
    """[(offset, part)]: value in the Prepare Writes a BLE stack sends
    for a Write Request longer than ATT_MTU - 3, ATT_MTU - 5 bytes each."""
    size = mtu - 5
    value = bytes(value)
    return [(off, value[off:off + size])
            for off in range(0, max(len(value), 1), size)]
