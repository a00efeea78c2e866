"""Which band the suite drives, and what that band allows.

Targets:

- ``emu`` (default): the fixtures start the emulator on a temporary
  socket with a private dbus-daemon per test, so everything is there:
  raw ATT PDUs, the control plane, restarts and kill -9.
- ``bluez``: a band reached through BlueZ (``--address``, optionally
  ``--adapter``), emulated on another adapter or real, bound to
  ``--auth-key``.  Its links come from bandsim.link; an emulated one may
  offer its control plane (``--band-control``).

Scenarios say what they need with markers, and Target.skip_reason()
turns those into a skip with the reason on a target that lacks it:

- ``needs_control(*what)``: the emulator's control plane (AdvanceClock,
  GetSamples, Event, ...): skipped on bluez without --band-control;
- ``observes(*what)``: reads the control plane (properties, events) only
  to check what the band did, through the ``witness`` fixture: without
  one (a real band) the scenario still runs, judged by its client-side
  checks alone;
- ``person(*steps)``: steps a person can do instead of the control plane
  (tap the band, put it on the charger, find phone and the music screen
  in its menus): run with --band-control, or with --interactive through
  Person;
- ``emulator_process(reason)``: an emulator the suite starts itself (a
  fresh band, its state directory, restarts, kill -9): emu only;
- ``raw_att(reason)``: ATT PDUs sent by hand (raw, malformed, Prepare
  Write, the band's own handles): the socket, or over the air with
  ``--emu-central l2cap`` (an emulator) or ``--central l2cap`` (a band at
  --address, real or emulated); not through bleak;
- ``socket_only(reason)``: the socket transport itself (its send queue,
  a second central on the socket): emu on the socket only;
- ``restarts(*how)``: restarts the band through the ``restart_band``
  fixture: an emulator the suite starts is killed -9 or stopped (how:
  "kill -9", "stop") and started again on its state directory, any
  other band (a real one, a stand-in, one with --band-control) is
  rebooted by the phone (``05`` on 00001531, protocol §7.1); skipped
  nowhere.
"""

import importlib
import os
import time
from dataclasses import dataclass

from ..link.deadline import Deadline, as_deadline, read_until
from ..link.target import ADAPTER, ADDRESS
from ..protocol.huami import key_from_hex

EMU, BLUEZ = "emu", "bluez"
TARGETS = (EMU, BLUEZ)

NEEDS_CONTROL = "needs_control"
OBSERVES = "observes"
PERSON = "person"
EMULATOR_PROCESS = "emulator_process"
SOCKET_ONLY = "socket_only"
RAW_ATT = "raw_att"
UPLOADS = "uploads"
RESTARTS = "restarts"
AIR = "air"
# What a scenario may upload to a real band by itself; the rest (the
# firmware) only with --allow-firmware.
SAFE_UPLOADS = ("watchface", "resources", "font")
MARKERS = {
    NEEDS_CONTROL: "needs_control(*what): uses the emulator's control plane "
                   "(io.bandsim.Band1); skipped on --target bluez without "
                   "--band-control",
    OBSERVES: "observes(*what): watches the control plane where there is "
              "one (the witness fixture); runs on a real band, judged by "
              "the client alone",
    PERSON: "person(*steps): steps a person can do (button, charger, "
            "find-phone, music, silent-mode); on "
            "--target bluez they need --band-control or --interactive",
    EMULATOR_PROCESS: "emulator_process(reason): needs an emulator the suite "
                      "starts itself (fresh state, state dir, restart, kill); "
                      "--target emu only",
    SOCKET_ONLY: "socket_only(reason): uses the socket transport itself "
                 "(its send queue, a second central); --target emu on the "
                 "socket only",
    RAW_ATT: "raw_att(reason): sends ATT PDUs by hand (raw, malformed, "
             "Prepare Write, the band's own handles); on the socket, or "
             "over the air with --emu-central l2cap or --central l2cap, "
             "not through bleak",
    UPLOADS: "uploads(*kinds): writes files of these kinds to the band "
             "(firmware, resources, font, watchface); on a band without a "
             "control plane the firmware needs --allow-firmware",
    RESTARTS: "restarts(*how): restarts the band (the restart_band "
              "fixture): how (kill -9, stop) an emulator the suite started "
              "is restarted on its state directory; any other band the "
              "phone reboots (05 on 00001531); runs on every band",
    AIR: "air(reason): needs a radio between the suite and the band (an "
         "adapter's scan, its HCI traffic, bluetoothctl): the emulator on "
         "an adapter (--emu-bluez) or a band at --address; skipped on the "
         "socket transport",
}

SYSTEM_BUS = "unix:path=/run/dbus/system_bus_socket"
PROBE_TIMEOUT = 2.0
# A band through BlueZ: a first connection scans, links and has BlueZ
# discover every service; under TCG in CI that alone took 7 s, and more
# than 30 s with the host's two cores busy: BANDSIM_TIMEOUT_SCALE
# stretches it.  The same as process.BLUEZ_STATUS_TIMEOUT for an
# emulator on an adapter.
CONNECT_TIMEOUT = 30.0
# How long a person gets for one step (tap, charger).
PERSON_TIMEOUT = 120.0
# How long a band the phone rebooted (05 on 00001531) gets to take a link
# again: a real band boots in seconds, and the phone's stack may hold
# the dropped link until its supervision timeout; a connection through
# BlueZ then scans and discovers (CONNECT_TIMEOUT).
REBOOT_TIMEOUT = 60.0

STEPS = {
    "button": "press the band's button",
    "charger": "put the band on its charger and take it off again",
    "call": "answer an incoming call on the band (reject or ignore it)",
    "find-phone": "start and stop 'find phone' in the band's menu",
    "music": "press the buttons of the band's music screen",
    "silent-mode": "turn the phone's silent mode on and off in the band's "
                   "menu",
    "factory-reset": "reset the band to its factory settings",
    "low-battery": "let the band run down to a low level and charge it "
                   "a little again",
    "look": "look at the band and say what it shows or did",
    "alarm": "turn an alarm on or off on the band's alarm screen",
    "walk": "walk a few steps wearing the band",
    "off-wrist": "take the band off the wrist and put it on again",
    "workout": "start a workout on the band and stop it",
}
# What the band's workout menu calls each kind of the control plane's
# StartWorkout.
WORKOUT_NAMES = {
    "outdoor-run": "Outdoor running",
    "treadmill": "Treadmill",
    "walking": "Walking",
    "cycling": "Cycling",
    "exercise": "Exercise",
    "pool-swim": "Pool swimming",
}
# What a person does on the band's music screen for each action of the
# control plane's MusicControl.
MUSIC_STEPS = {
    "open": "open the music screen",
    "play": "press play",
    "pause": "press pause",
    "next": "press next",
    "previous": "press previous",
    "volume-up": "turn the volume up",
    "volume-down": "turn the volume down",
    "close": "leave the music screen",
}


class TargetError(ValueError):
    """The options do not describe a target."""


def _one_of(option: str, value, choices) -> None:
    if value not in choices:
        raise TargetError(f"{option} {value!r}: one of {', '.join(choices)}")


class Unavailable(Exception):
    """The target cannot be reached from this machine; str() says why."""


def bus_address(value):
    """--band-control: an address, 'system', 'session' or 'none'."""
    if value is None or value == "none":
        return None
    if value == "system":
        return os.environ.get("DBUS_SYSTEM_BUS_ADDRESS", SYSTEM_BUS)
    if value == "session":
        address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        if not address:
            raise TargetError("--band-control session: "
                              "DBUS_SESSION_BUS_ADDRESS is not set")
        return address
    if ":" not in value:
        raise TargetError(f"--band-control {value!r} is not a D-Bus address "
                          f"(unix:path=..., system, session or none)")
    return value


# How --emu-bluez puts each emulator on the air (bandsim --transport),
# and how the suite's central reaches it: bleak through bluetoothd, or
# raw ATT on the central adapter's L2CAP socket (bandsim.link.l2cap).
BLUEZ_TRANSPORT, L2CAP = "bluez", "l2cap"
EMU_TRANSPORTS = (BLUEZ_TRANSPORT, L2CAP)
BLEAK = "bleak"
EMU_CENTRALS = (BLEAK, L2CAP)
# How the suite reaches a band at --address (--central): bleak through
# bluetoothd, or raw ATT on --adapter's L2CAP socket, as a phone's own
# stack does beneath its GATT API; then the raw_att scenarios run too.
CENTRALS = (BLEAK, L2CAP)


def parse_emu_bluez(value):
    """--emu-bluez BAND,CENTRAL: two adapters, e.g. hci0,hci1."""
    if value is None:
        return None
    parts = tuple(p.strip() for p in value.split(","))
    if len(parts) != 2 or not all(ADAPTER.match(p) for p in parts) \
            or parts[0] == parts[1]:
        raise TargetError(f"--emu-bluez {value!r}: two different adapters, "
                          f"the bands' and the suite's, e.g. hci0,hci1")
    return parts


def system_bus():
    """A private connection to the system bus (the caller closes it)."""
    from gi.repository import Gio

    address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS", SYSTEM_BUS)
    return Gio.DBusConnection.new_for_address_sync(
        address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)


def _adapter_property(adapter: str, interface: str, name: str,
                      timeout: float = PROBE_TIMEOUT):
    """One property of /org/bluez/ADAPTER, read from bluetoothd now."""
    from gi.repository import Gio, GLib

    conn = system_bus()
    try:
        reply = conn.call_sync(
            "org.bluez", f"/org/bluez/{adapter}",
            "org.freedesktop.DBus.Properties", "Get",
            GLib.Variant("(ss)", (interface, name)), None,
            Gio.DBusCallFlags.NONE, int(timeout * 1000), None)
        return reply.unpack()[0]
    except GLib.Error as exc:
        raise Unavailable(f"BlueZ adapter {adapter}: {exc.message}") from exc
    finally:
        conn.close_sync(None)


def adapter_address(adapter: str, timeout: float = PROBE_TIMEOUT) -> str:
    """The Bluetooth address of a BlueZ adapter (Adapter1.Address)."""
    return _adapter_property(adapter, "org.bluez.Adapter1", "Address",
                             timeout)


def advertising_instances(adapter: str,
                          timeout: float = PROBE_TIMEOUT) -> int:
    """How many advertisements the adapter has on air
    (LEAdvertisingManager1.ActiveInstances): 0 means no central can
    find or connect to anything behind it."""
    return int(_adapter_property(adapter, "org.bluez.LEAdvertisingManager1",
                                 "ActiveInstances", timeout))


# How long bluetoothd gets to power an adapter off or on, or to end a
# link: each is one mgmt command that a controller answers at once.
POWER_TIMEOUT = 10.0


def power_cycle(adapter: str, timeout: float = POWER_TIMEOUT) -> None:
    """Power adapter off and on through bluetoothd (Adapter1.Powered):
    the kernel drops every connection it has on it, the controller is
    reset.  bluetoothd answers each Set once the adapter got there."""
    from gi.repository import Gio, GLib

    conn = system_bus()
    try:
        for on in (False, True):
            conn.call_sync(
                "org.bluez", f"/org/bluez/{adapter}",
                "org.freedesktop.DBus.Properties", "Set",
                GLib.Variant("(ssv)", ("org.bluez.Adapter1", "Powered",
                                       GLib.Variant("b", on))),
                None, Gio.DBusCallFlags.NONE, int(timeout * 1000), None)
    except GLib.Error as exc:
        raise Unavailable(f"BlueZ adapter {adapter}: powering it off and "
                          f"on: {exc.message}") from exc
    finally:
        conn.close_sync(None)


def disconnect_all(adapter: str, timeout: float = POWER_TIMEOUT) -> int:
    """Disconnect every device bluetoothd shows Connected on adapter; how
    many there were.  A link whose peer vanished without a word (an
    emulated controller reset on the other side) stays Connected in the
    kernel until its own side ends it."""
    from gi.repository import Gio, GLib

    conn = system_bus()
    try:
        objects = conn.call_sync(
            "org.bluez", "/", "org.freedesktop.DBus.ObjectManager",
            "GetManagedObjects", None, None, Gio.DBusCallFlags.NONE,
            int(timeout * 1000), None).unpack()[0]
        prefix = f"/org/bluez/{adapter}/"
        connected = [path for path, ifaces in objects.items()
                     if path.startswith(prefix) and
                     ifaces.get("org.bluez.Device1", {}).get("Connected")]
        for path in connected:
            try:
                conn.call_sync("org.bluez", path, "org.bluez.Device1",
                               "Disconnect", None, None,
                               Gio.DBusCallFlags.NONE, int(timeout * 1000),
                               None)
            except GLib.Error:
                pass        # gone meanwhile, or not answered: go on
        return len(connected)
    except GLib.Error as exc:
        raise Unavailable(f"BlueZ adapter {adapter}: {exc.message}") \
            from exc
    finally:
        conn.close_sync(None)


def wait_device(adapter: str, address: str, timeout: float) -> None:
    """Wait until bluetoothd has a Device1 for address on adapter (it saw
    the device advertise); Unavailable after timeout seconds."""
    from gi.repository import Gio, GLib

    path = f"/org/bluez/{adapter}/dev_{address.upper().replace(':', '_')}"
    deadline = Deadline(timeout)
    conn = system_bus()
    try:
        while True:
            try:
                conn.call_sync("org.bluez", path,
                               "org.freedesktop.DBus.Properties", "Get",
                               GLib.Variant("(ss)", ("org.bluez.Device1",
                                                     "Address")),
                               None, Gio.DBusCallFlags.NONE,
                               int(PROBE_TIMEOUT * 1000), None)
                return
            except GLib.Error as exc:
                if deadline.expired:
                    raise Unavailable(f"{adapter} did not see {address} "
                                      f"within {timeout:g} s: "
                                      f"{exc.message}") from exc
            # bluetoothd announces a new device with a signal this
            # private connection is not subscribed to: look again soon.
            GLib.usleep(100_000)
    finally:
        conn.close_sync(None)


def wait_advertising_instances(adapter: str, count: int,
                               timeout: float) -> bool:
    """Whether the adapter's ActiveInstances (advertising_instances())
    reaches `count` within timeout seconds.  bluetoothd takes an
    advertisement off the air after its client asked, on its own time:
    this re-reads the property on every PropertiesChanged bluetoothd
    sends, on a main context of its own, until the deadline."""
    from gi.repository import Gio, GLib

    context = GLib.MainContext.new()
    context.push_thread_default()
    conn = None
    try:
        conn = system_bus()
        sub = conn.signal_subscribe(
            "org.bluez", "org.freedesktop.DBus.Properties",
            "PropertiesChanged", f"/org/bluez/{adapter}", None,
            Gio.DBusSignalFlags.NONE, lambda *_: None)
        expired = []
        timer = GLib.timeout_source_new(int(timeout * 1000))
        timer.set_callback(lambda *_: expired.append(True) or False)
        timer.attach(context)
        try:
            while True:
                reply = conn.call_sync(
                    "org.bluez", f"/org/bluez/{adapter}",
                    "org.freedesktop.DBus.Properties", "Get",
                    GLib.Variant("(ss)", ("org.bluez.LEAdvertisingManager1",
                                          "ActiveInstances")),
                    None, Gio.DBusCallFlags.NONE,
                    int(PROBE_TIMEOUT * 1000), None)
                if int(reply.unpack()[0]) == count:
                    return True
                if expired:
                    return False
                context.iteration(True)
        finally:
            timer.destroy()
            conn.signal_unsubscribe(sub)
    except GLib.Error as exc:
        raise Unavailable(f"BlueZ adapter {adapter}: {exc.message}") \
            from exc
    finally:
        if conn is not None:
            conn.close_sync(None)
        context.pop_thread_default()


class Discovery:
    """Keeps LE discovery running on an adapter for a whole run.

    Each emulator the suite starts advertises anew; with the adapter
    already scanning, BlueZ learns of it from that advertisement and a
    link can go straight to Device1.Connect."""

    def __init__(self, adapter: str):
        from gi.repository import GLib

        self._glib = GLib
        self.path = f"/org/bluez/{adapter}"
        self.conn = system_bus()
        self.start()

    def start(self) -> None:
        """Start discovering; after the adapter was powered off, which
        ends every discovery session on it, start again."""
        GLib = self._glib
        self._call("SetDiscoveryFilter", GLib.Variant(
            "(a{sv})", ({"Transport": GLib.Variant("s", "le"),
                         "DuplicateData": GLib.Variant("b", True)},)))
        self._call("StartDiscovery", None)

    def _call(self, method, params):
        from gi.repository import Gio

        self.conn.call_sync("org.bluez", self.path, "org.bluez.Adapter1",
                            method, params, None, Gio.DBusCallFlags.NONE,
                            int(PROBE_TIMEOUT * 1000), None)

    def close(self) -> None:
        try:
            self._call("StopDiscovery", None)
        except self._glib.Error:
            pass
        # Closing the connection ends the discovery session anyway.
        self.conn.close_sync(None)


def parse_key(text):
    try:
        return key_from_hex(text)
    except ValueError:
        raise TargetError(f"--auth-key must be 32 hex digits, got "
                          f"{text!r}") from None


@dataclass(frozen=True)
class Target:
    kind: str = EMU
    adapter: str = None
    address: str = None
    auth_key: bytes = None
    band_control: str = None        # a D-Bus address, None if none
    interactive: bool = False
    # emu over BlueZ: (the bands' adapter, the suite's adapter)
    emu_bluez: tuple = None
    emu_transport: str = BLUEZ_TRANSPORT
    emu_central: str = BLEAK
    # emu as a real band: the scenarios get no control plane, and the
    # band has lived and runs on its own clock (--bandsim-stand-in)
    stand_in: bool = False
    # a band without a control plane may be sent firmware
    allow_firmware: bool = False
    # bluez: how the suite's links reach the band at --address
    central: str = BLEAK

    @classmethod
    def from_options(cls, target=EMU, adapter=None, address=None,
                     auth_key=None, band_control=None, interactive=False,
                     default_key: bytes = None, emu_bluez=None,
                     emu_transport=BLUEZ_TRANSPORT,
                     emu_central=BLEAK, stand_in: bool = False,
                     allow_firmware: bool = False,
                     central=BLEAK) -> "Target":
        """Check the command-line options; TargetError says what is wrong."""
        _one_of("--target", target, TARGETS)
        _one_of("--central", central, CENTRALS)
        if target == EMU:
            given = [name for name, value in (
                ("--adapter", adapter), ("--address", address),
                ("--auth-key", auth_key),
                ("--band-control", band_control)) if value is not None]
            if central != BLEAK:
                given.append("--central")
            if given:
                raise TargetError(
                    f"{', '.join(given)}: for --target bluez; the emulator "
                    f"target starts its own bands, bound to the suite's key, "
                    f"with a control plane on a private bus")
            _one_of("--emu-transport", emu_transport, EMU_TRANSPORTS)
            _one_of("--emu-central", emu_central, EMU_CENTRALS)
            return cls(EMU, auth_key=default_key, interactive=interactive,
                       emu_bluez=parse_emu_bluez(emu_bluez),
                       emu_transport=emu_transport, emu_central=emu_central,
                       stand_in=stand_in, allow_firmware=allow_firmware)
        if stand_in:
            raise TargetError("--bandsim-stand-in: for --target emu (an "
                              "emulator the suite starts plays the real "
                              "band)")
        if emu_bluez is not None:
            raise TargetError("--emu-bluez: for --target emu (the suite "
                              "starts the emulators on one adapter and "
                              "reaches them from the other)")
        if not address or not ADDRESS.match(address):
            raise TargetError("--target bluez needs --address "
                              "XX:XX:XX:XX:XX:XX (the band)")
        if adapter is not None and not ADAPTER.match(adapter):
            raise TargetError(f"--adapter {adapter!r}: expected hciN")
        if auth_key is None:
            raise TargetError("--target bluez needs --auth-key HEX (the key "
                              "the band is bound to)")
        if central == L2CAP and adapter is None:
            raise TargetError("--central l2cap needs --adapter hciN: the "
                              "adapter whose L2CAP socket reaches the band")
        return cls(BLUEZ, adapter, address.upper(), parse_key(auth_key),
                   bus_address(band_control), interactive,
                   allow_firmware=allow_firmware, central=central)

    @property
    def responses_order_notifications(self) -> bool:
        """A response on the suite's link arrives after every
        notification the band sent before it: on the socket, and with
        raw ATT on the central's L2CAP socket.  Through bleak a
        notification comes on another path than the response, so a
        check that nothing arrived must also wait a while."""
        if self.kind == BLUEZ:
            return self.central == L2CAP
        return not self.emu_bluez or self.emu_central == L2CAP

    @property
    def through_bluetoothd(self) -> bool:
        """The suite's emulators are served by bluetoothd's GATT server
        (--emu-bluez with --emu-transport bluez): its CCCDs, its error
        codes (docs/bluez.md).  Over --emu-transport l2cap the band's own
        ATT server is on the air."""
        return bool(self.emu_bluez) and self.emu_transport == BLUEZ_TRANSPORT

    @property
    def control_plane(self) -> bool:
        """The emulator's control plane is reachable by the scenarios
        (a stand-in has one, but only the suite uses it)."""
        if self.stand_in:
            return False
        return self.kind == EMU or self.band_control is not None

    @property
    def link_spec(self) -> str:
        """What bandsim.link.connect() takes for this band."""
        return link_spec(self.central, self.address, self.adapter)

    def describe(self) -> dict:
        return {"kind": self.kind, "adapter": self.adapter,
                "address": self.address, "stand_in": self.stand_in,
                "central": self.central if self.kind == BLUEZ
                else self.emu_central,
                "band_control": self.band_control if self.kind == BLUEZ
                else "private bus",
                "interactive": self.interactive}

    def skip_reason(self, marks) -> str:
        """Why a scenario with these marks [(name, args)] cannot run on
        this target, or None.  A stand-in runs what a real band runs."""
        if self.stand_in:
            # The person at a stand-in is the suite, through the band's
            # control plane (conftest.py: hands); its link is raw ATT on
            # the socket, as --central l2cap is over the air.
            reason = _real_band_reason(marks, interactive=True,
                                       allow_firmware=self.allow_firmware,
                                       raw_central=True, stand_in=True)
            return f"not on a real band: {reason}" if reason else None
        if self.kind == EMU:
            air = [a for name, args in marks if name == AIR for a in args]
            if air and not self.emu_bluez:
                return (f"needs a radio ({_join(air)}): --emu-bluez "
                        f"BAND,CENTRAL puts the emulator on an adapter "
                        f"(ci/vm), --target bluez reaches a band at "
                        f"--address")
            socket_only = [a for name, args in marks if name == SOCKET_ONLY
                           for a in args]
            raw = [a for name, args in marks if name == RAW_ATT
                   for a in args]
            if self.emu_bluez and any(n == SOCKET_ONLY for n, _ in marks):
                return (f"socket transport only ({_join(socket_only)}); "
                        f"--emu-bluez reaches the emulator over the air")
            if self.emu_bluez and self.emu_central == BLEAK and \
                    any(n == RAW_ATT for n, _ in marks):
                return (f"raw ATT ({_join(raw)}); bleak has only "
                        f"bluetoothd's GATT calls: --emu-central l2cap "
                        f"sends them over the air")
            return None
        raw_central = self.central == L2CAP
        if self.band_control is not None:
            return _real_band_reason(
                [(n, a) for n, a in marks if n not in (NEEDS_CONTROL,
                                                        PERSON, UPLOADS)],
                self.interactive, raw_central=raw_central)
        return _real_band_reason(marks, self.interactive,
                                 self.allow_firmware, raw_central)


def _real_band_reason(marks, interactive: bool,
                      allow_firmware: bool = False,
                      raw_central: bool = False,
                      stand_in: bool = False) -> str:
    """Why a scenario with these marks cannot run on a band reached as a
    real one is (through BlueZ, no control plane), or None.  raw_central:
    the suite's links are raw ATT (--central l2cap, or a stand-in's
    socket); stand_in: the band is the stand-in, on the socket."""
    reasons = []
    by_name = {}
    for name, args in marks:
        by_name.setdefault(name, []).extend(args)
    if SOCKET_ONLY in by_name:
        reasons.append(f"socket transport only "
                       f"({_join(by_name[SOCKET_ONLY])}); --target "
                       f"bluez reaches the band through BlueZ")
    if EMULATOR_PROCESS in by_name:
        reasons.append(f"needs an emulator the suite starts itself "
                       f"({_join(by_name[EMULATOR_PROCESS])})")
    if AIR in by_name and stand_in:
        reasons.append(f"needs a radio ({_join(by_name[AIR])}); the "
                       f"stand-in is on the socket")
    if reasons:             # no option would make it run here
        return "; ".join(reasons)
    if RAW_ATT in by_name and not raw_central:
        reasons.append(f"raw ATT ({_join(by_name[RAW_ATT])}); bleak has "
                       f"only bluetoothd's GATT calls: give --central "
                       f"l2cap (with --adapter) for raw ATT over the air")
    if NEEDS_CONTROL in by_name:
        what = _join(by_name[NEEDS_CONTROL])
        reasons.append(f"needs the emulator's control plane"
                       f"{f' ({what})' if what else ''}: give "
                       f"--band-control ADDRESS for an emulated band; "
                       f"a real band has none")
    if PERSON in by_name and not interactive:
        steps = _join(STEPS.get(s, s) for s in by_name[PERSON])
        reasons.append(f"needs someone to {steps}: run with "
                       f"--interactive, or give --band-control")
    risky = [k for k in by_name.get(UPLOADS, ()) if k not in SAFE_UPLOADS]
    if risky and not allow_firmware:
        reasons.append(f"uploads {_join(risky)} to the band: run with "
                       f"--allow-firmware (a real band may not boot an "
                       f"image it was not made for)")
    return "; ".join(reasons) or None


def _join(items) -> str:
    return ", ".join(str(i) for i in items)


def link_spec(central: str, address: str, adapter: str = None) -> str:
    """What bandsim.link.connect() takes for the band at address, reached
    by this central (BLEAK or L2CAP) from adapter."""
    kind = "l2cap" if central == L2CAP else "bluez"
    return f"{kind}:{address}@{adapter}" if adapter else f"{kind}:{address}"


# ------------------------------------------------------------- BlueZ

def load_link():
    """bandsim.link, or Unavailable saying why it cannot be imported."""
    try:
        return importlib.import_module("..link", __package__)
    except ImportError as exc:
        raise Unavailable(f"bandsim.link cannot be imported: {exc}") from exc


def bluez_problem(adapter=None, timeout: float = PROBE_TIMEOUT):
    """Why BlueZ cannot be used from here (no system bus, no bluetoothd,
    no such adapter), or None."""
    from .control import ControlClient, ControlError

    address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS", SYSTEM_BUS)
    if address.startswith("unix:path="):
        path = address[len("unix:path="):].split(",")[0]
        if not os.path.exists(path):
            return f"BlueZ is not available: no system bus ({path} missing)"
    try:
        probe = ControlClient(address, name="org.bluez", timeout=timeout)
    except ControlError as exc:
        return f"BlueZ is not available: system bus {address}: {exc}"
    try:
        if probe._owner is None:
            return ("BlueZ is not available: org.bluez is not on the system "
                    "bus (is bluetoothd running?)")
        if adapter:
            from gi.repository import GLib
            try:
                probe._call(None, "org.bluez", f"/org/bluez/{adapter}",
                            "org.freedesktop.DBus.Properties", "Get",
                            GLib.Variant("(ss)", ("org.bluez.Adapter1",
                                                  "Address")),
                            Deadline(timeout)).wait()
            except ControlError as exc:
                return f"BlueZ has no adapter {adapter}: {exc}"
        return None
    finally:
        probe.close()


def l2cap_problem(adapter: str):
    """Why the suite cannot open raw ATT links from adapter (no
    Bluetooth sockets in this kernel, no such adapter), or None."""
    from ..link.base import LinkUnavailable
    try:
        from ..link.l2cap import adapter_address
        adapter_address(adapter)
    except (LinkUnavailable, AttributeError) as exc:
        # AttributeError: a Python without socket.AF_BLUETOOTH
        return f"no raw ATT links from {adapter}: {exc}"
    return None


class BandAddress:
    """Where the suite finds a band reached through BlueZ, for the whole
    run: --address, until a factory reset moves the band to a new
    address (protocol §1, satcar77: a reset changes the MAC) and the
    person says where it went."""

    def __init__(self, address: str, adapter: str = None,
                 central: str = BLEAK):
        self.current = address
        self.adapter = adapter
        self.central = central

    @property
    def link_spec(self) -> str:
        return link_spec(self.central, self.current, self.adapter)

    def moved_to(self, address: str) -> None:
        if not ADDRESS.match(address):
            raise TargetError(f"{address!r}: expected XX:XX:XX:XX:XX:XX")
        self.current = address.upper()


class RemoteBand:
    """A band reached through BlueZ, where the fixtures would otherwise
    hand out an emulator process.

    connect() opens a link through bandsim.link; disconnect() and
    wait_dropped() need the band's control plane to know that the band
    saw the link end (State back to "advertising").  There is no status
    pipe, state directory or process: asking for one is an error that
    names the marker the scenario lacks.
    """

    started = True
    stopped = False
    alive = True

    def __init__(self, target: Target, link_module, control=None,
                 timeout: float = CONNECT_TIMEOUT, where: BandAddress = None):
        self.target = target
        self.link = link_module
        self.control = control
        self.timeout = timeout
        self.where = where or BandAddress(target.address, target.adapter,
                                          target.central)

    @property
    def address(self) -> str:
        """The address the phone reaches the band at: --address, or
        where a factory reset moved it."""
        return self.where.current

    @property
    def status_timeout(self) -> float:
        """The budget the liveness oracle gives a call that passes no
        timeout: connect()'s own deadline, which a first connection
        (scan, link, GATT discovery) may need much of."""
        return self.timeout

    def connect(self, timeout: float = None):
        """A new link; connecting may take `timeout` seconds (a BLE
        connection is slower than a socket), the link's calls then
        default to the link layer's own timeout."""
        return self.link.connect(self.where.link_spec,
                                 timeout=as_deadline(timeout, self.timeout))

    def disconnect(self, client, timeout: float = None) -> None:
        client.close()
        if self.control is not None:
            self.wait_dropped(timeout)

    def wait_dropped(self, timeout: float = None) -> None:
        if self.control is None:
            raise Unavailable("waiting for the band to drop a link needs "
                              "its control plane (--band-control)")
        self.control.wait_property("State", "advertising", timeout)

    def pending(self, _line: str) -> int:
        return 0

    def log_tail(self, _size: int = 0) -> str:
        return ""

    def __getattr__(self, name):
        raise AttributeError(
            f"{name}: a band reached through BlueZ has no {name}; a scenario "
            f"that needs it is marked emulator_process")


# ------------------------------------------------------------ people

class PersonTimeout(TimeoutError):
    """Nobody confirmed a step before its deadline."""


class Person:
    """Someone at the band: prints an instruction and waits for Enter.

    Reads lines from read_fd (the terminal when interactive) and writes
    to out; each step has a deadline, after which PersonTimeout.
    """

    def __init__(self, read_fd: int, out, timeout: float = PERSON_TIMEOUT):
        self.read_fd = read_fd
        self.out = out
        self.timeout = timeout
        self._buffer = bytearray()

    @classmethod
    def terminal(cls, timeout: float = PERSON_TIMEOUT) -> "Person":
        """The controlling terminal, past pytest's capture of stdin."""
        tty = open("/dev/tty", "r+b", buffering=0)
        return cls(tty.fileno(), _TextOut(tty), timeout)

    def ask(self, instruction: str, timeout: float = None) -> None:
        self.answer(f"{instruction}, then press Enter", timeout)

    def answer(self, question: str, timeout: float = None) -> str:
        """What the person typed before Enter, stripped."""
        deadline = Deadline(self.timeout if timeout is None else timeout)
        instruction = question
        self.out.write(f"\n>>> {question} (within {deadline.seconds:g} s) ")
        self.out.flush()
        read_until(self.read_fd, self._buffer, lambda data: b"\n" in data,
                   deadline, PersonTimeout,
                   quiet=f"nobody confirmed {instruction!r} within "
                         f"{deadline.seconds:g} s",
                   closed=f"input closed before {instruction!r} was "
                          f"confirmed", size=1024)
        end = self._buffer.index(b"\n")
        line = bytes(self._buffer[:end]).decode(errors="replace").strip()
        del self._buffer[:end + 1]
        return line


class _TextOut:
    def __init__(self, raw):
        self.raw = raw

    def write(self, text: str) -> None:
        self.raw.write(text.encode())

    def flush(self) -> None:
        pass


# protocol §4.2 kinds: the band off the wrist (not worn, charging).
NOT_WORN_KIND, CHARGING_KIND = 0x03, 0x06
# The emulator's wearer takes the band off for 15 minutes each morning
# (the shower, docs/sync.md "Band life"): band time moved in steps
# shorter than that cannot pass it by, and it comes within two days.
WEAR_STEP_S = 600
WEAR_SEARCH_S = 2 * 86400


class ControlHands:
    """The band's button and charger, worked through the control plane."""

    def __init__(self, control):
        self.control = control

    def press(self) -> None:
        self.control.press_button()

    def long_press(self) -> None:
        self.control.long_press_button()

    def put_on_charger(self) -> None:
        self.control.set_charging(True)

    def take_off_charger(self) -> None:
        self.control.set_charging(False)

    def find_phone(self, start: bool = True) -> None:
        self.control.find_phone(start)

    def music(self, *actions: str) -> None:
        for action in actions:
            self.control.music_control(action)

    def silent_mode(self, on: bool) -> None:
        self.control.set_silent_mode(on)

    def reject_call(self) -> None:
        self.control.answer_call("reject")

    def start_workout(self, kind: str) -> None:
        self.control.start_workout(kind)

    def stop_workout(self) -> None:
        self.control.stop_workout()

    def factory_reset(self) -> None:
        self.control.factory_reset()

    def run_down(self, percent: int) -> None:
        self.control.set_battery(percent)

    def sees(self, what: str, screen: str, **fields) -> bool:
        """The band shows `screen` with these fields now (its Screen)."""
        shown = self.control.screen()
        return shown.get("name") == screen and all(
            shown.get(k) == v for k, v in fields.items())

    def felt(self, what: str, event: str, timeout: float = 2.0,
             **details) -> bool:
        """The band did what `event` records (vibrate, ...) since the
        last time it was asked; false if not within timeout."""
        try:
            self.control.wait_event(event, timeout=timeout, **details)
        except TimeoutError:
            return False
        return True

    def charge_up(self, percent: int) -> None:
        self.control.set_battery(percent)

    def ignore_call(self) -> None:
        self.control.answer_call("ignore")

    def toggle_alarm(self, slot: int, at: str, on: bool) -> None:
        """A tap on the band's alarm screen (SetAlarmEnabled)."""
        self.control.set_alarm_enabled(slot, on)

    def walk(self) -> None:
        """Nothing to do: the emulated wearer walks as their day goes
        (emulator/core/life.c); a scenario waits, with a deadline, for
        the steps the band counts."""

    def take_off_wrist(self) -> None:
        """The emulator's wearer takes the band off for the shower: band
        time moves on until the minute just ended is not worn (its
        device event 06 and non-wear on the way)."""
        self._wear_until(lambda kind: kind == NOT_WORN_KIND, WEAR_STEP_S)

    def put_on_wrist(self) -> None:
        """Band time moves on until the wearer has it on again."""
        self._wear_until(
            lambda kind: kind not in (NOT_WORN_KIND, CHARGING_KIND), 60)

    def _wear_until(self, wanted, step: int) -> None:
        moved = 0
        while not wanted(self._last_kind()):
            if moved >= WEAR_SEARCH_S:
                raise AssertionError(f"the wearer did not get there in "
                                     f"{moved} s of band time")
            self.control.advance_clock(step)
            moved += step

    def _last_kind(self) -> int:
        """The kind of the band's last logged minute (None if none)."""
        now = self.control.get("Clock") // 1000
        minute = now - now % 60 - 60
        samples = self.control.get_samples(minute, minute + 60)
        return samples[-1][1][0] & 0x0F if samples else None


def _asks(instruction: str):
    """A step of PersonHands that is one instruction to the person."""
    def step(self) -> None:
        self.person.ask(instruction)
    return step


class PersonHands:
    """The same steps, done by a person; there is no control plane to
    confirm them (control is None)."""

    control = None

    def __init__(self, person: Person, where: BandAddress = None):
        self.person = person
        self.where = where

    press = _asks("Tap the band's button once")

    long_press = _asks("Press and hold the band's button (long press)")

    put_on_charger = _asks("Put the band on its charger")

    take_off_charger = _asks("Take the band off its charger")

    def find_phone(self, start: bool = True) -> None:
        self.person.ask("Start 'find phone' in the band's menu" if start
                        else "Stop 'find phone' on the band")

    def music(self, *actions: str) -> None:
        """One step for the person: the actions in order."""
        steps = ", then ".join(MUSIC_STEPS[a] for a in actions)
        self.person.ask(f"On the band: {steps}")

    def silent_mode(self, on: bool) -> None:
        self.person.ask(f"In the band's menu (More, Silent) turn the "
                        f"phone's silent mode {'on' if on else 'off'}")

    reject_call = _asks("The band shows an incoming call: reject it on the "
                        "band (the red button)")

    def start_workout(self, kind: str) -> None:
        self.person.ask(f"On the band: Workout, {WORKOUT_NAMES[kind]}; "
                        f"start it (the countdown runs)")

    stop_workout = _asks("Stop the workout on the band and save it (press "
                         "and hold, then the stop button)")

    def sees(self, what: str, screen: str, **fields) -> bool:
        return self._yes(f"Does the band show {what} now?")

    def felt(self, what: str, event: str, timeout: float = 2.0,
             **details) -> bool:
        return self._yes(f"Did the band {what}?")

    def _yes(self, question: str) -> bool:
        while True:
            reply = self.person.answer(f"{question} [y/n]").lower()
            if reply in ("y", "yes", "n", "no"):
                return reply.startswith("y")

    def run_down(self, percent: int) -> None:
        self.person.ask(f"Let the band run down until its battery shows "
                        f"{percent} % or less (it may take a day of wear: "
                        f"start the scenario then)")

    def charge_up(self, percent: int) -> None:
        self.person.ask(f"Put the band on its charger until it shows "
                        f"{percent} % or more, then take it off")

    def factory_reset(self) -> None:
        self.person.ask("Reset the band to its factory settings (on the "
                        "band: More, Settings, Factory reset) and wait "
                        "until it shows the pairing screen")
        if self.where is None:
            return
        # A reset band comes back at a new address; only the person
        # (or their scanner: python3 -m bandsim scan) can say which.
        address = self.person.answer(
            f"The band was at {self.where.current}: type the address it "
            f"advertises now (python3 -m bandsim scan lists it), or just "
            f"press Enter if it kept it")
        if address:
            self.where.moved_to(address)

    ignore_call = _asks("The band shows an incoming call: ignore it on the "
                        "band (silence it, do not reject it)")

    def toggle_alarm(self, slot: int, at: str, on: bool) -> None:
        self.person.ask(f"On the band, open Alarm and turn the {at} alarm "
                        f"{'on' if on else 'off'}")

    walk = _asks("Walk a dozen steps wearing the band")

    take_off_wrist = _asks("Take the band off your wrist and lay it down, "
                           "its sensor up")

    put_on_wrist = _asks("Put the band back on your wrist")


class ControlTime:
    """Band time moved through the control plane (AdvanceClock): an
    emulator's clock stands still in the suite until a scenario moves
    it, and everything due meanwhile has happened when the call
    returns."""

    def __init__(self, control):
        self.control = control

    def let_pass(self, seconds: float) -> None:
        self.control.advance_clock(seconds)


class ProcessRestart:
    """restart_band on an emulator the suite started: the process is
    killed -9 (a power cut) or stopped (SIGTERM, which it must survive
    with status 0) and the same band is started again on its state
    directory, with its profile and clock options and no key of the
    suite's (the state directory's binding is all it has).  how="reboot"
    is the phone's reboot, as on any other band (PhoneReboot).  via, a
    link of the phone's that is up, ends with the process.  The returned
    band is a new process: use it, not the old one."""

    process = True

    def __init__(self, start_band, reboot: "PhoneReboot"):
        self.start_band = start_band
        self.reboot = reboot

    def __call__(self, band, how: str = "kill", via=None, **opts):
        if how == "reboot":
            return self.reboot(band, via=via)
        if how == "kill":
            band.kill()
        elif how == "stop":
            code = band.stop()
            if code != 0:
                raise AssertionError(f"emulator exit status {code} after "
                                     f"SIGTERM\n{band.log_tail()}")
        else:
            raise ValueError(f"restart_band how={how!r}: kill, stop or "
                             f"reboot")
        if via is not None:
            via.close()
        opts.setdefault("profile", band.profile)
        opts.setdefault("clock_rate", band.clock_rate)
        opts.setdefault("clock_start", band.clock_start)
        return self.start_band(auth_key=None, state_dir=band.state_dir,
                               **opts)


class PhoneReboot:
    """restart_band on a band the suite did not start (a real one, a
    stand-in, one reached with --band-control): the phone reboots it as
    Gadgetbridge's "reboot band" does (protocol §7: 05 on 00001531 outside
    an update), on a link authenticated with the band's key (via, one
    of the phone's that is up and authenticated, in the middle of
    whatever it does, or a new one): the band answers 10 05 01 and
    drops the link.  Then the phone connects again until the band takes
    a link, within REBOOT_TIMEOUT, and closes that link.  how and the
    emulator's options mean nothing here: whatever the scenario asks
    for, the band reboots.  Returns the same band."""

    process = False

    def __init__(self, key: bytes, close, timeout: float = REBOOT_TIMEOUT):
        self.key = key
        # close(band, link): conftest.close_link, for a link that failed
        self.close = close
        self.timeout = timeout

    def __call__(self, band, how: str = "kill", via=None, **_opts):
        from ..clients.auth import HuamiClient
        from ..clients.firmware import FirmwareClient

        att = via if via is not None else band.connect()
        try:
            if via is None:
                huami = HuamiClient(att)
                huami.enable_notifications()
                huami.authenticate(self.key)
            fw = FirmwareClient(att)
            fw.enable_notifications()
            fw.reboot()
        except BaseException:
            self.close(band, att)
            raise
        # The band ended the link: where it reports that (an emulator's
        # status, a control plane) the report is taken and the band
        # listens again before the phone connects.
        band.disconnect(att)
        self.wait_back(band)
        return band

    def wait_back(self, band) -> None:
        """Connect until the band takes a link again (it advertises and
        answers), within the timeout; AssertionError if it never does."""
        from ..link.base import AttClientError

        deadline = Deadline(self.timeout)
        problem = None
        while not deadline.expired:
            try:
                att = band.connect(deadline)
            except (AttClientError, ConnectionError) as exc:
                # Not back yet (no advertisement, the old link still
                # held, a connection refused or ended at once): again,
                # after a moment, so a refusal that comes at once does
                # not spin.
                problem = exc
                time.sleep(min(0.5, deadline.remaining()))
                continue
            band.disconnect(att)
            return
        raise AssertionError(f"the band took no link within "
                             f"{self.timeout:g} s of its reboot: {problem}")


class OwnTime:
    """A band whose clock runs by itself (a real band): time passes
    while the scenario waits, with a deadline, for what it expects, so
    there is nothing to move."""

    control = None

    def let_pass(self, seconds: float) -> None:
        pass
