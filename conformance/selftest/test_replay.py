"""Captures read back and replayed: bandsim.tools.btsnoop and
bandsim.tools.replay.

A band started with --btsnoop, --random-seed 7 and its clock frozen
(start_band's default) serves one client session: MTU, discovery, auth
with the suite's key, a read and a fetch request.  The client notes
every PDU it sent and received; the capture must hold exactly those, in
that order and direction.  Its script is replayed against a second band
started the same way (every step matches) and against one with another
seed (the auth steps differ).  Phone-side captures are synthesized from
it by a small writer here: the same packets with the direction flags
flipped, and the same again as a real controller logs them (ACL split
into 27-byte fragments, another handle, datalinks 1001 and 2001).  The
report's captures come from a pytest run of a sample with
--bandsim-report.  The replay tool runs as a subprocess, as a person
runs it.
"""

import json
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bandsim.clients.auth import HuamiClient
from bandsim.clients.fetch import FetchClient
from bandsim.harness.suite import CLOCK_START, TEST_KEY
from bandsim.protocol.profile import DEFAULT_PATH, Profile
from bandsim.tools import btsnoop, replay, report, transcript

CONFORMANCE = Path(__file__).resolve().parents[1]
SEED = 7
DAY = 86400
TOOL_TIMEOUT = 20.0
PROFILE = Profile.load(DEFAULT_PATH)
BATTERY = PROFILE.characteristic("battery")
NAME_HANDLE = PROFILE.characteristic("device-name").value_handle
RECEIVED, SENT = btsnoop.RECEIVED, btsnoop.SENT


# ----------------------------------------------------------- helpers

def watch_pdus(client) -> list:
    """Note every PDU the client sends and receives, on this object, as
    the band sees it: (received, pdu) for the client's, (sent, pdu) for
    the band's."""
    seen = []
    send, recv = client.send_raw, client._recv_pdu

    def send_raw(pdu, *args, **kwargs):
        result = send(pdu, *args, **kwargs)
        seen.append((RECEIVED, bytes(pdu)))
        return result

    def recv_pdu(*args, **kwargs):
        pdu = recv(*args, **kwargs)
        seen.append((SENT, bytes(pdu)))
        return pdu

    client.send_raw = send_raw
    client._recv_pdu = recv_pdu
    return seen


def seeded(start_band, seed=SEED, capture=None):
    """A band as the capture's: the suite's key, frozen clock, seeded."""
    args = ["--random-seed", str(seed)]
    if capture is not None:
        args += ["--btsnoop", str(capture)]
    return start_band(extra_args=args)


def capture_session(start_band, path: Path) -> list:
    """The session, captured to path; what the client saw."""
    band = seeded(start_band, capture=path)
    client = band.connect()
    seen = watch_pdus(client)
    client.exchange_mtu(247)
    client.discover()
    auth = HuamiClient(client)
    auth.enable_notifications()
    auth.authenticate(TEST_KEY)
    client.read(BATTERY.value_handle)
    fetch = FetchClient(client)
    fetch.enable_notifications()
    fetch.start(CLOCK_START - DAY)
    band.disconnect(client)
    assert band.stop() == 0
    return seen


def tool(*args, cwd=None):
    """python3 -m bandsim.tools.replay ARGS, as a person runs it."""
    env = dict(os.environ, PYTHONPATH=str(CONFORMANCE))
    return subprocess.run([sys.executable, "-m", "bandsim.tools.replay",
                           *map(str, args)],
                          cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=TOOL_TIMEOUT)


def auth_steps(script: replay.Script):
    """Labels of the step the challenge answers and of the answer."""
    for n, step in enumerate(script.links[0].steps, 1):
        if any(replay.is_random_reply(r.pdu) for r in step.expect):
            return f"1.{n}", f"1.{n + 1}"
    raise AssertionError("no auth challenge in the script")


# ------------------------------------------------------ a tiny writer

def write_btsnoop(path: Path, datalink: int, records) -> Path:
    """records: (flags, raw timestamp, packet)."""
    with open(path, "wb") as f:
        f.write(btsnoop.MAGIC + struct.pack(">II", 1, datalink))
        for flags, ts, packet in records:
            f.write(struct.pack(">IIIIq", len(packet), len(packet), flags, 0,
                                ts) + packet)
    return path


def raw_records(path: Path) -> list:
    data = path.read_bytes()
    offset, out = 16, []
    while offset < len(data):
        _, size, flags, _, ts = struct.unpack_from(">IIIIq", data, offset)
        offset += 24
        out.append((flags, ts, data[offset:offset + size]))
        offset += size
    return out


def acl(handle: int, pb: int, data: bytes) -> bytes:
    return struct.pack("<HH", handle | (pb << 12), len(data)) + data


def as_phone_logs(records, handle=0x0040, fragment=27):
    """The band's records as the phone's controller logs them: the
    phone's direction, ACL in fragments of at most `fragment` bytes on
    its own handle, the phone the central of the connection; each item
    is (direction, kind, timestamp, HCI packet without H4 type)."""
    out = []
    for flags, ts, packet in records:
        kind, body = packet[0], bytearray(packet[1:])
        if kind == 0x04:                # events: received either way
            if body[0] == 0x3E:
                body[4:6] = handle.to_bytes(2, "little")
                body[6] = btsnoop.ROLE_CENTRAL
            else:
                body[3:5] = handle.to_bytes(2, "little")
            out.append((RECEIVED, "event", ts, bytes(body)))
            continue
        direction = SENT if flags & 1 else RECEIVED
        l2cap = bytes(body[4:])
        for i in range(0, len(l2cap), fragment):
            pb = 0b10 if i == 0 else 0b01
            out.append((direction, "acl", ts,
                        acl(handle, pb, l2cap[i:i + fragment])))
    return out


def hci_1001(items):
    for direction, kind, ts, packet in items:
        flags = (1 if direction == RECEIVED else 0) | \
            (2 if kind == "event" else 0)
        yield flags, ts, packet


def monitor_2001(items, index=0):
    yield (12 | (index << 16)), items[0][2], b"system note\0"
    for direction, kind, ts, packet in items:
        opcode = 3 if kind == "event" else (5 if direction == RECEIVED
                                            else 4)
        yield opcode | (index << 16), ts, packet


# ------------------------------------------------------------ reader

def test_reader_yields_the_session_in_order(start_band, tmp_path):
    """Every ATT PDU of the session, in order, with the band's
    directions; the link framed by its events, on band time."""
    path = tmp_path / "band.btsnoop"
    seen = capture_session(start_band, path)
    capture = btsnoop.Capture.open(path)
    records = list(capture.records())
    assert capture.datalink == btsnoop.DATALINK_H4
    assert (capture.truncated, capture.cut) == (0, False)
    first, last = records[0], records[-1]
    assert (first.kind, first.direction, first.payload[0]) == \
        ("event", RECEIVED, 0x3E)
    assert (last.kind, last.payload[0]) == ("event", 0x05)
    assert first.timestamp_us == CLOCK_START * 1_000_000
    stamps = [r.timestamp_us for r in records]
    assert stamps == sorted(set(stamps))
    extractor = btsnoop.AttExtractor()
    pdus = list(btsnoop.att_pdus(records, extractor))
    assert [(p.direction, p.pdu) for p in pdus] == seen
    assert len(seen) > 100
    assert {(p.link, p.handle) for p in pdus} == {(1, 1)}
    link = extractor.links[1]
    assert (link.start_us, link.end_us, link.role) == \
        (first.timestamp_us, last.timestamp_us, btsnoop.ROLE_PERIPHERAL)
    assert btsnoop.detect_perspective(pdus, extractor.links) == "band"
    assert (extractor.incomplete, extractor.orphans) == (0, 0)


@pytest.mark.no_emulator
def test_reader_edges(tmp_path):
    """Fragments put back together, other channels and stray pieces
    skipped, links numbered as they come, truncation and a cut file
    noted; what is not btsnoop refused."""
    le_conn = bytes.fromhex("3e 13 01 00 40 00 00 00") + bytes(14)
    disc = bytes.fromhex("05 04 00 40 00 13")
    value = b"\x0b" + bytes(range(30))
    read_rsp = struct.pack("<HH", len(value), 4) + value
    records = [
        (0, 100, b"\x02" + acl(0x41, 0b10, read_rsp[:4] + b"\x0b")),
        (0, 101, b"\x02" + acl(0x41, 0b01, read_rsp[5:])),   # link 1
        (0, 102, b"\x02" + acl(0x41, 0b01, b"stray")),
        (3, 200, b"\x04" + le_conn),                          # link 2
        (0, 201, b"\x02" + acl(0x40, 0b00,
                               bytes.fromhex("03 00 05 00 02 01 00"))),
        (1, 202, b"\x02" + acl(0x40, 0b10, bytes.fromhex("03 00 04 00 0a"))),
        (1, 203, b"\x02" + acl(0x40, 0b10,
                               bytes.fromhex("03 00 04 00 0a 03 00"))),
        (3, 204, b"\x04" + disc),
        (1, 205, b"\x02" + acl(0x40, 0b10,
                               bytes.fromhex("03 00 04 00 0a 05 00"))),
    ]
    path = write_btsnoop(tmp_path / "edges.btsnoop", 1002, records)
    capture = btsnoop.Capture.open(path)
    extractor = btsnoop.AttExtractor()
    pdus = list(btsnoop.att_pdus(capture.records(), extractor))
    assert [(p.timestamp_us + btsnoop.EPOCH_US, p.link, p.handle, p.pdu)
            for p in pdus] == [
        (101, 1, 0x41, value),
        (203, 2, 0x40, bytes.fromhex("0a 03 00")),
        (205, 3, 0x40, bytes.fromhex("0a 05 00"))]
    assert (extractor.orphans, extractor.incomplete) == (1, 1)
    assert extractor.links[2].end_us == 204 - btsnoop.EPOCH_US
    assert extractor.links[2].role == btsnoop.ROLE_CENTRAL
    # cut short when captured, and a file that ends inside a record
    data = path.read_bytes()
    cut = bytearray(data[:-3])
    struct.pack_into(">I", cut, 16, 40)         # first record: was 40 long
    capture = btsnoop.Capture(bytes(cut), "cut")
    assert len(list(capture.records())) == len(records) - 1
    assert (capture.truncated, capture.cut) == (1, True)
    for bad, complaint in [(b"snoopbt\0" + data[8:], "not a btsnoop file"),
                           (data[:12] + struct.pack(">I", 1003), "datalink"),
                           (b"pcap", "too short")]:
        with pytest.raises(btsnoop.BtsnoopError, match=complaint):
            btsnoop.Capture(bad)
    # a band killed before its first packet leaves the header unwritten
    for empty in (b"", data[:10]):
        capture = btsnoop.Capture(empty)
        assert (list(capture.records()), capture.datalink, capture.cut) == \
            ([], None, True)
    (tmp_path / "empty.btsnoop").write_bytes(b"")
    with pytest.raises(replay.ScriptError, match="no ATT PDU"):
        replay.load(tmp_path / "empty.btsnoop")
    # a btmon capture of two controllers must say which one
    monitor = write_btsnoop(tmp_path / "two.btsnoop", 2001, [
        (4, 1, acl(0x40, 0b10, bytes.fromhex("03 00 04 00 0a 03 00"))),
        (4 | (1 << 16), 2, acl(0x40, 0b10,
                               bytes.fromhex("03 00 04 00 0a 05 00")))])
    assert btsnoop.Capture.open(monitor).indexes() == [0, 1]
    assert [r.payload[-2] for r in btsnoop.read(monitor, index=1)] == [5]
    with pytest.raises(replay.ScriptError, match="--index"):
        replay.load(monitor)
    assert replay.load(monitor, index=1).perspective == "central"


@pytest.mark.no_emulator
def test_script_needs_one_connection_and_a_perspective(tmp_path):
    """A central's capture with two devices at once names their handles;
    one without requests asks whose it is."""
    read = bytes.fromhex("03 00 04 00 0a 03 00")
    two = write_btsnoop(tmp_path / "two.btsnoop", 1002, [
        (0, 1, b"\x02" + acl(0x40, 0b10, read)),
        (0, 2, b"\x02" + acl(0x41, 0b10, read)),
        (1, 3, b"\x02" + acl(0x40, 0b10, bytes.fromhex("02 00 04 00 0b 01"))),
    ])
    with pytest.raises(replay.ScriptError, match="0x0040, 0x0041.*--handle"):
        replay.load(two)
    script = replay.load(two, handle=0x40)
    assert [(s.send, [r.pdu for r in s.expect])
            for s in script.links[0].steps] == [
        (bytes.fromhex("0a 03 00"), [bytes.fromhex("0b 01")])]
    result = tool(two, "--script", tmp_path / "x.json")
    assert result.returncode == 2 and "--handle" in result.stderr
    quiet = write_btsnoop(tmp_path / "quiet.btsnoop", 1002, [
        (1, 1, b"\x02" + acl(0x40, 0b10, bytes.fromhex("02 00 04 00 30 00"))),
        (1, 2, b"\x02" + acl(0x40, 0b10, bytes.fromhex("02 00 04 00 30 01")))])
    with pytest.raises(replay.ScriptError, match="--perspective"):
        replay.load(quiet)
    assert len(replay.load(quiet, "band").links[0].steps) == 2
    result = tool(tmp_path / "x.json", "--script", tmp_path / "y.json")
    assert result.returncode == 2 and "x.json" in result.stderr


# ------------------------------------------------------------ script

def test_script_round_trips(start_band, tmp_path):
    """The central's PDUs in order, each with the band's answers after
    it; written by the tool, read back as the same script."""
    path = tmp_path / "band.btsnoop"
    seen = capture_session(start_band, path)
    script = replay.load(path)
    assert (script.capture, script.perspective) == ("band.btsnoop", "band")
    assert [link.number for link in script.links] == [1]
    steps = script.links[0].steps
    assert [s.send for s in steps] == [p for d, p in seen if d == RECEIVED]
    assert [r.pdu for s in steps for r in s.expect] == \
        [p for d, p in seen if d == SENT]
    assert steps[0].send == bytes.fromhex("02 f7 00")
    assert [r.pdu for r in steps[0].expect] == [bytes.fromhex("03 f7 00")]
    assert script.start_us == CLOCK_START * 1_000_000
    assert all(s.gap_us >= 1 and r.after_us >= 1
               for s in steps for r in s.expect)
    out = tmp_path / "script.json"
    result = tool(path, "--script", out)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text == script.to_json()
    assert replay.Script.from_json(text) == script
    assert replay.load(out) == script
    assert json.loads(text)["links"][0]["steps"][0] == {
        "op": "MTU_REQ", "send": "02 f7 00", "at_us": 1, "gap_us": 1,
        "expect": [{"op": "MTU_RSP", "pdu": "03 f7 00", "after_us": 1}]}


def test_phone_side_capture_gives_the_same_script(start_band, tmp_path):
    """The same session as the phone logs it is told apart as the
    central's and gives the same steps: directions flipped (H4), and as
    a controller logs it, 27-byte fragments on handle 0x0040, in
    datalinks 1001 and 2001 (btmon)."""
    path = tmp_path / "band.btsnoop"
    capture_session(start_band, path)
    band = replay.load(path)
    records = raw_records(path)
    flipped = write_btsnoop(tmp_path / "flipped.btsnoop", 1002,
                            [(f ^ 1, ts, p) for f, ts, p in records])
    items = as_phone_logs(records)
    assert any(item[3][1] >> 4 == 0b01 for item in items
               if item[1] == "acl"), "nothing was fragmented"
    hci = write_btsnoop(tmp_path / "hci.btsnoop", 1001, hci_1001(items))
    monitor = write_btsnoop(tmp_path / "btmon.btsnoop", 2001,
                            monitor_2001(items))
    for phone, handle in [(flipped, 1), (hci, 0x40), (monitor, 0x40)]:
        script = replay.load(phone)
        assert script.perspective == "central", phone.name
        assert [link.handle for link in script.links] == [handle]
        assert [link.steps for link in script.links] == \
            [link.steps for link in band.links], phone.name
        assert replay.load(phone, "band").links[0].steps != \
            band.links[0].steps
    result = tool(hci, "--perspective", "central", "--script",
                  tmp_path / "hci.json")
    assert result.returncode == 0, result.stderr
    assert replay.load(tmp_path / "hci.json").links[0].steps == \
        band.links[0].steps


# --------------------------------------------------------------- run

@pytest.mark.no_emulator
def test_judging_a_step():
    """Exact bytes, in order; --ignore-random spares only a challenge's
    random bytes (same length, same first three value bytes)."""
    challenge = bytes.fromhex("1b 68 00 10 02 01") + bytes(16)
    other = bytes.fromhex("1b 68 00 10 02 01") + bytes(range(16))
    step = replay.Step(bytes.fromhex("52 68 00 02 00"), 0, 0,
                       [replay.Response(challenge)])
    assert replay.judge(step, [challenge]) == ("match", [])
    assert replay.judge(step, [other])[0] == "differ"
    assert replay.judge(step, [other], ignore_random=True) == ("match", [])
    for wrong in (other[:-1], bytes.fromhex("1b 68 00 10 02 04") + bytes(16),
                  bytes.fromhex("1b 69 00 10 02 01") + bytes(16)):
        assert replay.judge(step, [wrong], ignore_random=True)[0] == "differ"
    status, lines = replay.judge(step, [], ended="the band ended the link")
    assert status == "missing"
    assert lines[-1].endswith("got nothing (the band ended the link)")
    status, lines = replay.judge(step, [challenge, b"\x13"])
    assert (status, lines) == ("differ", ["   extra 13"])
    read = replay.Step(b"\x0a\x03\x00", 0, 0, [replay.Response(b"\x0bMi")])
    assert replay.judge(read, [b"\x0bMj"], ignore_random=True)[1] == [
        "expected 0b 4d 69", "     got 0b 4d 6a"]


def test_replay_matches_a_band_started_the_same_way(start_band, tmp_path):
    """Same seed, same key, same frozen clock: every step's bytes are
    the capture's, over the socket alone (the tool) and through the
    band's status pipe (replay.run with the band); the replaying band's
    own capture is the original, byte for byte."""
    path = tmp_path / "band.btsnoop"
    capture_session(start_band, path)
    script = replay.load(path)
    again = seeded(start_band, capture=tmp_path / "again.btsnoop")
    result = tool(path, "--run", "--socket", again.socket_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == (f"{script.steps} steps: {script.steps} match, "
                         f"0 differ, 0 missing")
    assert sum(" match " in line for line in lines) == script.steps
    assert again.stop() == 0
    assert (tmp_path / "again.btsnoop").read_bytes() == path.read_bytes()
    third = seeded(start_band)
    run = replay.run(script, third, timeout=5.0)
    assert run.ok, run.describe()
    assert len(run.steps) == script.steps


@pytest.mark.takes(1)
def test_replay_against_another_seed_differs_at_auth(start_band, tmp_path):
    """Another seed, another challenge: the challenge and the answer
    steps differ (exit 1).  --ignore-random lets the challenge pass;
    the answer, computed for the capture's challenge, still gets
    10 03 04."""
    path = tmp_path / "band.btsnoop"
    capture_session(start_band, path)
    script = replay.load(path)
    challenge, answer = auth_steps(script)
    other = seeded(start_band, seed=SEED + 1)
    result = tool(path, "--run", "--socket", other.socket_path,
                  "--timeout", "0.5")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert f"{challenge} differ" in out and f"{answer} differ" in out, out
    assert "got 1b" in out and "10 03 04" in out
    for n in range(1, int(challenge.split(".")[1])):
        assert f"1.{n} match" in out, out
    result = tool(path, "--run", "--socket", other.socket_path,
                  "--timeout", "0.5", "--ignore-random", "-q")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert f"{challenge} " not in out and f"{answer} differ" in out, out
    step = script.links[0].steps[int(answer.split(".")[1]) - 1]
    head = step.expect[0].pdu[:3].hex(" ")
    assert f"expected {head} 10 03 01" in out
    assert f"got {head} 10 03 04" in out


def test_skeleton_is_a_scenario(start_band, tmp_path):
    """--skeleton writes Python that holds the script, starts a seeded
    band with the capture's clock and key, and replays it under the
    placeholder ID."""
    path = tmp_path / "band.btsnoop"
    capture_session(start_band, path)
    out = tmp_path / "test_field.py"
    result = tool(path, "--skeleton", out, "--random-seed", SEED)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    code = compile(text, str(out), "exec")
    assert replay.SKELETON_ID == "MB4/FIELD/BV-01"
    assert "MB4/FIELD/BV-01: " in text
    assert "replay.run(SCRIPT, band" in text
    assert '"--random-seed", str(RANDOM_SEED)' in text
    namespace = {}
    exec(code, namespace)                       # defines, runs nothing
    assert namespace["SCRIPT"] == replay.load(path)
    assert (namespace["RANDOM_SEED"], namespace["AUTH_KEY"],
            namespace["CLOCK_START"], namespace["IGNORE_RANDOM"]) == \
        (SEED, TEST_KEY, CLOCK_START, False)
    doc = namespace["test_field_capture"].__doc__
    assert report.summary_of(doc)[0] == "MB4/FIELD/BV-01"
    assert "real-world report" in doc


# ------------------------------------------------------------ report

SAMPLE = '''
from bandsim.protocol.profile import DEFAULT_PATH, Profile

NAME = Profile.load(DEFAULT_PATH).characteristic("device-name")


def test_two_bands(band, att, start_band):
    """MB4/DEMO/BV-01: a read on one band, then a second band"""
    assert att.read(NAME.value_handle) == b"Mi Smart Band 4"
    start_band(extra_args=["--control-name", "io.bandsim.second"])


def test_own_capture(start_band, tmp_path):
    """MB4/DEMO/BV-02: a scenario that captures for itself"""
    start_band(extra_args=("--btsnoop", str(tmp_path / "own.btsnoop")))


def test_not_a_scenario(start_band):
    """a self-test: no report, no capture"""
    start_band()
'''


@pytest.mark.timeout(60)
def test_report_points_at_readable_captures(tmp_path):
    """With --bandsim-report every band a scenario starts leaves its
    capture next to the JSON, listed (relative) in captures, its own
    log beside the capture and the capture's transcript (listed in
    transcripts)."""
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(SAMPLE))
    out = tmp_path / "report"
    env = dict(os.environ, PYTHONPATH=str(CONFORMANCE))
    if "BANDSIM" in env:            # the sample runs in another directory
        env["BANDSIM"] = str(Path(env["BANDSIM"]).resolve())
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p",
         "no:cacheprovider", "-q", "test_sample.py",
         "--bandsim-report", str(out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "MB4_DEMO_BV-01-2.btsnoop", "MB4_DEMO_BV-01-2.log",
        "MB4_DEMO_BV-01-2.transcript.json",
        "MB4_DEMO_BV-01.btsnoop", "MB4_DEMO_BV-01.html",
        "MB4_DEMO_BV-01.json", "MB4_DEMO_BV-01.log",
        "MB4_DEMO_BV-01.transcript.json", "MB4_DEMO_BV-02.html",
        "MB4_DEMO_BV-02.json", "index.html"]
    assert (out / "MB4_DEMO_BV-01.log").stat().st_size > 0
    record = json.loads((out / "MB4_DEMO_BV-01.json").read_text())
    assert report.check(record) == []
    assert record["captures"] == ["MB4_DEMO_BV-01.btsnoop",
                                  "MB4_DEMO_BV-01-2.btsnoop"]
    first, second = (btsnoop.Capture.open(out / name)
                     for name in record["captures"])
    pdus = list(btsnoop.att_pdus(first.records()))
    assert [(p.direction, p.pdu) for p in pdus] == [
        (RECEIVED, b"\x0a" + NAME_HANDLE.to_bytes(2, "little")),
        (SENT, b"\x0b" + b"Mi Smart Band 4")]
    assert list(second.records()) == []         # never connected
    assert record["transcripts"] == ["MB4_DEMO_BV-01.transcript.json",
                                     "MB4_DEMO_BV-01-2.transcript.json"]
    made = [transcript.load(out / name) for name in record["transcripts"]]
    assert made[0] == transcript.from_capture(out / record["captures"][0])
    assert [(e.dir, e.op, e.fields) for e in made[0].entries] == [
        ("link", "link-up", {}),
        ("central>band", "READ_REQ", {"chr": "device-name"}),
        ("band>central", "READ_RSP", {"chr": "device-name",
                                      "value": b"Mi Smart Band 4".hex(" ")}),
        ("link", "link-down", {})]
    assert made[1].entries == []
    own = json.loads((out / "MB4_DEMO_BV-02.json").read_text())
    assert own["captures"] == own["transcripts"] == []
    assert report.check(own) == []
    assert report.check(dict(record, captures=["/abs.btsnoop"])) != []
    older = {k: v for k, v in record.items() if k != "transcripts"}
    assert report.check(older) == []
    assert report.check(dict(record, transcripts=["x.json"])) != []
    assert report.check(dict(record, transcripts=[
        "MB4_DEMO_BV-09.transcript.json"])) != []



@pytest.mark.no_emulator
def test_link_and_encryption_events():
    """The monitor's events that the over-the-air phone judges by: an LE
    Enhanced Connection Complete with success is a link that came up;
    Encryption Change carries the controller's status (06 PIN or Key
    Missing: the ghost pairing) and whether it is on."""
    def event(payload: bytes) -> btsnoop.Record:
        return btsnoop.Record(0, btsnoop.RECEIVED, btsnoop.EVENT, payload)

    enhanced_up = event(bytes([0x3E, 31, 0x0A, 0x00, 0x2A, 0x00, 0x00])
                        + bytes(24))
    refused = event(bytes([0x3E, 31, 0x0A, 0x3C, 0x00, 0x00, 0x00])
                    + bytes(24))
    legacy_up = event(bytes([0x3E, 19, 0x01, 0x00, 0x2A, 0x00, 0x00])
                      + bytes(12))
    assert btsnoop.link_up(enhanced_up) and btsnoop.link_up(legacy_up)
    assert not btsnoop.link_up(refused)
    assert not btsnoop.link_up(event(bytes([0x3E])))
    acl = btsnoop.Record(0, btsnoop.SENT, btsnoop.ACL, enhanced_up.payload)
    assert not btsnoop.link_up(acl)

    key_missing = event(bytes([0x08, 4, 0x06, 0x2A, 0x00, 0x00]))
    encrypted = event(bytes([0x08, 4, 0x00, 0x2B, 0x00, 0x01]))
    short = event(bytes([0x08, 3, 0x00, 0x2B, 0x00]))
    changes = list(btsnoop.encryption_changes(
        [enhanced_up, key_missing, short, acl, encrypted]))
    assert [(c.handle, c.status, c.enabled) for c in changes] == \
        [(0x2A, 0x06, False), (0x2B, 0x00, True)]
