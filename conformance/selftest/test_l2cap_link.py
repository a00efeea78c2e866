"""The raw L2CAP central's reads at a link's end, against a scripted
socket: the kernel tells an L2CAP socket's error before the PDUs its
queue still holds, so those are read after it, without waiting, and
only then is the link Disconnected (MB4/FAULT/BV-09 over the air)."""

import errno
import socket

import pytest

from bandsim.link.base import Disconnected
from bandsim.link.l2cap import L2capAttClient

HANDLE = 0x0040


def notification(value: bytes) -> bytes:
    return bytes([0x1B]) + HANDLE.to_bytes(2, "little") + value


class EndingSocket:
    """recv() as the kernel answers once the band's link ended: the
    error first, then what was queued, then nothing (EAGAIN).  select()
    sees a real socket that is always readable."""

    def __init__(self, queued):
        self._pair = socket.socketpair()
        self._pair[1].send(b"x")
        self.script = [ConnectionResetError(errno.ECONNRESET, "reset")] \
            + list(queued)
        self.flags = []

    def fileno(self):
        return self._pair[0].fileno()

    def settimeout(self, _):
        pass

    def recv(self, _size, flags=0):
        self.flags.append(flags)
        if not self.script:
            raise BlockingIOError(errno.EAGAIN, "nothing queued")
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step

    def send(self, _pdu):
        raise OSError(errno.ENOTCONN, "not connected")

    def shutdown(self, _):
        pass

    def close(self):
        for end in self._pair:
            end.close()


@pytest.fixture
def ending():
    def make(queued):
        sock = EndingSocket(queued)
        client = L2capAttClient(sock, 1.0, "hci1", "00:00:00:00:00:00")
        client._ended = True        # no management socket to end it
        return client, sock
    return make


def test_what_was_queued_comes_before_the_end(ending):
    client, sock = ending([notification(b"a"), notification(b"b")])
    assert client.wait_notification(HANDLE) == b"a"
    assert client.wait_notification(HANDLE) == b"b"
    with pytest.raises(Disconnected):
        client.wait_notification(HANDLE)
    # Past the error nothing waits: every read is MSG_DONTWAIT.
    assert sock.flags[0] == 0
    assert all(f & socket.MSG_DONTWAIT for f in sock.flags[1:])
    client.close()


def test_an_end_with_nothing_queued(ending):
    client, _ = ending([])
    with pytest.raises(Disconnected, match="link ended"):
        client.wait_notification(HANDLE)
    with pytest.raises(Disconnected):
        client.read(0x0003)
    client.close()


pytestmark = pytest.mark.no_emulator
