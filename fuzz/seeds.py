#!/usr/bin/python3
"""Seed inputs for the harnesses of fuzz/, taken from real scenarios
(docs/fuzzing.md "Seeds").

The conformance suite, run with ``--bandsim-report REPORT`` and
``--basetemp TMP``, leaves a btsnoop capture of every band it started
(REPORT/*.btsnoop) and every band's state directory under TMP (band.ini,
firmware.ini, time.ini, flash.img).  This turns them into inputs:

- att: per link of a capture, every PDU the central sent;
- auth, fetch, firmware, config: per link of a capture, the writes the
  central made on the characteristics the harness writes, in order, each
  a record of the harness's op for it, with the band time between two
  writes as a run record (the input format of fuzz/fuzz-band.h);
- bandini, fwinfo, timeini: every band.ini, firmware.ini and time.ini;
- flash: every flash.img's units that are not erased, as fuzz-flash.c
  reads them (its first sectors: a harness's chip has at most five);
- profile: the profiles of profiles/;
- fwimage: the images of fixtures/firmware, cut to what the recognizer
  reads;
- config besides: what Gadgetbridge writes there (the fact sheet's
  §2.3, §2.5, §2.6 and §11), which the scenarios hardly send yet;
- alerts: the links' writes on 0x2A46, 00000020 and 0x2A06, their
  Prepare and Execute Writes, and besides what Gadgetbridge, satcar77 and
  harbour-amazfish send there (docs/alerts.md);
- fault: every preset, as its name and as its line (``bandsim
  --list-faults``), and the fault lines of docs/faults.md;
- fetch and gps besides: workouts as MB4/SPORT/* record them (the
  wearer's start and stop are no PDUs a capture holds), fetched as
  Gadgetbridge fetches them, and the phone's GPS as it sends it
  (docs/workouts.md).

Then, per harness, ``fuzz-NAME -merge=1 fuzz/corpus/NAME OUT/NAME`` keeps
what adds coverage.  Stdlib and the bandsim package; Debian's
/usr/bin/python3.

    /usr/bin/python3 fuzz/seeds.py --report REPORT --states TMP \\
        --bandsim build/emulator/bandsim OUT
"""

import argparse
import hashlib
import re
import struct
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "conformance"))

from bandsim.protocol.profile import default_profile  # noqa: E402
from bandsim.tools import btsnoop  # noqa: E402

DELIM = b"|W|"
WRITE_REQ, WRITE_CMD, NOTIFY = 0x12, 0x52, 0x1B
PREPARE, EXECUTE = 0x16, 0x18
# fuzz-band.h: the start states the seeds begin in.
START_NEW, START_BOUND, START_AUTHED = 0, 1, 2
# A seed keeps its control writes whole but no more file data than this:
# a 64 KiB upload is thousands of records that only repeat.
MAX_SEED = 1024
# fuzz-att's inputs are whole links: band time moves on with every PDU.
MAX_ATT_SEED = 1024
MAX_RUN_S = 255

# The op tables of fuzz/fuzz-<harness>.c, in their order (keep them in
# step): "req:" and "cmd:" write the profile's characteristic of that
# name with a Write Request or Command, "prepare:" sends it a Prepare
# Write (value: offset and part), "execute" an Execute Write, "long:" a
# whole long write (no capture has one as such: it is its parts).
OPS = {
    "auth": ["cmd:auth", "req:auth", "press", "long-press", "run",
             "reconnect", "store-fail", "auth"],
    "fetch": ["cmd:fetch-control", "req:fetch-control", "run-minutes",
              "congest", "mtu", "reconnect", "auth", "workout"],
    "firmware": ["req:firmware-control", "cmd:firmware-control",
                 "cmd:firmware-data", "upload", "run", "mtu", "reconnect",
                 "auth", "store-fail"],
    "config": ["cmd:configuration", "req:user-settings",
                 "req:heart-rate-control", "cmd:chunked-transfer", "run",
                 "reconnect", "auth", "store-fail", "press"],
    "alerts": ["cmd:chunked-transfer", "req:new-alert", "long:new-alert",
               "prepare:new-alert", "execute", "cmd:alert-level",
               "answer-call", "run", "reconnect", "mtu",
               "prepare:current-time", "auth"],
    "gps": ["cmd:workout", "cmd:chunked-transfer", "workout", "run", "mtu",
            "reconnect", "auth"],
}
OPCODES = {"req": WRITE_REQ, "cmd": WRITE_CMD, "prepare": PREPARE}

FLASH_SECTOR = 4096
FLASH_UNIT = 16
# A seed holds the first sectors of an image, and of each its header and
# first records: enough for the scan to meet every kind of unit, small
# enough for the mutations to matter.
FLASH_SEED_SECTORS = 3
FLASH_SEED_RECORDS = 48


def write_seed(out: Path, harness: str, data: bytes) -> None:
    """OUT/harness/<sha1 of data>, as libFuzzer names its inputs."""
    d = out / harness
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


# ------------------------------------------------------- captures

class Harness:
    """One band harness's ops, resolved against the profile's handles."""

    def __init__(self, name: str, profile):
        self.name = name
        self.ops = OPS[name]
        self.writes = {}            # (opcode, value handle) -> op index
        for i, op in enumerate(self.ops):
            kind, _, chr_name = op.partition(":")
            if chr_name and kind in OPCODES:
                handle = profile.characteristic(chr_name).value_handle
                self.writes[(OPCODES[kind], handle)] = i
            elif op == "execute":
                self.writes[(EXECUTE, None)] = i
        self.run = self.ops.index("run-minutes" if "run-minutes" in self.ops
                                  else "run")
        self.press = self.ops.index("press") if "press" in self.ops \
            else None

    def record(self, op: int, value: bytes = b"") -> bytes:
        return bytes([op]) + value


def link_writes(path: Path):
    """Per link of the capture: [(time us, direction, pdu)], in order."""
    links = {}
    capture = btsnoop.Capture.open(path)
    for pdu in btsnoop.att_pdus(capture.records()):
        links.setdefault(pdu.link, []).append(
            (pdu.timestamp_us, pdu.direction, pdu.pdu))
    return links.values()


def run_record(h: Harness, us: int) -> bytes:
    """Band time that passed between two writes, in the run op's units."""
    s = us // 1_000_000
    if h.run is None or s <= 0:
        return b""
    if h.ops[h.run] == "run-minutes":
        return h.record(h.run, bytes([s % 60, min(s // 60, 63)]))
    return h.record(h.run, bytes([min(s, MAX_RUN_S)]))


def seed_of_link(h: Harness, pdus, auth_handle: int) -> bytes:
    """The link's writes on h's characteristics as records of h."""
    bound = True
    records, size, last = [], 0, None
    for ts, direction, pdu in pdus:
        if direction != btsnoop.RECEIVED or len(pdu) < 3:
            # A tap confirmed a binding: the band's 10 01 01 on auth.
            if (h.press is not None and pdu[:1] == bytes([NOTIFY])
                    and int.from_bytes(pdu[1:3], "little") == auth_handle
                    and pdu[3:6] == b"\x10\x01\x01"):
                records.append(h.record(h.press))
            continue
        handle = int.from_bytes(pdu[1:3], "little")
        if pdu[0] == WRITE_CMD and handle == auth_handle and \
                pdu[3:4] in (b"\x01", b"\x81"):
            bound = False       # a key offered: the band was factory-new
        if pdu[0] == EXECUTE:
            op, value = h.writes.get((EXECUTE, None)), pdu[1:]
        else:
            op, value = h.writes.get((pdu[0], handle)), pdu[3:]
        if op is None:
            continue
        if DELIM in value or (size > MAX_SEED and h.ops[op] ==
                              "cmd:firmware-data"):
            continue
        if last is not None:
            records.append(run_record(h, ts - last))
        last = ts
        records.append(h.record(op, value))
        size += len(value) + len(DELIM) + 1
    records = [r for r in records if r]
    if not records:
        return b""
    if h.name == "auth":
        start = START_BOUND if bound else START_NEW
    elif h.name == "alerts":
        start = START_BOUND     # alerts need no key (§2.1)
    else:
        start = START_AUTHED
    return bytes([start]) + DELIM.join(records)


def att_seed(pdus, auth_handle: int) -> bytes:
    """fuzz-att.c's <len u8> <PDU> records: what the central sent, an
    empty record where a tap confirmed a binding."""
    seed = bytearray()
    for _ts, direction, pdu in pdus:
        if direction == btsnoop.RECEIVED:
            pdu = pdu[:255]
            seed += bytes([len(pdu)]) + pdu
        elif pdu[:1] == bytes([NOTIFY]) and \
                int.from_bytes(pdu[1:3], "little") == auth_handle and \
                pdu[3:6] == b"\x10\x01\x01":
            seed += b"\x00"
        if len(seed) > MAX_ATT_SEED:
            break
    return bytes(seed)


def from_captures(report: Path, out: Path) -> None:
    profile = default_profile()
    auth_handle = profile.characteristic("auth").value_handle
    harnesses = [Harness(name, profile) for name in OPS]
    for path in sorted(report.glob("*.btsnoop")):
        for pdus in link_writes(path):
            write_seed(out, "att", att_seed(pdus, auth_handle))
            for h in harnesses:
                seed = seed_of_link(h, pdus, auth_handle)
                if seed:
                    write_seed(out, h.name, seed)


# ------------------------------------------------ state directories

def flash_seed(image: bytes) -> bytes:
    """<sectors> <flags 0> (<unit le16> <16 bytes>)... of fuzz-flash.c:
    the units of the first sectors that are not erased."""
    sectors = min(len(image) // FLASH_SECTOR, FLASH_SEED_SECTORS)
    per_sector = FLASH_SECTOR // FLASH_UNIT
    units = bytearray()
    for u in range(sectors * per_sector):
        unit = image[u * FLASH_UNIT:(u + 1) * FLASH_UNIT]
        if u % per_sector <= FLASH_SEED_RECORDS and \
                unit != b"\xff" * FLASH_UNIT:
            units += u.to_bytes(2, "little") + unit
    return bytes([max(sectors - 2, 0), 0]) + bytes(units)


def from_states(states: Path, out: Path) -> None:
    for path in sorted(states.rglob("band.ini")):
        write_seed(out, "bandini", path.read_bytes())
    for path in sorted(states.rglob("firmware.ini")):
        write_seed(out, "fwinfo", path.read_bytes())
    for path in sorted(states.rglob("time.ini")):
        write_seed(out, "timeini", path.read_bytes())
    for path in sorted(states.rglob("flash.img")):
        image = path.read_bytes()
        if image.strip(b"\xff"):
            write_seed(out, "flash", flash_seed(image))


# ---------------------------------------------------------- the rest

# fwimage: <type> <file>, the type of the 01 command (protocol §7.1) the
# fixture is, and how much of it the recognizer reads.
IMAGES = [("mb4-fw-1.0.9.99.fw", 0x00, 0x220),
          ("mb4-fw-1.1.0.1.fw", 0x00, 0x220),
          ("corrupt-bad-header.fw", 0x00, 0x220),
          ("corrupt-no-name.fw", 0x00, 0x220),
          ("corrupt-unaligned-name.fw", 0x00, 0x220),
          ("mb4-res-v80.res", 0x02, 32),
          ("mb4-font-v3.ft", 0x01, 32),
          ("mb4-font-v3.ft", 0x0B, 32),
          ("mb4-watchface.bin", 0x08, 32)]


def from_fixtures(out: Path) -> None:
    for path in sorted((ROOT / "profiles").glob("*.ini")):
        write_seed(out, "profile", path.read_bytes())
    for name, file_type, length in IMAGES:
        data = (ROOT / "fixtures" / "firmware" / name).read_bytes()
        write_seed(out, "fwimage", bytes([file_type]) + data[:length])


# config: what Gadgetbridge writes on the settings characteristics
# (the fact sheet's §2.3, §2.5, §2.6 and §11), which the suite's
# scenarios hardly touch yet: (op of fuzz-config.c, bytes).
SETTINGS = [
    (0, "06 0a 00 03"), (0, "06 02 00 01"), (0, "06 03 00 00"),
    (0, "06 05 00 01 00 00 00 00"), (0, "06 17 00 65 6e 5f 55 53"),
    (0, "06 19 00 01"), (0, "06 1f 00 00"), (0, "06 14 00 00"),
    (0, "08 01 3c 00 08 00 14 00 00 00 00 00"), (0, "09 81 16 00 07 00"),
    (0, "02 81 07 1e 7f"), (0, "0d"), (0, "ff 01 00 00 00"),
    (0, "20 00 00 02"), (0, "0a 03 00 00 01 02 03 04 05"),
    (0, "fe 0b 00 01 08 00 16 00"), (0, "06 0b 00 01"),
    (1, "4f 00 00 c8 07 05 14 01 b4 00 20 4e 39 30 00 00"),
    (1, "10 00 00 10 27 00 00"),
    (2, "15 02 01"), (2, "15 01 01"), (2, "14 05"), (2, "16"),
    (3, "00 c0 00 01 02 03"), (3, "00 00 00 41 42"), (3, "00 40 01 43"),
    (3, "00 80 02 44"),
]


# alerts: what the clients of docs/alerts.md write (op of fuzz-alerts.c,
# bytes): satcar77's and amazfish's 0x2A46 alerts, one long; Gadgetbridge's
# chunked notification, call, track and weather at MTU 23; queued writes
# by hand, one with a gap; find band; the wearer's answers.
ALERTS = [
    (1, "05 01 2b 34 34 31 32 33 34"), (1, "03 01 41 6c 69 63 65"),
    (2, "fa 01 0b 52 50 4d 00 49 6e 73 74 61 6c 6c 65 64 0a 0a 68 61 72 62"
        " 6f 75 72 2d 61 6d 61 7a 66 69 73 68"),
    (0, "00 00 00 05 01 4d 75 6d 00 41 72 65 20 79 6f 75 20 63 6f 6d"),
    (0, "00 40 01 69 6e 67 20 68 6f 6d 65 20 66 6f 72 20 74 65 61 20"),
    (0, "00 80 02 74 6f 6e 69 67 68 74 3f"),
    (0, "00 c0 00 03 01 42 6f 62"),
    (0, "00 c3 00 01 01 00 0c 00 41 42 42 41 00 53 4f 53 00"),
    (0, "00 c1 00 02 28 22 4b 66 00 01 15 53 75 6e 6e 79 00"),
    (3, "00 00 05 01 41 6e 6e 00 53 65 65 20 79 6f 75 20 61 74"),
    (3, "14 00 20 74 68 65 20 73 74 61 74 69 6f 6e"), (4, "01"), (4, "00"),
    (5, "03"), (5, "00"), (6, "00"), (6, "01"), (10, "00 00 e8 07"),
]


def from_sheet(out: Path) -> None:
    records = [bytes([op]) + bytes.fromhex(value) for op, value in SETTINGS]
    for record in records:
        write_seed(out, "config", bytes([START_AUTHED]) + record)
    write_seed(out, "config", bytes([START_AUTHED]) + DELIM.join(records))
    records = [bytes([op]) + bytes.fromhex(value) for op, value in ALERTS]
    for record in records:
        write_seed(out, "alerts", bytes([START_BOUND]) + record)
    write_seed(out, "alerts", bytes([START_BOUND]) + DELIM.join(records))


def gps_payload(lon: int, lat: int, status=None) -> bytes:
    """GB's encodePhoneGpsPayload, lon and lat in 1/3,000,000 degree."""
    flags = 0x40000 | (1 if status is not None else 0)
    return (b"\x06" + flags.to_bytes(4, "little")
            + (bytes([status]) if status is not None else b"")
            + struct.pack("<iiiiq", lon, lat, 30, 3400, 1_700_000_000_000)
            + b"\xff\xff\xff\xff\x00\x00\x00")


def chunked(type_: int, payload: bytes, mtu: int) -> list:
    """Gadgetbridge's writeToChunked: 00 <flags | type> <seq> <part>."""
    size = mtu - 6
    parts = [payload[i:i + size] for i in range(0, len(payload), size)]
    out = []
    for i, part in enumerate(parts):
        flags = (0xC0 if len(parts) == 1 else 0x00 if i == 0
                 else 0x80 if i == len(parts) - 1 else 0x40)
        out.append(bytes([0x00, flags | type_, i]) + part)
    return out


def from_workouts(out: Path) -> None:
    """Workouts recorded and fetched (fetch), and the phone's GPS in one
    (gps), as the MB4/SPORT scenarios drive them."""
    def rec(op, value=b""):
        return bytes([op]) + value
    since = bytes.fromhex("d0 07 01 01 00 00 00 00")     # 2000-01-01
    # fetch: op 2 runs value[0] s and value[1] min, op 7 the workout.
    for kind in range(1, 7):
        fetch = [rec(7, bytes([1, kind])), rec(2, bytes([5, 10])),
                 rec(7, b"\x00"), rec(4, b"\x17\x00")]
        for type_ in (5, 6):
            fetch += [rec(0, bytes([1, type_]) + since), rec(0, b"\x02"),
                      rec(2, b"\x01\x00"), rec(0, b"\x03")]
        write_seed(out, "fetch", bytes([START_AUTHED]) + DELIM.join(fetch))
    # gps: a run, a fix a second, chunked at MTU 23 and whole at 247.
    lon, lat = 40215000, 157560000
    gps = [rec(2, b"\x01\x01")]
    for i in range(4):
        gps.append(rec(3, b"\x01"))
        payload = gps_payload(lon + 90 * i, lat + 60 * i,
                              0x01 if i == 0 else None)
        gps += [rec(1, c) for c in chunked(6, payload, 23)]
    gps += [rec(4, b"\xf7\x00"), rec(3, b"\x01"),
            rec(0, gps_payload(lon + 400, lat + 300)),
            rec(0, b"\x06\x01\x00\x00\x00\x02"), rec(2, b"\x00")]
    write_seed(out, "gps", bytes([START_AUTHED]) + DELIM.join(gps))
    for record in gps:
        write_seed(out, "gps", bytes([START_AUTHED]) + rec(2, b"\x01\x04")
                   + DELIM + record)


def from_faults(bandsim: Path, out: Path) -> None:
    listed = subprocess.run([str(bandsim), "--list-faults"], check=True,
                            capture_output=True, text=True).stdout
    lines = []
    for row in listed.splitlines():
        name, spec, _ = (row.split("\t") + ["", ""])[:3]
        lines += [f"preset={name}", spec]
    doc = (ROOT / "docs" / "faults.md").read_text(encoding="utf-8")
    lines += re.findall(r"`(trigger=[^`]*)`", doc)
    for line in lines:
        write_seed(out, "fault", line.encode() + b"\n")
    # A plan as --faults reads it: comments, blank lines, several faults.
    write_seed(out, "fault", ("# a bad day for the phone\n\n" +
                              "\n".join(lines[:4]) + "\n").encode())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--report", type=Path, required=True,
                        help="the suite's --bandsim-report directory")
    parser.add_argument("--states", type=Path, required=True,
                        help="the suite's --basetemp directory")
    parser.add_argument("--bandsim", type=Path, required=True,
                        help="the emulator (for --list-faults)")
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    from_captures(args.report, args.out)
    from_states(args.states, args.out)
    from_fixtures(args.out)
    from_sheet(args.out)
    from_workouts(args.out)
    from_faults(args.bandsim, args.out)
    for d in sorted(p for p in args.out.iterdir() if p.is_dir()):
        print(f"{d.name}: {sum(1 for _ in d.iterdir())} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
