"""PDUs and values as the scenarios write and compare them: hex with
spaces, the way the docs and the band's log show bytes."""

from bandsim.protocol.att import error_rsp


def hexs(data: bytes) -> str:
    return bytes(data).hex(" ")


def error_pdu(opcode: int, handle: int, code: int) -> bytes:
    """The Error Response the band owes a request (protocol/att.py)."""
    return error_rsp(opcode, handle, code)


def exchange(att, pdu: bytes) -> bytes:
    """Send exactly these bytes on a socket link and return the next PDU
    that is not a notification or indication."""
    att.send_raw(pdu)
    return att.recv_raw()
