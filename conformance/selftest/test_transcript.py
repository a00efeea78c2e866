"""Transcripts and their diff: bandsim.tools.transcript, and
``python3 -m bandsim transcript`` / ``diff`` run as a person runs them.

The session is fixtures/captures/make_capture.py's exchange(): MTU 247,
discovery, a read of the battery before auth (refused), auth with the
suite's key, the battery and the current time, a sync of the 30 band
minutes since the band started, acked.  Each band is started as the
suite starts one (start_band: the suite's key, clock frozen, a private
bus) with --btsnoop.

(a) The session on two fresh bands with other seeds and other clocks:
the captures differ (challenge, answer, times), the transcripts
agree.  (b) A band whose profile answers the protected read
before auth with another ATT error: one difference, a reply code, at
that entry; one that drops a property: a difference in properties at
the discovery entry.  (c) The committed capture of the session against
a replay of it (bandsim.tools.replay) on a fresh band: with the
capture's seed the transcripts agree; with another the replayed answer
is refused and the first difference is that reply code, right after a
challenge that differs in bytes and not in the transcript.  (d) What
gives no transcript (a cut capture, bad JSON, a bad field, no file)
exits 2 with a message that names the file.

The rest needs no band: the phone's side of the committed capture, the
normalisation table on the fact sheet's examples, timing classes and
the kinds a comparison sorts differences into (property tests of the
reader are in test_capture_properties.py).
"""

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from bandsim.harness.control import ControlClient
from bandsim.harness.fixturedir import FIXTURES_DIR, generator
from bandsim.harness.suite import CLOCK_START, TEST_KEY
from bandsim.protocol.att import Op
from bandsim.protocol.profile import default_profile, write_variant
from bandsim.tools import btsnoop, replay, transcript
from bandsim.tools.transcript import (BAND_TO_CENTRAL, CENTRAL_TO_BAND,
                                      CHARACTERISTIC_KIND, ORDER, PROPERTIES,
                                      REPLY_CODE, TIMING, VALUE, VALUE_LENGTH,
                                      Entry, Transcript)

CONFORMANCE = Path(__file__).resolve().parents[1]
TOOL_TIMEOUT = 20.0
# The second band of (a): three days and 17 minutes later.
LATER = CLOCK_START + 3 * 86400 + 17 * 60
# A replayed step whose answers never come waits this long (c).
REPLAY_WAIT = 2.0
# A step the band is expected to leave unanswered (the replay with
# another seed, after the refused auth) costs the replay its whole wait:
# a second is still a hundred times what the band takes to answer.
MISSING_WAIT = 1.0


session = generator("captures/make_capture.py")
FIXTURE = FIXTURES_DIR / "captures" / session.NAME


def bandsim(*args):
    """python3 -m bandsim ARGS, as a person runs it."""
    env = dict(os.environ, PYTHONPATH=str(CONFORMANCE))
    return subprocess.run([sys.executable, "-m", "bandsim",
                           *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=TOOL_TIMEOUT)


def advance(bus: str) -> None:
    """The band minutes the session syncs, before the phone connects."""
    with ControlClient(bus) as control:
        control.advance_clock(session.MINUTES * 60)


def run_session(start_band, bus, capture: Path, seed: int,
                clock_start: int = CLOCK_START, profile=None) -> Path:
    """The session on a fresh band, captured; the band stopped."""
    band = start_band(clock_start=clock_start, profile=profile,
                      extra_args=["--random-seed", str(seed),
                                  "--btsnoop", str(capture)])
    advance(bus)
    link = band.connect()
    session.exchange(link, TEST_KEY, clock_start)
    band.disconnect(link)
    assert band.stop() == 0
    return capture


def auth_prefix(command: str) -> bytes:
    """The start of a PDU on the auth characteristic: a notification
    (the band's) or a Write Command (the central's) and its command."""
    handle = default_profile().characteristic("auth").value_handle
    op = Op.NOTIFICATION if command.startswith("10") else Op.WRITE_CMD
    return bytes([op]) + handle.to_bytes(2, "little") + \
        bytes.fromhex(command)


def pdus(path: Path) -> list:
    return [p.pdu for p in btsnoop.att_pdus(btsnoop.read(path))]


def index_of(entries, op: str, chr_: str, value: str = None) -> int:
    return next(i for i, e in enumerate(entries)
                if e.op == op and e.fields.get("chr") == chr_
                and (value is None or e.fields.get("value") == value))


def counts(stdout: str) -> dict:
    """The summary's kind -> entries, as diff printed it."""
    lines = stdout.split("differences by kind (entries):\n")[1].splitlines()
    return {line[2:17].strip(): int(line[17:].split()[0])
            for line in lines if line.startswith("  ")}


# ------------------------------------------------------- (a) two runs

def test_two_runs_on_fresh_bands_agree(start_band, bus, tmp_path):
    """Other seed, clock three days later: the bytes differ where they
    must, the transcripts do not; a transcript file diffs as its
    capture does and reads back as written."""
    a = run_session(start_band, bus, tmp_path / "a.btsnoop", seed=7)
    b = run_session(start_band, bus, tmp_path / "b.btsnoop", seed=8,
                    clock_start=LATER)
    raw_a, raw_b = pdus(a), pdus(b)
    assert len(raw_a) == len(raw_b) > 100
    differ = [(x, y) for x, y in zip(raw_a, raw_b) if x != y]
    challenge, answer = auth_prefix("10 02 01"), auth_prefix("03 00")
    assert any(x.startswith(challenge) for x, _ in differ)
    assert any(x.startswith(answer) for x, _ in differ)
    assert len(differ) >= 6         # + fetch times, battery, clock
    first = [next(btsnoop.read(p)).timestamp_us for p in (a, b)]
    assert first[1] - first[0] == (LATER - CLOCK_START) * 1_000_000

    result = bandsim("diff", a, b)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "the transcripts agree"
    assert set(counts(result.stdout).values()) == {0}

    out = tmp_path / "a.transcript.json"
    made = bandsim("transcript", a, "-o", out)
    assert made.returncode == 0, made.stderr
    text = out.read_text()
    for placeholder in ("10 02 01 <random:16>", "03 00 <aes:16>",
                        "01 01 <time:8>", "10 01 01 <count:4> <time:8>",
                        "00 <samples:120>", "<time:11>",
                        "0f <level:1> 00 <time:8> <time:8> <level:1>"):
        assert placeholder in text, placeholder
    secret = next(x for x in raw_a if x.startswith(challenge))[6:]
    assert secret.hex(" ") not in text
    loaded = Transcript.from_json(text)
    assert loaded == transcript.load(a)
    assert loaded.to_json() == text
    assert bandsim("diff", out, b).returncode == 0


# ------------------------------------------------- (b) another policy

def test_another_pre_auth_error_is_a_reply_code(start_band, bus, tmp_path):
    """unauthorized-att-error 0x05 instead of 0x08: the one difference
    is the refused read's Error Response, as a reply code (exit 1)."""
    variant = write_variant(tmp_path / "variant.ini",
                            {"unauthorized-att-error": "0x05"})
    a = run_session(start_band, bus, tmp_path / "a.btsnoop", seed=7)
    b = run_session(start_band, bus, tmp_path / "b.btsnoop", seed=7,
                    profile=variant)
    result = bandsim("diff", a, b)
    print(result.stdout)
    assert result.returncode == 1, result.stdout + result.stderr
    refused = index_of(transcript.load(a).entries, "ERROR_RSP", "battery")
    assert (f"first difference: A entries[{refused}], B entries[{refused}]:"
            f" reply code") in result.stdout
    assert ("error: INSUFFICIENT_AUTHORIZATION(0x08) | "
            "INSUFFICIENT_AUTHENTICATION(0x05)") in result.stdout
    assert counts(result.stdout) == {
        CHARACTERISTIC_KIND: 0, PROPERTIES: 0, REPLY_CODE: 1,
        VALUE_LENGTH: 0, VALUE: 0, ORDER: 0, TIMING: 0}
    assert result.stdout.splitlines()[-1] == "the transcripts differ"


def test_a_property_dropped_shows_in_discovery(start_band, bus, tmp_path):
    """heart-rate-control without read: the declaration in the
    discovery's response differs in its properties, and nothing else."""
    variant = write_variant(tmp_path / "variant.ini", {"properties": "write"},
                            section="characteristic heart-rate-control")
    a = run_session(start_band, bus, tmp_path / "a.btsnoop", seed=7)
    b = run_session(start_band, bus, tmp_path / "b.btsnoop", seed=7,
                    profile=variant)
    comparison = transcript.compare(transcript.load(a), transcript.load(b))
    assert comparison.status() == 1
    [difference] = comparison.differences
    assert difference.kinds == {PROPERTIES}
    entry = comparison.a.entries[difference.a]
    assert entry.op == "READ_BY_TYPE_RSP"
    assert {"handle": "0x001b", "properties": "read,write",
            "value_handle": "0x001c", "uuid": "2a39"} in \
        entry.fields["attributes"]


# --------------------------------------- (c) the committed capture

def replay_on(start_band, bus, capture: Path, seed: int,
              wait: float = REPLAY_WAIT):
    """The fixture's script replayed on a fresh band with this seed,
    captured to capture, each step waiting up to `wait` seconds."""
    script = replay.load(FIXTURE)
    band = start_band(extra_args=["--random-seed", str(seed),
                                  "--btsnoop", str(capture)])
    advance(bus)
    result = replay.run(script, band, timeout=wait)
    assert band.stop() == 0
    return result


@pytest.mark.timeout(90)
@pytest.mark.takes(3)
def test_committed_capture_against_a_replay(start_band, bus, tmp_path):
    """Same seed: the transcripts agree (whatever the replay's bytes
    say).  Another seed: the challenge differs in bytes, not in the
    transcript; the answer replayed from the capture is refused, and
    that reply code is the first difference."""
    same = tmp_path / "same.btsnoop"
    result = replay_on(start_band, bus, same, session.SEED)
    print(result.summary())
    diff = bandsim("diff", FIXTURE, same)
    print(diff.stdout)
    assert diff.returncode == 0, diff.stdout + diff.stderr

    other = tmp_path / "other.btsnoop"
    result = replay_on(start_band, bus, other, session.SEED + 1,
                       MISSING_WAIT)
    print(result.summary())
    assert not result.ok
    diff = bandsim("diff", FIXTURE, other)
    print(diff.stdout)
    assert diff.returncode == 1, diff.stdout + diff.stderr
    fixture = transcript.load(FIXTURE)
    accepted = index_of(fixture.entries, "NOTIFICATION", "auth", "10 03 01")
    comparison = transcript.compare(fixture, transcript.load(other))
    first = comparison.differences[0]
    assert (first.a, first.b, first.kinds) == (accepted, accepted,
                                               {REPLY_CODE})
    assert f"first difference: A entries[{accepted}], B entries" \
        f"[{accepted}]: reply code" in diff.stdout
    assert "value: 10 03 01 | 10 03 04" in diff.stdout
    assert fixture.entries[accepted - 2].fields["value"] == \
        "10 02 01 <random:16>"
    challenges = [[p for p in pdus(path) if p.startswith(
        auth_prefix("10 02 01"))] for path in (FIXTURE, other)]
    assert len(challenges[0]) == len(challenges[1]) == 1
    assert challenges[0] != challenges[1]
    # Everything behind auth is refused or unanswered from there on.
    assert counts(diff.stdout)[REPLY_CODE] >= 3
    assert counts(diff.stdout)[ORDER] >= 3


# --------------------------------------------------- (d) bad input

BAD_ENTRY = {"link": 1, "dir": "link", "op": "link-up", "timing": "soon"}


@pytest.mark.no_emulator
@pytest.mark.parametrize("name, content, complaint", [
    ("cut.btsnoop", lambda: FIXTURE.read_bytes()[:-5],
     "the file ends inside a record"),
    ("header.btsnoop", lambda: FIXTURE.read_bytes()[:10],
     "the file ends inside its btsnoop header (10 bytes)"),
    ("empty.btsnoop", lambda: b"", "its btsnoop header (0 bytes)"),
    ("broken.json", lambda: b'{"format": "bandsim-transcript/1", "ent',
     "not JSON"),
    ("other.json", lambda: b'{"format": "bandsim-report/1"}',
     "not a bandsim-transcript/1 transcript"),
    ("field.json", lambda: json.dumps({
        "format": transcript.FORMAT, "source": "x", "perspective": "band",
        "notes": [], "entries": [BAD_ENTRY]}).encode(),
     "entries[0].timing: 'soon' is not"),
    ("value.json", lambda: json.dumps({
        "format": transcript.FORMAT, "source": "x", "perspective": "band",
        "notes": [], "entries": [dict(BAD_ENTRY, timing=None,
                                      value="10 <zz>")]}).encode(),
     "entries[0].value: '<zz>' is neither"),
    ("missing.json", None, "No such file or directory"),
])
def test_unreadable_input_exits_2(tmp_path, name, content, complaint):
    """diff exits 2 whichever side it is, transcript too; one line on
    stderr names the file and what is wrong, no traceback."""
    bad = tmp_path / name
    if content is not None:
        bad.write_bytes(content())
    for args in (("diff", FIXTURE, bad), ("diff", bad, FIXTURE),
                 ("transcript", bad)):
        result = bandsim(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stdout == ""
        [line] = result.stderr.splitlines()
        assert line.startswith(f"bandsim {args[0]}: {bad}: "), line
        assert complaint in line, line


@pytest.mark.no_emulator
def test_a_cut_capture_still_gives_what_it_holds(tmp_path):
    """What the report does with a band's capture cut short: the
    entries up to the cut, and a note."""
    cut = tmp_path / "cut.btsnoop"
    cut.write_bytes(FIXTURE.read_bytes()[:-5])
    whole = transcript.load(FIXTURE)
    made = transcript.from_capture(cut, complete=False)
    assert made.entries == whole.entries[:-1]       # the link-down went
    assert made.notes == ["the file ends inside a record: a capture cut "
                          "short"]


@pytest.mark.no_emulator
def test_the_phones_side_gives_the_same_transcript(tmp_path):
    """The session as the phone's HCI snoop log has it (H4, what the
    central sent is "sent"): told apart as the central's capture, the
    same entries."""
    data = bytearray(FIXTURE.read_bytes())
    offset = btsnoop.HEADER.size
    while offset < len(data):
        _, size, flags, _, _ = btsnoop.RECORD.unpack_from(data, offset)
        if data[offset + btsnoop.RECORD.size] == 0x02:      # H4 ACL
            struct.pack_into(">I", data, offset + 8, flags ^ 1)
        offset += btsnoop.RECORD.size + size
    phone = tmp_path / "btsnoop_hci.log"
    phone.write_bytes(bytes(data))
    band, central = transcript.load(FIXTURE), transcript.load(phone)
    assert (band.perspective, central.perspective) == ("band", "central")
    assert central.entries == band.entries
    assert bandsim("diff", FIXTURE, phone).returncode == 0


# ------------------------------------------------------ no band needed

# The fact sheet's examples (and a few made up where it has none), as
# characteristic | sender | value | normalised, a row per line (a
# backslash continues it); {16} is 16 bytes.
EXAMPLES = """
auth | band | 10 02 01 {16} | 10 02 01 <random:16>
auth | band | 10 82 01 {16} | 10 82 01 <random:16>
auth | band | 10 02 04 | 10 02 04
auth | band | 10 03 01 | 10 03 01
auth | central | 03 08 {16} | 03 08 <aes:16>
auth | central | 83 00 {16} | 83 00 <aes:16>
auth | central | 01 08 {16} | 01 08 <key:16>
auth | central | 02 00 | 02 00
auth | band | 03 00 {16} | 03 00 {16}
fetch-control | central | 01 01 e8 07 05 14 0a 1e 00 04 | 01 01 <time:8>
fetch-control | central | 01 01 e8 07 05 14 0a 1e 05 00 04 | 01 01 <time:9>
fetch-control | band | 10 01 01 ea 01 00 00 e8 07 05 14 0e 11 00 00 \
    | 10 01 01 <count:4> <time:8>
fetch-control | band | 10 01 01 00 00 00 00 e8 07 05 14 0e 11 00 00 \
    | 10 01 01 00 00 00 00 <time:8>
fetch-control | band | 10 02 01 | 10 02 01
activity-data | band | 84 60 19 00 ff 50 00 00 ff 50 00 00 ff 50 0b 00 ff \
    | 84 <samples:16>
current-time | band | ea 07 01 1f 17 04 05 06 00 00 ec | <time:11>
current-time | central | ea 07 01 1f 17 04 05 06 00 00 ec | <time:11>
battery | band | 0f 51 00 b2 07 01 01 00 00 00 00 ea 07 01 1f 0b 29 2f ec 63 \
    | 0f <level:1> 00 <time:8> <time:8> <level:1>
battery | band | 0f 51 00 | 0f 51 00
realtime-steps | band | 0c dc 2a 00 00 c2 1e 00 00 41 01 00 00 | 0c <steps:12>
heart-rate-measurement | band | 00 56 | 00 <bpm:1>
system-id | band | aa bb cc ff fe dd ee ff | <address:3> ff fe <address:3>
serial-number | band | 38 36 63 35 64 66 64 35 65 66 66 38 | <serial:12>
configuration | central | 06 17 00 65 6e 5f 55 53 | 06 17 00 65 6e 5f 55 53
""".replace("{16}", bytes(range(16)).hex(" "))


@pytest.mark.no_emulator
@pytest.mark.parametrize("row", EXAMPLES.strip().splitlines())
def test_normalisation_table(row):
    """Run-dependent fields become typed placeholders of their length,
    the structure stays; a value no rule fits stays literal."""
    name, sender, value, expected = (cell.strip() for cell in row.split("|"))
    value = bytes.fromhex(value)
    uuid = default_profile().characteristic(name).uuid
    text = transcript.normalise(uuid, sender, value)
    assert text == expected
    assert len(transcript.value_bytes(text)) == len(value)


@pytest.mark.no_emulator
def test_rules_table():
    """Every rule names a characteristic of the profile and can take
    what it matches apart one way only (at most one REST)."""
    known = {c.uuid for c in default_profile().characteristics()}
    for rule in transcript.RULES:
        assert rule.uuid in known, rule.why
        hides = [p for p in rule.template
                 if isinstance(p, transcript.Hide)]
        assert hides and sum(h.size is transcript.REST for h in hides) <= 1
        assert rule.sender in (None, btsnoop.BAND, btsnoop.CENTRAL)


@pytest.mark.no_emulator
@pytest.mark.parametrize("gap_us, expected", [
    (0, "immediate"), (4_999, "immediate"), (5_000, "after 10 ms"),
    (31_000, "after 10 ms"), (32_000, "after 100 ms"),
    (250_000, "after 100 ms"), (400_000, "after 1000 ms"),
    (2_000_000, "after 1000 ms"), (20_000_000, "after 10000 ms"),
    (600_000_000, "after 1000000 ms"),
])
def test_timing_classes(gap_us, expected):
    assert transcript.timing_class(gap_us) == expected


def _t(*entries) -> Transcript:
    return Transcript("t", "band", list(entries))


def _e(direction, op, timing="immediate", **fields) -> Entry:
    return Entry(1, direction, op, fields, timing)


READ = _e(CENTRAL_TO_BAND, "READ_REQ", chr="battery")


@pytest.mark.no_emulator
@pytest.mark.parametrize("b, kinds", [
    (_e(BAND_TO_CENTRAL, "READ_RSP", chr="battery", value="0f <level:1>"),
     set()),
    (_e(BAND_TO_CENTRAL, "READ_RSP", chr="battery", value="0f <level:1>",
        timing="after 100 ms"), {TIMING}),
    (_e(BAND_TO_CENTRAL, "READ_RSP", chr="battery", value="0e <level:1>"),
     {VALUE}),
    (_e(BAND_TO_CENTRAL, "READ_RSP", chr="battery", value="0f"),
     {VALUE_LENGTH}),
    (_e(BAND_TO_CENTRAL, "ERROR_RSP", chr="battery", request="READ_REQ",
        error="INSUFFICIENT_AUTHORIZATION(0x08)"), {REPLY_CODE}),
])
def test_kinds_of_a_difference(b, kinds):
    """Aligned entries differ by kind; a timing class alone is not a
    difference unless strict."""
    a = _t(READ, _e(BAND_TO_CENTRAL, "READ_RSP", chr="battery",
                    value="0f <level:1>"))
    comparison = transcript.compare(a, _t(READ, b))
    assert set().union(*(d.kinds for d in comparison.differences)) == kinds
    assert comparison.status() == int(bool(kinds - {TIMING}))
    assert comparison.status(strict_timing=True) == int(bool(kinds))


@pytest.mark.no_emulator
def test_replies_order_and_discovery():
    """A Huami status is a reply code, a notification that comes before
    instead of after a response is order, a declaration's UUID is a
    characteristic difference and its properties are properties."""
    reply = _e(BAND_TO_CENTRAL, "NOTIFICATION", chr="auth", value="10 03 01")
    refused = _e(BAND_TO_CENTRAL, "NOTIFICATION", chr="auth",
                 value="10 03 04")
    assert transcript.compare(_t(reply), _t(refused)).differences[0].kinds \
        == {REPLY_CODE}
    write = _e(CENTRAL_TO_BAND, "WRITE_REQ", chr="configuration",
               value="06 02 00 01")
    response = _e(BAND_TO_CENTRAL, "WRITE_RSP", chr="configuration")
    notified = _e(BAND_TO_CENTRAL, "NOTIFICATION", chr="configuration",
                  value="10 06 01")
    swapped = transcript.compare(_t(write, response, notified),
                                 _t(write, notified, response))
    assert [(d.only, d.kinds) for d in swapped.differences] == [
        ("B", {ORDER}), ("A", {ORDER})]
    declaration = {"handle": "0x001b", "properties": "read,write",
                   "value_handle": "0x001c", "uuid": "2a39"}
    found = _e(BAND_TO_CENTRAL, "READ_BY_TYPE_RSP",
               attributes=[declaration])
    for change, kind in ((dict(declaration, properties="write"), PROPERTIES),
                         (dict(declaration, uuid="2a38"),
                          CHARACTERISTIC_KIND)):
        other = _e(BAND_TO_CENTRAL, "READ_BY_TYPE_RSP", attributes=[change])
        assert transcript.compare(_t(found), _t(other)).differences[0] \
            .kinds == {kind}
