"""The band as another BlueZ machine sees it over the air.

Runs with ``--emu-bluez BAND,CENTRAL`` (the VM tier, ci/vm): the emulator
on the first adapter, ``bluetoothctl`` on the second, as a person checking
a spare-adapter setup would (docs/bluez.md).
"""

import re
import subprocess

import pytest

from bandsim.harness import targets
from bandsim.protocol.profile import DEFAULT_PATH, Profile

PROFILE = Profile.load(DEFAULT_PATH)
MIBAND_SERVICE_DATA = "0000fee0-0000-1000-8000-00805f9b34fb"
ADVERT_TIMEOUT = 20.0
BLUETOOTHCTL_TIMEOUT = 20
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\x01|\x02")


def bluetoothctl(central_address: str, *commands: str) -> str:
    """Runs commands in bluetoothctl on the central's controller; its
    output without colours and prompts' escape codes."""
    script = "".join(f"{c}\n" for c in
                     (f"select {central_address}",) + commands + ("quit",))
    done = subprocess.run(["bluetoothctl"], input=script, text=True,
                          capture_output=True, timeout=BLUETOOTHCTL_TIMEOUT,
                          check=False)
    return ANSI.sub("", done.stdout)


def wait_advertised(central: str, address: str) -> dict:
    """Device1 of the band on the central, once both advertisements (the
    band's data goes out in two where 31 bytes cannot hold it) were
    seen.  Re-checked on every signal from bluetoothd, until a deadline."""
    from gi.repository import Gio, GLib

    conn = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    path = f"/org/bluez/{central}/dev_{address.replace(':', '_')}"
    expired = []
    subs = [conn.signal_subscribe("org.bluez", iface, member, None, None,
                                  Gio.DBusSignalFlags.NONE,
                                  lambda *_: None)
            for iface, member in (
                ("org.freedesktop.DBus.Properties", "PropertiesChanged"),
                ("org.freedesktop.DBus.ObjectManager", "InterfacesAdded"))]
    timer = GLib.timeout_add(int(ADVERT_TIMEOUT * 1000),
                             lambda: expired.append(True) or False)
    context = GLib.MainContext.default()
    try:
        while True:
            try:
                props = conn.call_sync(
                    "org.bluez", path, "org.freedesktop.DBus.Properties",
                    "GetAll", GLib.Variant("(s)", ("org.bluez.Device1",)),
                    None, Gio.DBusCallFlags.NONE, 2000, None).unpack()[0]
            except GLib.Error:
                props = {}
            if 0x0157 in props.get("ManufacturerData", {}) and \
                    MIBAND_SERVICE_DATA in props.get("ServiceData", {}):
                return props
            if expired:
                pytest.fail(f"{address} not advertised with both "
                            f"manufacturer and service data on {central} "
                            f"within {ADVERT_TIMEOUT} s: {props}")
            context.iteration(True)
    finally:
        if not expired:
            GLib.source_remove(timer)
        for sub in subs:
            conn.signal_unsubscribe(sub)


@pytest.mark.emulator_process("starts the emulator on the BlueZ transport")
def test_bluetoothctl_sees_the_band(band, target):
    """MB4/BLUEZ/BV-20: bluetoothctl on another adapter lists the band

    "Mi Smart Band 4" with manufacturer data for 0x0157 (24 bytes, heart
    rate 0xFF at index 3) and service data on 0xFEE0 (the day's steps,
    u32 LE); once connected, info lists the profile's services.
    """
    if not target.emu_bluez:
        pytest.skip("needs --emu-bluez: two BlueZ adapters (ci/vm)")
    band_adapter, central = target.emu_bluez
    address = targets.adapter_address(band_adapter)
    central_address = targets.adapter_address(central)
    props = wait_advertised(central, address)
    info = bluetoothctl(central_address, f"info {address}")
    assert f"Device {address}" in info, info
    assert "Name: Mi Smart Band 4" in info, info
    assert "ManufacturerData Key: 0x0157" in info, info
    assert f"ServiceData Key: {MIBAND_SERVICE_DATA}" in info, info
    # The bytes behind those keys, as bluetoothd holds them.
    mfr = bytes(props["ManufacturerData"][0x0157])
    assert len(mfr) == 24 and mfr[3] == 0xFF, mfr.hex(" ")
    assert bytes(props["ServiceData"][MIBAND_SERVICE_DATA]) == bytes(4)

    link = band.connect()
    try:
        info = bluetoothctl(central_address, f"info {address}")
        assert "Connected: yes" in info, info
        listed = set(re.findall(r"UUID: .*\(([0-9a-f-]{36})\)", info))
        wanted = {s.uuid for s in PROFILE.services}
        assert wanted <= listed, sorted(wanted - listed)
    finally:
        band.disconnect(link)
