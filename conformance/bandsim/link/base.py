"""The link to a band, as the Huami, fetch and firmware clients use it.

Two implementations exist:

- ``sock.AttClient``: the socket transport, one raw ATT PDU per packet,
  with its own small ATT client (the emulator on a unix socket);
- ``bluez.BleakLink``: bleak on BlueZ, for the emulator behind a
  Bluetooth adapter and for real bands.

Both address attributes by the handles the profile assigns
(``protocol.profile.Profile``): a value handle for reads, writes and
notifications, a CCCD handle to turn notifications on (``01 00``) and
off (``00 00``).  Over BlueZ the real handles differ, so BleakLink maps
them; a client never sees the difference.

Contract (what ``selftest/test_link.py`` checks for both):

- ``mtu`` is the ATT_MTU in use; ``exchange_mtu(mtu)`` asks for one and
  returns the peer's (socket) or the negotiated one (BlueZ negotiates on
  its own when it connects).
- ``read``/``write`` are a request and its response; ``write_command``
  is a Write Command, for which no response exists.  A ``write`` longer
  than ATT_MTU - 3 goes out as a BLE stack sends it, Prepare Writes and
  an Execute Write (BlueZ does it for bleak; the socket link itself).
- Notifications are queued per link in arrival order as they come, also
  while a request is outstanding.  ``wait_notification(handle)`` takes
  the earliest queued one on that handle, ``wait_any_notification
  (handles)`` the earliest on any of them, returning ``(handle,
  value)``; both wait for one to arrive otherwise.  Notifications on
  other handles stay queued.  A timeout of 0 only looks at what has
  arrived.
- Every call that waits takes ``timeout``: seconds, a
  ``deadline.Deadline`` shared by several steps, or None for the link's
  ``timeout``.  A call ends with its result or one of the typed errors
  below, never by hanging.
- After the peer ends the link, what was queued before is still
  returned; after that the calls raise ``Disconnected``.

Errors (all subclasses of ``AttClientError``, defined here):

- ``AttError``: the band answered with an ATT Error Response (``code``
  as in the Core spec; BlueZ's D-Bus errors are mapped back to it);
- ``Timeout``: nothing arrived before the deadline;
- ``Disconnected``: the link ended;
- ``ProtocolError``: a PDU that fits no request (socket transport);
- ``LinkError``: the stack under the link failed without an ATT error
  (a BlueZ error with no ATT meaning); ``LinkUnavailable`` when no link
  could be made at all (no band at the target, no adapter).

``bandsim.link.connect(target)`` (target.py) opens either, by a target
string:

    sock:PATH                   the socket transport at PATH
    bluez:ADDRESS[@hciN]        BlueZ, optionally on adapter hciN
"""


from typing import Iterable, Protocol, Tuple, runtime_checkable

from ..protocol.att import ErrorCode, Op, describe, error_rsp

# A call given no timeout waits this long (times deadline.SCALE).
DEFAULT_TIMEOUT = 5.0


class AttClientError(Exception):
    """Base of everything a link raises about itself or the peer."""


class AttError(AttClientError):
    """The band answered a request with an Error Response."""

    def __init__(self, opcode: int, handle: int, code: int):
        self.opcode = opcode
        self.handle = handle
        self.code = code
        super().__init__(
            f"ATT error {describe(ErrorCode, code)} for "
            f"{describe(Op, opcode)} on handle {handle:#06x} "
            f"(pdu {self.pdu.hex(' ')})")

    @property
    def pdu(self) -> bytes:
        return error_rsp(self.opcode, self.handle, self.code)


class Timeout(AttClientError, TimeoutError):
    """Nothing arrived before the deadline."""


class Disconnected(AttClientError, ConnectionError):
    """The link ended."""


class ProtocolError(AttClientError):
    """The band sent a PDU that does not fit the request it answers."""


class LinkError(AttClientError):
    """The stack under the link failed an operation and named no ATT
    error (BlueZ's org.bluez.Error.Failed, InProgress, ...).  name is
    the stack's own error name when it gave one."""

    def __init__(self, message: str, name: str = None):
        self.name = name
        super().__init__(message)


class LinkUnavailable(LinkError, ConnectionError):
    """No link could be made: nothing listens at the target, the band
    is off or already linked to another central, no such adapter."""


@runtime_checkable
class Link(Protocol):
    """What the clients use from a link (see the module docstring)."""

    mtu: int
    timeout: float

    def exchange_mtu(self, mtu: int = 247, timeout=None) -> int:
        """Ask for an ATT_MTU; afterwards ``mtu`` is the one in use."""

    def read(self, handle: int, timeout=None) -> bytes:
        """Read Request on a value (or CCCD) handle."""

    def write(self, handle: int, value: bytes, timeout=None) -> None:
        """Write Request; returns once the Write Response arrived.  On a
        CCCD handle ``01 00`` turns notifications on, ``00 00`` off."""

    def write_command(self, handle: int, value: bytes) -> None:
        """Write Command: no response exists, so none is awaited."""

    def wait_notification(self, handle: int, timeout=None) -> bytes:
        """Value of the earliest notification on handle, queued or
        arriving."""

    def wait_any_notification(self, handles: Iterable[int],
                              timeout=None) -> Tuple[int, bytes]:
        """(handle, value) of the earliest notification on any of
        handles, queued or arriving."""

    def take_unsolicited(self) -> list:
        """Every notification and indication queued so far, in arrival
        order, as (opcode, handle, value); the queue is left empty.
        After a request's response this is all the band sent before it."""

    def close(self) -> None:
        """End the link (the band sees a disconnect)."""

    def __enter__(self):
        ...

    def __exit__(self, *exc):
        ...
