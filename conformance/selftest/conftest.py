"""What the self-tests share: a link to a scripted band.

A socketpair stands in for the socket transport: one end is an
AttClient, the other the band's.  The band's PDUs are queued before the
client acts (SEQPACKET keeps them as separate records), then the PDUs
the client actually sent are read back and compared byte for byte, so
the tests need neither threads nor a server loop.
"""

import socket

import pytest

from bandsim.link.sock import AttClient
from bandsim.protocol.att import Op


class BandEnd:
    """The band's end of the socketpair; everything a socket does, and
    a few steps of a band."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def __getattr__(self, name):
        return getattr(self.sock, name)

    def queue(self, *hex_pdus: str) -> None:
        """PDUs for the client, as hex."""
        for pdu in hex_pdus:
            self.sock.send(bytes.fromhex(pdu))

    def notify(self, handle: int, value) -> None:
        """A notification on handle; value as bytes or hex."""
        if isinstance(value, str):
            value = bytes.fromhex(value)
        self.sock.send(bytes([Op.NOTIFICATION]) + handle.to_bytes(2, "little")
                       + bytes(value))

    def sent(self) -> list:
        """Every PDU the client has sent so far, as hex."""
        self.sock.setblocking(False)
        out = []
        while True:
            try:
                out.append(self.sock.recv(1024).hex(" "))
            except BlockingIOError:
                return out


@pytest.fixture
def scripted_link():
    """Factory: scripted_link(timeout=1.0) -> (AttClient, BandEnd); both
    ends are closed on teardown."""
    made = []

    def make(timeout: float = 1.0):
        client_end, band_end = socket.socketpair(socket.AF_UNIX,
                                                 socket.SOCK_SEQPACKET)
        att = AttClient(client_end, timeout=timeout)
        made.append((att, band_end))
        return att, BandEnd(band_end)

    yield make
    for att, band_end in made:
        att.close()
        band_end.close()
