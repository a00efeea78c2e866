"""BleakLink end to end against the real emulator, with BlueZ played by a
stand-in: no Bluetooth on this machine.

``BlueZOverSocket`` is shaped like a connected bleak client, but does
what bluetoothd would do over the emulator's socket transport: it
discovers the table itself (hiding 0x1800/0x1801 as BlueZ does),
exchanges the MTU, turns start_notify into a CCCD write, delivers
notifications through callbacks on the link's event loop, and reports
ATT errors as the D-Bus errors of BlueZ's src/gatt-client.c
(create_gatt_dbus_error).  The Huami, fetch and firmware clients then
run unchanged over BleakLink, and what the band logged (GetSamples)
and installed (Firmware) is the oracle.  The real bleak/BlueZ path is
for the VM tier.
"""

from pathlib import Path

import pytest

from bandsim.clients.auth import HuamiClient
from bandsim.clients.fetch import FetchClient, SyncState
from bandsim.clients.firmware import TYPE_RESOURCES, FirmwareClient
from bandsim.harness.control import ControlClient
from bandsim.harness.images import fixture
from bandsim.harness.process import BandProcess
from bandsim.harness.suite import CLOCK_START, OTHER_KEY, TEST_KEY
from bandsim.link.base import AttError, Disconnected, Timeout
from bandsim.link.bluez import BleakLink
from bandsim.link.deadline import Deadline
from bandsim.link.sock import AttClient
from bandsim.protocol import uuids
from bandsim.protocol.att import ErrorCode, Op
from bandsim.protocol.profile import DEFAULT_PATH, Profile

PROFILE = Profile.load(DEFAULT_PATH)
REPO = Path(__file__).resolve().parents[2]
HIDDEN = {uuids.sig(0x1800), uuids.sig(0x1801)}
PROPS = ((0x02, "read"), (0x04, "write-without-response"), (0x08, "write"),
         (0x10, "notify"), (0x20, "indicate"))


class DBusError(Exception):
    """Shaped like bleak.exc.BleakDBusError."""

    def __init__(self, name, details):
        super().__init__(name, details)
        self.dbus_error = name
        self.dbus_error_details = details


def bluez_error(exc: AttError) -> DBusError:
    """What BlueZ makes of an ATT error (create_gatt_dbus_error)."""
    code = exc.code
    if code == ErrorCode.READ_NOT_PERMITTED:
        return DBusError("org.bluez.Error.NotPermitted", "Read not permitted")
    if code == ErrorCode.WRITE_NOT_PERMITTED:
        return DBusError("org.bluez.Error.NotPermitted",
                         "Write not permitted")
    if code in (ErrorCode.INSUFFICIENT_AUTHENTICATION, 0x0C, 0x0F):
        return DBusError("org.bluez.Error.NotPermitted", "Not paired")
    if code == ErrorCode.INVALID_OFFSET:
        return DBusError("org.bluez.Error.InvalidArguments", "Invalid offset")
    if code == ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH:
        return DBusError("org.bluez.Error.InvalidArguments", "Invalid Length")
    if code == ErrorCode.INSUFFICIENT_AUTHORIZATION:
        return DBusError("org.bluez.Error.NotAuthorized",
                         "Operation Not Authorized")
    if code == ErrorCode.REQUEST_NOT_SUPPORTED:
        return DBusError("org.bluez.Error.NotSupported",
                         "Operation is not supported")
    return DBusError("org.bluez.Error.Failed",
                     f"Operation failed with ATT error: {code:#04x}")


class Char:
    """A BleakGATTCharacteristic as BlueZ would list it."""

    def __init__(self, char, service_uuid, mtu):
        self.uuid = char.uuid
        self.service_uuid = service_uuid
        # BlueZ's object paths carry the declaration handle.
        self.handle = char.declaration
        self.value_handle = char.value_handle
        self.properties = [name for bit, name in PROPS
                           if char.properties & bit]
        self.cccd = next((d.handle for d in char.descriptors
                          if d.uuid == uuids.sig(0x2902)), None)
        self.max_write_without_response_size = mtu - 3


class Service:
    def __init__(self, uuid, characteristics):
        self.uuid = uuid
        self.characteristics = characteristics


class BlueZOverSocket:
    """A connected bleak client whose bluetoothd is the socket transport.

    The AttClient is used only on the link's event loop after set-up:
    the requests run there, and a reader on the socket delivers
    notifications as they arrive, as BlueZ's PropertiesChanged would.
    """

    def __init__(self, att: AttClient, loop):
        self.att = att
        self.loop = loop
        att.exchange_mtu(247)
        self.services = [
            Service(s.uuid, [Char(c, s.uuid, att.mtu)
                             for c in s.characteristics])
            for s in att.discover() if s.uuid not in HIDDEN]
        self.mtu_size = 23          # as bleak reports it on BlueZ
        self.callbacks = {}         # value handle -> (char, callback)
        self.disconnected_callback = None
        self.lost = False
        loop.call_soon_threadsafe(loop.add_reader, att.fileno(), self._deliver)

    def _lose(self):
        if not self.lost:
            self.lost = True
            self.loop.remove_reader(self.att.fileno())
            if self.disconnected_callback:
                self.disconnected_callback(self)

    def _deliver(self):
        while not self.lost:
            try:
                handle, value = self.att.wait_any_notification(
                    self.callbacks, 0)
            except Timeout:
                return
            except Disconnected:
                self._lose()
                return
            char, callback = self.callbacks[handle]
            callback(char, bytearray(value))

    def _att(self, operation):
        if self.lost:
            raise DBusError("org.bluez.Error.Failed", "Not connected")
        try:
            return operation()
        except AttError as exc:
            raise bluez_error(exc) from exc
        except Disconnected as exc:
            self._lose()
            raise DBusError("org.bluez.Error.Failed", "Not connected") \
                from exc
        finally:
            self._deliver()

    async def read_gatt_char(self, char):
        return bytearray(self._att(lambda: self.att.read(char.value_handle)))

    async def write_gatt_char(self, char, data, response=False):
        if response:
            self._att(lambda: self.att.write(char.value_handle, bytes(data)))
        else:
            self._att(lambda: self.att.write_command(char.value_handle,
                                                     bytes(data)))

    async def start_notify(self, char, callback):
        self._att(lambda: self.att.write(char.cccd, b"\x01\x00"))
        self.callbacks[char.value_handle] = (char, callback)

    async def stop_notify(self, char):
        self._att(lambda: self.att.write(char.cccd, b"\x00\x00"))
        self.callbacks.pop(char.value_handle, None)

    async def disconnect(self):
        if not self.lost:
            self.lost = True
            self.loop.remove_reader(self.att.fileno())
        self.att.close()
        return True


# ------------------------------------------------------------ fixtures

@pytest.fixture
def emulator(bus, emulator_binary, tmp_path):
    binary = emulator_binary
    band = BandProcess(binary, DEFAULT_PATH, tmp_path / "band",
                       control_address=bus, clock_rate=0,
                       clock_start=CLOCK_START, auth_key=TEST_KEY)
    band.workdir.mkdir()
    band.start()
    yield band
    if not band.stopped:
        assert band.stop() == 0, band.log_tail()


@pytest.fixture
def ctl(bus, emulator):
    client = ControlClient(bus)
    yield client
    client.close()


@pytest.fixture
def bridged(emulator):
    """A BleakLink whose 'BlueZ' is the emulator's socket."""
    link = BleakLink(None, PROFILE, timeout=2.0)
    att = emulator.connect()
    bridge = BlueZOverSocket(att, link.runner.loop)
    bridge.disconnected_callback = link._on_disconnect
    link.client = bridge
    link.resolve()
    yield link
    link.close()


# --------------------------------------------------------------- tests

def test_bridge_resolves_like_bluez(bridged):
    assert bridged.mtu == 23 and bridged.exchange_mtu(517) == 247
    assert {"device-name", "appearance", "ppcp", "service-changed"} == \
        set(bridged.missing)
    revision = PROFILE.characteristic("software-revision")
    assert bridged.read(revision.value_handle) == b"V1.0.9.70"


def test_protected_cccd_before_auth_is_0x08(bridged):
    fetch = FetchClient(bridged, PROFILE)
    with pytest.raises(AttError) as info:
        fetch.enable_notifications()
    assert (info.value.opcode, info.value.handle, info.value.code) == \
        (Op.WRITE_REQ, fetch.control_cccd,
         ErrorCode.INSUFFICIENT_AUTHORIZATION)


def test_wrong_key_is_refused(bridged):
    from bandsim.clients.auth import AuthRefused
    huami = HuamiClient(bridged, PROFILE)
    huami.enable_notifications()
    with pytest.raises(AuthRefused):
        huami.authenticate(OTHER_KEY)


def test_auth_and_sync_match_ground_truth(bridged, ctl):
    ctl.advance_clock(6 * 3600)
    truth = ctl.get_samples(0, 1 << 63)
    huami = HuamiClient(bridged, PROFILE)
    huami.enable_notifications()
    huami.authenticate(TEST_KEY)
    fetch = FetchClient(bridged, PROFILE)
    fetch.enable_notifications()
    state = SyncState(CLOCK_START - 86400)
    fetch.sync(state)
    assert state.samples == truth and len(truth) == 360
    assert fetch.last_transfer.sizes[0] == 1 + 60 * 4      # MTU 247
    assert ctl.acked_until() == truth[-1][0]


def test_resources_upload(bridged, ctl):
    huami = HuamiClient(bridged, PROFILE)
    huami.enable_notifications()
    huami.authenticate(TEST_KEY)
    fw = FirmwareClient(bridged, PROFILE)
    fw.enable_notifications()
    fw.update(fixture("mb4-res-v80.res"), TYPE_RESOURCES)
    assert ctl.firmware()["resources"] == "v80"


def test_band_ending_the_link(bridged, ctl, emulator):
    auth = PROFILE.characteristic("auth")
    bridged.write(auth.cccd_handle, b"\x01\x00")
    ctl.reboot()
    with pytest.raises(Disconnected):
        bridged.wait_notification(auth.value_handle, Deadline(2.0))
    with pytest.raises(Disconnected):
        bridged.write_command(auth.value_handle, b"\x02\x00")
    emulator.wait_status("DISCONNECTED=1")


def test_cli_over_the_bridge(bridged, ctl, capsys, monkeypatch):
    """The CLI's --address path: a BleakLink where bleak would be."""
    from bandsim.tools.cli import common, main
    ctl.advance_clock(2 * 3600)
    seen = {}

    def connect(target, timeout, profile):
        seen.update(target=str(target), timeout=timeout)
        return bridged
    monkeypatch.setattr(common, "connect", connect)
    address = ["--address", "e1:23:45:67:89:ab", "--adapter", "hci1"]
    assert main(["sync", *address, "--auth-key", TEST_KEY.hex()]) == 0
    out = capsys.readouterr().out
    assert "  samples   120" in out.splitlines()
    assert seen == {"target": "bluez:E1:23:45:67:89:AB@hci1",
                    "timeout": common.BLUEZ_CONNECT_TIMEOUT}
    assert ctl.acked_until() == CLOCK_START + 119 * 60


def test_cli_scan_over_the_bridge(bridged, emulator, capsys, monkeypatch):
    """BlueZ hides 0x1800, so the name is not readable; the System ID
    and the Software Revision are."""
    from bandsim.tools.cli import common, main
    monkeypatch.setattr(common, "connect", lambda *a, **k: bridged)
    assert main(["scan", "--address", "E1:23:45:67:89:AB"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "(not readable) (ATT error 0x01)"
    assert f"  address   {emulator.identity()['address']} (from System ID)" \
        in lines
    assert "  software  V1.0.9.70" in lines
