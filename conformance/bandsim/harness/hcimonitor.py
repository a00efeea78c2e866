"""The kernel's HCI monitor channel, read live: every packet of every
controller, as btmon sees it (BlueZ ``doc/mgmt-api.txt``, "Monitor
channel"; ``src/shared/btsnoop.h`` for the opcodes).

btmon's capture file is the record a person reads; it is not a clock.
Under the VM's load btmon, which decodes every packet as it writes it,
fell minutes behind (MB4/AIR/BV-03's four synced bands before a pairing
scenario): a scenario that waited on the file for an event saw none.
A monitor socket of the scenario's own gets the same packets as they
happen.  It needs CAP_NET_RAW, as btmon does.
"""

import ctypes
import errno
import os
import select
import socket
import struct
from typing import Iterator, Optional, Tuple

from ..link.deadline import Deadline
from ..tools import btsnoop

HCI_DEV_NONE = 0xFFFF
HCI_CHANNEL_MONITOR = 2
# struct sockaddr_hci: family, device, channel.
SOCKADDR_HCI = struct.Struct("=HHH")
# The monitor header: opcode, controller index, length (little-endian).
HEADER = struct.Struct("<HHH")
RCVBUF = 4 << 20


class MonitorUnavailable(OSError):
    """No monitor socket here: no Bluetooth in the kernel, or no
    CAP_NET_RAW."""


class HciMonitor:
    """Packets of controller `index` from the moment it is opened."""

    def __init__(self, index: int):
        self.index = index
        try:
            self.sock = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_RAW,
                                      socket.BTPROTO_HCI)
        except (OSError, AttributeError) as exc:
            raise MonitorUnavailable(f"HCI monitor socket: {exc}") from exc
        # Python's socket module binds HCI sockets to the raw channel
        # only; the monitor channel is bound through libc.
        addr = SOCKADDR_HCI.pack(socket.AF_BLUETOOTH, HCI_DEV_NONE,
                                 HCI_CHANNEL_MONITOR)
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.bind(self.sock.fileno(), addr, len(addr)) != 0:
            err = ctypes.get_errno()
            self.sock.close()
            raise MonitorUnavailable(err, f"binding the HCI monitor "
                                          f"channel: {os.strerror(err)}")
        # Packets wait here while the caller is in a blocking call (a
        # Connect): room for a few seconds of every controller's traffic.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        self.sock.setblocking(False)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def records(self, deadline: Deadline) -> Iterator[btsnoop.Record]:
        """The controller's packets as they come, until deadline."""
        while not deadline.expired:
            ready, _, _ = select.select([self.sock], [], [],
                                        max(deadline.remaining(), 0))
            if not ready:
                return
            try:
                frame = self.sock.recv(btsnoop.MAX_PACKET + HEADER.size)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EINTR):
                    continue
                raise
            if len(frame) < HEADER.size:
                continue
            opcode, index, length = HEADER.unpack_from(frame)
            kind = btsnoop.MONITOR_KINDS.get(opcode)
            if index != self.index or kind is None:
                continue
            yield btsnoop.Record(0, kind[1], kind[0],
                                 frame[HEADER.size:HEADER.size + length])

    def link_attempt(self, settle: float, deadline: Deadline
                     ) -> Tuple[bool, Optional[btsnoop.EncryptionChange]]:
        """(whether an LE link came up, its Encryption Change or None),
        from what the controller said since the monitor opened.  With no
        link in the first `settle` seconds there is none to wait for;
        with one, its Encryption Change is waited for until deadline."""
        linked = False
        early = Deadline(settle)
        for record in self.records(deadline):
            if btsnoop.link_up(record):
                linked = True
            for change in btsnoop.encryption_changes([record]):
                return True, change
            if not linked and early.expired:
                break
        return linked, None
