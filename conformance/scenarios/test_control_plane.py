"""The control plane itself: io.bandsim.Band1 as documented.

docs/dbus/io.bandsim.Band1.md is a public interface (bandsim ctl and
other harnesses build on it), so its shape is checked from the
introspection data, and the methods that stand in for the user's hand
and for the passing of time are checked by their effects on the wire.
"""

import math
import subprocess
import xml.etree.ElementTree as ET

import pytest

from bandsim.clients import auth
from bandsim.clients.auth import HuamiClient
from bandsim.harness import control as control_module
from bandsim.harness.control import ControlClient, ControlError
from bandsim.harness.suite import CLOCK_START, TEST_KEY
from bandsim.protocol.profile import DEFAULT_PATH, Profile

from scenarios.helpers.events import heard

PROFILE = Profile.load(DEFAULT_PATH)
BATTERY = PROFILE.characteristic("battery")
DEVICE_EVENT = PROFILE.characteristic("device-event")

METHODS = {
    "PressButton": [],
    "LongPressButton": [],
    "FactoryReset": [],
    "Reboot": [],
    "AdvanceClock": [("d", "in")],
    "GetSamples": [("t", "in"), ("t", "in"), ("at", "out"), ("ay", "out")],
    "SetBattery": [("u", "in")],
    "SetCharging": [("b", "in")],
    "SetClockRate": [("d", "in")],
    "InjectFault": [("s", "in"), ("u", "out")],
    "ClearFaults": [],
    "SetAlarmEnabled": [("y", "in"), ("b", "in")],
    "FindPhone": [("b", "in")],
    "MusicControl": [("s", "in")],
    "SetSilentMode": [("b", "in")],
    "InjectDeviceEvent": [("y", "in"), ("ay", "in")],
    "AnswerCall": [("s", "in")],
    "StartWorkout": [("s", "in")],
    "StopWorkout": [],
    "GetWorkouts": [("aa{sv}", "out")],
}
PROPERTIES = {
    "State": ("s", "read"),
    "Prompt": ("s", "read"),
    "Bound": ("b", "read"),
    "KeyId": ("s", "read"),
    "Address": ("s", "read"),
    "Authenticated": ("b", "read"),
    "Busy": ("s", "read"),
    "Faults": ("a(us)", "read"),
    "AckedUntil": ("t", "read"),
    "Battery": ("u", "read"),
    "Charging": ("b", "read"),
    "Firmware": ("a{sv}", "read"),
    "Settings": ("a{sv}", "read"),
    "Screen": ("a{sv}", "read"),
    "Bonds": ("a(ss)", "read"),
    "StoredSamples": ("u", "read"),
    "Clock": ("t", "read"),
    "HeartRate": ("a{sv}", "read"),
    "Advertisement": ("a{sv}", "read"),
}
SIGNALS = {"Events": ["a(sa{sv})"]}
TEN_YEARS_S = 10 * 366 * 86400


@pytest.mark.needs_control("Introspect", "GetAll")
def test_introspection_matches_docs(band, control):
    """MB4/CTL/BV-01: io.bandsim.Band1 introspects exactly as documented

    A harness written from the docs (bandsim ctl, a CI script) must find
    every method, property and signal with the documented types.
    """
    root = ET.fromstring(control.introspect())
    found = [i for i in root.findall("interface")
             if i.get("name") == control_module.INTERFACE]
    assert len(found) == 1, control.introspect()
    iface = found[0]
    methods = {m.get("name"): [(a.get("type"), a.get("direction", "in"))
                               for a in m.findall("arg")]
               for m in iface.findall("method")}
    assert methods == METHODS
    props = {p.get("name"): (p.get("type"), p.get("access"))
             for p in iface.findall("property")}
    assert props == PROPERTIES
    signals = {s.get("name"): [a.get("type") for a in s.findall("arg")]
               for s in iface.findall("signal")}
    assert signals == SIGNALS
    values = control.get_all()
    assert set(values) == set(PROPERTIES)


@pytest.mark.needs_control("AdvanceClock", "Events", "PropertiesChanged",
                            "Battery")
def test_band_life_comes_in_one_signal(band, control):
    """MB4/CTL/BV-11: a stretch of band life arrives in one Events signal, before the call returns

    Two days of band time bring dozens of events (battery, sleep, the
    screen).  A client that moved the clock finds all of them, in order,
    in one Events signal that came before AdvanceClock's reply, and one
    PropertiesChanged after them with the values at their end: a month
    of band life is one message, not a thousand.
    """
    control.drain()
    batches, seen = len(control.batches), len(control.timeline)
    changes = len(control.property_changes)
    control.advance_clock(2 * 86400)
    new = control.timeline[seen:]       # no iteration since the reply
    names = {event.name for event in new}
    assert len(new) >= 10 and "battery-changed" in names, names
    assert control.batches[batches:] == [(new[0].seq, len(new))]
    after = control.property_changes[changes:]
    assert len({seq for seq, _, _ in after}) == 1, after
    assert after[0][0] > new[-1].seq
    assert ("Battery", control.get("Battery")) in \
        [(prop, value) for _, prop, value in after]


@pytest.mark.needs_control("AdvanceClock", "Clock")
@pytest.mark.emulator_process("band time frozen at CLOCK_START")
def test_frozen_clock_and_advance(band, control):
    """MB4/CTL/BV-02: AdvanceClock moves band time by exactly that much

    With --clock-rate 0 band time stands still at --clock-start, so a
    test can put the band a day ahead to the millisecond.
    """
    start = CLOCK_START * 1000
    assert control.get("Clock") == start
    control.advance_clock(1.5)
    assert control.get("Clock") == start + 1500
    control.advance_clock(0.001)
    assert control.get("Clock") == start + 1501
    control.advance_clock(86400)
    assert control.get("Clock") == start + 1501 + 86_400_000
    control.advance_clock(0)
    assert control.get("Clock") == start + 1501 + 86_400_000


@pytest.mark.needs_control("AdvanceClock", "Clock")
@pytest.mark.parametrize("seconds", [-1.0, math.nan, math.inf,
                                     TEN_YEARS_S + 86400.0],
                         ids=["negative", "nan", "inf", "over-10-years"])
def test_advance_clock_bad_args(band, control, seconds):
    """MB4/CTL/BI-01: AdvanceClock refuses negative, non-finite, absurd values

    A script bug (time going backwards, a NaN from a division) must not
    corrupt band time.
    """
    before = control.get("Clock")
    with pytest.raises(ControlError) as info:
        control.advance_clock(seconds)
    assert info.value.name == "io.bandsim.Error.InvalidArgs"
    assert control.get("Clock") == before


@pytest.mark.person("button")
def test_button_device_events(band, band_button, att):
    """MB4/CTL/BV-03: taps on the band reach a subscribed phone

    Gadgetbridge maps the band's button (device event 04, long press
    0B on 00000010) to actions such as play/pause.  The control plane
    taps the emulator and reports the taps; on a real band a person
    taps it (--interactive) and the notifications are the evidence.
    """
    control = band_button.control           # None when a person taps
    att.write(DEVICE_EVENT.cccd_handle, b"\x01\x00")
    band_button.press()
    assert heard(att).hex() == "04"
    if control is not None:
        control.wait_event("button-pressed")
    band_button.long_press()
    assert heard(att).hex() == "0b"
    if control is not None:
        control.wait_event("button-long-pressed")
        assert control.get("Prompt") == ""


@pytest.mark.needs_control("State", "Authenticated", "Events",
                           "PropertiesChanged")
def test_link_state_and_events(band, control):
    """MB4/CTL/BV-04: State, Authenticated and link events follow the link

    A dashboard showing whether a phone is connected and authenticated.
    """
    assert control.get("State") == "advertising"
    att = band.connect()
    control.wait_event("connected")
    assert control.get("State") == "connected"
    assert control.get("Authenticated") is False
    client = HuamiClient(att)
    client.enable_notifications()
    client.authenticate(TEST_KEY)
    assert control.get("Authenticated") is True
    band.disconnect(att)
    control.wait_event("disconnected")
    control.wait_property("State", "advertising")
    assert control.get("Authenticated") is False


@pytest.mark.needs_control("Reboot", "Address", "Bound", "KeyId",
                           "Authenticated", "Events")
def test_reboot_keeps_binding(band, control):
    """MB4/CTL/BV-05: a reboot drops the link and keeps everything stored

    A band that restarts (firmware watchdog, low battery) comes back
    with the same address and key; the phone reconnects and runs auth
    again.
    """
    address, key_id = control.get("Address"), control.get("KeyId")
    att = band.connect()
    try:
        client = HuamiClient(att)
        client.enable_notifications()
        client.authenticate(TEST_KEY)
        control.reboot()
        control.wait_event("reboot")
        band.wait_dropped()
    finally:
        att.close()
    assert control.get("Address") == address
    assert (control.get("Bound"), control.get("KeyId")) == (True, key_id)
    assert control.get("Authenticated") is False
    att = band.connect()
    try:
        client = HuamiClient(att)
        client.enable_notifications()
        client.authenticate(TEST_KEY)
        assert len(att.read(BATTERY.value_handle)) == 20
    finally:
        band.disconnect(att)


@pytest.mark.needs_control("PressButton", "Events", "PropertiesChanged")
@pytest.mark.emulator_process("a factory-new band")
def test_properties_changed_follow_binding(fresh_band, control, band_button):
    """MB4/CTL/BV-06: PropertiesChanged reports every binding milestone

    A UI that listens for PropertiesChanged instead of polling sees the
    prompt appear and go, the key arrive and the link authenticate.
    """
    att = fresh_band.connect()
    try:
        client = HuamiClient(att)
        client.enable_notifications()
        client.send_bind(TEST_KEY)
        control.wait_event("prompt-shown")
        band_button.press()
        client.wait_bind()
        client.authenticate(TEST_KEY)
        control.sync()
    finally:
        fresh_band.disconnect(att)
    control.wait_property("State", "advertising")
    changes = [(name, value) for _, name, value in control.property_changes]
    # Milestones in order; the changes within one step come in any order.
    steps = [[("State", "connected")],
             [("Prompt", "pair-confirm")],
             [("Prompt", ""), ("Bound", True),
              ("KeyId", auth.key_id(TEST_KEY))],
             [("Authenticated", True)],
             [("State", "advertising")]]
    last = -1
    for step in steps:
        for change in step:
            assert change in changes, f"no PropertiesChanged {change}: " \
                                      f"{changes}"
        positions = [changes.index(change) for change in step]
        assert min(positions) > last, f"{step} out of order: {changes}"
        last = max(positions)


@pytest.mark.needs_control("PressButton", "Address", "Bound", "Events")
@pytest.mark.emulator_process("two bands on one private bus")
@pytest.mark.socket_only(
    "two bands at once: over BlueZ one adapter serves one band")
def test_two_bands_on_one_bus(start_band, bus):
    """MB4/CTL/BV-07: several bands share a bus under their own names

    A test rig with a phone-side app talking to two bands: each band's
    control plane (--control-name) reaches that band only.
    """
    left = start_band(extra_args=["--control-name", "io.bandsim.left"])
    right = start_band(auth_key=None,
                       extra_args=["--control-name", "io.bandsim.right"])
    with ControlClient(bus, name="io.bandsim.left") as lc, \
            ControlClient(bus, name="io.bandsim.right") as rc:
        assert lc.get("Bound") is True and rc.get("Bound") is False
        assert lc.get("Address") != rc.get("Address")
        assert lc.get("Address") == left.identity()["address"]
        assert rc.get("Address") == right.identity()["address"]
        rc.press_button()
        rc.wait_event("button-pressed")
        lc.sync()
        assert lc.names() == []


def run_ctl(binary, *args):
    """bandsim ctl with a bounded wait; only its exit status is used."""
    return subprocess.run([str(binary), "ctl", *args],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=10).returncode


@pytest.mark.needs_control("PressButton", "AdvanceClock", "Clock", "Events")
@pytest.mark.emulator_process("runs bandsim ctl on the private bus")
def test_ctl_commands(band, control, bus, emulator_binary):
    """MB4/CTL/BV-08: bandsim ctl drives the band from a shell script

    A demo script taps the band and moves its clock with bandsim ctl.
    """
    start = control.get("Clock")
    assert run_ctl(emulator_binary, "--control-address", bus, "press") == 0
    control.wait_event("button-pressed")
    assert run_ctl(emulator_binary, "--control-address", bus,
                   "advance", "60") == 0
    assert control.get("Clock") == start + 60_000
    assert run_ctl(emulator_binary, "--control-address", bus, "status") == 0


@pytest.mark.emulator_process("runs bandsim ctl on an empty private bus")
def test_ctl_without_band(bus, emulator_binary):
    """MB4/CTL/BI-02: bandsim ctl with no band on the bus fails cleanly

    A script run before the emulator is up must get exit status 1, not
    hang or pretend it pressed a button.
    """
    assert run_ctl(emulator_binary, "--control-address", bus, "press") == 1
