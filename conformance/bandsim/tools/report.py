"""What a scenario run leaves behind: one JSON file per scenario.

With ``--bandsim-report DIR`` the suite writes DIR/<ID>.json for every
scenario (MB4/SYNC/BV-01 -> MB4_SYNC_BV-01.json; a parametrized one gets
``__<param id>`` before the suffix), for later tooling to render.  A file
holds the outcome and its reason, the times, the control plane's event
timeline, the ATT PDUs each link sent and received by opcode, and the
client operations the liveness oracle timed.  check() names every way a
record departs from the schema below, so tooling and the self-tests
agree on it.

    schema       "bandsim-report/1"
    id           "MB4/SYNC/BV-01"; nodeid, test (function), param (or null)
    title        the docstring's summary; description: the rest of it
    module       scenario file; markers: {name: [args]}; target: {...}
    outcome      passed | failed | skipped | error (setup or teardown)
    reason       skip reason or failure message (null when passed)
    phases       {setup|call|teardown: {outcome, duration}}
    start, end   UTC, ISO 8601; duration in seconds
    timeline     [{t, source, seq, name, details}]: the band's events, t in
                 seconds from the test's start, as the suite's client saw
                 them (exact order; t is when the client dispatched it)
    property_changes  [{t, source, seq, property, value}]
    pdus         {sent: {OPCODE: n}, received: {...}, links: [{link, t,
                 sent, received}]}
    operations   {count, by_name: {name: {count, total, max, timeouts,
                 errors}}, slowest: [operation]}
    liveness     {late: [operation], busy: [{band, busy, note}]}
    captures     [file name]: the btsnoop capture of every emulator the
                 scenario started, next to the JSON in DIR (<name>.btsnoop,
                 then <name>-2.btsnoop, ...); check() accepts a record
                 without it (one written before captures were recorded)
    transcripts  [file name]: the transcript of each capture that gave one
                 (bandsim.tools.transcript), beside it with the same base
                 name (<name>.transcript.json); check() accepts a record
                 without it (one written before transcripts were made)

An operation is {name, t, duration, budget, outcome, error, late}.
Timestamps come from one monotonic clock, so t and durations compare.
A capture is what ``bandsim --btsnoop`` writes; bandsim.tools.btsnoop reads it
and ``python3 -m bandsim.tools.replay`` replays it (docs/faults.md); its
transcript is what ``python3 -m bandsim diff`` compares with another run's
(docs/transcripts.md).
"""

import collections
import datetime
import json
import os
import re
import time
from pathlib import Path

from ..harness.control import BUS_NAME, OBJECT_PATH, ControlClient
from ..harness.process import STATUS_TIMEOUT
from ..oracles.liveness import OperationLog, instrument
from ..protocol.att import opcode_name
from . import transcript

SCHEMA = "bandsim-report/1"
OUTCOMES = ("passed", "failed", "skipped", "error")
PHASES = ("setup", "call", "teardown")
BAND_OPERATIONS = ("connect", "disconnect", "wait_dropped", "wait_status")
ROLES = ("test", "witness", "band", "check")      # find() prefers
TIMELINE_ROLES = ("witness", "test", "band", "check")
REASON_LIMIT = 4000
TRANSCRIPT_SUFFIX = ".transcript.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


# ------------------------------------------------------ control plane

class TimedControlClient(ControlClient):
    """A ControlClient that notes when it dispatched each event and
    PropertiesChanged (monotonic seconds), for the report's timeline."""

    def __init__(self, *args, clock=time.monotonic, **kwargs):
        self.stamps = {}            # seq -> clock()
        self._clock = clock
        super().__init__(*args, **kwargs)

    def _on_events(self, *args):
        before = self._seq
        super()._on_events(*args)
        now = self._clock()
        for seq in range(before + 1, self._seq + 1):
            self.stamps[seq] = now

    def _on_properties_changed(self, *args):
        before = self._seq
        super()._on_properties_changed(*args)
        if self._seq != before:
            self.stamps[self._seq] = self._clock()


# --------------------------------------------------------------- PDUs

class PduCounter:
    """ATT PDUs one link sent and received, by opcode."""

    def __init__(self, label: str, opened: float):
        self.label = label
        self.opened = opened
        self.sent = collections.Counter()
        self.received = collections.Counter()

    def as_dict(self) -> dict:
        return {"link": self.label, "t": round(self.opened, 6),
                "sent": _named(self.sent), "received": _named(self.received)}


def _named(counter) -> dict:
    return {opcode_name(op): n for op, n in sorted(counter.items())}


def count_pdus(client, counter: PduCounter) -> bool:
    """Count what passes a link's one send path (send_raw) and one
    receive path (_recv_pdu), on this object only.  False when the link
    has no such paths to count (a link of another kind)."""
    send = getattr(client, "send_raw", None)
    recv = getattr(client, "_recv_pdu", None)
    if send is None or recv is None:
        return False

    def send_raw(pdu, *args, **kwargs):
        result = send(pdu, *args, **kwargs)
        if pdu:
            counter.sent[pdu[0]] += 1
        return result

    def recv_pdu(*args, **kwargs):
        pdu = recv(*args, **kwargs)
        if pdu:
            counter.received[pdu[0]] += 1
        return pdu

    client.send_raw = send_raw
    client._recv_pdu = recv_pdu
    return True


# ------------------------------------------------------- one test run

class TestRecord:
    """Everything one test's fixtures observe: operations, links,
    control clients, busy checks.  observe_events drains the control
    clients after every operation so events are stamped close to when
    they happened (only the report needs that)."""

    __test__ = False                # not a pytest test class

    def __init__(self, clock=time.monotonic, wall=time.time,
                 observe_events: bool = False):
        self.clock = clock
        self.ops = OperationLog(clock)
        self.start_wall = wall()
        self.end_wall = None
        self._wall = wall
        self.links = []
        self.controls = {}          # (address, name, path, role) -> client
        self.busy = []
        self.reports = {}           # phase -> pytest TestReport
        self.captures = []          # capture file names, relative to DIR
        self.transcripts = []       # their transcripts' file names
        if observe_events:
            self.ops.after_op.append(self.drain_controls)

    # links and bands

    def attach_link(self, client, label: str = None):
        """Count and time a link; returns it unchanged."""
        counter = PduCounter(label or f"link-{len(self.links) + 1}",
                             self.clock() - self.ops.t0)
        if count_pdus(client, counter):
            self.links.append(counter)
        instrument(client, self.ops, "att")
        return client

    def attach_band(self, band):
        """Time a band's own waits; every link its connect() opens is
        attached as it is handed out; the events of link attempts its
        connect() saw fail leave the control clients of its bus."""
        hooks = getattr(band, "on_lost_attempts", None)
        if hooks is not None:
            hooks.append(lambda count: self.forget_lost_attempts(
                getattr(band, "control_address", None), count))
        return instrument(band, self.ops, "band",
                          default=getattr(band, "status_timeout",
                                          STATUS_TIMEOUT),
                          names=[n for n in BAND_OPERATIONS
                                 if hasattr(band, n)],
                          results={"connect": self.attach_link})

    # control clients: per bus and band name, one for each role ("test":
    # the control fixture's; "witness": opened as the band starts, for
    # the report; "band": a remote band's own; "check": opened for the
    # Busy check when nobody else had one)

    def control(self, address: str, name: str = BUS_NAME,
                role: str = "test", path: str = OBJECT_PATH) \
            -> TimedControlClient:
        """path: the band's object, band K's in a fleet
        (harness/fleet.py)."""
        key = (address, name, path, role)
        client = self.controls.get(key)
        if client is None or client._conn is None:
            client = TimedControlClient(address, name, clock=self.clock,
                                        path=path)
            instrument(client, self.ops, "control")
            self.controls[key] = client
        return client

    def forget_lost_attempts(self, address: str, count: int) -> None:
        for (addr, *_), client in self.controls.items():
            if addr == address and client._conn is not None:
                client.forget_lost_attempts(count)

    def find(self, address: str, name: str = BUS_NAME,
             path: str = OBJECT_PATH) -> TimedControlClient:
        """An open client of this band, the test's own if it has one."""
        for role in ROLES:
            client = self.controls.get((address, name, path, role))
            if client is not None and client._conn is not None:
                return client
        return self.control(address, name, "check", path)

    def close_controls(self, address: str = None) -> None:
        for (addr, *_), client in self.controls.items():
            if address is None or addr == address:
                client.close()

    def drain_controls(self) -> None:
        for client in self.controls.values():
            if client._conn is not None:
                client.drain()

    def timeline(self):
        """(events, property changes) as the suite saw them: per band,
        from the client that watched longest (the witness, else the
        test's)."""
        self.drain_controls()
        chosen = {}
        for (address, name, path, role), client in self.controls.items():
            rank = TIMELINE_ROLES.index(role)
            best = chosen.get((address, name, path))
            if best is None or rank < best[0]:
                chosen[(address, name, path)] = (rank, client)
        events, changes = [], []
        for (_, name, _), (_, client) in sorted(chosen.items()):
            for event in client.timeline:
                events.append({"t": self._t(client, event.seq),
                               "source": name, "seq": event.seq,
                               "name": event.name,
                               "details": dict(event.details)})
            for seq, prop, value in client.property_changes:
                changes.append({"t": self._t(client, seq), "source": name,
                                "seq": seq, "property": prop,
                                "value": value})
        key = (lambda e: (e["t"] if e["t"] is not None else 0.0,
                          e["source"], e["seq"]))
        return sorted(events, key=key), sorted(changes, key=key)

    def _t(self, client, seq):
        stamp = client.stamps.get(seq)
        return None if stamp is None else round(stamp - self.ops.t0, 6)

    def pdus(self) -> dict:
        sent, received = collections.Counter(), collections.Counter()
        for link in self.links:
            sent.update(link.sent)
            received.update(link.received)
        return {"sent": _named(sent), "received": _named(received),
                "links": [link.as_dict() for link in self.links]}

    def finish(self) -> None:
        if self.end_wall is None:
            self.end_wall = self._wall()


# ------------------------------------------------------------ outcome

def _reason(rep) -> str:
    longrepr = rep.longrepr
    if longrepr is None:
        return None
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        text = str(longrepr[2])
        return text[len("Skipped: "):] if text.startswith("Skipped: ") \
            else text
    crash = getattr(longrepr, "reprcrash", None)
    text = crash.message if crash is not None and crash.message \
        else str(longrepr)
    text = text.strip()
    if len(text) > REASON_LIMIT:
        text = text[:REASON_LIMIT] + " ..."
    return text or None


def outcome_of(reports: dict):
    """(outcome, reason) from pytest's setup/call/teardown reports."""
    setup, call, teardown = (reports.get(p) for p in PHASES)
    if setup is not None and setup.outcome == "skipped":
        return "skipped", _reason(setup)
    if setup is not None and setup.outcome == "failed":
        return "error", f"setup: {_reason(setup)}"
    if call is not None and call.outcome != "passed":
        outcome = "skipped" if call.outcome == "skipped" else "failed"
        return outcome, _reason(call)
    if teardown is not None and teardown.outcome == "failed":
        return "error", f"teardown: {_reason(teardown)}"
    return "passed", None


# ------------------------------------------------------------- record

def summary_of(doc: str):
    """(test id, title, description) of a scenario docstring."""
    paragraphs = [" ".join(line.strip() for line in p.splitlines())
                  for p in re.split(r"\n\s*\n", (doc or "").strip())]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        return None, "", ""
    first = paragraphs[0]
    match = re.match(r"^(MB4/[A-Z]+/B[VI]-\d{2}): (.*)$", first)
    if match is None:
        return None, first, "\n\n".join(paragraphs[1:])
    return match.group(1), match.group(2), "\n\n".join(paragraphs[1:])


def file_name(test_id: str, param: str = None) -> str:
    name = test_id.replace("/", "_")
    if param:
        name += "__" + _UNSAFE.sub("_", param)
    return name + ".json"


def capture_name(test_id: str, param: str = None, n: int = 1) -> str:
    """The n-th emulator's capture of a scenario: the report's name with
    .btsnoop (MB4_SYNC_BV-01.btsnoop), -n before it from the second on."""
    name = file_name(test_id, param)[:-len(".json")]
    return f"{name}{'' if n == 1 else f'-{n}'}.btsnoop"


def transcript_name(capture: str) -> str:
    """MB4_SYNC_BV-01.btsnoop -> MB4_SYNC_BV-01.transcript.json."""
    return Path(capture).stem + TRANSCRIPT_SUFFIX


def write_transcripts(directory, record: TestRecord) -> list:
    """Each of the record's captures in DIR made into its transcript
    beside it, once the bands that wrote them have stopped; a capture
    cut short gives what it holds (with a note), one that gives none
    (missing, corrupt) is left without.  The names written are added to
    record.transcripts and returned."""
    written = []
    for capture in record.captures:
        try:
            made = transcript.from_capture(Path(directory) / capture,
                                           complete=False)
            made.save(Path(directory) / transcript_name(capture))
        except (transcript.TranscriptError, OSError):
            continue
        written.append(transcript_name(capture))
    record.transcripts += written
    return written


def _iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc) \
        .isoformat(timespec="milliseconds")


def build(record: TestRecord, *, test_id: str, nodeid: str, test: str,
          param: str, doc: str, module: str, markers: dict,
          target: dict) -> dict:
    record.finish()
    _, title, description = summary_of(doc)
    outcome, reason = outcome_of(record.reports)
    events, changes = record.timeline()
    summary = record.ops.summary()
    return {
        "schema": SCHEMA,
        "id": test_id,
        "nodeid": nodeid,
        "test": test,
        "param": param,
        "title": title,
        "description": description,
        "module": module,
        "markers": markers,
        "target": target,
        "outcome": outcome,
        "reason": reason,
        "phases": {phase: {"outcome": rep.outcome,
                           "duration": round(rep.duration, 6)}
                   for phase, rep in record.reports.items()},
        "start": _iso(record.start_wall),
        "end": _iso(record.end_wall),
        "duration": round(record.end_wall - record.start_wall, 6),
        "timeline": events,
        "property_changes": changes,
        "pdus": record.pdus(),
        "operations": {"count": summary["count"],
                       "by_name": summary["by_name"],
                       "slowest": summary["slowest"]},
        "liveness": {"late": summary["late"], "busy": list(record.busy)},
        "captures": list(record.captures),
        "transcripts": list(record.transcripts),
    }


def _jsonable(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return repr(value)


def write(directory, record: dict) -> Path:
    """DIR/<file name>, written whole or not at all."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name(record["id"], record["param"])
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=2, default=_jsonable) + "\n",
                   encoding="utf-8")
    os.replace(tmp, path)
    return path


# ------------------------------------------------------------- schema

_NUMBER = (int, float)
_TOP = {
    "schema": str, "id": str, "nodeid": str, "test": str,
    "param": (str, type(None)), "title": str, "description": str,
    "module": str, "markers": dict, "target": dict, "outcome": str,
    "reason": (str, type(None)), "phases": dict, "start": str, "end": str,
    "duration": _NUMBER, "timeline": list, "property_changes": list,
    "pdus": dict, "operations": dict, "liveness": dict,
}
_OPERATION = {"name": str, "t": _NUMBER, "duration": _NUMBER,
              "budget": _NUMBER, "outcome": str, "error": str, "late": bool}
_EVENT = {"t": (int, float, type(None)), "source": str, "seq": int,
          "name": str, "details": dict}
_CHANGE = {"t": (int, float, type(None)), "source": str, "seq": int,
           "property": str}


def _keys(where: str, value, spec: dict, problems: list) -> None:
    if not isinstance(value, dict):
        problems.append(f"{where}: not an object")
        return
    for key, kind in spec.items():
        if key not in value:
            problems.append(f"{where}: no {key}")
        elif not isinstance(value[key], kind) or (
                kind in (_NUMBER, int) and isinstance(value[key], bool)):
            problems.append(f"{where}.{key}: {value[key]!r} has the wrong "
                            f"type")


def _counts(where: str, value, problems: list) -> None:
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(n, int) and n > 0
            for k, n in value.items()):
        problems.append(f"{where}: not {{opcode: count}}")


def check(record) -> list:
    """Every way a record departs from the schema; [] when it fits."""
    problems = []
    _keys("record", record, _TOP, problems)
    if problems:
        return problems
    if record["schema"] != SCHEMA:
        problems.append(f"schema {record['schema']!r}, expected {SCHEMA}")
    if record["outcome"] not in OUTCOMES:
        problems.append(f"outcome {record['outcome']!r}")
    if record["outcome"] != "passed" and not record["reason"]:
        problems.append(f"{record['outcome']} without a reason")
    if not re.fullmatch(r"MB4/[A-Z]+/B[VI]-\d{2}", record["id"]):
        problems.append(f"id {record['id']!r}")
    for phase, info in record["phases"].items():
        if phase not in PHASES:
            problems.append(f"phase {phase!r}")
        _keys(f"phases.{phase}", info, {"outcome": str,
                                        "duration": _NUMBER}, problems)
    for i, event in enumerate(record["timeline"]):
        _keys(f"timeline[{i}]", event, _EVENT, problems)
    for i, change in enumerate(record["property_changes"]):
        _keys(f"property_changes[{i}]", change, _CHANGE, problems)
        if isinstance(change, dict) and "value" not in change:
            problems.append(f"property_changes[{i}]: no value")
    pdus = record["pdus"]
    _keys("pdus", pdus, {"sent": dict, "received": dict, "links": list},
          problems)
    if isinstance(pdus, dict):
        for key in ("sent", "received"):
            _counts(f"pdus.{key}", pdus.get(key, {}), problems)
        for i, link in enumerate(pdus.get("links", [])):
            _keys(f"pdus.links[{i}]", link, {"link": str, "t": _NUMBER,
                                             "sent": dict,
                                             "received": dict}, problems)
    ops = record["operations"]
    _keys("operations", ops, {"count": int, "by_name": dict,
                              "slowest": list}, problems)
    if isinstance(ops, dict):
        for name, stats in ops.get("by_name", {}).items():
            _keys(f"operations.by_name[{name}]", stats,
                  {"count": int, "total": _NUMBER, "max": _NUMBER,
                   "timeouts": int, "errors": int}, problems)
        for i, op in enumerate(ops.get("slowest", [])):
            _keys(f"operations.slowest[{i}]", op, _OPERATION, problems)
    captures = record.get("captures", [])
    if not isinstance(captures, list) or not all(
            isinstance(c, str) and c and not os.path.isabs(c)
            for c in captures):
        problems.append(f"captures: {captures!r} is not a list of file "
                        f"names relative to the report directory")
    transcripts = record.get("transcripts", [])
    if not isinstance(transcripts, list) or not all(
            isinstance(t, str) and t.endswith(TRANSCRIPT_SUFFIX)
            and not os.path.isabs(t) for t in transcripts):
        problems.append(f"transcripts: {transcripts!r} is not a list of "
                        f"relative *{TRANSCRIPT_SUFFIX} file names")
    elif isinstance(captures, list):
        named = {transcript_name(c) for c in captures if isinstance(c, str)}
        for name in transcripts:
            if name not in named:
                problems.append(f"transcripts: {name} is the transcript of "
                                f"no capture in captures")
    live = record["liveness"]
    _keys("liveness", live, {"late": list, "busy": list}, problems)
    if isinstance(live, dict):
        for i, op in enumerate(live.get("late", [])):
            _keys(f"liveness.late[{i}]", op, _OPERATION, problems)
        for i, busy in enumerate(live.get("busy", [])):
            _keys(f"liveness.busy[{i}]", busy,
                  {"band": str, "busy": (str, type(None)),
                   "note": (str, type(None))}, problems)
    return problems
