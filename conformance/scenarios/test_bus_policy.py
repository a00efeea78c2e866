"""Who may use the control plane on the system bus (data/io.bandsim.conf).

A band installed as a service (docs/bluez.md) puts io.bandsim.Band1 on
the system bus, where every local user is.  The shipped policy's rule,
as its comment and docs/threat-model.md state it: only the user bandsim
and root own io.bandsim*; only root and the group bandsim call
io.bandsim.Band1; everyone may read the band's properties, introspect
and ping /io/bandsim/band, and nothing else on its connection.

Each test starts a dbus-daemon configured as the system bus is
(``<type>system</type>`` and the installed system.conf's policies, deny
by default) that includes the shipped file itself, and a band on it with
``--control-bus system`` as the systemd unit starts it (found through
DBUS_SYSTEM_BUS_ADDRESS).  Root is this process; the other users are
played under setpriv (bandsim/harness/buspolicy.py), so the tests need
root and are skipped, saying so, without it.  Verdicts are D-Bus error
names and the band's state read by root afterwards.
"""

import os
import xml.etree.ElementTree as ET

import pytest

from bandsim.harness import buspolicy
from bandsim.harness.bus import SystemPolicyBus
from bandsim.harness.buspolicy import ACCESS_DENIED
from bandsim.harness.busprobe import plain
from bandsim.harness.control import (BUS_NAME, INTERFACE,
                                     INTROSPECTABLE, OBJECT_PATH,
                                     PROPERTIES, ControlClient)
from bandsim.harness.fleet import FLEET_INTERFACE, FLEET_PATH, band_path
from bandsim.harness.process import SYSTEM

PEER = "org.freedesktop.DBus.Peer"
# Another object on the band's connection: over BlueZ the GATT
# application lives under it (transport/bluez/bluez-server.c).
GATT_PATH = "/io/bandsim/gatt"
# An argument of each D-Bus type that, were the call let through, would
# change what the band shows (or read its log, for GetSamples).
ARGUMENTS = {"d": 3600.0, "u": 5, "b": True, "t": 0, "y": 0,
             "s": "preset=stuck-syncing", "ay": []}


@pytest.fixture
def policy_bus():
    """A system-like bus under data/io.bandsim.conf; its address."""
    if os.geteuid() != 0:
        pytest.skip("the bus policy is tried as other local users "
                    "(setpriv, and useradd for the user bandsim): needs root")
    try:
        buspolicy.ensure_service_user()
    except buspolicy.PolicyError as exc:
        pytest.fail(str(exc), pytrace=False)
    with SystemPolicyBus(buspolicy.SHIPPED_POLICY) as bus:
        yield bus.address


@pytest.fixture
def system_band(policy_bus, start_band):
    """(band, root's control client, bus address): a band bound to the
    suite's key on the policy bus, clock frozen, over the socket."""
    band = start_band(control_address=SYSTEM, adapter=None, central=None,
                      env={"DBUS_SYSTEM_BUS_ADDRESS": policy_bus})
    with ControlClient(policy_bus) as control:
        assert control.owner is not None, "the band does not own io.bandsim"
        yield band, control, policy_bus


@pytest.fixture
def users():
    try:
        return buspolicy.accounts()
    except buspolicy.PolicyError as exc:
        pytest.fail(str(exc), pytrace=False)


def call(member, signature=None, args=(), interface=INTERFACE,
         destination=BUS_NAME, path=OBJECT_PATH):
    return ["call", destination, path, interface, member, signature,
            list(args)]


def band_methods(control) -> list:
    """(name, D-Bus signature of its arguments) of every Band1 method, as
    the band introspects: a method added later is tried too."""
    root = ET.fromstring(control.introspect())
    iface = next(i for i in root.findall("interface")
                 if i.get("name") == INTERFACE)
    methods = []
    for method in iface.findall("method"):
        types = [a.get("type") for a in method.findall("arg")
                 if a.get("direction", "in") == "in"]
        methods.append((method.get("name"), types))
    return methods


def attempt(name, types, destination=BUS_NAME):
    signature = f"({''.join(types)})" if types else None
    return call(name, signature, [ARGUMENTS[t] for t in types],
                destination=destination)


def refused(result) -> bool:
    return result.get("error") == ACCESS_DENIED


def read_steps() -> list:
    return [
        call("Get", "(ss)", [INTERFACE, "Clock"], interface=PROPERTIES),
        call("GetAll", "(s)", [INTERFACE], interface=PROPERTIES),
        call("Introspect", interface=INTROSPECTABLE),
        call("Ping", interface=PEER),
    ]


@pytest.mark.emulator_process("a band on a bus under the shipped policy")
def test_stranger_cannot_call(system_band, users):
    """MB4/CTL/BI-03: a local user outside the group bandsim cannot drive the band

    Any user of a machine where a band runs as a service can reach the
    system bus.  Every method of io.bandsim.Band1, sent to the band's
    name or to its connection's unique name, is refused by the bus with
    AccessDenied; the band never sees it: no event, nothing it shows
    changes (not even the fault root armed, which ClearFaults would
    clear).
    """
    _band, control, address = system_band
    control.inject_fault("preset=stuck-syncing")
    control.sync()
    before, events = control.get_all(), len(control.timeline)
    methods = band_methods(control)
    steps = [attempt(name, types) for name, types in methods]
    steps += [attempt(name, types, destination=control.owner)
              for name, types in methods]
    results = buspolicy.probe(users["stranger"], address, steps)
    assert [name for (name, _), result in zip(methods + methods, results)
            if not refused(result)] == [], results
    control.sync()
    assert control.timeline[events:] == []
    assert control.get_all() == before


@pytest.mark.emulator_process("a band on a bus under the shipped policy")
def test_everyone_reads_state(system_band, users):
    """MB4/CTL/BV-09: any local user reads the band's state, and nothing more

    A dashboard or `bandsim ctl status` run by any user shows what the
    band shows: Get and GetAll of io.bandsim.Band1, Introspect and Ping
    of /io/bandsim/band answer as they answer root.  Properties.Set, the
    root object and any other object on the band's connection (the GATT
    application over BlueZ) are refused with AccessDenied.
    """
    _band, control, address = system_band
    results = buspolicy.probe(users["stranger"], address, read_steps() + [
        ["set", BUS_NAME, OBJECT_PATH, INTERFACE, "Battery", "u", 5],
        call("Get", "(ss)", ["org.bluez.GattService1", "UUID"],
             interface=PROPERTIES, path=GATT_PATH),
        call("Introspect", interface=INTROSPECTABLE, path="/"),
    ])
    clock, everything, introspection, ping, *closed = results
    assert clock == {"reply": [control.get("Clock")]}
    assert everything == {"reply": [plain(control.get_all())]}
    root = ET.fromstring(introspection["reply"][0])
    assert INTERFACE in [i.get("name") for i in root.findall("interface")]
    assert ping == {"reply": []}
    assert [refused(result) for result in closed] == [True] * 3, closed
    assert control.get("Battery") != 5


@pytest.mark.emulator_process("a band on a bus under the shipped policy")
def test_members_and_root_call(system_band, users):
    """MB4/CTL/BV-10: members of the group bandsim and root drive the band

    A CI job or a person in the group bandsim taps the band, moves its
    clock, sets its battery and reads its log, and root does too.  The
    group's right is io.bandsim.Band1 only: Properties.Set and the GATT
    application on the same connection stay closed to it.
    """
    _band, control, address = system_band
    clock = control.get("Clock")
    results = buspolicy.probe(users["member"], address, [
        call("AdvanceClock", "(d)", [60.0]),
        call("PressButton"),
        call("SetBattery", "(u)", [42]),
        call("GetSamples", "(tt)", [0, 2 ** 40]),
        ["set", BUS_NAME, OBJECT_PATH, INTERFACE, "Battery", "u", 5],
        call("ReadValue", "(a{sv})", [{}], path=GATT_PATH,
             interface="org.bluez.GattCharacteristic1"),
    ])
    assert [("reply" in result) for result in results[:4]] == [True] * 4, \
        results
    assert [refused(result) for result in results[4:]] == [True] * 2, results
    control.wait_event("button-pressed")
    assert control.get("Clock") == clock + 60_000
    assert control.get("Battery") == 42
    control.advance_clock(60)
    control.press_button()
    control.wait_event("button-pressed")
    assert control.get("Clock") == clock + 120_000


@pytest.mark.emulator_process("a band on a bus under the shipped policy")
def test_only_bandsim_owns_names(system_band, users):
    """MB4/CTL/BI-04: only the user bandsim and root can pose as a band

    A stranger or a group member who could own io.bandsim or
    io.bandsim.<adapter> would answer the calls meant for the band,
    before it starts or beside it.  The bus refuses them with
    AccessDenied; the service user bandsim gets a name of its own, and
    root owns the band's (this band runs as root).
    """
    _band, control, address = system_band
    owner = control.owner
    taken = [["own", BUS_NAME], ["own", "io.bandsim.hci7"]]
    for who in ("stranger", "member"):
        results = buspolicy.probe(users[who], address, taken)
        assert [refused(result) for result in results] == [True, True], \
            (who, results)
    assert buspolicy.probe(users["service"], address,
                           [["own", "io.bandsim.hci7"]]) == [{"reply": [1]}]
    control.sync()
    assert control.owner == owner


@pytest.mark.emulator_process("a fleet on a bus under the shipped policy")
def test_fleet_members_only(policy_bus, start_fleet, users):
    """MB4/FLEET/BI-02: a fleet on the system bus: the group bandsim
    drives it, a stranger cannot

    Members of the group bandsim add, kill and start bands through
    io.bandsim.Fleet1, move every clock, tap band 2 and read its
    properties.  A local user outside the group is refused every Fleet1
    method and every call on band 2's object by the bus (AccessDenied),
    and the fleet is as it was.
    """
    fleet = start_fleet(2, control_address=SYSTEM,
                        env={"DBUS_SYSTEM_BUS_ADDRESS": policy_bus})
    with ControlClient(policy_bus, path=band_path(2)) as band_2:
        clock = band_2.get("Clock")
        stranger = buspolicy.probe(users["stranger"], policy_bus, [
            call("AdvanceClock", "(d)", [60.0], interface=FLEET_INTERFACE,
                 path=FLEET_PATH),
            call("KillBand", "(u)", [2], interface=FLEET_INTERFACE,
                 path=FLEET_PATH),
            call("AddBand", interface=FLEET_INTERFACE, path=FLEET_PATH),
            call("PressButton", path=band_path(2)),
            call("Get", "(ss)", [INTERFACE, "Clock"], interface=PROPERTIES,
                 path=band_path(2)),
        ])
        assert [refused(result) for result in stranger] == [True] * 5, \
            stranger
        assert band_2.get("Clock") == clock
        member = buspolicy.probe(users["member"], policy_bus, [
            call("AdvanceClock", "(d)", [60.0], interface=FLEET_INTERFACE,
                 path=FLEET_PATH),
            call("PressButton", path=band_path(2)),
            call("Get", "(ss)", [INTERFACE, "Clock"], interface=PROPERTIES,
                 path=band_path(2)),
            call("AddBand", interface=FLEET_INTERFACE, path=FLEET_PATH),
        ])
        assert [("reply" in result) for result in member] == [True] * 4, \
            member
        band_2.wait_event("button-pressed")
        assert band_2.get("Clock") == clock + 60_000
    assert (fleet.dir / "band-3" / "band.ini").exists()
