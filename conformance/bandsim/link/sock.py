"""A small ATT client for the emulator's socket transport.

The transport is an AF_UNIX SOCK_SEQPACKET socket carrying one raw ATT PDU
per packet (no L2CAP header), so a send is one PDU and a receive is one
PDU.  The client is synchronous: ATT allows one outstanding request per
bearer, so a request is answered by the next PDU that is neither a
notification nor an indication.  Those two are queued as they pass (and
indications confirmed at once, since the server stalls until they are)
and can be awaited later.  Every blocking step waits on select() against
a deadline.

This is the Link of base.py for the socket transport; connect_socket()
turns the ways a socket cannot be reached into the Link's errors.
"""

import collections
import select
import socket
import struct
from dataclasses import dataclass, field

from ..protocol import linksec, uuids
from ..protocol.att import (CHARACTERISTIC, DEFAULT_MTU, EXECUTE_CANCEL,
                            EXECUTE_WRITE, PRIMARY_SERVICE, ErrorCode, Op,
                            execute_write_req, long_write_parts,
                            prepare_write_req, prepare_write_rsp)
from .base import (DEFAULT_TIMEOUT, AttError, Disconnected, LinkError,
                   LinkUnavailable, ProtocolError, Timeout)
from .deadline import Deadline, as_deadline

# Large enough that no SEQPACKET record is ever silently truncated.
RECV_SIZE = 1 << 16


@dataclass
class Descriptor:
    handle: int
    uuid: str


@dataclass
class Characteristic:
    declaration: int
    properties: int
    value_handle: int
    uuid: str
    end: int = 0
    descriptors: list = field(default_factory=list)


@dataclass
class Service:
    start: int
    end: int
    uuid: str
    characteristics: list = field(default_factory=list)


class LinkSecurityError(LinkError):
    """The band refused a pairing or an encryption: status is the
    link-layer code (protocol.linksec.Status)."""

    def __init__(self, what: str, status: int):
        self.status = status
        try:
            name = linksec.Status(status).name
        except ValueError:
            name = "unknown"
        super().__init__(f"{what}: {name} ({status:#04x})")


class AttClient:
    """One ATT bearer over a connected SEQPACKET socket."""

    def __init__(self, sock: socket.socket, timeout: float = DEFAULT_TIMEOUT):
        self.timeout = timeout
        self.mtu = DEFAULT_MTU
        self._sock = sock
        # Socket timeout bounds send(); receives go through select().
        self._sock.settimeout(timeout)
        self._unsolicited = collections.deque()

    @classmethod
    def connect(cls, path, timeout: float = DEFAULT_TIMEOUT) -> "AttClient":
        """Connect to the emulator's listener.

        A refused connection surfaces as ConnectionRefusedError: that is
        how a band that is already linked turns a second central away.
        """
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            sock.settimeout(timeout)
            sock.connect(str(path))
        except BaseException:
            sock.close()
            raise
        return cls(sock, timeout)

    def close(self) -> None:
        self._sock.close()

    def shutdown(self) -> None:
        """End the link as a lost radio link does, without closing.

        The band sees the link end at once; what it sent before that
        can still be read, after which reads raise Disconnected.  Used to
        cut a link in the middle of a transfer while the client is
        inside a read loop.  close() is still needed afterwards.
        """
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass                # already ended by the peer

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def fileno(self) -> int:
        return self._sock.fileno()

    # ------------------------------------------------------------ raw PDUs

    def send_raw(self, pdu: bytes) -> None:
        """Send one PDU exactly as given, valid or not."""
        try:
            self._sock.send(bytes(pdu))
        except socket.timeout as exc:
            raise Timeout("send did not complete") from exc
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise Disconnected("link closed by server") from exc

    def recv_raw(self, timeout=None) -> bytes:
        """Next PDU that is not a notification or indication.

        Notifications and indications met on the way are queued (and
        indications confirmed) so they stay available to
        wait_notification().
        """
        deadline = as_deadline(timeout, self.timeout)
        while True:
            pdu = self._recv_pdu(deadline)
            if not self._take_unsolicited(pdu):
                return pdu

    def _recv_pdu(self, deadline: Deadline) -> bytes:
        while True:
            ready, _, _ = select.select([self._sock], [], [],
                                        deadline.remaining())
            if not ready:
                raise Timeout(f"no PDU within {deadline.seconds} s")
            try:
                pdu = self._sock.recv(RECV_SIZE)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as exc:
                return self._recv_failed(exc)
            if not pdu:
                raise Disconnected("link closed by server")
            return pdu

    def _recv_failed(self, exc: OSError) -> bytes:
        """What a receive that failed with exc gives: Disconnected for a
        link the server reset, any other error as it came.  A link over
        a radio still has PDUs to give (l2cap.py)."""
        if isinstance(exc, ConnectionResetError):
            raise Disconnected("link reset by server") from exc
        raise exc

    def _take_unsolicited(self, pdu: bytes) -> bool:
        if pdu[0] not in (Op.NOTIFICATION, Op.INDICATION):
            return False
        if len(pdu) < 3:
            raise ProtocolError(f"short handle value PDU {pdu.hex(' ')}")
        handle = int.from_bytes(pdu[1:3], "little")
        self._unsolicited.append((pdu[0], handle, pdu[3:]))
        if pdu[0] == Op.INDICATION:
            self.send_raw(bytes([Op.CONFIRMATION]))
        return True

    # -------------------------------------------------- notifications

    def wait_notification(self, handle: int, timeout=None) -> bytes:
        """Value of the next notification on handle, queued or arriving."""
        return self._wait_unsolicited(Op.NOTIFICATION, handle, timeout)

    def wait_indication(self, handle: int, timeout=None) -> bytes:
        """Value of the next indication on handle (already confirmed)."""
        return self._wait_unsolicited(Op.INDICATION, handle, timeout)

    def wait_any_notification(self, handles, timeout=None):
        """(handle, value) of the earliest notification on any of handles.

        Queued ones come first, in arrival order, so a client that
        watches a control and a data characteristic together (the
        activity fetch) sees them in the order the server sent them.
        """
        handles = frozenset(handles)
        deadline = as_deadline(timeout, self.timeout)
        while True:
            for item in self._unsolicited:
                if item[0] == Op.NOTIFICATION and item[1] in handles:
                    self._unsolicited.remove(item)
                    return item[1], item[2]
            pdu = self._recv_pdu(deadline)
            if not self._take_unsolicited(pdu):
                raise ProtocolError(
                    f"PDU {pdu.hex(' ')} arrived with no request outstanding")

    def take_unsolicited(self) -> list:
        """Every notification and indication queued so far, in arrival
        order, as (opcode, handle, value); the queue is left empty.
        After a request's response this is all the band sent before it
        (ATT answers in order)."""
        taken = list(self._unsolicited)
        self._unsolicited.clear()
        return taken

    def _wait_unsolicited(self, opcode: int, handle: int, timeout) -> bytes:
        deadline = as_deadline(timeout, self.timeout)
        while True:
            for item in self._unsolicited:
                if item[0] == opcode and item[1] == handle:
                    self._unsolicited.remove(item)
                    return item[2]
            pdu = self._recv_pdu(deadline)
            if not self._take_unsolicited(pdu):
                raise ProtocolError(
                    f"PDU {pdu.hex(' ')} arrived with no request outstanding")

    # ------------------------------------------- link security (modelled)

    def _link_request(self, packet: bytes, timeout) -> bytes:
        """Send a link-layer request; its reply (after 00 <op>)."""
        deadline = as_deadline(timeout, self.timeout)
        self.send_raw(packet)
        reply = self.recv_raw(deadline)
        if not linksec.is_reply(reply) or \
                reply[1] != linksec.REPLY | packet[1]:
            raise ProtocolError(
                f"link request {packet[:2].hex(' ')} answered by "
                f"{reply.hex(' ')}")
        return reply[2:]

    def identify(self, address: str, random: bool = False,
                 timeout=None) -> None:
        """Tell the band who this central is, as a link layer knows its
        peer (the socket carries no addresses)."""
        status = self._link_request(linksec.address_req(address, random),
                                    timeout)[0]
        if status != linksec.Status.OK:
            raise LinkSecurityError("address refused", status)

    def pair(self, timeout=None) -> bytes:
        """Just Works pairing with bonding: the new long-term key."""
        reply = self._link_request(linksec.pair_req(), timeout)
        if reply[0] != linksec.Status.OK:
            raise LinkSecurityError("pairing failed", reply[0])
        if len(reply) != 1 + linksec.LTK_SIZE:
            raise ProtocolError(f"pairing reply of {len(reply)} bytes")
        return bytes(reply[1:])

    def encrypt(self, ltk: bytes, timeout=None) -> None:
        """Start encryption with the key of this central's bond."""
        status = self._link_request(linksec.encrypt_req(ltk), timeout)[0]
        if status != linksec.Status.OK:
            raise LinkSecurityError("encryption failed", status)

    # -------------------------------------------------------- requests

    def request(self, pdu: bytes, timeout=None) -> bytes:
        """Send a request and return its response PDU.

        An Error Response for this request raises AttError; any other
        PDU that is not the matching response raises ProtocolError.
        """
        deadline = as_deadline(timeout, self.timeout)
        self.send_raw(pdu)
        rsp = self.recv_raw(deadline)
        if rsp[0] == Op.ERROR_RSP:
            if len(rsp) != 5:
                raise ProtocolError(f"malformed error response {rsp.hex(' ')}")
            _, req_op, handle, code = struct.unpack("<BBHB", rsp)
            if req_op != pdu[0]:
                raise ProtocolError(
                    f"error response {rsp.hex(' ')} names opcode {req_op:#04x}"
                    f", request was {pdu[0]:#04x}")
            raise AttError(req_op, handle, code)
        if rsp[0] != pdu[0] + 1:
            raise ProtocolError(
                f"request {pdu.hex(' ')} answered by {rsp.hex(' ')}")
        return rsp

    def exchange_mtu(self, mtu: int = 247, timeout=None) -> int:
        """Exchange MTU; returns the server's receive MTU."""
        rsp = self.request(struct.pack("<BH", Op.MTU_REQ, mtu), timeout)
        if len(rsp) != 3:
            raise ProtocolError(f"bad MTU response {rsp.hex(' ')}")
        server_mtu = int.from_bytes(rsp[1:3], "little")
        self.mtu = max(DEFAULT_MTU, min(mtu, server_mtu))
        return server_mtu

    def find_information(self, start: int, end: int, timeout=None):
        """[(handle, uuid)] for one Find Information response."""
        rsp = self.request(struct.pack("<BHH", Op.FIND_INFO_REQ, start, end),
                           timeout)
        if len(rsp) < 2 or rsp[1] not in (1, 2):
            raise ProtocolError(f"bad Find Information response {rsp.hex(' ')}")
        size = 4 if rsp[1] == 1 else 18
        return [(int.from_bytes(e[:2], "little"), uuids.from_wire(e[2:]))
                for e in _entries(rsp, 2, size)]

    def find_by_type_value(self, start: int, end: int, type_uuid: str,
                           value: bytes, timeout=None):
        """[(found handle, group end handle)] for one response."""
        short = uuids.short_form(type_uuid)
        if short is None:
            raise ValueError("Find By Type Value takes a 16-bit type")
        pdu = struct.pack("<BHHH", Op.FIND_BY_TYPE_VALUE_REQ, start, end,
                          short) + bytes(value)
        rsp = self.request(pdu, timeout)
        return [struct.unpack("<HH", e) for e in _entries(rsp, 1, 4)]

    def read_by_type(self, start: int, end: int, type_uuid: str,
                     timeout=None):
        """[(handle, value)] for one Read By Type response."""
        pdu = struct.pack("<BHH", Op.READ_BY_TYPE_REQ, start, end)
        rsp = self.request(pdu + uuids.to_wire(type_uuid), timeout)
        size = _entry_size(rsp, 2)
        return [(int.from_bytes(e[:2], "little"), e[2:])
                for e in _entries(rsp, 2, size)]

    def read(self, handle: int, timeout=None) -> bytes:
        return self.request(struct.pack("<BH", Op.READ_REQ, handle),
                            timeout)[1:]

    def read_blob(self, handle: int, offset: int, timeout=None) -> bytes:
        pdu = struct.pack("<BHH", Op.READ_BLOB_REQ, handle, offset)
        return self.request(pdu, timeout)[1:]

    def read_by_group_type(self, start: int, end: int, group_uuid: str,
                           timeout=None):
        """[(start, end, value)] for one Read By Group Type response."""
        pdu = struct.pack("<BHH", Op.READ_BY_GROUP_TYPE_REQ, start, end)
        rsp = self.request(pdu + uuids.to_wire(group_uuid), timeout)
        size = _entry_size(rsp, 4)
        return [struct.unpack("<HH", e[:4]) + (e[4:],)
                for e in _entries(rsp, 2, size)]

    def write(self, handle: int, value: bytes, timeout=None) -> None:
        """Write Request; returns once the Write Response arrives.  A
        value longer than ATT_MTU - 3 goes as a BLE stack sends it: in
        Prepare Writes and an Execute Write (write_long)."""
        if 3 + len(value) > self.mtu:
            self.write_long(handle, value, timeout)
            return
        pdu = struct.pack("<BH", Op.WRITE_REQ, handle) + bytes(value)
        rsp = self.request(pdu, timeout)
        if rsp != bytes([Op.WRITE_RSP]):
            raise ProtocolError(f"bad Write Response {rsp.hex(' ')}")

    def write_long(self, handle: int, value: bytes, timeout=None) -> None:
        """Write Long Characteristic Values (Core Vol 3 Part G 4.9.4): a
        Prepare Write per ATT_MTU - 5 bytes, each echo checked, then
        Execute Write.  A refused part or a wrong echo cancels the queue
        (Execute Write 00), as BlueZ does, and raises."""
        deadline = as_deadline(timeout, self.timeout)
        try:
            for offset, part in long_write_parts(value, self.mtu):
                self.prepare_write(handle, offset, part, deadline)
        except (AttError, ProtocolError):
            self.execute_write(EXECUTE_CANCEL, deadline)
            raise
        self.execute_write(EXECUTE_WRITE, deadline)

    def prepare_write(self, handle: int, offset: int, part: bytes,
                      timeout=None) -> bytes:
        """One Prepare Write Request; returns the part the response
        echoes, ProtocolError if it does not echo the request."""
        rsp = self.request(prepare_write_req(handle, offset, part), timeout)
        if rsp != prepare_write_rsp(handle, offset, part):
            raise ProtocolError(f"Prepare Write Response {rsp.hex(' ')} "
                                f"does not echo the request")
        return rsp[5:]

    def execute_write(self, flags: int = EXECUTE_WRITE,
                      timeout=None) -> None:
        """Execute Write Request: 01 writes what was prepared, 00
        cancels it."""
        rsp = self.request(execute_write_req(flags), timeout)
        if rsp != bytes([Op.EXECUTE_WRITE_RSP]):
            raise ProtocolError(f"bad Execute Write Response {rsp.hex(' ')}")

    def write_command(self, handle: int, value: bytes) -> None:
        """Write Command: no response exists, so nothing is awaited."""
        self.send_raw(struct.pack("<BH", Op.WRITE_CMD, handle) + bytes(value))

    # ------------------------------------------------------- discovery

    def discover_services(self, timeout=None):
        """All primary services, in handle order."""
        deadline = as_deadline(timeout, self.timeout)
        found = []
        for start, end, value in self._walk(
                lambda s: self.read_by_group_type(s, 0xFFFF, PRIMARY_SERVICE,
                                                  deadline),
                1, 0xFFFF, lambda entry: entry[1]):
            found.append(Service(start, end, uuids.from_wire(value)))
        return found

    def discover_characteristics(self, service: Service, timeout=None):
        """Characteristics of one service; each gets its end handle."""
        deadline = as_deadline(timeout, self.timeout)
        chars = []
        for decl, value in self._walk(
                lambda s: self.read_by_type(s, service.end, CHARACTERISTIC,
                                            deadline),
                service.start, service.end, lambda entry: entry[0]):
            if len(value) not in (5, 19):
                raise ProtocolError(
                    f"characteristic declaration {decl:#06x} has "
                    f"{len(value)} bytes")
            chars.append(Characteristic(
                decl, value[0], int.from_bytes(value[1:3], "little"),
                uuids.from_wire(value[3:])))
        for this, following in zip(chars, chars[1:] + [None]):
            this.end = following.declaration - 1 if following else service.end
        return chars

    def discover_descriptors(self, char: Characteristic, timeout=None):
        """Descriptors between a characteristic's value and its end."""
        deadline = as_deadline(timeout, self.timeout)
        if char.value_handle >= char.end:
            return []
        return [Descriptor(h, u) for h, u in self._walk(
            lambda s: self.find_information(s, char.end, deadline),
            char.value_handle + 1, char.end, lambda entry: entry[0])]

    def discover_attributes(self, start: int = 0x0001, end: int = 0xFFFF,
                            timeout=None):
        """[(handle, type)] of every attribute in a range (Find Information)."""
        deadline = as_deadline(timeout, self.timeout)
        return list(self._walk(
            lambda s: self.find_information(s, end, deadline),
            start, end, lambda entry: entry[0]))

    def discover(self, timeout=None):
        """Services with their characteristics and descriptors filled in."""
        deadline = as_deadline(timeout, self.timeout)
        services = self.discover_services(deadline)
        for service in services:
            service.characteristics = self.discover_characteristics(
                service, deadline)
            for char in service.characteristics:
                char.descriptors = self.discover_descriptors(char, deadline)
        return services

    @staticmethod
    def _walk(fetch, start: int, end: int, last_handle):
        """Repeat a ranged request until Attribute Not Found.

        Each response covers a prefix of the range; the next request
        starts after the last handle it named.  A response that does not
        move forward is a server bug and would loop forever.
        """
        while start <= end:
            try:
                entries = fetch(start)
            except AttError as exc:
                if exc.code == ErrorCode.ATTRIBUTE_NOT_FOUND:
                    return
                raise
            yield from entries
            last = last_handle(entries[-1])
            if last < start:
                raise ProtocolError(
                    f"response went back to {last:#06x} from {start:#06x}")
            start = last + 1


def _entry_size(rsp: bytes, minimum: int) -> int:
    if len(rsp) < 2 or rsp[1] < minimum:
        raise ProtocolError(f"bad length byte in {rsp.hex(' ')}")
    return rsp[1]


def _entries(rsp: bytes, offset: int, size: int):
    """Split the fixed-size entries of a list response."""
    body = rsp[offset:]
    if not body or len(body) % size:
        raise ProtocolError(
            f"response {rsp.hex(' ')} is not a list of {size}-byte entries")
    return [body[i:i + size] for i in range(0, len(body), size)]


def connect_socket(path, timeout: float = DEFAULT_TIMEOUT) -> AttClient:
    """AttClient.connect(path) with the Link's errors: LinkUnavailable
    when nothing listens there, Timeout when the connect stalls.
    timeout is seconds or a Deadline."""
    if isinstance(timeout, Deadline):
        timeout = timeout.remaining()
    try:
        return AttClient.connect(path, timeout)
    except socket.timeout as exc:
        raise Timeout(f"{path}: no connection within {timeout} s") from exc
    except FileNotFoundError as exc:
        raise LinkUnavailable(f"no band at {path}: no such socket (is the "
                              f"emulator running?)") from exc
    except ConnectionRefusedError as exc:
        raise LinkUnavailable(f"no band at {path}: connection refused (the "
                              f"band is off, or linked to another "
                              f"central)") from exc
    except OSError as exc:
        raise LinkUnavailable(f"no band at {path}: "
                              f"{exc.strerror or exc}") from exc
