"""What the firmware and battery scenarios share: a phone's link ready
to upload, the band's Software Revision, its firmware slot files, and
the whole install (upload, 05, boot) as one step.

Band time is frozen in the suite, so the boot after ``05`` (10 s of
band time, docs/battery-firmware.md) lasts until a test advances the
clock; install() does that and waits for the band to advertise again.
A complete firmware install is for an emulator only: the scenarios that
also run on a real band do it where there is a witness, and judge the
rest by what the phone reads (old_image_runs).
"""

import configparser

from bandsim.clients.firmware import TYPE_FIRMWARE, FirmwareClient, identify
from bandsim.harness.images import fixture
from bandsim.harness.suite import TEST_KEY
from bandsim.harness.targets import wait_advertising_instances
from bandsim.link.sock import AttClient
from bandsim.protocol import uuids
from bandsim.protocol.profile import default_profile
from bandsim.protocol.values import BatteryInfo, decode_battery

from .links import authenticated_link

PROFILE = default_profile()
SOFTWARE_REVISION = PROFILE.characteristic("software-revision")
FACTORY_VERSION = PROFILE.section("device-info")["software-revision"]
BATTERY = PROFILE.by_uuid(uuids.BATTERY)
POLICY = PROFILE.section("policy")
# Below it 01 is refused (10 01 22) unless the band charges; at or
# below the drop level, off the charger, 03 01 ends the link (profile
# [policy], docs/battery-firmware.md: both are policies).
FIRMWARE_MIN_PERCENT = POLICY.getint("firmware-min-battery-percent")
LOW_BATTERY_DROP_PERCENT = POLICY.getint("low-battery-drop-percent")
FACTORY = {"slot": "a", "version": FACTORY_VERSION, "resources": "",
           "font": "", "watchface": ""}
BOOT_S = 10
# How long bluetoothd may take to take an advertisement off the air once
# the band asked (refused_connection): a mgmt command it answers in
# milliseconds, seconds on a loaded machine under TCG.
ADVERT_GONE_S = 10.0
NEW = fixture("mb4-fw-1.0.9.99.fw")
NEW_VERSION = "V" + identify(NEW).version          # V1.0.9.99
FIRMWARE_INI = "firmware.ini"


def open_updater(band, mtu: int = 247, key: bytes = TEST_KEY) \
        -> FirmwareClient:
    """Connect, exchange the MTU (unless mtu is the default 23),
    authenticate and subscribe to 00001531, as Gadgetbridge does before
    an upload."""
    def subscribe(att):
        fw = FirmwareClient(att)
        fw.enable_notifications()
        return fw
    return authenticated_link(band, mtu, key, subscribe)


def software_revision(att: AttClient) -> str:
    return att.read(SOFTWARE_REVISION.value_handle).decode("ascii")


def read_battery(att: AttClient) -> BatteryInfo:
    """00000006 as the phone reads it (level, charging)."""
    return decode_battery(att.read(BATTERY.value_handle))


def read_revision(band) -> str:
    """Software Revision over a link of its own (no auth needed)."""
    att = band.connect()
    try:
        return software_revision(att)
    finally:
        band.disconnect(att)


def refused_connection(band) -> bool:
    """True when a central cannot reach the band (it is off): the
    socket refuses, or over BlueZ the band's adapter has nothing on
    air, so there is nothing to connect to.  bluetoothd takes the
    band's advertisements off the air on its own time after the band
    asked: under load, after the band already said it is off (one VM
    run read ActiveInstances 1 there), so that gets ADVERT_GONE_S."""
    if getattr(band, "adapter", None):
        return wait_advertising_instances(band.adapter, 0, ADVERT_GONE_S)
    try:
        att = AttClient.connect(band.socket_path, timeout=1.0)
    except ConnectionRefusedError:
        return True
    att.close()
    return False


def firmware_ini(state_dir) -> dict:
    """[firmware] of STATE_DIR/firmware.ini; {} while there is none."""
    path = state_dir / FIRMWARE_INI
    if not path.exists():
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    with open(path, encoding="utf-8") as f:
        parser.read_file(f)
    return dict(parser["firmware"])


def state_files(band):
    """The state directory of an emulator the suite started (its slot
    files), None for a band reached otherwise."""
    return getattr(band, "state_dir", None)


def boot(band, control, band_time=None) -> None:
    """The link dropped after 10 05 01: let the boot time pass (through
    band_time when given, else the control plane's clock) and wait until
    the band advertises with its new image."""
    band.wait_status("DISCONNECTED=1")
    if band_time is not None:
        band_time.let_pass(BOOT_S + 0.5)
    else:
        control.advance_clock(BOOT_S + 0.5)
    band.wait_status("ADVERTISING=1")


def progress_recorder():
    """(seen, progress): progress(sent, total) for an upload, and the
    list of every (sent, total) it was called with."""
    seen = []

    def progress(sent, total):
        seen.append((sent, total))

    return seen, progress


def install(band, control, fw: FirmwareClient, image: bytes,
            progress=None, band_time=None):
    """Upload a firmware image, reboot into it; returns the
    firmware-installed event."""
    transfer = fw.update(image, TYPE_FIRMWARE, progress=progress)
    boot(band, control, band_time)
    event = control.wait_event("firmware-installed")
    return transfer, event


def retry_installs(band, control, fw: FirmwareClient, image=NEW,
                   band_time=None) -> None:
    """The retry after an update that did not complete installs image
    into the other slot (b), and the band runs its version."""
    version = "V" + identify(image).version
    _, event = install(band, control, fw, image, band_time=band_time)
    assert event.details == {"version": version, "slot": "b"}
    assert read_revision(band) == version
