"""Firmware, resource, font and watchface updates on 00001531 / 00001532.

The contract is docs/battery-firmware.md; the protocol facts are the
fact sheet's §7.  The files are the synthetic images of
fixtures/firmware (bandsim/images.py): not Xiaomi firmware, only the
markers by which a Mi Band 4 file is recognised (§7.2).

What a user must never meet: a band that runs half an image.  So every
way an upload can end short of a verified ``04`` followed by ``05`` (the
link lost at 57 %, a wrong CRC, a file for another band, a low battery,
kill -9) is checked to leave the old image running (Software Revision,
the Firmware property and STATE_DIR/firmware.ini unchanged) and a retry
to succeed.  State is read from the control plane and the band's files,
never from its log.

The failures that write no firmware a band would boot (BI-01..04,
BI-07..09) run on a real band too, with --allow-firmware (marked
uploads("firmware")): one scenario, two judges.  The phone's: every
reply on 00001531 (10 01 xx, 10 03 xx, 10 04 xx), the link it loses,
and a new link reading the Software Revision it read before.  The
witness's, where there is an emulator: its events, its Firmware
property and slot files; only there does a scenario go on to 05 and a
complete install (may_install).  Where a status is the emulator's
policy the docstring says so: on a real band another is a finding.
"""

import zlib

import pytest

from bandsim.clients.auth import HuamiClient
from bandsim.clients.firmware import (TYPE_FIRMWARE, TYPE_FONT,
                                      TYPE_FONT_LATIN, TYPE_RESOURCES,
                                      TYPE_RESOURCES_COMPRESSED,
                                      TYPE_WATCHFACE, FirmwareClient,
                                      FirmwareInterrupted, LowBattery, Refused,
                                      Transfer, identify, init_payload)
from bandsim.harness.images import (build_firmware, build_font,
                                    build_resources, build_watchface, fixture)
from bandsim.link.base import AttError
from bandsim.protocol.att import ErrorCode

from scenarios.helpers.events import event_after, events_after, last_seq
from scenarios.helpers.pdus import hexs
from scenarios.helpers.policy import CONNECTION_INTERVAL_S
from scenarios.helpers.update import (FACTORY, FACTORY_VERSION,
                                      FIRMWARE_MIN_PERCENT,
                                      LOW_BATTERY_DROP_PERCENT, NEW,
                                      NEW_VERSION, boot, firmware_ini, install,
                                      progress_recorder, read_battery,
                                      read_revision, refused_connection,
                                      retry_installs, software_revision,
                                      state_files)

NEWER = fixture("mb4-fw-1.1.0.1.fw")
NEWER_VERSION = "V" + identify(NEWER).version      # V1.1.0.1
# NEW whole at ATT_MTU 23 on a band at a real band's pace: its 20-byte
# Write Commands at one a connection event, the slowest reading of §13,
# and half as much again.
UPLOAD_AT_MTU_23_S = -(-len(NEW) // 20) * CONNECTION_INTERVAL_S * 1.5
MiB = 1024 * 1024


@pytest.fixture
def state_band(start_band, tmp_path):
    """A band whose state dir the test knows (for its slot files)."""
    state_dir = tmp_path / "state"
    return start_band(state_dir=state_dir), state_dir


def assert_old_image_runs(band, witness, before=FACTORY_VERSION, label="",
                          since=0, expected=FACTORY):
    """Nothing of an upload that did not complete shows anywhere.  The
    phone's judge: a new link reads the Software Revision it read before
    the upload (`before`).  Where there is a witness, the band's own
    account too: its Firmware property (`expected`), firmware.ini where
    the suite started it, and no firmware verified (a watchface may be)
    or installed since seq `since` (a band killed after 10 04 01 did
    verify)."""
    assert read_revision(band) == before, label
    if witness is None:
        return
    assert before == FACTORY_VERSION, label
    assert witness.firmware() == expected, label
    state_dir = state_files(band)
    if state_dir is not None:
        assert firmware_ini(state_dir).get("slot", "a") == "a", label
    witness.sync()
    done = [e.name for e in witness.timeline if e.seq > since and (
        e.name == "firmware-installed" or e.name == "firmware-verified"
        and e.details.get("type") == TYPE_FIRMWARE)]
    assert not done, f"{label}: {done}"


def may_install(band, witness) -> bool:
    """A complete firmware install (05, the boot into the new image) is
    for an emulator the suite started and watches, whose status pipe
    shows the boot and whose slot files show what was installed; never
    for a real band, whose firmware the failure scenarios leave alone."""
    return witness is not None and state_files(band) is not None


def upload_watchface(fw, witness, band, data=None, label="watchface"):
    """A complete watchface upload (10 01 01, 10 03 01, 10 04 01, no
    05), safe on a real band; where there is a witness it was verified
    and stored as sent.  Returns the Firmware property's watchface
    (None without a witness)."""
    data = build_watchface() if data is None else data
    fw.update(data, TYPE_WATCHFACE)
    if witness is None:
        return None
    witness.wait_event("firmware-verified", type=TYPE_WATCHFACE)
    reported = witness.firmware()["watchface"]
    assert reported != "", f"{label}: watchface not reported"
    state_dir = state_files(band)
    if state_dir is not None:
        assert (state_dir / "watchface.bin").read_bytes() == data, label
    return reported


# ------------------------------------------------------------ success

@pytest.mark.needs_control("Firmware", "State", "AdvanceClock", "Events")
@pytest.mark.emulator_process(
    "the factory image and slot files; restarts the band")
def test_update_installs_new_firmware(state_band, start_band, control,
                                      updaters):
    """MB4/FW/BV-01: the phone updates the band's firmware

    Gadgetbridge at MTU 247: the progress bar climbs to 100 %, 10 04 01,
    05; the band drops the link, is gone for its boot time, then runs
    the new image from the other slot: Software Revision reads the
    version embedded in the file, and so it stays after a restart.
    """
    band, state_dir = state_band
    assert control.firmware() == FACTORY
    fw = updaters(band)
    assert software_revision(fw.att) == FACTORY_VERSION
    seen, progress = progress_recorder()
    transfer = fw.update(NEW, progress=progress)

    sent = [s for s, _ in seen]
    assert sent == sorted(set(sent)), "progress went backwards"
    assert seen[-1] == (len(NEW), len(NEW))
    assert transfer.chunk == 244 and transfer.chunks == len(sent)
    started = control.wait_event("firmware-started")
    assert started.details == {"type": TYPE_FIRMWARE, "size": len(NEW)}
    verified = control.wait_event("firmware-verified")
    assert verified.details == {"type": TYPE_FIRMWARE,
                                "version": NEW_VERSION}

    # 10 05 01 came and the link is gone: the band is booting.
    band.wait_status("DISCONNECTED=1")
    control.wait_property("State", "booting")
    assert refused_connection(band)
    control.advance_clock(9.5)
    assert control.get("State") == "booting"
    assert refused_connection(band)
    control.advance_clock(1.0)
    band.wait_status("ADVERTISING=1")
    installed = control.wait_event("firmware-installed")
    assert installed.details == {"version": NEW_VERSION, "slot": "b"}
    assert control.get("State") == "advertising"

    expected = dict(FACTORY, slot="b", version=NEW_VERSION)
    assert control.firmware() == expected
    assert read_revision(band) == NEW_VERSION
    assert (state_dir / "firmware-b.bin").read_bytes() == NEW
    assert firmware_ini(state_dir)["slot"] == "b"
    assert firmware_ini(state_dir)["version"] == NEW_VERSION

    assert band.stop() == 0
    band = start_band(state_dir=state_dir)
    assert control.firmware() == expected
    assert read_revision(band) == NEW_VERSION


@pytest.mark.needs_control("Firmware", "AdvanceClock", "Events")
@pytest.mark.emulator_process(
    "the factory image and slot files in the state directory")
def test_second_update_uses_the_other_slot(state_band, control, updaters):
    """MB4/FW/BV-02: two updates in a row, the second without an MTU exchange

    Slots alternate: the first update goes to b, the next back to a.
    The second runs at MTU 23 (20-byte chunks, a sync every 100) with a
    version string shorter than 8 bytes (NUL-padded in the file).
    """
    band, state_dir = state_band
    install(band, control, updaters(band), NEW)
    fw = updaters(band, mtu=23)
    transfer, event = install(band, control, fw, NEWER)
    assert transfer.chunk == 20
    assert transfer.syncs[:3] == [100, 200, 300]
    assert transfer.syncs[-1] == transfer.chunks == -(-len(NEWER) // 20)
    assert event.details == {"version": NEWER_VERSION, "slot": "a"}
    assert control.firmware() == dict(FACTORY, slot="a",
                                      version=NEWER_VERSION)
    assert read_revision(band) == NEWER_VERSION
    assert (state_dir / "firmware-a.bin").read_bytes() == NEWER
    assert (state_dir / "firmware-b.bin").read_bytes() == NEW


@pytest.mark.uploads("resources", "font", "watchface")
@pytest.mark.observes("Firmware", "Events")
@pytest.mark.restarts("stop")
def test_resources_font_and_watchface(band, witness, restart_band, updaters):
    """MB4/FW/BV-03: the phone installs resources, a font and a watchface

    Each ends with 10 04 01 and needs no 05 (protocol §7.1): the link
    stays up and answers, the Software Revision stays what it was, and
    so it stays after the band restarts.  Where there is a witness, the
    band's own account too: the Firmware property reports what was
    installed (a resource's and a font's version, a watchface as
    installed), the firmware slot and version stay, nothing was
    installed, and on an emulator the suite started the files it keeps
    are the bytes sent and the property is the same after a restart on
    its state directory (SIGTERM).  Any other band the phone reboots
    (05 on 00001531) instead.
    """
    fw = updaters(band)
    before = software_revision(fw.att)
    state_dir = state_files(band)
    files = [
        (build_resources(80), TYPE_RESOURCES, "resources", "80",
         "resources.bin"),
        (build_font(3), TYPE_FONT, "font", "3", "font.bin"),
        (build_watchface(), TYPE_WATCHFACE, "watchface", None,
         "watchface.bin"),
        (build_resources(81, compressed=True), TYPE_RESOURCES_COMPRESSED,
         "resources", "81", "resources.bin"),
        (build_font(6, kind=0x06), TYPE_FONT_LATIN, "font", "6", "font.bin"),
    ]
    for data, file_type, key, number, stored in files:
        label = f"type {file_type:#04x}"
        # A status other than 10 xx 01 at any step raises here.
        fw.update(data, file_type)
        assert software_revision(fw.att) == before, label
        if witness is None:
            continue
        verified = witness.wait_event("firmware-verified", type=file_type)
        reported = witness.firmware()[key]
        if number is None:
            # §7.2 gives a watchface no version; installed is not "".
            assert reported != "", f"{label}: watchface not reported"
        else:
            assert verified.details["version"] == reported, label
            assert reported in (number, "v" + number), \
                f"{label}: {key} reported as {reported!r}"
        if state_dir is not None:
            assert (state_dir / stored).read_bytes() == data, label
    after = None
    if witness is not None:
        after = witness.firmware()
        assert (after["slot"], after["version"]) == ("a", FACTORY_VERSION)
        assert "firmware-installed" not in witness.names()
    if state_dir is not None:
        assert band.pending("DISCONNECTED=1") == 0

    band = restart_band(band, "stop", via=fw.att)
    assert read_revision(band) == before
    if witness is not None:
        assert witness.firmware() == after


@pytest.mark.uploads("firmware")
@pytest.mark.observes("Events")
@pytest.mark.timeout(UPLOAD_AT_MTU_23_S + 60)
def test_sync_is_never_answered(band, witness, updaters):
    """MB4/FW/BV-04: the band never answers the 00 sync

    Gadgetbridge aborts an upload on any reply it did not ask for, and
    sends 00 after every 100 chunks and at the end.  Neither a sync
    outside a transfer nor one in the middle gets a reply, and 10 03 01
    waits until every announced byte has arrived.  A client that sends
    its syncs as Write Commands (no ATT response either) meets the same
    silence and completes its upload (10 03 01, no reboot asked).  On a
    band without a control plane it runs only with --allow-firmware: the
    image is the suite's own.
    """
    fw = updaters(band, mtu=23)
    fw.sync()
    fw.sync()
    fw.init(TYPE_FIRMWARE, len(NEW), zlib.crc32(NEW))
    fw.start_data()
    transfer = Transfer(TYPE_FIRMWARE, len(NEW), zlib.crc32(NEW))
    fw.send_data(NEW[:250 * 20], transfer, expect_complete=False)
    assert transfer.syncs == [100, 200, 250]
    fw.sync()
    software_revision(fw.att)       # answered after anything before it
    fw.expect_silence()

    fw.sync_as_command = True
    # The whole image at ATT_MTU 23: a real band takes one Write Command
    # a connection event or a few (protocol §13), far longer than an
    # emulator on its socket.
    transfer = fw.update(NEW, reboot=False, timeout=UPLOAD_AT_MTU_23_S)
    assert transfer.syncs[-1] == transfer.chunks == -(-len(NEW) // 20)
    software_revision(fw.att)
    fw.expect_silence()
    if witness is not None:
        assert witness.wait_event("firmware-verified").details == \
            {"type": TYPE_FIRMWARE, "version": NEW_VERSION}


@pytest.mark.observes("Events")
def test_unauthenticated_phone_cannot_flash(band, witness, target):
    """MB4/FW/BV-05: a phone that did not authenticate cannot flash the band

    00001531 and 00001532 are protected: the CCCD and 01 are refused
    with Insufficient Authorization, data Write Commands are dropped,
    so after auth the band still knows of no transfer (10 03 04).
    Where there is a control plane it also reports no firmware-started.
    Served through bluetoothd (--emu-transport bluez) the CCCD is bluetoothd's,
    which accepts it (docs/bluez.md); the 01 is still refused.  On a
    real band nothing is written: the one 01 is refused, or the scenario
    fails there, before any data.
    """
    att = band.connect()
    try:
        fw = FirmwareClient(att)
        writes = [lambda: att.write(fw.control_handle, init_payload(
            TYPE_FIRMWARE, len(NEW), zlib.crc32(NEW)))]
        if not target.through_bluetoothd:
            writes.insert(0, fw.enable_notifications)
        for write in writes:
            with pytest.raises(AttError) as info:
                write()
            assert info.value.code == ErrorCode.INSUFFICIENT_AUTHORIZATION
        att.write_command(fw.data_handle, NEW[:20])
        huami = HuamiClient(att)
        huami.enable_notifications()
        huami.authenticate(target.auth_key)
        fw.enable_notifications()
        assert hexs(fw.command(b"\x03\x01")) == "10 03 04"
        if witness is not None:
            witness.sync()
            assert "firmware-started" not in witness.names()
    finally:
        band.disconnect(att)


# ------------------------------------------------------------ failures

@pytest.mark.uploads("firmware")
@pytest.mark.observes("Firmware", "Events")
def test_interrupted_update_keeps_old_firmware(band, witness, band_time,
                                               updaters):
    """MB4/FW/BI-01: the update that must not be interrupted

    The phone loses the link at 57 %.  The band discards the transfer
    and keeps running its old image: a new link reads the Software
    Revision read before the upload.  The phone's retry, from 01 on a
    new link, counts its bytes from its own 01: 10 03 01 comes at its
    end, not when the bytes of both add up (§7.3: no resume).  Where
    there is a witness the retry installs the new image (slot b; the
    Firmware property, firmware.ini and the events say the lost transfer
    failed, interrupted, and nothing was installed before).  On a real
    band (--allow-firmware) the retry stops after 10 03 01: no 04, no
    05, so its firmware is not changed, and it still reads its old
    version.  What a real band does after a lost transfer is [U] in
    §7.3; the emulator's discard is a policy (firmware-interrupted,
    docs/policies.md): a real band that answers otherwise is a finding.
    """
    fw = updaters(band)
    before = software_revision(fw.att)

    def cut(sent, total):
        if sent * 100 >= 57 * total:
            fw.att.shutdown()

    with pytest.raises(FirmwareInterrupted) as info:
        fw.update(NEW, progress=cut)
    assert 57 * len(NEW) <= 100 * info.value.sent < 58 * len(NEW)
    # Where the band reports the link's end (its status, a control
    # plane), the report is taken before the phone connects again.
    band.disconnect(fw.att)
    if witness is not None:
        assert witness.wait_event("firmware-failed").details == \
            {"reason": "interrupted"}
    assert_old_image_runs(band, witness, before, "after 57 %")

    retry = updaters(band)
    if may_install(band, witness):
        retry_installs(band, witness, retry, band_time=band_time)
        return
    transfer = Transfer(TYPE_FIRMWARE, len(NEW), zlib.crc32(NEW))
    retry.init(TYPE_FIRMWARE, transfer.size, transfer.crc)
    retry.start_data()
    retry.send_data(NEW, transfer)      # 10 03 01 at 100 %, none before
    assert software_revision(retry.att) == before
    band.disconnect(retry.att)
    assert_old_image_runs(band, witness, before, "after the retry's data")


@pytest.mark.uploads("firmware")
@pytest.mark.person("low-battery")
@pytest.mark.observes("Firmware", "Events")
def test_low_battery_refuses_update(band, hands, band_time, witness,
                                    updaters):
    """MB4/FW/BI-02: the phone cannot update a band below 20 %

    The person lets the band run down below the profile's
    firmware-min-battery-percent (the emulator is set to 19 %): the
    phone reads the level and that the band is not charging, and the
    band answers 01 with 10 01 22 (low battery), nothing starts.
    Charged to 20 % (two points more where the band's clock runs, so it
    is not below again by the time it is asked), the same request on a
    new link is accepted (10 01 01); no byte of the file is sent, and
    the band runs its old image.  The threshold and the status are
    policies (firmware-min-battery-percent, firmware-low-battery-status,
    docs/policies.md; 0x22 is the Huami family's low-battery code): a
    real band that refuses otherwise, or takes 01 at 19 %, is a finding.
    """
    hands.run_down(FIRMWARE_MIN_PERCENT - 1)
    fw = updaters(band)
    before = software_revision(fw.att)
    battery = read_battery(fw.att)
    assert battery.level < FIRMWARE_MIN_PERCENT, \
        f"the band reads {battery.level} %"
    assert not battery.charging, "the band charges"
    with pytest.raises(LowBattery) as info:
        fw.init(TYPE_FIRMWARE, len(NEW), zlib.crc32(NEW))
    assert hexs(info.value.reply) == "10 01 22"
    assert software_revision(fw.att) == before
    if witness is not None:
        assert witness.wait_event("firmware-failed").details == \
            {"reason": "low-battery"}
        witness.sync()
        assert "firmware-started" not in witness.names()
    band.disconnect(fw.att)

    frozen = band_time.control is not None
    hands.charge_up(FIRMWARE_MIN_PERCENT if frozen
                    else FIRMWARE_MIN_PERCENT + 2)
    fw = updaters(band)
    battery = read_battery(fw.att)
    assert battery.level >= FIRMWARE_MIN_PERCENT, \
        f"the band reads {battery.level} %"
    assert not battery.charging, "the band charges"
    fw.init(TYPE_FIRMWARE, len(NEW), zlib.crc32(NEW))
    if witness is not None:
        assert witness.wait_event("firmware-started").details == \
            {"type": TYPE_FIRMWARE, "size": len(NEW)}
    band.disconnect(fw.att)
    assert_old_image_runs(band, witness, before, "after 20 %")


@pytest.mark.uploads("firmware")
@pytest.mark.observes("Firmware", "Events")
def test_bad_crc_fails_after_100_percent(band, witness, band_time, updaters):
    """MB4/FW/BI-03: the update reaches 100 % and then fails

    A byte flipped on the way: every byte arrives (10 03 01) but the
    CRC-32 does not match, so 04 gets 10 04 04.  Reported as "the band
    freezes after a bad transfer": here it must not.  The link works
    (Software Revision reads as before), and so does a new one.  Where
    there is a witness, 05 is a plain reboot into the old image, and a
    good upload afterwards installs.  On a real band (--allow-firmware)
    the phone sends no 05 after the refusal (Gadgetbridge's "do not
    reboot the band") and installs nothing: its firmware is not changed.
    """
    damaged = bytearray(NEW)
    damaged[0x8000] ^= 0x01
    fw = updaters(band)
    before = software_revision(fw.att)
    seen, progress = progress_recorder()
    with pytest.raises(Refused) as info:
        fw.update(bytes(damaged), crc=zlib.crc32(NEW), progress=progress)
    assert seen[-1] == (len(NEW), len(NEW))
    assert hexs(info.value.reply) == "10 04 04"
    assert software_revision(fw.att) == before
    if witness is not None:
        assert witness.wait_event("firmware-failed").details == \
            {"reason": "crc"}
    if not may_install(band, witness):
        band.disconnect(fw.att)
        assert_old_image_runs(band, witness, before, "after a bad CRC")
        return

    fw.reboot()
    band.wait_dropped()
    witness.wait_event("reboot")
    assert_old_image_runs(band, witness, before, "after a bad CRC")
    install(band, witness, updaters(band), NEW, band_time=band_time)
    assert read_revision(band) == NEW_VERSION


UNRECOGNISED = {
    "no-band-name": (fixture("corrupt-no-name.fw"), TYPE_FIRMWARE),
    "bad-header": (fixture("corrupt-bad-header.fw"), TYPE_FIRMWARE),
    "unaligned-name": (fixture("corrupt-unaligned-name.fw"), TYPE_FIRMWARE),
    "resources-as-firmware": (fixture("mb4-res-v80.res"), TYPE_FIRMWARE),
    "firmware-as-font": (NEW, TYPE_FONT),
    "firmware-as-watchface": (NEW, TYPE_WATCHFACE),
}


@pytest.mark.uploads("firmware")
@pytest.mark.observes("Firmware", "Events")
@pytest.mark.parametrize("case", sorted(UNRECOGNISED))
def test_unrecognised_file_is_refused(band, witness, updaters, case):
    """MB4/FW/BI-04: the phone sends a file that is not for this band

    The CRC is right, but the file is not what its type says (§7.2: no
    Mi Band 4 header or name, or another kind of file): every byte
    arrives (10 03 01), then 04 gets 10 04 04, and nothing is installed:
    no 05 is sent, and a new link reads the Software Revision read
    before.  §7.2 is the phone's recognition (Gadgetbridge's); that the
    band checks the same at 04 is the emulator's policy
    (docs/battery-firmware.md): on a real band (--allow-firmware; each
    file carries a firmware type or a firmware image) another status,
    or 10 04 01, is a finding.
    """
    data, file_type = UNRECOGNISED[case]
    fw = updaters(band)
    before = software_revision(fw.att)
    with pytest.raises(Refused) as info:
        fw.update(data, file_type, reboot=False)
    assert hexs(info.value.reply) == "10 04 04"
    if witness is not None:
        assert witness.wait_event("firmware-failed").details == \
            {"reason": "unrecognised"}
    band.disconnect(fw.att)
    assert_old_image_runs(band, witness, before, case)


@pytest.mark.observes("Events")
def test_commands_out_of_place(band, witness, updaters):
    """MB4/FW/BI-05: commands the band cannot take

    A phone app with bugs, or another band's updater: data start or
    checksum without a transfer, unknown commands, wrong lengths, an
    unknown file type, a file over 4 MiB.  Each gets its status at once
    and the band goes on answering, its Software Revision unchanged.
    Where there is a control plane, the largest file it takes (4 MiB,
    10 01 01) is announced too, and its events say why each was
    refused.  Without one (a real band) nothing the band should take is
    sent, and the first reply that differs ends the scenario: no data
    is ever written.
    """
    fw = updaters(band)
    revision = software_revision(fw.att)
    crc = zlib.crc32(NEW)
    table = [
        ("03 01", "10 03 04"),
        ("04", "10 04 04"),
        ("09", "10 09 02"),
        ("03", "10 03 02"),
        ("04 00", "10 04 02"),
        (hexs(init_payload(TYPE_FIRMWARE, len(NEW), crc)[:9]), "10 01 02"),
        (hexs(init_payload(TYPE_FIRMWARE, len(NEW), crc) + b"\x00"),
         "10 01 02"),
        (hexs(init_payload(0x07, len(NEW), crc)), "10 01 04"),
        (hexs(init_payload(TYPE_FIRMWARE, 5 * MiB, crc)), "10 01 04"),
        (hexs(init_payload(TYPE_FIRMWARE, 4 * MiB + 1, crc)), "10 01 04"),
    ]
    if witness is not None:
        table += [
            (hexs(init_payload(TYPE_FIRMWARE, 4 * MiB, crc)), "10 01 01"),
            ("04", "10 04 04"),
        ]
    for sent, expected in table:
        assert (sent, hexs(fw.command(bytes.fromhex(sent)))) == \
            (sent, expected)
    assert software_revision(fw.att) == revision
    if witness is None:
        return
    assert revision == FACTORY_VERSION
    witness.sync()
    failed = [e.details.get("reason") for e in witness.timeline
              if e.name == "firmware-failed"]
    for reason in ("unknown-type", "too-large", "size"):
        assert reason in failed, f"no firmware-failed {reason}: {failed}"
    assert failed.count("too-large") == 2, failed
    assert witness.wait_event("firmware-started").details == \
        {"type": TYPE_FIRMWARE, "size": 4 * MiB}


@pytest.mark.needs_control("Firmware", "AdvanceClock", "Events")
@pytest.mark.emulator_process("kill -9 and a restart on the state directory")
@pytest.mark.parametrize("point", ["mid-transfer", "before-reboot"])
def test_power_loss_during_update(start_band, control, updaters, tmp_path,
                                  point):
    """MB4/FW/BI-06: the battery dies in the middle of an update

    kill -9 half way through the data, or after 10 04 01 but before 05:
    the band restarted on the same state dir runs its old image, and a
    new update succeeds.
    """
    state_dir = tmp_path / "state"
    band = start_band(state_dir=state_dir)
    fw = updaters(band, mtu=23)
    if point == "mid-transfer":
        def kill(sent, total):
            if sent * 2 >= total and band.alive:
                band.kill()
        with pytest.raises(FirmwareInterrupted):
            fw.update(NEW, progress=kill)
    else:
        fw.update(NEW, reboot=False)
        control.wait_event("firmware-verified")
        band.kill()
    fw.att.close()

    control.drain()
    mark = control.timeline[-1].seq if control.timeline else 0
    band = start_band(state_dir=state_dir)
    assert_old_image_runs(band, control, label=point, since=mark)
    retry_installs(band, control, updaters(band))


def start_half(fw, image=NEW):
    """01 for a firmware image, 03 01 and its first half: no 10 03 01."""
    fw.init(TYPE_FIRMWARE, len(image), zlib.crc32(image))
    fw.start_data()
    fw.send_data(image[:len(image) // 2],
                 Transfer(TYPE_FIRMWARE, len(image), 0),
                 expect_complete=False)


@pytest.mark.uploads("firmware", "watchface")
@pytest.mark.observes("Firmware", "Events")
def test_new_request_discards_transfer(band, witness, band_time, updaters):
    """MB4/FW/BI-07: the phone restarts an upload without disconnecting

    Half of a firmware image, then a new 01 for another file on the same
    link: the band forgets the first bytes, so the second file completes
    on its own byte count and verifies exactly as sent.  First the
    second file is a watchface: 10 03 01 comes when its own bytes are
    in and 10 04 01 (the CRC-32 of the watchface alone) says the band
    holds nothing of the firmware; nothing asks for 05, and the band
    runs its old image.  That much runs on a real band too
    (--allow-firmware: half a firmware image is sent).  Where there is a
    witness, the events say the first transfer failed (interrupted)
    before the second started, the watchface is stored as sent; then
    the same again with a firmware image for the second file, which
    installs exactly as sent (slot b).
    """
    fw = updaters(band)
    before = software_revision(fw.att)
    start_half(fw)
    if witness is not None:
        witness.wait_event("firmware-started", size=len(NEW))
    face = build_watchface()
    reported = upload_watchface(fw, witness, band, face)
    assert software_revision(fw.att) == before
    band.disconnect(fw.att)
    if witness is None:
        assert_old_image_runs(band, witness, before, "after a watchface")
        return
    discarded = witness.wait_event("firmware-failed")
    assert discarded.details == {"reason": "interrupted"}
    assert discarded.seq < witness.wait_event("firmware-started",
                                              size=len(face)).seq
    assert_old_image_runs(band, witness, before, "after a watchface",
                          expected=dict(FACTORY, watchface=reported))
    if not may_install(band, witness):
        return

    mark = last_seq(witness)
    fw = updaters(band)
    start_half(fw)
    witness.wait_event("firmware-started", size=len(NEW))
    _, event = install(band, witness, fw, NEWER, band_time=band_time)
    discarded = event_after(witness, "firmware-failed", mark)
    assert discarded.details == {"reason": "interrupted"}
    assert discarded.seq < witness.wait_event("firmware-started",
                                              size=len(NEWER)).seq
    assert event.details == {"version": NEWER_VERSION, "slot": "b"}
    assert (state_files(band) / "firmware-b.bin").read_bytes() == NEWER
    assert read_revision(band) == NEWER_VERSION


@pytest.mark.uploads("firmware")
@pytest.mark.person("low-battery", "charger")
@pytest.mark.observes("Firmware", "Events")
def test_battery_drops_at_data_start(band, hands, witness, updaters):
    """MB4/FW/BI-08: the update fails when the battery runs low

    The person lets the band run down to the profile's
    low-battery-drop-percent (the emulator is set to 15 %) and puts it
    on the charger, where 01 is accepted; off the charger again, the
    band drops the link as the phone starts the data (03 01).  The
    transfer is discarded (for low battery) and the old image keeps
    running: a new link reads the Software Revision read before.
    Charged past firmware-min-battery-percent, the band takes 01, 03 01
    and data again and keeps the link: the drop was the battery's; that
    transfer, never finished, changes nothing either.  The charger's
    exception and the drop as a transfer starts are policies
    (firmware-min-battery-percent, low-battery-drop-percent and
    -pattern, docs/policies.md; Gadgetbridge #1734): a real band that
    refuses 01 on the charger, or keeps the link at 03 01, is a finding.
    """
    hands.run_down(LOW_BATTERY_DROP_PERCENT)
    fw = updaters(band)
    before = software_revision(fw.att)
    battery = read_battery(fw.att)
    assert battery.level <= LOW_BATTERY_DROP_PERCENT, \
        f"the band reads {battery.level} %"
    hands.put_on_charger()
    assert read_battery(fw.att).charging, "the band does not charge"
    fw.init(TYPE_FIRMWARE, len(NEW), zlib.crc32(NEW))
    hands.take_off_charger()
    assert not read_battery(fw.att).charging, "the band still charges"
    with pytest.raises(FirmwareInterrupted):
        fw.start_data()
        fw.send_data(NEW, Transfer(TYPE_FIRMWARE, len(NEW), 0))
    band.disconnect(fw.att)
    if witness is not None:
        assert witness.wait_event("low-battery-drop").details == \
            {"reason": "transfer-start"}
        assert witness.wait_event("firmware-failed").details == \
            {"reason": "low-battery"}
    assert_old_image_runs(band, witness, before,
                          f"at {LOW_BATTERY_DROP_PERCENT} %")
    mark = last_seq(witness)

    hands.charge_up(FIRMWARE_MIN_PERCENT + 2)
    fw = updaters(band)
    assert read_battery(fw.att).level >= FIRMWARE_MIN_PERCENT
    start_half(fw)
    assert software_revision(fw.att) == before
    band.disconnect(fw.att)
    if witness is not None:
        witness.wait_event("firmware-started", size=len(NEW))
        assert witness.wait_event("firmware-failed").details == \
            {"reason": "interrupted"}
        assert events_after(witness, "low-battery-drop", mark) == []
    assert_old_image_runs(band, witness, before, "charged")


@pytest.mark.uploads("firmware", "watchface")
@pytest.mark.observes("Firmware", "Events")
def test_announced_size_rules(band, witness, band_time, updaters):
    """MB4/FW/BI-09: the phone sends more, or less, than it announced

    A transfer short of its size gets no 10 03 01, and 04 then fails
    (10 04 04, reason size).  Bytes past the announced size are dropped,
    so a file verifies exactly as announced: a watchface with 100 bytes
    too many gets 10 03 01 and 10 04 01 (the CRC-32 of the announced
    bytes), and is stored as announced.  Both run on a real band too
    (--allow-firmware: the short file is a firmware image; no 05 is
    sent, it still reads its old version).  Where there is a witness a
    firmware image with 100 bytes too many also installs exactly as
    announced (slot b).
    """
    fw = updaters(band)
    before = software_revision(fw.att)
    short = build_firmware("1.0.9.98", 16 * 1024)
    transfer = Transfer(TYPE_FIRMWARE, len(short) + 100, zlib.crc32(short))
    fw.init(TYPE_FIRMWARE, transfer.size, transfer.crc)
    fw.start_data()
    fw.send_data(short, transfer, expect_complete=False)
    with pytest.raises(Refused) as info:
        fw.verify()
    assert hexs(info.value.reply) == "10 04 04"
    if witness is not None:
        assert witness.wait_event("firmware-failed").details == \
            {"reason": "size"}
        assert witness.firmware() == FACTORY

    face = build_watchface()
    fw.update(face + bytes(100), TYPE_WATCHFACE, size=len(face),
              crc=zlib.crc32(face))
    assert software_revision(fw.att) == before
    band.disconnect(fw.att)
    if witness is None:
        assert_old_image_runs(band, witness, before, "after a watchface")
        return
    witness.wait_event("firmware-verified", type=TYPE_WATCHFACE)
    reported = witness.firmware()["watchface"]
    assert reported != ""
    if state_files(band) is not None:
        assert (state_files(band) / "watchface.bin").read_bytes() == face
    assert_old_image_runs(band, witness, before, "after a watchface",
                          expected=dict(FACTORY, watchface=reported))
    if not may_install(band, witness):
        return

    fw = updaters(band)
    fw.update(NEW + bytes(100), size=len(NEW), crc=zlib.crc32(NEW))
    boot(band, witness, band_time)
    assert witness.wait_event("firmware-installed").details == \
        {"version": NEW_VERSION, "slot": "b"}
    assert (state_files(band) / "firmware-b.bin").read_bytes() == NEW
