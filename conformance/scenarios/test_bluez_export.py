"""What the BlueZ transport hands bluetoothd, checked on a private bus.

With ``--transport bluez`` the emulator exports a GATT application and an
advertisement (docs/bluez.md) and waits for org.bluez to register them.
Here nothing plays bluetoothd: the test reads the exported objects from
the emulator's own connection, the way bluetoothd does, and checks them
against the profile.  The run through a real bluetoothd is the VM tier
(ci/vm, docs/bluez.md "CI").
"""

import struct

import pytest

gi = pytest.importorskip("gi")
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

from bandsim.harness.process import BandProcess  # noqa: E402
from bandsim.harness.suite import CLOCK_START, TEST_KEY  # noqa: E402
from bandsim.protocol.profile import DEFAULT_PATH, Profile  # noqa: E402

PROFILE = Profile.load(DEFAULT_PATH)
APP_ROOT = "/io/bandsim/gatt"
ADV_PATH = "/io/bandsim/advertisement0"
CALL_TIMEOUT_MS = 5000
# Served by bluetoothd itself, never by the application.
BLUEZ_SERVICES = {"00001800-0000-1000-8000-00805f9b34fb",
                  "00001801-0000-1000-8000-00805f9b34fb"}
CHR_METHODS = {"ReadValue", "WriteValue", "StartNotify", "StopNotify",
               "Confirm"}


@pytest.fixture
def bluez_band(bus, emulator_binary, tmp_path):
    """An emulator on --transport bluez whose "system bus" is the test's
    private bus: it exports its objects and waits for bluetoothd."""
    proc = BandProcess(emulator_binary, DEFAULT_PATH, tmp_path,
                       control_address=bus, clock_rate=0,
                       clock_start=CLOCK_START, auth_key=TEST_KEY,
                       adapter="hci0",
                       env={"DBUS_SYSTEM_BUS_ADDRESS": bus})
    proc.start(advertising=False)
    conn = Gio.DBusConnection.new_for_address_sync(
        bus, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    yield proc, conn, application_owner(conn)
    conn.close_sync(None)
    assert proc.stop() == 0, proc.log_tail()


def call(conn, dest, path, iface, method, params=None):
    return conn.call_sync(dest, path, iface, method, params, None,
                          Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS,
                          None).unpack()


def application_owner(conn):
    """The connection that exports the GATT application, found as
    bluetoothd finds it: the one that answers at its root (the control
    plane has a connection of its own)."""
    names = call(conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                 "org.freedesktop.DBus", "ListNames")[0]
    found = []
    for name in names:
        if not name.startswith(":") or name == conn.get_unique_name():
            continue
        try:
            managed_objects(conn, name)
        except GLib.Error:
            continue
        found.append(name)
    assert len(found) == 1, found
    return found[0]


def managed_objects(conn, owner):
    return call(conn, owner, APP_ROOT, "org.freedesktop.DBus.ObjectManager",
                "GetManagedObjects")[0]


@pytest.mark.emulator_process("starts the emulator on the BlueZ transport")
def test_gatt_application_matches_profile(bluez_band):
    """MB4/BLUEZ/BV-10: the exported GATT application is the profile.

    GetManagedObjects at /io/bandsim/gatt lists, in profile order, one
    org.bluez.GattService1 per service but Generic Access and Generic
    Attribute (bluetoothd's own) and one GattCharacteristic1 per
    characteristic with its UUID, its flags as the profile's properties
    and its service.  Every Handle is fixed: from the first service the
    profile pins on, the band's handles (0x33 for 0xFEE0, value 0x38 for
    00000002, 0x4A for 00000010); the services before it keep their
    layout, moved up to end just before 0x33, clear of bluetoothd's own
    GAP and GATT services.
    """
    _, conn, owner = bluez_band
    objects = managed_objects(conn, owner)
    services = [s for s in PROFILE.services if s.uuid not in BLUEZ_SERVICES]
    paths = sorted(objects)
    svc_paths = [p for p in paths if p.count("/") == 4]
    assert len(svc_paths) == len(services)
    # From the first pinned service on, the band's handles; the services
    # before it keep their layout, moved up to end just before it.
    first = next(i for i, svc in enumerate(services)
                 if svc.handle_hint is not None)
    shift = services[first].declaration_handle - 1 - \
        services[first - 1].end_handle if first else 0
    for i, (path, service) in enumerate(zip(svc_paths, services)):
        props = objects[path]["org.bluez.GattService1"]
        assert props["UUID"] == service.uuid
        assert props["Primary"] is True
        moved = shift if i < first else 0
        assert props["Handle"] == service.declaration_handle + moved, \
            (service.name, props["Handle"])
        chr_paths = sorted(p for p in paths if p.startswith(path + "/"))
        assert len(chr_paths) == len(service.characteristics)
        for cpath, char in zip(chr_paths, service.characteristics):
            cprops = objects[cpath]["org.bluez.GattCharacteristic1"]
            assert cprops["UUID"] == char.uuid
            assert cprops["Service"] == path
            assert set(cprops["Flags"]) == set(char.properties)
            assert cprops["Notifying"] is False
            assert cprops["Handle"] == char.value_handle + moved
    # Nothing overlaps, and the block before the pin ends right before it.
    assert services[first - 1].end_handle + shift == \
        services[first].declaration_handle - 1
    # The objects come in profile order: bluetoothd lays out handles in
    # the order GetManagedObjects lists them.
    assert list(objects) == [p for s in svc_paths
                             for p in [s] + sorted(q for q in paths
                                                   if q.startswith(s + "/"))]
    pinned = {c.name: c for c in PROFILE.characteristics()}
    by_uuid = {objects[p]["org.bluez.GattCharacteristic1"]["UUID"]:
               objects[p]["org.bluez.GattCharacteristic1"]["Handle"]
               for p in paths if p.count("/") == 5}
    assert by_uuid[pinned["sensor-data"].uuid] == 0x38
    assert by_uuid["00000010-0000-3512-2118-0009af100700"] == 0x4A


@pytest.mark.emulator_process("starts the emulator on the BlueZ transport")
def test_characteristic_interface(bluez_band):
    """MB4/BLUEZ/BV-11: each characteristic object introspects as
    org.bluez.GattCharacteristic1 with ReadValue(a{sv})->ay,
    WriteValue(ay, a{sv}), StartNotify, StopNotify and Confirm, and a
    writable Handle that bluetoothd sets to the handle it assigned."""
    _, conn, owner = bluez_band
    path = next(p for p in managed_objects(conn, owner) if p.count("/") == 5)
    xml = call(conn, owner, path, "org.freedesktop.DBus.Introspectable",
               "Introspect")[0]
    node = Gio.DBusNodeInfo.new_for_xml(xml)
    iface = node.lookup_interface("org.bluez.GattCharacteristic1")
    assert {m.name for m in iface.methods} == CHR_METHODS
    read = iface.lookup_method("ReadValue")
    assert [a.signature for a in read.in_args] == ["a{sv}"]
    assert [a.signature for a in read.out_args] == ["ay"]
    write = iface.lookup_method("WriteValue")
    assert [a.signature for a in write.in_args] == ["ay", "a{sv}"]
    handle = iface.lookup_property("Handle")
    assert handle.signature == "q"
    assert handle.flags & Gio.DBusPropertyInfoFlags.WRITABLE
    call(conn, owner, path, "org.freedesktop.DBus.Properties", "Set",
         GLib.Variant("(ssv)", ("org.bluez.GattCharacteristic1", "Handle",
                                GLib.Variant("q", 0x0123))))
    got = call(conn, owner, path, "org.freedesktop.DBus.Properties", "Get",
               GLib.Variant("(ss)", ("org.bluez.GattCharacteristic1",
                                     "Handle")))[0]
    assert got == 0x0123


@pytest.mark.emulator_process("starts the emulator on the BlueZ transport")
def test_calls_without_a_link_are_refused(bluez_band):
    """MB4/BLUEZ/BI-10: a ReadValue that names no connected device gets
    org.bluez.Error.Failed, and the band stays without a link."""
    proc, conn, owner = bluez_band
    serial = PROFILE.characteristic("serial-number")
    objects = managed_objects(conn, owner)
    path = next(p for p, i in objects.items()
                if i.get("org.bluez.GattCharacteristic1", {}).get("UUID")
                == serial.uuid)
    with pytest.raises(GLib.Error) as err:
        call(conn, owner, path, "org.bluez.GattCharacteristic1", "ReadValue",
             GLib.Variant("(a{sv})", ({},)))
    assert Gio.DBusError.get_remote_error(err.value) == "org.bluez.Error.Failed"
    assert proc.pending("CONNECTED=1") == 0


@pytest.mark.emulator_process("starts the emulator on the BlueZ transport")
def test_advertisement(bluez_band):
    """MB4/BLUEZ/BV-12: the advertisement object carries protocol §1:
    Type peripheral, LocalName "Mi Smart Band 4", manufacturer data for
    0x0157 (24 bytes, heart rate 0xFF at index 3 until measured) and
    service data on 0xFEE0 with the day's steps (u32 LE, 0 at start)."""
    _, conn, owner = bluez_band
    props = call(conn, owner, ADV_PATH, "org.freedesktop.DBus.Properties",
                 "GetAll", GLib.Variant("(s)", ("org.bluez.LEAdvertisement1",)))[0]
    assert props["Type"] == "peripheral"
    assert props["LocalName"] == "Mi Smart Band 4"
    assert props["Discoverable"] is True
    mfr = bytes(props["ManufacturerData"][0x0157])
    assert len(mfr) == 24
    assert mfr[3] == 0xFF
    steps = bytes(props["ServiceData"]["0000fee0-0000-1000-8000-00805f9b34fb"])
    assert struct.unpack("<I", steps) == (0,)
