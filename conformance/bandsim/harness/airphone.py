"""A phone over the air: a central adapter whose bonds bluetoothd keeps,
driven as a phone's Bluetooth settings and an app's auto-reconnect drive
their stack (``Device1.Pair``, ``Connect``, ``Adapter1.RemoveDevice``).

It answers as ``bandsim.clients.bonding.Phone`` does over the socket's
modelled link security, so the MB4/BOND scenarios run over either.  How
an encryption came out is the central controller's own word: its
Encryption Change event, read live on the kernel's HCI monitor channel
(hcimonitor.py), "PIN or Key Missing" (0x06) for the ghost pairing.
BlueZ's D-Bus errors for it vary from call to call
(``le-connection-abort-by-local``, ``br-connection-canceled`` in the
VM's bluez 5.66), so they are not what a scenario judges.
"""

import configparser
from pathlib import Path
from typing import Dict, List, Optional

from ..link.deadline import Deadline
from ..protocol.linksec import Status
from . import targets
from .hcimonitor import HciMonitor

# bluetoothd's storage: STORAGEDIR/ADAPTER/DEVICE/info, [LongTermKey].
STORAGE_DIR = Path("/var/lib/bluetooth")
# A pairing under TCG: link, SMP, then bluetoothd's discovery of the
# band's services before Pair returns (7 s measured in the VM).
PAIR_TIMEOUT = 90.0
CONNECT_TIMEOUT = 60.0
SEEN_TIMEOUT = 30.0
# After Connect returned (or failed), how long the controller's
# Encryption Change may still take: it comes within milliseconds of the
# link's encryption request, which comes before Connect returns.
ENCRYPTION_SETTLE = 10.0
# A Connect that returned with no link reported by then made none.
NO_LINK_SETTLE = 0.5
LINK_TRIES = 3
DEVICE1 = "org.bluez.Device1"


class AirPhoneError(AssertionError):
    """bluetoothd refused a step that a phone's stack would have done."""


def _status(code: int):
    try:
        return Status(code)
    except ValueError:
        return code


class AirPhone:
    """The central adapter ``adapter`` as a phone."""

    def __init__(self, adapter: str):
        self.adapter = adapter
        self.index = int(adapter[len("hci"):])
        self.address = targets.adapter_address(adapter)
        self.random = False

    # ---- bluetoothd --------------------------------------------------

    def _path(self, band_address: str) -> str:
        return (f"/org/bluez/{self.adapter}/dev_"
                f"{band_address.upper().replace(':', '_')}")

    def _call(self, path: str, iface: str, method: str, params=None,
              timeout: float = targets.PROBE_TIMEOUT):
        """A bluetoothd method; the GLib error's message, or None."""
        from gi.repository import Gio, GLib

        conn = targets.system_bus()
        try:
            conn.call_sync("org.bluez", path, iface, method, params, None,
                           Gio.DBusCallFlags.NONE, int(timeout * 1000),
                           None)
            return None
        except GLib.Error as exc:
            return exc.message
        finally:
            conn.close_sync(None)

    def _device(self, band_address: str) -> dict:
        """Device1's properties, {} when bluetoothd has no such device."""
        from gi.repository import Gio, GLib

        conn = targets.system_bus()
        try:
            return conn.call_sync(
                "org.bluez", self._path(band_address),
                "org.freedesktop.DBus.Properties", "GetAll",
                GLib.Variant("(s)", (DEVICE1,)), None,
                Gio.DBusCallFlags.NONE,
                int(targets.PROBE_TIMEOUT * 1000), None).unpack()[0]
        except GLib.Error:
            return {}
        finally:
            conn.close_sync(None)

    def _see(self, band_address: str) -> None:
        """A Device1 for the band, scanning for it if need be (a phone
        lists a band it has seen advertise)."""
        if self._device(band_address):
            return
        discovery = targets.Discovery(self.adapter)
        try:
            targets.wait_device(self.adapter, band_address, SEEN_TIMEOUT)
        finally:
            discovery.close()

    def paired(self, band_address: str) -> bool:
        return bool(self._device(band_address).get("Paired"))

    def key(self, band_address: str) -> Optional[bytes]:
        """The long-term key bluetoothd keeps for the band, or None."""
        info = STORAGE_DIR / self.address / band_address.upper() / "info"
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str
        try:
            parser.read(info, encoding="utf-8")
        except configparser.Error:
            return None
        for section in ("LongTermKey", "PeripheralLongTermKey",
                        "SlaveLongTermKey"):
            if parser.has_option(section, "Key"):
                return bytes.fromhex(parser[section]["Key"])
        return None

    @property
    def bonds(self) -> Dict[str, bytes]:
        """Band address -> key, as Phone.bonds: every bond kept on disk."""
        root = STORAGE_DIR / self.address
        found = {}
        for info in root.glob("*/info") if root.is_dir() else ():
            key = self.key(info.parent.name)
            if key is not None:
                found[info.parent.name] = key
        return found

    # ---- what a phone does -------------------------------------------

    def _end(self, band, band_address: str) -> None:
        """Hang up, and wait until the band advertises again."""
        if self._device(band_address).get("Connected"):
            self._call(self._path(band_address), DEVICE1, "Disconnect",
                       timeout=CONNECT_TIMEOUT)
        band.wait_dropped()

    def bond(self, band, band_address: str) -> str:
        """Pair from the phone's settings (or, with a bond kept already,
        connect and encrypt), then hang up: "paired" or "encrypted"."""
        self._see(band_address)
        if self.paired(band_address):
            status = self.reconnect(band, band_address, attempts=1)
            if status != [Status.OK]:
                raise AirPhoneError(f"the bonded {self.adapter} could not "
                                    f"encrypt: {status}")
            return "encrypted"
        for _ in range(LINK_TRIES):
            with HciMonitor(self.index) as monitor:
                error = self._call(self._path(band_address), DEVICE1,
                                   "Pair", timeout=PAIR_TIMEOUT)
                linked, _ = monitor.link_attempt(NO_LINK_SETTLE,
                                                 Deadline(NO_LINK_SETTLE))
            if linked or self.paired(band_address):
                break
            # No link at all: the band's advertisement was not seen (as
            # in _linked_once); scan afresh and pair again.
            targets.Discovery(self.adapter).close()
        else:
            raise AirPhoneError(f"Device1.Pair on {self.adapter}: no link "
                                f"to the band in {LINK_TRIES} tries (the "
                                f"last: {error or 'ok'})")
        band.wait_status("CONNECTED=1")
        try:
            if error is not None or not self.paired(band_address):
                raise AirPhoneError(f"Device1.Pair on {self.adapter}: "
                                    f"{error or 'not Paired after it'}")
        finally:
            self._end(band, band_address)
        return "paired"

    def _link_attempt(self, band_address: str):
        """Connect until a link comes up (a try the controller never
        linked is not an attempt: btvirt reports an advertisement only
        when scanning starts, so a scan is started afresh before the next
        try): the controller's Encryption Change on it (None: none came),
        and Connect's error."""
        for _ in range(LINK_TRIES):
            with HciMonitor(self.index) as monitor:
                error = self._call(self._path(band_address), DEVICE1,
                                   "Connect", timeout=CONNECT_TIMEOUT)
                linked, change = monitor.link_attempt(
                    NO_LINK_SETTLE, Deadline(ENCRYPTION_SETTLE))
            if linked:
                return change, error
            targets.Discovery(self.adapter).close()
        raise AirPhoneError(f"{self.adapter}: no link to the band in "
                            f"{LINK_TRIES} tries of Device1.Connect "
                            f"(the last: {error or 'ok'})")

    def _linked_once(self, band, band_address: str):
        """One reconnect: a link, seen by the band unless band is None
        (then the band is asked nothing: it may be stopped), then
        ended; the link's Encryption Change."""
        change, error = self._link_attempt(band_address)
        if band is not None:
            band.wait_status("CONNECTED=1")
            self._end(band, band_address)
        elif self._device(band_address).get("Connected"):
            self._call(self._path(band_address), DEVICE1, "Disconnect",
                       timeout=CONNECT_TIMEOUT)
        if change is None:
            raise AirPhoneError(
                f"{self.adapter} linked to the band but started no "
                f"encryption (Connect: {error or 'ok'})")
        return change

    def forget(self, band_address: str) -> None:
        """"Forget this device": bluetoothd drops the bond and the key."""
        error = self._call(f"/org/bluez/{self.adapter}", "org.bluez.Adapter1",
                           "RemoveDevice",
                           _object_path(self._path(band_address)))
        if error is not None and self._device(band_address):
            raise AirPhoneError(f"RemoveDevice on {self.adapter}: {error}")

    def reconnect(self, band, band_address: str, attempts: int) -> List:
        """Connect with the kept bond, as an app's auto-reconnect does, up
        to attempts times while the encryption fails; each attempt's HCI
        status from the central's controller (Status.OK ends it).  With
        band None nothing is asked of the band (it may be stopped): the
        phone hangs up itself if the link is still up."""
        statuses = []
        self._see(band_address)
        for _ in range(attempts):
            change = self._linked_once(band, band_address)
            statuses.append(_status(change.status))
            if change.status == Status.OK:
                break
        return statuses


def _object_path(path: str):
    from gi.repository import GLib
    return GLib.Variant("(o)", (path,))
