"""From a capture to a test: replay the central's side of a btsnoop file.

    python3 -m bandsim.tools.replay CAPTURE --script OUT.json
    python3 -m bandsim.tools.replay CAPTURE --run --socket PATH [--ignore-random]
    python3 -m bandsim.tools.replay CAPTURE --skeleton OUT.py

CAPTURE is a btsnoop file (bandsim --btsnoop, Android's
btsnoop_hci.log, btmon -w) or a script written by --script.  The script
is the central's side of the capture: per link, the ordered list of PDUs
the central sent, each with the band's PDUs that followed it until the
central's next one, and the time gaps between them.  --run sends each
PDU to a running emulator over its socket, waits (with a deadline) for
as many PDUs as the capture has after it, and reports per step whether
the band's bytes match the capture's, differ, or are missing; exit 0
when every step matches, 1 when one does not, 2 when the capture or the
band cannot be used.  --skeleton writes a pytest scenario that starts a
band and asserts it replays the capture.

Whose capture it is (--perspective) decides which direction is the
central's: bandsim's captures are the band's (what the central sent is
"received"), a phone's or a computer's HCI log is the central's (it is
"sent").  auto (the default) tells them apart by which side sends
requests (bandsim.tools.btsnoop.detect_perspective).

The auth challenge (``10 02 01`` + 16 random bytes, ``10 82 01`` for
variant B) is drawn afresh by every band, and the answer the capture
holds was computed from the capture's challenge: a replay passes auth
only against a band started with the same --random-seed and key as the
band that made the capture.  --ignore-random compares only the first
three bytes of the challenge (and its length); nothing is recomputed, so
a replayed answer to another challenge still gets ``10 03 04``.
Recorded gaps are kept for reading: a replay sends each PDU as soon as
the responses to the one before it arrived.
"""

import argparse
import ctypes
import json
import os
import select
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from ..harness.suite import CLOCK_START, TEST_KEY
from ..link.base import Disconnected, Timeout
from ..link.deadline import Deadline
from ..link.sock import AttClient
from ..protocol.att import opcode_name
from . import btsnoop
from .argtypes import add_seconds, parse_key
from .jsondata import check_format, json_type, loads

FORMAT = "bandsim-replay/1"
DEFAULT_TIMEOUT = 5.0
DEFAULT_SEED = 7
SKELETON_ID = "MB4/FIELD/BV-01"
NOTIFICATION, INDICATION = 0x1B, 0x1D
# Value prefixes of the replies that carry the random auth challenge.
RANDOM_REPLIES = (bytes.fromhex("10 02 01"), bytes.fromhex("10 82 01"))

MATCH, DIFFER, MISSING = "match", "differ", "missing"


class ScriptError(ValueError):
    """The capture or script cannot be turned into a replay."""


# ------------------------------------------------------------ script

@dataclass
class Response:
    pdu: bytes
    after_us: int = 0               # after the step's PDU went out


@dataclass
class Step:
    send: Optional[bytes]           # None: what the band sent first
    at_us: int = 0                  # from the link's start
    gap_us: int = 0                 # from the central's previous PDU
    expect: List[Response] = field(default_factory=list)


@dataclass
class Link:
    number: int
    handle: int
    start_us: int                   # capture time the link came up
    steps: List[Step] = field(default_factory=list)


@dataclass
class Script:
    capture: str
    perspective: str
    links: List[Link] = field(default_factory=list)

    @property
    def steps(self) -> int:
        return sum(len(link.steps) for link in self.links)

    @property
    def start_us(self) -> Optional[int]:
        """Capture time at which its first link came up (band time in
        bandsim's captures)."""
        return self.links[0].start_us if self.links else None

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "capture": self.capture,
            "perspective": self.perspective,
            "links": [{
                "link": link.number, "handle": link.handle,
                "start_us": link.start_us,
                "steps": [{
                    "op": _op(step.send),
                    "send": _hex(step.send),
                    "at_us": step.at_us, "gap_us": step.gap_us,
                    "expect": [{"op": _op(r.pdu), "pdu": _hex(r.pdu),
                                "after_us": r.after_us}
                               for r in step.expect]}
                    for step in link.steps]}
                for link in self.links]}

    def to_json(self) -> str:
        """JSON with one line per step, so a script reads (and diffs)
        as the exchange it is."""
        data = self.to_dict()
        links = []
        for link in data["links"]:
            steps = link.pop("steps")
            head = json.dumps(link)[:-1]
            lines = ["   " + json.dumps(step) for step in steps]
            links.append(f"  {head}, \"steps\": ["
                         + ("\n" + ",\n".join(lines) + "\n  " if lines
                            else "")
                         + "]}")
        data["links"] = []
        top = json.dumps(data, indent=1)
        if links:
            top = top.replace('"links": []',
                              '"links": [\n' + ",\n".join(links) + "\n ]")
        return top + "\n"

    @classmethod
    def from_dict(cls, data) -> "Script":
        """The script a --script file holds; ScriptError naming the field
        (``links[0].steps[3].send``) when it is not one."""
        check_format(data, FORMAT, "script", ScriptError)
        perspective = _field(data, "perspective", str, "")
        if perspective not in btsnoop.PERSPECTIVES:
            raise ScriptError(f"malformed {FORMAT} script: perspective "
                              f"{perspective!r:.40} is not one of "
                              f"{', '.join(btsnoop.PERSPECTIVES)}")
        return cls(_field(data, "capture", str, ""), perspective, [
            _link(link, f"links[{i}]")
            for i, link in enumerate(_field(data, "links", list, ""))])

    @classmethod
    def from_json(cls, text: str) -> "Script":
        return cls.from_dict(loads(text, ScriptError))


_KINDS = {int: "an integer", str: "a string", list: "a list", bytes: "hex"}


def _field(obj, key: str, kind, where: str, nullable: bool = False):
    """obj[key], which must be of kind (bytes: a hex string, returned as
    bytes); ScriptError naming where it is otherwise."""
    name = f"{where}.{key}" if where else key
    if not isinstance(obj, dict):
        raise ScriptError(f"malformed {FORMAT} script: {where}: an object "
                          f"expected, not {json_type(obj)}")
    if key not in obj:
        raise ScriptError(f"malformed {FORMAT} script: {name}: missing")
    value = obj[key]
    if value is None and nullable:
        return None
    wanted = str if kind is bytes else kind
    if not isinstance(value, wanted) or isinstance(value, bool):
        expected = _KINDS[kind] + (" or null" if nullable else "")
        raise ScriptError(f"malformed {FORMAT} script: {name}: {expected} "
                          f"expected, not {json_type(value)}")
    if kind is bytes:
        try:
            return bytes.fromhex(value)
        except ValueError:
            raise ScriptError(f"malformed {FORMAT} script: {name}: "
                              f"{value!r:.40} is not hex") from None
    return value


def _link(data, where: str) -> Link:
    return Link(_field(data, "link", int, where),
                _field(data, "handle", int, where),
                _field(data, "start_us", int, where), [
                    _step(step, f"{where}.steps[{i}]")
                    for i, step in enumerate(_field(data, "steps", list,
                                                    where))])


def _step(data, where: str) -> Step:
    return Step(_field(data, "send", bytes, where, nullable=True),
                _field(data, "at_us", int, where),
                _field(data, "gap_us", int, where), [
                    Response(_field(r, "pdu", bytes, f"{where}.expect[{i}]"),
                             _field(r, "after_us", int,
                                    f"{where}.expect[{i}]"))
                    for i, r in enumerate(_field(data, "expect", list,
                                                 where))])


def _hex(pdu: Optional[bytes]) -> Optional[str]:
    return None if pdu is None else pdu.hex(" ")


def _op(pdu: Optional[bytes]) -> Optional[str]:
    return None if not pdu else opcode_name(pdu[0])


def build_script(pdus, links: dict, perspective: str,
                 capture: str = "capture", handle: int = None) -> Script:
    """The central's side of a capture's ATT PDUs (bandsim.tools.btsnoop):
    per link, each PDU the central sent with the band's PDUs that
    followed it until the central's next one."""
    central = btsnoop.central_direction(perspective)
    chosen = {n: info for n, info in sorted(links.items())
              if handle is None or info.handle == handle}
    if handle is not None and not chosen:
        raise ScriptError(f"no link on handle {handle:#06x} in {capture}")
    script = Script(capture, perspective, [
        Link(n, info.handle, info.start_us) for n, info in chosen.items()])
    by_number = {link.number: link for link in script.links}
    spans = {}
    last_central = {}
    for pdu in pdus:
        link = by_number.get(pdu.link)
        if link is None:
            continue
        first, _ = spans.get(link.number, (pdu.timestamp_us, None))
        spans[link.number] = (first, pdu.timestamp_us)
        at = pdu.timestamp_us - link.start_us
        if pdu.direction == central:
            previous = last_central.get(link.number, link.start_us)
            link.steps.append(Step(pdu.pdu, at, pdu.timestamp_us - previous))
            last_central[link.number] = pdu.timestamp_us
            continue
        if not link.steps:
            link.steps.append(Step(None, 0, 0))
        sent = last_central.get(link.number, link.start_us)
        link.steps[-1].expect.append(
            Response(pdu.pdu, pdu.timestamp_us - sent))
    _check_sequential(script, spans)
    return script


def _check_sequential(script: Script, spans: dict) -> None:
    """One band serves one central at a time: links that carry ATT at
    the same time belong to different devices."""
    ordered = sorted((span[0], span[1], n) for n, span in spans.items())
    latest = None               # (end, link) reaching furthest so far
    for start, end, b in ordered:
        if latest is not None and start < latest[0]:
            a = latest[1]
            handles = sorted({link.handle for link in script.links
                              if link.number in (a, b)})
            raise ScriptError(
                f"{script.capture}: ATT on more than one connection at once "
                f"(handles {', '.join(f'{h:#06x}' for h in handles)}): "
                f"choose the band's with --handle")
        if latest is None or end > latest[0]:
            latest = (end, b)


def script_from_capture(path, perspective: str = "auto", handle: int = None,
                        index: int = None) -> Script:
    """Read a btsnoop file and build its script."""
    capture = btsnoop.Capture.open(path)
    if capture.datalink == btsnoop.DATALINK_MONITOR and index is None:
        indexes = capture.indexes()
        if len(indexes) > 1:
            raise ScriptError(f"{path}: HCI traffic of controllers "
                              f"{', '.join(map(str, indexes))}: choose one "
                              f"with --index")
    extractor = btsnoop.AttExtractor()
    pdus = list(btsnoop.att_pdus(capture.records(index), extractor))
    if not pdus:
        raise ScriptError(f"{path}: no ATT PDU in the capture")
    if perspective == "auto":
        perspective = btsnoop.detect_perspective(pdus, extractor.links)
        if perspective is None:
            raise ScriptError(f"{path}: cannot tell whose capture it is (no "
                              f"requests in it): give --perspective band or "
                              f"central")
    return build_script(pdus, extractor.links, perspective,
                        Path(path).name, handle)


def load(path, perspective: str = "auto", handle: int = None,
         index: int = None) -> Script:
    """A script from a btsnoop capture or from a --script file."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(len(btsnoop.MAGIC))
    if btsnoop.MAGIC.startswith(head):     # a capture, however short
        return script_from_capture(path, perspective, handle, index)
    try:
        return Script.from_json(path.read_text(encoding="utf-8"))
    except (ScriptError, UnicodeDecodeError) as exc:
        raise ScriptError(f"{path}: neither a btsnoop capture nor a replay "
                          f"script ({exc})") from exc


# --------------------------------------------------------------- run

@dataclass
class StepResult:
    link: int
    number: int                     # 1-based within its link
    step: Step
    got: list
    status: str
    lines: list                     # what differs, one line each

    @property
    def label(self) -> str:
        return f"{self.link}.{self.number}"

    def describe(self) -> str:
        """``1.7 differ  WRITE_CMD 52 68 00 03 ... -> 1 expected, 1 got``
        and, under it, what differs."""
        sent = ("(the band first)" if self.step.send is None else
                f"{_op(self.step.send)} {self.step.send.hex(' ')}")
        head = (f"{self.label:>6} {self.status:8}{sent} -> "
                f"{len(self.step.expect)} expected, {len(self.got)} got")
        return "\n".join([head] + [f"{'':15}{line}" for line in self.lines])


@dataclass
class RunResult:
    script: Script
    steps: List[StepResult] = field(default_factory=list)
    timeout: float = DEFAULT_TIMEOUT

    @property
    def ok(self) -> bool:
        return all(s.status == MATCH for s in self.steps)

    def count(self, status: str) -> int:
        return sum(1 for s in self.steps if s.status == status)

    def failures(self) -> list:
        return [s for s in self.steps if s.status != MATCH]

    def summary(self) -> str:
        return (f"{len(self.steps)} steps: {self.count(MATCH)} match, "
                f"{self.count(DIFFER)} differ, {self.count(MISSING)} missing")

    def describe(self, every: bool = False) -> str:
        """One line per step (every) or per step that does not match,
        with what differs under it; the summary last."""
        out = [s.describe() for s in self.steps
               if every or s.status != MATCH]
        return "\n".join(out + [self.summary()])


def is_random_reply(pdu: bytes) -> bool:
    """A notification or indication carrying the auth challenge."""
    return (len(pdu) >= 6 and pdu[0] in (NOTIFICATION, INDICATION)
            and pdu[3:6] in RANDOM_REPLIES)


def same(expected: bytes, got: bytes, ignore_random: bool = False) -> bool:
    if expected == got:
        return True
    return (ignore_random and is_random_reply(expected)
            and len(got) == len(expected) and got[:6] == expected[:6])


def judge(step: Step, got: list, ignore_random: bool = False,
          ended: str = None):
    """(status, lines) of one step: match when every expected PDU came
    as recorded (or as a challenge, with ignore_random), in order."""
    lines, status = [], MATCH
    for i, response in enumerate(step.expect):
        if i >= len(got):
            status = DIFFER if status == DIFFER else MISSING
            lines.append(f"expected {response.pdu.hex(' ')}")
            lines.append(f"     got nothing ({ended})")
            continue
        if not same(response.pdu, got[i], ignore_random):
            status = DIFFER
            lines.append(f"expected {response.pdu.hex(' ')}")
            lines.append(f"     got {got[i].hex(' ')}")
    for extra in got[len(step.expect):]:
        status = DIFFER
        lines.append(f"   extra {extra.hex(' ')}")
    return status, lines


def run(script: Script, band, timeout: float = DEFAULT_TIMEOUT,
        ignore_random: bool = False, progress=None) -> RunResult:
    """Replay every link of script against band: an object with
    connect() -> AttClient and disconnect(client) (a BandProcess, or
    SocketBand for a socket alone).  Each step sends its PDU and waits
    up to timeout seconds for as many PDUs as the capture has after it;
    PDUs that already arrived beyond those are extra.  progress, when
    given, is called with each StepResult."""
    result = RunResult(script, timeout=timeout)
    for link in script.links:
        client = band.connect()
        ended = None
        try:
            for number, step in enumerate(link.steps, 1):
                got = []
                if ended is None:
                    ended = _exchange(client, step, got, timeout)
                status, lines = judge(step, got, ignore_random,
                                      ended or f"within {timeout:g} s")
                done = StepResult(link.number, number, step, got, status,
                                  lines)
                result.steps.append(done)
                if progress is not None:
                    progress(done)
        finally:
            band.disconnect(client)
    return result


def _exchange(client, step: Step, got: list, timeout: float):
    """Send one step, collect its responses; why the link is no longer
    usable, or None."""
    try:
        if step.send is not None:
            client.send_raw(step.send)
        deadline = Deadline(timeout)
        for _ in step.expect:
            try:
                got.append(client._recv_pdu(deadline))
            except Timeout:
                return None
        while True:                 # what already arrived beyond them
            got.append(client._recv_pdu(Deadline(0)))
    except Timeout:
        return None
    except Disconnected:
        return "the band ended the link"


# ------------------------------------------------------ socket band

IN_ATTRIB, IN_MOVED_TO, IN_CREATE = 0x4, 0x80, 0x100
# The emulator creates its socket (bind) just before it listens: a
# connect in between is refused and no event follows, hence a retry
# at this interval as well as on every event.
RETRY_S = 0.05


class _DirectoryWatch:
    """Wakes when a file appears in a directory (inotify): the wait for
    the band to listen again ends when its socket reappears, not at the
    next tick."""

    def __init__(self, directory: Path):
        self.fd = -1
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
            if fd >= 0 and libc.inotify_add_watch(
                    fd, os.fsencode(directory),
                    IN_CREATE | IN_ATTRIB | IN_MOVED_TO) >= 0:
                self.fd = fd
            elif fd >= 0:
                os.close(fd)
        except (OSError, AttributeError):
            self.fd = -1

    def wait(self, seconds: float) -> None:
        watched = [self.fd] if self.fd >= 0 else []
        ready, _, _ = select.select(watched, [], [], seconds)
        if ready:
            os.read(self.fd, 4096)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class SocketBand:
    """The emulator behind a socket, with no status pipe to follow: a
    link's end is an immediate shutdown, and connect() waits (within
    timeout) until the band listens again."""

    def __init__(self, path, timeout: float = DEFAULT_TIMEOUT):
        self.path = Path(path)
        self.timeout = timeout

    def connect(self) -> AttClient:
        deadline = Deadline(self.timeout)
        watch = _DirectoryWatch(self.path.parent)
        try:
            while True:
                try:
                    return AttClient.connect(
                        self.path, max(deadline.remaining(), 0.01))
                except (ConnectionRefusedError, FileNotFoundError) as exc:
                    if deadline.expired:
                        raise Timeout(f"{self.path}: no band listening "
                                      f"within {self.timeout:g} s ({exc})") \
                            from exc
                    watch.wait(min(deadline.remaining(), RETRY_S))
        finally:
            watch.close()

    def disconnect(self, client: AttClient) -> None:
        client.shutdown()
        client.close()


# ---------------------------------------------------------- skeleton

SKELETON = '''\
"""A field capture, replayed: {capture}.

Written by ``python3 -m bandsim.tools.replay {capture} --skeleton``: the
central's ATT PDUs of the capture ({links} link(s), {steps} steps), each
with the PDUs the band answered in the capture.  Fill in the docstring
and the ID, then move this file into conformance/scenarios/ (docs/faults.md,
"From a capture to a test").
"""

import pytest

from bandsim.tools import replay

# The band that made the capture: its --random-seed (the auth challenge
# is drawn from it: another seed and the replayed answer gets 10 03 04),
# its key and its clock at the first link (band time in bandsim's
# captures, the phone's clock in a phone's).
RANDOM_SEED = {seed}
AUTH_KEY = bytes.fromhex("{key}")
CLOCK_START = {clock_start}
# True: compare only the first bytes of a 10 02 01 / 10 82 01 challenge.
IGNORE_RANDOM = {ignore_random}

SCRIPT = replay.Script.from_json(r"""
{script}""")


@pytest.mark.emulator_process("a band with the capture's seed, key and clock")
@pytest.mark.raw_att("replays the capture's raw ATT PDUs")
def test_field_capture(start_band):
    """{test_id}: <what the band did in the field, in one line>

    <The real-world report: which app (and version) on which phone, the
    band's firmware, what the user saw, where the capture comes from (a
    link to the issue or thread), and what should have happened instead.>
    """
    band = start_band(auth_key=AUTH_KEY, clock_start=CLOCK_START,
                      extra_args=("--random-seed", str(RANDOM_SEED)))
    result = replay.run(SCRIPT, band, ignore_random=IGNORE_RANDOM)
    if not result.ok:
        pytest.fail(result.describe(), pytrace=False)
'''


def skeleton(script: Script, seed: int = DEFAULT_SEED, key: bytes = None,
             ignore_random: bool = False) -> str:
    """A pytest scenario that starts a band and replays script."""
    start = script.start_us
    clock_start = CLOCK_START if start is None else start / 1e6
    if float(clock_start).is_integer():
        clock_start = int(clock_start)
    return SKELETON.format(
        capture=Path(script.capture).name.replace('"', "_"),
        links=len(script.links), steps=script.steps, seed=int(seed),
        key=(key if key is not None else TEST_KEY).hex(),
        clock_start=clock_start, ignore_random=bool(ignore_random),
        test_id=SKELETON_ID,
        script=script.to_json())


# -------------------------------------------------------------- main

def _handle(text: str) -> int:
    return int(text, 0)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python3 -m bandsim.tools.replay",
        description="Turn the central's side of a btsnoop capture into a "
                    "replayable script, replay it against an emulator, or "
                    "write a pytest scenario from it.")
    p.add_argument("capture", type=Path, metavar="CAPTURE",
                   help="a btsnoop file, or a script written by --script")
    p.add_argument("--perspective", choices=("auto", "band", "central"),
                   default="auto",
                   help="whose capture it is: band (bandsim --btsnoop: what "
                        "the central sent is received), central (a phone's "
                        "or computer's HCI log), auto (default: from who "
                        "sends requests)")
    p.add_argument("--handle", type=_handle, metavar="N",
                   help="only the connection with this HCI handle (a "
                        "central's capture with several devices)")
    p.add_argument("--index", type=int, metavar="N",
                   help="controller index of a btmon capture")
    out = p.add_argument_group("what to do (one or more)")
    out.add_argument("--script", type=Path, metavar="OUT.json",
                     help="write the script as JSON")
    out.add_argument("--skeleton", type=Path, metavar="OUT.py",
                     help="write a pytest scenario that replays it")
    out.add_argument("--run", action="store_true",
                     help="replay it against the emulator at --socket")
    p.add_argument("--socket", type=Path, metavar="PATH",
                   help="the emulator's socket (--run)")
    add_seconds(p, "--timeout", "seconds to wait for a step's responses",
                DEFAULT_TIMEOUT)
    p.add_argument("--ignore-random", action="store_true",
                   help="compare only the first 3 bytes of 10 02 01 / "
                        "10 82 01 challenges")
    p.add_argument("--random-seed", type=int, default=DEFAULT_SEED,
                   metavar="N", help="the skeleton's band --random-seed "
                                     f"(default {DEFAULT_SEED})")
    p.add_argument("--auth-key", type=parse_key, metavar="HEX",
                   help="the skeleton's band key (default the suite's "
                        "TEST_KEY)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="--run: list only the steps that do not match")
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not (args.script or args.skeleton or args.run):
        parser.error("say what to do: --script, --skeleton or --run")
    if args.run and args.socket is None:
        parser.error("--run needs --socket PATH")
    try:
        script = load(args.capture, args.perspective, args.handle,
                      args.index)
    except (OSError, btsnoop.BtsnoopError, ScriptError) as exc:
        print(f"bandsim.tools.replay: {exc}", file=sys.stderr)
        return 2
    try:
        if args.script:
            _write(args.script, script.to_json())
        if args.skeleton:
            _write(args.skeleton, skeleton(script, args.random_seed,
                                           args.auth_key, args.ignore_random))
    except OSError as exc:
        print(f"bandsim.tools.replay: {exc}", file=sys.stderr)
        return 2
    if not args.run:
        return 0
    print(f"replaying {script.capture} ({script.perspective}'s capture): "
          f"{len(script.links)} link(s), {script.steps} steps, against "
          f"{args.socket}", flush=True)

    def show(step: StepResult) -> None:
        if args.quiet and step.status == MATCH:
            return
        print(step.describe(), flush=True)

    try:
        result = run(script, SocketBand(args.socket, args.timeout),
                     args.timeout, args.ignore_random, progress=show)
    except (OSError, Timeout) as exc:
        print(f"bandsim.tools.replay: {exc}", file=sys.stderr)
        return 2
    print(result.summary())
    return 0 if result.ok else 1


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
