#!/usr/bin/python3
"""Inside the VM (ci/vm/probe): proves that BlueZ works on btvirt's controllers.

hci0 and hci1 are on the bus, powered and pairable; hci1 starts an LE
discovery, then hci0 registers an advertisement named "probe", and hci1 must
see a Device1 of that name before the deadline.  Waits on D-Bus signals, not
on sleeps.  Exit status 0 on success.
"""

import resource
import sys
import time

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

BLUEZ = "org.bluez"
ADAPTER = "org.bluez.Adapter1"
DEVICE = "org.bluez.Device1"
PROPS = "org.freedesktop.DBus.Properties"
OM = "org.freedesktop.DBus.ObjectManager"
ADV_PATH = "/io/bandsim/probe/adv0"
NAME = "probe"
DEADLINE = 30.0

start = time.monotonic()


def say(msg):
    print(f"probe: [{time.monotonic() - start:5.2f}] {msg}", flush=True)


class Advertisement(dbus.service.Object):
    """The smallest org.bluez.LEAdvertisement1: connectable, named."""

    PROPERTIES = {
        "Type": dbus.String("peripheral"),
        "LocalName": dbus.String(NAME),
        "Discoverable": dbus.Boolean(True),
    }

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        if interface != "org.bluez.LEAdvertisement1":
            raise dbus.exceptions.DBusException(
                "org.freedesktop.DBus.Error.InvalidArgs", interface)
        return self.PROPERTIES

    @dbus.service.method("org.bluez.LEAdvertisement1")
    def Release(self):
        say("advertisement released")


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    objects = dbus.Interface(bus.get_object(BLUEZ, "/"), OM).GetManagedObjects()
    addresses = {}
    for hci in ("hci0", "hci1"):
        props = objects.get(dbus.ObjectPath(f"/org/bluez/{hci}"), {}).get(ADAPTER)
        if props is None:
            say(f"FAIL: no {ADAPTER} on /org/bluez/{hci}")
            return 1
        if not props["Powered"] or not props["Pairable"]:
            say(f"FAIL: {hci} Powered={bool(props['Powered'])} Pairable={bool(props['Pairable'])}")
            return 1
        addresses[hci] = str(props["Address"])
        say(f"{hci} {addresses[hci]}: powered, pairable")

    loop = GLib.MainLoop()
    outcome = {"rc": 1}

    def finish(rc, msg):
        if outcome.get("done"):
            return
        outcome.update(done=True, rc=rc)
        say(msg)
        loop.quit()

    def check_device(path, props):
        if not str(path).startswith("/org/bluez/hci1/"):
            return
        name = props.get("Name", props.get("Alias"))
        if name != NAME:
            return
        # The advertiser is hci0 itself (privacy is off: its public address).
        addr = str(dbus.Interface(bus.get_object(BLUEZ, path), PROPS).Get(DEVICE, "Address"))
        if addr != addresses["hci0"]:
            finish(1, f"FAIL: {path} is named {NAME!r} but is {addr}, not hci0 ({addresses['hci0']})")
        else:
            finish(0, f"hci1 discovered {path}: Name {str(name)!r}, Address {addr} (hci0)")

    def interfaces_added(path, interfaces):
        if DEVICE in interfaces:
            check_device(path, interfaces[DEVICE])

    def properties_changed(interface, changed, _invalidated, path=None):
        if interface == DEVICE and ("Name" in changed or "Alias" in changed):
            check_device(path, dict(changed))

    bus.add_signal_receiver(interfaces_added, "InterfacesAdded", OM, BLUEZ)
    bus.add_signal_receiver(properties_changed, "PropertiesChanged", PROPS, BLUEZ,
                            path_keyword="path")
    GLib.timeout_add(int(DEADLINE * 1000), lambda: finish(
        1, f"FAIL: hci1 saw no device named {NAME!r} within {DEADLINE:.0f} s"))

    # The central scans first: btvirt reports advertising to a scanner only
    # when scanning or advertising gets enabled.
    hci1 = dbus.Interface(bus.get_object(BLUEZ, "/org/bluez/hci1"), ADAPTER)
    hci1.SetDiscoveryFilter({"Transport": "le", "DuplicateData": True})
    hci1.StartDiscovery()  # replies once the controller scans
    say("hci1 discovering")

    adv = Advertisement(bus, ADV_PATH)
    manager = dbus.Interface(bus.get_object(BLUEZ, "/org/bluez/hci0"),
                             "org.bluez.LEAdvertisingManager1")
    # Asynchronous: bluetoothd calls back GetAll before it replies.
    manager.RegisterAdvertisement(
        ADV_PATH, {},
        reply_handler=lambda: say(f"hci0 advertising as {NAME!r}"),
        error_handler=lambda e: finish(1, f"FAIL: RegisterAdvertisement: {e}"))

    loop.run()

    try:
        manager.UnregisterAdvertisement(ADV_PATH)
        hci1.StopDiscovery()
    except dbus.exceptions.DBusException as e:
        say(f"cleanup: {e}")
    adv.remove_from_connection()
    with open("/proc/meminfo") as f:
        mem = dict(line.split(":", 1) for line in f)
    say(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB, "
        f"MemAvailable {int(mem['MemAvailable'].split()[0]) // 1024} MB "
        f"of {int(mem['MemTotal'].split()[0]) // 1024} MB")
    say("OK" if outcome["rc"] == 0 else "failed")
    return outcome["rc"]


if __name__ == "__main__":
    sys.exit(main())
