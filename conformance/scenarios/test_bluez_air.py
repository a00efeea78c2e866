"""The band as another BlueZ machine sees it over the air.

Runs with ``--emu-bluez BAND,CENTRAL`` (the VM tier, ci/vm): the emulator
on the first adapter, ``bluetoothctl`` on the second, as a person checking
a spare-adapter setup would (docs/bluez.md).
"""

import math
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from bandsim.clients.auth import HuamiClient
from bandsim.harness import targets
from bandsim.harness.control import ControlClient
from bandsim.harness.hcimonitor import HciMonitor, MonitorUnavailable
from bandsim.link.deadline import Deadline
from bandsim.oracles import ground_truth
from bandsim.protocol.profile import DEFAULT_PATH, Profile
from bandsim.protocol.values import decode_steps
from bandsim.tools import btsnoop

from scenarios.helpers.links import authenticated_link
from scenarios.helpers.sync import HOUR, all_samples, open_fetch, sync_all

PROFILE = Profile.load(DEFAULT_PATH)
REALTIME_STEPS = PROFILE.characteristic("realtime-steps")
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


def wait_advertised(central: str, address: str, accept=None) -> dict:
    """Device1 of the band on the central, once both advertisements (the
    band's data goes out in two where 31 bytes cannot hold it) were
    seen, and accept(props) too where given, on a scan of its own that
    ends before anyone connects (the raw central keeps no discovery
    running).  Re-checked on every signal from bluetoothd, until a
    deadline."""
    discovery = targets.Discovery(central)
    try:
        return _wait_advertised(central, address, accept)
    finally:
        discovery.close()


def _wait_advertised(central: str, address: str, accept=None) -> dict:
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
                    MIBAND_SERVICE_DATA in props.get("ServiceData", {}) and \
                    (accept is None or accept(props)):
                return props
            if expired:
                pytest.fail(f"{address} not advertised with both "
                            f"manufacturer and service data"
                            f"{' as expected' if accept else ''} on "
                            f"{central} within {ADVERT_TIMEOUT} s: {props}")
            context.iteration(True)
    finally:
        if not expired:
            GLib.source_remove(timer)
        for sub in subs:
            conn.signal_unsubscribe(sub)


class Bluetoothctl:
    """bluetoothctl on the central's controller, fed a command at a time
    as a person types them: each waits for the line that ends it (its
    output is asynchronous: "Pairing successful" comes after the
    prompt), within a deadline."""

    def __init__(self, central_address: str):
        self.proc = subprocess.Popen(
            ["bluetoothctl"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, bufsize=0)
        self.out = ""
        self.run(f"select {central_address}",
                 until=f"Controller {central_address}")

    def run(self, command: str, until: str,
            timeout: float = BLUETOOTHCTL_TIMEOUT) -> str:
        """Send command; the output from it until a line holds `until`
        (a regular expression)."""
        start = len(self.out)
        self.proc.stdin.write(f"{command}\n".encode())
        return self.wait(until, start, timeout, command)

    def wait(self, until: str, start: int,
             timeout: float = BLUETOOTHCTL_TIMEOUT, command: str = "") -> str:
        """The output from offset start until a line holds `until`."""
        import select
        import time

        pattern = re.compile(until, re.MULTILINE)
        end = time.monotonic() + timeout
        while not pattern.search(self.out, start):
            left = end - time.monotonic()
            ready, _, _ = select.select([self.proc.stdout], [], [],
                                        max(left, 0))
            chunk = os.read(self.proc.stdout.fileno(), 65536) \
                if ready else b""
            if not chunk:
                pytest.fail(f"bluetoothctl: {command!r} gave no "
                            f"{until!r} within {timeout} s:\n"
                            f"{self.out[start:]}")
            self.out += ANSI.sub("", chunk.decode("utf-8", "replace"))
        return self.out[start:]

    def close(self) -> None:
        try:
            self.proc.stdin.write(b"quit\n")
            self.proc.wait(timeout=BLUETOOTHCTL_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


# bluetoothctl's hexdump of a value: "  56 31 2e 30  V1.0", 16 bytes a
# row, at the start of a line or after the prompt it printed again.
HEXDUMP_ROW = r"(?:^|\]#)\s+((?:[0-9a-f]{2} )*[0-9a-f]{2})  "


def read_value(ctl: Bluetoothctl, uuid: str) -> bytes:
    """The value (at most 16 bytes: one hexdump row) that bluetoothctl's
    gatt menu reads from the characteristic uuid: the dump under the
    "[CHG] Attribute PATH Value:" of that characteristic (the read's own
    reply is dumped unnamed, and a previous read's change may still be
    on its way)."""
    ctl.run(f"select-attribute {uuid}", until="")
    start = len(ctl.out)
    text = ctl.run("read", until=r"Attempting to read (\S+)")
    path = re.search(r"Attempting to read (\S+)", text).group(1)
    named = (re.escape(path) + r" Value:[^\n]*\n[^\n]*?"
             + HEXDUMP_ROW[len("(?:^|\\]#)"):])
    text = ctl.wait(named, start)
    row = re.search(named, text, re.MULTILINE).group(1)
    return bytes.fromhex(row.replace(" ", ""))


def connect_as_a_person(ctl: Bluetoothctl, address: str) -> str:
    """bluetoothctl's `connect`, then `info` once the services are
    resolved ("Connection successful" comes first: a band new to
    bluetoothd takes seconds more).  Where the central's bluetoothd
    (5.66) took the new link for one it already had, `info` shows
    "Connected: no" right after a successful connect (docs/bluez.md,
    "already connected"); a person then forgets the band, scans for it
    and connects once more, and so does this, once."""
    for attempt in (1, 2):
        start = len(ctl.out)
        ctl.run(f"connect {address}",
                until="ServicesResolved: yes|Failed to connect", timeout=60)
        assert "Connection successful" in ctl.out[start:], ctl.out[start:]
        info = ctl.run(f"info {address}", until=r"Connected: \w+[\s\S]*UUID")
        info += ctl.run("version", until="Version")
        if "Connected: yes" in info or attempt == 2:
            return info
        ctl.run(f"remove {address}",
                until="Device has been removed|not available")
        ctl.run("scan le", until=rf"\[NEW\] Device {re.escape(address)}",
                timeout=60)
        ctl.run("scan off", until="Discovery stopped|Failed to stop")
    return info


def air_ends(band, target) -> tuple:
    """(the central adapter, the band's address on the air) of a band on
    the air: an emulator the suite started on an adapter (--emu-bluez
    BAND,CENTRAL), or the band at --address reached from --adapter."""
    if target.emu_bluez:
        return target.emu_bluez[1], band.air_address()
    return target.adapter, band.address


def scanned(central: str, address: str, accept=None) -> dict:
    """wait_advertised() through bluetoothd on the central, which a band
    at --address needs as much as an emulator on an adapter (skipped,
    with the reason, where bluetoothd is not there to ask)."""
    problem = targets.bluez_problem(central)
    if problem:
        pytest.skip(f"a scan needs bluetoothd: {problem}")
    return wait_advertised(central, address, accept)


@pytest.mark.air("bluetoothctl on the central's adapter")
def test_bluetoothctl_sees_the_band(band, target):
    """MB4/BLUEZ/BV-20: bluetoothctl on another adapter lists the band

    "Mi Smart Band 4" with manufacturer data for 0x0157 (24 bytes, the
    heart rate at index 3) and service data on 0xFEE0 (the day's steps,
    u32 LE: protocol §1); once bluetoothctl's own `connect` has the
    link, info lists the profile's services.  On an emulator the suite
    started the heart rate reads 0xFF (nothing measured) and the steps
    0; a band at --address (a real one, one that stands in for it) is
    worn, so there the sizes are what is judged.
    """
    central, address = air_ends(band, target)
    central_address = targets.adapter_address(central)
    started = bool(target.emu_bluez)
    props = scanned(central, address)
    info = bluetoothctl(central_address, f"info {address}")
    assert f"Device {address}" in info, info
    assert "Name: Mi Smart Band 4" in info, info
    assert "ManufacturerData Key: 0x0157" in info, info
    assert f"ServiceData Key: {MIBAND_SERVICE_DATA}" in info, info
    # The bytes behind those keys, as bluetoothd holds them.
    mfr = bytes(props["ManufacturerData"][0x0157])
    steps = bytes(props["ServiceData"][MIBAND_SERVICE_DATA])
    assert len(mfr) == 24 and len(steps) == 4, (mfr.hex(" "), steps.hex(" "))
    if started:
        assert mfr[3] == 0xFF and steps == bytes(4), \
            (mfr.hex(" "), steps.hex(" "))

    # Connected as a person does, by bluetoothctl's own connect: its
    # bluetoothd then discovers the services (the suite's raw central
    # would hold the link's ATT channel itself).
    ctl = Bluetoothctl(central_address)
    try:
        info = connect_as_a_person(ctl, address)
        assert "Connected: yes" in info, info
        listed = set(re.findall(r"UUID: .*\(([0-9a-f-]{36})\)", info))
        wanted = {s.uuid for s in PROFILE.services}
        assert wanted <= listed, sorted(wanted - listed)
        ctl.run(f"disconnect {address}",
                until="Successful disconnected|Connected: no", timeout=60)
    finally:
        ctl.close()
    if started:
        band.wait_status("CONNECTED=1")
        band.wait_dropped()


@pytest.mark.air("bluetoothctl on the central's adapter")
@pytest.mark.needs_control("Bonds")
@pytest.mark.emulator_process("starts the emulator on an adapter")
def test_bluetoothctl_pairs_and_reads(band, target, control):
    """MB4/BLUEZ/BV-21: bluetoothctl pairs, connects and reads the band

    A person at another machine with bluetoothctl: `pair` (Just Works:
    the band has no display), `connect`, `info` lists the band's own
    Device Name and its Generic Access service, and the gatt menu reads
    the Device Information service's software revision and serial
    number as the band serves them.  The band keeps the pairing as a
    bond for that machine's address.
    """
    if target.through_bluetoothd:
        pytest.skip("pairing needs the band's own link layer "
                    "(--emu-transport l2cap)")
    central = target.emu_bluez[1]
    address = band.air_address()
    central_address = targets.adapter_address(central)
    wait_advertised(central, address)
    ctl = Bluetoothctl(central_address)
    try:
        ctl.run(f"pair {address}", until="Pairing successful|Failed to pair",
                timeout=90)
        assert "Pairing successful" in ctl.out, ctl.out
        assert [tuple(b) for b in control.get("Bonds")] == \
            [(central_address, "public")]
        ctl.run(f"connect {address}",
                until="Connection successful|Failed to connect", timeout=60)
        assert "Connection successful" in ctl.out, ctl.out
        info = ctl.run(f"info {address}", until=r"Paired: \w+[\s\S]*"
                       r"Connected: \w+[\s\S]*UUID")
        info += ctl.run("version", until="Version")
        assert "Name: Mi Smart Band 4" in info, info
        assert "Paired: yes" in info and "Connected: yes" in info, info
        assert "(00001800-0000-1000-8000-00805f9b34fb)" in info, info
        ctl.run("menu gatt", until="select-attribute")
        revision = PROFILE.characteristic("software-revision").uuid
        serial = PROFILE.characteristic("serial-number").uuid
        assert read_value(ctl, revision) == b"V1.0.9.70"
        assert read_value(ctl, serial) == band.identity()["serial"].encode()
        ctl.run("back", until="")
        ctl.run(f"disconnect {address}",
                until="Successful disconnected|Connected: no", timeout=60)
    finally:
        ctl.close()
    band.wait_dropped()


# What is left of the central's traffic once the link ended: the monitor
# socket holds it; reading stops after this long with nothing new.
MONITOR_DRAIN = 2.0


@pytest.mark.air("the central's HCI traffic")
def test_band_starts_no_gatt_procedure(band, target):
    """MB4/AIR/BV-01: the band's side never acts as a GATT client

    A real band leaves the MTU exchange to the phone and announces its
    MTU with device event 16 (protocol §13); it sends no request of its
    own.  On the central's controller, read live on the kernel's HCI
    monitor channel as btmon reads it, every ATT PDU that came from the
    band over this link (a connect and the Huami auth with the band's
    key) is a response, notification or indication: none is an MTU
    exchange, a discovery or any other request or command.  The same on
    an emulator on an adapter and on a band at --address: a real band
    that browsed the phone's services (as an iOS accessory would) shows
    here.
    """
    central, _ = air_ends(band, target)
    index = int(central[len("hci"):])
    try:
        monitor = HciMonitor(index)
    except MonitorUnavailable as exc:
        pytest.skip(f"needs the HCI monitor channel (CAP_NET_RAW): {exc}")
    with monitor:
        link = band.connect()
        try:
            huami = HuamiClient(link)
            huami.enable_notifications()
            huami.authenticate(target.auth_key)
        finally:
            band.disconnect(link)
        extractor = btsnoop.AttExtractor()
        pdus = list(btsnoop.att_pdus(
            monitor.records(Deadline(MONITOR_DRAIN)), extractor))
    assert extractor.links, "the central's controller showed no link"
    from_band = [p.pdu for p in pdus if p.direction == btsnoop.RECEIVED]
    assert any(p[0] in btsnoop.SERVER_OPCODES for p in from_band), \
        "the central's controller shows nothing the band answered"
    requests = [p.hex(" ") for p in from_band
                if p[0] in btsnoop.CLIENT_OPCODES]
    assert requests == [], "the band's side sent the central requests"


# The most a wearer walks in a second: between the phone's read of the
# day's steps and the advertisement the central hears next, a band whose
# clock runs may count that many more.
STEPS_PER_S = 4


def advertised_steps(props) -> int:
    """The day's steps in the band's service data on 0xFEE0 (§1)."""
    return int.from_bytes(bytes(props["ServiceData"][MIBAND_SERVICE_DATA]),
                          "little")


@pytest.mark.air("the central's scan of the band's advertisement")
def test_advertised_steps_are_the_days_steps(band, target, band_time):
    """MB4/AIR/BV-04: a hub reads the day's steps from the advertisement, and they are the band's

    A hub (Home Assistant's ble_monitor) counts a band's steps without a
    link: the service data on 0xFEE0 is the day's steps, u32 LE
    (protocol §1).  The band lives an hour (on an emulator its wearer
    walks it; a real band's clock runs anyway), the phone reads realtime
    steps (00000007, after auth) and leaves, and the central's scan then
    hears an advertisement whose steps are no fewer than that read and
    no more than a wearer walks in the time since (STEPS_PER_S); on an
    emulator the suite started, whose clock stands, exactly that read.
    """
    central, address = air_ends(band, target)
    band_time.let_pass(HOUR)
    link = authenticated_link(band, key=target.auth_key)
    try:
        read = decode_steps(link.read(REALTIME_STEPS.value_handle)).steps
    finally:
        band.disconnect(link)
    since = time.monotonic()
    props = scanned(central, address,
                    accept=lambda p: advertised_steps(p) >= read)
    heard = advertised_steps(props)
    most = read + STEPS_PER_S * math.ceil(time.monotonic() - since)
    assert read <= heard <= most, \
        f"advertised {heard} steps against {read} read"
    if target.emu_bluez:
        assert heard == read, f"advertised {heard} steps against {read} read"


@pytest.mark.air("the suite's adapter powered off and on")
@pytest.mark.emulator_process("starts the emulator on an adapter")
def test_band_advertises_again_after_its_central_vanished(band, target,
                                                         emu_central):
    """MB4/AIR/BV-02: a band whose central vanished is found again

    The suite's adapter is powered off and on while it holds a link to
    the band, as the suite does with an adapter the kernel wedged.  The
    emulated controllers tell the band's side nothing (a real band would
    see its supervision timeout end the link), so the band's adapter ends
    the link on its side.  Then the band advertises again, and a new
    link reads the band's software revision.
    """
    link = band.connect()
    revision = PROFILE.characteristic("software-revision").value_handle
    assert link.read(revision) == b"V1.0.9.70"
    try:
        emu_central.recover()
        band.wait_dropped()
    finally:
        link.close()
    again = band.connect()
    try:
        assert again.read(revision) == b"V1.0.9.70"
    finally:
        band.disconnect(again)


# Bands on adapters of their own, each reached from a central adapter of
# its own: btvirt -l8 (BANDSIM_VM_CONTROLLERS=8, ci/vm/tier3-run).  One
# central adapter for all four is what a hub would use, but btvirt (BlueZ
# 5.66) numbers a controller's second link with the initiator's handle on
# one side and a fresh one on the other (btvirt -d: "conn1 ... handle
# 0x002b", "conn2 ... handle 0x002a"), so every packet the second band
# sends is dropped (docs/bluez.md).
AIR_BANDS = 4


class AirBand:
    """A band as a phone's raw ATT stack reaches it over the air: from
    the central's adapter to the band's own address on the L2CAP
    socket, whatever central the rest of the run uses."""

    def __init__(self, proc, central_adapter):
        self.proc = proc
        self.spec = f"l2cap:{proc.air_address()}@{central_adapter}"

    def connect(self, timeout=None):
        from bandsim import link
        return link.connect(self.spec, timeout=timeout or
                            self.proc.status_timeout)


def air_pairs(target) -> list:
    """(band adapter, central adapter) for AIR_BANDS bands: --emu-bluez's
    pair first, then the kernel's other controllers two by two; fewer
    when there are not enough."""
    band, central = target.emu_bluez
    present = sorted((p.name for p in
                      Path("/sys/class/bluetooth").glob("hci*")
                      if re.fullmatch(r"hci\d+", p.name)),
                     key=lambda name: int(name[3:]))
    others = [a for a in present if a not in (band, central)]
    n = min(AIR_BANDS - 1, len(others) // 2)
    return [(band, central)] + list(zip(others[:n], others[n:2 * n]))


@pytest.mark.air("a band on each of four adapters")
@pytest.mark.needs_control("AdvanceClock", "GetSamples", "StoredSamples")
@pytest.mark.emulator_process("starts a band on each of four adapters")
def test_four_bands_sync_at_once(start_band, target, bus):
    """MB4/AIR/BV-03: four bands, one per adapter, sync at once over the air

    A hub that syncs the bands of a room: four bands, each on an adapter
    of its own with its own ATT server on the kernel's L2CAP socket
    (--transport l2cap), each with six hours logged.  The hub holds a
    link to every band at the same time, each from an adapter of its
    own, authenticates, and syncs them all at once, one thread a link:
    every band's samples arrive exactly once and match that band's own
    log (the ground-truth oracle), every band has them acked, and no two
    bands are the same band or the same wearer.
    """
    pairs = air_pairs(target)
    if len(pairs) < AIR_BANDS:
        pytest.skip(f"needs {2 * AIR_BANDS} adapters, a band's and a "
                    f"central's for each of {AIR_BANDS} bands; there are "
                    f"{pairs}: BANDSIM_VM_CONTROLLERS={2 * AIR_BANDS} "
                    f"ci/vm/conformance")
    procs, controls, centrals = {}, {}, {}
    try:
        for k, (adapter, central) in enumerate(pairs, 1):
            name = f"io.bandsim.Air{k}"
            # A wearer each, as four people's bands.
            procs[k] = start_band(adapter=adapter, transport="l2cap",
                                  extra_args=["--control-name", name,
                                              "--life-seed", str(k)])
            centrals[k] = central
            controls[k] = ControlClient(bus, name=name)
            controls[k].advance_clock(6 * HOUR)
        links = {k: open_fetch(AirBand(proc, centrals[k]))
                 for k, proc in procs.items()}
        try:
            saved = sync_all(links)
        finally:
            for k, fetch in links.items():
                procs[k].disconnect(fetch.att)
        wearers = set()
        for k, control in controls.items():
            truth = all_samples(control)
            where = f"band {k} on {pairs[k - 1][0]}"
            assert len(truth) == 6 * 60, where
            ground_truth.assert_exactly_once(saved[k], truth, context=where)
            assert control.stored_samples() == 0, f"band {k} not acked"
            wearers.add(b"".join(data for _, data in truth))
        assert len({p.air_address() for p in procs.values()}) == AIR_BANDS
        assert len(wearers) == AIR_BANDS, "two bands share a wearer"
    finally:
        for control in controls.values():
            control.close()
