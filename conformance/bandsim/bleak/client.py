"""BleakClient's backend: one band over bandsim's socket transport.

connect() opens the band's socket, exchanges the MTU (517 asked, as
bluetoothd does) and discovers the GATT table over raw ATT with the
suite's own ATT client (link/sock.py), in a worker thread against one
deadline.  From then on the socket belongs to the event loop: a reader
callback takes every PDU as it arrives, hands notifications and
indications (confirmed at once) to their callbacks, and a response to
the one request outstanding (ATT allows one per bearer).  When the band
ends the link the client learns it from the socket at once and calls
the disconnected callback.

What the app sees follows bleak on BlueZ (bleak/backends/bluezdbus/
client.py and bluetoothd's gatt-client.c): the same handles, stack
services hidden, the same exceptions and messages (errors.py), writes
switched between request and command by the characteristic's
properties, a CCCD not writable as a descriptor.  docs/bleak.md lists
where it differs.
"""

import asyncio
import socket
import struct
import uuid
from typing import Optional, Union

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.exc import BleakDeviceNotFoundError, BleakError

from ..link.base import AttClientError, LinkUnavailable
from ..link.base import Timeout as LinkTimeout
from ..link.deadline import Deadline
from ..link.sock import AttClient, LinkSecurityError
from ..protocol import linksec
from ..protocol.att import (EXECUTE_CANCEL, EXECUTE_WRITE, NOTIFY_OFF,
                            ErrorCode, Op, execute_write_req,
                            long_write_parts, prepare_write_req)
from . import bands as bands_module
from . import errors, gatt
from .bonds import BondStore, is_address
from .config import Where
from .scanner import find_band

# How often a client looks again for its band to advertise (its socket
# to listen) before it connects.
RESOLVE_POLL = 0.05
# The MTU bluetoothd asks for (its default, 517).
REQUESTED_MTU = 517
# ATT's transaction timeout (Core Vol 3 Part F 3.3.3): a request not
# answered in 30 s ends the bearer.
ATT_TIMEOUT = 30.0
_RECV_SIZE = 1 << 16
_INDICATE_ON = b"\x02\x00"
_NOTIFY_ON = b"\x01\x00"
_DEVICE_NAME = "00002a00-0000-1000-8000-00805f9b34fb"


def _open(path: str, timeout: float, central: str, ltk: Optional[bytes]):
    """Blocking: connect, encrypt with the bond's key when there is one
    (bluetoothd raises a bonded LE device's link to medium security
    before ATT starts), exchange the MTU and discover.  (socket, mtu,
    services)."""
    deadline = Deadline(timeout)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        sock.settimeout(deadline.remaining())
        try:
            sock.connect(path)
        except socket.timeout as exc:
            raise LinkTimeout(f"{path}: no connection") from exc
        except OSError as exc:
            raise LinkUnavailable(f"no band at {path}: {exc}") from exc
        att = AttClient(sock, timeout)
        if ltk is not None:
            att.identify(central, central_is_random(central), deadline)
            att.encrypt(ltk, deadline)
        att.exchange_mtu(REQUESTED_MTU, deadline)
        services = att.discover(deadline)
        att.take_unsolicited()      # nothing subscribed yet
        return sock, att.mtu, services
    except BaseException:
        sock.close()
        raise


def central_is_random(address: str) -> bool:
    """A random static address has its top two bits set."""
    return int(address[:2], 16) & 0xC0 == 0xC0


class BandsimClient(BaseBleakClient):
    """BaseBleakClient over bandsim's socket transport.

    address_or_ble_device: a BLEDevice from BandsimScanner, a band's
    address (found by scanning, as bleak on BlueZ does), or a socket
    path.  Keyword arguments besides bleak's: ``bands``, ``band_dir``,
    ``control_address`` (as BandsimScanner), ``att_timeout`` (seconds a
    request may wait for its response; default ATT's 30),
    ``bond_dir`` and ``central_address`` (bonds.py: where bonds are
    kept, and the central the band sees pair).
    """

    def __init__(self, address_or_ble_device: Union[BLEDevice, str],
                 **kwargs):
        super().__init__(address_or_ble_device, **kwargs)
        self._where = Where.from_kwargs(kwargs)
        self._att_timeout = kwargs.get("att_timeout", ATT_TIMEOUT)
        self._bonds = BondStore(kwargs.get("bond_dir"),
                                kwargs.get("central_address"))
        self._path = None
        # The address the bond is kept under: the band's, as BlueZ
        # keeps it; for a socket path, found by a scan at connect.
        self._band = None
        if isinstance(address_or_ble_device, BLEDevice):
            details = address_or_ble_device.details
            if isinstance(details, dict) and "path" in details:
                self._path = details["path"]
            self._band = address_or_ble_device.address
        elif "/" in str(address_or_ble_device):
            self._path = str(address_or_ble_device)
        elif is_address(str(address_or_ble_device)):
            self._band = str(address_or_ble_device)
        self._identified = False
        self._sock: Optional[socket.socket] = None
        self._loop = None
        self._mtu = None
        self._hidden = {}
        self._callbacks = {}
        self._pending: Optional[asyncio.Future] = None
        self._lock = asyncio.Lock()

    # ------------------------------------------------------ connection

    @property
    def mtu_size(self) -> int:
        return self._mtu or 23

    @property
    def is_connected(self) -> bool:
        return self._DeprecatedIsConnectedReturn(self._sock is not None)

    async def connect(self, **kwargs) -> bool:
        if self._sock is not None:
            raise BleakError("Client is already connected")
        deadline = Deadline(kwargs.get("timeout", self._timeout))
        path = self._path or await self._resolve(deadline.remaining())
        if self._band is None:
            self._band = await self._band_address(path, deadline)
            if self._band is None:
                raise BleakDeviceNotFoundError(
                    self.address,
                    f"Device with address {self.address} was not found.")
        ltk = self._bonds.get(self._band)
        try:
            sock, mtu, services = await asyncio.to_thread(
                _open, path, deadline.remaining(), self._bonds.central, ltk)
        except LinkSecurityError as exc:
            raise errors.encryption_failed(exc.status) from exc
        except LinkUnavailable as exc:
            raise BleakDeviceNotFoundError(
                self.address,
                f"Device with address {self.address} was not found.") \
                from exc
        except LinkTimeout as exc:
            raise asyncio.TimeoutError() from exc
        except AttClientError as exc:
            raise BleakError(f"service discovery failed: {exc}") from exc
        self._path = path
        self._identified = ltk is not None
        self._mtu = mtu
        self.services, self._hidden = gatt.collection(services, mtu)
        self._loop = asyncio.get_running_loop()
        sock.setblocking(False)
        self._sock = sock
        self._loop.add_reader(sock.fileno(), self._readable)
        return True

    async def _resolve(self, timeout: float) -> str:
        """The socket of the band with this client's address: scanning
        for it, as bleak on BlueZ does before it connects.  With the one
        band of with_band --band, that band, at once: it stands for any
        address (an app written for its own band's MAC runs as is), and
        scanning for an address no band has would take the whole
        timeout."""
        if self._where.single:
            return self._where.single
        device = await find_band(self.address, self._where, timeout)
        if device is not None:
            return device.details["path"]
        raise BleakDeviceNotFoundError(
            self.address, f"Device with address {self.address} was not found.")

    async def _band_address(self, path: str,
                            deadline: Deadline) -> Optional[str]:
        """The address of the band at path, once it advertises (its
        socket listens), as bleak on BlueZ scans until it hears the
        device; None if it does not before the deadline.  A band just
        left by its central advertises again a moment later."""
        while True:
            found = await asyncio.to_thread(bands_module.find, [path],
                                            self._where.control_address)
            if found:
                return found[0].address
            if deadline.expired:
                return None
            await asyncio.sleep(min(RESOLVE_POLL,
                                    max(deadline.remaining(), 0)))

    async def disconnect(self) -> bool:
        if self._sock is not None:
            self._lost()
        return True

    def _lost(self) -> None:
        """The link ended (either side): drop it and tell the app, as
        bleak on BlueZ does for every disconnect, its own included."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        self._loop.remove_reader(sock.fileno())
        sock.close()
        pending, self._pending = self._pending, None
        if pending is not None and not pending.done():
            pending.set_exception(errors.link_lost())
        self._callbacks.clear()
        self.services = None
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def pair(self, *args, **kwargs) -> bool:
        """Just Works pairing with bonding, as bleak on BlueZ pairs
        (Device1.Pair): connect first if need be; a band with a bond
        kept already is paired (its link was encrypted at connect).
        The key is kept in the bond directory (bonds.py)."""
        if self._sock is None:
            await self.connect()
        if self._band is None:
            raise BleakError("the band's address is not known: pair a "
                             "BLEDevice from BandsimScanner or an address")
        if self._bonds.get(self._band) is not None:
            return True
        try:
            if not self._identified:
                self._link_status(await self._link_request(
                    linksec.address_req(self._bonds.central,
                                        central_is_random(
                                            self._bonds.central))))
                self._identified = True
            reply = await self._link_request(linksec.pair_req())
            self._link_status(reply)
        except LinkSecurityError as exc:
            raise errors.pairing_failed(exc.status) from exc
        if len(reply) != 1 + linksec.LTK_SIZE:
            raise errors.pairing_failed(linksec.Status.UNSPECIFIED)
        self._bonds.put(self._band, reply[1:])
        return True

    async def unpair(self) -> bool:
        """What bleak on BlueZ does (Adapter1.RemoveDevice): forget the
        bond on this side and end the link.  The band keeps its own bond
        (no phone tells the band), which is the ghost pairing's start."""
        if self._sock is not None:
            self._lost()
        if self._band is None and self._path is not None:
            self._band = await self._band_address(
                self._path, Deadline(self._timeout))
        if self._band is not None:
            self._bonds.remove(self._band)
        return True

    @staticmethod
    def _link_status(reply: bytes) -> None:
        if reply[0] != linksec.Status.OK:
            raise LinkSecurityError("link request refused", reply[0])

    async def get_services(self, **kwargs):
        if self._sock is None:
            raise errors.not_connected()
        return self.services

    # ------------------------------------------------------ ATT bearer

    def _readable(self) -> None:
        try:
            pdu = self._sock.recv(_RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            pdu = b""
        if not pdu:
            self._lost()
            return
        if pdu[0] in (Op.NOTIFICATION, Op.INDICATION) and len(pdu) >= 3:
            if pdu[0] == Op.INDICATION:
                self._send(bytes([Op.CONFIRMATION]))
            callback = self._callbacks.get(
                int.from_bytes(pdu[1:3], "little"))
            if callback is not None:
                callback(bytearray(pdu[3:]))
            return
        if self._pending is not None and not self._pending.done():
            self._pending.set_result(pdu)
        # Anything else fits no request: ATT says drop it.

    def _send(self, pdu: bytes) -> None:
        try:
            self._sock.send(pdu)
        except (BlockingIOError, OSError):
            self._lost()
            raise errors.link_lost()

    async def _link_request(self, packet: bytes) -> bytes:
        """A link-layer request of the socket's modelled link security
        (docs/socket-transport.md): its reply after ``00 <80|op>``."""
        rsp = await self._exchange(packet)
        if not linksec.is_reply(rsp) or rsp[1] != linksec.REPLY | packet[1]:
            raise errors.bluez_error("Failed", "Operation failed")
        return rsp[2:]

    async def _request(self, pdu: bytes, tolerate=()) -> bytes:
        """Send a request, return its response; an Error Response
        raises what bluetoothd makes of it, or returns None when its
        code is one of tolerate."""
        rsp = await self._exchange(pdu)
        if rsp[0] == Op.ERROR_RSP and len(rsp) == 5:
            if rsp[4] in tolerate:
                return None
            raise errors.att_error(rsp[4])
        if rsp[0] != pdu[0] + 1:
            raise errors.bluez_error("Failed", "Operation failed")
        return rsp

    async def _exchange(self, pdu: bytes) -> bytes:
        """Send pdu and return the next PDU that is not a notification
        or an indication: its response (one request at a time)."""
        async with self._lock:
            if self._sock is None:
                raise errors.not_connected()
            self._pending = self._loop.create_future()
            pending = self._pending
            try:
                self._send(pdu)
            except BaseException:
                # _lost() failed it too; the error raised is _send's.
                if pending.done() and not pending.cancelled():
                    pending.exception()
                raise
            try:
                rsp = await asyncio.wait_for(pending, self._att_timeout)
            except asyncio.TimeoutError:
                self._lost()        # the bearer is dead (3.3.3)
                raise
            finally:
                self._pending = None
        return rsp

    async def _read(self, handle: int) -> bytearray:
        """A Read, then Read Blobs while the parts come full, as
        bluetoothd reads a long value."""
        value = bytearray((await self._request(
            struct.pack("<BH", Op.READ_REQ, handle)))[1:])
        while len(value) >= self.mtu_size - 1 and \
                len(value) % (self.mtu_size - 1) == 0:
            rsp = await self._request(
                struct.pack("<BHH", Op.READ_BLOB_REQ, handle, len(value)),
                tolerate=(ErrorCode.ATTRIBUTE_NOT_LONG,
                          ErrorCode.INVALID_OFFSET))
            if rsp is None or len(rsp) == 1:
                break
            value += rsp[1:]
        return value

    async def _write(self, handle: int, data: bytes) -> None:
        """Write Request, or Prepare/Execute Writes past ATT_MTU - 3."""
        if 3 + len(data) <= self.mtu_size:
            await self._request(struct.pack("<BH", Op.WRITE_REQ, handle)
                                + data)
            return
        try:
            for offset, part in long_write_parts(data, self.mtu_size):
                await self._request(prepare_write_req(handle, offset, part))
        except BleakError:
            if self._sock is not None:
                await self._request(execute_write_req(EXECUTE_CANCEL))
            raise
        await self._request(execute_write_req(EXECUTE_WRITE))

    # ----------------------------------------------------- bleak's API

    def _characteristic(self, specifier, missing: str):
        if self._sock is None:
            raise errors.not_connected()
        if isinstance(specifier, BleakGATTCharacteristic):
            return specifier
        if isinstance(specifier, uuid.UUID):
            specifier = str(specifier)
        characteristic = self.services.get_characteristic(specifier)
        if characteristic is None:
            raise BleakError(missing.format(specifier))
        return characteristic

    async def read_gatt_char(self, char_specifier, **kwargs) -> bytearray:
        if self._sock is None:
            raise errors.not_connected()
        if not isinstance(char_specifier, BleakGATTCharacteristic) and \
                str(char_specifier).lower() == _DEVICE_NAME and \
                _DEVICE_NAME in self._hidden:
            # bleak answers the hidden GAP name from the device.
            return await self._read(self._hidden[_DEVICE_NAME].value_handle)
        characteristic = self._characteristic(
            char_specifier, "Characteristic with UUID {0} could not be found!")
        return await self._read(characteristic.value_handle)

    async def write_gatt_char(self, char_specifier, data,
                              response: bool = False) -> None:
        characteristic = self._characteristic(
            char_specifier, "Characteristic {0} was not found!")
        props = characteristic.properties
        if "write" not in props and "write-without-response" not in props:
            raise BleakError("Characteristic %s does not support write "
                             "operations!" % str(characteristic.uuid))
        # bleak's BlueZ backend switches to the kind the characteristic has.
        if not response and "write-without-response" not in props:
            response = True
        if response and "write" not in props:
            response = False
        data = bytes(data)
        if response:
            await self._write(characteristic.value_handle, data)
            return
        if 3 + len(data) > self.mtu_size:
            raise errors.bluez_error("Failed", "Failed to initiate write")
        async with self._lock:
            if self._sock is None:
                raise errors.not_connected()
            self._send(struct.pack("<BH", Op.WRITE_CMD,
                                   characteristic.value_handle) + data)

    def _descriptor(self, handle: int, missing: str):
        if self._sock is None:
            raise errors.not_connected()
        descriptor = self.services.get_descriptor(handle)
        if descriptor is None:
            raise BleakError(missing.format(handle))
        return descriptor

    async def read_gatt_descriptor(self, handle: int, **kwargs) -> bytearray:
        descriptor = self._descriptor(
            handle, "Descriptor with handle {0} was not found!")
        return await self._read(descriptor.handle)

    async def write_gatt_descriptor(self, handle: int, data) -> None:
        descriptor = self._descriptor(
            handle, "Descriptor with handle {0} was not found!")
        if descriptor.uuid == "00002902-0000-1000-8000-00805f9b34fb":
            # bluetoothd: through StartNotify and StopNotify only.
            raise errors.bluez_error("NotPermitted", "Write not permitted")
        await self._write(descriptor.handle, bytes(data))

    async def start_notify(self, characteristic, callback, **kwargs) -> None:
        if self._sock is None:
            raise errors.not_connected()
        props = characteristic.properties
        if "notify" in props:
            value = _NOTIFY_ON
        elif "indicate" in props:
            value = _INDICATE_ON
        else:
            raise errors.bluez_error("NotSupported",
                                     "Operation is not supported")
        cccd = characteristic.cccd()
        if cccd is None:
            raise errors.bluez_error("NotSupported",
                                     "Operation is not supported")
        self._callbacks[characteristic.value_handle] = callback
        try:
            await self._write(cccd.handle, value)
        except BaseException:
            self._callbacks.pop(characteristic.value_handle, None)
            raise

    async def stop_notify(self, char_specifier) -> None:
        characteristic = self._characteristic(
            char_specifier, "Characteristic {} not found!")
        if characteristic.value_handle not in self._callbacks:
            raise errors.bluez_error("Failed", "No notify session started")
        await self._write(characteristic.cccd().handle, NOTIFY_OFF)
        self._callbacks.pop(characteristic.value_handle, None)

