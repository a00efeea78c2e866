"""The link to a band, as the Huami, fetch and firmware clients use it.

Two implementations exist:

- ``att.AttClient``: the socket transport, one raw ATT PDU per packet,
  with its own small ATT client (the emulator on a unix socket);
- ``bleak_link.BleakLink``: bleak on BlueZ, for the emulator behind a
  Bluetooth adapter and for real bands.

Both address attributes by the handles the profile assigns
(``profile.Profile``): a value handle for reads, writes and
notifications, a CCCD handle to turn notifications on (``01 00``) and
off (``00 00``).  Over BlueZ the real handles differ, so BleakLink maps
them; a client never sees the difference.

Contract (what ``selftest/test_link.py`` checks for both):

- ``mtu`` is the ATT_MTU in use; ``exchange_mtu(mtu)`` asks for one and
  returns the peer's (socket) or the negotiated one (BlueZ negotiates on
  its own when it connects).
- ``read``/``write`` are a request and its response; ``write_command``
  is a Write Command, for which no response exists.
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

Errors (all subclasses of ``att.AttClientError``):

- ``AttError``: the band answered with an ATT Error Response (``code``
  as in the Core spec; BlueZ's D-Bus errors are mapped back to it);
- ``Timeout``: nothing arrived before the deadline;
- ``Disconnected``: the link ended;
- ``ProtocolError``: a PDU that fits no request (socket transport);
- ``LinkError``: the stack under the link failed without an ATT error
  (a BlueZ error with no ATT meaning); ``LinkUnavailable`` when no link
  could be made at all (no band at the target, no adapter).

``connect(target)`` opens either, by a target string:

    sock:PATH                   the socket transport at PATH
    bluez:ADDRESS[@hciN]        BlueZ, optionally on adapter hciN
"""

import re
import socket
from dataclasses import dataclass
from typing import Iterable, Optional, Protocol, Tuple, runtime_checkable

from .att import (DEFAULT_TIMEOUT, AttClient, AttClientError, AttError,
                  Disconnected, ProtocolError, Timeout)

__all__ = ["Link", "Target", "connect", "parse_target", "AttClientError",
           "AttError", "Timeout", "Disconnected", "ProtocolError",
           "LinkError", "LinkUnavailable"]


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

    def close(self) -> None:
        """End the link (the band sees a disconnect)."""

    def __enter__(self):
        ...

    def __exit__(self, *exc):
        ...


# ------------------------------------------------------------ targets

_ADDRESS = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
_ADAPTER = re.compile(r"^hci\d+$")


@dataclass(frozen=True)
class Target:
    """Where a band is: a socket path, or a BlueZ address (and adapter)."""
    kind: str                      # "sock" or "bluez"
    path: Optional[str] = None
    address: Optional[str] = None
    adapter: Optional[str] = None

    def __str__(self) -> str:
        if self.kind == "sock":
            return f"sock:{self.path}"
        return f"bluez:{self.address}" + (f"@{self.adapter}"
                                          if self.adapter else "")


def parse_target(text: str) -> Target:
    """``sock:PATH`` or ``bluez:ADDRESS[@hciN]``; ValueError otherwise."""
    kind, sep, rest = str(text).partition(":")
    if sep and kind == "sock" and rest:
        return Target("sock", path=rest)
    if sep and kind == "bluez":
        address, _, adapter = rest.partition("@")
        if not _ADDRESS.match(address):
            raise ValueError(f"{text!r}: {address!r} is not a Bluetooth "
                             f"address (AA:BB:CC:DD:EE:FF)")
        if adapter and not _ADAPTER.match(adapter):
            raise ValueError(f"{text!r}: {adapter!r} is not an adapter "
                             f"name (hci0, hci1, ...)")
        return Target("bluez", address=address.upper(),
                      adapter=adapter or None)
    raise ValueError(f"{text!r}: a target is sock:PATH or "
                     f"bluez:ADDRESS[@hciN]")


def connect(target, timeout: float = DEFAULT_TIMEOUT, profile=None) -> Link:
    """Open a link to the band at target (a string or a Target).

    A band that is not there raises LinkUnavailable (the socket is
    missing or refuses: the band is off or serves another central), one
    that does not answer in time Timeout.  profile (default: the Mi
    Band 4's) tells BleakLink which characteristic a handle means.
    """
    if not isinstance(target, Target):
        target = parse_target(target)
    if target.kind == "sock":
        return _connect_socket(target.path, timeout)
    from .bleak_link import BleakLink    # bleak is imported only here
    return BleakLink.connect(target.address, adapter=target.adapter,
                             profile=profile, timeout=timeout)


def _connect_socket(path: str, timeout: float) -> AttClient:
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
