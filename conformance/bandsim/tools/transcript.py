"""Transcripts: what the central sent and what the band answered, with
what differs from run to run by nature taken out, so two runs (two
emulators, an emulator and a real band) compare.

    python3 -m bandsim transcript CAPTURE [-o FILE]
    python3 -m bandsim diff A B [--strict-timing]

A transcript is made from a btsnoop capture (bandsim --btsnoop, Android's
btsnoop_hci.log, btmon -w; bandsim.tools.btsnoop reads them).  It is the
ordered list of entries of every link in the capture:

- link events: ``link-up``, ``mtu`` (the ATT_MTU an exchange agreed on),
  ``link-down``;
- every ATT PDU, with its direction (``central>band``, ``band>central``,
  whoever captured it), its opcode's name, the characteristic it
  concerns by the profile's name (``battery``, ``auth/cccd``; a handle
  nobody names stays hex) and its fields: the value normalised, an
  Error Response's request and error, an MTU, an offset, a discovery
  response's attributes (handle, UUID, properties);
- a timing class: how long after the previous entry of its link it
  came, ``immediate`` (under 5 ms) or ``after N ms`` with N a power of
  ten (10, 100, 1000, ...), never the exact time.

Handles are named from the capture's own discovery where it has one
(a real band need not have the profile's handles), else from the
checkout's profile (bandsim.protocol.profile.default_profile).

Normalising (RULES, the one table): a value a rule matches keeps its
structure literal (command and reply bytes, statuses, lengths) and has
each run-dependent field replaced by a typed placeholder that keeps its
length: ``10 02 01 <random:16>`` for the auth challenge, ``03 00
<aes:16>`` for the answer, ``<time:8>``, ``<samples:120>``.  A value no
rule matches stays literal hex.

A transcript is JSON (FORMAT, one line per entry) and loads back;
load() takes either form and names the file in every error
(TranscriptError).  compare() aligns two transcripts and sorts what
differs by kind (KINDS): a timing class alone does not make them differ
unless asked (docs/transcripts.md).
"""

import difflib
import json
import math
import os
import re
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import List, NamedTuple, Optional

from ..clients.auth import (CRYPT_FLAG, RANDOM_SIZE, REQUEST_RANDOM,
                            SEND_ANSWER, SEND_KEY)
from ..clients.fetch import START
from ..protocol import uuids
from ..protocol.att import (CCCD, CHARACTERISTIC, PRIMARY_SERVICE, ErrorCode,
                            Op, describe, opcode_name)
from ..protocol.huami import COMMAND_UUIDS, KEY_SIZE, REPLY, SUCCESS
from ..protocol.profile import PROPERTY_BITS, Profile, default_profile
from ..protocol.values import (CURRENT_TIME_SIZE, MAC_SIZE, STEPS_SIZE,
                               SYSTEM_ID_FILL, ZONED_TIME_SIZE)
from . import btsnoop
from .jsondata import check_format, json_type, loads

FORMAT = "bandsim-transcript/1"

# Who an entry comes from.
CENTRAL_TO_BAND = "central>band"
BAND_TO_CENTRAL = "band>central"
LINK = "link"
DIRECTIONS = (CENTRAL_TO_BAND, BAND_TO_CENTRAL, LINK)
SENDERS = {btsnoop.CENTRAL: CENTRAL_TO_BAND, btsnoop.BAND: BAND_TO_CENTRAL}

# Link events.
LINK_UP = "link-up"
LINK_MTU = "mtu"
LINK_DOWN = "link-down"

# Timing classes: under IMMEDIATE_US after the link's previous entry,
# else the gap in ms rounded to a power of ten (at least 10).
IMMEDIATE = "immediate"
IMMEDIATE_US = 5000
_TIMING = re.compile(r"immediate|after (1(?:0)+) ms")


class TranscriptError(ValueError):
    """A capture or file that gives no transcript; the message names the
    file and what is wrong with it."""


def timing_class(gap_us: int) -> str:
    if gap_us < IMMEDIATE_US:
        return IMMEDIATE
    return f"after {10 ** max(1, round(math.log10(gap_us / 1000)))} ms"


# ------------------------------------------------------ normalisation

class Hide(NamedTuple):
    """Bytes replaced by ``<kind:size>``; size REST takes what the
    template's other parts leave.  zero_stays: all zero stays literal (a
    count of 0 says "nothing to send", which is structure)."""
    kind: str
    size: Optional[int]
    zero_stays: bool = False


class Command(NamedTuple):
    """A Huami command byte as sent (variant A) or with the crypt flag
    (variant B: 0x82, 0x83)."""
    byte: int


KEEP = None         # any byte, kept literal
REST = None         # Hide's size: the rest of the value

# Placeholder kinds.
RANDOM, AES, KEY = "random", "aes", "key"
TIME, COUNT, SAMPLES = "time", "count", "samples"
LEVEL, STEPS, HEART_RATE = "level", "steps", "bpm"
ADDRESS, SERIAL = "address", "serial"


class Rule(NamedTuple):
    uuid: str                   # the characteristic
    sender: Optional[str]       # btsnoop.BAND or CENTRAL; None: either
    template: tuple             # ints (that byte), KEEP, Command, Hide
    why: str                    # what it is, where the fact sheet says so


# What differs from run to run by nature, per characteristic; the first
# rule whose template fits a value (exact length) normalises it.
RULES = (
    Rule(uuids.AUTH, btsnoop.BAND,
         (REPLY, Command(REQUEST_RANDOM), SUCCESS, Hide(RANDOM, RANDOM_SIZE)),
         "the auth challenge, drawn afresh for every request (§3.2)"),
    Rule(uuids.AUTH, btsnoop.CENTRAL,
         (Command(SEND_ANSWER), KEEP, Hide(AES, RANDOM_SIZE)),
         "AES-128(key, challenge): the answer to this challenge (§3.2)"),
    Rule(uuids.AUTH, btsnoop.CENTRAL,
         (SEND_KEY, KEEP, Hide(KEY, KEY_SIZE)),
         "the key a binding offers, a secret (§3.2 variant C)"),
    Rule(uuids.FETCH_CONTROL, btsnoop.CENTRAL,
         (START, KEEP, Hide(TIME, REST)),
         "the time a fetch starts from, 8 or 9 bytes (§4.1)"),
    Rule(uuids.FETCH_CONTROL, btsnoop.BAND,
         (REPLY, START, SUCCESS, Hide(COUNT, 4, zero_stays=True),
          Hide(TIME, ZONED_TIME_SIZE)),
         "the announcement: how much data (0 stays) and from when (§4.1)"),
    Rule(uuids.ACTIVITY_DATA, btsnoop.BAND,
         (KEEP, Hide(SAMPLES, REST)),
         "the packet counter, then the wearer's samples (§4.1, §4.2)"),
    Rule(uuids.CURRENT_TIME, None,
         (Hide(TIME, CURRENT_TIME_SIZE),),
         "the band's clock, or the phone's (§6)"),
    Rule(uuids.BATTERY, btsnoop.BAND,
         (KEEP, Hide(LEVEL, 1), KEEP, Hide(TIME, ZONED_TIME_SIZE),
          Hide(TIME, ZONED_TIME_SIZE), Hide(LEVEL, 1)),
         "level, charging (kept), charge times and level at B (§5)"),
    Rule(uuids.REALTIME_STEPS, btsnoop.BAND,
         (KEEP, Hide(STEPS, STEPS_SIZE - 1)),
         "steps, metres and kcal of the day (§2.4)"),
    Rule(uuids.HR_MEASUREMENT, btsnoop.BAND,
         (KEEP, Hide(HEART_RATE, 1)),
         "a heart-rate reading 00 <bpm> (§2.3)"),
    Rule(uuids.SYSTEM_ID, btsnoop.BAND,
         (Hide(ADDRESS, MAC_SIZE // 2), *SYSTEM_ID_FILL,
          Hide(ADDRESS, MAC_SIZE // 2)),
         "the band's address around ff fe (§8)"),
    Rule(uuids.SERIAL_NUMBER, btsnoop.BAND,
         (Hide(SERIAL, REST),),
         "the serial number, drawn for each band (§8)"),
)


def _fixed(parts) -> int:
    return sum(1 if not isinstance(p, Hide) else (p.size or 0)
               for p in parts)


def _byte_fits(part, byte: int) -> bool:
    if part is KEEP:
        return True
    if isinstance(part, Command):
        return byte in (part.byte, part.byte | CRYPT_FLAG)
    return byte == part


def match(template: tuple, value: bytes) -> Optional[list]:
    """The tokens of value under template (hex bytes and placeholders),
    or None when it does not fit."""
    tokens, i = [], 0
    for n, part in enumerate(template):
        if not isinstance(part, Hide):
            if i >= len(value) or not _byte_fits(part, value[i]):
                return None
            tokens.append(f"{value[i]:02x}")
            i += 1
            continue
        size = part.size
        if size is REST:
            size = len(value) - i - _fixed(template[n + 1:])
        chunk = value[i:i + size]
        if size < 1 or len(chunk) < size:
            return None
        if part.zero_stays and not any(chunk):
            tokens += [f"{b:02x}" for b in chunk]
        else:
            tokens.append(f"<{part.kind}:{size}>")
        i += size
    return tokens if i == len(value) else None


def normalise(uuid: Optional[str], sender: str, value: bytes) -> str:
    """The value of characteristic uuid as sender sent it, normalised by
    the first rule that fits it; literal hex when none does."""
    for rule in RULES:
        if rule.uuid == uuid and rule.sender in (None, sender):
            tokens = match(rule.template, value)
            if tokens is not None:
                return " ".join(tokens)
    return bytes(value).hex(" ")


_TOKEN = re.compile(r"[0-9a-f]{2}|<([a-z-]+):([1-9][0-9]*)>")


def value_bytes(text: str) -> list:
    """One item per byte of a normalised value: the hex byte, or the
    placeholder's kind for each byte it stands for."""
    out = []
    for token in text.split():
        found = _TOKEN.fullmatch(token)
        if found is None:
            raise ValueError(f"{token!r:.40} is neither a hex byte nor a "
                             f"placeholder <kind:size>")
        if found.group(1):
            out += [f"<{found.group(1)}>"] * int(found.group(2))
        else:
            out.append(token)
    return out


# -------------------------------------------------------------- names

class Target(NamedTuple):
    name: str
    uuid: Optional[str] = None      # a characteristic value's: RULES apply


def uuid_text(uuid: str) -> str:
    """"2a2b" for a SIG UUID, else the 128-bit form."""
    short = uuids.short_form(uuid)
    return f"{short:04x}" if short is not None else uuid


def properties_text(props: int) -> str:
    names = [name for name, bit in PROPERTY_BITS.items() if props & bit]
    other = props & ~sum(PROPERTY_BITS.values())
    return ",".join(names + ([f"0x{other:02x}"] if other else []))


class Names:
    """Handle -> what it is, named as the profile names it: from the
    capture's own discovery where it had one (services, characteristic
    declarations, descriptors), else the profile's layout, else hex."""

    def __init__(self, profile: Profile):
        self.layout = {}
        self.names = {}             # (service UUID, characteristic UUID)
        self.services = {}          # service UUID -> name
        for service in profile.services:
            self.services[service.uuid] = service.name
            self.layout[service.declaration_handle] = \
                Target(f"service {service.name}")
            for char in service.characteristics:
                self.names[(service.uuid, char.uuid)] = char.name
                self.layout[char.declaration_handle] = \
                    Target(f"{char.name}/declaration")
                self.layout[char.value_handle] = Target(char.name, char.uuid)
                if char.cccd_handle is not None:
                    self.layout[char.cccd_handle] = Target(f"{char.name}/cccd")
        self.learned = {}
        self._ranges = []           # discovered (start, end, service UUID)
        self._values = []           # discovered value handles

    def __call__(self, handle: int) -> Target:
        return (self.learned.get(handle) or self.layout.get(handle)
                or Target(f"0x{handle:04x}"))

    def learn_service(self, start: int, end: int, uuid: str) -> None:
        self._ranges.append((start, end, uuid))
        self.learned[start] = Target(
            f"service {self.services.get(uuid, uuid_text(uuid))}")

    def learn_characteristic(self, declaration: int, value_handle: int,
                             uuid: str) -> None:
        service = next((u for start, end, u in self._ranges
                        if start <= declaration <= end), None)
        name = self.names.get((service, uuid))
        if name is None:
            same = [n for (_, c), n in self.names.items() if c == uuid]
            name = same[0] if len(same) == 1 else uuid_text(uuid)
        self.learned[declaration] = Target(f"{name}/declaration")
        self.learned[value_handle] = Target(name, uuid)
        self._values.append(value_handle)

    def learn_descriptor(self, handle: int, uuid: str) -> None:
        if handle in self.learned or uuid in (PRIMARY_SERVICE,
                                              CHARACTERISTIC):
            return
        owner = max((h for h in self._values if h < handle), default=None)
        if owner is not None:
            suffix = "cccd" if uuid == CCCD else uuid_text(uuid)
            self.learned[handle] = Target(
                f"{self.learned[owner].name}/{suffix}")


# ------------------------------------------------------------ entries

# Kinds of difference between two entries.
CHARACTERISTIC_KIND = "characteristic"
PROPERTIES = "properties"
REPLY_CODE = "reply code"
VALUE_LENGTH = "value length"
VALUE = "value"
ORDER = "order"
TIMING = "timing"
KINDS = (CHARACTERISTIC_KIND, PROPERTIES, REPLY_CODE, VALUE_LENGTH, VALUE,
         ORDER, TIMING)


def _by_name(table: dict) -> dict:
    return {name: key for key, names in table.items() for name in names}


# The kind of difference a change in each field is; an attribute of a
# discovery response likewise.
FIELD_KINDS = _by_name({
    CHARACTERISTIC_KIND: ("chr", "range", "type", "attributes"),
    REPLY_CODE: ("request", "error"),
    VALUE: ("mtu", "offset", "flags", "value", "malformed"),
})
ATTRIBUTE_FIELDS = _by_name({
    CHARACTERISTIC_KIND: ("handle", "end", "uuid", "value_handle", "chr"),
    PROPERTIES: ("properties",),
    VALUE: ("value",),
})
# Each field's JSON type.
FIELD_TYPES = _by_name({
    str: ("chr", "request", "error", "range", "type", "value"),
    int: ("mtu", "offset", "flags"),
    list: ("attributes",),
    bool: ("malformed",),
})
RESPONSES = frozenset(opcode_name(op) for op in btsnoop.SERVER_OPCODES
                      if op not in (Op.NOTIFICATION, Op.INDICATION))


@dataclass
class Entry:
    link: int
    dir: str
    op: str
    fields: dict = field(default_factory=dict)
    timing: Optional[str] = None    # None: the first entry of its link

    def to_dict(self) -> dict:
        return {"link": self.link, "dir": self.dir, "op": self.op,
                **self.fields, "timing": self.timing}

    def signature(self) -> tuple:
        """What aligns two transcripts: who, what kind of PDU, on what.
        A response and an Error Response to the same request align."""
        op = "response" if self.op in RESPONSES else self.op
        return (self.link, self.dir, op, self.fields.get("chr"))

    def describe(self, width: int = 100) -> str:
        words = [f"link {self.link}", self.dir, self.op]
        for key, value in self.fields.items():
            if key == "chr":
                words.append(value)
            elif key == "attributes":
                words.append(f"attributes={json.dumps(value)}")
            else:
                words.append(f"{key}={value}")
        text = " ".join(words)
        if len(text) > width:
            text = text[:width - 3] + "..."
        return f"{text}  ({self.timing or 'first of its link'})"


@dataclass
class Transcript:
    source: str                     # the capture's (or file's) name
    perspective: Optional[str]      # whose capture: band, central
    entries: List[Entry] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"format": FORMAT, "source": self.source,
                "perspective": self.perspective, "notes": list(self.notes),
                "entries": [e.to_dict() for e in self.entries]}

    def to_json(self) -> str:
        """JSON with one line per entry, so a transcript reads (and a
        plain diff shows) as the exchange it is."""
        head = self.to_dict()
        entries = head.pop("entries")
        text = json.dumps(head, indent=1)[:-2]
        lines = ",\n".join("  " + json.dumps(e) for e in entries)
        return (text + ',\n "entries": ['
                + (f"\n{lines}\n ]" if lines else "]") + "\n}\n")

    def save(self, path) -> Path:
        """Written whole or not at all."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        os.replace(tmp, path)
        return path

    @classmethod
    def from_dict(cls, data) -> "Transcript":
        """The transcript data holds; TranscriptError naming the field
        (``entries[3].timing``) when it is not one."""
        check_format(data, FORMAT, "transcript", TranscriptError)
        perspective = _field(data, "perspective", (str, type(None)), "")
        if perspective not in (*btsnoop.PERSPECTIVES, None):
            raise _malformed("perspective", f"{perspective!r:.40} is not one "
                             f"of {', '.join(btsnoop.PERSPECTIVES)} or null")
        notes = _field(data, "notes", list, "")
        if not all(isinstance(n, str) for n in notes):
            raise _malformed("notes", "a list of strings expected")
        entries = _field(data, "entries", list, "")
        return cls(_field(data, "source", str, ""), perspective,
                   [_entry(e, f"entries[{i}]") for i, e in enumerate(entries)],
                   notes)

    @classmethod
    def from_json(cls, text: str) -> "Transcript":
        return cls.from_dict(loads(text, TranscriptError))


def _malformed(where: str, what: str) -> TranscriptError:
    return TranscriptError(f"malformed {FORMAT} transcript: {where}: {what}")


def _field(obj: dict, key: str, kind, where: str):
    name = f"{where}.{key}" if where else key
    if key not in obj:
        raise _malformed(name, "missing")
    value = obj[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool)
                                        and bool not in kinds):
        raise _malformed(name, f"{' or '.join(map(_kind_name, kinds))} "
                         f"expected, not {json_type(value)}")
    return value


def _kind_name(kind) -> str:
    return {int: "an integer", str: "a string", list: "a list",
            bool: "a boolean", type(None): "null"}[kind]


def _check_value(text: str, where: str) -> None:
    try:
        value_bytes(text)
    except ValueError as exc:
        raise _malformed(where, str(exc)) from None


def _entry(data, where: str) -> Entry:
    if not isinstance(data, dict):
        raise _malformed(where, f"an object expected, not {json_type(data)}")
    link = _field(data, "link", int, where)
    direction = _field(data, "dir", str, where)
    if direction not in DIRECTIONS:
        raise _malformed(f"{where}.dir", f"{direction!r:.40} is not one of "
                         f"{', '.join(DIRECTIONS)}")
    op = _field(data, "op", str, where)
    timing = _field(data, "timing", (str, type(None)), where)
    if timing is not None and not _TIMING.fullmatch(timing):
        raise _malformed(f"{where}.timing", f"{timing!r:.40} is not "
                         f"'immediate' or 'after <10, 100, ...> ms'")
    fields = {}
    for key, value in data.items():
        if key in ("link", "dir", "op", "timing"):
            continue
        if key not in FIELD_TYPES:
            raise _malformed(f"{where}.{key}", "unknown field")
        fields[key] = _field(data, key, FIELD_TYPES[key], where)
        if key == "value":
            _check_value(value, f"{where}.value")
        if key == "attributes":
            for i, attribute in enumerate(value):
                _attribute(attribute, f"{where}.attributes[{i}]")
    return Entry(link, direction, op, fields, timing)


def _attribute(data, where: str) -> None:
    if not isinstance(data, dict):
        raise _malformed(where, f"an object expected, not {json_type(data)}")
    for key in data:
        if key not in ATTRIBUTE_FIELDS:
            raise _malformed(f"{where}.{key}", "unknown field")
        _field(data, key, str, where)
    if "value" in data:
        _check_value(data["value"], f"{where}.value")


# ------------------------------------------------------ from a capture

class _Malformed(Exception):
    """A PDU shorter or longer than its opcode's layout."""


class _Request(NamedTuple):
    op: int
    target: Optional[Target] = None
    type: Optional[str] = None      # a Read By (Group) Type's


def _u16(body: bytes, offset: int = 0) -> int:
    if len(body) < offset + 2:
        raise _Malformed()
    return int.from_bytes(body[offset:offset + 2], "little")


def _exact(body: bytes, size: int) -> None:
    if len(body) != size:
        raise _Malformed()


def _range(body: bytes) -> str:
    return f"0x{_u16(body):04x}-0x{_u16(body, 2):04x}"


def _hex(handle: int) -> str:
    return f"0x{handle:04x}"


class _Builder:
    """Entries from one capture's links and PDUs, in order."""

    def __init__(self, names: Names, perspective: Optional[str]):
        self.names = names
        self.central = (btsnoop.central_direction(perspective)
                        if perspective else None)
        self.entries = []
        self.pending = {}           # link -> _Request awaiting a response
        self.asked_mtu = {}         # link -> the MTU a request offered
        self.last_us = {}           # link -> time of its latest entry
        self.stamps = []            # per entry: (capture's µs, PDU or None)

    def add(self, link: int, direction: str, op: str, fields: dict,
            ts: int, pdu: bytes = None) -> None:
        last = self.last_us.get(link)
        timing = None if last is None else timing_class(max(0, ts - last))
        self.last_us[link] = ts
        self.entries.append(Entry(link, direction, op, fields, timing))
        self.stamps.append((ts, pdu))

    def link_event(self, link: int, op: str, ts: int, **fields) -> None:
        if op == LINK_UP:
            self.last_us.pop(link, None)
            self.pending.pop(link, None)
        self.add(link, LINK, op, fields, ts)

    def pdu(self, link: int, direction: str, ts: int, pdu: bytes) -> None:
        sender = btsnoop.CENTRAL if direction == self.central \
            else btsnoop.BAND
        op, body = pdu[0], pdu[1:]
        decode = DECODERS.get(op, _raw)
        try:
            fields = decode(self, link, sender, body)
        except (_Malformed, struct.error, ValueError, KeyError, IndexError):
            fields = {"value": body.hex(" "), "malformed": True}
        self.add(link, SENDERS[sender], opcode_name(op), fields, ts, pdu)
        if op == Op.MTU_RSP and "mtu" in fields and link in self.asked_mtu:
            self.link_event(link, LINK_MTU, ts, mtu=min(
                self.asked_mtu.pop(link), fields["mtu"]))

    def value(self, target: Optional[Target], sender: str,
              value: bytes) -> str:
        uuid = target.uuid if target is not None else None
        return normalise(uuid, sender, value)

    def request(self, link: int, op: int, target: Target = None,
                type_: str = None) -> None:
        self.pending[link] = _Request(op, target, type_)

    def answered(self, link: int, *ops) -> Optional[_Request]:
        """The pending request a response answers (one of ops), if any."""
        request = self.pending.pop(link, None)
        return request if request is not None and request.op in ops \
            else None


def _chr(target: Optional[Target]) -> dict:
    return {} if target is None else {"chr": target.name}


def _raw(b, link, sender, body) -> dict:
    return {"value": body.hex(" ")} if body else {}


def _empty(b, link, sender, body) -> dict:
    _exact(body, 0)
    return {}


def _error_rsp(b, link, sender, body) -> dict:
    _exact(body, 4)
    b.pending.pop(link, None)
    handle = _u16(body, 1)
    fields = {"request": opcode_name(body[0])}
    if handle:
        fields["chr"] = b.names(handle).name
    fields["error"] = describe(ErrorCode, body[3])
    return fields


def _mtu_req(b, link, sender, body) -> dict:
    _exact(body, 2)
    b.asked_mtu[link] = _u16(body)
    return {"mtu": _u16(body)}


def _mtu_rsp(b, link, sender, body) -> dict:
    _exact(body, 2)
    return {"mtu": _u16(body)}


def _find_info_req(b, link, sender, body) -> dict:
    _exact(body, 4)
    return {"range": _range(body)}


def _find_info_rsp(b, link, sender, body) -> dict:
    size = {1: 2, 2: 16}[body[0]]
    items = body[1:]
    if not items or len(items) % (2 + size):
        raise _Malformed()
    attributes = []
    for off in range(0, len(items), 2 + size):
        handle = _u16(items, off)
        uuid = uuids.from_wire(items[off + 2:off + 2 + size])
        b.names.learn_descriptor(handle, uuid)
        attributes.append({"handle": _hex(handle), "uuid": uuid_text(uuid)})
    return {"attributes": attributes}


def _find_by_type_value_req(b, link, sender, body) -> dict:
    if len(body) < 6:
        raise _Malformed()
    return {"range": _range(body),
            "type": uuid_text(uuids.from_wire(body[4:6])),
            "value": body[6:].hex(" ")}


def _find_by_type_value_rsp(b, link, sender, body) -> dict:
    if not body or len(body) % 4:
        raise _Malformed()
    return {"attributes": [{"handle": _hex(_u16(body, off)),
                            "end": _hex(_u16(body, off + 2))}
                           for off in range(0, len(body), 4)]}


def _typed_req(op: int):
    """A Read By Type or Read By Group Type Request: a range and a
    type, which its response is read by."""
    def decode(b, link, sender, body) -> dict:
        if len(body) not in (6, 20):
            raise _Malformed()
        kind = uuids.from_wire(body[4:])
        b.request(link, op, type_=kind)
        return {"range": _range(body), "type": uuid_text(kind)}
    return decode


def _items(body: bytes, sizes) -> list:
    """A Read By (Group) Type Response's items, each of its length byte's
    size (one of sizes, when given)."""
    length, items = body[0], body[1:]
    if length < 2 or (sizes and length not in sizes) or not items or \
            len(items) % length:
        raise _Malformed()
    return [items[off:off + length] for off in range(0, len(items), length)]


def _by_type_rsp(b, link, sender, body) -> dict:
    request = b.answered(link, Op.READ_BY_TYPE_REQ)
    declarations = request is not None and request.type == CHARACTERISTIC
    attributes = []
    for item in _items(body, (7, 21) if declarations else ()):
        handle, value = _u16(item), item[2:]
        if declarations:
            value_handle, uuid = _u16(value, 1), uuids.from_wire(value[3:])
            b.names.learn_characteristic(handle, value_handle, uuid)
            attributes.append({"handle": _hex(handle),
                               "properties": properties_text(value[0]),
                               "value_handle": _hex(value_handle),
                               "uuid": uuid_text(uuid)})
        else:
            target = b.names(handle)
            attributes.append({"handle": _hex(handle), "chr": target.name,
                               "value": b.value(target, sender, value)})
    return {"attributes": attributes}


def _group_rsp(b, link, sender, body) -> dict:
    request = b.answered(link, Op.READ_BY_GROUP_TYPE_REQ)
    services = request is not None and request.type == PRIMARY_SERVICE
    attributes = []
    for item in _items(body, (6, 20)):
        start, end = _u16(item), _u16(item, 2)
        uuid = uuids.from_wire(item[4:])
        if services:
            b.names.learn_service(start, end, uuid)
        attributes.append({"handle": _hex(start), "end": _hex(end),
                           "uuid": uuid_text(uuid)})
    return {"attributes": attributes}


def _read_req(b, link, sender, body) -> dict:
    _exact(body, 2)
    target = b.names(_u16(body))
    b.request(link, Op.READ_REQ, target)
    return {"chr": target.name}


def _read_rsp(b, link, sender, body) -> dict:
    request = b.answered(link, Op.READ_REQ)
    target = request.target if request is not None else None
    return {**_chr(target), "value": b.value(target, sender, body)}


def _blob_req(b, link, sender, body) -> dict:
    _exact(body, 4)
    target = b.names(_u16(body))
    b.request(link, Op.READ_BLOB_REQ, target)
    return {"chr": target.name, "offset": _u16(body, 2)}


def _blob_rsp(b, link, sender, body) -> dict:
    # A part of a long value: literal (no rule's value is that long).
    request = b.answered(link, Op.READ_BLOB_REQ)
    return {**_chr(request.target if request else None),
            "value": body.hex(" ")}


def _handle_value(b, link, sender, body) -> dict:
    target = b.names(_u16(body))
    return {"chr": target.name, "value": b.value(target, sender, body[2:])}


def _write_req(b, link, sender, body) -> dict:
    fields = _handle_value(b, link, sender, body)
    b.request(link, Op.WRITE_REQ, b.names(_u16(body)))
    return fields


def _write_rsp(b, link, sender, body) -> dict:
    _exact(body, 0)
    request = b.answered(link, Op.WRITE_REQ)
    return _chr(request.target if request else None)


def _prepare(b, link, sender, body) -> dict:
    if len(body) < 4:
        raise _Malformed()
    return {"chr": b.names(_u16(body)).name, "offset": _u16(body, 2),
            "value": body[4:].hex(" ")}


def _execute_req(b, link, sender, body) -> dict:
    _exact(body, 1)
    return {"flags": body[0]}


# One decoder per opcode; any other keeps its bytes as the value.
DECODERS = {
    Op.ERROR_RSP: _error_rsp,
    Op.MTU_REQ: _mtu_req,
    Op.MTU_RSP: _mtu_rsp,
    Op.FIND_INFO_REQ: _find_info_req,
    Op.FIND_INFO_RSP: _find_info_rsp,
    Op.FIND_BY_TYPE_VALUE_REQ: _find_by_type_value_req,
    Op.FIND_BY_TYPE_VALUE_RSP: _find_by_type_value_rsp,
    Op.READ_BY_TYPE_REQ: _typed_req(Op.READ_BY_TYPE_REQ),
    Op.READ_BY_TYPE_RSP: _by_type_rsp,
    Op.READ_REQ: _read_req,
    Op.READ_RSP: _read_rsp,
    Op.READ_BLOB_REQ: _blob_req,
    Op.READ_BLOB_RSP: _blob_rsp,
    Op.READ_BY_GROUP_TYPE_REQ: _typed_req(Op.READ_BY_GROUP_TYPE_REQ),
    Op.READ_BY_GROUP_TYPE_RSP: _group_rsp,
    Op.WRITE_REQ: _write_req,
    Op.WRITE_RSP: _write_rsp,
    Op.PREPARE_WRITE_REQ: _prepare,
    Op.PREPARE_WRITE_RSP: _prepare,
    Op.EXECUTE_WRITE_REQ: _execute_req,
    Op.EXECUTE_WRITE_RSP: _empty,
    Op.NOTIFICATION: _handle_value,
    Op.INDICATION: _handle_value,
    Op.CONFIRMATION: _empty,
    Op.WRITE_CMD: _handle_value,
}


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _read(capture: "btsnoop.Capture", index, handle):
    """(items, PDUs, links): the capture's link events and ATT PDUs in
    order, each ("up"|"down", ts, link) or ("pdu", ts, link, direction,
    pdu)."""
    extractor = btsnoop.AttExtractor()
    items, pdus, seen, ended = [], [], 0, set()
    for record in capture.records(index):
        got = extractor.feed(record)
        if record.kind == btsnoop.EVENT:
            for number, info in extractor.links.items():
                if info.end_us is not None and number not in ended:
                    ended.add(number)
                    items.append((LINK_DOWN, info.end_us, number))
        while seen < len(extractor.links):
            seen += 1
            items.append((LINK_UP, extractor.links[seen].start_us, seen))
        for pdu in got:
            items.append(("pdu", pdu.timestamp_us, pdu.link, pdu.direction,
                          pdu.pdu))
        pdus += got
    links = extractor.links
    if handle is not None:
        keep = {n for n, info in links.items() if info.handle == handle}
        items = [item for item in items if item[2] in keep]
        pdus = [p for p in pdus if p.link in keep]
        links = {n: links[n] for n in keep}
    return items, pdus, links, extractor


class TimedEntry(NamedTuple):
    """An entry with what the transcript leaves out: when the capture
    has it (µs; band time in bandsim's captures) and the PDU's bytes
    (None for a link event).  For readers that show an exchange, such
    as the HTML report (bandsim.tools.htmlreport)."""
    timestamp_us: int
    entry: Entry
    pdu: Optional[bytes]


def from_capture(path, perspective: str = "auto", handle: int = None,
                 index: int = None, profile: Profile = None,
                 complete: bool = True) -> Transcript:
    """The transcript of a btsnoop capture.  complete: refuse a capture
    that ends inside a record or whose packets were cut short when
    captured (its transcript would miss what the exchange had); without
    it, such a capture gives what it holds, with a note."""
    return _from_capture(path, perspective, handle, index, profile,
                         complete)[0]


def timed_entries(path, perspective: str = "auto", profile: Profile = None,
                  complete: bool = False):
    """(transcript, [TimedEntry]) of a btsnoop capture: the transcript
    of from_capture() and, entry by entry, its time and bytes."""
    made, builder = _from_capture(path, perspective, None, None, profile,
                                  complete)
    return made, [TimedEntry(ts, entry, pdu) for entry, (ts, pdu)
                  in zip(builder.entries, builder.stamps)]


def _from_capture(path, perspective, handle, index, profile, complete):
    path = Path(path)
    try:
        capture = btsnoop.Capture.open(path)
        if capture.datalink == btsnoop.DATALINK_MONITOR and index is None \
                and len(capture.indexes()) > 1:
            raise TranscriptError(
                f"{path}: HCI traffic of controllers "
                f"{', '.join(map(str, capture.indexes()))}: choose one with "
                f"--index")
        items, pdus, links, extractor = _read(capture, index, handle)
    except OSError as exc:
        raise TranscriptError(f"{path}: {_why(exc)}") from None
    except btsnoop.BtsnoopError as exc:
        raise TranscriptError(str(exc)) from None
    notes = []
    if capture.datalink is None:
        notes.append(f"the file ends inside its btsnoop header "
                     f"({path.stat().st_size} bytes)")
    elif capture.cut:
        notes.append("the file ends inside a record: a capture cut short")
    if capture.truncated:
        notes.append(f"{capture.truncated} packets were cut short when "
                     f"captured (an Android 'filtered' snoop log?)")
    if complete and notes:
        raise TranscriptError(f"{path}: {'; '.join(notes)}")
    if extractor.incomplete or extractor.orphans:
        notes.append(f"{extractor.incomplete} incomplete L2CAP PDUs, "
                     f"{extractor.orphans} stray continuations")
    if handle is not None and not links:
        raise TranscriptError(f"{path}: no link on handle {handle:#06x}")
    if perspective == "auto":
        perspective = btsnoop.detect_perspective(pdus, links) if pdus \
            else None
        if pdus and perspective is None:
            raise TranscriptError(f"{path}: cannot tell whose capture it is "
                                  f"(no requests in it): give --perspective "
                                  f"band or central")
    builder = _Builder(Names(profile or default_profile()), perspective)
    for item in items:
        if item[0] == "pdu":
            _, ts, link, direction, pdu = item
            builder.pdu(link, direction, ts, pdu)
        else:
            kind, ts, link = item
            builder.link_event(link, kind, ts)
    return Transcript(path.name, perspective, builder.entries, notes), \
        builder


def load(path, perspective: str = "auto", handle: int = None,
         index: int = None) -> Transcript:
    """A transcript from a btsnoop capture or from a transcript file;
    TranscriptError naming the file when it is neither."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(len(btsnoop.MAGIC))
    except OSError as exc:
        raise TranscriptError(f"{path}: {_why(exc)}") from None
    if btsnoop.MAGIC.startswith(head):     # a capture, however short
        return from_capture(path, perspective, handle, index)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TranscriptError(f"{path}: neither a btsnoop capture nor a "
                              f"{FORMAT} transcript ({exc})") from None
    try:
        return Transcript.from_json(text)
    except TranscriptError as exc:
        raise TranscriptError(f"{path}: {exc}") from None


# ------------------------------------------------------------- compare

@lru_cache(maxsize=None)
def _command_names() -> frozenset:
    """The profile's names of the characteristics that answer
    ``10 <command> <status>`` (§2.2)."""
    return frozenset(c.name for c in default_profile().characteristics()
                     if c.uuid in COMMAND_UUIDS)


def is_reply(entry: Entry) -> bool:
    """A Huami reply ``10 <command> <status> ...`` from the band."""
    value = entry.fields.get("value", "")
    return (entry.dir == BAND_TO_CENTRAL
            and entry.op in (Op.NOTIFICATION.name, Op.INDICATION.name)
            and entry.fields.get("chr") in _command_names()
            and value.startswith(f"{REPLY:02x} "))


def _value_kinds(a: str, b: str, replies: bool = False) -> set:
    """How two normalised values differ; replies: both are Huami
    replies, whose third byte is the status."""
    a, b = value_bytes(a or ""), value_bytes(b or "")
    if len(a) != len(b):
        return {VALUE_LENGTH}
    differ = {i for i, (p, q) in enumerate(zip(a, b)) if p != q}
    kinds = set()
    status = 2                      # 10 <command> <status>
    if replies and status in differ:
        kinds.add(REPLY_CODE)
        differ.discard(status)
    return kinds | ({VALUE} if differ else set())


def _attribute_kinds(a: list, b: list) -> set:
    if len(a) != len(b):
        return {CHARACTERISTIC_KIND}
    kinds = set()
    for p, q in zip(a, b):
        for key in sorted(set(p) | set(q)):
            if p.get(key) == q.get(key):
                continue
            if key == "value":
                kinds |= _value_kinds(p.get(key), q.get(key))
            else:
                kinds.add(ATTRIBUTE_FIELDS.get(key, VALUE))
    return kinds


def entry_differences(x: Entry, y: Entry):
    """(kinds, lines): how two aligned entries differ."""
    kinds, lines = set(), []
    if (x.link, x.dir) != (y.link, y.dir):
        kinds.add(ORDER)
        lines.append(f"from: link {x.link} {x.dir} | link {y.link} {y.dir}")
    keys = [k for k in FIELD_KINDS if k in x.fields or k in y.fields]
    if x.op != y.op:
        # An answer and an Error Response to the same request differ in
        # the reply; any other two PDUs in what came.  Their other
        # fields belong to different layouts: only what they concern
        # compares.
        both_answer = x.op in RESPONSES and y.op in RESPONSES
        kinds.add(REPLY_CODE if both_answer and Op.ERROR_RSP.name in
                  (x.op, y.op) else ORDER)
        lines.append(f"op: {x.op} | {y.op}")
        keys = [k for k in keys if k == "chr"]
    for key in keys:
        p, q = x.fields.get(key), y.fields.get(key)
        if p == q:
            continue
        if key == "value":
            kinds |= _value_kinds(p, q, is_reply(x) and is_reply(y))
        elif key == "attributes":
            kinds |= _attribute_kinds(p or [], q or [])
        else:
            kinds.add(FIELD_KINDS[key])
        lines.append(f"{key}: {_shown(p)} | {_shown(q)}")
    if x.timing != y.timing:
        kinds.add(TIMING)
        lines.append(f"timing: {x.timing} | {y.timing}")
    return kinds, lines


def _shown(value, width: int = 70) -> str:
    text = "(none)" if value is None else (
        json.dumps(value) if isinstance(value, list) else str(value))
    return text if len(text) <= width else text[:width - 3] + "..."


@dataclass
class Difference:
    a: int                  # index in A's entries (where B's would be)
    b: int                  # index in B's entries
    kinds: set
    lines: list
    only: Optional[str] = None      # "A" or "B": the entry is only there

    def matters(self, strict_timing: bool = False) -> bool:
        return strict_timing or bool(self.kinds - {TIMING})


@dataclass
class Comparison:
    a: Transcript
    b: Transcript
    differences: List[Difference] = field(default_factory=list)

    def counts(self) -> dict:
        """Kind -> how many entries differ in that way."""
        return {kind: sum(kind in d.kinds for d in self.differences)
                for kind in KINDS}

    def status(self, strict_timing: bool = False) -> int:
        """0 when the transcripts agree, 1 when they differ in what
        matters (a timing class only with strict_timing)."""
        return int(any(d.matters(strict_timing) for d in self.differences))

    def first(self, strict_timing: bool = False) -> Optional[Difference]:
        """The first difference that matters, else the first one."""
        for d in self.differences:
            if d.matters(strict_timing):
                return d
        return self.differences[0] if self.differences else None

    def describe(self, name_a: str = "A", name_b: str = "B",
                 strict_timing: bool = False) -> str:
        out = [f"A: {name_a} ({_about(self.a)})",
               f"B: {name_b} ({_about(self.b)})"]
        first = self.first(strict_timing)
        if first is not None:
            out.append(f"first difference: A entries[{first.a}], B "
                       f"entries[{first.b}]: "
                       f"{', '.join(k for k in KINDS if k in first.kinds)}")
            for side, entries, i in (("A", self.a.entries, first.a),
                                     ("B", self.b.entries, first.b)):
                if first.only not in (None, side):
                    following = (f"; its entries[{i}] comes next"
                                 if i < len(entries) else "")
                    out.append(f"  {side}[{i}] (no such entry here"
                               f"{following})")
                else:
                    out.append(f"  {side}[{i}] {entries[i].describe()}")
            out += [f"    {line}" for line in first.lines]
        out.append("differences by kind (entries):")
        counts = self.counts()
        for kind in KINDS:
            note = ""
            if kind == TIMING and counts[kind] and not strict_timing:
                note = "  (reported; fails only with --strict-timing)"
            out.append(f"  {kind:15} {counts[kind]}{note}")
        status = self.status(strict_timing)
        out.append("the transcripts differ" if status else
                   "the transcripts agree" + (" but for timing classes"
                                              if self.differences else ""))
        return "\n".join(out)


def _about(transcript: Transcript) -> str:
    whose = (f"{transcript.perspective}'s capture"
             if transcript.perspective else "no ATT")
    return f"{len(transcript.entries)} entries, {whose}"


def compare(a: Transcript, b: Transcript) -> Comparison:
    """Align the two transcripts' entries (by link, direction, kind of
    PDU and characteristic) and list every difference, in order."""
    result = Comparison(a, b)
    left = [e.signature() for e in a.entries]
    right = [e.signature() for e in b.entries]
    # What both start and end with aligns as it stands; the matcher,
    # quadratic where one signature repeats (a sync's data, a firmware
    # transfer), gets only the part in between.
    head = 0
    while head < min(len(left), len(right)) and left[head] == right[head]:
        head += 1
    tail = 0
    while tail < min(len(left), len(right)) - head and \
            left[-1 - tail] == right[-1 - tail]:
        tail += 1
    matcher = difflib.SequenceMatcher(
        None, left[head:len(left) - tail], right[head:len(right) - tail],
        autojunk=False)
    blocks = [("equal", 0, head, 0, head)]
    blocks += [(tag, i1 + head, i2 + head, j1 + head, j2 + head)
               for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    blocks.append(("equal", len(left) - tail, len(left),
                   len(right) - tail, len(right)))
    for _, i1, i2, j1, j2 in blocks:
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            kinds, lines = entry_differences(a.entries[i1 + k],
                                             b.entries[j1 + k])
            if kinds:
                result.differences.append(
                    Difference(i1 + k, j1 + k, kinds, lines))
        for i in range(i1 + paired, i2):
            result.differences.append(Difference(
                i, j1 + paired, {ORDER}, ["only in A"], only="A"))
        for j in range(j1 + paired, j2):
            result.differences.append(Difference(
                i1 + paired, j, {ORDER}, ["only in B"], only="B"))
    return result
