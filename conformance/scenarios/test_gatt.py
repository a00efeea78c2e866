"""GATT-level conformance of a Mi Band 4, emulated or real.

Expectations come from two places: the profile file (the attribute table,
static values) and literal bytes from the protocol fact sheet (device
information, value layouts, ATT error codes), so a drift in either the
emulator or the profile shows up here.  Byte comparisons are made on hex
strings so a failure prints both PDUs.  Raw and malformed PDUs and
discovery by handle need a raw ATT link (raw_att: the socket, or over the
air with --emu-central l2cap); reads, writes and layouts run through
bleak too.
"""

import datetime
import math
import re
import struct
import time

import pytest

from bandsim.clients.auth import HuamiClient
from bandsim.link.base import AttError
from bandsim.link.bluez import through_bluetoothd
from bandsim.link.sock import AttClient
from bandsim.protocol import uuids
from bandsim.protocol.att import ErrorCode, Op
from bandsim.protocol.profile import DEFAULT_PATH, Profile

from scenarios.helpers.events import events_after, last_seq
from scenarios.helpers.pdus import error_pdu, exchange

PROFILE = Profile.load(DEFAULT_PATH)
MIBAND_SENSOR_DATA = "00000002-0000-3512-2118-0009af100700"
MIBAND_DEVICE_EVENT = "00000010-0000-3512-2118-0009af100700"

DEVICE_NAME = PROFILE.characteristic("device-name")
SOFTWARE_REVISION = PROFILE.characteristic("software-revision")
ALERT_LEVEL = PROFILE.characteristic("alert-level")
CURRENT_TIME = PROFILE.characteristic("current-time")
REALTIME_STEPS = PROFILE.characteristic("realtime-steps")
DEVICE_EVENT = PROFILE.characteristic("device-event")
NAME = b"Mi Smart Band 4"


def le16(value: int) -> bytes:
    return struct.pack("<H", value)


def assert_exchange(att, pdu: bytes, expected: bytes) -> None:
    got = exchange(att, pdu)
    assert got.hex(" ") == expected.hex(" "), f"sent {pdu.hex(' ')}"


def assert_new_link_alive(band) -> None:
    """The band takes a new link, which answers, and is let go."""
    att = band.connect()
    try:
        assert_alive(band, att)
    finally:
        band.disconnect(att)


def assert_alive(band, att) -> None:
    """The process runs and still answers a plain read on this link."""
    assert band.alive, band.log_tail()
    assert_exchange(att, bytes([Op.READ_REQ]) + le16(DEVICE_NAME.value_handle),
                    bytes([Op.READ_RSP]) + NAME)


def assert_att_error(call, opcode: int, handle: int, code: int) -> None:
    with pytest.raises(AttError) as info:
        call()
    assert info.value.pdu.hex(" ") == error_pdu(opcode, handle, code).hex(" ")


def decode_datetime(raw: bytes) -> datetime.datetime:
    """year u16 LE, month, day, hour, minute, second; invalid raises."""
    year, month, day, hour, minute, second = struct.unpack("<HBBBBB", raw)
    return datetime.datetime(year, month, day, hour, minute, second)


def tz_quarters(raw: int) -> int:
    quarters = struct.unpack("<b", bytes([raw]))[0]
    assert -48 <= quarters <= 56, f"tz {quarters} quarter-hours is not a UTC offset"
    return quarters


# ------------------------------------------------------------------ MTU

@pytest.mark.raw_att("raw ATT PDUs")
@pytest.mark.parametrize("client_mtu", [247, 23])
def test_mtu_exchange(att, client_mtu):
    """MB4/GATT/BV-01: MTU exchange is answered with the band's 247"""
    assert_exchange(att, bytes([Op.MTU_REQ]) + le16(client_mtu),
                    bytes([Op.MTU_RSP]) + le16(247))


# ------------------------------------------------------------ discovery

@pytest.mark.raw_att(
    "GATT discovery by handle; through bleak the handles are the stack's")
def test_full_discovery_matches_profile(att):
    """MB4/GATT/BV-02: full discovery matches the profile

    Primary services (start, end, UUID), then per service every
    characteristic declaration (handle, properties byte, value handle,
    UUID), then the descriptors in each characteristic's range.
    """
    found = att.discover()
    assert [(s.start, s.end, s.uuid) for s in found] == [
        (s.declaration_handle, s.end_handle, s.uuid) for s in PROFILE.services]
    for got, want in zip(found, PROFILE.services):
        assert [(c.declaration, c.properties, c.value_handle, c.uuid)
                for c in got.characteristics] == [
            (c.declaration_handle, c.properties_byte, c.value_handle, c.uuid)
            for c in want.characteristics], f"service {want.name}"
        for char, spec in zip(got.characteristics, want.characteristics):
            expected = ([(spec.cccd_handle, uuids.sig(0x2902))]
                        if spec.cccd_handle is not None else [])
            assert [(d.handle, d.uuid) for d in char.descriptors] == expected, \
                f"descriptors of {spec.name}"


@pytest.mark.raw_att(
    "GATT discovery by handle; through bleak the handles are the stack's")
def test_hinted_value_handles(att):
    """MB4/GATT/BV-03: clients that hard-code 0x0038 and 0x004a find them"""
    chars = {c.uuid: c for s in att.discover() for c in s.characteristics}
    assert chars[MIBAND_SENSOR_DATA].value_handle == 0x0038
    assert chars[MIBAND_DEVICE_EVENT].value_handle == 0x004A


@pytest.mark.raw_att("raw ATT PDUs")
def test_find_by_type_value_miband_service(att):
    """MB4/GATT/BV-04: Find By Type Value for 0xFEE0 returns its range"""
    miband = PROFILE.service("miband")
    pdu = (bytes([Op.FIND_BY_TYPE_VALUE_REQ]) + le16(0x0001) + le16(0xFFFF)
           + le16(0x2800) + le16(0xFEE0))
    assert_exchange(att, pdu, bytes([Op.FIND_BY_TYPE_VALUE_RSP])
                    + le16(0x0033) + le16(miband.end_handle))


@pytest.mark.raw_att(
    "GATT discovery by handle; through bleak the handles are the stack's")
def test_find_information_walk(att):
    """MB4/GATT/BV-05: every attribute handle and type, and nothing else"""
    assert att.discover_attributes() == PROFILE.attributes()


# --------------------------------------------------- device information

@pytest.mark.parametrize("name, expected", [
    pytest.param(name, value, id=name) for name, value in [
        ("device-name", NAME),
        ("appearance", b"\x00\x00"),
        ("software-revision", b"V1.0.9.70"),
        ("hardware-revision", b"V0.25.19.5"),
        ("pnp-id", bytes.fromhex("01 57 01 24 00 01 01")),
    ]])
def test_device_information_literals(att, name, expected):
    """MB4/DIS/BV-01: fixed device information reads as on a real band"""
    if name in getattr(att, "stack_owned", ()):
        # Over BlueZ (a bleak link) Generic Access is bluetoothd's alone;
        # any other characteristic the link lacks fails the read below.
        pytest.skip(f"{name}: BlueZ does not show Generic Access (0x1800) "
                    f"to its clients")
    assert att.read(PROFILE.characteristic(name).value_handle).hex(" ") == \
        expected.hex(" ")


@pytest.mark.observes("band.ini")
def test_serial_number_matches_identity(band, att, witness):
    """MB4/DIS/BV-02: serial number is 12 lowercase hex digits, the band's own

    Protocol §8: 12 ASCII hex characters (satcar77 expects exactly 12
    bytes); the same on every read.  Where the band is the suite's
    emulator, they are the serial in its band.ini.
    """
    handle = PROFILE.characteristic("serial-number").value_handle
    value = att.read(handle)
    assert re.fullmatch(rb"[0-9a-f]{12}", value), value
    assert att.read(handle) == value
    if witness is not None and hasattr(band, "identity"):
        # The suite's own emulator (a remote one keeps its state
        # directory to itself).
        assert value == band.identity()["serial"].encode("ascii")


def test_system_id_from_address(band, att):
    """MB4/DIS/BV-03: system ID is MAC[0..2] FF FE MAC[3..5]

    MAC is the address the phone reaches the band at: a real band's
    (--address), or the one the emulator advertises with.
    """
    address = band.address
    assert re.fullmatch(r"([0-9A-F]{2}:){5}[0-9A-F]{2}", address), address
    mac = bytes.fromhex(address.replace(":", ""))
    value = att.read(PROFILE.characteristic("system-id").value_handle)
    assert value.hex(" ") == (mac[:3] + b"\xff\xfe" + mac[3:]).hex(" ")


STATIC_VALUES = [pytest.param(c, id=c.name) for c in PROFILE.characteristics()
                 if c.value is not None and "read" in c.properties]


@pytest.mark.parametrize("char", STATIC_VALUES)
def test_static_values(authed, char):
    """MB4/DIS/BV-04: every static value in the profile reads exactly"""
    if char.name in getattr(authed, "stack_owned", ()):
        pytest.skip(f"{char.name}: BlueZ does not show Generic Access "
                    f"(0x1800) to its clients")
    assert authed.read(char.value_handle).hex(" ") == char.value.hex(" ")


# ------------------------------------------------------------ current time

TIME_2024_05_20 = bytes.fromhex("e8 07 05 14 0a 1e 00 02 00 00 04")


def check_current_time(value: bytes) -> datetime.datetime:
    assert len(value) == 11, value.hex(" ")
    when = decode_datetime(value[:7])
    assert value[7] == when.isoweekday(), f"day of week in {value.hex(' ')}"
    assert value[9] == 0, f"adjust reason in {value.hex(' ')}"
    tz_quarters(value[10])
    return when


def test_current_time_layout(authed):
    """MB4/TIME/BV-01: current time is 11 bytes of a valid date and time"""
    check_current_time(authed.read(CURRENT_TIME.value_handle))


def test_current_time_set(authed, band_time):
    """MB4/TIME/BV-02: a written time reads back and keeps running

    The written day-of-week byte (02) disagrees with the date, a Monday:
    the band reports the day of week of the date it holds.  An emulated
    band's clock stands still in the suite, so "keeps running" is
    exactly the 2 s it is moved on; a real band's clock runs by itself,
    so it reads back no earlier than written and no later than the
    seconds the scenario took.
    """
    written = time.monotonic()
    authed.write(CURRENT_TIME.value_handle, TIME_2024_05_20)
    band_time.let_pass(2)
    value = authed.read(CURRENT_TIME.value_handle)
    when = check_current_time(value)
    start = datetime.datetime(2024, 5, 20, 10, 30)
    if band_time.control is not None:
        assert when == start + datetime.timedelta(seconds=2), value.hex(" ")
    else:
        took = math.ceil(time.monotonic() - written) + 1
        assert start <= when <= start + datetime.timedelta(seconds=took), \
            value.hex(" ")
    assert value[7] == when.isoweekday()
    assert value[10] == 0x04


@pytest.mark.parametrize("length", [0, 9, 12])
def test_current_time_wrong_length(authed, length):
    """MB4/TIME/BI-01: a current-time write of the wrong length is refused"""
    value = (TIME_2024_05_20 + b"\x00")[:length]
    assert_att_error(lambda: authed.write(CURRENT_TIME.value_handle, value),
                     Op.WRITE_REQ, CURRENT_TIME.value_handle,
                     ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH)


def test_current_time_cts_form_keeps_tz(authed):
    """MB4/TIME/BV-03: the 10-byte CTS form sets the clock and keeps the tz

    Clients written for the standard Current Time Service send 10 bytes
    without the Mi Band tz byte (docs/policies.md).
    """
    authed.write(CURRENT_TIME.value_handle, TIME_2024_05_20)
    authed.write(CURRENT_TIME.value_handle,
                 bytes.fromhex("e8 07 02 1d 0c 00 00 00 00 00"))
    value = authed.read(CURRENT_TIME.value_handle)
    when = check_current_time(value)
    assert when.date() == datetime.date(2024, 2, 29)
    assert value[7] == 4            # the band computes Thursday itself
    assert value[10] == TIME_2024_05_20[10]


def test_current_time_month_13(authed, target):
    """MB4/TIME/BI-02: month 13 is refused and the clock keeps its time

    The band answers Value Not Allowed (0x13).  An emulator served
    through bluetoothd (--emu-bluez) cannot say 0x13: bluetoothd 5.66
    passes only 0x80-0x9F and a few named errors back to the central, so
    the refusal arrives as Unlikely Error (0x0E, docs/bluez.md)."""
    authed.write(CURRENT_TIME.value_handle, TIME_2024_05_20)
    bad = bytearray(TIME_2024_05_20)
    bad[2] = 13
    assert_att_error(lambda: authed.write(CURRENT_TIME.value_handle,
                                          bytes(bad)),
                     Op.WRITE_REQ, CURRENT_TIME.value_handle,
                     through_bluetoothd(ErrorCode.VALUE_NOT_ALLOWED)
                     if target.through_bluetoothd
                     else ErrorCode.VALUE_NOT_ALLOWED)
    when = check_current_time(authed.read(CURRENT_TIME.value_handle))
    assert when.date() == datetime.date(2024, 5, 20)


# ----------------------------------------------------- battery and steps

@pytest.mark.observes("Battery", "Charging")
def test_battery_layout(authed, witness):
    """MB4/BATT/BV-01: battery info is the 20-byte layout, its level what the band holds

    0F, the level in percent, the charging byte (00 or 01), two times
    with their tz bytes (the last charge and the last time off the
    charger), the level at the last charge.  On the suite's own band
    the level and the charging byte are its Battery and Charging
    (a fresh band: the profile's initial level).
    """
    value = authed.read(PROFILE.characteristic("battery").value_handle)
    assert len(value) == 20, value.hex(" ")
    assert value[0] == 0x0F
    assert 0 <= value[1] <= 100 and value[2] in (0x00, 0x01), value.hex(" ")
    decode_datetime(value[3:10])
    tz_quarters(value[10])
    decode_datetime(value[11:18])
    tz_quarters(value[18])
    assert 0 <= value[19] <= 100, value.hex(" ")
    if witness is not None:
        assert (value[1], value[2]) == (witness.get("Battery"),
                                        int(witness.get("Charging"))), \
            value.hex(" ")


def test_realtime_steps_layout(authed):
    """MB4/STEPS/BV-01: realtime steps is 0C then steps, metres, kcal u32"""
    value = authed.read(REALTIME_STEPS.value_handle)
    assert len(value) == 13, value.hex(" ")
    assert value[0] == 0x0C
    struct.unpack("<III", value[1:])


# --------------------------------------------------------- malformed PDUs

def _gap():
    """First and last handle of the hole before the 0xFEE0 declaration."""
    services = PROFILE.services
    for before, after in zip(services, services[1:]):
        if after.declaration_handle > before.end_handle + 1:
            return before.end_handle + 1, after.declaration_handle - 1
    raise AssertionError("the profile has no handle gap")


GAP_START, GAP_END = _gap()
LAST_HANDLE = PROFILE.attributes()[-1][0]
DEVICE_NAME_VALUE = le16(DEVICE_NAME.value_handle)

MALFORMED = [
    *(pytest.param(bytes([op]), error_pdu(op, 0, ErrorCode.INVALID_PDU),
                   id=f"truncated-{op:02x}")
      for op in (0x02, 0x04, 0x06, 0x08, 0x0A, 0x0C, 0x10, 0x12)),
    pytest.param(bytes.fromhex("20 01 00"),
                 error_pdu(0x20, 0, ErrorCode.REQUEST_NOT_SUPPORTED),
                 id="unknown-request"),
    # A long write is a Write Request made long: where no Write Request
    # may write, neither may it (docs/policies.md#long-writes).
    pytest.param(bytes([Op.PREPARE_WRITE_REQ]) + DEVICE_NAME_VALUE
                 + le16(0) + b"A",
                 error_pdu(Op.PREPARE_WRITE_REQ, DEVICE_NAME.value_handle,
                           ErrorCode.WRITE_NOT_PERMITTED),
                 id="prepare-write-read-only"),
    *(pytest.param(bytes([op]), error_pdu(op, 0, ErrorCode.INVALID_PDU),
                   id=f"truncated-{op:02x}")
      for op in (Op.PREPARE_WRITE_REQ, Op.EXECUTE_WRITE_REQ)),
    pytest.param(bytes.fromhex("18 02"),
                 error_pdu(Op.EXECUTE_WRITE_REQ, 0, ErrorCode.INVALID_PDU),
                 id="execute-write-reserved-flags"),
    *(pytest.param(bytes([Op.READ_REQ]) + le16(h),
                   error_pdu(Op.READ_REQ, h, ErrorCode.INVALID_HANDLE),
                   id=f"read-handle-{h:04x}")
      for h in (0x0000, 0xFFFF)),
    pytest.param(bytes([Op.READ_REQ]) + le16(ALERT_LEVEL.value_handle),
                 error_pdu(Op.READ_REQ, ALERT_LEVEL.value_handle,
                           ErrorCode.READ_NOT_PERMITTED),
                 id="read-not-permitted"),
    pytest.param(bytes([Op.WRITE_REQ]) + DEVICE_NAME_VALUE + b"A",
                 error_pdu(Op.WRITE_REQ, DEVICE_NAME.value_handle,
                           ErrorCode.WRITE_NOT_PERMITTED),
                 id="write-not-permitted"),
    pytest.param(bytes([Op.READ_BLOB_REQ]) + DEVICE_NAME_VALUE
                 + le16(len(NAME) + 1),
                 error_pdu(Op.READ_BLOB_REQ, DEVICE_NAME.value_handle,
                           ErrorCode.INVALID_OFFSET),
                 id="read-blob-offset"),
    pytest.param(bytes([Op.READ_BY_GROUP_TYPE_REQ]) + le16(1) + le16(0xFFFF)
                 + le16(0x2803),
                 error_pdu(Op.READ_BY_GROUP_TYPE_REQ, 1,
                           ErrorCode.UNSUPPORTED_GROUP_TYPE),
                 id="group-type-2803"),
    pytest.param(bytes([Op.FIND_INFO_REQ]) + le16(5) + le16(4),
                 error_pdu(Op.FIND_INFO_REQ, 5, ErrorCode.INVALID_HANDLE),
                 id="find-info-start-after-end"),
    pytest.param(bytes([Op.FIND_INFO_REQ]) + le16(0) + le16(0xFFFF),
                 error_pdu(Op.FIND_INFO_REQ, 0, ErrorCode.INVALID_HANDLE),
                 id="find-info-start-zero"),
    pytest.param(bytes([Op.FIND_INFO_REQ]) + le16(GAP_START) + le16(GAP_END),
                 error_pdu(Op.FIND_INFO_REQ, GAP_START,
                           ErrorCode.ATTRIBUTE_NOT_FOUND),
                 id="find-info-gap"),
    pytest.param(bytes([Op.FIND_INFO_REQ]) + le16(LAST_HANDLE + 1)
                 + le16(0xFFFF),
                 error_pdu(Op.FIND_INFO_REQ, LAST_HANDLE + 1,
                           ErrorCode.ATTRIBUTE_NOT_FOUND),
                 id="find-info-past-end"),
]

IGNORED_COMMANDS = [
    bytes.fromhex("52 ff ff 00 01 02"),          # write command, no such handle
    bytes([Op.WRITE_CMD]),                       # write command, truncated
    bytes([Op.WRITE_CMD]) + DEVICE_NAME_VALUE + b"garbage",  # read-only target
    bytes.fromhex("7f 00 01"),                   # unknown, command bit set
]


@pytest.mark.raw_att("malformed PDUs")
@pytest.mark.parametrize("pdu, expected", MALFORMED)
def test_malformed_request(band, att, pdu, expected):
    """MB4/ATT/BI-01: a bad request gets its exact Error Response"""
    assert_exchange(att, pdu, expected)
    assert_alive(band, att)


@pytest.mark.raw_att("malformed PDUs")
def test_commands_are_never_answered(band, att):
    """MB4/ATT/BI-02: malformed or refused commands get no reply at all

    ATT answers in order, so if the next reply is the read response,
    none of the commands sent before it produced one.
    """
    for pdu in IGNORED_COMMANDS:
        att.send_raw(pdu)
    assert_alive(band, att)


@pytest.mark.raw_att("malformed PDUs")
def test_survives_every_malformed_pdu(band, att):
    """MB4/ATT/BI-03: one link takes every bad PDU in a row and still works"""
    for param in MALFORMED:
        pdu, expected = param.values
        assert_exchange(att, pdu, expected)
    for pdu in IGNORED_COMMANDS:
        att.send_raw(pdu)
    assert_alive(band, att)


# ------------------------------------------------------------------- CCCD

@pytest.mark.raw_att("raw ATT PDUs")
def test_cccd_enable_notifications(authed):
    """MB4/CCCD/BV-01: enabling notifications is acknowledged and stored"""
    handle = REALTIME_STEPS.cccd_handle
    assert authed.read(handle) == b"\x00\x00"
    assert_exchange(authed,
                    bytes([Op.WRITE_REQ]) + le16(handle) + b"\x01\x00",
                    bytes([Op.WRITE_RSP]))
    assert authed.read(handle) == b"\x01\x00"


@pytest.mark.raw_att("raw ATT PDUs")
def test_cccd_wrong_length(authed):
    """MB4/CCCD/BI-01: a 3-byte CCCD write is refused"""
    handle = REALTIME_STEPS.cccd_handle
    assert_exchange(authed,
                    bytes([Op.WRITE_REQ]) + le16(handle) + b"\x01\x00\x00",
                    error_pdu(Op.WRITE_REQ, handle,
                              ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH))


@pytest.mark.raw_att("raw ATT PDUs")
def test_cccd_indication_on_notify_only(att):
    """MB4/CCCD/BI-02: indications cannot be enabled on a notify-only value"""
    assert DEVICE_EVENT.properties == ("notify",)
    handle = DEVICE_EVENT.cccd_handle
    assert_exchange(att, bytes([Op.WRITE_REQ]) + le16(handle) + b"\x02\x00",
                    error_pdu(Op.WRITE_REQ, handle,
                              ErrorCode.CCCD_IMPROPERLY_CONFIGURED))
    assert att.read(handle) == b"\x00\x00"


# ------------------------------------------------------------------- link

@pytest.mark.socket_only("a second central on the socket")
def test_one_link_at_a_time(band):
    """MB4/LINK/BV-01: a second central is refused until the first leaves"""
    first = band.connect()
    try:
        try:
            intruder = AttClient.connect(band.socket_path, timeout=2.0)
        except ConnectionRefusedError:
            pass
        else:
            intruder.close()
            pytest.fail("second connect() succeeded while a link was up")
        assert_alive(band, first)
    finally:
        band.disconnect(first)
    assert_new_link_alive(band)


# An app that reconnects in a loop makes this many links in a row.
RECONNECTS = 12


def test_reconnects_in_a_row(band, target):
    """MB4/LINK/BV-03: a dozen links in a row, each taken, answered and authenticated ("stuck connecting")

    An app that reconnects in a loop (an auto-reconnect after every drop,
    a phone whose stack restarts) links, reads the Software Revision (a
    value the band serves itself on every transport: through bluetoothd
    Generic Access is bluetoothd's), authenticates with the band's key
    and leaves, twelve times in a row.
    The band takes every link, answers each at once, passes each auth,
    and after the last one is found and answers again: a band that kept
    something of a link it no longer has would stop advertising, refuse
    the next link or answer it late.
    """
    for attempt in range(RECONNECTS):
        att = band.connect()
        try:
            revision = att.read(SOFTWARE_REVISION.value_handle)
            assert revision.startswith(b"V"), \
                f"link {attempt + 1}: {revision.hex(' ')}"
            huami = HuamiClient(att)
            huami.enable_notifications()
            huami.authenticate(target.auth_key)
        finally:
            band.disconnect(att)
    # Found and answered once more, through the same read (a raw ATT
    # read of the Device Name does not pass bluetoothd).
    att = band.connect()
    try:
        assert band.alive, band.log_tail()
        assert att.read(SOFTWARE_REVISION.value_handle) == revision
    finally:
        band.disconnect(att)


# The socket transport's bound (transport/sock/sock-server.c TX_QUEUE_MAX).
TX_QUEUE_MAX = 4096


@pytest.mark.socket_only("the socket transport's send queue")
def test_central_that_never_reads_is_dropped(band):
    """MB4/LINK/BI-01: a central that never reads is dropped past 4096 queued PDUs"""
    client = band.connect()
    request = bytes([Op.READ_REQ]) + le16(DEVICE_NAME.value_handle)
    sent = 0
    try:
        # More requests than the queue and both socket buffers hold; the
        # band answers each and this central reads none of the answers.
        while sent < 3 * TX_QUEUE_MAX:
            client.send_raw(request)
            sent += 1
    except OSError:
        pass        # the band hung up while we were still sending
    band.wait_dropped()
    answers = 0
    try:
        while True:
            pdu = client.recv_raw(timeout=0)
            assert pdu == bytes([Op.READ_RSP]) + NAME, pdu.hex(" ")
            answers += 1
    except Exception:
        pass        # nothing more: the link is gone
    client.close()
    # The band queued its 4096 answers (and filled the socket) before it
    # hung up, and no more: this central got whole answers only, fewer
    # than it asked for.
    assert TX_QUEUE_MAX <= sent < 3 * TX_QUEUE_MAX, sent
    assert 0 < answers < sent, (answers, sent)
    assert_new_link_alive(band)


# How long a link idles on a band whose clock runs (a real band): the
# emulator's day of band time is AdvanceClock.
IDLE_WALL_S = 60
DAY = 24 * 3600


@pytest.mark.observes("Events")
def test_idle_link_stays_up(band, band_time, witness):
    """MB4/LINK/BV-02: a link idle for a day of band time is still up (no idle timeout)

    On the emulator a day of band time passes (AdvanceClock) and the
    band reports no disconnect.  A real band's clock runs: the link
    idles for 60 s of wall time, in which a band that ended it would
    show as a lost link, and then still answers a read of its hardware
    revision with the bytes it read before.
    """
    client = band.connect()
    revision = PROFILE.characteristic("hardware-revision").value_handle
    try:
        before = client.read(revision)
        mark = last_seq(witness) if witness is not None else None
        band_time.let_pass(DAY)
        if band_time.control is None:
            # Nothing is subscribed: nothing may come but a lost link.
            with pytest.raises(TimeoutError):
                client.wait_any_notification(
                    [DEVICE_EVENT.value_handle], IDLE_WALL_S)
        assert client.read(revision) == before
        if witness is not None:
            assert events_after(witness, "disconnected", mark) == []
    finally:
        band.disconnect(client)
