"""Fixtures that give each test a band, and the hooks around them.

With ``--target emu`` (the default) every test gets a fresh emulator
process, socket, state dir and dbus-daemon, so no test sees another's
writes (the clock, CCCDs, the drawn serial, the binding) and a crash is
charged to the test that caused it.  Start-up of both is a few
milliseconds.  With ``--target bluez`` the same fixtures hand out links
to the band at ``--address`` through bandsim.link instead, and the
scenarios that need what only the emulator has are skipped with the
reason (bandsim/harness/targets.py; docs/conformance.md).

Around every test: the liveness oracle times each client operation the
fixtures hand out and, before a band is stopped, checks it was not left
busy (bandsim/oracles/liveness.py); with ``--bandsim-report DIR`` each
scenario leaves DIR/<ID>.json (bandsim/tools/report.py) and every
emulator it starts
writes its btsnoop capture next to it (DIR/<ID>[-N].btsnoop, listed in
the JSON's ``captures``), made into a transcript once the test is over
(DIR/<ID>[-N].transcript.json, in ``transcripts``; docs/transcripts.md);
when the session ends, DIR/index.html and a page per scenario are made
from them (bandsim/tools/htmlreport.py).
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from bandsim.clients.auth import HuamiClient
from bandsim.harness import scratch, targets
from bandsim.harness.bus import PrivateBus
from bandsim.harness.control import BUS_NAME
from bandsim.harness.fleet import FleetProcess
from bandsim.harness.lender import BandLender
from bandsim.harness.process import BandProcess, wrapper_from_env
from bandsim.harness.suite import (CLOCK_START, STAND_IN_KEY,
                                   STAND_IN_LIVED_S, TEST_KEY)
from bandsim.harness.targets import (AIR, EMU, EMULATOR_PROCESS,
                                     NEEDS_CONTROL,
                                     OBSERVES, PERSON, RAW_ATT, RESTARTS,
                                     SOCKET_ONLY, UPLOADS, BandAddress,
                                     ControlHands, ControlTime, OwnTime,
                                     PersonHands, PhoneReboot, ProcessRestart,
                                     RemoteBand, Target, TargetError,
                                     Unavailable)
from bandsim.oracles import liveness as liveness_module
from bandsim.protocol import profile as profile_module
from bandsim.protocol.profile import Profile
from bandsim.tools import htmlreport, report

# The plugin any project gets (bandsim_pytest.py): its options
# (--bandsim-report among them) and fixtures; this suite's own band
# fixtures below override its band, and the suite writes its own report.
# Installed, pytest has loaded it already under this name.
pytest_plugins = ["bandsim_pytest"]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = REPO_ROOT / "build" / "emulator" / "bandsim"
PROFILE_PATH = profile_module.DEFAULT_PATH
SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
TEST_ID = re.compile(r"^MB4/[A-Z]+/B[VI]-\d{2}: \S")

TARGET_KEY = pytest.StashKey[Target]()
REPORT_KEY = pytest.StashKey[object]()
HTML_KEY = pytest.StashKey[str]()       # the line saying where it is
ADDRESS_KEY = pytest.StashKey[object]()
RECORD_KEY = pytest.StashKey[report.TestRecord]()
SCRATCH_KEY = pytest.StashKey[list]()   # band directories of one test
LENDS_KEY = pytest.StashKey[bool]()     # its band may be lent (_lender_for)
BANDSIM_MARKERS = (NEEDS_CONTROL, OBSERVES, PERSON, EMULATOR_PROCESS,
                   SOCKET_ONLY, RAW_ATT, UPLOADS, RESTARTS, AIR)
# What a scenario's fixtures reveal it needs; its markers must say so.
PROCESS_FIXTURES = {"start_band", "fresh_band", "bus", "emulator_binary",
                    "start_fleet"}
CONTROL_FIXTURES = {"control"}
WITNESS_FIXTURES = {"witness"}
HAND_FIXTURES = {"band_button", "band_charger", "band_menu", "hands",
                 "unbound_band"}
RESTART_FIXTURES = {"restart_band"}
# The bound of a scenario that lets band time pass (band_time) on a band
# whose clock runs by itself: that time passes in wall time (the
# heart-rate scenarios wait up to about a minute for their readings and
# for the silences between them).
OWN_TIME_TIMEOUT = 120
# The bound of a scenario that restarts the band (restarts) on a band
# the phone reboots: each reboot may take REBOOT_TIMEOUT to come back.
REBOOT_BOUND = OWN_TIME_TIMEOUT + 2 * targets.REBOOT_TIMEOUT
# Set once a band answered that it has no Busy property.
_busy_unsupported = []


# ------------------------------------------------------------- options

def _value(metavar: str, text: str) -> dict:
    """An option that takes a value, none by default."""
    return dict(metavar=metavar, default=None, help=text)


def _choice(choices, text: str, default=None) -> dict:
    """An option that takes one of choices, the first by default."""
    return dict(choices=choices, default=default or choices[0], help=text)


OPTIONS = (
    ("--target", _choice(
        targets.TARGETS, default=EMU,
        text="emu (default): an emulator per test on a socket and a private "
             "bus; bluez: a band reached through BlueZ (--address), "
             "emulated or real")),
    ("--adapter", _value("hciN", "the BlueZ adapter to connect from "
                                 "(bluez)")),
    ("--address", _value("MAC", "the band's Bluetooth address (bluez)")),
    ("--auth-key", _value("HEX", "the key the band is bound to, 32 hex "
                                 "digits (bluez)")),
    ("--band-control", _value(
        "ADDRESS", "D-Bus address of the emulated band's control plane "
                   "(io.bandsim.Band1): unix:path=..., system, session, or "
                   "none (bluez; default none)")),
    ("--interactive", dict(
        action="store_true", default=False,
        help="ask the person at the band to tap it or put it on the "
             "charger where the control plane would")),
    ("--emu-bluez", _value(
        "BAND,CENTRAL", "emu over real BlueZ: start each emulator on adapter "
                        "BAND (--transport bluez) and reach it with bleak "
                        "from adapter CENTRAL, e.g. hci0,hci1 (ci/vm; "
                        "docs/bluez.md)")),
    ("--emu-transport", _choice(
        targets.EMU_TRANSPORTS,
        "with --emu-bluez: how each emulator is on the air, through "
        "bluetoothd (bluez, the default) or with its own ATT server on the "
        "kernel's L2CAP socket (l2cap; docs/bluez.md)")),
    ("--emu-central", _choice(
        targets.EMU_CENTRALS,
        "with --emu-bluez: how the suite reaches each emulator from the "
        "central's adapter, with bleak through bluetoothd (bleak, the "
        "default) or with raw ATT on the adapter's L2CAP socket (l2cap: "
        "the raw_att scenarios run too)")),
    ("--central", _choice(
        targets.CENTRALS,
        "bluez: how the suite reaches the band at --address, with bleak "
        "through bluetoothd (bleak, the default) or with raw ATT on "
        "--adapter's L2CAP socket (l2cap: the raw_att scenarios run too, "
        "on a real band as well)")),
    ("--bandsim-no-witness", dict(
        action="store_true",
        help="the witness fixture gives None, as on a real band: the "
             "scenarios marked observes are judged by their client-side "
             "checks alone (ci/test runs them so)")),
    ("--allow-firmware", dict(
        action="store_true",
        help="on a band without a control plane (a real one), run the "
             "scenarios that upload firmware too (marked uploads(\"firmware"
             "\")): a real band may not boot an image it was not made for")),
    ("--bandsim-stand-in", dict(
        action="store_true",
        help="with --target emu: each band plays a real one: it has lived "
             "three hours and its clock runs, and the scenarios get no "
             "control plane, so only what a real band runs runs, judged "
             "as on a real band (ci/test runs them so)")),
    ("--bandsim-own-bands", dict(
        action="store_true",
        help="with --target emu: every band a test gets is an emulator "
             "process of its own, on a dbus-daemon of its own; by default "
             "a test that needs only a band (not the process) is lent one "
             "of a fleet that its pytest worker runs (docs/conformance.md, "
             "\"Bands lent from a fleet\")")),
    ("--bandsim-tmp", _value(
        "DIR", "where the bands' state directories, sockets and logs go "
               "(default: /dev/shm when it is a tmpfs with 1 GiB free, else "
               "the system's; --basetemp wins; "
               "bandsim/harness/scratch.py)")),
)


def pytest_addoption(parser):
    group = parser.getgroup("bandsim", "bandsim conformance targets")
    for option, kwargs in OPTIONS:
        group.addoption(option, **kwargs)


def pytest_configure(config):
    plugin = config.pluginmanager.get_plugin("bandsim_pytest")
    config.stash[plugin.SUITE_REPORTS] = True
    for text in targets.MARKERS.values():
        config.addinivalue_line("markers", text)
    config.addinivalue_line("markers", TAKES_MARKER)
    try:
        scratch.choose(config.getoption("--bandsim-tmp"),
                       config.option.basetemp)
    except ValueError as exc:
        raise pytest.UsageError(str(exc))
    try:
        target = Target.from_options(
            config.getoption("--target"), config.getoption("--adapter"),
            config.getoption("--address"), config.getoption("--auth-key"),
            config.getoption("--band-control"),
            config.getoption("--interactive"),
            default_key=STAND_IN_KEY if config.getoption("--bandsim-stand-in")
            else TEST_KEY,
            emu_bluez=config.getoption("--emu-bluez"),
            emu_transport=config.getoption("--emu-transport"),
            emu_central=config.getoption("--emu-central"),
            stand_in=config.getoption("--bandsim-stand-in"),
            allow_firmware=config.getoption("--allow-firmware"),
            central=config.getoption("--central"))
    except TargetError as exc:
        raise pytest.UsageError(str(exc))
    # A stand-in is an emulator: nothing to warn about.
    if target.allow_firmware and not target.control_plane and \
            not target.stand_in:
        config.issue_config_time_warning(pytest.PytestWarning(
            "--allow-firmware: scenarios marked uploads(\"firmware\") will "
            "write firmware images made by the suite to the band"
            f"{' at ' + target.address if target.address else ''}; a real "
            "band may not boot one it was not made for"), stacklevel=2)
    config.stash[TARGET_KEY] = target
    directory = config.getoption("--bandsim-report")
    if directory:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
    config.stash[REPORT_KEY] = directory


TAKES_MARKER = (
    "takes(seconds): about how long the test takes by design, waiting out "
    "a deadline on purpose or at a real band's pace; such tests start "
    "first, longest first, on the workers beyond one per core "
    "(docs/conformance.md, \"Tests that wait\")")
# The xdist group of the waiting tests dealt to wait worker K.
WAIT_GROUP = "waits-{}"


def _takes(item) -> float:
    mark = item.get_closest_marker("takes")
    return mark.args[0] if mark is not None else 0


# Workers beyond one per core that -n auto adds for the tests that wait:
# the scenarios' 34 s of waiting (takes) in groups no longer than the
# longest, ten seconds (docs/conformance.md, "Tests that wait").
WAIT_WORKERS = 4


def pytest_xdist_auto_num_workers(config):
    """-n auto: one worker per core, and WAIT_WORKERS more."""
    return len(os.sched_getaffinity(0)) + WAIT_WORKERS


def _wait_workers(config) -> int:
    """How many workers hold the tests that wait: those beyond one per
    core; 0 without pytest-xdist's workers, or with no more workers than
    cores (each has a core of its own: one that waits leaves no other
    worker short of CPU, and all waiting first ends the soonest)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        return 0
    cores = len(os.sched_getaffinity(0))
    return max(0, workerinput["workercount"] - cores)


def _longest_first(config, items) -> None:
    """pytest-xdist hands tests out in collection order as workers come
    free.  A test that takes ten seconds of waiting, handed out last,
    ends the run ten seconds after the rest: so they go first, longest
    first.  The sort is stable: groups that share a band keep their
    order.

    Handed out first to every worker, though, they would leave the cores
    idle while every worker waits (the first ten seconds of a run on 2
    cores: docs/benchmarks.md, "Bands lent from a fleet, and workers
    that wait").  So under xdist, with bands the suite starts, they are dealt
    longest first into as many groups (xdist_group, kept on one worker
    in order with --dist loadgroup) as there are workers beyond one per
    core, each to the group with the least waiting so far: those workers
    wait while one per core keeps each core busy.  Every worker deals the
    same groups from the same collection."""
    items.sort(key=lambda item: -_takes(item))
    target = config.stash[TARGET_KEY]
    groups = _wait_workers(config)
    if not groups or target.kind != EMU or target.stand_in:
        return
    loads = [0.0] * groups
    for item in items:
        seconds = _takes(item)
        if not seconds:
            break
        if item.get_closest_marker("xdist_group") is not None:
            continue
        k = loads.index(min(loads))
        loads[k] += seconds
        item.add_marker(pytest.mark.xdist_group(WAIT_GROUP.format(k)))


def _marks(item):
    return [(m.name, tuple(m.args)) for m in item.iter_markers()
            if m.name in BANDSIM_MARKERS]


# A fixture a target may not have, and the markers one of which a
# scenario that uses it must carry (what the error says to do).
FIXTURE_MARKS = (
    (PROCESS_FIXTURES, {EMULATOR_PROCESS},
     "uses {fixtures}: mark it @pytest.mark.emulator_process(reason)"),
    (CONTROL_FIXTURES, {NEEDS_CONTROL},
     "uses the control plane: mark it @pytest.mark.needs_control(what)"),
    (WITNESS_FIXTURES, {NEEDS_CONTROL, OBSERVES},
     "watches the control plane: mark it @pytest.mark.observes(what)"),
    (HAND_FIXTURES, {NEEDS_CONTROL, PERSON},
     "uses the band's button or charger: mark it "
     "@pytest.mark.person(steps) or needs_control"),
    (RESTART_FIXTURES, {RESTARTS},
     "restarts the band (restart_band): mark it "
     "@pytest.mark.restarts(*how)"),
)


def _check_markers(item, test_id, marks) -> None:
    """A scenario's fixtures must agree with its markers, so a target
    never reaches a fixture it cannot provide."""
    names = {name for name, _ in marks}
    used = set(item.fixturenames)
    for fixtures, marked, what in FIXTURE_MARKS:
        found = used & fixtures
        if found and not names & marked:
            raise pytest.UsageError(
                f"{test_id} ({item.nodeid}) "
                + what.format(fixtures=", ".join(sorted(found))))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Scenario IDs are the suite's public names: require and dedupe them.
    Markers say what a scenario needs: check them against its fixtures
    and skip, with the reason, what this target cannot run.  Tests marked
    takes(seconds) go first, to workers of their own (_longest_first).
    Runs before
    pytest-xdist's own (see _ungroup_unshared)."""
    target = config.stash[TARGET_KEY]
    _ungroup_unshared(config, items)
    _longest_first(config, items)
    seen = {}
    for item in items:
        if SCENARIO_DIR not in Path(item.fspath).parents:
            continue
        doc = (getattr(item.function, "__doc__", None) or "").strip()
        first = doc.splitlines()[0] if doc else ""
        if not TEST_ID.match(first):
            raise pytest.UsageError(
                f"{item.nodeid}: docstring must start 'MB4/AREA/BV-nn: ...'")
        test_id = first.split(":")[0]
        owner = seen.setdefault(test_id, item.function)
        if owner is not item.function:
            raise pytest.UsageError(f"{test_id} used twice ({item.nodeid})")
        marks = _marks(item)
        _check_markers(item, test_id, marks)
        reason = target.skip_reason(marks)
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"{test_id}: {reason}"))
        elif target.interactive and not target.control_plane and any(
                name == PERSON for name, _ in marks):
            # A step may be asked more than once (tap, then long press).
            steps = sum(len(args) or 1 for name, args in marks
                        if name == PERSON)
            item.add_marker(pytest.mark.timeout(
                targets.PERSON_TIMEOUT * 2 * steps + 60))
        elif not target.control_plane and any(
                name == RESTARTS for name, _ in marks):
            item.add_marker(pytest.mark.timeout(REBOOT_BOUND))
        elif not target.control_plane and "band_time" in item.fixturenames:
            item.add_marker(pytest.mark.timeout(OWN_TIME_TIMEOUT))


def _ungroup_unshared(config, items):
    """A group of tests that share one band the suite starts
    (xdist_group, conftest.py: shared_band) is kept on one worker, in
    order.  Where the suite starts no band of its own (--target bluez, the
    stand-in: a band per test) nothing is shared, so the group would only
    keep its tests from running side by side: drop it.  Runs before
    pytest-xdist reads the marks."""
    target = config.stash[TARGET_KEY]
    if target.kind == EMU and not target.stand_in:
        return
    for item in items:
        item.own_markers = [mark for mark in item.own_markers
                            if mark.name != "xdist_group"]


# -------------------------------------------------------------- report

def _record(item) -> report.TestRecord:
    record = item.stash.get(RECORD_KEY, None)
    if record is None:
        observe = item.config.stash[REPORT_KEY] is not None
        record = report.TestRecord(observe_events=observe)
        item.stash[RECORD_KEY] = record
    return record


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _record(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    record = _record(item)
    record.reports[rep.when] = rep
    if rep.when != "teardown":
        return
    _clear_scratch(item, record)
    record.finish()
    del item.stash[RECORD_KEY]      # its clients and links are done with
    directory = item.config.stash[REPORT_KEY]
    function = getattr(item, "function", None)
    doc = getattr(function, "__doc__", None) or ""
    test_id, _, _ = report.summary_of(doc)
    if directory is None or test_id is None:
        return
    callspec = getattr(item, "callspec", None)
    report.write_transcripts(directory, record)     # every band has stopped
    report.write(directory, report.build(
        record, test_id=test_id, nodeid=item.nodeid,
        test=item.originalname if hasattr(item, "originalname")
        else item.name,
        param=callspec.id if callspec is not None else None, doc=doc,
        module=item.path.name,
        markers={name: list(args) for name, args in _marks(item)},
        target=item.config.stash[TARGET_KEY].describe()))


def pytest_sessionfinish(session, exitstatus):
    """With --bandsim-report DIR, the HTML pages of every record in DIR.
    Under xdist the workers write the records and the controller, once
    they are all done, the pages."""
    directory = session.config.stash.get(REPORT_KEY, None)
    if directory is None or hasattr(session.config, "workerinput"):
        return
    written = htmlreport.build(directory)
    session.config.stash[HTML_KEY] = (f"bandsim report: {written[0]} "
                                      f"({len(written) - 1} scenarios)")


def pytest_terminal_summary(terminalreporter, config):
    """Where the HTML report is (pytest_sessionfinish runs first)."""
    line = config.stash.get(HTML_KEY, None)
    if line is not None:
        terminalreporter.write_line(line)


def _scratch_dir(item, base, prefix):
    """A new directory for one of the test's bands or fleets."""
    directory = scratch.band_dir(base, prefix)
    item.stash.setdefault(SCRATCH_KEY, []).append(directory)
    return directory


def _clear_scratch(item, record):
    """A passed test's band directories go; a failed one's stay for
    whoever reads the failure (bandsim/harness/scratch.py)."""
    directories = item.stash.get(SCRATCH_KEY, [])
    if directories and all(rep.passed for rep in record.reports.values()):
        for directory in directories:
            scratch.remove(directory)
    directories.clear()


def _report_name(item):
    """(test id, param) of a scenario the report has a file for, else
    None (a self-test)."""
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    test_id, _, _ = report.summary_of(doc)
    if test_id is None:
        return None
    callspec = getattr(item, "callspec", None)
    return test_id, callspec.id if callspec is not None else None


def _capture_of(item, record, opts):
    """With --bandsim-report DIR, the file name of the next emulator's
    capture (DIR/<report name>[-N].btsnoop), added to opts' extra_args
    as --btsnoop; None without a report, for a self-test, or when the
    scenario captures for itself.  No --random-seed: these are captures
    of the runs as they are."""
    directory = item.config.stash[REPORT_KEY]
    name = _report_name(item) if directory is not None else None
    if name is None:
        return None
    args = [str(a) for a in opts.get("extra_args", ())]
    if any(a == "--btsnoop" or a.startswith("--btsnoop=") for a in args):
        return None
    file = report.capture_name(*name, len(record.captures) + 1)
    opts["extra_args"] = args + ["--btsnoop",
                                 str(Path(directory).resolve() / file)]
    return file


# ------------------------------------------------------- session-wide

@pytest.fixture(scope="session")
def target(pytestconfig) -> Target:
    return pytestconfig.stash[TARGET_KEY]


@pytest.fixture(scope="session")
def emulator_binary(target) -> Path:
    if target.kind != EMU:
        pytest.skip("the emulator binary is for --target emu")
    # Absolute, so tests that run elsewhere (sample runs) find it too.
    binary = Path(os.environ.get("BANDSIM", DEFAULT_BINARY)).resolve()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"emulator binary not found or not executable: {binary} "
                    f"(build it, or point BANDSIM at it)", pytrace=False)
    return binary


@pytest.fixture(scope="session")
def profile() -> Profile:
    return Profile.load(PROFILE_PATH)


@pytest.fixture(scope="session")
def bluez_link(target):
    """bandsim.link, once BlueZ and the link layer are known to be
    usable from here; otherwise every test that needs the band is
    skipped with the reason."""
    problems = []
    try:
        link = targets.load_link()
    except Unavailable as exc:
        link = None
        problems.append(str(exc))
    if target.central == targets.L2CAP:
        # The kernel's L2CAP socket alone: neither bluetoothd nor bleak.
        problem = targets.l2cap_problem(target.adapter)
    else:
        problem = targets.bluez_problem(target.adapter)
    if problem:
        problems.append(problem)
    if link is not None and not problem and target.central != targets.L2CAP:
        import importlib.util
        if importlib.util.find_spec("bleak") is None:
            problems.append("bleak (python3-bleak) is not installed")
    if problems:
        pytest.skip("; ".join(problems))
    return link


@pytest.fixture(scope="session")
def emu_central(target):
    """With --emu-bluez: central(deadline) -> a BleakLink from the suite's
    adapter to the bands' one, with discovery kept running; else None.
    central.recover() powers the suite's adapter off and on, ends every
    link of the bands' one and starts the discovery again: what a link
    that finds the suite's adapter wedged calls (docs/bluez.md)."""
    if not target.emu_bluez:
        yield None
        return
    band_adapter, central_adapter = target.emu_bluez
    link = targets.load_link()
    problem = targets.bluez_problem(central_adapter) or \
        targets.bluez_problem(band_adapter)
    if problem:
        pytest.fail(f"--emu-bluez: {problem}", pytrace=False)
    # bleak connects through bluetoothd, which needs the band seen: the
    # adapter keeps scanning.  The raw central links to the address given
    # and scans for nothing; a standing discovery only hurt it: bluetoothd
    # restarts the discovery a connection stopped, and 6.12 then sent a
    # second LE Create Connection to the band it was linking to, which
    # wedged the link (MB4/FW/BI-06 over the air; docs/bluez.md).
    discovery = (None if target.emu_central == targets.L2CAP
                 else targets.Discovery(central_adapter))

    def recover():
        # Both adapters are the suite's: a central adapter the kernel
        # wedged is powered off and on, which btvirt's other side never
        # hears of, so the bands' adapter ends its links too; then the
        # discovery the power-off ended starts again.
        targets.power_cycle(central_adapter)
        targets.disconnect_all(band_adapter)
        if discovery is not None:
            discovery.start()

    def central(deadline, band):
        kind = "l2cap" if target.emu_central == targets.L2CAP else "bluez"
        return link.connect(f"{kind}:{band.air_address()}@{central_adapter}",
                            timeout=deadline)

    central.recover = recover
    link.set_recovery(central_adapter, recover)
    yield central
    link.set_recovery(central_adapter, None)
    if discovery is not None:
        discovery.close()


@pytest.fixture(scope="session")
def person():
    """Whoever sits at the band, reached through the terminal."""
    try:
        return targets.Person.terminal()
    except OSError as exc:
        pytest.skip(f"--interactive needs a terminal (/dev/tty): {exc}")


# ------------------------------------------------------------ liveness

@pytest.fixture(autouse=True)
def liveness(request):
    """The liveness oracle of this test (bandsim/oracles/liveness.py).

    Every operation of the links, bands and control clients the
    fixtures hand out is timed; a test may time its own steps with
    ``liveness.operation(name, budget)``.  At teardown an operation that
    overran its deadline fails the test, whether it then returned or
    raised; the bands' Busy is checked where they are stopped.
    """
    record = _record(request.node)
    yield record.ops
    record.close_controls()
    problems = record.ops.problems()
    if problems:
        pytest.fail("liveness: operations overran their deadlines:\n  "
                    + "\n  ".join(problems), pytrace=False)


def check_not_busy(record, control, label: str):
    """The band settled to Busy "" once the test's links closed; a
    failure message otherwise (None when fine or not checkable)."""
    if _busy_unsupported:
        record.busy.append({"band": label, "busy": None,
                            "note": _busy_unsupported[0]})
        return None
    busy, note = liveness_module.check_busy(control)
    record.busy.append({"band": label, "busy": busy, "note": note})
    if busy is None:
        _busy_unsupported.append(note)
        return None
    if busy:
        return (f"liveness: {label} was left busy ({busy!r}) at the end "
                f"of the test")
    return None


# --------------------------------------------------------------- bands

@pytest.fixture
def bus(request, target):
    """A private dbus-daemon for this test; its address."""
    if target.kind != EMU:
        pytest.skip("the private bus belongs to --target emu")
    record = _record(request.node)
    daemon = PrivateBus()
    daemon.start()
    yield daemon.address
    try:
        record.close_controls(daemon.address)
    finally:
        daemon.stop()


def _control_name(proc) -> str:
    args = proc.extra_args
    if "--control-name" in args[:-1]:
        return args[args.index("--control-name") + 1]
    return BUS_NAME


def _stop_started(procs, what: str, check=None) -> list:
    """Teardown of the processes a test started and did not stop: each
    must exit 0 on SIGTERM; check(proc), before, may name a problem."""
    failures = []
    for proc in procs:
        if not proc.started or proc.stopped:
            continue
        problem = check(proc) if check is not None else None
        if problem:
            failures.append(problem)
        code = proc.stop()
        if code != 0:
            failures.append(f"{what} exit status {code} after SIGTERM\n"
                            f"{proc.log_tail()}")
    return failures


def _band_adapter(target, taken) -> str:
    """The adapter for one more band over the air: --emu-bluez's band
    adapter, or a spare one while a band of the test still runs there.
    An L2CAP band takes its adapter's address (its own, band.ini's), so
    two bands on one adapter are one band on the air: the second's
    address replaced the first's (MB4/SYNC/BV-21).  With no spare
    adapter left, the band adapter as before."""
    band, central = target.emu_bluez
    present = sorted((p.name for p in
                      Path("/sys/class/bluetooth").glob("hci*")
                      if re.fullmatch(r"hci\d+", p.name)),
                     key=lambda name: int(name[3:]))
    for adapter in [band] + [a for a in present if a not in (band, central)]:
        if adapter not in taken:
            return adapter
    return band


@pytest.fixture
def start_band(request, target):
    """Factory: start_band(auth_key=TEST_KEY, state_dir=None,
    profile=None, **opts).

    Each call starts one more emulator on the test's bus with a fresh
    socket and log; pass the state_dir of an earlier one to restart "the
    same band", and a profile path for a band with other policies
    (bandsim.protocol.profile.write_variant).  On teardown every band the test
    did not stop or kill itself must not be left busy and must exit 0
    on SIGTERM.  --target emu only.  Every band runs under
    $BANDSIM_WRAPPER when it is set (valgrind: docs/conformance.md).
    """
    if target.kind != EMU:
        pytest.skip("starting an emulator needs --target emu")
    emulator_binary = request.getfixturevalue("emulator_binary")
    bus = request.getfixturevalue("bus")
    base = request.getfixturevalue("tmp_path_factory").getbasetemp()
    central = request.getfixturevalue("emu_central")
    record = _record(request.node)
    directory = request.config.stash[REPORT_KEY]
    observe = directory is not None
    started = []
    logs = []                       # (process, report file of its log)
    wrapper = wrapper_from_env()    # BANDSIM_WRAPPER: valgrind, say
    links = []                      # every link opened over the air

    def linked(deadline, proc):
        att = central(deadline, proc)
        links.append(att)
        return att

    def start(auth_key=TEST_KEY, state_dir=None, profile=None, **opts):
        opts.setdefault("control_address", bus)
        opts.setdefault("clock_rate", 0)
        opts.setdefault("clock_start", CLOCK_START)
        if central is not None:
            if "adapter" not in opts:
                opts["adapter"] = _band_adapter(
                    target, {p.adapter for p in started if p.alive})
            opts.setdefault("transport", target.emu_transport)
            opts.setdefault("central", linked)
        capture = _capture_of(request.node, record, opts)
        opts.setdefault("wrapper", wrapper)
        proc = BandProcess(emulator_binary, profile or PROFILE_PATH,
                           _scratch_dir(request.node, base, "band"),
                           state_dir=state_dir, auth_key=auth_key, **opts)
        started.append(proc)
        try:
            proc.start()
        except BaseException:
            if proc.started:
                proc.stop()
            raise
        record.attach_band(proc)
        if capture is not None:
            record.captures.append(capture)
            logs.append((proc, Path(capture).with_suffix(".log").name))
        if observe and proc.control_address == bus:
            record.control(bus, _control_name(proc), role="witness")
        return proc

    def not_busy(proc):
        if proc.alive and proc.control_address == bus:
            name = _control_name(proc)
            return check_not_busy(record, record.find(bus, name), name)
        return None

    yield start
    failures = _stop_started(started, "emulator", not_busy)
    # A link the test left open (one cut off by its timeout, say) is
    # closed once its band is gone: through bluetoothd its notify
    # sessions would otherwise carry over to the next test's link to the
    # same address (bandsim/link/bluez.py: _release_bus).
    for att in links:
        try:
            att.close()
        except Exception:
            pass
    # The emulator's own log beside its capture: what a report reader
    # needs when a run over BlueZ went wrong inside the band.
    for proc, name in logs:
        if proc.log_path.exists():
            shutil.copyfile(proc.log_path, Path(directory) / name)
    assert not failures, "\n".join(failures)


@pytest.fixture
def start_fleet(request, target):
    """Factory: start_fleet(count, auth_key=TEST_KEY, **opts) ->
    FleetProcess, many bands in one emulator process on the test's bus
    (bandsim.harness.fleet, docs/fleet.md), clocks frozen at CLOCK_START.
    On teardown each fleet the test did not stop itself must exit 0 on
    SIGTERM.  --target emu only."""
    if target.kind != EMU:
        pytest.skip("starting a fleet needs --target emu")
    emulator_binary = request.getfixturevalue("emulator_binary")
    bus = request.getfixturevalue("bus")
    base = request.getfixturevalue("tmp_path_factory").getbasetemp()
    started = []

    def start(count, auth_key=TEST_KEY, **opts):
        opts.setdefault("control_address", bus)
        opts.setdefault("clock_rate", 0)
        opts.setdefault("clock_start", CLOCK_START)
        opts.setdefault("wrapper", wrapper_from_env())
        fleet = FleetProcess(emulator_binary, PROFILE_PATH,
                             _scratch_dir(request.node, base, "fleet"),
                             count,
                             auth_key=auth_key, **opts)
        started.append(fleet)
        fleet.start()
        return fleet

    yield start
    failures = _stop_started(started, "fleet")
    assert not failures, "\n".join(failures)


def _remote_band(request, target):
    """The band at --address, through BlueZ."""
    link = request.getfixturevalue("bluez_link")
    record = _record(request.node)
    control = (record.control(target.band_control, role="band")
               if target.band_control else None)
    band = RemoteBand(target, link, control, where=_band_address(request))
    record.attach_band(band)
    return band, record, control


def _band_address(request) -> BandAddress:
    """Where the band is for the rest of the run: --address until a
    reset moves it (PersonHands.factory_reset)."""
    where = request.config.stash.get(ADDRESS_KEY, None)
    if where is None:
        target = request.config.stash[TARGET_KEY]
        where = BandAddress(target.address, target.adapter, target.central)
        request.config.stash[ADDRESS_KEY] = where
    return where


def _stand_in(request):
    """An emulator as a real band meets a scenario: it has lived
    STAND_IN_LIVED_S, its clock runs from there at the wall clock's pace,
    and its link at a real band's (--pace real: connection events, the
    MTU announced with device event 16).  Only the suite touches its
    control plane, to get it there."""
    target = request.getfixturevalue("target")
    proc = request.getfixturevalue("start_band")(
        auth_key=target.auth_key, extra_args=["--pace", "real"])
    control = _record(request.node).control(
        request.getfixturevalue("bus"), _control_name(proc), role="stand-in")
    control.advance_clock(STAND_IN_LIVED_S)
    control.set_clock_rate(1)
    return proc


@pytest.fixture
def band(request, target):
    """A band bound to the suite's key (emu: a listening emulator bound
    to TEST_KEY, clock frozen; bluez: the band at --address, bound to
    --auth-key)."""
    if target.stand_in:
        yield _stand_in(request)
        return
    if target.kind == EMU:
        lender = _lender_for(request)
        if lender is not None:
            yield from _lend(request, lender, TEST_KEY)
            return
        yield request.getfixturevalue("start_band")()
        return
    remote, record, control = _remote_band(request, target)
    yield remote
    if control is not None:
        problem = check_not_busy(record, control, target.address)
        assert problem is None, problem


# What makes a test's band a process of its own: the scenario deals with
# the process (kills, restarts it) or starts bands itself.
OWN_PROCESS_MARKERS = (EMULATOR_PROCESS, RESTARTS)
# The fixtures that hand out a band a lender can lend, in the order the
# control fixture looks for the test's band.
LENT_FIXTURES = ("band", "unbound_band")


@pytest.fixture(scope="session")
def _lender(request, target, tmp_path_factory):
    """This worker's BandLender (harness/lender.py), or None where every
    band is a process of its own: another target, the stand-in, bands
    over the air, --bandsim-report (each band writes its own capture,
    which a fleet's bands do not), $BANDSIM_WRAPPER (valgrind counts
    its processes), --bandsim-own-bands."""
    config = request.config
    if target.kind != EMU or target.stand_in or target.emu_bluez or \
            config.stash[REPORT_KEY] is not None or wrapper_from_env() or \
            config.getoption("--bandsim-own-bands"):
        yield None
        return
    lender = BandLender(request.getfixturevalue("emulator_binary"),
                        PROFILE_PATH, tmp_path_factory.getbasetemp(),
                        CLOCK_START)
    yield lender
    failures = lender.close()
    assert not failures, "\n".join(failures)


def _lender_for(request):
    """The lender, when this test's band may be lent: it does not deal
    with the emulator's process, start bands itself or use a bus of its
    own (its markers and the fixtures it names, not those requested
    since: the lender itself requests the binary's)."""
    item = request.node
    lends = item.stash.get(LENDS_KEY, None)
    if lends is None:
        lends = item.stash[LENDS_KEY] = not (
            any(item.get_closest_marker(name) is not None
                for name in OWN_PROCESS_MARKERS)
            or PROCESS_FIXTURES & set(item.fixturenames))
    return request.getfixturevalue("_lender") if lends else None


def _lend(request, lender, auth_key):
    """A band of the lender's fleet for this test, as start_band() would
    give one (clock frozen at CLOCK_START, bound to auth_key); on
    teardown it must not be left busy, and it is removed, its directory
    kept when the test failed."""
    record = _record(request.node)
    band = lender.lend(auth_key)
    record.attach_band(band)
    yield band
    failures = []
    if band.alive:
        problem = check_not_busy(
            record, record.find(band.control_address, band.control_name,
                                band.path), f"{band.control_name}{band.path}")
        if problem:
            failures.append(problem)
    record.close_controls(band.control_address)
    failed = any(not rep.passed for rep in record.reports.values())
    failures += lender.give_back(band, keep=failed or bool(failures))
    assert not failures, "\n".join(failures)


def _lent_band(request):
    """The band this test was lent, or None when its bands are
    processes of their own."""
    if _lender_for(request) is None:
        return None
    for name in LENT_FIXTURES:
        if name in request.node.fixturenames:
            return request.getfixturevalue(name)
    return None


class SharedBand:
    """One band, its bus and its directory, lent to a sequence of tests
    that each prove they changed nothing the band holds (the snapshot
    oracle, bandsim/oracles/snapshot.py): the next one starts where a
    band of its own would have."""

    def __init__(self, bus, proc, directory, capture=None):
        self.bus = bus
        self.proc = proc
        self.directory = directory
        self.capture = capture      # its btsnoop's name (--bandsim-report)
        # What the band held when the last test that used it ended, as
        # that test proved it (None: nothing proved yet).  The next test
        # may take it as its "before": unchanged across its own link's
        # setup too, which is a stronger claim than a fresh read.
        self.proven = None

    def close(self, record=None, keep=False) -> list:
        """Stop it; what went wrong, as test failures (empty if none).
        With the record of the test that used it last, the band must
        not be left busy either.  Its directory stays when something
        failed, or when told to keep it (its last test failed)."""
        failures = []
        try:
            if self.proc.alive and record is not None:
                problem = check_not_busy(
                    record, record.find(self.bus.address), BUS_NAME)
                if problem:
                    failures.append(problem)
            code = self.proc.stop()
            if code != 0:
                failures.append(f"shared emulator exit status {code} after "
                                f"SIGTERM\n{self.proc.log_tail()}")
        finally:
            if record is not None:
                record.close_controls(self.bus.address)
            self.bus.stop()
        if not failures and not keep:
            scratch.remove(self.directory)
        return failures


class LentBand:
    """A shared band as one test sees it, so that its links and waits
    are timed in that test's record (the band outlives the record)."""

    def __init__(self, proc, shared=None):
        self._proc = proc
        self.shared = shared        # the SharedBand, for its proven state
        self.status_timeout = proc.status_timeout
        self.on_lost_attempts = []

    def connect(self, timeout: float = None):
        return self._proc.connect(timeout)

    def disconnect(self, client, timeout: float = None):
        return self._proc.disconnect(client, timeout)

    def wait_dropped(self, timeout: float = None):
        return self._proc.wait_dropped(timeout)

    def wait_status(self, line: str, timeout=None):
        return self._proc.wait_status(line, timeout)

    def __getattr__(self, name):
        return getattr(self._proc, name)


@pytest.fixture(scope="session")
def _shared_bands():
    """Every shared band still running, by group; those whose last
    test never ran (-k) are stopped when the session ends."""
    bands = {}
    yield bands
    failures = []
    for band in bands.values():
        failures += band.close()
    bands.clear()
    assert not failures, "\n".join(failures)


@pytest.fixture
def shared_band(request, target, _shared_bands):
    """Factory: shared_band(group, prepare, last=False, **opts) ->
    (band, control).

    The tests of one group (pytest.mark.xdist_group: with ``--dist
    loadgroup`` they run on one worker, in order) share a band bound to
    TEST_KEY: the first starts it on a bus of its own and calls
    prepare(control) on it; every test gets its own control client.  A
    test that uses it must prove it changed nothing the band holds.  One
    that fails takes the band with it, so the next starts afresh; the
    last of the group stops it, which must not find it busy and must
    exit 0.  With --bandsim-report every test has a band of its own
    (each report has its own capture).  --target emu only."""
    if target.kind != EMU:
        pytest.skip("a shared emulator needs --target emu")
    record = _record(request.node)
    private = request.config.stash[REPORT_KEY] is not None
    used = []

    def get(group, prepare, last=False, **opts):
        band = None if private else _shared_bands.get(group)
        if band is not None and not band.proc.alive:
            _shared_bands.pop(group).close()
            band = None
        if band is None:
            band = _start_shared(request, opts)
            try:
                prepare(record.control(band.bus.address, role="test"))
            except BaseException:
                band.close()
                raise
            if not private:
                _shared_bands[group] = band
        used.append((group, band, last or private))
        lent = record.attach_band(LentBand(band.proc, band))
        return lent, record.control(band.bus.address, role="test")

    yield get
    passed = all(rep.passed for rep in record.reports.values())
    directory = request.config.stash[REPORT_KEY]
    failures = []
    for group, band, last in used:
        if not (last or not passed):
            continue
        if _shared_bands.get(group) is band:
            del _shared_bands[group]
        failures += band.close(record if passed else None, keep=not passed)
        if private and band.capture is not None and \
                band.proc.log_path.exists():
            shutil.copyfile(band.proc.log_path, Path(directory) /
                            Path(band.capture).with_suffix(".log").name)
    assert not failures, "\n".join(failures)


def _start_shared(request, opts) -> SharedBand:
    binary = request.getfixturevalue("emulator_binary")
    base = request.getfixturevalue("tmp_path_factory").getbasetemp()
    bus = PrivateBus()
    bus.start()
    directory = scratch.band_dir(base, "shared")
    opts.setdefault("control_address", bus.address)
    opts.setdefault("clock_rate", 0)
    opts.setdefault("clock_start", CLOCK_START)
    opts.setdefault("wrapper", wrapper_from_env())
    opts.setdefault("auth_key", TEST_KEY)
    capture = _capture_of(request.node, _record(request.node), opts)
    proc = BandProcess(binary, PROFILE_PATH, directory, **opts)
    try:
        proc.start()
    except BaseException:
        if proc.started:
            proc.stop()
        bus.stop()
        raise
    if capture is not None:
        _record(request.node).captures.append(capture)
    return SharedBand(bus, proc, directory, capture)


@pytest.fixture
def fresh_band(start_band):
    """A factory-new emulator: no key, clock frozen."""
    return start_band(auth_key=None)


@pytest.fixture
def control(request, target):
    """The control plane of whichever band owns io.bandsim on the bus
    (emu: the test's private bus; bluez: --band-control)."""
    if target.stand_in:
        pytest.skip("a stand-in for a real band has no control plane")
    if target.kind == EMU:
        lent = _lent_band(request)
        if lent is not None:
            return _record(request.node).control(
                lent.control_address, lent.control_name, role="test",
                path=lent.path)
        address = request.getfixturevalue("bus")
    elif target.band_control is not None:
        address = target.band_control
    else:
        pytest.skip("needs the emulator's control plane (--band-control)")
    return _record(request.node).control(address, role="test")


@pytest.fixture
def witness(request, target):
    """The control plane where there is one, to check what the band did;
    None on a band without one (a real band), where the scenario's own
    client-side checks are all there is."""
    if not target.control_plane or \
            request.config.getoption("--bandsim-no-witness"):
        return None
    return request.getfixturevalue("control")


@pytest.fixture
def unbound_band(request, target):
    """A band with no key, as from the box: on the emulator a factory-new
    one the suite starts; a real band the person resets (mark the
    scenario person("factory-reset"))."""
    if target.kind == EMU and not target.stand_in:
        lender = _lender_for(request)
        if lender is not None:
            yield from _lend(request, lender, None)
            return
        yield request.getfixturevalue("start_band")(auth_key=None)
        return
    band = request.getfixturevalue("band")
    request.getfixturevalue("hands").factory_reset()
    yield band


@pytest.fixture
def hands(request, target):
    """The band's button, its charger and its call screen: the control
    plane where there is one, else (--interactive) the person at the
    band."""
    if target.control_plane:
        return ControlHands(request.getfixturevalue("control"))
    if target.stand_in:
        # The person at a stand-in: the suite, through the control
        # plane the scenario itself does not get.
        return ControlHands(_record(request.node).control(
            request.getfixturevalue("bus"), BUS_NAME, role="stand-in"))
    if target.interactive:
        return PersonHands(request.getfixturevalue("person"),
                           _band_address(request) if target.kind != EMU
                           else None)
    pytest.skip("needs someone at the band: run with --interactive, or "
                "give --band-control")


@pytest.fixture
def restart_band(request, target):
    """Factory: restart_band(band, how="kill", via=None, **opts) -> the
    band after a restart (mark the scenario restarts(*how)); via: a link
    of the phone's that is up and authenticated, in the middle of
    something (a sync), which the restart ends.  On an emulator the suite
    starts (--target emu): kill -9 (how="kill") or SIGTERM ("stop") and
    the same band started again on its state directory (start_band, opts
    for it), a new process; how="reboot" is the phone's reboot there too.
    On any other band (a real one, --bandsim-stand-in, --band-control):
    the phone's reboot, 05 on 00001531 (protocol §7), then a wait, with a
    deadline, until the band takes a link again; the same band.
    restart_band.process says which: a scenario's docstring says what
    each proves (bandsim/harness/targets.py: ProcessRestart,
    PhoneReboot)."""
    reboot = PhoneReboot(target.auth_key, close_link)
    if target.kind == EMU and not target.stand_in:
        return ProcessRestart(request.getfixturevalue("start_band"), reboot)
    return reboot


@pytest.fixture
def band_time(request, target):
    """let_pass(seconds) of band time: AdvanceClock where there is a
    control plane, nothing on a real band, whose own clock runs while
    the scenario waits for what it expects."""
    if target.control_plane:
        return ControlTime(request.getfixturevalue("control"))
    return OwnTime()


@pytest.fixture
def band_button(hands):
    """press() and long_press() on the band's button."""
    return hands


@pytest.fixture
def band_charger(hands):
    """put_on_charger() and take_off_charger()."""
    return hands


@pytest.fixture
def band_menu(hands):
    """find_phone(start) and music(*actions): the band's menus."""
    return hands


@pytest.fixture
def att(band):
    """A link to the band; closing it must be reported as DISCONNECTED=1."""
    client = band.connect()
    yield client
    close_link(band, client)


@pytest.fixture
def authed(band, target):
    """A link to the band that passed variant A with the suite's key."""
    client = band.connect()
    huami = HuamiClient(client)
    huami.enable_notifications()
    huami.authenticate(target.auth_key)
    yield client
    close_link(band, client)


def close_link(band, client):
    """Close a fixture's link; unless the test stopped the band or the
    band dropped the link already, the close must be reported."""
    if isinstance(band, RemoteBand):
        band.disconnect(client)
        return
    client.close()
    if band.alive and not band.stopped and band.pending("DISCONNECTED=1") == 0:
        band.wait_status("DISCONNECTED=1")
