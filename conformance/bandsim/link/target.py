"""Where a band is, and opening a link to it.

A target string names the transport and the band:

    sock:PATH                   the socket transport at PATH
    bluez:ADDRESS[@hciN]        BlueZ, optionally on adapter hciN

connect() opens the Link (base.py) there: an AttClient for a socket, a
BleakLink for BlueZ.  bleak is imported only for a BlueZ target, so the
package works without python3-bleak.
"""

import re
from dataclasses import dataclass
from typing import Optional

from .base import DEFAULT_TIMEOUT, Link
from .sock import connect_socket

# A Bluetooth address (AA:BB:CC:DD:EE:FF) and a BlueZ adapter name (hciN).
ADDRESS = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
ADAPTER = re.compile(r"^hci\d+$")


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
        if not ADDRESS.match(address):
            raise ValueError(f"{text!r}: {address!r} is not a Bluetooth "
                             f"address (AA:BB:CC:DD:EE:FF)")
        if adapter and not ADAPTER.match(adapter):
            raise ValueError(f"{text!r}: {adapter!r} is not an adapter "
                             f"name (hci0, hci1, ...)")
        return Target("bluez", address=address.upper(),
                      adapter=adapter or None)
    raise ValueError(f"{text!r}: a target is sock:PATH or "
                     f"bluez:ADDRESS[@hciN]")


def connect(target, timeout=DEFAULT_TIMEOUT, profile=None) -> Link:
    """Open a link to the band at target (a string or a Target).

    A band that is not there raises LinkUnavailable (the socket is
    missing or refuses: the band is off or serves another central), one
    that does not answer in time Timeout.  timeout is seconds, or a
    Deadline for the connection alone.  profile (default: the Mi Band
    4's) tells BleakLink which characteristic a handle means.
    """
    if not isinstance(target, Target):
        target = parse_target(target)
    if target.kind == "sock":
        return connect_socket(target.path, timeout)
    from .bluez import BleakLink    # bleak is imported only here
    return BleakLink.connect(target.address, adapter=target.adapter,
                             profile=profile, timeout=timeout)
