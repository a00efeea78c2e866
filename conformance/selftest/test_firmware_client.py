"""The firmware upload client against a scripted band, no emulator.

A socketpair stands in for the link and a small thread plays the band
of docs/battery-firmware.md, with switches for the ways a band can get
it wrong (answer a sync, refuse, go quiet, drop the link).  What the
client sent is kept PDU by PDU and compared byte for byte, so a
scenario failure can be blamed on the band, not on the client.
"""

import select
import socket
import threading
import zlib

import pytest

from bandsim.clients.firmware import (TYPE_FIRMWARE, TYPE_FONT, FirmwareClient,
                                      FirmwareInterrupted,
                                      FirmwareProtocolError, FirmwareTimeout,
                                      LowBattery, Malformed, Refused,
                                      SyncAnswered, Transfer, check_reply,
                                      init_payload)
from bandsim.protocol.profile import DEFAULT_PATH, Profile

PROFILE = Profile.load(DEFAULT_PATH)
CONTROL = PROFILE.by_uuid("00001531-0000-3512-2118-0009af100700")
DATA = PROFILE.by_uuid("00001532-0000-3512-2118-0009af100700")
IMAGE = bytes((i * 7 + 3) % 256 for i in range(4321))


class ScriptedBand(threading.Thread):
    """Answers like the contract unless a switch says otherwise."""

    def __init__(self, sock):
        super().__init__(daemon=True)
        self.sock = sock
        self.pdus = []            # everything the client sent
        self.data = bytearray()
        self.size = self.crc = None
        self.init_status = 0x01
        self.answer_sync = False
        self.complete_reply = True
        self.drop_after = None    # bytes of data, then close
        self.error = None

    def notify(self, value: bytes) -> None:
        self.sock.send(bytes([0x1B]) + CONTROL.value_handle.to_bytes(
            2, "little") + value)

    def run(self):
        try:
            while True:
                ready, _, _ = select.select([self.sock], [], [], 5.0)
                if not ready:
                    return
                pdu = self.sock.recv(1024)
                if not pdu or not self.handle(pdu):
                    return
        except OSError as exc:       # the client went away first
            self.error = exc

    def handle(self, pdu: bytes) -> bool:
        self.pdus.append(pdu)
        handle = int.from_bytes(pdu[1:3], "little")
        value = pdu[3:]
        if pdu[0] == 0x52 and handle == DATA.value_handle:
            before = len(self.data)
            self.data += value
            if self.drop_after is not None and \
                    len(self.data) >= self.drop_after:
                self.sock.shutdown(socket.SHUT_RDWR)
                return False
            if self.complete_reply and self.size is not None and \
                    before < self.size <= len(self.data):
                self.notify(b"\x10\x03\x01")
            return True
        if pdu[0] == 0x52 and handle == CONTROL.value_handle:
            if value == b"\x00" and self.answer_sync:
                self.notify(b"\x10\x00\x01")
            return True
        if pdu[0] != 0x12:
            return True
        if handle == CONTROL.value_handle:
            if value[0] == 0x01:
                self.size = int.from_bytes(value[2:6], "little")
                self.crc = int.from_bytes(value[6:10], "little")
                self.data = bytearray()
                self.notify(bytes([0x10, 0x01, self.init_status]))
            elif value[0] == 0x00 and self.answer_sync:
                self.notify(b"\x10\x00\x01")
            elif value[0] == 0x04:
                good = zlib.crc32(self.data[:self.size]) == self.crc
                self.notify(b"\x10\x04" + (b"\x01" if good else b"\x04"))
            elif value[0] == 0x05:
                self.notify(b"\x10\x05\x01")
                self.sock.shutdown(socket.SHUT_RDWR)
                return False
        self.sock.send(b"\x13")
        return True

    def sent(self, opcode, handle):
        return [p[3:] for p in self.pdus
                if p[0] == opcode and int.from_bytes(p[1:3], "little")
                == handle]


@pytest.fixture
def link(scripted_link):
    att, band_end = scripted_link(timeout=1.0)
    band = ScriptedBand(band_end.sock)
    band.start()
    yield FirmwareClient(att, timeout=1.0), band
    att.close()                 # the band's thread ends with the link
    band.join(5.0)
    assert not band.is_alive()


def control_writes(band):
    return [v.hex(" ") for v in band.sent(0x12, CONTROL.value_handle)]


def test_whole_firmware_update(link):
    fw, band = link
    fw.enable_notifications()
    seen = []
    transfer = fw.update(IMAGE, progress=lambda s, t: seen.append((s, t)))
    crc = zlib.crc32(IMAGE)
    assert band.sent(0x12, CONTROL.cccd_handle) == [b"\x01\x00"]
    chunks = band.sent(0x52, DATA.value_handle)
    assert b"".join(chunks) == IMAGE
    assert {len(c) for c in chunks[:-1]} == {20}       # MTU 23 - 3
    assert len(chunks) == transfer.chunks == 217
    assert transfer.syncs == [100, 200, 217]
    assert control_writes(band) == [
        init_payload(TYPE_FIRMWARE, len(IMAGE), crc).hex(" "),
        "03 01", "00", "00", "00", "04", "05"]
    assert control_writes(band)[0] == "01 00 e1 10 00 00 " + \
        crc.to_bytes(4, "little").hex(" ")
    # The syncs sit after chunk 100, 200 and the last one.
    kinds = ["S" if p[3:] == b"\x00" and p[0] == 0x12 else "D"
             for p in band.pdus if p[0] == 0x52 or p[3:] == b"\x00"]
    assert [i for i, k in enumerate(kinds) if k == "S"] == [100, 201, 219]
    assert seen[-1] == (len(IMAGE), len(IMAGE))
    assert [s for s, _ in seen] == sorted({s for s, _ in seen})


def test_chunk_follows_mtu_and_other_types_skip_reboot(link):
    fw, band = link
    fw.att.mtu = 247
    fw.enable_notifications()
    fw.update(IMAGE, TYPE_FONT)
    chunks = band.sent(0x52, DATA.value_handle)
    assert [len(c) for c in chunks] == [244] * 17 + [len(IMAGE) - 17 * 244]
    assert control_writes(band)[-2:] == ["00", "04"]
    with pytest.raises(ValueError):
        fw.update(IMAGE, TYPE_FONT, chunk=245)


@pytest.mark.parametrize("status, error", [
    (0x22, LowBattery), (0x04, Refused), (0x02, Malformed)])
def test_init_refusals_are_typed(link, status, error):
    fw, band = link
    band.init_status = status
    with pytest.raises(error) as info:
        fw.update(IMAGE)
    assert (info.value.command, info.value.status) == (0x01, status)
    assert control_writes(band) == [init_payload(
        0, len(IMAGE), zlib.crc32(IMAGE)).hex(" ")]


def test_answered_sync_fails_the_update(link):
    fw, band = link
    band.answer_sync = True
    with pytest.raises(SyncAnswered):
        fw.update(IMAGE)
    # It stops at the first sync, after chunk 100.
    assert len(band.sent(0x52, DATA.value_handle)) == 100


@pytest.mark.parametrize("answered", [False, True])
def test_sync_as_write_command(link, answered):
    fw, band = link
    fw.sync_as_command = True
    band.answer_sync = answered
    if answered:
        with pytest.raises(SyncAnswered):
            fw.update(IMAGE)
        return
    fw.update(IMAGE)
    syncs = band.sent(0x52, CONTROL.value_handle)
    assert syncs == [b"\x00"] * 3
    assert control_writes(band) == [
        init_payload(TYPE_FIRMWARE, len(IMAGE), zlib.crc32(IMAGE)).hex(" "),
        "03 01", "04", "05"]


def test_short_transfer_gets_no_completion(link):
    fw, band = link
    transfer = Transfer(TYPE_FIRMWARE, len(IMAGE) + 1, zlib.crc32(IMAGE))
    fw.init(TYPE_FIRMWARE, transfer.size, transfer.crc)
    fw.start_data()
    fw.send_data(IMAGE, transfer, expect_complete=False)
    band.size = len(IMAGE)          # now the band claims completion early
    band.data = bytearray()
    with pytest.raises(FirmwareProtocolError):
        fw.send_data(IMAGE, transfer, expect_complete=False)


def test_wrong_crc_reaches_100_percent_then_fails(link):
    fw, band = link
    seen = []
    with pytest.raises(Refused) as info:
        fw.update(IMAGE, crc=zlib.crc32(IMAGE) ^ 1,
                  progress=lambda s, t: seen.append(s))
    assert info.value.reply == b"\x10\x04\x04"
    assert seen[-1] == len(IMAGE)
    assert control_writes(band)[-1] == "04"


def test_missing_completion_times_out(link):
    fw, band = link
    band.complete_reply = False
    with pytest.raises(FirmwareTimeout):
        fw.update(IMAGE, timeout=0.5)


def test_link_lost_mid_transfer(link):
    fw, band = link
    band.drop_after = 2000
    with pytest.raises(FirmwareInterrupted) as info:
        fw.update(IMAGE)
    assert 2000 <= info.value.sent < len(IMAGE)


def test_progress_callback_can_cut_the_link(link):
    fw, band = link

    def cut(sent, total):
        if sent * 100 >= 57 * total:
            fw.att.shutdown()

    with pytest.raises(FirmwareInterrupted) as info:
        fw.update(IMAGE, progress=cut)
    assert info.value.sent == 2480          # 124 chunks of 20
    assert 57 * len(IMAGE) <= 100 * info.value.sent < 58 * len(IMAGE)


def test_reply_checks():
    check_reply(b"\x10\x01\x01", 0x01)
    check_reply(bytes.fromhex("10 01 01 00 00 00 00 00 00 00 00"), 0x01)
    for bad in ("10 02 01", "10 01", "11 01 01", "10 01 01 00"):
        with pytest.raises(FirmwareProtocolError):
            check_reply(bytes.fromhex(bad), 0x01)
    with pytest.raises(SyncAnswered):
        check_reply(b"\x10\x00\x01", 0x03)


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
