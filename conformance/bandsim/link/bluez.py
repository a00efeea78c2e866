"""A Link over bleak on BlueZ: the emulator behind an adapter, or a real band.

The clients address characteristics by the profile's handles
(``profile.Profile``).  Over BlueZ the band's handles are whatever its
GATT table says and BlueZ hides some services (0x1800, 0x1801), so the
handles mean nothing there: each profile VALUE handle is mapped to its
(service UUID, characteristic UUID) pair and resolved, after connect,
to the characteristic bleak found.  The service takes part in the match
because some UUIDs occur twice (0x2A04 in 0x1800 and in 0xFEE0); the
k-th occurrence of a pair in the profile is the k-th on the device.

CCCD handles of the profile stand for the notification state of their
characteristic: a write of ``01 00`` (or ``02 00``) becomes
``start_notify``, ``00 00`` ``stop_notify``, and a read returns the
state.  Notifications are queued by profile value handle in arrival
order (the Link contract in ``base.py``).

bleak is asyncio; the Link API is synchronous with deadlines.  Each
BleakLink runs a private event loop in a thread of its own; a call
submits a coroutine to it and waits for the result until its deadline,
then cancels it and raises Timeout.  Notification callbacks run on that
loop and hand values over through a condition variable, so a wait ends
the moment one arrives.

BlueZ reports ATT errors as D-Bus errors (src/gatt-client.c,
create_gatt_dbus_error); ``map_error`` turns them back into
``AttError`` with the ATT code (NotAuthorized -> 0x08, ...) on the
profile handle the caller used, and link loss into Disconnected.

Write Request or Write Command is what the caller chose (``write`` or
``write_command``); where the characteristic lacks that property the
link acts as the band's ATT server would: a Write Request fails with
0x03 (Write Not Permitted), a Write Command is dropped.  (bleak itself
would silently switch to the other kind.)

bleak is imported only when a link is opened or a scan runs, so the
package works without python3-bleak.
"""

import asyncio
import collections
import concurrent.futures
import functools
import re
import struct
import threading
import warnings
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from ..protocol import uuids
from ..protocol.att import DEFAULT_MTU, ErrorCode, Op
from ..protocol.heartrate import advertised_heart_rate
from ..protocol.profile import Profile, default_profile
from .base import (DEFAULT_TIMEOUT, AttClientError, AttError, Disconnected,
                   LinkError, LinkUnavailable, Timeout)
from .deadline import Deadline, as_deadline

# How long close() may spend on a polite disconnect and loop shutdown.
CLOSE_TIMEOUT = 5.0
# Back-off between connection attempts (times the attempt number).
RETRY_PAUSE = 0.25
# One connection attempt may take at most this share of the deadline: an
# attempt the controller never completes (LE Create Connection pending,
# services never resolved) is cancelled and tried again instead of using
# up the whole budget.
ATTEMPT_SHARE = 0.4
# ... and never more than this: a deadline stretched for a slow machine
# (BANDSIM_TIMEOUT_SCALE) gives discovery its time, but a link that is
# not up after this long is not coming.
ATTEMPT_MAX = 30.0
# How often an attempt past its share checks that its link is still up.
LINK_UP_POLL = 0.25
# An attempt that failed early (a link BlueZ lost during service
# discovery fails in a few seconds) is followed by another while at least
# this much of the deadline is left, even after the attempt that was
# given all the rest of it.
MIN_ATTEMPT = 3.0
# The band advertises every 500 ms (profile): a few seconds of scanning
# finds it whenever it is there.
SCAN_AFTER_FAILURE = 5.0
# How long a link whose services came back incomplete waits for the rest
# to reach bleak before it is treated as BlueZ's short cache
# (_await_services): under load the service objects of a fresh discovery
# took up to 2.5 s after the discovery ended.
SERVICES_SETTLE = 5.0
# How long a Device1 still Connected from an earlier link gets to go
# (_settle) before the device is forgotten instead: a Disconnect that
# BlueZ can carry out ends within a second or two; one it cannot (the
# kernel lost the link, bluetoothd did not) never ends, and waiting on
# it took every later test's whole connect deadline.
SETTLE_MAX = 10.0
# How long past its share an attempt whose link BlueZ shows up keeps
# waiting for the connection to complete: a first GATT discovery in the
# VM without KVM took 7 s.  A link the kernel lost as it came up never
# completes (a second LE Create Connection to the same peer 70 ms after
# the first had succeeded, its cancel refused: bluetoothd kept
# Device1.Connected with no link under it, and every later connect
# waited on that).
LINK_UP_MAX = 30.0
SERVICES_POLL = 0.1
# BlueZ keeps Generic Access and Generic Attribute to itself: a central
# on BlueZ never sees them, on any device.  Every other service of the
# profile must come through.
STACK_SERVICES = frozenset(uuids.normalize(u) for u in ("1800", "1801"))


# ------------------------------------------------------ handle mapping

@dataclass(frozen=True)
class Slot:
    """One characteristic of the profile, as the link addresses it."""
    name: str
    value_handle: int
    cccd_handle: Optional[int]
    service_uuid: str
    uuid: str
    properties: tuple
    occurrence: int        # k-th characteristic with this (service, uuid)


class HandleMap:
    """Profile handles <-> characteristics of the connected device."""

    def __init__(self, profile: Profile):
        self.slots: Dict[int, Slot] = {}     # value handle -> Slot
        self.cccds: Dict[int, int] = {}      # CCCD handle -> value handle
        seen = collections.Counter()
        for service in profile.services:
            for char in service.characteristics:
                key = (service.uuid, char.uuid)
                self.slots[char.value_handle] = Slot(
                    char.name, char.value_handle, char.cccd_handle,
                    service.uuid, char.uuid, tuple(char.properties),
                    seen[key])
                seen[key] += 1
                if char.cccd_handle is not None:
                    self.cccds[char.cccd_handle] = char.value_handle

    def resolve(self, services) -> Dict[int, object]:
        """value handle -> the device's characteristic object.

        services is what bleak's ``client.services`` iterates: objects
        with ``uuid`` and ``characteristics`` (each with ``uuid`` and,
        for the order among equal pairs, ``handle``).  Characteristics
        the device does not have are left out.
        """
        found = collections.defaultdict(list)
        for service in services:
            service_uuid = uuids.normalize(str(service.uuid))
            for char in service.characteristics:
                found[(service_uuid, uuids.normalize(str(char.uuid)))] \
                    .append(char)
        for chars in found.values():
            chars.sort(key=lambda c: getattr(c, "handle", 0) or 0)
        resolved = {}
        for handle, slot in self.slots.items():
            chars = found.get((slot.service_uuid, slot.uuid), [])
            if slot.occurrence < len(chars):
                resolved[handle] = chars[slot.occurrence]
        return resolved

    def stack_owned(self) -> List[str]:
        """Names of the profile's characteristics BlueZ never shows."""
        return [slot.name for slot in self.slots.values()
                if slot.service_uuid in STACK_SERVICES]

    def lost(self, services) -> List[str]:
        """Names of the characteristics services should have shown but
        did not: discovery came back incomplete."""
        resolved = self.resolve(services)
        return [slot.name for handle, slot in self.slots.items()
                if handle not in resolved and
                slot.service_uuid not in STACK_SERVICES]


# ------------------------------------------------------- error mapping

_BLUEZ = "org.bluez.Error."
# BlueZ error names that carry one ATT code by themselves (newer BlueZ
# and the names older releases used).
_CODE_BY_NAME = {
    "NotAuthorized": ErrorCode.INSUFFICIENT_AUTHORIZATION,
    "NotSupported": ErrorCode.REQUEST_NOT_SUPPORTED,
    "ReadNotPermitted": ErrorCode.READ_NOT_PERMITTED,
    "WriteNotPermitted": ErrorCode.WRITE_NOT_PERMITTED,
    "NotPaired": ErrorCode.INSUFFICIENT_AUTHENTICATION,
    "InvalidValueLength": ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH,
    "InvalidOffset": ErrorCode.INVALID_OFFSET,
}
# Names shared by several ATT codes, told apart by BlueZ's message.
_CODE_BY_TEXT = {
    ("NotPermitted", "read not permitted"): ErrorCode.READ_NOT_PERMITTED,
    ("NotPermitted", "write not permitted"): ErrorCode.WRITE_NOT_PERMITTED,
    ("NotPermitted", "not paired"): ErrorCode.INSUFFICIENT_AUTHENTICATION,
    ("InvalidArguments", "invalid offset"): ErrorCode.INVALID_OFFSET,
    ("InvalidArguments", "invalid length"):
        ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH,
}
_ATT_IN_TEXT = re.compile(r"ATT error: 0x([0-9A-Fa-f]{1,2})")
_DISCONNECT_NAMES = {
    _BLUEZ + "NotConnected",
    "org.freedesktop.DBus.Error.UnknownObject",
    "org.freedesktop.DBus.Error.Disconnected",
}
_TIMEOUT_NAMES = {
    "org.freedesktop.DBus.Error.NoReply",
    "org.freedesktop.DBus.Error.Timeout",
    "org.freedesktop.DBus.Error.TimedOut",
}
_READS = (Op.READ_REQ, Op.READ_BLOB_REQ)


# The band's ATT errors that a GATT application can hand bluetoothd by
# name, so a central on BlueZ gets the same code (docs/bluez.md, "ATT
# errors"); 0x80-0x9F pass by number.  Every other code reaches the
# central as Unlikely Error.
_PASSED_BY_BLUETOOTHD = frozenset({
    ErrorCode.INSUFFICIENT_AUTHORIZATION,
    ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH,
    ErrorCode.INVALID_OFFSET,
    ErrorCode.REQUEST_NOT_SUPPORTED,
    ErrorCode.READ_NOT_PERMITTED,
    ErrorCode.WRITE_NOT_PERMITTED,
})


def through_bluetoothd(code: int) -> int:
    """The ATT error a central on BlueZ gets when a band served by
    bluetoothd's GATT application (--transport bluez) answers code."""
    if code in _PASSED_BY_BLUETOOTHD or 0x80 <= code <= 0x9F:
        return int(code)
    return int(ErrorCode.UNLIKELY_ERROR)


def att_code(name: str, details: str, opcode: int) -> Optional[int]:
    """The ATT error code a BlueZ D-Bus error stands for, or None."""
    match = _ATT_IN_TEXT.search(details or "")
    if match:
        return int(match.group(1), 16)
    if not name.startswith(_BLUEZ):
        return None
    short = name[len(_BLUEZ):]
    if short in _CODE_BY_NAME:
        return int(_CODE_BY_NAME[short])
    text = (details or "").lower()
    for (error, phrase), code in _CODE_BY_TEXT.items():
        if short == error and phrase in text:
            return int(code)
    if short == "NotPermitted":
        return int(ErrorCode.READ_NOT_PERMITTED if opcode in _READS
                   else ErrorCode.WRITE_NOT_PERMITTED)
    return None


def map_error(exc: BaseException, opcode: int, handle: int) -> AttClientError:
    """The typed error for what bleak or BlueZ raised on an operation
    (opcode, profile handle).  Nothing bleak-specific is imported:
    BleakDBusError is recognised by its ``dbus_error`` attribute."""
    if isinstance(exc, AttClientError):
        return exc
    what = f"{Op(opcode).name} on handle {handle:#06x}"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return Timeout(f"{what}: the stack timed out ({exc})")
    name = getattr(exc, "dbus_error", None)
    if isinstance(name, str):
        details = _dbus_details(exc)
        code = att_code(name, details, opcode)
        if code is not None:
            return AttError(opcode, handle, code)
        if name in _DISCONNECT_NAMES or "not connected" in details.lower():
            return Disconnected(f"{what}: {name} {details}".rstrip())
        if name in _TIMEOUT_NAMES:
            return Timeout(f"{what}: {name} {details}".rstrip())
        return LinkError(f"{what}: {name} {details}".rstrip(), name)
    text = str(exc) or type(exc).__name__
    if isinstance(exc, (EOFError, ConnectionError)) \
            or "not connected" in text.lower():
        return Disconnected(f"{what}: {text}")
    return LinkError(f"{what}: {text}")


def _dbus_details(exc) -> str:
    details = getattr(exc, "dbus_error_details", None)
    if details is None:
        args = getattr(exc, "args", ())
        details = args[1] if len(args) > 1 and isinstance(args[1], str) \
            else ""
    return str(details or "")


def map_connect_error(exc: BaseException, where: str) -> AttClientError:
    """The typed error for a connect (or scan) that failed; where names
    the address and adapter."""
    if isinstance(exc, AttClientError):
        return exc
    if type(exc).__name__ == "BleakDeviceNotFoundError":
        return _not_found(where)
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return Timeout(f"{where}: no connection within the deadline")
    name = getattr(exc, "dbus_error", None)
    if isinstance(name, str):
        return LinkUnavailable(f"no link to {where}: {name} "
                               f"{_dbus_details(exc)}".rstrip(), name)
    if isinstance(exc, (OSError, EOFError)):
        return LinkUnavailable(f"Bluetooth unavailable ({where}): BlueZ "
                               f"cannot be reached on the system bus "
                               f"({exc})")
    return LinkUnavailable(f"no link to {where}: "
                           f"{exc or type(exc).__name__}")


def _not_found(where: str) -> LinkUnavailable:
    return LinkUnavailable(f"no band at {where}: not in range, or not "
                           f"advertising (off, or linked to another "
                           f"central)")


def _where(address: str, adapter: Optional[str]) -> str:
    return address + (f" on {adapter}" if adapter else "")


# --------------------------------------------------------- event loop

class LoopThread:
    """A private asyncio event loop running in a daemon thread.

    run() submits a coroutine and waits for it until a deadline; on
    expiry the coroutine is cancelled and Timeout raised.  Exceptions
    the coroutine raises come back unchanged for the caller to map.
    """

    def __init__(self, name: str = "bandsim-bleak"):
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name=name,
                                        daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def run(self, coro, deadline: Deadline, what: str):
        if not self._thread.is_alive():
            coro.close()
            raise Disconnected(f"{what}: the link's event loop has stopped")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(deadline.remaining())
        except concurrent.futures.TimeoutError:
            if future.done() and not future.cancelled():
                raise               # the coroutine's own TimeoutError
            future.cancel()
            raise Timeout(f"{what}: no answer within {deadline.seconds} s") \
                from None

    def call_soon(self, callback, *args) -> None:
        """Run a plain function on the loop (tests, callbacks)."""
        self.loop.call_soon_threadsafe(callback, *args)

    def stop(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Cancel what is left on the loop, stop it and join the thread."""
        if not self._thread.is_alive():
            return
        deadline = Deadline(timeout)

        async def cancel_rest():
            me = asyncio.current_task()
            rest = [t for t in asyncio.all_tasks() if t is not me]
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)
            _close_manager_bus(self.loop)

        try:
            self.run(cancel_rest(), deadline, "loop shutdown")
        except AttClientError:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(deadline.remaining())
        if not self._thread.is_alive():
            self.loop.close()


def _close_manager_bus(loop) -> None:
    """Close the system bus connection of bleak's BlueZ manager of this
    loop, if it made one.  bleak keeps one manager per event loop and
    never closes its bus; a link's loop lives as long as the link, so
    each link left a connection that only the garbage collector ended.
    A whole suite through bluetoothd reached the bus's 256 connections
    for one user that way (every later connect: LimitsExceeded)."""
    try:
        from bleak.backends.bluezdbus import manager
    except ImportError:
        return
    instance = getattr(manager, "_global_instances", {}).get(loop)
    bus = getattr(instance, "_bus", None)
    if bus is not None:
        try:
            bus.disconnect()
        except Exception:
            pass                # going away either way


def _close_client_bus(client) -> None:
    """Close a BleakClient's own system bus connection, which its
    connect() opened and only a disconnect it saw through closes (not a
    failed or cancelled attempt's)."""
    backend = getattr(client, "_backend", None)
    if getattr(backend, "_bus", None) is not None:
        backend._cleanup_all()


# --------------------------------------------------------------- link

def _device_path(address: str, adapter: str) -> str:
    return f"/org/bluez/{adapter}/dev_{address.upper().replace(':', '_')}"


async def _bluez_manager():
    """bleak's BlueZ manager of this loop (its cache of BlueZ's objects),
    or None where there is none to be had."""
    try:
        from bleak.backends.bluezdbus.manager import get_global_bluez_manager
        return await get_global_bluez_manager()
    except Exception:
        return None


async def _await_services(link, client, deadline: Deadline) -> List[str]:
    """What is still missing of the profile once bleak has seen every
    service object BlueZ announced.

    bluetoothd 5.66 can send ServicesResolved before the InterfacesAdded
    of the services it resolved (a D-Bus message of its own flushes the
    device's queued property change first: bluez/bluez#1489), and bleak
    0.20 then builds its collection at once, without them.  The objects
    follow within seconds: the collection is built again from bleak's
    view of BlueZ's objects until nothing is missing, or SERVICES_SETTLE
    (at most half of what is left of the deadline) passed, which leaves
    a real gap to the caller."""
    lost = link.handles.lost(client.services)
    backend = getattr(client, "_backend", None)
    path = getattr(backend, "_device_path", None)
    if not lost or path is None:
        return lost
    manager = await _bluez_manager()
    if manager is None:
        return lost
    settle = Deadline(min(SERVICES_SETTLE, deadline.remaining() / 2))
    while lost and not settle.expired:
        await asyncio.sleep(SERVICES_POLL)
        try:
            services = await manager.get_services(path, False, None)
        except Exception:
            # The link went meanwhile: the caller finds out.
            break
        now = link.handles.lost(services)
        if len(now) < len(lost):
            backend.services = services
            lost = now
    return lost


async def _known_device(address: str, adapter: Optional[str]):
    """The bleak BLEDevice for a Device1 BlueZ already has on adapter,
    or None."""
    if not adapter:
        return None
    manager = await _bluez_manager()
    if manager is None:
        return None
    from bleak.backends.device import BLEDevice
    path = _device_path(address, adapter)
    props = getattr(manager, "_properties", {}).get(path, {}) \
        .get("org.bluez.Device1")
    if not props:
        return None
    return BLEDevice(address.upper(), props.get("Alias"),
                     {"path": path, "props": props}, props.get("RSSI", -127))


async def _find_device(address: str, adapter: Optional[str],
                       seconds: float):
    """Scan for address for up to seconds; its bleak BLEDevice, or
    LinkUnavailable."""
    from bleak import BleakScanner

    kwargs = {"adapter": adapter} if adapter else {}
    device = await BleakScanner.find_device_by_address(
        address, timeout=max(seconds, 1.0), **kwargs)
    if device is None:
        raise _not_found(_where(address, adapter))
    return device


async def _attempt(connecting, budget: float, deadline: Deadline,
                   link_up) -> None:
    """Await one connection attempt (a coroutine).  Past budget seconds
    it is cancelled (asyncio.TimeoutError) unless `await link_up()` says
    the link is already there: then BlueZ is discovering the band's
    services, a first connection's slow part, which a retry would only
    start over; it gets the rest of the deadline, up to LINK_UP_MAX."""
    task = asyncio.ensure_future(connecting)
    try:
        done, _ = await asyncio.wait({task}, timeout=max(budget, 0.01))
        up = Deadline(LINK_UP_MAX)
        while not done and not up.expired and await link_up() and \
                deadline.remaining() > 0:
            done, _ = await asyncio.wait(
                {task}, timeout=min(LINK_UP_POLL, deadline.remaining()))
        if not done:
            raise asyncio.TimeoutError()
        task.result()
    finally:
        if not task.done():
            # bleak disconnects a cancelled attempt; let it finish, but
            # not for ever: on a link the kernel lost, BlueZ never
            # answers that Disconnect, and a second cancel ends the wait.
            task.cancel()
            await asyncio.wait({task}, timeout=SETTLE_MAX)
            if not task.done():
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def _is_connected(address: str, adapter: Optional[str]) -> bool:
    """Whether BlueZ has the link to address on adapter up."""
    manager = await _bluez_manager()
    return manager is not None and \
        bool(manager.is_connected(_device_path(address, adapter)))


async def _settle(address: str, adapter: Optional[str],
                  deadline: Deadline) -> bool:
    """A Device1 still Connected when no link of ours is open is the
    last link BlueZ has not finished with (or one a killed client left):
    bleak would skip Connect and wait for services that never resolve.
    Disconnect it and wait for Connected=False first, for at most
    SETTLE_MAX (half of what is left of deadline).  Returns False when
    BlueZ still shows it connected then: a link the kernel no longer has
    (its Disconnect answers "Disconnected", 0x0e, after a connection
    the controller never completed), which no wait will end."""
    if not adapter:
        return True
    manager = await _bluez_manager()
    path = _device_path(address, adapter)
    if manager is None or not manager.is_connected(path):
        return True
    settle = Deadline(min(SETTLE_MAX, deadline.remaining() / 2))
    try:
        from dbus_fast import Message
        await asyncio.wait_for(manager._bus.call(Message(
            destination="org.bluez", path=path,
            interface="org.bluez.Device1", member="Disconnect")),
            settle.remaining())
        while manager.is_connected(path) and not settle.expired:
            await asyncio.sleep(0.05)
    except Exception:
        pass
    return not manager.is_connected(path)


async def _forget(address: str, adapter: Optional[str]) -> None:
    """Remove the band's Device1 from the adapter.  After the band
    dropped a link, bluetoothd can keep a connection it lost track of
    ("Device ... is already connected" in its log): every new link then
    fails during service discovery, however often it is retried, until
    the device object goes.  The next attempt scans for the band
    afresh."""
    if not adapter:
        return
    manager = await _bluez_manager()
    if manager is None:
        return
    try:
        from dbus_fast import Message
        await asyncio.wait_for(manager._bus.call(Message(
            destination="org.bluez", path=f"/org/bluez/{adapter}",
            interface="org.bluez.Adapter1", member="RemoveDevice",
            signature="o", body=[_device_path(address, adapter)])),
            SETTLE_MAX)
    except Exception:
        return


class AdapterWedged(LinkUnavailable):
    """BlueZ shows a link to the device on this adapter that no Disconnect
    ends and no connection completes on: the kernel lost the link as it
    came up.  Nothing short of powering the adapter off and on again
    clears it (docs/bluez.md)."""


# adapter -> what showed it wedged; every later connect through it fails
# at once with that, instead of on its own deadline.
_wedged: Dict[str, str] = {}
# adapter -> a blocking function that brings it back (powers it off and
# on): set by whoever owns the adapter (--emu-bluez), never by default,
# since it drops every other link the adapter has.
_recoveries: Dict[str, Callable[[], None]] = {}


def set_recovery(adapter: str, recover: Optional[Callable[[], None]]):
    """Let connects through adapter call recover() (at most once each)
    when they find it wedged, then try again; None withdraws it."""
    if recover is None:
        _recoveries.pop(adapter, None)
    else:
        _recoveries[adapter] = recover


def _wedge(adapter: str, what: str) -> None:
    _wedged.setdefault(adapter, what)


async def _unwedge(adapter: Optional[str]) -> None:
    """Before a connect through adapter: recover it if it is wedged and
    someone owns its recovery, else fail at once."""
    if adapter not in _wedged:
        return
    recover = _recoveries.get(adapter)
    if recover is None:
        raise AdapterWedged(f"{adapter} is wedged ({_wedged[adapter]}); "
                            f"power it off and on (bluetoothctl power "
                            f"off; power on)")
    await asyncio.get_running_loop().run_in_executor(None, recover)
    _wedged.pop(adapter, None)


def _lost_in_discovery(exc: BaseException) -> bool:
    """The link came up and went during service discovery."""
    return "failed to discover services, device disconnected" in str(exc)


def _gone(exc: BaseException) -> bool:
    """Connect failed because BlueZ no longer has the Device1 object."""
    return type(exc).__name__ == "BleakDeviceNotFoundError" or \
        "org.freedesktop.DBus.Error.UnknownObject" in str(exc)


def _transient(exc: BaseException) -> bool:
    """Connect failures worth another attempt: the controller or BlueZ
    was still tearing the last link down."""
    text = f"{type(exc).__name__} {exc}"
    return any(word in text for word in (
        "le-connection-abort-by-local", "Software caused connection abort",
        "org.bluez.Error.Failed", "org.bluez.Error.InProgress",
        "not found", "Connection Failed to be Established",
        "org.freedesktop.DBus.Error.UnknownObject",
        "failed to discover services, device disconnected"))


def _bleak_client_class():
    try:
        from bleak import BleakClient
    except ImportError as exc:
        raise LinkUnavailable("bluez targets need bleak (Debian: apt-get "
                              "install python3-bleak)") from exc
    return BleakClient


class BleakLink:
    """A Link (base.py) over a connected bleak client.

    Normally made by ``BleakLink.connect(address)``; tests build one
    around a fake client with ``BleakLink(client, profile)`` and call
    ``resolve()``.
    """

    def __init__(self, client=None, profile: Profile = None,
                 timeout: float = DEFAULT_TIMEOUT, runner: LoopThread = None,
                 address: str = None):
        self.client = client
        self.timeout = timeout
        self.mtu = DEFAULT_MTU
        self.address = address or getattr(client, "address", None)
        self.handles = HandleMap(profile or default_profile())
        self.runner = runner or LoopThread()
        self._chars: Dict[int, object] = {}
        # Profile characteristics BlueZ did not show when the link came
        # up, even after the one recovery connect() makes (names).
        self.unresolved: List[str] = []
        self._cccd_state: Dict[int, int] = {}   # value handle -> CCCD bits
        self._queue = collections.deque()       # (value handle, value)
        self._cond = threading.Condition()
        self._disconnected = False
        self._closed = False
        # value handle -> values of our own reads whose Value echo has
        # not come yet (_drop_echo)
        self._echoes: Dict[int, List[bytes]] = {}

    # ------------------------------------------------------ lifecycle

    @classmethod
    def connect(cls, address: str, adapter: str = None,
                profile: Profile = None, timeout: float = DEFAULT_TIMEOUT,
                client_class=None) -> "BleakLink":
        """Connect to address (through adapter, e.g. "hci1") and resolve
        the profile's characteristics.  client_class stands in for
        bleak.BleakClient in tests."""
        deadline = as_deadline(timeout, DEFAULT_TIMEOUT)
        per_call = timeout if isinstance(timeout, (int, float)) \
            else DEFAULT_TIMEOUT
        link = cls(None, profile, per_call, LoopThread(), address)
        try:
            factory = client_class or _bleak_client_class()
            kwargs = {"adapter": adapter} if adapter else {}

            async def link_up() -> bool:
                return not client_class and \
                    await _is_connected(address, adapter)

            async def open_link():
                if not client_class:
                    await _unwedge(adapter)
                # BlueZ has the device from an earlier scan: connect to it
                # directly.  bleak would otherwise scan for a fresh
                # advertisement first, which costs a scan per link.
                known = None if client_class else \
                    await _known_device(address, adapter)
                if known and not await _settle(address, adapter,
                                               deadline):
                    # BlueZ holds a link it cannot end: recover the
                    # adapter if its owner can, else forget the device;
                    # either way, scan for the band afresh.
                    if adapter in _recoveries:
                        _wedge(adapter, f"{address}: Device1 Connected "
                               f"before the connect, and no Disconnect "
                               f"ends it")
                        await _unwedge(adapter)
                    else:
                        await _forget(address, adapter)
                    known = None
                attempt = 0
                failures = []
                recovered = False
                unwedged = False
                share = min(deadline.seconds * ATTEMPT_SHARE, ATTEMPT_MAX)
                while True:
                    attempt += 1
                    if known is None and not client_class:
                        # One scan, given all of the deadline that the
                        # connection attempts do not need: bleak's own
                        # scan would get one attempt's share and start
                        # over on every retry.
                        # A scan after a late failure still gets half
                        # of what is left, up to SCAN_AFTER_FAILURE.
                        known = await _find_device(
                            address, adapter, max(
                                deadline.remaining() - share,
                                min(deadline.remaining() / 2,
                                    SCAN_AFTER_FAILURE)))
                    remaining = deadline.remaining()
                    last = remaining < share * 1.5
                    budget = remaining if last or client_class else share
                    if link.client is not None:
                        # The attempt before this one's bus.
                        _close_client_bus(link.client)
                    # bleak's own timeout is the whole deadline: _attempt
                    # gives up early only on a link that is not up yet.
                    client = factory(known or address,
                                     disconnected_callback=link._on_disconnect,
                                     timeout=max(remaining, 0.1), **kwargs)
                    link.client = client
                    with link._cond:
                        link._disconnected = False
                    try:
                        await _attempt(client.connect(), budget, deadline,
                                       link_up)
                        lost = await _await_services(link, client,
                                                     deadline)
                        if recovered or not lost or deadline.remaining() < \
                                RETRY_PAUSE * attempt + MIN_ATTEMPT:
                            # What is still missing is named by the
                            # operation that needs it (_char).
                            link.unresolved = lost
                            return
                        # BlueZ showed fewer characteristics than the
                        # band serves.  Its cache of the device is
                        # short: a Service Changed for services a band
                        # removed while a central was still linked (a
                        # band stopping) took them out of the cache, and
                        # the next band on the same adapter address
                        # serves the same database hash, so BlueZ keeps
                        # using that cache.  Forget the device, which
                        # drops the cache, and connect once more after a
                        # fresh scan.  A device that really lacks a
                        # characteristic keeps the gap, and the scenario
                        # that needs it fails on it.
                        recovered = True
                        failures.append(
                            f"{deadline.seconds - deadline.remaining():.1f} s:"
                            f" services incomplete ({', '.join(lost)} "
                            f"missing)")
                        await client.disconnect()
                        if not client_class:
                            await _forget(address, adapter)
                            known = None
                        await asyncio.sleep(RETRY_PAUSE * attempt)
                        continue
                    except Exception as exc:
                        # BlueZ dropped the device it had listed: the
                        # path is gone for good, scan for it again.
                        if _gone(exc):
                            known = None
                        # BlueZ lost track of the device's last link:
                        # forget the device, scan for it again.
                        elif _lost_in_discovery(exc) and not client_class:
                            await _forget(address, adapter)
                            known = None
                        # A connection attempt right after the last link
                        # went can fail in the controller, or never
                        # complete; try again while the deadline allows.
                        failures.append(
                            f"{deadline.seconds - deadline.remaining():.1f} s:"
                            f" {type(exc).__name__}: {exc}")
                        if isinstance(exc, asyncio.TimeoutError) and \
                                not client_class and \
                                not await _settle(address, adapter,
                                                  deadline):
                            # BlueZ shows a link that never completed and
                            # that no Disconnect ends: the adapter is
                            # wedged.  Recover it once if its owner can,
                            # and scan afresh; else say so.
                            _wedge(adapter, f"{address}: Device1 stays "
                                   f"Connected with no link under it")
                            if adapter in _recoveries and not unwedged:
                                unwedged = True
                                await _unwedge(adapter)
                                known = None
                                continue
                            raise AdapterWedged(
                                f"{adapter} is wedged: "
                                f"{_wedged[adapter]}; attempts "
                                f"(time into the deadline): "
                                f"{'; '.join(failures)}") from exc
                        if client_class or not (
                                _transient(exc) or
                                isinstance(exc, asyncio.TimeoutError)) or \
                                deadline.remaining() < \
                                RETRY_PAUSE * attempt + MIN_ATTEMPT:
                            if len(failures) > 1:
                                exc.add_note("attempts that failed (time into "
                                             "the deadline): " +
                                             "; ".join(failures))
                            raise
                    await asyncio.sleep(RETRY_PAUSE * attempt)

            try:
                link.runner.run(open_link(), deadline,
                                f"connect to {address}")
            except Timeout:
                raise
            except Exception as exc:
                raise map_connect_error(exc, _where(address, adapter)) from exc
            link.resolve()
        except BaseException:
            link.close()
            raise
        return link

    def resolve(self) -> None:
        """Map the profile onto the services bleak discovered."""
        try:
            services = self.client.services
        except Exception as exc:
            raise map_error(exc, Op.READ_BY_GROUP_TYPE_REQ, 0x0001) from exc
        self._chars = self.handles.resolve(services)

    @property
    def missing(self) -> List[str]:
        """Names of profile characteristics the device does not have."""
        return [slot.name for handle, slot in self.handles.slots.items()
                if handle not in self._chars]

    @property
    def stack_owned(self) -> List[str]:
        """Names of profile characteristics BlueZ keeps to itself
        (Generic Access, Generic Attribute): never shown on this link."""
        return self.handles.stack_owned()

    def _on_disconnect(self, client=None) -> None:
        # A connection attempt that failed after it was up (connect()
        # retries) reports its drop too, maybe late: only the current
        # client's counts.
        if client is not None and self.client is not None and \
                client is not self.client:
            return
        with self._cond:
            self._disconnected = True
            self._cond.notify_all()

    def shutdown(self) -> None:
        """End the link as a lost radio link does, without closing (the
        Link contract, sock.AttClient.shutdown): the disconnect goes out
        at once on the link's loop; operations from now on raise
        Disconnected; close() is still needed."""
        with self._cond:
            if self._disconnected or self._closed:
                return
            self._disconnected = True
            self._cond.notify_all()
        if self.client is not None:
            self._cut = asyncio.run_coroutine_threadsafe(
                self.client.disconnect(), self.runner.loop)

    def close(self) -> None:
        if self._closed:
            return
        cut = getattr(self, "_cut", None)
        if cut is not None:
            # Let the disconnect shutdown() started finish.
            try:
                cut.result(CLOSE_TIMEOUT)
            except Exception:
                pass
        try:
            if self.client is not None and not self._disconnected:
                self.runner.run(self.client.disconnect(),
                                Deadline(min(self.timeout, CLOSE_TIMEOUT)),
                                "disconnect")
        except Exception:
            pass                   # the link is going away either way
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._release_bus()
        self.runner.stop()

    def _release_bus(self) -> None:
        """Close bleak's D-Bus connection where its disconnect() did not
        (it closes it only once it saw the link end: not after a missed
        deadline, nor for a test cut off by its timeout).  bluetoothd
        keeps a StartNotify session while its client's connection lasts
        and subscribes the next link to the same device for it too, and
        bluez 5.66 emits one Value change per session: the next test's
        link would get every notification twice (seen in the VM after
        MB4/MUT/BV-01 hit its timeout: MB4/HR/BV-11's auth got 10 02 01
        twice)."""
        backend = getattr(self.client, "_backend", None)
        if getattr(backend, "_bus", None) is None or not self.runner.running:
            return

        async def release():
            _close_client_bus(self.client)
        try:
            self.runner.run(release(), Deadline(CLOSE_TIMEOUT),
                            "closing bleak's bus")
        except AttClientError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ MTU

    def _listed_mtu(self) -> int:
        """The MTU as bleak listed it when it resolved the services:
        mtu_size (23 with a warning unless AcquireWrite/Notify ran) or,
        with BlueZ >= 5.62, max_write_without_response_size + 3.  Over a
        cached GATT database bleak may list the characteristics before
        the MTU exchange, so this can still say 23 (_stack_mtu asks)."""
        mtu = DEFAULT_MTU
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                mtu = max(mtu, int(getattr(self.client, "mtu_size", 0) or 0))
            except Exception:
                pass
        for char in self._chars.values():
            size = getattr(char, "max_write_without_response_size", 0) or 0
            mtu = max(mtu, int(size) + 3)
        return mtu

    async def _stack_mtu(self) -> int:
        """The ATT_MTU BlueZ agreed on this link, read now: the MTU
        property of a characteristic (BlueZ >= 5.62).  bluetoothd
        exchanges it before ServicesResolved, so after connect it is
        final.  Falls back to what bleak listed."""
        backend = getattr(self.client, "_backend", None)
        bus = getattr(backend, "_bus", None)
        char = next(iter(self._chars.values()), None)
        path = getattr(char, "path", None)
        if bus is not None and path:
            try:
                from dbus_fast import Message, MessageType
                reply = await bus.call(Message(
                    destination="org.bluez", path=path,
                    interface="org.freedesktop.DBus.Properties",
                    member="Get", signature="ss",
                    body=["org.bluez.GattCharacteristic1", "MTU"]))
                if reply.message_type == MessageType.METHOD_RETURN:
                    return max(DEFAULT_MTU, int(reply.body[0].value))
            except Exception:
                pass
        return self._listed_mtu()

    def exchange_mtu(self, mtu: int = 247, timeout=None) -> int:
        """BlueZ exchanged the MTU itself when it connected (its
        [GATT] ExchangeMTU against the band's); the link then uses the
        smaller of that and mtu, as a phone that asked for mtu does.
        Until this is called the link sizes its writes for 23 bytes,
        like a central that never exchanged (any size up to the agreed
        MTU is valid on air)."""
        self._check_open(Op.MTU_REQ, 0)
        deadline = as_deadline(timeout, self.timeout)
        stack = self.runner.run(self._stack_mtu(), deadline,
                                "the link's ATT_MTU")
        self.mtu = max(self.mtu, min(mtu, stack))
        return self.mtu

    # ----------------------------------------------------- operations

    def _check_open(self, opcode: int, handle: int) -> None:
        if self._closed:
            raise Disconnected(f"{Op(opcode).name} on {handle:#06x}: "
                               f"the link is closed")
        if self._disconnected:
            raise Disconnected(f"{Op(opcode).name} on {handle:#06x}: "
                               f"the band ended the link")

    def _char(self, handle: int, opcode: int, error_handle: int = None):
        char = self._chars.get(handle)
        if char is None:
            # The ATT answer for a handle the server does not have.
            error = AttError(opcode, handle if error_handle is None
                             else error_handle, ErrorCode.INVALID_HANDLE)
            slot = self.handles.slots.get(handle)
            if slot is not None and slot.name in self.unresolved:
                # Not the band's answer: BlueZ did not show it.
                error.add_note(
                    f"{slot.name}: the band serves it, but BlueZ did not "
                    f"show it on this link (missing: "
                    f"{', '.join(self.unresolved)})")
            raise error
        return char

    def _allows(self, handle: int, char, prop: str) -> bool:
        props = getattr(char, "properties", None)
        if props is None:
            props = self.handles.slots[handle].properties
        return prop in props

    def _call(self, make_coro, opcode: int, handle: int, timeout, what: str):
        deadline = as_deadline(timeout, self.timeout)
        self._check_open(opcode, handle)
        try:
            return self.runner.run(make_coro(), deadline, what)
        except Timeout:
            raise
        except Exception as exc:
            raise map_error(exc, opcode, handle) from exc

    def read(self, handle: int, timeout=None) -> bytes:
        if handle in self.handles.cccds:
            self._check_open(Op.READ_REQ, handle)
            bits = self._cccd_state.get(self.handles.cccds[handle], 0)
            return bits.to_bytes(2, "little")
        char = self._char(handle, Op.READ_REQ)

        async def read():
            value = bytes(await self.client.read_gatt_char(char))
            self._drop_echo(handle, value)
            return value
        return self._call(read, Op.READ_REQ, handle, timeout,
                          f"read of {handle:#06x}")

    # BlueZ stores what ReadValue returned as the characteristic's Value
    # and signals that with PropertiesChanged, as it does a notification
    # (src/gatt-client.c), and bleak 0.20 passes every Value change to the
    # notification callback.  So each read of a subscribed characteristic
    # would also arrive as a notification the band never sent.  bluetoothd
    # emits the signal before it replies, so the echo is usually queued
    # by the time the read returns: the newest queued equal value is
    # dropped; otherwise the next equal one that arrives is.  Either way
    # the notifications that remain are, in number and value, the band's.
    # (AcquireNotify would avoid the echo, but bluez 5.66 frees its
    # notify IO twice when the link drops and bluetoothd crashes.)

    def _echoing(self) -> bool:
        backend = getattr(self.client, "_backend", None)
        return type(backend).__name__ == "BleakClientBlueZDBus"

    def _drop_echo(self, handle: int, value: bytes) -> None:
        """On the loop thread, after a read of handle returned value."""
        if not self._cccd_state.get(handle) or not self._echoing():
            return
        with self._cond:
            for i in range(len(self._queue) - 1, -1, -1):
                if self._queue[i] == (handle, value):
                    del self._queue[i]
                    return
            self._echoes.setdefault(handle, []).append(value)

    def write(self, handle: int, value: bytes, timeout=None) -> None:
        if handle in self.handles.cccds:
            self._write_cccd(handle, bytes(value), timeout)
            return
        char = self._char(handle, Op.WRITE_REQ)
        if not self._allows(handle, char, "write"):
            raise AttError(Op.WRITE_REQ, handle,
                           ErrorCode.WRITE_NOT_PERMITTED)
        self._call(lambda: self.client.write_gatt_char(
            char, bytes(value), response=True), Op.WRITE_REQ, handle,
            timeout, f"write to {handle:#06x}")

    def write_command(self, handle: int, value: bytes) -> None:
        if handle in self.handles.cccds:
            try:
                self._write_cccd(handle, bytes(value), None)
            except AttError:
                pass               # a command gets no answer, not even 01
            return
        char = self._char(handle, Op.WRITE_CMD)
        self._check_open(Op.WRITE_CMD, handle)
        if not self._allows(handle, char, "write-without-response"):
            return                 # the band would drop it, so it is
        self._call(lambda: self.client.write_gatt_char(
            char, bytes(value), response=False), Op.WRITE_CMD, handle,
            None, f"write command to {handle:#06x}")

    def _write_cccd(self, cccd: int, value: bytes, timeout) -> None:
        value_handle = self.handles.cccds[cccd]
        if len(value) != 2:
            raise AttError(Op.WRITE_REQ, cccd,
                           ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH)
        bits = int.from_bytes(value, "little")
        char = self._char(value_handle, Op.WRITE_REQ, error_handle=cccd)
        current = self._cccd_state.get(value_handle, 0)
        if bits and not current:
            callback = functools.partial(self._on_notify, value_handle)
            self._call(lambda: self.client.start_notify(char, callback),
                       Op.WRITE_REQ, cccd, timeout,
                       f"notifications on {value_handle:#06x}")
        elif not bits and current:
            self._call(lambda: self.client.stop_notify(char),
                       Op.WRITE_REQ, cccd, timeout,
                       f"notifications off on {value_handle:#06x}")
        self._cccd_state[value_handle] = bits
        self._echoes.pop(value_handle, None)

    # -------------------------------------------------- notifications

    def _on_notify(self, value_handle: int, _sender, data) -> None:
        """bleak's callback, on the loop thread."""
        value = bytes(data)
        with self._cond:
            pending = self._echoes.get(value_handle)
            if pending and value in pending:
                pending.remove(value)
                return
            self._queue.append((value_handle, value))
            # A notification carries at most ATT_MTU - 3 bytes, so one
            # this long proves the MTU (BlueZ < 5.62 does not report it).
            self.mtu = max(self.mtu, len(value) + 3)
            self._cond.notify_all()

    def wait_notification(self, handle: int, timeout=None) -> bytes:
        return self._wait(frozenset((handle,)), timeout)[1]

    def take_unsolicited(self) -> list:
        # bluetoothd hands values to its clients in the order they came
        # and answers a request after what came before it, so after a
        # response this is everything the band sent before it.
        with self._cond:
            taken = list(self._queue)
            self._queue.clear()
        return [(Op.INDICATION
                 if "indicate" in self.handles.slots[handle].properties
                 and "notify" not in self.handles.slots[handle].properties
                 else Op.NOTIFICATION, handle, value)
                for handle, value in taken]

    def wait_any_notification(self, handles, timeout=None) \
            -> Tuple[int, bytes]:
        return self._wait(frozenset(handles), timeout)

    def _wait(self, handles: frozenset, timeout) -> Tuple[int, bytes]:
        deadline = as_deadline(timeout, self.timeout)
        with self._cond:
            while True:
                for item in self._queue:
                    if item[0] in handles:
                        self._queue.remove(item)
                        return item
                if self._closed:
                    raise Disconnected("the link is closed")
                if self._disconnected:
                    raise Disconnected("the band ended the link")
                remaining = deadline.remaining()
                if remaining <= 0:
                    names = ", ".join(f"{h:#06x}" for h in sorted(handles))
                    raise Timeout(f"no notification on {names} within "
                                  f"{deadline.seconds} s")
                self._cond.wait(remaining)


# ------------------------------------------------------------ scanning

@dataclass(frozen=True)
class BandAdvert:
    """A Mi Band 4 as its advertising shows it (fact sheet §1)."""
    address: str
    name: str
    rssi: Optional[int]
    steps: Optional[int]        # FEE0 service data: u32 LE, today's steps
    heart_rate: Optional[int]   # manufacturer data, None for 0xFF


def parse_advertisement(address: str, name: Optional[str], rssi,
                        service_data: dict, manufacturer_data: dict,
                        profile: Profile = None) -> Optional[BandAdvert]:
    """A BandAdvert when the advertising is a Mi Band 4's, else None.

    The profile's [advertising] section gives the name, the service
    data UUID (0xFEE0: the day's steps, u32 LE), the manufacturer ID
    (0x0157) and where the heart rate sits in the manufacturer payload
    after the company ID (index 3; 0xFF = not measured).
    """
    adv = (profile or default_profile()).section("advertising")
    band_name = adv.get("local-name", "Mi Smart Band 4")
    service_uuid = uuids.normalize(adv.get("service-data-uuid", "fee0"))
    company = int(adv.get("manufacturer-id", "0x0157"), 0)
    hr_at = int(adv.get("heart-rate-offset", "3"), 0)
    data = {uuids.normalize(str(k)): bytes(v)
            for k, v in (service_data or {}).items()}
    vendor = (manufacturer_data or {}).get(company)
    if name != band_name and not (vendor is not None and service_uuid in data):
        return None
    steps = None
    raw = data.get(service_uuid)
    if raw is not None and len(raw) >= 4:
        (steps,) = struct.unpack_from("<I", raw)
    heart_rate = advertised_heart_rate(vendor, hr_at)
    return BandAdvert(address.upper(), name or band_name, rssi, steps,
                      heart_rate)


def scan(duration: float, adapter: str = None, profile: Profile = None,
         discover=None) -> List[BandAdvert]:
    """Scan for duration seconds (BleakScanner) and return the Mi Band
    4s seen, strongest first.  discover stands in for
    BleakScanner.discover in tests (same signature)."""
    if discover is None:
        try:
            from bleak import BleakScanner
        except ImportError as exc:
            raise LinkUnavailable("scanning needs bleak (Debian: apt-get "
                                  "install python3-bleak)") from exc
        discover = BleakScanner.discover
    kwargs = {"adapter": adapter} if adapter else {}
    runner = LoopThread("bandsim-scan")
    try:
        try:
            seen = runner.run(discover(timeout=duration, return_adv=True,
                                       **kwargs),
                              Deadline(duration + DEFAULT_TIMEOUT), "scan")
        except Timeout:
            raise
        except Exception as exc:
            raise map_connect_error(
                exc, adapter or "the default adapter") from exc
    finally:
        runner.stop()
    bands = []
    for address, (device, adv) in seen.items():
        name = getattr(adv, "local_name", None) or getattr(device, "name",
                                                             None)
        band = parse_advertisement(address, name, getattr(adv, "rssi", None),
                                   getattr(adv, "service_data", {}),
                                   getattr(adv, "manufacturer_data", {}),
                                   profile)
        if band is not None:
            bands.append(band)
    bands.sort(key=lambda b: -(b.rssi if b.rssi is not None else -999))
    return bands
