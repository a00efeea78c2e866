"""Where the bands are, and what each one advertises.

A band on the socket transport "advertises" while its listening socket
is up: it closes it while a central is linked (docs/socket-transport.md,
"One central at a time"), as a Mi Band stops advertising.  Whether a
socket listens is read from /proc/net/unix, so a scan never connects and
the band sees no link come and go.

The advertising data itself is not on the socket.  The band's control
plane has it (io.bandsim.Band1 property Advertisement, and Address),
so a scan asks the control plane of the process that listens on the
socket: a fleet's Fleet1.Bands names each band's socket, a band alone
is the one object of its process.  Without a control plane (--control-bus
none, or a bus this process cannot reach) a band is still found, with
the name and manufacturer data of its profile (heart-rate byte ff), no
service data (the day's steps are not known), and an address made from
the socket's path.
"""

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from ..protocol.heartrate import ad_structures
from ..protocol.profile import default_profile

BAND_INTERFACE = "io.bandsim.Band1"
FLEET_INTERFACE = "io.bandsim.Fleet1"
BAND_PATH = "/io/bandsim/band"
FLEET_PATH = "/io/bandsim"
# A control call of a scan gives up after this (ms): a scan must not hang
# on a band that stopped answering.
CALL_TIMEOUT_MS = 2000

_SO_ACCEPTCON = 0x10000     # listening, in /proc/net/unix's Flags
_SS_UNCONNECTED = 0x01


@dataclass
class Band:
    """One band that advertises now."""
    path: str                   # its socket
    address: str
    data: bytes                 # legacy advertising data
    scan_response: bytes
    control: bool               # the data came from its control plane


def default_socket() -> str:
    """Where bandsim puts its socket without --socket."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "bandsim.sock")
    return f"/tmp/bandsim-{os.getuid()}.sock"


def sockets_in(directory) -> List[str]:
    """The socket files directly under directory, by name."""
    try:
        entries = sorted(Path(directory).iterdir())
    except FileNotFoundError:
        return []
    return [str(p) for p in entries if p.is_socket()]


def listening() -> Dict[str, int]:
    """Path -> socket inode of every listening unix socket bound to a
    path (as the binder named it: possibly relative)."""
    found = {}
    try:
        with open("/proc/net/unix") as f:
            next(f, None)
            for line in f:
                fields = line.split()
                if len(fields) < 8:
                    continue
                flags, state = int(fields[3], 16), int(fields[5], 16)
                if flags & _SO_ACCEPTCON and state == _SS_UNCONNECTED:
                    found[fields[7]] = int(fields[6])
    except OSError:
        pass
    return found


def listener_inode(path: str, table: Dict[str, int]) -> Optional[int]:
    """The inode of the socket listening at path, or None.  A band
    started with a relative --socket is listed under that relative
    name: it matches the tail of path."""
    path = os.path.abspath(path)
    if path in table:
        return table[path]
    for bound, inode in table.items():
        if not bound.startswith("/") and path.endswith("/" + bound):
            return inode
    return None


def pid_of_socket(inode: int) -> Optional[int]:
    """The process holding socket inode (one of this user's)."""
    target = f"socket:[{inode}]"
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            for fd in os.scandir(f"/proc/{entry.name}/fd"):
                if os.readlink(fd.path) == target:
                    return int(entry.name)
        except OSError:
            continue
    return None


def made_up_address(path: str) -> str:
    """A random static address (top bits 11) that stays the same for
    a socket path, for a band whose control plane is out of reach."""
    digest = bytearray(hashlib.sha256(
        os.path.realpath(path).encode()).digest()[:6])
    digest[0] |= 0xC0
    return ":".join(f"{b:02X}" for b in digest)


def profile_advertisement():
    """(data, scan response) the profile gives a band that has measured
    nothing, without the service data of the steps."""
    section = default_profile().section("advertising")
    name = section["local-name"].encode()
    company = int(section["manufacturer-id"], 0).to_bytes(2, "little")
    payload = company + bytes.fromhex(section["manufacturer-data"])
    data = bytes([2, 0x01, int(section["flags"], 0)]) + \
        bytes([len(payload) + 1, 0xFF]) + payload
    return data, bytes([len(name) + 1, 0x09]) + name


# ------------------------------------------------------ control plane

class ControlPlanes:
    """The bands' control planes on one bus: the session bus, or a
    private one (address).  Blocking; a scan runs it in a thread."""

    _connections = {}
    _lock = threading.Lock()

    def __init__(self, address: Optional[str] = None):
        self.address = address

    def _connection(self):
        import gi
        gi.require_version("Gio", "2.0")
        from gi.repository import Gio
        key = self.address or "session"
        with self._lock:
            conn = self._connections.get(key)
            if conn is None or conn.is_closed():
                if self.address:
                    conn = Gio.DBusConnection.new_for_address_sync(
                        self.address,
                        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
                        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
                        None, None)
                else:
                    conn = Gio.bus_get_sync(Gio.BusType.SESSION, None)
                self._connections[key] = conn
            return conn

    def _call(self, conn, name, path, interface, method, args=None):
        from gi.repository import GLib
        params = None if args is None else GLib.Variant(*args)
        from gi.repository import Gio
        return conn.call_sync(name, path, interface, method, params, None,
                              Gio.DBusCallFlags.NO_AUTO_START,
                              CALL_TIMEOUT_MS, None).unpack()

    def _get(self, conn, name, path, interface, prop):
        return self._call(conn, name, path,
                          "org.freedesktop.DBus.Properties", "Get",
                          ("(ss)", (interface, prop)))[0]

    def names_of(self, conn, pid: int) -> List[str]:
        """Well-known names owned by process pid."""
        bus = ("org.freedesktop.DBus", "/org/freedesktop/DBus",
               "org.freedesktop.DBus")
        names = []
        for name in self._call(conn, *bus, "ListNames")[0]:
            if name.startswith(":") or name.startswith("org.freedesktop."):
                continue
            try:
                owner_pid = self._call(conn, *bus,
                                       "GetConnectionUnixProcessID",
                                       ("(s)", (name,)))[0]
            except Exception:
                continue
            if owner_pid == pid:
                names.append(name)
        return names

    def lookup(self, path: str, pid: int) -> Optional[Band]:
        """The band at socket path from the control plane of process
        pid; None when there is none on this bus."""
        try:
            conn = self._connection()
            names = self.names_of(conn, pid)
        except Exception:
            return None
        real = os.path.realpath(path)
        for name in names:
            try:
                obj = self._band_object(conn, name, real)
                if obj is None:
                    continue
                address = self._get(conn, name, obj, BAND_INTERFACE,
                                    "Address")
                adv = self._get(conn, name, obj, BAND_INTERFACE,
                                "Advertisement")
            except Exception:
                continue
            return Band(path, address, bytes(adv["data"]),
                        bytes(adv["scan-response"]), True)
        return None

    def _band_object(self, conn, name: str, real: str) -> Optional[str]:
        try:
            bands = self._get(conn, name, FLEET_PATH, FLEET_INTERFACE,
                              "Bands")
        except Exception:
            return BAND_PATH        # a band alone
        for _number, obj, sock, running in bands:
            if running and os.path.realpath(sock) == real:
                return obj
        return None


def find(paths: Iterable[str], control_address: Optional[str] = None,
         use_control: bool = True) -> List[Band]:
    """The bands among the sockets at paths that advertise now."""
    table = listening()
    planes = ControlPlanes(control_address) if use_control else None
    bands = []
    for path in paths:
        inode = listener_inode(path, table)
        if inode is None:
            continue
        band = None
        if planes is not None:
            pid = pid_of_socket(inode)
            if pid is not None:
                band = planes.lookup(path, pid)
        if band is None:
            data, scan_response = profile_advertisement()
            band = Band(path, made_up_address(path), data, scan_response,
                        False)
        bands.append(band)
    return bands


def advertisement_fields(data: bytes, scan_response: bytes) -> dict:
    """What bleak's AdvertisementData holds, from the AD structures."""
    from ..protocol import uuids
    fields = {"local_name": None, "manufacturer_data": {},
              "service_data": {}, "service_uuids": [], "tx_power": None}
    for ad_type, payload in ad_structures(data) + ad_structures(
            scan_response):
        if ad_type in (0x08, 0x09):
            fields["local_name"] = payload.decode("utf-8", "replace")
        elif ad_type == 0xFF and len(payload) >= 2:
            company = int.from_bytes(payload[:2], "little")
            fields["manufacturer_data"][company] = bytes(payload[2:])
        elif ad_type == 0x16 and len(payload) >= 2:
            uuid = uuids.sig(int.from_bytes(payload[:2], "little"))
            fields["service_data"][uuid] = bytes(payload[2:])
        elif ad_type in (0x02, 0x03):
            fields["service_uuids"] += [
                uuids.sig(int.from_bytes(payload[i:i + 2], "little"))
                for i in range(0, len(payload) - 1, 2)]
        elif ad_type in (0x06, 0x07):
            fields["service_uuids"] += [
                uuids.from_wire(payload[i:i + 16])
                for i in range(0, len(payload) - 15, 16)]
        elif ad_type == 0x0A and payload:
            fields["tx_power"] = int.from_bytes(payload[:1], "little",
                                                signed=True)
    return fields
