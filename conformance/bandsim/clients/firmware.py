"""Firmware, resource, font and watchface upload, as Gadgetbridge's
UpdateFirmwareOperationNew speaks it to a Mi Band 4.

Commands go to 00001531 and are answered by notifications on 00001531;
the file goes to 00001532 as Write Commands (docs/battery-firmware.md,
fact sheet §7.1):

    01 <type> <size u32> <crc32 u32>   ->  10 01 01
    03 01                              ->  (nothing yet)
    data chunks of MTU-3 bytes on 00001532, a 00 sync on 00001531 after
    every 100 chunks and one at the end   ->  10 03 01 once all arrived
    04                                 ->  10 04 01  (CRC and file kind OK)
    05 (firmware only)                 ->  10 05 01, then the link drops

00001531 is "write, notify" in the profile, so every command on it,
the sync included, is a Write Request, as an Android phone writes a
characteristic without write-without-response.  The Write Response
is ATT's; a Huami reply is a notification.  A band that answers a sync
with a notification breaks Gadgetbridge (it aborts on any unexpected
reply), so any ``10 00 ..`` fails the transfer here too.

identify() is the fact sheet's §7.2 file recognition, written from the
fact sheet alone, so a test can say what the band should make of a file
without asking the band.
"""

import zlib
from dataclasses import dataclass, field

from ..link.base import DEFAULT_TIMEOUT, Disconnected, Link, Timeout
from ..link.deadline import as_deadline
from ..protocol import uuids
from ..protocol.huami import MALFORMED, REFUSED, REPLY, SUCCESS, StatusError
from ..protocol.profile import Profile
from .base import CommandClient, Interrupted

SYNC = 0x00
INIT = 0x01
START_DATA = 0x03
CHECKSUM = 0x04
REBOOT = 0x05

TYPE_FIRMWARE = 0x00
TYPE_FONT = 0x01
TYPE_RESOURCES = 0x02
TYPE_RESOURCES_COMPRESSED = 0x82
TYPE_WATCHFACE = 0x08
TYPE_FONT_LATIN = 0x0B
TYPES = {TYPE_FIRMWARE: "firmware", TYPE_FONT: "font",
         TYPE_RESOURCES: "resources",
         TYPE_RESOURCES_COMPRESSED: "resources",
         TYPE_WATCHFACE: "watchface", TYPE_FONT_LATIN: "font"}

LOW_BATTERY = 0x22

SYNC_EVERY = 100
MAX_SIZE = 4 * 1024 * 1024
# A whole upload (init to reboot) gets this long unless told otherwise.
UPDATE_TIMEOUT = 20.0


# ------------------------------------------------------------ errors

class FirmwareError(Exception):
    """Base of everything this module raises about the band's answers."""


class FirmwareRefused(FirmwareError, StatusError):
    """A reply ``10 <command> <status>`` with a status other than 01."""


class LowBattery(FirmwareRefused):
    """Status 0x22: the battery is too low for an update."""


class Refused(FirmwareRefused):
    """Status 04: unknown type, too large, out of order, bad file."""


class Malformed(FirmwareRefused):
    """Status 02: wrong length or unknown command."""


class FirmwareProtocolError(FirmwareError):
    """A reply that fits no step of the protocol."""


class SyncAnswered(FirmwareProtocolError):
    """The band answered a ``00`` sync; Gadgetbridge would abort."""


class FirmwareTimeout(FirmwareError, Timeout):
    """The band went quiet where it owes a reply."""


class FirmwareInterrupted(FirmwareError, Interrupted):
    """The link ended in the middle of an upload."""

    PROGRESS = "sent"


def check_reply(reply: bytes, command: int) -> None:
    """``10 <command> 01`` returns; another status raises its typed
    FirmwareRefused; anything else is a protocol error."""
    if len(reply) >= 2 and reply[0] == REPLY and reply[1] == SYNC \
            and command != SYNC:
        raise SyncAnswered(f"reply {reply.hex(' ')} to a 00 sync")
    FirmwareClient.check(reply, command)
    # GB accepts the 3- and the 11-byte form (§7.1).
    if len(reply) not in (3, 11):
        raise FirmwareProtocolError(f"reply of {len(reply)} bytes: "
                                    f"{reply.hex(' ')}")


def init_payload(file_type: int, size: int, crc: int) -> bytes:
    return (bytes([INIT, file_type]) + size.to_bytes(4, "little")
            + crc.to_bytes(4, "little"))


# ------------------------------------------------------- recognition

FW_HEADER = bytes.fromhex("31 00 00 00 00 00 00 00 00 00 9c e3 7d 5c 00 04")
BAND_NAME = b"Mi Smart Band 4\0"
VERSION_PATTERN = b"V%d.%d.%d.%d\0\0\0\0"


def _aligned_find(data: bytes, needle: bytes) -> int:
    at = data.find(needle)
    while at >= 0 and at % 4:
        at = data.find(needle, at + 1)
    return at


@dataclass(frozen=True)
class FileInfo:
    kind: str            # firmware, resources, font, watchface, invalid
    version: str = ""    # firmware "1.0.9.99"; resources/font the byte


INVALID = FileInfo("invalid")


def identify(data: bytes) -> FileInfo:
    """What §7.2 makes of a file: its kind and embedded version."""
    data = bytes(data)
    if data[16:32] == FW_HEADER:
        if _aligned_find(data, BAND_NAME) < 0:
            return INVALID
        at = _aligned_find(data, VERSION_PATTERN)
        version = ""
        if at >= 0:
            raw = data[at + len(VERSION_PATTERN):at + len(VERSION_PATTERN) + 8]
            version = raw.split(b"\0", 1)[0].decode("ascii", "replace")
        return FileInfo("firmware", version)
    if data[9:14] in (b"HMRES", b"NERES") or data[13:18] == b"NERES":
        at = 14 if data[11:14] == b"RES" else 18
        if len(data) > at:
            return FileInfo("resources", str(data[at]))
    if data[:5] == b"HMRES" and len(data) > 5:
        return FileInfo("resources", str(data[5]))
    if data[:6] == b"HMDIAL":
        return FileInfo("watchface")
    if data[:4] == b"NEZK" and len(data) > 10 and data[10] in (0x03, 0x06):
        return FileInfo("font", str(data[4]))
    return INVALID


# ------------------------------------------------------------ client

@dataclass
class Transfer:
    """How an upload went out, for tests that check the packetisation."""
    file_type: int
    size: int
    crc: int
    chunk: int = 0
    chunks: int = 0
    syncs: list = field(default_factory=list)   # chunk counts at each sync
    progress: list = field(default_factory=list)


class FirmwareClient(CommandClient):
    """The update protocol on one authenticated link."""

    CONTROL = uuids.FIRMWARE_CONTROL
    DATA = uuids.FIRMWARE_DATA
    WRITE_REQUEST = True
    WrongReply = FirmwareProtocolError
    Refusal = FirmwareRefused
    REFUSALS = {LOW_BATTERY: LowBattery, REFUSED: Refused,
                MALFORMED: Malformed}

    def __init__(self, att: Link, profile: Profile = None,
                 timeout: float = DEFAULT_TIMEOUT,
                 sync_as_command: bool = False):
        """sync_as_command: send the 00 sync as a Write Command, as a
        client that never waits on it would (the band must stay silent
        either way; with a Write Request the Write Response also shows
        the band has handled every chunk before it)."""
        super().__init__(att, profile, timeout)
        self.sync_as_command = sync_as_command
        self.last_transfer = None

    # ------------------------------------------------------------ raw

    def send(self, payload: bytes, timeout=None, sent: int = 0) -> None:
        """Write Request on 00001531, exactly the bytes given."""
        try:
            super().send(payload, timeout)
        except Disconnected as exc:
            raise FirmwareInterrupted(
                f"link ended on {bytes(payload).hex(' ')}", sent) from exc

    def reply(self, timeout=None) -> bytes:
        """The next notification on 00001531."""
        deadline = as_deadline(timeout, self.timeout)
        try:
            return self.att.wait_notification(self.control_handle, deadline)
        except Disconnected as exc:
            raise FirmwareInterrupted("link ended while waiting for a "
                                      "reply on 00001531") from exc
        except Timeout as exc:
            raise FirmwareTimeout(f"no reply on 00001531 within "
                                  f"{deadline.seconds} s") from exc

    def queued_reply(self):
        """A notification on 00001531 that already arrived, or None."""
        try:
            return self.att.wait_notification(self.control_handle, 0)
        except Timeout:
            return None
        except Disconnected as exc:
            raise FirmwareInterrupted("link ended") from exc

    def expect_silence(self) -> None:
        """Nothing arrived on 00001531: a Read or Write answered after
        this point proves the band has handled everything sent before."""
        got = self.queued_reply()
        if got is not None:
            if got[:2] == bytes([REPLY, SYNC]):
                raise SyncAnswered(f"reply {got.hex(' ')} to a 00 sync")
            raise FirmwareProtocolError(f"unexpected reply {got.hex(' ')} "
                                        f"on 00001531")

    def _expect(self, payload: bytes, command: int, timeout=None) -> bytes:
        reply = self.command(payload, timeout)
        check_reply(reply, command)
        return reply

    # ---------------------------------------------------------- steps

    def init(self, file_type: int, size: int, crc: int, timeout=None) -> None:
        """``01 <type> <size> <crc32>``; 10 01 01 returns, else raises."""
        self._expect(init_payload(file_type, size, crc), INIT, timeout)

    def start_data(self, timeout=None) -> None:
        """``03 01``: no reply is due yet; one that comes is an error
        (10 03 04 raises Refused)."""
        self.send(bytes([START_DATA, 0x01]), timeout)
        got = self.queued_reply()
        if got is not None:
            check_reply(got, START_DATA)
            raise FirmwareProtocolError(f"{got.hex(' ')} before any data")

    def sync(self, timeout=None, sent: int = 0, check: bool = True) -> None:
        """``00``; the band must not answer it (check=False leaves the
        check to the caller: after the last chunk 10 03 01 is due)."""
        if self.sync_as_command:
            try:
                self.att.write_command(self.control_handle, bytes([SYNC]))
            except Disconnected as exc:
                raise FirmwareInterrupted("link ended on 00", sent) from exc
        else:
            self.send(bytes([SYNC]), timeout, sent)
        if check:
            self.expect_silence()

    def send_data(self, data: bytes, transfer: Transfer, progress=None,
                  chunk: int = None, timeout=None,
                  expect_complete: bool = True) -> None:
        """The file as Write Commands of chunk (default MTU-3) bytes, a
        sync after every SYNC_EVERY chunks and one at the end, then wait
        for ``10 03 01`` (or, with expect_complete=False, check that it
        has not come: fewer bytes than announced were sent).

        progress(sent_bytes, total) is called after every chunk; an
        exception it raises ends the upload (a test cuts the link so).
        """
        deadline = as_deadline(timeout, UPDATE_TIMEOUT)
        data = bytes(data)
        size = chunk or self.att.mtu - 3
        if not 0 < size <= self.att.mtu - 3:
            raise ValueError(f"chunk of {size} bytes at ATT_MTU "
                             f"{self.att.mtu}")
        transfer.chunk = size
        sent = 0
        while sent < len(data):
            piece = data[sent:sent + size]
            try:
                self.att.write_command(self.data_handle, piece)
            except Disconnected as exc:
                raise FirmwareInterrupted(f"link ended after {sent} of "
                                          f"{len(data)} bytes", sent) from exc
            sent += len(piece)
            transfer.chunks += 1
            if deadline.expired:
                raise FirmwareTimeout(f"upload still running after "
                                      f"{deadline.seconds} s ({sent} of "
                                      f"{len(data)} bytes)")
            if transfer.chunks % SYNC_EVERY == 0 and sent < len(data):
                self._sync_midway(transfer, deadline, sent)
            transfer.progress.append(sent)
            if progress is not None:
                progress(sent, len(data))
        self.sync(deadline, sent, check=False)
        transfer.syncs.append(transfer.chunks)
        if not expect_complete:
            self.expect_silence()
            return
        try:
            reply = self.reply(deadline)
        except FirmwareInterrupted as exc:
            exc.sent = sent
            raise
        check_reply(reply, START_DATA)
        if reply[:3] != bytes([REPLY, START_DATA, SUCCESS]):
            raise FirmwareProtocolError(f"end of data {reply.hex(' ')}")
        self.expect_silence()

    def _sync_midway(self, transfer: Transfer, deadline, sent: int) -> None:
        self.sync(deadline, sent)
        transfer.syncs.append(transfer.chunks)

    def verify(self, timeout=None) -> None:
        """``04``: 10 04 01 returns, 10 04 04 raises Refused."""
        self._expect(bytes([CHECKSUM]), CHECKSUM, timeout)

    def reboot(self, timeout=None) -> None:
        """``05`` -> ``10 05 01``, then wait until the band drops the link.

        The band may end the link before its Write Response, so a link
        that ends right after the reply is the expected outcome.
        """
        deadline = as_deadline(timeout, self.timeout)
        try:
            self.att.write(self.control_handle, bytes([REBOOT]), deadline)
        except Disconnected:
            pass
        try:
            reply = self.att.wait_notification(self.control_handle, deadline)
        except Disconnected as exc:
            raise FirmwareInterrupted("link ended before 10 05 01") from exc
        except Timeout as exc:
            raise FirmwareTimeout("no reply to 05") from exc
        check_reply(reply, REBOOT)
        self.wait_dropped(deadline)

    def wait_dropped(self, timeout=None) -> None:
        """Read until the band ends the link; anything on 00001531 on
        the way is an error."""
        deadline = as_deadline(timeout, self.timeout)
        while True:
            try:
                handle, value = self.att.wait_any_notification(
                    (self.control_handle,), deadline)
            except Disconnected:
                return
            except Timeout as exc:
                raise FirmwareTimeout("the band kept the link after "
                                      "10 05 01") from exc
            raise FirmwareProtocolError(f"{value.hex(' ')} on {handle:#06x} "
                                        f"after 10 05 01")

    # --------------------------------------------------------- upload

    def update(self, data: bytes, file_type: int = TYPE_FIRMWARE,
               progress=None, chunk: int = None, reboot: bool = None,
               size: int = None, crc: int = None,
               timeout=None) -> Transfer:
        """A whole upload: init, start, data, verify and, for firmware
        (or when reboot=True), ``05``.  size and crc override what is
        announced (the data sent stays as given).  Returns the Transfer.
        """
        deadline = as_deadline(timeout, UPDATE_TIMEOUT)
        data = bytes(data)
        size = len(data) if size is None else size
        crc = zlib.crc32(data) if crc is None else crc
        transfer = self.last_transfer = Transfer(file_type, size, crc)
        self.init(file_type, size, crc, deadline)
        self.start_data(deadline)
        self.send_data(data, transfer, progress, chunk, deadline)
        self.verify(deadline)
        if reboot is None:
            reboot = file_type == TYPE_FIRMWARE
        if reboot:
            self.reboot(deadline)
        return transfer
