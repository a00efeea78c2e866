"""The Link contract (bandsim/link/base.py) for both implementations, and
the BleakLink mapping against a fake bleak client, no Bluetooth.

The contract tests run once over AttClient on a socketpair (the band's
side scripted as in test_att_client) and once over BleakLink on a fake
bleak client whose device handles differ from the profile's, so what a
client can rely on is pinned down for both.  The rest checks BleakLink's
own rules: profile handle -> (service, characteristic) resolution, CCCD
writes turned into start_notify/stop_notify, Write Request vs Command,
BlueZ's D-Bus errors mapped back to ATT codes, deadlines, link loss.
"""

import asyncio
import inspect
import socket
import time

import pytest

from bandsim import link as link_module
from bandsim.link import (Link, LinkError, LinkUnavailable, Target, bluez,
                          connect, l2cap, parse_target)
from bandsim.link.base import AttError, Disconnected, Timeout
from bandsim.link.bluez import (BleakLink, HandleMap, LoopThread,
                                _close_client_bus, att_code,
                                map_connect_error, map_error,
                                parse_advertisement)
from bandsim.link.deadline import Deadline
from bandsim.link.sock import AttClient
from bandsim.protocol.att import ErrorCode, Op
from bandsim.protocol.profile import DEFAULT_PATH, Profile

PROFILE = Profile.load(DEFAULT_PATH)
CONTROL = PROFILE.characteristic("fetch-control")      # 0x3e, CCCD 0x3f
DATA = PROFILE.characteristic("activity-data")         # 0x41, CCCD 0x42
AUTH = PROFILE.characteristic("auth")                  # 0x68, CCCD 0x69
FW_CONTROL = PROFILE.characteristic("firmware-control")
FW_DATA = PROFILE.characteristic("firmware-data")
SERIAL = PROFILE.characteristic("serial-number")
SHORT = 0.05


# ------------------------------------------------------- fake bleak

class FakeDBusError(Exception):
    """Shaped like bleak.exc.BleakDBusError (dbus_error, details)."""

    def __init__(self, name, details=None):
        super().__init__(name, *([details] if details else []))

    @property
    def dbus_error(self):
        return self.args[0]

    @property
    def dbus_error_details(self):
        return self.args[1] if len(self.args) > 1 else None


class FakeChar:
    def __init__(self, uuid, properties, handle, mtu=247):
        self.uuid = uuid
        self.properties = list(properties)
        self.handle = handle
        self.max_write_without_response_size = mtu - 3

    def __repr__(self):
        return f"FakeChar({self.uuid[:8]}@{self.handle:#x})"


class FakeService:
    def __init__(self, uuid, characteristics):
        self.uuid = uuid
        self.characteristics = characteristics


def device_services(profile=PROFILE, shift=0x100, hide=("1800", "1801"),
                    mtu=247):
    """The profile's table as BlueZ would show it: other handles (every
    one moved by shift, services in reverse order) and 0x1800/0x1801
    hidden."""
    hidden = {f"0000{h}-0000-1000-8000-00805f9b34fb" for h in hide}
    services = []
    for service in reversed(profile.services):
        if service.uuid in hidden:
            continue
        chars = [FakeChar(c.uuid, c.properties, c.declaration_handle + shift,
                          mtu)
                 for c in reversed(service.characteristics)]
        services.append(FakeService(service.uuid, chars))
    return services


class FakeClient:
    """What BleakLink uses of bleak.BleakClient, scripted."""

    def __init__(self, services=None, mtu_size=23):
        self.services = device_services() if services is None else services
        self.mtu_size = mtu_size
        self.address = "E1:23:45:67:89:AB"
        self.values = {}            # FakeChar -> bytes
        self.calls = []
        self.callbacks = {}         # FakeChar -> callback
        self.errors = {}            # (method, FakeChar) -> exception
        self.hang = set()           # methods that never answer
        self.cancelled = []
        self.disconnected = False

    def char(self, value_handle):
        """The fake device characteristic a profile value handle means."""
        slot = HandleMap(PROFILE).slots[value_handle]
        for service in self.services:
            if service.uuid == slot.service_uuid:
                matches = [c for c in service.characteristics
                           if c.uuid == slot.uuid]
                return sorted(matches, key=lambda c: c.handle)[
                    slot.occurrence]
        raise KeyError(value_handle)

    async def _op(self, method, char, *args):
        self.calls.append((method, char) + args)
        if method in self.hang:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled.append(method)
                raise
        error = self.errors.get((method, char)) or self.errors.get(method)
        if error is not None:
            raise error

    async def read_gatt_char(self, char):
        await self._op("read", char)
        return bytearray(self.values.get(char, b""))

    async def write_gatt_char(self, char, data, response=False):
        await self._op("write", char, bytes(data), response)
        self.values[char] = bytes(data)

    async def start_notify(self, char, callback):
        await self._op("start_notify", char)
        self.callbacks[char] = callback

    async def stop_notify(self, char):
        await self._op("stop_notify", char)
        self.callbacks.pop(char, None)

    async def disconnect(self):
        self.calls.append(("disconnect",))
        self.disconnected = True
        return True


def bleak_link(client=None, timeout=1.0):
    client = client or FakeClient()
    link = BleakLink(client, PROFILE, timeout=timeout)
    link.resolve()
    return link, client


def fire(link, client, value_handle, value: bytes):
    """The device notifies; returns once the link has queued it."""
    callback = client.callbacks[client.char(value_handle)]
    link.runner.call_soon(callback, client.char(value_handle),
                          bytearray(value))

    async def nothing():
        return None
    link.runner.run(nothing(), Deadline(1.0), "sync")


# -------------------------------------------------- contract harness

class SocketHarness:
    """AttClient on a socketpair (conftest.py's scripted_link); the
    band's side scripted."""

    def __init__(self, link, server):
        self.link, self.server = link, server

    def subscribe(self, *chars):
        for char in chars:
            self.server.send(b"\x13")
            self.link.write(char.cccd_handle, b"\x01\x00")

    def notify(self, char, value: bytes):
        self.server.notify(char.value_handle, value)

    def answer_read(self, value: bytes):
        self.server.send(bytes([Op.READ_RSP]) + value)

    def answer_write(self):
        self.server.send(bytes([Op.WRITE_RSP]))

    def refuse(self, opcode, char, code):
        self.server.send(bytes([Op.ERROR_RSP, opcode])
                         + char.value_handle.to_bytes(2, "little")
                         + bytes([code]))

    def drop(self):
        # The band reads what it was sent before it goes, or unix
        # sockets reset the link and lose what was queued for us.
        self.server.setblocking(False)
        try:
            while self.server.recv(1024):
                pass
        except BlockingIOError:
            pass
        self.server.close()

    def close(self):
        self.link.close()
        if self.server.fileno() >= 0:
            self.server.close()


class BleakHarness:
    """BleakLink on a FakeClient."""

    def __init__(self):
        self.link, self.client = bleak_link()

    def subscribe(self, *chars):
        for char in chars:
            self.link.write(char.cccd_handle, b"\x01\x00")

    def notify(self, char, value: bytes):
        fire(self.link, self.client, char.value_handle, value)

    def answer_read(self, value: bytes):
        self.client.values[self.client.char(SERIAL.value_handle)] = value

    def answer_write(self):
        pass

    def refuse(self, opcode, char, code):
        name = {ErrorCode.INSUFFICIENT_AUTHORIZATION: "NotAuthorized",
                ErrorCode.READ_NOT_PERMITTED: "NotPermitted"}[code]
        method = "read" if opcode == Op.READ_REQ else "write"
        self.client.errors[(method, self.client.char(char.value_handle))] = \
            FakeDBusError(f"org.bluez.Error.{name}")

    def drop(self):
        self.link.runner.call_soon(self.link._on_disconnect, self.client)

        async def nothing():
            return None
        self.link.runner.run(nothing(), Deadline(1.0), "sync")

    def close(self):
        self.link.close()


@pytest.fixture(params=["socket", "bleak"])
def harness(request, scripted_link):
    h = SocketHarness(*scripted_link(timeout=1.0)) \
        if request.param == "socket" else BleakHarness()
    yield h
    h.close()


# ------------------------------------------------------ conformance

PROTOCOL_METHODS = ["exchange_mtu", "read", "write", "write_command",
                    "wait_notification", "wait_any_notification",
                    "take_unsolicited", "close", "__enter__", "__exit__"]


@pytest.mark.parametrize("cls", [AttClient, BleakLink])
def test_signatures_match_the_protocol(cls):
    for name in PROTOCOL_METHODS:
        want = inspect.signature(getattr(Link, name))
        got = inspect.signature(getattr(cls, name))
        assert list(got.parameters) == list(want.parameters), name
        for param in want.parameters.values():
            assert got.parameters[param.name].default == param.default, \
                (name, param.name)


def test_both_are_links(harness):
    assert isinstance(harness.link, Link)
    assert isinstance(harness.link.mtu, int) and harness.link.mtu >= 23


def test_queued_in_arrival_order_across_handles(harness):
    harness.subscribe(CONTROL, DATA)
    harness.notify(DATA, b"\x00\x01")
    harness.notify(CONTROL, b"\x10\x02\x01")
    harness.notify(DATA, b"\x01\x02")
    handles = (CONTROL.value_handle, DATA.value_handle)
    got = [harness.link.wait_any_notification(handles, 1.0)
           for _ in range(3)]
    assert got == [(DATA.value_handle, b"\x00\x01"),
                   (CONTROL.value_handle, b"\x10\x02\x01"),
                   (DATA.value_handle, b"\x01\x02")]


def test_wait_on_one_handle_leaves_others_queued(harness):
    harness.subscribe(CONTROL, DATA, AUTH)
    harness.notify(DATA, b"\x00\xaa")
    harness.notify(AUTH, b"\x10\x02\x01")
    harness.notify(CONTROL, b"\x10\x01\x01")
    assert harness.link.wait_notification(CONTROL.value_handle, 1.0) == \
        b"\x10\x01\x01"
    assert harness.link.wait_any_notification(
        [AUTH.value_handle], 1.0) == (AUTH.value_handle, b"\x10\x02\x01")
    assert harness.link.wait_notification(DATA.value_handle, 1.0) == \
        b"\x00\xaa"


def test_timeout_zero_only_looks_at_what_arrived(harness):
    harness.subscribe(AUTH)
    with pytest.raises(Timeout):
        harness.link.wait_notification(AUTH.value_handle, 0)
    harness.notify(AUTH, b"\x10\x03\x01")
    assert harness.link.wait_notification(AUTH.value_handle, 0) == \
        b"\x10\x03\x01"


def test_wait_ends_at_its_deadline(harness):
    harness.subscribe(AUTH)
    deadline = Deadline(SHORT)
    with pytest.raises(Timeout):
        harness.link.wait_notification(AUTH.value_handle, deadline)
    assert deadline.expired


def test_notifications_queue_while_a_request_is_outstanding(harness):
    harness.subscribe(AUTH)
    harness.notify(AUTH, b"\x10\x02\x01")
    harness.answer_read(b"0123456789ab")
    assert harness.link.read(SERIAL.value_handle) == b"0123456789ab"
    assert harness.link.wait_notification(AUTH.value_handle, 0) == \
        b"\x10\x02\x01"


def test_take_unsolicited_after_a_response(harness):
    """What came before a response, in order, once."""
    harness.subscribe(CONTROL, DATA)
    harness.notify(DATA, b"\x00\x01")
    harness.notify(CONTROL, b"\x10\x02\x01")
    harness.answer_read(b"0123456789ab")
    assert harness.link.read(SERIAL.value_handle) == b"0123456789ab"
    assert harness.link.take_unsolicited() == [
        (Op.NOTIFICATION, DATA.value_handle, b"\x00\x01"),
        (Op.NOTIFICATION, CONTROL.value_handle, b"\x10\x02\x01")]
    assert harness.link.take_unsolicited() == []


def test_att_error_is_typed(harness):
    harness.refuse(Op.READ_REQ, SERIAL, ErrorCode.READ_NOT_PERMITTED)
    with pytest.raises(AttError) as info:
        harness.link.read(SERIAL.value_handle)
    assert (info.value.opcode, info.value.handle, info.value.code) == \
        (Op.READ_REQ, SERIAL.value_handle, ErrorCode.READ_NOT_PERMITTED)


def test_queued_notifications_outlive_the_link(harness):
    harness.subscribe(AUTH)
    harness.notify(AUTH, b"\x10\x05\x01")
    harness.drop()
    assert harness.link.wait_notification(AUTH.value_handle, 1.0) == \
        b"\x10\x05\x01"
    with pytest.raises(Disconnected):
        harness.link.wait_notification(AUTH.value_handle, 1.0)


# --------------------------------------------------- handle mapping

def test_every_profile_value_handle_has_a_slot():
    slots = HandleMap(PROFILE).slots
    assert sorted(slots) == sorted(c.value_handle
                                   for c in PROFILE.characteristics())
    assert slots[AUTH.value_handle].service_uuid == \
        "0000fee1-0000-1000-8000-00805f9b34fb"


def test_2a04_resolves_by_service():
    link, client = bleak_link(FakeClient(device_services(hide=())))
    gap = PROFILE.characteristic("ppcp")
    miband = PROFILE.characteristic("ppcp-miband")
    assert link._chars[gap.value_handle] is not \
        link._chars[miband.value_handle]
    services = {id(c): s.uuid for s in client.services
                for c in s.characteristics}
    assert services[id(link._chars[gap.value_handle])].startswith("00001800")
    assert services[id(link._chars[miband.value_handle])].startswith(
        "0000fee0")
    link.close()


def test_equal_pairs_match_in_handle_order():
    """Two characteristics with one UUID in one service: k-th to k-th."""
    uuid = "00000001-0000-3512-2118-0009af100700"
    service = "0000fee0-0000-1000-8000-00805f9b34fb"
    later, earlier = FakeChar(uuid, ["notify"], 0x90), \
        FakeChar(uuid, ["notify"], 0x20)

    class P:
        services = [type("S", (), {"uuid": service, "characteristics": [
            type("C", (), {"name": n, "uuid": uuid, "properties": ("notify",),
                           "value_handle": h, "cccd_handle": h + 1})()
            for n, h in (("one", 0x10), ("two", 0x13))]})()]

    resolved = HandleMap(P).resolve([FakeService(service, [later, earlier])])
    assert resolved == {0x10: earlier, 0x13: later}


def test_hidden_services_answer_invalid_handle():
    link, client = bleak_link()
    name = PROFILE.characteristic("device-name")
    assert "device-name" in link.missing and "auth" not in link.missing
    with pytest.raises(AttError) as info:
        link.read(name.value_handle)
    assert info.value.code == ErrorCode.INVALID_HANDLE
    with pytest.raises(AttError):
        link.read(0x0999)
    assert client.calls == []
    link.close()


def test_reads_and_writes_go_to_the_mapped_characteristic():
    link, client = bleak_link()
    char = client.char(SERIAL.value_handle)
    assert char.handle != SERIAL.value_handle
    client.values[char] = b"ac3dc4709fbd"
    assert link.read(SERIAL.value_handle) == b"ac3dc4709fbd"
    link.write(FW_CONTROL.value_handle, b"\x04")
    link.write_command(FW_DATA.value_handle, b"abc")
    assert client.calls[1:] == [
        ("write", client.char(FW_CONTROL.value_handle), b"\x04", True),
        ("write", client.char(FW_DATA.value_handle), b"abc", False)]
    link.close()


def test_write_kind_follows_the_method_and_the_properties():
    """A Write Request where the characteristic has no "write" fails as
    the band's server answers it (0x03); a Write Command where it has no
    "write-without-response" is dropped, as the band drops it."""
    link, client = bleak_link()
    with pytest.raises(AttError) as info:
        link.write(FW_DATA.value_handle, b"x")
    assert (info.value.opcode, info.value.code) == \
        (Op.WRITE_REQ, ErrorCode.WRITE_NOT_PERMITTED)
    link.write_command(FW_CONTROL.value_handle, b"\x00")
    assert client.calls == []
    link.close()


def test_cccd_writes_become_start_and_stop_notify():
    link, client = bleak_link()
    char = client.char(AUTH.value_handle)
    assert link.read(AUTH.cccd_handle) == b"\x00\x00"
    link.write(AUTH.cccd_handle, b"\x01\x00")
    link.write(AUTH.cccd_handle, b"\x01\x00")     # already on: no call
    assert link.read(AUTH.cccd_handle) == b"\x01\x00"
    fire(link, client, AUTH.value_handle, b"\x10\x02\x01")
    assert link.wait_notification(AUTH.value_handle, 0) == b"\x10\x02\x01"
    link.write(AUTH.cccd_handle, b"\x00\x00")
    assert [c[0] for c in client.calls] == ["start_notify", "stop_notify"]
    assert client.calls[0][1] is char and char not in client.callbacks
    with pytest.raises(AttError) as info:
        link.write(AUTH.cccd_handle, b"\x01")
    assert info.value.code == ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH
    link.close()


def test_protected_cccd_before_auth_is_0x08_on_the_cccd():
    client = FakeClient()
    client.errors[("start_notify", client.char(CONTROL.value_handle))] = \
        FakeDBusError("org.bluez.Error.NotAuthorized")
    link, _ = bleak_link(client)
    with pytest.raises(AttError) as info:
        link.write(CONTROL.cccd_handle, b"\x01\x00")
    assert (info.value.opcode, info.value.handle, info.value.code) == \
        (Op.WRITE_REQ, CONTROL.cccd_handle,
         ErrorCode.INSUFFICIENT_AUTHORIZATION)
    assert link.read(CONTROL.cccd_handle) == b"\x00\x00"
    link.close()


class BleakClientBlueZDBus:
    """Named as bleak's BlueZ backend: BleakLink expects read echoes."""


class EchoingClient(FakeClient):
    """BlueZ as bleak 0.20 sees it: a read of a subscribed characteristic
    also reaches the notification callback (Value PropertiesChanged),
    before the reply or, with late=True, after it."""

    def __init__(self, late=False):
        super().__init__()
        self._backend = BleakClientBlueZDBus()
        self.late = late

    async def read_gatt_char(self, char):
        value = await super().read_gatt_char(char)
        callback = self.callbacks.get(char)
        if callback is not None:
            loop = asyncio.get_running_loop()
            if self.late:
                loop.call_later(0.02, callback, char, bytearray(value))
            else:
                callback(char, bytearray(value))
        return value


@pytest.mark.parametrize("late", [False, True], ids=["before", "after"])
def test_read_echo_is_no_notification(late):
    link, client = bleak_link(EchoingClient(late))
    link.write(DATA.cccd_handle, b"\x01\x00")
    char = client.char(DATA.value_handle)
    client.values[char] = b"\x39"
    fire(link, client, DATA.value_handle, b"\x39")     # the band's
    assert link.read(DATA.value_handle) == b"\x39"
    assert link.wait_notification(DATA.value_handle) == b"\x39"
    fire(link, client, DATA.value_handle, b"\x3a")
    assert link.wait_notification(DATA.value_handle) == b"\x3a"
    with pytest.raises(Timeout):
        link.wait_notification(DATA.value_handle, 0.1)
    link.close()


def test_reads_without_subscription_expect_no_echo():
    link, client = bleak_link(EchoingClient())
    char = client.char(DATA.value_handle)
    client.values[char] = b"\x39"
    assert link.read(DATA.value_handle) == b"\x39"
    link.write(DATA.cccd_handle, b"\x01\x00")
    fire(link, client, DATA.value_handle, b"\x39")
    assert link.wait_notification(DATA.value_handle) == b"\x39"
    link.close()


def test_a_retried_connection_ignores_the_old_clients_drop():
    link, client = bleak_link()
    old = FakeClient()
    link._on_disconnect(old)        # an earlier attempt's late callback
    assert link.read(SERIAL.value_handle) == b""
    link._on_disconnect(client)
    with pytest.raises(Disconnected):
        link.read(SERIAL.value_handle)
    link.close()


def test_mtu_is_what_bluez_negotiated():
    link, _ = bleak_link(FakeClient(mtu_size=23))
    assert link.mtu == 23           # no exchange yet: 20-byte writes
    assert link.exchange_mtu(185) == 185 and link.mtu == 185
    assert link.exchange_mtu(517) == 247    # what the stack agreed
    link.close()
    link, _ = bleak_link(FakeClient(mtu_size=23))
    assert link.exchange_mtu(23) == 23 and link.mtu == 23
    link.close()
    old = FakeClient(device_services(mtu=23), mtu_size=23)
    link, client = bleak_link(old)
    assert link.exchange_mtu() == 23
    link.write(DATA.cccd_handle, b"\x01\x00")
    fire(link, client, DATA.value_handle, bytes(185))
    assert link.mtu == 188      # a notification proves the MTU
    link.close()


# ----------------------------------------------------- deadlines, loss

def test_operation_past_its_deadline_is_cancelled():
    link, client = bleak_link()
    client.hang.add("read")
    deadline = Deadline(SHORT)
    with pytest.raises(Timeout):
        link.read(SERIAL.value_handle, deadline)
    assert deadline.expired
    link.close()
    assert client.cancelled == ["read"]


def test_link_loss_ends_waits_and_operations():
    link, client = bleak_link()
    link.write(AUTH.cccd_handle, b"\x01\x00")
    link.runner.call_soon(link._on_disconnect, client)
    with pytest.raises(Disconnected):
        link.wait_notification(AUTH.value_handle, 1.0)
    with pytest.raises(Disconnected):
        link.write_command(AUTH.value_handle, b"\x02\x00")
    link.close()
    assert ("disconnect",) not in client.calls   # nothing left to end


def test_close_disconnects_and_stops_the_loop():
    link, client = bleak_link()
    with link:
        pass
    assert client.calls[-1] == ("disconnect",)
    assert not link.runner.running
    with pytest.raises(Disconnected):
        link.read(SERIAL.value_handle)
    link.close()                                 # twice is fine


class FakeBus:
    def __init__(self):
        self.disconnected = 0

    def disconnect(self):
        self.disconnected += 1


def test_a_stopped_loop_closes_bleaks_manager_bus(monkeypatch):
    """bleak keeps a BlueZ manager, with a system bus connection of its
    own, per event loop and never closes it: a link's loop closes it as
    it stops, or a whole suite through bluetoothd runs out of the bus's
    connections for one user."""
    from bleak.backends.bluezdbus import manager
    runner = LoopThread()
    bus = FakeBus()
    instance = type("Manager", (), {"_bus": bus})()
    monkeypatch.setitem(manager._global_instances, runner.loop, instance)
    runner.stop()
    assert bus.disconnected == 1
    assert not runner.running


def test_a_retried_connect_closes_the_failed_attempts_bus():
    """Each attempt is a new BleakClient with a bus of its own; one that
    failed keeps it until told."""
    bus = FakeBus()
    backend = type("Backend", (), {})()
    backend._bus = bus

    def cleanup_all():
        backend._bus.disconnect()
        backend._bus = None
    backend._cleanup_all = cleanup_all
    client = type("Client", (), {"_backend": backend})()
    _close_client_bus(client)
    _close_client_bus(client)                    # twice is fine
    assert bus.disconnected == 1


# ------------------------------------------------------ error mapping

@pytest.mark.parametrize("name, details, opcode, code", [
    ("org.bluez.Error.NotAuthorized", None, Op.READ_REQ, 0x08),
    ("org.bluez.Error.NotPermitted", "Read not permitted", Op.READ_REQ, 0x02),
    ("org.bluez.Error.NotPermitted", "Write not permitted", Op.WRITE_REQ,
     0x03),
    ("org.bluez.Error.NotPermitted", "Not paired", Op.READ_REQ, 0x05),
    ("org.bluez.Error.NotPermitted", None, Op.WRITE_REQ, 0x03),
    ("org.bluez.Error.InvalidArguments", "Invalid offset", Op.READ_REQ, 0x07),
    ("org.bluez.Error.InvalidArguments", "Invalid Length", Op.WRITE_REQ,
     0x0D),
    ("org.bluez.Error.NotSupported", None, Op.WRITE_REQ, 0x06),
    ("org.bluez.Error.Failed", "Operation failed with ATT error: 0x80",
     Op.WRITE_REQ, 0x80),
    # bleak's dbus_error_details appends the code's name.
    ("org.bluez.Error.Failed", "Operation failed with ATT error: 0x0e "
     "(Unlikely Error)", Op.READ_REQ, 0x0E),
    # Names of older BlueZ releases.
    ("org.bluez.Error.ReadNotPermitted", None, Op.READ_REQ, 0x02),
    ("org.bluez.Error.WriteNotPermitted", None, Op.WRITE_REQ, 0x03),
    ("org.bluez.Error.NotPaired", None, Op.READ_REQ, 0x05),
    ("org.bluez.Error.InvalidValueLength", None, Op.WRITE_REQ, 0x0D),
])
def test_bluez_errors_map_to_att_codes(name, details, opcode, code):
    exc = map_error(FakeDBusError(name, details), opcode, 0x0044)
    assert isinstance(exc, AttError)
    assert (exc.opcode, exc.handle, exc.code) == (opcode, 0x0044, code)


@pytest.mark.parametrize("exc, kind", [
    (FakeDBusError("org.bluez.Error.Failed", "Not connected"), Disconnected),
    (FakeDBusError("org.bluez.Error.NotConnected"), Disconnected),
    (FakeDBusError("org.freedesktop.DBus.Error.UnknownObject",
                   "Method \"ReadValue\" doesn't exist"), Disconnected),
    (FakeDBusError("org.freedesktop.DBus.Error.NoReply"), Timeout),
    (FakeDBusError("org.bluez.Error.InProgress", "In Progress"), LinkError),
    (FakeDBusError("org.bluez.Error.Failed", "Operation failed"), LinkError),
    (asyncio.TimeoutError(), Timeout),
    (EOFError(), Disconnected),
    (Exception("Not connected"), Disconnected),
    (Exception("Characteristic x was not found!"), LinkError),
])
def test_other_failures_are_typed(exc, kind):
    mapped = map_error(exc, Op.READ_REQ, 0x0044)
    assert type(mapped) is kind
    assert not isinstance(mapped, AttError)


def test_att_code_ignores_foreign_names():
    assert att_code("org.freedesktop.DBus.Error.AccessDenied", "",
                    Op.READ_REQ) is None


def test_real_bleak_dbus_error_maps_too():
    exc_module = pytest.importorskip("bleak.exc")
    exc = exc_module.BleakDBusError("org.bluez.Error.Failed",
                                    ["Operation failed with ATT error: 0x08"])
    assert map_error(exc, Op.READ_REQ, 0x44).code == 0x08
    mapped = map_connect_error(
        exc_module.BleakDeviceNotFoundError("E1:23:45:67:89:AB"),
        "E1:23:45:67:89:AB on hci1")
    assert isinstance(mapped, LinkUnavailable)
    assert str(mapped).startswith("no band at E1:23:45:67:89:AB on hci1")


# ------------------------------------------------------------ connect

class FakeClientClass:
    """Stands in for bleak.BleakClient in BleakLink.connect."""
    made = []

    def __init__(self, address, disconnected_callback=None, timeout=10.0,
                 **kwargs):
        hide = FakeClientClass.hide[len(FakeClientClass.made)] \
            if len(FakeClientClass.made) < len(FakeClientClass.hide) else ()
        self.client = FakeClient(device_services(hide=("1800", "1801") +
                                                 tuple(hide)))
        self.address = address
        self.kwargs = kwargs
        self.callback = disconnected_callback
        FakeClientClass.made.append(self)

    async def connect(self):
        if FakeClientClass.connect_error is not None:
            raise FakeClientClass.connect_error
        if FakeClientClass.connect_hangs:
            await asyncio.Event().wait()
        return True

    def __getattr__(self, name):
        return getattr(self.client, name)


@pytest.fixture
def fake_class():
    FakeClientClass.made = []
    FakeClientClass.connect_error = None
    FakeClientClass.connect_hangs = False
    FakeClientClass.hide = []       # k-th client: services it also hides
    return FakeClientClass


def test_connect_passes_adapter_and_resolves(fake_class):
    link = BleakLink.connect("E1:23:45:67:89:AB", adapter="hci1",
                             profile=PROFILE, timeout=1.0,
                             client_class=fake_class)
    made = fake_class.made[0]
    assert made.kwargs == {"adapter": "hci1"}
    assert made.callback == link._on_disconnect
    assert link.mtu == 23 and "auth" not in link.missing
    assert link.exchange_mtu(247) == 247
    link.close()


def test_stack_owned_are_gap_and_gatt_only():
    link, _ = bleak_link()
    assert sorted(link.stack_owned) == sorted(link.missing) == \
        ["appearance", "device-name", "ppcp", "service-changed"]


def test_incomplete_services_connect_once_more(fake_class):
    """BlueZ showed fewer characteristics than the band has: the link
    connects again and gets them all."""
    fake_class.hide = [("180a",)]
    link = BleakLink.connect("E1:23:45:67:89:AB", profile=PROFILE,
                             timeout=5.0, client_class=fake_class)
    assert len(fake_class.made) == 2
    assert fake_class.made[0].client.calls == [("disconnect",)]
    assert sorted(link.missing) == sorted(link.stack_owned)
    link.close()


class FakeBackend:
    """What _await_services uses of bleak's BlueZ backend: the device's
    object path and the collection it builds client.services from."""

    def __init__(self, client):
        self._client = client
        self._device_path = "/org/bluez/hci1/dev_E1_23_45_67_89_AB"

    @property
    def services(self):
        return self._client.services

    @services.setter
    def services(self, services):
        self._client.services = services


class FakeManager:
    """bleak's BlueZ manager whose view of the device's service objects
    fills in after late polls (InterfacesAdded after ServicesResolved)."""

    def __init__(self, late):
        self.late = list(late)      # what the k-th get_services returns
        self.asked = []

    async def get_services(self, path, use_cached, services_to_resolve):
        self.asked.append(path)
        if not self.late:
            raise RuntimeError("device object removed")
        return self.late.pop(0)


def late_services(fake_class, monkeypatch, late):
    """Connect with services showing up late; the manager FakeManager."""
    manager = FakeManager(late)

    async def the_manager():
        return manager
    monkeypatch.setattr(bluez, "_bluez_manager", the_manager)
    monkeypatch.setattr(fake_class, "_backend",
                        property(lambda self: FakeBackend(self.client)),
                        raising=False)
    return manager


def test_late_service_objects_are_waited_for(fake_class, monkeypatch):
    """ServicesResolved came before the objects (bluez/bluez#1489): the
    link polls BlueZ's objects until the profile is whole and connects
    once, not twice."""
    fake_class.hide = [("180a", "fee0")]
    hidden = device_services(hide=("1800", "1801", "180a"))
    manager = late_services(fake_class, monkeypatch,
                            [hidden, hidden, device_services()])
    link = BleakLink.connect("E1:23:45:67:89:AB", profile=PROFILE,
                             timeout=5.0, client_class=fake_class)
    assert len(fake_class.made) == 1
    assert len(manager.asked) == 3
    assert sorted(link.missing) == sorted(link.stack_owned)
    link.close()


def test_objects_that_never_come_leave_a_gap_to_reconnect(
        fake_class, monkeypatch):
    """The objects stop coming (the device went): the wait ends at once
    and the link connects again, as without the manager."""
    fake_class.hide = [("180a",)]
    monkeypatch.setattr(bluez, "SERVICES_SETTLE", 0.3)
    manager = late_services(fake_class, monkeypatch, [])
    link = BleakLink.connect("E1:23:45:67:89:AB", profile=PROFILE,
                             timeout=5.0, client_class=fake_class)
    assert len(manager.asked) >= 1
    assert len(fake_class.made) == 2
    assert sorted(link.missing) == sorted(link.stack_owned)
    link.close()


def test_the_wait_for_objects_ends_when_settled(fake_class, monkeypatch):
    """The objects never fill in: the wait gives up after SERVICES_SETTLE
    and the gap goes to the caller (a reconnect)."""
    fake_class.hide = [("180a",)]
    monkeypatch.setattr(bluez, "SERVICES_SETTLE", 0.3)
    hidden = device_services(hide=("1800", "1801", "180a"))
    manager = late_services(fake_class, monkeypatch, [hidden] * 1000)
    started = time.monotonic()
    link = BleakLink.connect("E1:23:45:67:89:AB", profile=PROFILE,
                             timeout=5.0, client_class=fake_class)
    assert time.monotonic() - started < 2.0
    assert 1 <= len(manager.asked) < 1000
    assert len(fake_class.made) == 2
    link.close()


def test_a_device_without_a_characteristic_keeps_the_gap(fake_class):
    """Once only: a device that lacks a service connects with it missing,
    and a read of it answers Invalid Handle."""
    fake_class.hide = [("180a",)] * 5
    link = BleakLink.connect("E1:23:45:67:89:AB", profile=PROFILE,
                             timeout=5.0, client_class=fake_class)
    assert len(fake_class.made) == 2
    assert "software-revision" in link.missing
    assert "software-revision" in link.unresolved
    with pytest.raises(AttError) as info:
        link.read(PROFILE.characteristic("software-revision").value_handle)
    assert info.value.code == ErrorCode.INVALID_HANDLE
    # The failure says it is BlueZ's view, not the band's answer.
    assert any("BlueZ did not show it" in note
               for note in getattr(info.value, "__notes__", []))
    link.close()


def test_connect_to_absent_band_is_unavailable(fake_class):
    class BleakDeviceNotFoundError(Exception):
        pass
    fake_class.connect_error = BleakDeviceNotFoundError("gone")
    with pytest.raises(LinkUnavailable):
        BleakLink.connect("E1:23:45:67:89:AB", timeout=1.0,
                          client_class=fake_class)
    fake_class.connect_error = FakeDBusError("org.bluez.Error.NotReady")
    with pytest.raises(LinkUnavailable) as info:
        BleakLink.connect("E1:23:45:67:89:AB", timeout=1.0,
                          client_class=fake_class)
    assert info.value.name == "org.bluez.Error.NotReady"


def test_connect_has_a_deadline(fake_class):
    fake_class.connect_hangs = True
    deadline = Deadline(SHORT)
    with pytest.raises(Timeout):
        BleakLink.connect("E1:23:45:67:89:AB", timeout=deadline,
                          client_class=fake_class)
    assert deadline.expired


def test_loop_thread_returns_results_and_errors():
    runner = LoopThread()

    async def answer():
        return 42

    async def fail():
        raise ValueError("no")
    assert runner.run(answer(), Deadline(1.0), "answer") == 42
    with pytest.raises(ValueError):
        runner.run(fail(), Deadline(1.0), "fail")
    runner.stop()
    with pytest.raises(Disconnected):
        runner.run(answer(), Deadline(1.0), "after stop")


# ------------------------------------------------------------ targets

def test_parse_target():
    assert parse_target("sock:/tmp/band.sock") == \
        Target("sock", path="/tmp/band.sock")
    assert parse_target("bluez:e1:23:45:67:89:ab@hci1") == \
        Target("bluez", address="E1:23:45:67:89:AB", adapter="hci1")
    assert str(parse_target("bluez:E1:23:45:67:89:AB")) == \
        "bluez:E1:23:45:67:89:AB"
    assert parse_target("l2cap:e1:23:45:67:89:ab@hci1") == \
        Target("l2cap", address="E1:23:45:67:89:AB", adapter="hci1")
    assert str(parse_target("l2cap:E1:23:45:67:89:AB@hci1")) == \
        "l2cap:E1:23:45:67:89:AB@hci1"
    for bad in ("/tmp/band.sock", "bluez:E1:23", "bluez:E1:23:45:67:89:AB@x",
                "tcp:1.2.3.4", "sock:", "l2cap:E1:23:45:67:89:AB",
                "l2cap:E1:23:45:67:89:AB@x"):
        with pytest.raises(ValueError):
            parse_target(bad)


def test_l2cap_address_types():
    """A band's random static address (top bits 11) is LE random on the
    air; an adapter's public one is LE public."""
    assert l2cap.address_type("E1:23:45:67:89:AB") == l2cap.LE_RANDOM
    assert l2cap.address_type("C0:00:00:00:00:01") == l2cap.LE_RANDOM
    assert l2cap.address_type("00:AA:01:01:00:24") == l2cap.LE_PUBLIC
    assert l2cap.address_type("BF:FF:FF:FF:FF:FF") == l2cap.LE_PUBLIC


def test_l2cap_send_on_an_ended_link_is_disconnected():
    """An L2CAP socket whose link ended refuses a send with ENOTCONN (a
    Unix one says EPIPE): the raw central's send is Disconnected, as on
    the socket transport, so a client's own errors (FirmwareInterrupted)
    follow.  An unconnected SEQPACKET socket refuses the same way."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    att = l2cap.L2capAttClient(sock, SHORT, "hci0", "E1:23:45:67:89:AB")
    try:
        with pytest.raises(Disconnected):
            att.send_raw(bytes([Op.WRITE_CMD, 0x41, 0x00, 0x00]))
    finally:
        sock.close()        # not att.close(): no link to end


def test_connect_dispatches_bluez_targets(monkeypatch):
    seen = {}

    def fake_connect(address, adapter=None, profile=None, timeout=None):
        seen.update(address=address, adapter=adapter, timeout=timeout)
        return "link"
    monkeypatch.setattr(BleakLink, "connect", staticmethod(fake_connect))
    assert connect("bluez:E1:23:45:67:89:AB@hci0", timeout=2.0) == "link"
    assert seen == {"address": "E1:23:45:67:89:AB", "adapter": "hci0",
                    "timeout": 2.0}


def test_socket_without_band_is_unavailable(tmp_path):
    with pytest.raises(LinkUnavailable, match="no such socket"):
        connect(f"sock:{tmp_path}/none.sock", timeout=1.0)
    # A socket file nobody listens on: the band is off.
    path = tmp_path / "off.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(str(path))
    try:
        with pytest.raises(LinkUnavailable, match="refused"):
            connect(f"sock:{path}", timeout=1.0)
    finally:
        s.close()


def test_socket_target_gives_an_att_client(tmp_path):
    path = tmp_path / "b.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server.bind(str(path))
    server.listen(1)
    try:
        with connect(f"sock:{path}", timeout=1.0) as link:
            assert isinstance(link, AttClient) and isinstance(link, Link)
    finally:
        server.close()


def test_bleak_is_imported_lazily():
    import sys
    import subprocess
    code = ("import sys; import bandsim.link, bandsim.link.bluez, "
            "bandsim.tools.cli; print('bleak' in sys.modules)")
    env = {"PYTHONPATH": str(DEFAULT_PATH.parents[1] / "conformance")}
    out = subprocess.run([sys.executable, "-c", code], env=env, text=True,
                         capture_output=True, timeout=10)
    assert out.stdout.strip() == "False", out.stderr


def test_without_bleak_bluez_targets_say_what_is_missing(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "bleak", None)     # import fails
    with pytest.raises(LinkUnavailable, match="python3-bleak"):
        connect("bluez:E1:23:45:67:89:AB", timeout=1.0)


# -------------------------------------------------------- advertising

FEE0 = "0000fee0-0000-1000-8000-00805f9b34fb"


def test_advertisement_of_a_band():
    vendor = bytes.fromhex("02 00 00 48") + bytes(20)
    band = parse_advertisement("e1:23:45:67:89:ab", "Mi Smart Band 4", -52,
                               {FEE0: (1234).to_bytes(4, "little")},
                               {0x0157: vendor})
    assert (band.address, band.rssi, band.steps, band.heart_rate) == \
        ("E1:23:45:67:89:AB", -52, 1234, 0x48)


def test_advertisement_without_heart_rate_or_name():
    vendor = bytes.fromhex("02 00 00 ff") + bytes(20)
    band = parse_advertisement("E1:23:45:67:89:AB", None, -80,
                               {FEE0: bytes(4)}, {0x0157: vendor})
    assert band.heart_rate is None and band.steps == 0
    assert band.name == "Mi Smart Band 4"


def test_other_devices_are_not_bands():
    assert parse_advertisement("E1:23:45:67:89:AB", "Headphones", -40,
                               {}, {0x004C: b"\x02\x15"}) is None


def test_link_module_reexports_the_typed_errors():
    for name in ("AttError", "Timeout", "Disconnected", "LinkError",
                 "LinkUnavailable"):
        assert name in link_module.__all__
    assert issubclass(LinkUnavailable, ConnectionError)


# ------------------------------------------------- connection attempts

def run_attempt(connecting, budget, deadline_s, up):
    """_attempt on a fresh loop; up() is what link_up answers."""
    async def link_up():
        return up()
    return asyncio.run(bluez._attempt(
        connecting, budget, Deadline(deadline_s), link_up))


def test_attempt_without_a_link_is_cut_at_its_share():
    """An attempt whose link never comes up ends at its budget, and the
    attempt itself is cancelled (bleak then cancels the connection)."""
    cancelled = []

    async def never():
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    start = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        run_attempt(never(), 0.1, 5.0, lambda: False)
    assert time.monotonic() - start < 1.0
    assert cancelled == [True]


def test_attempt_with_its_link_up_gets_the_deadline():
    """Past its share, an attempt whose link is up (BlueZ discovering the
    services) goes on to the end of the deadline, not cut and retried."""
    asked = asyncio.Event()

    async def discovering():
        # Ends only once its share is spent and link_up was asked: an
        # attempt cut there raises TimeoutError instead.
        await asked.wait()
        return True

    def up():
        asked.set()
        return True

    run_attempt(discovering(), 0.1, 30.0, up)
    assert asked.is_set()
    with pytest.raises(asyncio.TimeoutError):     # but not past it
        run_attempt(asyncio.Event().wait(), 0.1, 0.3, lambda: True)


def test_attempt_passes_its_error_on():
    async def refused():
        raise FakeDBusError("org.bluez.Error.Failed")

    with pytest.raises(FakeDBusError):
        run_attempt(refused(), 1.0, 5.0, lambda: False)


def test_attempt_with_a_link_that_never_completes_ends(monkeypatch):
    """A link BlueZ shows up whose connection never completes (the
    kernel lost it as it came up) gets LINK_UP_MAX past its share, not
    the whole deadline; and a cancelled connect whose Disconnect BlueZ
    never answers is cancelled again after SETTLE_MAX."""
    monkeypatch.setattr(bluez, "LINK_UP_MAX", 0.3)
    monkeypatch.setattr(bluez, "SETTLE_MAX", 0.2)
    cancels = []

    async def stuck():
        for _ in range(2):
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancels.append(time.monotonic())
        raise AssertionError("cancelled twice and still waiting")

    start = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        run_attempt(stuck(), 0.1, 60.0, lambda: True)
    assert len(cancels) == 2
    assert 0.4 - 0.05 <= cancels[0] - start < 5.0
    assert 0.2 - 0.05 <= cancels[1] - cancels[0] < 5.0


@pytest.fixture
def wedge_table(monkeypatch):
    monkeypatch.setattr(bluez, "_wedged", {})
    monkeypatch.setattr(bluez, "_recoveries", {})


def test_a_wedged_adapter_fails_every_connect_at_once(wedge_table):
    bluez._wedge("hci1", "E1:23:45:67:89:AB: Device1 stays Connected")
    start = time.monotonic()
    with pytest.raises(bluez.AdapterWedged) as raised:
        asyncio.run(bluez._unwedge("hci1"))
    assert time.monotonic() - start < 1.0
    assert "hci1 is wedged" in str(raised.value)
    assert isinstance(raised.value, LinkUnavailable)
    asyncio.run(bluez._unwedge("hci0"))         # another adapter is fine


def test_a_wedged_adapter_with_an_owner_is_recovered_once(wedge_table):
    calls = []
    link_module.set_recovery("hci1", lambda: calls.append("hci1"))
    bluez._wedge("hci1", "first")
    bluez._wedge("hci1", "second")              # the first cause is kept
    assert bluez._wedged["hci1"] == "first"
    asyncio.run(bluez._unwedge("hci1"))
    asyncio.run(bluez._unwedge("hci1"))         # no longer wedged
    assert calls == ["hci1"] and "hci1" not in bluez._wedged
    link_module.set_recovery("hci1", None)
    bluez._wedge("hci1", "again")
    with pytest.raises(bluez.AdapterWedged):
        asyncio.run(bluez._unwedge("hci1"))


def test_a_device_bluez_dropped_is_scanned_for_again():
    """Connect answered UnknownObject (or bleak's not-found): the Device1
    path is gone and the next attempt scans; other failures keep it."""
    exc_module = pytest.importorskip("bleak.exc")
    gone = bluez._gone
    assert gone(exc_module.BleakDeviceNotFoundError("E1:23:45:67:89:AB"))
    assert gone(FakeDBusError("org.freedesktop.DBus.Error.UnknownObject"))
    assert not gone(FakeDBusError("org.bluez.Error.Failed",
                                  "le-connection-abort-by-local"))
    assert not gone(asyncio.TimeoutError())


class StuckBus:
    """bleak's dbus_fast bus, as _settle and _forget use it: calls that
    answer at once, or never (hang)."""

    def __init__(self, manager, hang):
        self.manager = manager
        self.hang = hang
        self.calls = []

    async def call(self, message):
        self.calls.append(message.member)
        if self.hang:
            await asyncio.Event().wait()
        if message.member == "Disconnect":
            self.manager.connected = False


class ConnectedManager:
    def __init__(self, hang=False, ends=True):
        self.connected = True
        self.ends = ends
        self._bus = StuckBus(self, hang)

    def is_connected(self, path):
        return self.connected or not self.ends


def settle_with(monkeypatch, manager):
    pytest.importorskip("dbus_fast")

    async def the_manager():
        return manager
    monkeypatch.setattr(bluez, "_bluez_manager", the_manager)
    monkeypatch.setattr(bluez, "SETTLE_MAX", 0.3)
    started = time.monotonic()
    settled = asyncio.run(bluez._settle("E1:23:45:67:89:AB", "hci1",
                                        Deadline(60.0)))
    return settled, time.monotonic() - started


def test_a_link_bluez_ends_is_waited_for(monkeypatch):
    manager = ConnectedManager()
    settled, _ = settle_with(monkeypatch, manager)
    assert settled and manager._bus.calls == ["Disconnect"]


def test_a_link_bluez_cannot_end_is_given_up(monkeypatch):
    """Disconnect answers, but Device1 stays Connected (the kernel lost
    the link, bluetoothd did not): _settle says so within SETTLE_MAX,
    not at the connect deadline."""
    settled, took = settle_with(monkeypatch, ConnectedManager(ends=False))
    assert not settled and took < 2.0


def test_a_disconnect_that_never_answers_is_given_up(monkeypatch):
    settled, took = settle_with(monkeypatch, ConnectedManager(hang=True))
    assert not settled and took < 2.0


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
