"""The catalogues: the scenarios' generated from the scenario files
without importing them, the unit tier's from the cmocka sources without
compiling them; the unit tier's IDs its own; the copies in
docs/conformance.md kept current."""

import difflib
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bandsim.harness.targets import AIR, BLUEZ, L2CAP, Target
from bandsim.tools import catalogue

CONFORMANCE = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scenarios():
    return catalogue.collect()


@pytest.fixture(scope="module")
def unit_cases():
    """As read, unchecked: the checks are the tests'."""
    return catalogue.unit_cases()


@pytest.mark.parametrize("what, start, end, render", [
    ("scenario", catalogue.START, catalogue.END, catalogue.render),
    ("unit-tier", catalogue.UNIT_START, catalogue.UNIT_END,
     catalogue.render_unit),
], ids=["scenarios", "unit"])
def test_doc_catalogue_is_current(what, start, end, render):
    """docs/conformance.md carries exactly what the scenarios and the
    cmocka sources say now."""
    text = catalogue.DOC.read_text(encoding="utf-8")
    have = catalogue.embedded(text, start, end)
    want = render()
    if have != want:
        diff = "".join(list(difflib.unified_diff(
            have.splitlines(True), want.splitlines(True),
            "docs/conformance.md", "generated", n=1))[:60])
        pytest.fail(f"the {what} catalogue in docs/conformance.md is out "
                    f"of date; regenerate it with\n  {catalogue.REGENERATE}"
                    f"\n{diff}", pytrace=False)


def test_every_scenario_is_catalogued(scenarios):
    """One entry per test function in scenarios/, each with an ID of the
    suite's form and a title."""
    import ast

    functions = [(p.name, n.name)
                 for p in sorted(catalogue.SCENARIO_DIR.glob("test_*.py"))
                 for n in ast.parse(p.read_text()).body
                 if isinstance(n, ast.FunctionDef)
                 and n.name.startswith("test_")]
    assert sorted((s.module, s.function) for s in scenarios) == \
        sorted(functions)
    assert len({s.id for s in scenarios}) == len(scenarios)
    for s in scenarios:
        assert s.id == f"MB4/{s.area}/{s.kind}-{s.id[-2:]}", s.id
        assert s.title and "\n" not in s.title, s.id


def test_where_it_runs_agrees_with_the_targets(scenarios):
    """The catalogue's "runs on" and the skips a target applies come
    from the same markers and must say the same."""
    over_bluez = Target(BLUEZ, address="E1:23:45:67:89:AB",
                        band_control="unix:path=/nonexistent")
    real = Target(BLUEZ, adapter="hci0", address="E1:23:45:67:89:AB",
                  interactive=True, allow_firmware=True, central=L2CAP)
    through_bleak = Target(BLUEZ, address="E1:23:45:67:89:AB",
                           interactive=True, allow_firmware=True)
    stand_in = Target(stand_in=True, interactive=True, allow_firmware=True)
    socket = Target()
    for s in scenarios:
        marks = list(s.markers.items())
        on_real = [t for t in s.targets if t.startswith("real band")]
        assert (socket.skip_reason(marks) is None) == \
            ("emulator" in s.targets), s.id
        assert (over_bluez.skip_reason(marks) is None) == \
            ("emulator over BlueZ" in s.targets), s.id
        assert (real.skip_reason(marks) is None) == bool(on_real), s.id
        # The stand-in is on the socket: what needs a radio is not its.
        assert (stand_in.skip_reason(marks) is None) == \
            (bool(on_real) and AIR not in s.markers), s.id
        assert (through_bleak.skip_reason(marks) is None) == \
            (bool(on_real) and "--central l2cap" not in on_real[0]), s.id


def test_catalogue_imports_no_scenario():
    """Rendering parses the files: no scenario module, fixture or D-Bus
    binding is imported, so it runs where the suite cannot."""
    code = ("import sys; from bandsim.tools import catalogue; "
            "catalogue.render(); catalogue.render_unit(); import json; "
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=CONFORMANCE,
                         capture_output=True, text=True, timeout=30,
                         env={"PYTHONPATH": str(CONFORMANCE)}, check=True)
    loaded = json.loads(out.stdout)
    assert not [m for m in loaded if m.startswith("test_")
                or m in ("gi", "pytest", "conftest",
                                         "bandsim.harness.control")]


def _document(scenarios="stale", unit="stale") -> str:
    return (f"# title\n\n{catalogue.START}\n{scenarios}\n{catalogue.END}\n"
            f"middle\n{catalogue.UNIT_START}\n{unit}\n{catalogue.UNIT_END}"
            f"\ntail\n")


def test_check_and_write(tmp_path):
    """--check fails on a stale document and names the command that
    regenerates it; --write makes both catalogues current."""
    doc = tmp_path / "conformance.md"
    doc.write_text(_document())
    assert catalogue.main(["--check", str(doc)]) == 1
    assert catalogue.main(["--write", str(doc)]) == 0
    assert catalogue.main(["--check", str(doc)]) == 0
    text = doc.read_text()
    assert text.startswith("# title\n") and text.endswith(
        f"{catalogue.UNIT_END}\ntail\n")
    assert f"{catalogue.END}\nmiddle\n{catalogue.UNIT_START}" in text
    assert catalogue.embedded(text) == catalogue.render()
    assert catalogue.embedded(text, catalogue.UNIT_START,
                              catalogue.UNIT_END) == catalogue.render_unit()


@pytest.mark.parametrize("stale", ["scenario", "unit"])
def test_stale_message_names_the_command(tmp_path, capsys, stale):
    """Either catalogue alone out of date fails --check, naming it."""
    doc = tmp_path / "conformance.md"
    current = {"scenarios": catalogue.render().rstrip("\n"),
               "unit": catalogue.render_unit().rstrip("\n")}
    current["scenarios" if stale == "scenario" else "unit"] = "stale"
    doc.write_text(_document(**current))
    assert catalogue.main(["--check", str(doc)]) == 1
    err = capsys.readouterr().err
    assert catalogue.REGENERATE in err
    assert f"the {stale} catalogue is out of date" in err


def test_missing_unit_markers_are_an_error(tmp_path, capsys):
    doc = tmp_path / "conformance.md"
    doc.write_text(f"{catalogue.START}\n{catalogue.END}\n")
    assert catalogue.main(["--check", str(doc)]) == 2
    assert catalogue.UNIT_START in capsys.readouterr().err


def test_scenario_without_id_is_refused(tmp_path):
    (tmp_path / "test_x.py").write_text(textwrap.dedent('''
        def test_nameless():
            """checks something"""
    '''))
    with pytest.raises(catalogue.CatalogueError, match="MB4/AREA/BV-nn"):
        catalogue.collect(tmp_path)


def test_markers_and_parameters_are_read(tmp_path):
    (tmp_path / "test_x.py").write_text(textwrap.dedent('''
        """Demo: a module."""
        import pytest

        @pytest.mark.needs_control("AdvanceClock", "Events")
        @pytest.mark.parametrize("mtu, n", [(23, 1)])
        def test_one(band, mtu, n):
            """MB4/DEMO/BV-01: a title that goes on
            over two lines

            The situation.
            """

        @pytest.mark.person("button")
        def test_two(band):
            """MB4/DEMO/BI-01: pressed"""

        @pytest.mark.observes("Clock")
        @pytest.mark.restarts("kill -9", "stop")
        def test_three(band, witness, restart_band):
            """MB4/DEMO/BV-02: restarted"""
    '''))
    one, two, three = catalogue.collect(tmp_path)
    assert (one.id, one.area, one.kind, one.title) == \
        ("MB4/DEMO/BV-01", "DEMO", "BV", "a title that goes on over two lines")
    assert one.body == ["The situation."]
    assert one.markers == {"needs_control": ["AdvanceClock", "Events"]}
    assert one.params == ["mtu", "n"]
    assert one.targets == ["emulator", "emulator over BlueZ"]
    assert two.targets == ["emulator", "emulator over BlueZ",
                           "real band (--interactive)"]
    # A restart is kill -9 on the emulator, the phone's reboot on any
    # other band: it narrows no target.
    assert three.markers == {"observes": ["Clock"],
                             "restarts": ["kill -9", "stop"]}
    assert three.targets == ["emulator", "emulator over BlueZ", "real band"]
    text = catalogue.render(directory=tmp_path)
    assert ("a restart of the band (kill -9, stop of an emulator the "
            "suite starts; the phone's reboot, 05 on 00001531, of any "
            "other)") in text
    assert "#### MB4/DEMO/BV-01: a title that goes on over two lines" in text
    assert "### `test_x.py`: Demo: a module" in text


# The unit tier.

def _defined_tests(path: Path) -> set:
    return set(re.findall(r"^(?:static\s+)?void\s+(test_\w+)\s*\(\s*void"
                          r"\s*\*\*", path.read_text(), re.M))


def test_every_unit_case_is_catalogued(unit_cases):
    """One entry per cmocka test function in emulator/tests/test-*.c, in
    the group its file runs; every case named by a string has an ID."""
    paths = sorted(catalogue.UNIT_DIR.glob("test-*.c"))
    assert paths
    for path in paths:
        mine = [c for c in unit_cases if c.file == path.name]
        assert sorted(c.function for c in mine) == \
            sorted(_defined_tests(path)), path.name
        group = re.search(r'cmocka_run_group_tests_name\s*\(\s*"([^"]+)"',
                          path.read_text()).group(1)
        assert {c.group for c in mine} == {group}, path.name
    for c in unit_cases:
        assert (c.id is not None) == c.named, c.where
        assert c.id is None or (c.title and "\n" not in c.title), c.where


def test_unit_ids_are_the_unit_tiers_own(scenarios, unit_cases):
    """No unit ID is used twice, each is of the unit tier's forms, and
    none names a scenario: the band's behaviour is under MB4-UT/, the
    ATT server's under TP/ or ATT/SR/."""
    problems = catalogue.unit_problems(unit_cases, [s.id for s in scenarios])
    assert not problems, "\n".join(problems)
    ids = [c.id for c in unit_cases if c.id]
    assert len(set(ids)) == len(ids)
    assert not set(ids) & {s.id for s in scenarios}
    assert not [i for i in ids if i.startswith("MB4/")]
    for c in unit_cases:
        if c.namespace in ("TP", "ATT/SR"):
            assert c.file == "test-att.c", c.where


UNIT_SOURCE = """// SPDX-License-Identifier: GPL-2.0-or-later
/* A demo: the first sentence.  The second. */
#include "harness.h"

static void test_a(void **state) { (void)state; }

#define T(name, fn) { name, fn, NULL, NULL, NULL }

int main(void)
{
	const struct CMUnitTest tests[] = {
{cases}
	};

	return cmocka_run_group_tests_name("demo", tests, NULL, NULL);
}
"""


def _unit_dir(tmp_path, *cases) -> Path:
    (tmp_path / "test-demo.c").write_text(UNIT_SOURCE.replace(
        "{cases}", "\n".join(f"\t\t{c}," for c in cases)))
    return tmp_path


def test_unit_cases_are_read_from_the_source(tmp_path):
    """The case's name is the first field, whatever the macro, split over
    lines or literals; cmocka_unit_test(fn) is named by fn and has no
    ID; comments are not cases."""
    directory = _unit_dir(
        tmp_path,
        'T("MB4-UT/DEMO/BV-01 a title", test_a)',
        '/* T("MB4-UT/DEMO/BV-09 commented out", test_a), */ '
        'F("MB4-UT/DEMO/BI-01 over "\n\t\t  "two lines", test_b)',
        '{ "TP/GAR/SR/BV-01-C read, with a comma", test_c, NULL, NULL, '
        'NULL }',
        'T("ATT/SR/MTU/BV-01 exchange", test_d)',
        'cmocka_unit_test(test_e)',
        'cmocka_unit_test_setup_teardown(test_f, setup, teardown)')
    cases = catalogue.collect_unit(directory, scenario_ids=[])
    assert [(c.id, c.namespace, c.area, c.kind, c.title, c.function)
            for c in cases] == [
        ("MB4-UT/DEMO/BV-01", "MB4-UT", "DEMO", "BV", "a title", "test_a"),
        ("MB4-UT/DEMO/BI-01", "MB4-UT", "DEMO", "BI", "over two lines",
         "test_b"),
        ("TP/GAR/SR/BV-01-C", "TP", "GAR", "BV", "read, with a comma",
         "test_c"),
        ("ATT/SR/MTU/BV-01", "ATT/SR", "MTU", "BV", "exchange", "test_d"),
        (None, None, None, None, "", "test_e"),
        (None, None, None, None, "", "test_f")]
    assert {c.group for c in cases} == {"demo"}
    text = catalogue.render_unit(cases, directory)
    assert "### `test-demo.c` (`demo`): A demo: the first sentence\n" in text
    assert "| MB4-UT/DEMO/BI-01 | over two lines | `test_b` |" in text
    assert "| — |  | `test_e` |" in text
    assert "| no ID | 2 | — | — |" in text


@pytest.mark.parametrize("cases, problem", [
    (['T("MB4-UT/SYNC/BV-01 one", test_a)',
      'T("MB4-UT/SYNC/BV-01 another", test_b)'],
     "MB4-UT/SYNC/BV-01 used twice: test-demo.c::test_a and "
     "test-demo.c::test_b"),
    (['T("TP/GAR/SR/BV-01-C read", test_a)',
      'T("TP/GAR/SR/BV-01-C read again", test_b)'],
     "TP/GAR/SR/BV-01-C used twice"),
    (['T("MB4/SYNC/BV-02 MTU 247: 60 samples a packet", test_a)'],
     "test-demo.c::test_a: MB4/SYNC/BV-02 is a conformance scenario's ID"),
    (['T("FAULT/BV-01 stuck-syncing", test_a)'],
     "test-demo.c::test_a: 'FAULT/BV-01 stuck-syncing' does not start "
     "with an ID of the unit tier"),
    (['T("MB4-UT/SYNC/BV-1 one digit", test_a)'], "does not start with"),
    (['T("MB4-UT/sync/BV-01 lower case", test_a)'], "does not start with"),
    (['T("MB4-UT/SYNC/BX-01 neither BV nor BI", test_a)'],
     "does not start with"),
    (['T("TP/GAR/SR/BV-01 no -C", test_a)'], "does not start with"),
    (['T("a name without an ID", test_a)'], "does not start with"),
    (['T("MB4-UT/SYNC/BV-01", test_a)'], "MB4-UT/SYNC/BV-01 has no title"),
], ids=["duplicate", "duplicate-sig", "scenario-id", "no-namespace",
        "one-digit", "lower-case", "kind", "sig-without-c", "no-id",
        "no-title"])
def test_bad_unit_ids_are_refused(tmp_path, capsys, cases, problem):
    """The check can fail: a synthetic cmocka source with an ID used
    twice, a malformed one or a scenario's is refused by the catalogue
    and by --check, naming the case."""
    directory = _unit_dir(tmp_path, *cases)
    problems = catalogue.unit_problems(catalogue.unit_cases(directory),
                                       ["MB4/SYNC/BV-02"])
    assert len(problems) == 1 and problem in problems[0], problems
    with pytest.raises(catalogue.CatalogueError, match=re.escape(problem)):
        catalogue.collect_unit(directory, scenario_ids=["MB4/SYNC/BV-02"])
    doc = tmp_path / "conformance.md"
    doc.write_text(_document())
    assert catalogue.main(["--check", str(doc), "--unit-tests",
                           str(directory)]) == 2
    assert problem in capsys.readouterr().err


def test_real_scenario_ids_are_checked_by_default(tmp_path):
    """Without scenario_ids the unit IDs are checked against the real
    scenarios: an old-style unit name is refused."""
    some = catalogue.collect()[0].id
    directory = _unit_dir(tmp_path, f'T("{some} same words", test_a)')
    with pytest.raises(catalogue.CatalogueError,
                       match=f"{re.escape(some)} is a conformance"):
        catalogue.collect_unit(directory)


def test_unreadable_case_is_an_error(tmp_path):
    directory = _unit_dir(tmp_path, 'T(NAME_MACRO, test_a)')
    with pytest.raises(catalogue.CatalogueError, match="not named by a "
                                                       "string"):
        catalogue.collect_unit(directory, scenario_ids=[])


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
