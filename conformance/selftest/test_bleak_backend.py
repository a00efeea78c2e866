"""bandsim.bleak: bleak's own BleakScanner and BleakClient, given
bandsim's backend, against the emulator on its socket; and an unmodified
bleak program (examples/bleak-app) through ``python3 -m
bandsim.with_band``.

Each test starts its own band (clock frozen at CLOCK_START) on a private
bus; the control plane is the oracle (Address, Advertisement, Battery,
GetSamples).  What bleak on BlueZ raises for the same failures is in
bandsim/bleak/errors.py; the tests hold the backend to it.
"""

import asyncio
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakDBusError, BleakDeviceNotFoundError, BleakError

from bandsim.bleak import BandsimClient, BandsimScanner
from bandsim.clients.auth import encrypt
from bandsim.harness.control import ControlClient
from bandsim.harness.process import BandProcess
from bandsim.harness.suite import CLOCK_START, TEST_KEY
from bandsim.protocol import uuids
from bandsim.protocol.heartrate import ad_structures
from bandsim.protocol.profile import DEFAULT_PATH, write_variant

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "bleak-app" / "band_sync.py"
HOUR, DAY, FOREVER = 3600, 86400, 1 << 63
# Every asyncio.run of a test ends within this, whatever the band does.
RUN_TIMEOUT = 15.0
FEE0 = uuids.sig(0xFEE0)
CCCD = uuids.sig(0x2902)


@pytest.fixture
def band(bus, emulator_binary, tmp_path):
    proc = BandProcess(emulator_binary, DEFAULT_PATH, tmp_path / "band",
                       control_address=bus, clock_rate=0,
                       clock_start=CLOCK_START, auth_key=TEST_KEY)
    proc.start()
    yield proc
    if not proc.stopped:
        assert proc.stop() == 0, proc.log_tail()


@pytest.fixture
def ctl(bus):
    client = ControlClient(bus)
    yield client
    client.close()


def run(coro):
    async def bounded():
        return await asyncio.wait_for(coro, RUN_TIMEOUT)
    return asyncio.run(bounded())


def where(band, bus):
    return {"bands": [str(band.socket_path)], "control_address": bus}


def client_for(band, bus, target=None, **kwargs):
    return BleakClient(target or str(band.socket_path), backend=BandsimClient,
                       **where(band, bus), **kwargs)


async def find(band, bus, timeout=5.0):
    return await BleakScanner.find_device_by_filter(
        lambda d, ad: True, timeout=timeout, backend=BandsimScanner,
        **where(band, bus))


async def authenticate(client):
    replies = asyncio.Queue()
    await client.start_notify(uuids.AUTH,
                              lambda _, v: replies.put_nowait(bytes(v)))
    await client.write_gatt_char(uuids.AUTH, b"\x02\x00")
    challenge = await replies.get()
    assert challenge[:3] == bytes.fromhex("10 02 01") and len(challenge) == 19
    await client.write_gatt_char(uuids.AUTH,
                                 b"\x03\x00" + encrypt(TEST_KEY, challenge[3:]))
    assert await replies.get() == bytes.fromhex("10 03 01")


# ------------------------------------------------------------- scanner

def test_scan_reports_the_advertisement_of_the_control_plane(band, ctl, bus):
    ctl.advance_clock(HOUR)         # steps in the service data
    truth = ctl.advertisement()

    async def scan():
        scanner = BleakScanner(backend=BandsimScanner, **where(band, bus))
        async with scanner:
            device = await find(band, bus)
        return device, scanner.discovered_devices_and_advertisement_data

    device, seen = run(scan())
    address = ctl.get("Address")
    assert device.address == address and device.name == "Mi Smart Band 4"
    assert device.details["path"] == str(band.socket_path)
    adv = seen[address][1]
    structures = dict(ad_structures(truth["data"]) +
                      ad_structures(truth["scan-response"]))
    assert adv.local_name == "Mi Smart Band 4"
    assert adv.manufacturer_data == {0x0157: structures[0xFF][2:]}
    steps = struct.unpack("<I", adv.service_data[FEE0])[0]
    assert adv.service_data == {FEE0: structures[0x16][2:]}
    assert steps == sum(s[2] for _, s in ctl.get_samples(0, FOREVER)) > 0


@pytest.mark.takes(1)
def test_a_linked_band_is_not_heard(band, bus):
    async def scan_while_linked():
        async with client_for(band, bus):
            return await find(band, bus, timeout=1.0)

    assert run(scan_while_linked()) is None
    assert run(find(band, bus)) is not None     # advertising again


def test_scan_of_a_directory(band, tmp_path):
    async def scan():
        return await BleakScanner.discover(
            timeout=0.2, return_adv=True, backend=BandsimScanner,
            band_dir=str(band.socket_path.parent),
            control_address="unix:path=" + str(tmp_path / "no-bus"))

    seen = run(scan())
    # No control plane on that bus: found all the same, with the
    # profile's advertisement and no steps.
    [(device, adv)] = seen.values()
    assert device.details["path"] == str(band.socket_path)
    assert adv.local_name == "Mi Smart Band 4" and not adv.service_data
    assert adv.manufacturer_data[0x0157][3] == 0xFF


# -------------------------------------------------------------- client

def test_services_reads_writes_notifications(band, ctl, bus):
    async def session():
        device = await find(band, bus)
        async with BleakClient(device, backend=BandsimClient,
                               control_address=bus) as client:
            services = client.services
            assert client.mtu_size == 247
            # BlueZ keeps GAP and GATT; the name still reads.
            assert services.get_service("1800") is None
            assert services.get_service("fee0") is not None
            name = await client.read_gatt_char(uuids.sig(0x2A00))
            battery_char = services.get_characteristic(uuids.BATTERY)
            assert battery_char.properties == ["read", "notify"]
            assert battery_char.handle == battery_char.obj.declaration
            with pytest.raises(BleakDBusError) as refused:
                await client.read_gatt_char(uuids.BATTERY)
            await authenticate(client)
            battery = await client.read_gatt_char(battery_char)
            # Write Request (current time) and a CCCD that reads back.
            now = await client.read_gatt_char(uuids.CURRENT_TIME)
            await client.write_gatt_char(uuids.CURRENT_TIME, now,
                                         response=True)
            auth_cccd = services.get_characteristic(
                uuids.AUTH).get_descriptor(CCCD)
            subscribed = await client.read_gatt_descriptor(auth_cccd.handle)
            await client.stop_notify(uuids.AUTH)
            unsubscribed = await client.read_gatt_descriptor(auth_cccd.handle)
            with pytest.raises(BleakDBusError) as cccd_write:
                await client.write_gatt_descriptor(auth_cccd.handle,
                                                   b"\x01\x00")
            with pytest.raises(BleakError) as missing:
                await client.read_gatt_char(uuids.huami(0x0FFF))
            return name, refused.value, battery, subscribed, unsubscribed, \
                cccd_write.value, missing.value

    name, refused, battery, subscribed, unsubscribed, cccd_write, missing = \
        run(session())
    assert name == b"Mi Smart Band 4"
    # What bluetoothd makes of ATT error 0x08 before Huami auth.
    assert refused.dbus_error == "org.bluez.Error.NotAuthorized"
    assert str(refused) == \
        "[org.bluez.Error.NotAuthorized] Operation Not Authorized"
    assert battery[1] == ctl.battery() and len(battery) == 20
    assert (subscribed, unsubscribed) == (b"\x01\x00", b"\x00\x00")
    assert cccd_write.dbus_error == "org.bluez.Error.NotPermitted"
    assert str(missing) == (f"Characteristic with UUID "
                            f"{uuids.huami(0x0FFF)} could not be found!")


def test_write_without_response_and_a_fetch_by_notifications(band, ctl, bus):
    ctl.advance_clock(HOUR)
    truth = ctl.get_samples(0, FOREVER)

    async def fetch():
        async with client_for(band, bus) as client:
            await authenticate(client)
            control, packets = asyncio.Queue(), []
            await client.start_notify(
                uuids.FETCH_CONTROL, lambda _, v: control.put_nowait(bytes(v)))
            await client.start_notify(
                uuids.ACTIVITY_DATA, lambda _, v: packets.append(bytes(v)))
            since = struct.pack("<HBBBBBb", 2024, 5, 20, 0, 0, 0, 0)
            # 00000004 has write-without-response only: Write Commands.
            await client.write_gatt_char(uuids.FETCH_CONTROL,
                                         b"\x01\x01" + since)
            announced = await control.get()
            await client.write_gatt_char(uuids.FETCH_CONTROL, b"\x02")
            done = await control.get()
            return announced, done, packets

    announced, done, packets = run(fetch())
    assert announced[:3] == bytes.fromhex("10 01 01")
    assert struct.unpack_from("<I", announced, 3)[0] == len(truth) == 60
    assert done == bytes.fromhex("10 02 01")
    assert [p[0] for p in packets] == list(range(len(packets)))
    body = b"".join(p[1:] for p in packets)
    assert body == b"".join(bytes(s) for _, s in truth)


def test_the_band_ending_the_link_calls_the_disconnected_callback(
        band, ctl, bus):
    async def dropped():
        gone = asyncio.Event()
        client = client_for(band, bus,
                            disconnected_callback=lambda c: gone.set())
        await client.connect()
        await asyncio.to_thread(ctl.reboot)
        await gone.wait()
        assert not client.is_connected
        with pytest.raises(BleakError) as after:
            await client.read_gatt_char(uuids.AUTH)
        return after.value

    assert str(run(dropped())) == "Not connected"


def test_disconnect_calls_the_callback_as_on_bluez(band, ctl, bus):
    calls = []

    async def session():
        client = client_for(band, bus, disconnected_callback=calls.append)
        await client.connect()
        assert await client.disconnect()
        return client

    client = run(session())
    assert calls == [client]
    ctl.wait_property("State", "advertising", 5.0)


def test_an_address_no_band_has_is_not_found(band, bus):
    async def connect():
        client = BleakClient("AA:BB:CC:DD:EE:FF", backend=BandsimClient,
                             timeout=0.5, **where(band, bus))
        await client.connect()

    with pytest.raises(BleakDeviceNotFoundError) as caught:
        run(connect())
    assert caught.value.identifier == "AA:BB:CC:DD:EE:FF"


def test_a_band_at_its_socket_that_does_not_advertise_is_not_found(
        bus, emulator_binary, tmp_path):
    """Connecting to a band by its socket waits for it to advertise, as
    bleak on BlueZ scans until it hears the device, and at the timeout
    raises as bleak does: here the band has stopped."""
    band = start_band(bus, emulator_binary, tmp_path, {})
    assert band.stop() == 0

    async def connect():
        await client_for(band, bus, timeout=0.3).connect()

    with pytest.raises(BleakDeviceNotFoundError):
        run(connect())


def test_connect_by_address(band, ctl, bus):
    async def connect():
        async with BleakClient(ctl.get("Address"), backend=BandsimClient,
                               **where(band, bus)) as client:
            return client.is_connected

    assert run(connect())


# ------------------------------------------------------------ pairing

PHONE = "48:2C:A0:11:22:33"
TABLET = "C4:1D:2E:3F:40:51"


def start_band(bus, emulator_binary, tmp_path, settings):
    """A band on the private bus with profile settings changed."""
    profile = write_variant(tmp_path / "variant.ini", settings)
    proc = BandProcess(emulator_binary, profile, tmp_path / "band",
                       control_address=bus, clock_rate=0,
                       clock_start=CLOCK_START, auth_key=TEST_KEY)
    proc.start()
    return proc


def band_ini_keys(band) -> list:
    """The keys of the band's bonds in its band.ini [bonds]."""
    import configparser
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(band.state_dir / "band.ini", encoding="utf-8")
    if not parser.has_section("bonds"):
        return []
    return [value.split()[2] for value in parser["bonds"].values()]


def bond_file(bond_dir, central, band_address) -> Path:
    return Path(bond_dir) / central / band_address.upper() / "info"


def events_since(ctl, since: int) -> list:
    ctl.sync()
    return [(e.name, e.details) for e in ctl.timeline if e.seq > since]


def mark(ctl) -> int:
    ctl.sync()
    return ctl.timeline[-1].seq if ctl.timeline else 0


def test_pair_keeps_a_bond_and_the_next_link_is_encrypted(band, ctl, bus,
                                                         tmp_path):
    bonds = tmp_path / "bonds"
    address = ctl.get("Address")

    async def pair_twice():
        async with client_for(band, bus, bond_dir=bonds,
                              central_address=PHONE) as client:
            first = await client.pair()
            again = await client.pair()     # paired already: no new key
            name = await client.read_gatt_char(uuids.sig(0x2A00))
        return first, again, name

    since = mark(ctl)
    assert run(pair_twice()) == (True, True, bytearray(b"Mi Smart Band 4"))
    key = bond_file(bonds, PHONE, address).read_text()
    assert band_ini_keys(band) == [key.split("Key=")[1].split()[0].lower()]
    assert [tuple(b) for b in ctl.get("Bonds")] == [(PHONE, "public")]
    assert [n for n, _ in events_since(ctl, since)].count("paired") == 1
    ctl.wait_property("State", "advertising", 5.0)

    async def reconnect():
        async with client_for(band, bus, bond_dir=bonds,
                              central_address=PHONE) as client:
            return await client.read_gatt_char(uuids.sig(0x2A00))

    since = mark(ctl)
    assert run(reconnect()) == bytearray(b"Mi Smart Band 4")
    seen = events_since(ctl, since)
    assert ("encrypted", {"peer": PHONE}) in seen
    assert "paired" not in [n for n, _ in seen]


def test_ghost_pairing_through_bleak_and_the_way_out(bus, ctl,
                                                     emulator_binary,
                                                     tmp_path):
    """The band keeps one bond; a tablet's pairing takes the phone's
    place.  The phone's next connect fails as on BlueZ when the band
    has lost the key; unpair() and pair() again recover."""
    band = start_band(bus, emulator_binary, tmp_path, {"bond-slots": "1"})
    address = ctl.get("Address")
    phone = dict(bond_dir=tmp_path / "phone", central_address=PHONE)
    tablet = dict(bond_dir=tmp_path / "tablet", central_address=TABLET)

    async def pair(**kwargs):
        async with client_for(band, bus, **kwargs) as client:
            return await client.pair()

    assert run(pair(**phone)) and run(pair(**tablet))
    assert [tuple(b) for b in ctl.get("Bonds")] == [(TABLET, "random")]

    async def connect(**kwargs):
        client = client_for(band, bus, **kwargs)
        await client.connect()
        return client

    with pytest.raises(BleakDBusError) as caught:
        run(connect(**phone))
    assert caught.value.dbus_error == "org.bluez.Error.Failed"
    assert caught.value.dbus_error_details == "le-connection-key-missing"
    assert bond_file(phone["bond_dir"], PHONE, address).exists()
    ctl.wait_property("State", "advertising", 5.0)

    async def forget_and_pair():
        client = client_for(band, bus, **phone)
        assert await client.unpair()     # no link needed, as on BlueZ
        gone = not bond_file(phone["bond_dir"], PHONE, address).exists()
        paired = await client.pair()     # connects, as BlueZ's Pair does
        await client.disconnect()
        return gone, paired

    assert run(forget_and_pair()) == (True, True)
    assert [tuple(b) for b in ctl.get("Bonds")] == [(PHONE, "public")]
    ctl.wait_property("State", "advertising", 5.0)
    since = mark(ctl)
    run(connect(**phone))
    assert ("encrypted", {"peer": PHONE}) in events_since(ctl, since)
    assert band.stop() == 0, band.log_tail()


def test_a_band_that_keeps_no_bonds_fails_the_pairing(bus, ctl,
                                                      emulator_binary,
                                                      tmp_path):
    band = start_band(bus, emulator_binary, tmp_path, {"bond-slots": "0"})
    bonds = tmp_path / "bonds"

    async def pair():
        async with client_for(band, bus, bond_dir=bonds,
                              central_address=PHONE) as client:
            with pytest.raises(BleakDBusError) as caught:
                await client.pair()
            # The link is as it was: ATT goes on.
            name = await client.read_gatt_char(uuids.sig(0x2A00))
            return caught.value, name

    error, name = run(pair())
    assert error.dbus_error == "org.bluez.Error.AuthenticationFailed"
    assert name == bytearray(b"Mi Smart Band 4")
    assert not bonds.exists() or not any(bonds.rglob("info"))
    assert ctl.get("Bonds") == []
    assert band.stop() == 0, band.log_tail()


# ----------------------------------------------------- with_band, example

def with_band(*argv, env=None):
    env = dict(os.environ if env is None else env,
               PYTHONPATH=str(REPO / "conformance"))
    proc = subprocess.run(
        [sys.executable, "-m", "bandsim.with_band", *map(str, argv)],
        env=env, stdin=subprocess.DEVNULL, capture_output=True,
        timeout=RUN_TIMEOUT + 5)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def test_the_example_runs_unmodified_through_with_band(band, ctl, bus):
    ctl.advance_clock(DAY + HOUR)   # 2024-05-21 11:30, band local
    samples = ctl.get_samples(0, FOREVER)
    midnight = samples[-1][0] - samples[-1][0] % DAY
    today = [s for ts, s in samples if ts >= midnight]
    assert len(today) == 11 * 60 + 30

    code, out, err = with_band("--band", band.socket_path,
                               "--control-address", bus, "--", EXAMPLE,
                               "--key", TEST_KEY.hex())
    assert code == 0, err
    assert out.splitlines() == [
        f"found Mi Smart Band 4 at {ctl.get('Address')}",
        "authenticated",
        f"battery: {ctl.battery()}%",
        f"today: {len(today)} minutes, {sum(s[2] for s in today)} steps",
    ]
    assert ctl.acked_until() == 0       # it fetched and left them


def test_the_example_with_a_wrong_key_says_so(band, bus):
    code, out, err = with_band("--band", band.socket_path,
                               "--control-address", bus, "--", EXAMPLE,
                               "--key", "00" * 16)
    assert code == 1
    assert err.strip() == \
        "auth (is the key right?) failed: the band answered 10 03 04"


PAIRING_APP = """\
import asyncio, sys
from bleak import BleakClient

async def main():
    async with BleakClient(sys.argv[1]) as client:
        print(await client.pair())

asyncio.run(main())
"""


def test_an_unmodified_program_pairs_through_with_band(band, ctl, bus,
                                                      tmp_path):
    app = tmp_path / "pair.py"
    app.write_text(PAIRING_APP)
    bonds = tmp_path / "bonds"
    env = dict(os.environ, BANDSIM_CENTRAL_ADDRESS=PHONE)
    code, out, err = with_band("--band", band.socket_path,
                               "--control-address", bus,
                               "--bond-dir", bonds, "--", app,
                               "AA:BB:CC:DD:EE:FF", env=env)
    assert (code, out) == (0, "True\n"), err
    # The app's address stands for the one band, and the bond is kept
    # under it: the same app finds it again on its next run.
    assert bond_file(bonds, PHONE, "AA:BB:CC:DD:EE:FF").is_file()
    assert [tuple(b) for b in ctl.get("Bonds")] == [(PHONE, "public")]


def test_with_band_names_a_missing_socket(tmp_path):
    code, out, err = with_band("--band", tmp_path / "none.sock", "--",
                               EXAMPLE)
    assert code == 1 and out == ""
    assert err.strip() == (
        f"python3 -m bandsim.with_band: --band {tmp_path}/none.sock: no "
        f"such socket; start a band there with `bandsim --socket "
        f"{tmp_path}/none.sock`")
