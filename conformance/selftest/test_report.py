"""What a run records, and the plumbing around it: the liveness oracle's
operation log against a band that never answers, the per-scenario JSON
report (from a real pytest run of a sample), the target options and the
person who taps the band.

Every test here carries a short timeout of its own: a client without a
deadline must fail it in seconds, not hang the suite.
"""

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bandsim.harness import targets
from bandsim.harness.control import ControlError, Timeout as ControlTimeout
from bandsim.harness.targets import (BLUEZ, EMU, BandAddress, Person,
                                     PersonHands, RemoteBand,
                                     PersonTimeout, Target, TargetError)
from bandsim.link.base import Timeout
from bandsim.link.deadline import Deadline
from bandsim.oracles import liveness
from bandsim.tools import report

CONFORMANCE = Path(__file__).resolve().parents[1]
KEY = "00112233445566778899aabbccddeeff"
pytestmark = pytest.mark.timeout(10)


@pytest.fixture
def link(scripted_link):
    return scripted_link(timeout=0.3)


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


# ------------------------------------------------------------ liveness

def test_hung_band_is_a_timeout_at_the_deadline(link):
    """A band that never answers a read: the read raises Timeout within
    its deadline (plus the slack), the log has it as a timeout that was
    not late, and the request went out as bytes."""
    att, band_end = link
    record = report.TestRecord()
    record.attach_link(att)
    start = time.monotonic()
    with pytest.raises(Timeout):
        att.read(0x0003)
    took = time.monotonic() - start
    assert 0.3 <= took <= 0.3 + liveness.slack(0.3)
    assert band_end.recv(64).hex(" ") == "0a 03 00"
    stats = record.ops.stats
    assert list(stats) == ["att.read"]     # one operation, not three
    assert (stats["att.read"].count, stats["att.read"].timeouts) == (1, 1)
    assert record.ops.late == [] and record.ops.problems() == []
    assert record.pdus()["sent"] == {"READ_REQ": 1}
    assert record.pdus()["received"] == {}


def test_answered_operations_are_counted(link):
    """Requests answered in time: one operation per public call, every
    PDU counted by opcode, the indication's confirmation included."""
    att, band_end = link
    record = report.TestRecord()
    record.attach_link(att)
    band_end.send(bytes.fromhex("1d 10 00 aa"))     # indication first
    band_end.send(bytes.fromhex("0b 4d 69"))
    assert att.read(0x0003, timeout=Deadline(1.0)) == b"Mi"
    assert att.wait_indication(0x0010) == b"\xaa"
    pdus = record.pdus()
    assert pdus["sent"] == {"READ_REQ": 1, "CONFIRMATION": 1}
    assert pdus["received"] == {"READ_RSP": 1, "INDICATION": 1}
    assert sorted(record.ops.stats) == ["att.read", "att.wait_indication"]
    assert record.ops.stats["att.read"].max < 1.0
    assert record.ops.problems() == []


def test_operation_past_its_deadline_is_reported():
    """A client that returns after its deadline (it waited longer than
    it was told) is late, whether it returned or raised."""
    clock = FakeClock()
    log = liveness.OperationLog(clock)

    class Stuck:
        timeout = 1.0

        def wait(self, what, timeout=None):
            clock.now += 3.0
            if what == "raise":
                raise Timeout("at last")
            return what

    stuck = liveness.instrument(Stuck(), log, "stuck")
    assert stuck.wait("ok") == "ok"
    with pytest.raises(Timeout):
        stuck.wait("raise")
    assert stuck.wait("ok", timeout=5) == "ok"      # within its budget
    problems = log.problems()
    assert problems == [
        "stuck.wait returned after 3.000 s, its deadline was 1.000 s "
        "(+0.35 s slack)",
        "stuck.wait raised Timeout after 3.000 s, its deadline was 1.000 s "
        "(+0.35 s slack)"]
    summary = log.summary()
    assert summary["by_name"]["stuck.wait"] == {
        "count": 3, "total": 9.0, "max": 3.0, "timeouts": 1, "errors": 0}
    assert [op["late"] for op in summary["late"]] == [True, True]


def test_remote_band_connect_is_judged_by_its_own_deadline(link):
    """A band through BlueZ: connect() is judged against the deadline it
    connects within (a first connection scans and discovers GATT), not
    the control plane's status timeout; past that deadline it is late."""
    clock = FakeClock()
    att, _band_end = link

    class SlowLink:
        took = 0.0

        @staticmethod
        def connect(spec, timeout=None):
            clock.now += SlowLink.took
            return att

    target = Target(kind=BLUEZ, adapter="hci1", address="00:AA:01:00:00:00")
    record = report.TestRecord(clock=clock)
    band = record.attach_band(targets.RemoteBand(target, SlowLink,
                                                 timeout=20.0))
    SlowLink.took = 12.0
    assert band.connect() is att
    assert record.ops.problems() == []
    SlowLink.took = 25.0
    band.connect()
    assert record.ops.problems() == [
        "band.connect returned after 25.000 s, its deadline was 20.000 s "
        f"(+{liveness.slack(20.0):.2f} s slack)"]


def test_budget_forms():
    assert liveness.budget_of(None, 5.0) == 5.0
    assert liveness.budget_of(2, 5.0) == 2.0
    assert 0.9 < liveness.budget_of(Deadline(1.0), 5.0) <= 1.0


class FakeControl:
    def __init__(self, values, error=None):
        self.values = list(values)
        self.error = error

    def get(self, prop):
        assert prop == "Busy"
        if self.error:
            raise self.error
        return self.values[0]

    def wait_property(self, prop, value, timeout):
        if value in self.values:
            return value
        raise ControlTimeout(f"{prop} never {value!r}")


def test_busy_check():
    assert liveness.check_busy(FakeControl([""])) == ("", None)
    # a band that settles once it notices the link went
    assert liveness.check_busy(FakeControl(["fetch", ""])) == ("", None)
    assert liveness.check_busy(FakeControl(["firmware"])) == \
        ("firmware", None)
    busy, note = liveness.check_busy(FakeControl([], ControlError(
        "No such property", "org.freedesktop.DBus.Error.InvalidArgs")))
    assert busy is None and "no Busy property" in note
    with pytest.raises(ControlError):
        liveness.check_busy(FakeControl([], ControlError(
            "gone", "org.freedesktop.DBus.Error.NoReply")))


# -------------------------------------------------------------- report

SAMPLE = '''
import socket
import pytest
from bandsim.oracles.liveness import Operation
from bandsim.protocol.profile import DEFAULT_PATH, Profile

NAME = Profile.load(DEFAULT_PATH).characteristic("device-name")


def test_band(band, control, att, band_button):
    """MB4/DEMO/BV-01: a read and a tap

    The situation.
    """
    assert att.read(NAME.value_handle) == b"Mi Smart Band 4"
    band_button.press()
    control.wait_event("button-pressed")


@pytest.mark.needs_control("Events")
@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    """MB4/DEMO/BV-02: parametrized"""


def test_fail():
    """MB4/DEMO/BI-01: fails"""
    assert b"\\x01" == b"\\x02"


def test_skip():
    """MB4/DEMO/BV-03: skipped"""
    pytest.skip("not today")


@pytest.mark.timeout(0.5)
def test_hang():
    """MB4/DEMO/BI-02: a client with no deadline meets a silent band"""
    a, b = socket.socketpair()
    a.recv(1)


def test_late(liveness):
    """MB4/DEMO/BI-03: an operation overran its deadline"""
    liveness.record(Operation("demo.stuck", 0.0, 2.0, 1.0, "ok"))


def test_no_id():
    """not a scenario"""
'''


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """One pytest run of SAMPLE with the suite's conftest as a plugin
    and --bandsim-report; (result, elapsed s, {file name: record})."""
    work = tmp_path_factory.mktemp("sample")
    (work / "test_sample.py").write_text(textwrap.dedent(SAMPLE))
    out = work / "report"
    env = dict(os.environ, PYTHONPATH=str(CONFORMANCE))
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p",
         "no:cacheprovider", "-q", "-rA", "test_sample.py",
         "--bandsim-report", str(out)],
        cwd=work, env=env, capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - start
    records = {p.name: json.loads(p.read_text()) for p in out.glob("*.json")
               if not p.name.endswith(report.TRANSCRIPT_SUFFIX)}
    return result, elapsed, records


@pytest.mark.timeout(60)
def test_report_files_and_schema(sample_run):
    result, _, records = sample_run
    assert result.returncode == 1, result.stdout + result.stderr
    assert sorted(records) == [
        "MB4_DEMO_BI-01.json", "MB4_DEMO_BI-02.json", "MB4_DEMO_BI-03.json",
        "MB4_DEMO_BV-01.json", "MB4_DEMO_BV-02__1.json",
        "MB4_DEMO_BV-02__2.json", "MB4_DEMO_BV-03.json"], result.stdout
    for name, record in records.items():
        assert report.check(record) == [], name
    outcomes = {name: (r["outcome"], r["reason"])
                for name, r in records.items()}
    assert outcomes["MB4_DEMO_BV-01.json"] == ("passed", None)
    assert outcomes["MB4_DEMO_BV-02__2.json"] == ("passed", None)
    assert outcomes["MB4_DEMO_BV-03.json"] == ("skipped", "not today")
    assert outcomes["MB4_DEMO_BI-01.json"][0] == "failed"
    assert "assert" in outcomes["MB4_DEMO_BI-01.json"][1]
    late = records["MB4_DEMO_BI-03.json"]
    assert late["outcome"] == "error"
    assert late["reason"].startswith("teardown: liveness")
    assert [op["name"] for op in late["liveness"]["late"]] == ["demo.stuck"]
    param = records["MB4_DEMO_BV-02__1.json"]
    assert (param["id"], param["param"], param["title"]) == \
        ("MB4/DEMO/BV-02", "1", "parametrized")
    assert param["markers"] == {"needs_control": ["Events"]}
    assert param["target"]["kind"] == "emu"


@pytest.mark.timeout(60)
def test_report_of_a_band_scenario(sample_run):
    """The timeline, PDU counts and operations of a test that used a
    band: times relative to the test's start, in order."""
    _, _, records = sample_run
    record = records["MB4_DEMO_BV-01.json"]
    assert (record["title"], record["description"]) == \
        ("a read and a tap", "The situation.")
    names = [e["name"] for e in record["timeline"]]
    assert names[:2] == ["connected", "button-pressed"], names
    assert names[-1] == "disconnected"
    times = [e["t"] for e in record["timeline"]]
    assert times == sorted(times) and 0 <= times[0] <= record["duration"]
    assert record["pdus"]["sent"]["READ_REQ"] == 1
    assert record["pdus"]["received"]["READ_RSP"] == 1
    assert len(record["pdus"]["links"]) == 1
    ops = record["operations"]["by_name"]
    assert ops["att.read"]["count"] == 1
    assert ops["control.press_button"]["count"] == 1
    assert record["liveness"] == {"late": [], "busy": [
        {"band": "io.bandsim", "busy": "", "note": None}]}
    assert {"State": "connected"}.items() <= {
        c["property"]: c["value"] for c in record["property_changes"]
        if c["value"] == "connected"}.items()


@pytest.mark.timeout(60)
def test_hung_test_fails_fast(sample_run):
    """A test whose client waits without a deadline is failed by the
    test-level guard at its 0.5 s, and the report says so."""
    result, elapsed, records = sample_run
    hang = records["MB4_DEMO_BI-02.json"]
    assert hang["outcome"] == "failed"
    assert "Timeout" in hang["reason"]
    assert hang["duration"] < 5
    assert elapsed < 30, result.stdout


def test_file_names():
    assert report.file_name("MB4/SYNC/BV-01") == "MB4_SYNC_BV-01.json"
    assert report.file_name("MB4/ATT/BI-01", "read-handle-0000") == \
        "MB4_ATT_BI-01__read-handle-0000.json"
    assert report.file_name("MB4/X/BV-01", "a b/c[d]") == \
        "MB4_X_BV-01__a_b_c_d_.json"


def test_schema_check_names_problems():
    assert report.check({"schema": "x"})[0] == "record: no id"
    good = {
        "schema": report.SCHEMA, "id": "MB4/X/BV-01", "nodeid": "n",
        "test": "t", "param": None, "title": "", "description": "",
        "module": "m", "markers": {}, "target": {}, "outcome": "failed",
        "reason": None, "phases": {}, "start": "", "end": "", "duration": 0,
        "timeline": [{"t": 0.1, "source": "s", "seq": 1, "name": "n"}],
        "property_changes": [], "pdus": {"sent": {"READ_REQ": 0},
                                         "received": {}, "links": []},
        "operations": {"count": 0, "by_name": {}, "slowest": []},
        "liveness": {"late": [], "busy": []}}
    assert report.check(good) == [
        "failed without a reason", "timeline[0]: no details",
        "pdus.sent: not {opcode: count}"]


# -------------------------------------------------------------- targets

def test_target_options():
    emu = Target.from_options(default_key=bytes(16))
    assert (emu.kind, emu.control_plane, emu.auth_key) == \
        (EMU, True, bytes(16))
    band = Target.from_options("bluez", "hci1", "e1:23:45:67:89:ab", KEY,
                               "none")
    assert band.link_spec == "bluez:E1:23:45:67:89:AB@hci1"
    assert (band.auth_key.hex(), band.band_control, band.control_plane) == \
        (KEY, None, False)
    system = Target.from_options("bluez", None, "E1:23:45:67:89:AB", KEY,
                                 "system")
    assert system.link_spec == "bluez:E1:23:45:67:89:AB"
    assert system.band_control.startswith("unix:")
    for args, complaint in [
            (("emu", None, "E1:23:45:67:89:AB"), "for --target bluez"),
            (("bluez",), "needs --address"),
            (("bluez", None, "E1:23:45:67:89:AB"), "needs --auth-key"),
            (("bluez", None, "E1:23:45:67:89:AB", "00"), "32 hex digits"),
            (("bluez", "usb0", "E1:23:45:67:89:AB", KEY), "hciN"),
            (("bluez", None, "E1:23:45:67:89:AB", KEY, "hello"),
             "not a D-Bus address"),
            (("ble",), "one of")]:
        with pytest.raises(TargetError, match=complaint):
            Target.from_options(*args)


def test_skip_reasons():
    real = Target(BLUEZ, address="E1:23:45:67:89:AB")
    over = Target(BLUEZ, address="E1:23:45:67:89:AB",
                  band_control="unix:path=/x")
    emu = Target(EMU)
    control = [("needs_control", ("AdvanceClock", "Events"))]
    person = [("person", ("button",))]
    process = [("emulator_process", ("kill -9",)), *control]
    assert emu.skip_reason(process) is None
    assert over.skip_reason(control) is None
    assert over.skip_reason(person) is None
    assert "control plane (AdvanceClock, Events)" in real.skip_reason(control)
    assert "--interactive" in real.skip_reason(person)
    assert Target(BLUEZ, address="E1:23:45:67:89:AB",
                  interactive=True).skip_reason(person) is None
    reason = over.skip_reason(process)
    assert reason == "needs an emulator the suite starts itself (kill -9)"
    assert "socket transport only (its send queue)" in \
        over.skip_reason([("socket_only", ("its send queue",))])
    assert "raw ATT (raw ATT PDUs)" in \
        over.skip_reason([("raw_att", ("raw ATT PDUs",))])
    assert real.skip_reason([]) is None


def test_firmware_uploads_need_allow_firmware():
    """A band without a control plane gets firmware only with
    --allow-firmware; a watchface, resources or a font always."""
    real = Target(BLUEZ, address="E1:23:45:67:89:AB")
    allowed = Target(BLUEZ, address="E1:23:45:67:89:AB",
                     allow_firmware=True)
    over = Target(BLUEZ, address="E1:23:45:67:89:AB",
                  band_control="unix:path=/x")
    firmware = [("uploads", ("firmware",))]
    watchface = [("uploads", ("watchface", "font"))]
    assert "--allow-firmware" in real.skip_reason(firmware)
    assert allowed.skip_reason(firmware) is None
    assert over.skip_reason(firmware) is None
    assert Target(EMU).skip_reason(firmware) is None
    assert real.skip_reason(watchface) is None
    stand_in = Target(EMU, stand_in=True)
    assert "--allow-firmware" in stand_in.skip_reason(firmware)
    assert Target(EMU, stand_in=True,
                  allow_firmware=True).skip_reason(firmware) is None


def test_stand_in_runs_what_a_real_band_runs():
    """--bandsim-stand-in: an emulator, but the scenarios see a real
    band: no control plane, the real band's skips, prefixed."""
    stand_in = Target.from_options(default_key=bytes(16), stand_in=True)
    assert (stand_in.kind, stand_in.stand_in) == (EMU, True)
    assert not stand_in.control_plane
    assert Target(EMU).control_plane
    control = [("needs_control", ("AdvanceClock",))]
    observes = [("observes", ("Events",))]
    assert stand_in.skip_reason(control).startswith(
        "not on a real band: needs the emulator's control plane "
        "(AdvanceClock)")
    assert "needs an emulator the suite starts itself" in \
        stand_in.skip_reason([("emulator_process", ("a fresh band",))])
    assert stand_in.skip_reason([("person", ("button",))]) is None
    assert stand_in.skip_reason(observes) is None
    assert stand_in.skip_reason([]) is None
    with pytest.raises(TargetError, match="--bandsim-stand-in: for "
                       "--target emu"):
        Target.from_options("bluez", None, "E1:23:45:67:89:AB", KEY,
                            stand_in=True)


def test_raw_att_runs_over_the_air_with_a_raw_central():
    """raw_att scenarios run on the socket and, over the air, only with
    the raw L2CAP central; socket_only ones only on the socket."""
    raw = [("raw_att", ("malformed PDUs",))]
    socket = [("socket_only", ("a second central on the socket",))]
    air = dict(emu_bluez=("hci0", "hci1"), emu_transport=targets.L2CAP)
    bleak = Target(EMU, **air)
    l2cap = Target(EMU, emu_central=targets.L2CAP, **air)
    assert Target(EMU).skip_reason(raw) is None
    assert "--emu-central l2cap" in bleak.skip_reason(raw)
    assert l2cap.skip_reason(raw) is None
    assert Target(EMU).skip_reason(socket) is None
    assert "socket transport only" in l2cap.skip_reason(socket)


def test_no_link_layer_is_a_reason(monkeypatch):
    monkeypatch.setitem(sys.modules, "bandsim.link", None)
    with pytest.raises(targets.Unavailable, match="bandsim.link"):
        targets.load_link()


def test_no_system_bus_is_a_reason(monkeypatch, tmp_path):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS",
                       f"unix:path={tmp_path}/no-bus")
    assert "no system bus" in targets.bluez_problem("hci0")


# --------------------------------------------------------------- people

def test_person_confirms_with_enter():
    read_fd, write_fd = os.pipe()
    try:
        out = _Text()
        person = Person(read_fd, out, timeout=1.0)
        os.write(write_fd, b"\n\n")
        PersonHands(person).press()
        PersonHands(person).put_on_charger()
        assert "Tap the band's button once, then press Enter" in out.text
        assert "Put the band on its charger" in out.text
        with pytest.raises(PersonTimeout, match="nobody confirmed"):
            person.ask("Take the band off its charger", timeout=0)
        os.close(write_fd)
        write_fd = None
        with pytest.raises(PersonTimeout, match="input closed"):
            person.ask("Tap again")
    finally:
        os.close(read_fd)
        if write_fd is not None:
            os.close(write_fd)


def test_person_works_the_band_menus():
    """Find phone and the music screen asked of a person: one step each,
    the music screen's actions in order in one sentence."""
    read_fd, write_fd = os.pipe()
    try:
        out = _Text()
        person = Person(read_fd, out, timeout=1.0)
        os.write(write_fd, b"\n\n\n")
        hands = PersonHands(person)
        hands.find_phone(True)
        hands.find_phone(False)
        hands.music("open", "play", "close")
        assert "Start 'find phone' in the band's menu, then press Enter" \
            in out.text
        assert "Stop 'find phone' on the band" in out.text
        assert ("On the band: open the music screen, then press play, "
                "then leave the music screen, then press Enter") in out.text
        person.timeout = 0
        with pytest.raises(PersonTimeout, match="nobody confirmed"):
            hands.music("pause")
    finally:
        os.close(read_fd)
        os.close(write_fd)


class _Text:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_reset_band_moves_to_the_address_the_person_gives():
    """A real band comes back from a factory reset at a new address: the
    person types it, and every link of the run goes there from then on;
    Enter alone keeps the old one; a malformed one is refused."""
    read_fd, write_fd = os.pipe()
    try:
        out = _Text()
        person = Person(read_fd, out, timeout=1.0)
        where = BandAddress("E1:23:45:67:89:AB", "hci1")
        hands = PersonHands(person, where)
        os.write(write_fd, b"\nc2:00:00:00:00:01\n")
        hands.factory_reset()
        assert "Reset the band to its factory settings" in out.text
        assert "The band was at E1:23:45:67:89:AB" in out.text
        assert (where.current, where.link_spec) == \
            ("C2:00:00:00:00:01", "bluez:C2:00:00:00:00:01@hci1")
        band = RemoteBand(Target(BLUEZ, address="E1:23:45:67:89:AB"), None,
                          where=where)
        assert band.address == "C2:00:00:00:00:01"
        os.write(write_fd, b"\n\n")
        hands.factory_reset()
        assert where.current == "C2:00:00:00:00:01"
        os.write(write_fd, b"\nnot an address\n")
        with pytest.raises(TargetError, match="'not an address'"):
            hands.factory_reset()
        assert where.current == "C2:00:00:00:00:01"
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_person_looks_and_answers():
    """What the band shows or did, asked of the person: yes or no, asked
    again until the answer is one of them."""
    read_fd, write_fd = os.pipe()
    try:
        out = _Text()
        hands = PersonHands(Person(read_fd, out, timeout=1.0))
        os.write(write_fd, b"y\nmaybe\nNo\nyes\n")
        assert hands.sees("the incoming-call screen", "call") is True
        assert hands.felt("vibrate", "vibrate") is False
        assert "Does the band show the incoming-call screen now? [y/n]" \
            in out.text
        assert out.text.count("Did the band vibrate? [y/n]") == 2
        assert hands.sees("the time", "time") is True
    finally:
        os.close(read_fd)
        os.close(write_fd)
