"""The scenario catalogue: generated from the scenario files without
importing them, and the copy in docs/conformance.md kept current."""

import difflib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bandsim.harness.targets import BLUEZ, Target
from bandsim.tools import catalogue

CONFORMANCE = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scenarios():
    return catalogue.collect()


def test_doc_catalogue_is_current():
    """docs/conformance.md carries exactly what the scenarios say now."""
    text = catalogue.DOC.read_text(encoding="utf-8")
    have = catalogue.embedded(text)
    want = catalogue.render()
    if have != want:
        diff = "".join(list(difflib.unified_diff(
            have.splitlines(True), want.splitlines(True),
            "docs/conformance.md", "generated", n=1))[:60])
        pytest.fail(f"the scenario catalogue in docs/conformance.md is out "
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
    real = Target(BLUEZ, address="E1:23:45:67:89:AB", interactive=True)
    for s in scenarios:
        marks = list(s.markers.items())
        assert (over_bluez.skip_reason(marks) is None) == \
            ("emulator over BlueZ" in s.targets), s.id
        assert (real.skip_reason(marks) is None) == \
            any(t.startswith("real band") for t in s.targets), s.id


def test_catalogue_imports_no_scenario():
    """Rendering parses the files: no scenario module, fixture or D-Bus
    binding is imported, so it runs where the suite cannot."""
    code = ("import sys; from bandsim.tools import catalogue; "
            "catalogue.render(); import json; "
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=CONFORMANCE,
                         capture_output=True, text=True, timeout=30,
                         env={"PYTHONPATH": str(CONFORMANCE)}, check=True)
    loaded = json.loads(out.stdout)
    assert not [m for m in loaded if m.startswith("test_")
                or m in ("gi", "pytest", "conftest",
                                         "bandsim.harness.control")]


def test_check_and_write(tmp_path):
    """--check fails on a stale document and names the command that
    regenerates it; --write makes it current."""
    doc = tmp_path / "conformance.md"
    doc.write_text(f"# title\n\n{catalogue.START}\nstale\n"
                   f"{catalogue.END}\ntail\n")
    assert catalogue.main(["--check", str(doc)]) == 1
    assert catalogue.main(["--write", str(doc)]) == 0
    assert catalogue.main(["--check", str(doc)]) == 0
    text = doc.read_text()
    assert text.startswith("# title\n") and text.endswith(
        f"{catalogue.END}\ntail\n")
    assert catalogue.embedded(text) == catalogue.render()


def test_stale_message_names_the_command(tmp_path, capsys):
    doc = tmp_path / "conformance.md"
    doc.write_text(f"{catalogue.START}\n{catalogue.END}\n")
    assert catalogue.main(["--check", str(doc)]) == 1
    assert catalogue.REGENERATE in capsys.readouterr().err


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

        @pytest.mark.needs_control("AdvanceClock", "Event")
        @pytest.mark.parametrize("mtu, n", [(23, 1)])
        def test_one(band, mtu, n):
            """MB4/DEMO/BV-01: a title that goes on
            over two lines

            The situation.
            """

        @pytest.mark.person("button")
        def test_two(band):
            """MB4/DEMO/BI-01: pressed"""
    '''))
    one, two = catalogue.collect(tmp_path)
    assert (one.id, one.area, one.kind, one.title) == \
        ("MB4/DEMO/BV-01", "DEMO", "BV", "a title that goes on over two lines")
    assert one.body == ["The situation."]
    assert one.markers == {"needs_control": ["AdvanceClock", "Event"]}
    assert one.params == ["mtu", "n"]
    assert one.targets == ["emulator", "emulator over BlueZ"]
    assert two.targets == ["emulator", "emulator over BlueZ",
                           "real band (--interactive)"]
    text = catalogue.render(directory=tmp_path)
    assert "#### MB4/DEMO/BV-01: a title that goes on over two lines" in text
    assert "### `test_x.py`: Demo: a module" in text
