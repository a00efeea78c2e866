"""Where a band is, and opening a link to it.

A target string names the transport and the band:

    sock:PATH                   the socket transport at PATH
    bluez:ADDRESS[@hciN]        BlueZ, optionally on adapter hciN
    l2cap:ADDRESS@hciN          raw ATT over the air from adapter hciN

connect() opens the Link (base.py) there: an AttClient for a socket or an
L2CAP ATT socket (l2cap.py), a BleakLink for BlueZ.  bleak is imported only for a BlueZ target, so the
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
    kind: str                      # "sock", "bluez" or "l2cap"
    path: Optional[str] = None
    address: Optional[str] = None
    adapter: Optional[str] = None

    def __str__(self) -> str:
        if self.kind == "sock":
            return f"sock:{self.path}"
        return f"{self.kind}:{self.address}" + (f"@{self.adapter}"
                                                if self.adapter else "")


def parse_target(text: str) -> Target:
    """``sock:PATH``, ``bluez:ADDRESS[@hciN]`` or ``l2cap:ADDRESS@hciN``;
    ValueError otherwise."""
    kind, sep, rest = str(text).partition(":")
    if sep and kind == "sock" and rest:
        return Target("sock", path=rest)
    if sep and kind in ("bluez", "l2cap"):
        address, _, adapter = rest.partition("@")
        if not ADDRESS.match(address):
            raise ValueError(f"{text!r}: {address!r} is not a Bluetooth "
                             f"address (AA:BB:CC:DD:EE:FF)")
        if adapter and not ADAPTER.match(adapter):
            raise ValueError(f"{text!r}: {adapter!r} is not an adapter "
                             f"name (hci0, hci1, ...)")
        if kind == "l2cap" and not adapter:
            raise ValueError(f"{text!r}: an l2cap target names the "
                             f"adapter to leave from (@hciN)")
        return Target(kind, address=address.upper(),
                      adapter=adapter or None)
    raise ValueError(f"{text!r}: a target is sock:PATH, "
                     f"bluez:ADDRESS[@hciN] or l2cap:ADDRESS@hciN")


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
    if target.kind == "l2cap":
        from .l2cap import connect_l2cap
        return connect_l2cap(target.address, target.adapter, timeout)
    from .bluez import BleakLink    # bleak is imported only here
    return BleakLink.connect(target.address, adapter=target.adapter,
                             profile=profile, timeout=timeout)


def set_recovery(adapter: str, recover) -> None:
    """Let BlueZ links through adapter call recover() when they find it
    wedged (bluez.AdapterWedged), then connect again; None withdraws it.
    Only the owner of the adapter sets one: recovering powers it off and
    on, which drops every link it has."""
    from .bluez import set_recovery as bluez_set_recovery
    bluez_set_recovery(adapter, recover)
