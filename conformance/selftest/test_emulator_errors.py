"""What the emulator tells a person when it cannot be the band they asked
for (docs/bluez.md, docs/install.md): each message says what was wrong
and what to do.  The messages are the product here, so these tests read
the emulator's stderr; the emulator runs with no real Bluetooth, a
private bus standing in for the system bus, and a bluetoothd that is a
few D-Bus objects of the test's own."""

import os
import select
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from bandsim.harness.bus import PrivateBus
from bandsim.link.deadline import Deadline

BINARY = Path(os.environ.get("BANDSIM", Path(__file__).resolve().parents[2]
                             / "build" / "emulator" / "bandsim"))
PROFILE = Path(__file__).resolve().parents[2] / "profiles" / "miband4.ini"
WAIT = 10.0


def emulator(tmp_path, *args, env=None):
    return subprocess.Popen(
        [str(BINARY), "--profile", str(PROFILE), "--state-dir",
         str(tmp_path / "state"), "--control-bus", "none", *args],
        env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stderr_until(proc, wanted: str, timeout: float = WAIT) -> str:
    """The emulator's stderr up to wanted (or its exit), against a
    deadline.  Read from the pipe's fd itself: a buffered readline()
    could hold the line wanted while select() waits on an empty pipe."""
    deadline = Deadline(timeout)
    fd = proc.stderr.fileno()
    seen = b""
    while not deadline.expired and wanted.encode() not in seen:
        ready, _, _ = select.select([fd], [], [], deadline.remaining())
        if not ready:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        seen += chunk
    return seen.decode(errors="replace")


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=WAIT)
    finally:
        proc.stderr.close()


def test_no_system_bus(tmp_path):
    proc = emulator(tmp_path, "--transport", "bluez", "--adapter", "hci0",
                    env={"DBUS_SYSTEM_BUS_ADDRESS":
                         f"unix:path={tmp_path}/no-bus"})
    try:
        assert proc.wait(timeout=WAIT) != 0
        err = proc.stderr.read()
    finally:
        stop(proc)
    assert "--transport bluez needs the system bus and bluetoothd" in err
    assert "systemctl start dbus bluetooth" in err
    assert "--transport sock or l2cap" in err


@pytest.fixture
def system_bus():
    with PrivateBus() as bus:
        yield bus.address


def test_no_bluetoothd(tmp_path, system_bus):
    proc = emulator(tmp_path, "--transport", "bluez", "--adapter", "hci0",
                    env={"DBUS_SYSTEM_BUS_ADDRESS": system_bus})
    try:
        err = stderr_until(proc, "not on the system bus")
        assert proc.poll() is None      # it waits for bluetoothd
    finally:
        stop(proc)
    assert "bluetoothd (org.bluez) is not on the system bus" in err
    assert "systemctl start bluetooth" in err


ADAPTER_XML = """<node>
  <interface name="org.bluez.Adapter1">
    <property name="Address" type="s" access="read"/>
    <property name="Alias" type="s" access="readwrite"/>
    <property name="Powered" type="b" access="readwrite"/>
  </interface>
</node>"""


MANAGERS_XML = """<node>
  <interface name="org.bluez.GattManager1">
    <method name="RegisterApplication">
      <arg type="o" direction="in"/><arg type="a{sv}" direction="in"/>
    </method>
  </interface>
  <interface name="org.bluez.LEAdvertisingManager1">
    <method name="RegisterAdvertisement">
      <arg type="o" direction="in"/><arg type="a{sv}" direction="in"/>
    </method>
  </interface>
</node>"""


class FakeBluetoothd:
    """org.bluez with hci0 and, unless old, the GATT and advertising
    managers, whose advertising refuses every advertisement (an adapter
    that cannot advertise).  old: no GattManager1 and no
    LEAdvertisingManager1, as a bluetoothd from before 5.50 or built
    without them."""

    def __init__(self, address: str, old: bool = False):
        self.old = old
        from gi.repository import Gio, GLib
        self.GLib = GLib
        self.context = GLib.MainContext.new()
        self.loop = GLib.MainLoop.new(self.context, False)
        self.address = address
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.Gio = Gio

    def _run(self):
        Gio, GLib = self.Gio, self.GLib
        self.context.push_thread_default()
        conn = Gio.DBusConnection.new_for_address_sync(
            self.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        adapter = {"Address": GLib.Variant("s", "00:AA:01:00:00:00"),
                   "Alias": GLib.Variant("s", "old"),
                   "Powered": GLib.Variant("b", True)}
        info = Gio.DBusNodeInfo.new_for_xml(ADAPTER_XML).interfaces[0]

        def get(conn, sender, path, iface, name):
            return adapter[name]

        def set_(conn, sender, path, iface, name, value):
            adapter[name] = value
            return True

        conn.register_object("/org/bluez/hci0", info, None, get, set_)
        objects = {"org.bluez.Adapter1": adapter}
        if not self.old:
            def manage(conn, sender, path, iface, method, params, inv):
                if method == "RegisterApplication":
                    inv.return_value(None)
                else:
                    inv.return_dbus_error("org.bluez.Error.Failed",
                                          "Failed to register advertisement")

            for iface in Gio.DBusNodeInfo.new_for_xml(
                    MANAGERS_XML).interfaces:
                conn.register_object("/org/bluez/hci0", iface, manage, None,
                                     None)
                objects[iface.name] = {}
        manager = Gio.DBusNodeInfo.new_for_xml(
            """<node><interface name="org.freedesktop.DBus.ObjectManager">
            <method name="GetManagedObjects">
            <arg type="a{oa{sa{sv}}}" direction="out"/></method>
            </interface></node>""").interfaces[0]

        def call(conn, sender, path, iface, method, params, invocation):
            invocation.return_value(GLib.Variant(
                "(a{oa{sa{sv}}})", ({"/org/bluez/hci0": objects},)))

        conn.register_object("/", manager, call, None, None)
        Gio.bus_own_name_on_connection(conn, "org.bluez",
                                       Gio.BusNameOwnerFlags.NONE,
                                       lambda *a: self.ready.set(), None)
        self.loop.run()
        conn.close_sync(None)
        self.context.pop_thread_default()

    def __enter__(self):
        self.thread.start()
        assert self.ready.wait(WAIT), "the fake org.bluez took no name"
        return self

    def __exit__(self, *exc):
        self.context.invoke_full(self.GLib.PRIORITY_DEFAULT,
                                 lambda: self.loop.quit() or False)
        self.thread.join(WAIT)


def test_bluetoothd_too_old(tmp_path, system_bus):
    with FakeBluetoothd(system_bus, old=True):
        proc = emulator(tmp_path, "--transport", "bluez", "--adapter",
                        "hci0", env={"DBUS_SYSTEM_BUS_ADDRESS": system_bus})
        try:
            err = stderr_until(proc, "LEAdvertisingManager1 there")
        finally:
            stop(proc)
    assert "hci0: bluetoothd offers no org.bluez.GattManager1 there" in err
    assert "hci0: bluetoothd offers no org.bluez.LEAdvertisingManager1" \
        in err
    assert "BlueZ 5.50 or newer is needed" in err


def test_adapter_that_cannot_advertise(tmp_path, system_bus):
    with FakeBluetoothd(system_bus):
        proc = emulator(tmp_path, "--transport", "bluez", "--adapter",
                        "hci0", env={"DBUS_SYSTEM_BUS_ADDRESS": system_bus})
        try:
            err = stderr_until(proc, "cannot advertise")
        finally:
            stop(proc)
    assert "hci0: cannot advertise: Failed to register advertisement" in err
    assert "no central will find the band" in err
    assert "bluetoothctl show" in err


def _has_bluetooth() -> bool:
    try:
        socket.socket(socket.AF_BLUETOOTH, socket.SOCK_RAW, 1).close()
        return True
    except (OSError, AttributeError):
        return False


@pytest.mark.skipif(_has_bluetooth(), reason="this kernel has Bluetooth: "
                    "the adapter check then depends on the machine's "
                    "adapters (the VM tier covers it)")
def test_no_bluetooth_for_l2cap(tmp_path):
    proc = emulator(tmp_path, "--transport", "l2cap", "--adapter", "hci0")
    try:
        assert proc.wait(timeout=WAIT) != 0
        err = proc.stderr.read()
    finally:
        stop(proc)
    assert "hci0: the Bluetooth management socket" in err
    assert "no Bluetooth in this kernel" in err


def test_a_profile_error_names_file_line_and_field(tmp_path):
    """A typo in a profile stops the band at start, naming where it is."""
    bad = tmp_path / "miband4.ini"
    lines = PROFILE.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines)
              if line.startswith("confirm-window-s"))
    lines[at] = lines[at].replace("confirm-window-s", "confirm-windw-s")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = subprocess.Popen(
        [str(BINARY), "--profile", str(bad), "--socket",
         str(tmp_path / "band.sock"), "--state-dir", str(tmp_path / "state"),
         "--control-bus", "none"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    try:
        assert proc.wait(timeout=WAIT) != 0
        err = proc.stderr.read()
    finally:
        stop(proc)
    assert f"{bad}:{at + 1}:" in err
    assert "confirm-windw-s" in err and "unknown key" in err
