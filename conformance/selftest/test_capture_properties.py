"""Property tests of the field-capture readers: bandsim.tools.btsnoop,
the replay script reader of bandsim.tools.replay and the transcripts of
bandsim.tools.transcript.

Captures and scripts come from other people's machines, so a reader
must never fail with anything but its documented error: BtsnoopError,
ScriptError or TranscriptError (all ValueErrors), whose message names
the file and where in it the reader stopped (an offset and record, a
field such as ``links[0].steps[3].send``).  Over arbitrary bytes, valid
captures cut at every offset or with one field overwritten, and
arbitrary or nearly valid JSON scripts, a reader returns what it read
or raises that error; a valid capture or script reads back as written;
the command-line tools exit 2 with one line, never a traceback.

Hypothesis runs with a fixed profile: derandomized (the same examples
every run), no deadline (a busy machine must not fail it), no example
database, and its Unicode table cached in a temporary directory, so
nothing is written into the tree.  BANDSIM_HYPOTHESIS_EXAMPLES raises
the number of examples per test for a longer search (default 150).  A
passing test takes about a second; the timeout leaves a failing one
time to shrink its example.
"""

import atexit
import contextlib
import io
import json
import os
import shutil
import struct
import tempfile

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from bandsim.tools import btsnoop, replay, transcript
from bandsim.tools.cli import main as cli_main
from bandsim.tools.btsnoop import (ACL, COMMAND, DATALINK_H4, DATALINK_HCI,
                                   DATALINK_MONITOR, EPOCH_US, EVENT,
                                   HEADER, MAGIC, MAX_PACKET, RECEIVED,
                                   RECORD, SENT, BtsnoopError, Record)
from bandsim.tools.replay import ScriptError
from bandsim.tools.transcript import Transcript, TranscriptError

pytestmark = [pytest.mark.timeout(120), pytest.mark.no_emulator]
# Hypothesis keeps nothing here (database=None) but wants a home; it goes
# with the run, not left in /tmp by each.
HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="bandsim-hypothesis-")
atexit.register(shutil.rmtree, HYPOTHESIS_HOME, ignore_errors=True)
set_hypothesis_home_dir(HYPOTHESIS_HOME)
PROFILE = settings(
    derandomize=True, deadline=None, database=None, print_blob=False,
    report_multiple_bugs=False,
    max_examples=int(os.environ.get("BANDSIM_HYPOTHESIS_EXAMPLES", "150")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NAME = "field.btsnoop"

# ------------------------------------------------------------ writing

H4_TYPES = {kind: code for code, kind in btsnoop.H4_KINDS.items()}
MONITOR_OPCODES = {pair: op for op, pair in btsnoop.MONITOR_KINDS.items()}
# (kind, direction) each datalink can say: un-encapsulated HCI tells
# only commands and events from data, and calls all data ACL.
KINDS = {
    DATALINK_H4: [(kind, d) for kind in H4_TYPES for d in (SENT, RECEIVED)],
    DATALINK_HCI: [(ACL, SENT), (ACL, RECEIVED), (EVENT, RECEIVED),
                   (COMMAND, SENT)],
    DATALINK_MONITOR: list(MONITOR_OPCODES),
}


def flags_and_packet(datalink: int, record: Record):
    received = record.direction == RECEIVED
    if datalink == DATALINK_H4:
        return int(received), bytes([H4_TYPES[record.kind]]) + record.payload
    if datalink == DATALINK_HCI:
        event_or_command = record.kind in (EVENT, COMMAND)
        return int(received) | (2 if event_or_command else 0), record.payload
    return MONITOR_OPCODES[(record.kind, record.direction)], record.payload


def encode(datalink: int, records) -> bytes:
    """A capture of records, as a btsnoop writer lays it out."""
    out = [HEADER.pack(MAGIC, btsnoop.VERSION, datalink)]
    for record in records:
        flags, packet = flags_and_packet(datalink, record)
        out.append(RECORD.pack(len(packet), len(packet), flags, 0,
                               record.timestamp_us + EPOCH_US) + packet)
    return b"".join(out)


def boundaries(datalink: int, records) -> list:
    """The offsets at which a record of the capture starts or it ends."""
    offsets = [HEADER.size]
    for record in records:
        _, packet = flags_and_packet(datalink, record)
        offsets.append(offsets[-1] + RECORD.size + len(packet))
    return offsets


timestamps = st.integers(-EPOCH_US, 2 ** 63 - 1 - EPOCH_US)


@st.composite
def captures(draw, max_records=5):
    datalink = draw(st.sampled_from(sorted(KINDS)))
    records = draw(st.lists(st.builds(
        lambda ts, pair, payload: Record(ts, pair[1], pair[0], payload),
        timestamps, st.sampled_from(KINDS[datalink]),
        st.binary(max_size=40)), max_size=max_records))
    return datalink, records


def att_acl(handle: int, pdu: bytes) -> bytes:
    """One ATT PDU as a first ACL fragment of L2CAP on the ATT channel."""
    l2cap = struct.pack("<HH", len(pdu), btsnoop.ATT_CID) + pdu
    return struct.pack("<HH", handle | (0b10 << 12), len(l2cap)) + l2cap


att_opcodes = st.sampled_from(sorted(btsnoop.CLIENT_OPCODES
                                     | btsnoop.SERVER_OPCODES))


@st.composite
def att_captures(draw):
    """H4 captures of ATT exchanges on one or two handles, in time
    order, with a connection event or none."""
    records, ts = [], draw(st.integers(0, 2 ** 40))
    for _ in range(draw(st.integers(1, 8))):
        ts += draw(st.integers(0, 10 ** 6))
        handle = draw(st.sampled_from([0x40, 0x41]))
        pdu = bytes([draw(att_opcodes)]) + draw(st.binary(max_size=12))
        direction = draw(st.sampled_from([SENT, RECEIVED]))
        records.append(Record(ts, direction, ACL, att_acl(handle, pdu)))
    return encode(DATALINK_H4, records)


# What a record's flags and packet may hold: H4 directions, monitor
# opcodes of a few controllers, anything; HCI packets that reach the
# reassembly and the link tracking with any lengths, or just bytes.
flag_values = st.one_of(
    st.integers(0, 3),
    st.builds(lambda op, index: op | index << 16,
              st.sampled_from(sorted(btsnoop.MONITOR_KINDS)),
              st.integers(0, 2)),
    st.integers(0, 2 ** 32 - 1))
u16 = st.integers(0, 0xFFFF)
acl_packets = st.builds(
    lambda handle, pb, l2len, cid, body, acl_len: struct.pack(
        "<HH", handle | pb << 12,
        acl_len if acl_len is not None else 4 + len(body))
    + struct.pack("<HH", l2len if l2len is not None else len(body), cid)
    + body,
    st.sampled_from([0x40, 0x41]), st.integers(0, 3), st.none() | u16,
    st.sampled_from([btsnoop.ATT_CID, 5, 6]) | u16,
    st.binary(max_size=24), st.none() | u16)
event_packets = st.builds(
    lambda code, sub, status, handle, role, rest: bytes(
        [code, 19, sub, status]) + handle.to_bytes(2, "little")
    + bytes([role]) + rest,
    st.sampled_from([btsnoop.EVT_LE_META, btsnoop.EVT_DISCONNECTION_COMPLETE]),
    st.sampled_from(btsnoop.LE_CONNECTION_COMPLETE) | st.integers(0, 255),
    st.integers(0, 1), st.sampled_from([0x40, 0x41]) | u16,
    st.integers(0, 2), st.binary(max_size=16))
# Events cut anywhere, as a controller never sends them.
event_packets = st.tuples(event_packets, st.integers(0, 24)).map(
    lambda t: t[0][:t[1]])
packets = st.one_of(
    st.binary(max_size=40),
    st.tuples(st.sampled_from(sorted(btsnoop.H4_KINDS)) | st.just(None),
              acl_packets | event_packets).map(
        lambda t: (bytes([t[0]]) if t[0] is not None else b"") + t[1]))


# ------------------------------------------------------------ reading

def read_all(data: bytes, name: str = NAME):
    """Everything the reader does with a capture: the records of every
    controller, the ATT PDUs and whose capture it is.  Returns the
    Capture and its records, or raises BtsnoopError."""
    capture = btsnoop.Capture(data, name)
    records = list(capture.records())
    for index in capture.indexes():
        extractor = btsnoop.AttExtractor()
        pdus = list(btsnoop.att_pdus(capture.records(index), extractor))
        btsnoop.detect_perspective(pdus, extractor.links)
        for perspective in btsnoop.PERSPECTIVES:
            try:
                replay.build_script(pdus, extractor.links, perspective, name)
            except ScriptError as exc:
                assert str(exc).startswith(f"{name}: "), str(exc)
    return capture, records


def read_or_refuse(data: bytes, name: str = NAME):
    """read_all(), or None when the reader refused the capture as it
    documents: BtsnoopError naming the file and an offset."""
    try:
        return read_all(data, name)
    except BtsnoopError as exc:
        message = str(exc)
        assert message.startswith(f"{name}: "), message
        assert "offset" in message or "too short" in message, message
        return None


def run_tool(main, argv):
    """(exit status, stderr) of a tool's main() run in this process."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(err):
        status = main([str(a) for a in argv])
    return status, err.getvalue()


def check_tools(path, data: bytes) -> None:
    """Both tools on a file holding data: exit 0, or 2 with one line
    naming the file; never a traceback."""
    path.write_bytes(data)
    for main, argv in ((replay.main, [path, "--script",
                                      path.with_suffix(".json")]),
                       (btsnoop.main, [path])):
        status, err = run_tool(main, argv)
        assert status in (0, 2), err
        if status == 2:
            assert err.count("\n") == 1 and str(path) in err, err


@pytest.fixture(scope="module", autouse=True)
def hypothesis_home():
    yield
    shutil.rmtree(HYPOTHESIS_HOME, ignore_errors=True)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("captures")


# ------------------------------------------------------------ btsnoop

@PROFILE
@given(st.binary(max_size=400))
@example(b"")
@example(MAGIC)
@example(MAGIC + b"\0\0\0\x02\0\0\x03\xea")
@example(HEADER.pack(MAGIC, 1, DATALINK_H4) + RECORD.pack(0, 0xFFFFFFFF, 0,
                                                           0, 0))
def test_arbitrary_bytes(data):
    """Any bytes: records, or BtsnoopError naming the file and offset."""
    read_or_refuse(data)


@PROFILE
@given(st.sampled_from(sorted(KINDS)), st.data(), st.binary(max_size=40))
def test_arbitrary_records(datalink, data, tail):
    """A valid header, records of any flags and packets (as the datalink
    frames ACL data and events, with any lengths, channels and fields,
    or just bytes), then anything: read, or refused at an offset."""
    typed = st.builds(
        lambda direction, kind, packet: flags_and_packet(
            datalink, Record(0, direction, kind, packet)),
        st.sampled_from([SENT, RECEIVED]), st.just(ACL), acl_packets) | \
        st.builds(lambda packet: flags_and_packet(
            datalink, Record(0, RECEIVED, EVENT, packet)), event_packets)
    records = data.draw(st.lists(typed | st.tuples(flag_values, packets),
                                 max_size=8))
    body = b"".join(RECORD.pack(len(packet), len(packet), flags, 0, 0)
                    + packet for flags, packet in records)
    read_or_refuse(HEADER.pack(MAGIC, btsnoop.VERSION, datalink) + body
                   + tail)


@PROFILE
@given(captures())
def test_valid_capture_round_trips(capture):
    """What a writer put in a capture is what the reader gives back."""
    datalink, records = capture
    read, got = read_all(encode(datalink, records))
    assert got == records
    assert (read.datalink, read.truncated, read.cut) == (datalink, 0, False)
    if datalink == DATALINK_MONITOR:
        assert list(read.records(0)) == records


@PROFILE
@given(captures())
def test_cut_at_every_offset(capture):
    """A capture cut anywhere (a writer killed) gives the records that
    are whole, and says it was cut unless the cut fell between records."""
    datalink, records = capture
    data = encode(datalink, records)
    starts = boundaries(datalink, records)
    for cut in range(len(data) + 1):
        read, got = read_all(data[:cut], f"cut-{cut}.btsnoop")
        whole = sum(1 for end in starts[1:] if end <= cut)
        assert got == records[:whole], cut
        assert read.cut == (cut not in starts), cut
        if cut < HEADER.size:
            assert read.datalink is None


FIELDS = {"original": (0, 4), "included": (4, 4), "flags": (8, 4),
          "drops": (12, 4), "timestamp": (16, 8)}


@PROFILE
@given(captures(), st.data())
def test_one_field_overwritten(workdir, capture, data):
    """One header or record field set to any value of its width: the
    records are read or the capture is refused, and the refusals that
    can be told are: another magic, version or datalink, or a record
    longer than any HCI packet, each at its offset."""
    datalink, records = capture
    raw = bytearray(encode(datalink, records))
    starts = boundaries(datalink, records)
    targets = [("magic", 0, 8), ("version", 8, 4), ("datalink", 12, 4)]
    targets += [(f"{name} {i + 1}", starts[i] + at, size)
                for i in range(len(records))
                for name, (at, size) in FIELDS.items()]
    field, offset, size = data.draw(st.sampled_from(targets))
    value = data.draw(st.integers(0, 2 ** (8 * size) - 1))
    raw[offset:offset + size] = value.to_bytes(size, "big")
    result = read_or_refuse(bytes(raw))
    check_tools(workdir / NAME, bytes(raw))
    if field == "magic":
        assert (result is None) == (raw[:8] != MAGIC)
    elif field == "version":
        assert (result is None) == (value != btsnoop.VERSION)
    elif field == "datalink":
        assert (result is None) == (value not in btsnoop.DATALINKS)
    elif field.startswith("included"):
        number = int(field.split()[1])
        start = starts[number - 1]
        if value > MAX_PACKET:
            assert result is None
            with pytest.raises(BtsnoopError,
                               match=f"offset {start}: record {number} "):
                read_all(bytes(raw))
        elif start + RECORD.size + value > len(raw):
            read, got = result
            assert (got, read.cut) == (records[:number - 1], True)
    else:
        assert result is not None


# ------------------------------------------------------------- replay

@PROFILE
@given(att_captures())
def test_capture_to_script(workdir, capture):
    """A capture of ATT exchanges becomes a script that reads back as
    itself, or is refused with ScriptError naming the file (two links at
    once, nobody sending requests)."""
    path = workdir / "att.btsnoop"
    path.write_bytes(capture)
    try:
        script = replay.load(path)
    except ScriptError as exc:
        assert str(path) in str(exc) or path.name in str(exc), str(exc)
        return
    assert replay.Script.from_json(script.to_json()) == script
    status, err = run_tool(replay.main, [path, "--script",
                                         workdir / "att.json"])
    assert (status, err) == (0, "")
    assert replay.load(workdir / "att.json") == script


@PROFILE
@given(st.binary(max_size=300))
@example(b"{}")
@example(b"[" * 100_000)
@example(b'{"format": "bandsim-replay/1"}')
@example(b"\xff\xfe")
@example(HEADER.pack(MAGIC, 1, DATALINK_H4) + RECORD.pack(0, 0xFFFFFFFF, 0,
                                                           0, 0))
def test_load_arbitrary_file(workdir, data):
    """Any file given to the replay tool: a script, or ScriptError or
    BtsnoopError naming the file; the tools exit 0 or 2, never with a
    traceback."""
    path = workdir / "anything"
    path.write_bytes(data)
    try:
        replay.load(path)
    except (ScriptError, BtsnoopError) as exc:
        assert str(path) in str(exc), str(exc)
    check_tools(path, data)


responses = st.builds(replay.Response, st.binary(max_size=16), st.integers())
steps = st.builds(replay.Step, st.none() | st.binary(max_size=16),
                  st.integers(), st.integers(),
                  st.lists(responses, max_size=3))
links = st.builds(replay.Link, st.integers(), st.integers(), st.integers(),
                  st.lists(steps, max_size=3))
scripts = st.builds(replay.Script, st.text(max_size=16),
                    st.sampled_from(btsnoop.PERSPECTIVES),
                    st.lists(links, max_size=3))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


@PROFILE
@given(scripts)
def test_script_round_trips(script):
    """A script written as JSON reads back as the same script."""
    assert well_typed(script)
    assert replay.Script.from_json(script.to_json()) == script


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def well_typed(script) -> bool:
    """What the replay and the skeleton take a Script to hold."""
    steps = [step for link in script.links for step in link.steps]
    return (isinstance(script.capture, str)
            and script.perspective in btsnoop.PERSPECTIVES
            and all(is_int(v) for link in script.links
                    for v in (link.number, link.handle, link.start_us))
            and all(step.send is None or isinstance(step.send, bytes)
                    for step in steps)
            and all(is_int(step.at_us) and is_int(step.gap_us)
                    for step in steps)
            and all(isinstance(r.pdu, bytes) and is_int(r.after_us)
                    for step in steps for r in step.expect))


def fields(value, where=""):
    """(path as ScriptError names it, container, key) of every field."""
    items = (value.items() if isinstance(value, dict)
             else enumerate(value) if isinstance(value, list) else ())
    for key, inner in items:
        path = (f"{where}[{key}]" if isinstance(value, list)
                else f"{where}.{key}" if where else key)
        yield path, value, key
        yield from fields(inner, path)


@PROFILE
@given(scripts, st.data())
def test_nearly_valid_script(script, data):
    """A script with one field replaced by any JSON value, or removed:
    the script it still is, or ScriptError naming that field."""
    raw = script.to_dict()
    path, container, key = data.draw(st.sampled_from(list(fields(raw))))
    if isinstance(container, dict) and data.draw(st.booleans()):
        del container[key]
    else:
        container[key] = data.draw(json_values)
    try:
        read = replay.Script.from_dict(raw)
    except ScriptError as exc:
        assert path in str(exc), (path, str(exc))
        return
    assert well_typed(read), (path, read)


@PROFILE
@given(json_values | st.text(max_size=60))
def test_arbitrary_json(value):
    """Any JSON value or text as a script: ScriptError or a script."""
    text = value if isinstance(value, str) else json.dumps(value)
    try:
        read = replay.Script.from_json(text)
    except ScriptError:
        return
    assert well_typed(read), read


# -------------------------------------------------------- transcripts

@PROFILE
@given(att_captures())
def test_capture_to_transcript(workdir, capture):
    """Any ATT exchange becomes a transcript that reads back as itself
    and agrees with itself (a PDU that fits no layout is marked
    malformed), or is refused with TranscriptError naming the file."""
    path = workdir / "att.btsnoop"
    path.write_bytes(capture)
    try:
        made = transcript.load(path)
    except TranscriptError as exc:
        assert str(exc).startswith(f"{path}: "), str(exc)
        return
    assert Transcript.from_json(made.to_json()) == made
    assert transcript.compare(made, made).differences == []
    status, err = run_tool(cli_main, ["diff", path, path])
    assert (status, err) == (0, "")


@PROFILE
@given(st.binary(max_size=300))
@example(b"")
@example(b'{"format": "bandsim-transcript/1"}')
@example(HEADER.pack(MAGIC, 1, DATALINK_H4) + RECORD.pack(0, 0xFFFFFFFF, 0,
                                                           0, 0))
def test_arbitrary_file_as_transcript(workdir, data):
    """Any file given to transcript or diff: a transcript, or exit 2
    with one line naming the file; never a traceback."""
    path = workdir / "anything"
    path.write_bytes(data)
    try:
        transcript.load(path)
    except TranscriptError as exc:
        assert str(exc).startswith(f"{path}: "), str(exc)
    for argv in (["transcript", path], ["diff", path, path]):
        status, err = run_tool(cli_main, argv)
        assert status in (0, 2), err
        if status == 2:
            assert err.count("\n") == 1 and str(path) in err, err


@PROFILE
@given(json_values | st.text(max_size=60))
@example({"format": "bandsim-transcript/1", "source": "x",
          "perspective": None, "notes": [],
          "entries": [{"link": 1, "dir": "link", "op": "x", "timing": None,
                       "attributes": [{"uuid": 1}]}]})
def test_arbitrary_json_as_transcript(value):
    """Any JSON value or text: TranscriptError or a transcript that
    writes as it read."""
    text = value if isinstance(value, str) else json.dumps(value)
    try:
        read = Transcript.from_json(text)
    except TranscriptError:
        return
    assert Transcript.from_json(read.to_json()) == read
