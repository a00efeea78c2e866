"""A raw ATT link over the air: the kernel's L2CAP LE socket on the ATT
channel, from one adapter to a band's address.

This is what a phone's Bluetooth stack does beneath its GATT API, and what
BlueZ's own tools (btgatt-client) do: an AF_BLUETOOTH SOCK_SEQPACKET socket
bound to the central's adapter and connected to the band on CID 4.  Each
packet is one ATT PDU, exactly as on the socket transport, so the link is
an AttClient (sock.py): raw and malformed PDUs, Prepare Write by hand and
the band's own handles all reach the band over the radio, where a bleak
link (bluez.py) only has bluetoothd's GATT client calls.

Python's socket module takes only (address, psm) for L2CAP, not the CID
or the address type, so bind() and connect() are libc's, through ctypes,
with the kernel's struct sockaddr_l2.
"""

import ctypes
import errno
import fcntl
import os
import select
import socket
import struct

from .base import DEFAULT_TIMEOUT, Disconnected, LinkUnavailable, Timeout
from .deadline import Deadline
from .sock import RECV_SIZE, AttClient

BTPROTO_L2CAP = 0
BTPROTO_HCI = 1
# _IOR('H', 211, int): struct hci_dev_info of one adapter.
HCIGETDEVINFO = 0x800448D3
ATT_CID = 0x0004
# struct sockaddr_l2's l2_bdaddr_type (include/net/bluetooth/bluetooth.h).
LE_PUBLIC, LE_RANDOM = 0x01, 0x02


# The kernel's management interface (BlueZ doc/mgmt-api.txt): Disconnect.
HCI_DEV_NONE = 0xFFFF
HCI_CHANNEL_CONTROL = 3
MGMT_OP_DISCONNECT = 0x0014
MGMT_EV_CMD_COMPLETE, MGMT_EV_CMD_STATUS = 0x0001, 0x0002
MGMT_TIMEOUT = 5.0


class _SockaddrHci(ctypes.Structure):
    _fields_ = [("family", ctypes.c_ushort), ("dev", ctypes.c_ushort),
                ("channel", ctypes.c_ushort)]


class _SockaddrL2(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("family", ctypes.c_ushort), ("psm", ctypes.c_ushort),
                ("bdaddr", ctypes.c_uint8 * 6), ("cid", ctypes.c_ushort),
                ("bdaddr_type", ctypes.c_uint8)]


_libc = ctypes.CDLL(None, use_errno=True)


def address_type(address: str) -> int:
    """LE random for a static address (its two top bits set, as a band's
    are), LE public otherwise."""
    return LE_RANDOM if int(address[:2], 16) >= 0xC0 else LE_PUBLIC


def _sockaddr(address: str, kind: int) -> _SockaddrL2:
    octets = bytes.fromhex(address.replace(":", ""))[::-1]
    return _SockaddrL2(socket.AF_BLUETOOTH, 0,
                       (ctypes.c_uint8 * 6)(*octets), ATT_CID, kind)


def _call(function, fd: int, addr: _SockaddrL2) -> int:
    if function(fd, ctypes.byref(addr), ctypes.sizeof(addr)) == 0:
        return 0
    return ctypes.get_errno()


def adapter_address(adapter: str) -> str:
    """The public address of adapter hciN, from the kernel (HCIGETDEVINFO):
    what the link binds to, so that it leaves from that adapter."""
    info = bytearray(struct.pack("<H", int(adapter[len("hci"):]))
                     + bytes(92))
    try:
        with socket.socket(socket.AF_BLUETOOTH, socket.SOCK_RAW,
                           BTPROTO_HCI) as hci:
            fcntl.ioctl(hci.fileno(), HCIGETDEVINFO, info)
    except OSError as exc:
        raise LinkUnavailable(f"{adapter}: {exc.strerror}") from exc
    # dev_id u16, name char[8], then the address, little endian.
    return ":".join(f"{b:02X}" for b in reversed(info[10:16]))


def end_link(adapter: str, address: str) -> None:
    """Ends the LE link from adapter to address, as walking out of range
    does (mgmt Disconnect).  Closing the ATT socket alone does not: the
    kernel keeps the link a while, and bluetoothd may take the channel.
    A link already gone is not an error."""
    with socket.socket(socket.AF_BLUETOOTH, socket.SOCK_RAW,
                       BTPROTO_HCI) as mgmt:
        addr = _SockaddrHci(socket.AF_BLUETOOTH, HCI_DEV_NONE,
                            HCI_CHANNEL_CONTROL)
        if _libc.bind(mgmt.fileno(), ctypes.byref(addr),
                      ctypes.sizeof(addr)) != 0:
            raise OSError(ctypes.get_errno(), "mgmt socket")
        index = int(adapter[len("hci"):])
        param = bytes.fromhex(address.replace(":", ""))[::-1] + \
            bytes([address_type(address)])
        mgmt.send(struct.pack("<HHH", MGMT_OP_DISCONNECT, index,
                              len(param)) + param)
        deadline = Deadline(MGMT_TIMEOUT)
        while True:
            ready, _, _ = select.select([mgmt], [], [], deadline.remaining())
            if not ready:
                raise Timeout(f"{adapter}: no answer to Disconnect "
                              f"{address}")
            reply = mgmt.recv(512)
            if len(reply) < 9:
                continue
            event, ev_index, _, opcode = struct.unpack_from("<HHHH", reply)
            if event in (MGMT_EV_CMD_COMPLETE, MGMT_EV_CMD_STATUS) and \
                    ev_index == index and opcode == MGMT_OP_DISCONNECT:
                return


class L2capAttClient(AttClient):
    """An AttClient whose link is a radio link: shutdown() and close() end
    the LE link too, as on the socket transport a closed socket is a
    disconnect."""

    def __init__(self, sock, timeout, adapter: str, address: str):
        super().__init__(sock, timeout)
        self._adapter, self._address = adapter, address
        self._ended = False
        self._link_ended = None     # the socket's error, once it came

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            try:
                end_link(self._adapter, self._address)
            except OSError:
                pass            # no management socket: the kernel ends it

    def shutdown(self) -> None:
        super().shutdown()
        self._end()

    def send_raw(self, pdu: bytes) -> None:
        """As on the socket transport; an L2CAP socket whose link ended
        (shut down here, or by the band) refuses a send with ENOTCONN
        where a Unix socket says EPIPE: that too is Disconnected."""
        try:
            super().send_raw(pdu)
        except OSError as exc:
            if exc.errno != errno.ENOTCONN:
                raise
            raise Disconnected("link ended") from exc

    def _recv_pdu(self, deadline: Deadline) -> bytes:
        """The next PDU, as on the socket transport, but a link's end
        comes after what the band sent before it.  The kernel tells an
        L2CAP socket's error (the link's end) before the PDUs its queue
        still holds: a datagram receive checks the error first.  So
        once the error is seen, what is queued is read without waiting,
        and its end is Disconnected.  Without this a client lost
        the band's last packets before a brown-out (MB4/FAULT/BV-09 got
        1 of 5)."""
        if self._link_ended is not None:
            return self._queued()
        return super()._recv_pdu(deadline)

    def _recv_failed(self, exc: OSError) -> bytes:
        self._link_ended = exc.strerror or str(exc)
        return self._queued()

    def _queued(self) -> bytes:
        """A PDU the kernel still holds from before the link ended;
        Disconnected once there is none."""
        # Non-blocking: with a timeout set, Python polls before every
        # receive, MSG_DONTWAIT or not, and that poll waited the socket's
        # whole timeout (40 s in the VM) for a link that had ended.
        self._sock.settimeout(0.0)
        try:
            pdu = self._sock.recv(RECV_SIZE, socket.MSG_DONTWAIT)
        except OSError:
            pdu = b""
        if not pdu:
            raise Disconnected(f"link ended ({self._link_ended})")
        return pdu

    def close(self) -> None:
        super().close()
        self._end()


def connect_l2cap(address: str, adapter: str,
                  timeout=DEFAULT_TIMEOUT) -> AttClient:
    """An AttClient on a new LE link from adapter hciN to the band at
    address.  LinkUnavailable when the band is not there (not
    advertising, or linked to another central), Timeout when the link
    does not come up in time."""
    local, local_type = adapter_address(adapter), LE_PUBLIC
    deadline = timeout if isinstance(timeout, Deadline) \
        else Deadline(timeout)
    try:
        sock = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_SEQPACKET,
                             BTPROTO_L2CAP)
    except OSError as exc:
        raise LinkUnavailable(f"no L2CAP sockets here: {exc.strerror}") \
            from exc
    try:
        fd = sock.fileno()
        err = _call(_libc.bind, fd, _sockaddr(local, local_type))
        if err:
            raise LinkUnavailable(f"bind to {local}: {os.strerror(err)}")
        sock.setblocking(False)
        err = _call(_libc.connect, fd,
                    _sockaddr(address, address_type(address)))
        if err == errno.EINPROGRESS:
            _, writable, _ = select.select([], [sock], [],
                                           deadline.remaining())
            if not writable:
                raise Timeout(f"{address} from {local}: no LE link within "
                              f"{deadline.seconds} s")
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            raise LinkUnavailable(f"no band at {address} from {local}: "
                                  f"{os.strerror(err)}")
        sock.setblocking(True)
        return L2capAttClient(sock, deadline.seconds, adapter, address)
    except BaseException:
        sock.close()
        raise
