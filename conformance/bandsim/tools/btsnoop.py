"""Read btsnoop captures and the ATT PDUs they carry.

Three datalinks are read:

- 1002, HCI UART (H4): every packet starts with its H4 type byte.  What
  ``bandsim --btsnoop`` writes (emulator/btsnoop.c) and what Android
  writes to btsnoop_hci.log;
- 1001, un-encapsulated HCI: no type byte, flags bit 1 tells commands
  and events from data;
- 2001, Linux monitor: what ``btmon -w`` writes; the flags carry the
  controller index and an opcode (command, event, ACL TX/RX, ...).

A file header is ``btsnoop\\0``, a version (1) and the datalink, big
endian.  Each record is original length, included length, flags, drops
and a timestamp in microseconds since 0000-01-01 (big endian, 24 bytes),
then the packet.  Flags bit 0 is the direction as the capturing host
sees it: 0 sent (host to controller), 1 received.

What is not such a file raises BtsnoopError, whose message names the
file and the offset (and record) where it stops making sense: another
magic, version or datalink, a record longer than any HCI packet.  A
file that ends inside a record is not an error: it is a capture still
being written, or killed, and Capture.cut says so.

Whose capture it is decides what "received" means.  bandsim's captures
are the band's: what the central sent is received.  A phone's
btsnoop_hci.log or a btmon log on a computer is the central's: what the
central sent is sent.  detect_perspective() tells them apart from which
side sends requests.

ATT PDUs are taken from ACL data on the LE ATT channel (L2CAP CID 4).
An L2CAP PDU split over several ACL packets (a first fragment, PB 00 or
10, then continuations, PB 01), as real controllers do for PDUs longer
than the link's data length, is put back together.  Each LE Connection
Complete opens a new link on its handle and Disconnection Complete ends
it; ACL on a handle with no open link (a capture started after the
connection) opens one too.

    python3 -m bandsim.tools.btsnoop CAPTURE      # one line per ATT PDU
"""

import argparse
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple, Optional

from ..protocol.att import opcode_name

MAGIC = b"btsnoop\0"
HEADER = struct.Struct(">8sII")
RECORD = struct.Struct(">IIIIq")
# Microseconds from 0000-01-01 to the Unix epoch.
EPOCH_US = 0x00DCDDB30F2F8000
VERSION = 1
# The longest packet a record can hold: an H4 type byte, an ACL header
# and 65535 bytes of data.  A longer included length is a corrupt
# record, not one the file was cut inside.
MAX_PACKET = 1 + 4 + 0xFFFF

DATALINK_HCI = 1001
DATALINK_H4 = 1002
DATALINK_MONITOR = 2001
DATALINKS = {DATALINK_HCI: "HCI (un-encapsulated)",
             DATALINK_H4: "HCI UART (H4)",
             DATALINK_MONITOR: "Linux monitor (btmon)"}

RECEIVED = "received"
SENT = "sent"

COMMAND = "command"
ACL = "acl"
SCO = "sco"
EVENT = "event"
ISO = "iso"
H4_KINDS = {0x01: COMMAND, 0x02: ACL, 0x03: SCO, 0x04: EVENT, 0x05: ISO}
# Linux monitor opcodes (BlueZ src/shared/btsnoop.h): kind, direction.
MONITOR_KINDS = {2: (COMMAND, SENT), 3: (EVENT, RECEIVED), 4: (ACL, SENT),
                 5: (ACL, RECEIVED), 6: (SCO, SENT), 7: (SCO, RECEIVED),
                 18: (ISO, SENT), 19: (ISO, RECEIVED)}

ATT_CID = 0x0004
EVT_DISCONNECTION_COMPLETE = 0x05
EVT_ENCRYPTION_CHANGE = 0x08
EVT_LE_META = 0x3E
# LE Connection Complete, Enhanced Connection Complete (v1, v2).
LE_CONNECTION_COMPLETE = (0x01, 0x0A, 0x29)
ROLE_CENTRAL = 0
ROLE_PERIPHERAL = 1

BAND = "band"
CENTRAL = "central"
PERSPECTIVES = (BAND, CENTRAL)
# What a GATT client sends: requests, commands and confirmations.
CLIENT_OPCODES = frozenset({0x02, 0x04, 0x06, 0x08, 0x0A, 0x0C, 0x0E, 0x10,
                            0x12, 0x16, 0x18, 0x1E, 0x20, 0x52, 0xD2})
# What a GATT server sends: responses, notifications, indications.
SERVER_OPCODES = frozenset({0x01, 0x03, 0x05, 0x07, 0x09, 0x0B, 0x0D, 0x0F,
                            0x11, 0x13, 0x17, 0x19, 0x1B, 0x1D, 0x21})


class BtsnoopError(ValueError):
    """Not a btsnoop file, one of a version or datalink this reader does
    not know, or a corrupt record; the message names the file and the
    offset."""


class Record(NamedTuple):
    """One captured packet: kind is command, acl, sco, event or iso
    (None when the packet says nothing this reader knows), payload the
    HCI packet without the H4 type byte."""
    timestamp_us: int       # Unix microseconds (band time in bandsim's)
    direction: str          # "received" or "sent", as the capturing host
    kind: Optional[str]
    payload: bytes


class AttPdu(NamedTuple):
    timestamp_us: int
    direction: str
    link: int               # 1, 2, ... in the order the links came up
    handle: int             # HCI connection handle
    pdu: bytes


@dataclass
class LinkInfo:
    number: int
    handle: int
    start_us: int
    end_us: Optional[int] = None
    role: Optional[int] = None      # the capturing host's (ROLE_*)
    pdus: int = 0


class Capture:
    """A btsnoop file in memory.

    records() yields its packets; truncated counts the records whose
    packet was cut short when captured (an Android "filtered" log cuts
    ACL payloads), and cut is True when the file ends in the middle of
    a record (a capture still being written, or killed).
    """

    def __init__(self, data: bytes, name: str = "capture"):
        self.name = name
        self._data = data
        self.truncated = 0
        self.cut = False
        if len(data) < HEADER.size and MAGIC.startswith(data[:len(MAGIC)]):
            # A writer killed before its header reached the file (bandsim
            # writes the header through with the first packet).
            self.version = self.datalink = None
            self.cut = True
            return
        if len(data) < HEADER.size:
            raise BtsnoopError(f"{name}: {len(data)} bytes, too short for a "
                               f"btsnoop header")
        magic, self.version, self.datalink = HEADER.unpack_from(data)
        if magic != MAGIC:
            raise BtsnoopError(f"{name}: offset 0: not a btsnoop file "
                               f"(starts {data[:8].hex(' ')})")
        if self.version != VERSION:
            raise BtsnoopError(f"{name}: offset 8: btsnoop version "
                               f"{self.version}, not {VERSION}")
        if self.datalink not in DATALINKS:
            raise BtsnoopError(f"{name}: offset 12: datalink {self.datalink} "
                               f"is not one of "
                               f"{', '.join(map(str, DATALINKS))}")

    @classmethod
    def open(cls, path) -> "Capture":
        path = Path(path)
        return cls(path.read_bytes(), str(path))

    def records(self, index: Optional[int] = None) -> Iterator[Record]:
        """Every packet in file order.  index picks one controller of a
        Linux monitor capture (btmon records every adapter)."""
        if self.datalink is None:
            return
        data, offset = self._data, HEADER.size
        self.truncated, self.cut = 0, False
        number = 0
        while offset < len(data):
            if offset + RECORD.size > len(data):
                self.cut = True
                return
            number += 1
            original, included, flags, _drops, ts = RECORD.unpack_from(
                data, offset)
            if included > MAX_PACKET:
                raise BtsnoopError(
                    f"{self.name}: offset {offset}: record {number} "
                    f"includes {included} bytes, more than any HCI packet "
                    f"({MAX_PACKET})")
            offset += RECORD.size
            if offset + included > len(data):
                self.cut = True
                return
            packet = data[offset:offset + included]
            offset += included
            if included < original:
                self.truncated += 1
            record = self._record(ts - EPOCH_US, flags, packet, index)
            if record is not None:
                yield record

    def indexes(self) -> list:
        """Controller indexes with HCI traffic (Linux monitor); [0]
        for the other datalinks."""
        if self.datalink != DATALINK_MONITOR:
            return [0]
        found = set()
        data, offset = self._data, HEADER.size
        while offset + RECORD.size <= len(data):
            _, included, flags, _, _ = RECORD.unpack_from(data, offset)
            if (flags & 0xFFFF) in MONITOR_KINDS:
                found.add(flags >> 16)
            offset += RECORD.size + included
        return sorted(found)

    def _record(self, ts, flags, packet, index):
        if self.datalink == DATALINK_H4:
            direction = RECEIVED if flags & 1 else SENT
            if not packet:
                return Record(ts, direction, None, b"")
            return Record(ts, direction, H4_KINDS.get(packet[0]), packet[1:])
        if self.datalink == DATALINK_HCI:
            direction = RECEIVED if flags & 1 else SENT
            if flags & 2:
                kind = EVENT if direction == RECEIVED else COMMAND
            else:
                kind = ACL      # or SCO: the flags do not say
            return Record(ts, direction, kind, packet)
        opcode, controller = flags & 0xFFFF, flags >> 16
        if opcode not in MONITOR_KINDS:
            return None         # index and system notes, user logging
        if index is not None and controller != index:
            return None
        kind, direction = MONITOR_KINDS[opcode]
        return Record(ts, direction, kind, packet)


def read(path, index: Optional[int] = None) -> Iterator[Record]:
    """The records of the btsnoop file at path."""
    return Capture.open(path).records(index)


# ------------------------------------------------------------- ATT

@dataclass
class AttExtractor:
    """Feed it records in order; it returns the ATT PDUs they complete
    and keeps the links it saw in links (number -> LinkInfo)."""
    links: dict = field(default_factory=dict)
    incomplete: int = 0     # first fragments never completed
    orphans: int = 0        # continuations with no first fragment
    _open: dict = field(default_factory=dict, init=False, repr=False)
    _partial: dict = field(default_factory=dict, init=False, repr=False)

    def feed(self, record: Record) -> list:
        if record.kind == EVENT:
            self._event(record)
            return []
        if record.kind != ACL or len(record.payload) < 4:
            return []
        head, length = struct.unpack_from("<HH", record.payload)
        handle, pb = head & 0x0FFF, (head >> 12) & 0x3
        data = record.payload[4:4 + length]
        key = (record.direction, handle)
        if pb == 0b01:
            buf = self._partial.get(key)
            if buf is None:
                self.orphans += 1
                return []
            buf += data
        else:
            if key in self._partial:
                self.incomplete += 1
            buf = self._partial[key] = bytearray(data)
        if len(buf) < 4:
            return []
        l2_length, cid = struct.unpack_from("<HH", buf)
        if len(buf) < 4 + l2_length:
            return []
        del self._partial[key]
        if cid != ATT_CID or l2_length == 0:
            return []
        link = self._link(handle, record.timestamp_us)
        link.pdus += 1
        return [AttPdu(record.timestamp_us, record.direction, link.number,
                       handle, bytes(buf[4:4 + l2_length]))]

    def _link(self, handle: int, ts: int, role=None) -> LinkInfo:
        link = self._open.get(handle)
        if link is None:
            link = LinkInfo(len(self.links) + 1, handle, ts, role=role)
            self.links[link.number] = link
            self._open[handle] = link
        return link

    def _event(self, record: Record) -> None:
        p = record.payload
        if len(p) < 2:
            return
        code = p[0]
        if code == EVT_LE_META and len(p) >= 7 and \
                p[2] in LE_CONNECTION_COMPLETE and p[3] == 0:
            handle = int.from_bytes(p[4:6], "little") & 0x0FFF
            self._end(handle, record.timestamp_us)
            self._link(handle, record.timestamp_us, role=p[6])
        elif code == EVT_DISCONNECTION_COMPLETE and len(p) >= 6 and p[2] == 0:
            handle = int.from_bytes(p[3:5], "little") & 0x0FFF
            self._end(handle, record.timestamp_us)

    def _end(self, handle: int, ts: int) -> None:
        link = self._open.pop(handle, None)
        if link is not None:
            link.end_us = ts
        for key in [k for k in self._partial if k[1] == handle]:
            del self._partial[key]
            self.incomplete += 1


class EncryptionChange(NamedTuple):
    timestamp_us: int
    handle: int
    status: int             # HCI status: 0x00, or 0x06 PIN or Key Missing
    enabled: bool


def link_up(record: Record) -> bool:
    """Whether record is an LE (Enhanced) Connection Complete with
    success: a link came up."""
    p = record.payload
    return record.kind == EVENT and len(p) >= 4 and p[0] == EVT_LE_META \
        and p[2] in LE_CONNECTION_COMPLETE and p[3] == 0


def encryption_changes(records: Iterable[Record]) -> Iterator[EncryptionChange]:
    """The controller's Encryption Change events of a capture: how each
    encryption a host started or answered came out."""
    for record in records:
        p = record.payload
        if record.kind == EVENT and len(p) >= 6 and \
                p[0] == EVT_ENCRYPTION_CHANGE:
            yield EncryptionChange(
                record.timestamp_us,
                int.from_bytes(p[3:5], "little") & 0x0FFF, p[2], p[5] != 0)


def att_pdus(records: Iterable[Record],
             extractor: AttExtractor = None) -> Iterator[AttPdu]:
    """The ATT PDUs of a capture's records, in order."""
    extractor = extractor if extractor is not None else AttExtractor()
    for record in records:
        yield from extractor.feed(record)


def detect_perspective(pdus, links=None) -> Optional[str]:
    """"band" when the capturing host is the GATT server (requests are
    received: bandsim's captures), "central" when it is the client
    (requests are sent: a phone's or a computer's HCI log); None when
    the PDUs do not say.  Connection events' role decides a tie."""
    band = central = 0
    for pdu in pdus:
        if not pdu.pdu:
            continue
        op = pdu.pdu[0]
        client = op in CLIENT_OPCODES
        server = op in SERVER_OPCODES
        if not (client or server):
            continue
        if (client and pdu.direction == RECEIVED) or \
                (server and pdu.direction == SENT):
            band += 1
        else:
            central += 1
    if band != central:
        return BAND if band > central else CENTRAL
    roles = {link.role for link in (links or {}).values()
             if link.role is not None}
    if roles == {ROLE_PERIPHERAL}:
        return BAND
    if roles == {ROLE_CENTRAL}:
        return CENTRAL
    return None


def central_direction(perspective: str) -> str:
    """The direction flag of what the central sent, in a capture of
    this perspective."""
    if perspective not in PERSPECTIVES:
        raise ValueError(f"perspective {perspective!r}: band or central")
    return RECEIVED if perspective == BAND else SENT


# -------------------------------------------------------------- main

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m bandsim.tools.btsnoop",
        description="List the ATT PDUs of a btsnoop capture.")
    parser.add_argument("capture", type=Path)
    parser.add_argument("--index", type=int, default=None,
                        help="controller index of a btmon capture")
    args = parser.parse_args(argv)
    extractor = AttExtractor()
    try:
        capture = Capture.open(args.capture)
        pdus = list(att_pdus(capture.records(args.index), extractor))
    except (OSError, BtsnoopError) as exc:
        print(f"bandsim.tools.btsnoop: {exc}", file=sys.stderr)
        return 2
    perspective = detect_perspective(pdus, extractor.links)
    print(f"{args.capture}: datalink {capture.datalink} "
          f"({DATALINKS.get(capture.datalink, 'no header')}), "
          f"{len(pdus)} ATT PDUs on "
          f"{len(extractor.links)} links, perspective "
          f"{perspective or 'unknown'}")
    t0 = pdus[0].timestamp_us if pdus else 0
    for pdu in pdus:
        arrow = "?"
        if perspective is not None:
            arrow = ("C>B" if pdu.direction == central_direction(perspective)
                     else "B>C")
        print(f"{(pdu.timestamp_us - t0) / 1e6:12.6f} link {pdu.link} "
              f"{arrow} {pdu.direction:8} {opcode_name(pdu.pdu[0]):24} "
              f"{pdu.pdu.hex(' ')}")
    notes = []
    if capture.truncated:
        notes.append(f"{capture.truncated} packets cut short when captured")
    if capture.cut:
        notes.append("the file ends inside a record")
    if extractor.incomplete or extractor.orphans:
        notes.append(f"{extractor.incomplete} incomplete L2CAP PDUs, "
                     f"{extractor.orphans} stray continuations")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
