"""The catalogues of both test tiers, generated from the tests themselves.

The conformance scenarios (conformance/scenarios/): every scenario's
stable ID, title and situation come from its docstring, and where it can
run from its markers (bandsim/harness/targets.py).  The scenario files
are parsed with ast, never imported, so this needs no emulator, no D-Bus
and none of the suite's fixtures.

The unit tier (the cmocka cases in emulator/tests/test-*.c): every case's
ID and title come from the name in its file's CMUnitTest table, read from
the C source without compiling it.  Each tier has its own IDs
(docs/conformance.md, "IDs"): a unit ID used twice, not of the unit
tier's forms, or naming a scenario is refused.

docs/conformance.md carries the rendered catalogues between
``<!-- catalogue:start -->`` and ``<!-- catalogue:end -->`` (scenarios)
and ``<!-- unit-catalogue:start -->`` and ``<!-- unit-catalogue:end -->``
(unit cases); a self-test fails when either differs.

    python3 -m bandsim.tools.catalogue              # print both
    python3 -m bandsim.tools.catalogue --write DOC  # put both into DOC
    python3 -m bandsim.tools.catalogue --check DOC  # exit 1 if either is stale
"""

import argparse
import ast
import functools
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..harness.targets import (AIR, EMULATOR_PROCESS, NEEDS_CONTROL,
                               OBSERVES, PERSON, RAW_ATT, RESTARTS,
                               SAFE_UPLOADS, SOCKET_ONLY, UPLOADS)

CONFORMANCE = Path(__file__).resolve().parents[2]
SCENARIO_DIR = CONFORMANCE / "scenarios"
UNIT_DIR = CONFORMANCE.parent / "emulator" / "tests"
DOC = CONFORMANCE.parent / "docs" / "conformance.md"
START = "<!-- catalogue:start -->"
END = "<!-- catalogue:end -->"
UNIT_START = "<!-- unit-catalogue:start -->"
UNIT_END = "<!-- unit-catalogue:end -->"
ID = re.compile(r"^(MB4/([A-Z]+)/B([VI])-\d{2}): (.+)$", re.S)
# The unit tier's IDs, each a namespace of its own (group: area, kind):
# the band's behaviour; a GATT test specification test purpose; the ATT
# server's own cases in the same style.
UNIT_IDS = (re.compile(r"(MB4-UT)/([A-Z]+)/(B[VI])-\d{2}"),
            re.compile(r"(TP)/([A-Z]{3})/SR/(B[VI])-\d{2}-C"),
            re.compile(r"(ATT/SR)/(?:([A-Z]+)/)?(B[VI])-\d{2}"))
UNIT_ID_FORMS = "MB4-UT/AREA/BV-nn, TP/GRP/SR/BV-nn-C or ATT/SR/[AREA/]BV-nn"
# The order a reader meets the scenarios in: the link, then pairing, the
# control plane, sync, power, updates; other files after, by name.
MODULE_ORDER = ("test_gatt.py", "test_pairing.py", "test_control_plane.py",
                "test_sync.py", "test_sync_life.py", "test_sync_power.py",
                "test_battery.py", "test_firmware.py")
REGENERATE = ("PYTHONPATH=conformance /usr/bin/python3 -m "
              "bandsim.tools.catalogue --write docs/conformance.md")


class CatalogueError(Exception):
    """A scenario or unit case without a well-formed ID, one used twice,
    or a unit case's ID that names a scenario."""


@dataclass
class Scenario:
    id: str
    area: str
    kind: str                   # "BV" valid behaviour, "BI" invalid input
    title: str
    body: list                  # paragraphs
    module: str
    function: str
    markers: dict = field(default_factory=dict)    # name -> [args]
    params: list = field(default_factory=list)     # parametrize argnames

    @property
    def targets(self) -> list:
        """Where the scenario runs: the emulator always; an emulator
        over BlueZ and a real band when its markers allow."""
        # On the air only: an emulator on an adapter (--emu-bluez) or a
        # band at an address, never the socket.
        where = (["emulator on an adapter (--emu-bluez)"]
                 if AIR in self.markers else ["emulator"])
        if SOCKET_ONLY in self.markers or EMULATOR_PROCESS in self.markers:
            return where
        flags = []
        if RAW_ATT in self.markers:
            # Raw ATT crosses the air on the central's L2CAP socket, to
            # an emulator (--emu-central) or a band at --address
            # (--central), never through bleak.
            where.append("emulator over the air (raw ATT central)")
            flags.append("--central l2cap")
        else:
            where.append("emulator over BlueZ")
        if NEEDS_CONTROL in self.markers:
            return where
        if PERSON in self.markers:
            flags.append("--interactive")
        if any(k not in SAFE_UPLOADS for k in self.markers.get(UPLOADS, ())):
            flags.append("--allow-firmware")
        where.append(f"real band ({', '.join(flags)})" if flags
                     else "real band")
        return where


def _paragraphs(text: str) -> list:
    return [" ".join(line.strip() for line in p.splitlines())
            for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def _mark(decorator):
    """(name, args) of @pytest.mark.NAME(...) or @pytest.mark.NAME."""
    call = decorator if isinstance(decorator, ast.Call) else None
    target = call.func if call else decorator
    if not (isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Attribute)
            and target.value.attr == "mark"):
        return None, None
    args = []
    for arg in (call.args if call else []):
        try:
            args.append(ast.literal_eval(arg))
        except ValueError:
            args.append(ast.unparse(arg))
    return target.attr, args


@functools.lru_cache(maxsize=64)
def _parsed(path: str, _mtime_ns: int) -> ast.Module:
    return ast.parse(Path(path).read_text(encoding="utf-8"), path)


def _tree(path: Path) -> ast.Module:
    """The file's syntax tree, parsed once per version of the file."""
    return _parsed(str(path), path.stat().st_mtime_ns)


def _named_marks(tree: ast.Module) -> dict:
    """Module-level names bound to a mark (FRESH = pytest.mark.x(...)),
    so ``@FRESH`` reads as the mark it names."""
    named = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name) \
                and _mark(node.value)[0] is not None:
            named[node.targets[0].id] = node.value
    return named


def _module_marks(tree: ast.Module) -> list:
    """The marks of ``pytestmark = [...]`` (or one mark): pytest puts them
    on every test of the module."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id == "pytestmark":
            value = node.value
            return list(value.elts) if isinstance(value, (ast.List,
                                                          ast.Tuple)) \
                else [value]
    return []


def scenarios_of(path: Path) -> list:
    tree = _tree(path)
    named = _named_marks(tree)
    module_marks = _module_marks(tree)
    found = []
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef)
                and node.name.startswith("test_")):
            continue
        doc = ast.get_docstring(node) or ""
        paragraphs = _paragraphs(doc)
        match = ID.match(paragraphs[0]) if paragraphs else None
        if match is None:
            raise CatalogueError(f"{path.name}::{node.name}: docstring must "
                                 f"start 'MB4/AREA/BV-nn: ...'")
        markers, params = {}, []
        for decorator in module_marks + node.decorator_list:
            if isinstance(decorator, ast.Name):
                decorator = named.get(decorator.id, decorator)
            name, args = _mark(decorator)
            if name == "parametrize":
                params += [a.strip() for a in str(args[0]).split(",")]
            elif name in (NEEDS_CONTROL, OBSERVES, PERSON, UPLOADS,
                          EMULATOR_PROCESS, SOCKET_ONLY, RAW_ATT, RESTARTS,
                          AIR):
                markers.setdefault(name, []).extend(args)
        found.append(Scenario(match.group(1), match.group(2),
                              "B" + match.group(3), match.group(4),
                              paragraphs[1:], path.name, node.name,
                              markers, params))
    return found


def collect(directory: Path = SCENARIO_DIR) -> list:
    """Every scenario, module by module (MODULE_ORDER), each in source
    order; IDs checked to be unique."""
    scenarios = []
    paths = sorted(Path(directory).glob("test_*.py"),
                   key=lambda p: (MODULE_ORDER.index(p.name)
                                  if p.name in MODULE_ORDER
                                  else len(MODULE_ORDER), p.name))
    for path in paths:
        scenarios += scenarios_of(path)
    seen = {}
    for s in scenarios:
        other = seen.setdefault(s.id, s)
        if other is not s:
            raise CatalogueError(f"{s.id} used twice: {other.module}::"
                                 f"{other.function} and {s.module}::"
                                 f"{s.function}")
    return scenarios


def _module_title(directory: Path, module: str) -> str:
    doc = ast.get_docstring(_tree(Path(directory) / module)) or ""
    first = _paragraphs(doc)[0] if doc.strip() else module
    return first.rstrip(".")


# What each marker needs, in words, and how its arguments are joined.
_NEEDS = (
    (SOCKET_ONLY, "the socket transport", "; "),
    (AIR, "a radio", "; "),
    (RAW_ATT, "a raw ATT link", "; "),
    (EMULATOR_PROCESS, "an emulator the suite starts", "; "),
    (NEEDS_CONTROL, "the control plane", ", "),
    (OBSERVES, "the control plane to watch, where there is one", ", "),
    (PERSON, "a hand at the band", ", "),
    (UPLOADS, "uploads to the band", ", "),
    # Runs everywhere: how the band restarts depends on the target.
    (RESTARTS, "a restart of the band ({} of an emulator the suite "
               "starts; the phone's reboot, 05 on 00001531, of any other)",
     ", "),
)


def _needs(s: Scenario) -> str:
    parts = []
    for marker, words, sep in _NEEDS:
        if marker in s.markers:
            what = sep.join(str(a) for a in s.markers[marker])
            if "{}" in words:
                parts.append(words.format(what or "a restart"))
            else:
                parts.append(words + (f" ({what})" if what else ""))
    return "; ".join(parts)


def render(scenarios=None, directory: Path = SCENARIO_DIR) -> str:
    """The catalogue as markdown (what goes between the markers)."""
    if scenarios is None:
        scenarios = collect(directory)
    out = [f"{len(scenarios)} scenarios.  Where each runs follows from "
           f"its markers: *emulator* is `--target emu`; *emulator over "
           f"BlueZ* is `--target bluez` with `--band-control`; *real band* "
           f"is `--target bluez` alone (with `--central l2cap` for the "
           f"raw ATT ones).", ""]
    areas = {}
    for s in scenarios:
        areas.setdefault(s.area, []).append(s)
    out += ["| area | scenarios | BV | BI | over BlueZ | on a real band |",
            "|---|---|---|---|---|---|"]
    for area, group in areas.items():
        bluez = sum("emulator over BlueZ" in s.targets for s in group)
        real = sum(any(t.startswith("real band") for t in s.targets)
                   for s in group)
        out.append(f"| {area} | {len(group)} | "
                   f"{sum(s.kind == 'BV' for s in group)} | "
                   f"{sum(s.kind == 'BI' for s in group)} | {bluez} | "
                   f"{real} |")
    module = None
    for s in scenarios:
        if s.module != module:
            module = s.module
            out += ["", f"### `{module}`: {_module_title(directory, module)}"]
        out += ["", f"#### {s.id}: {s.title}", ""]
        for paragraph in s.body:
            out += [paragraph, ""]
        meta = f"Runs on: {', '.join(s.targets)}."
        needs = _needs(s)
        if needs:
            meta += f"  Needs: {needs}."
        meta += f"  `{s.module}::{s.function}`"
        if s.params:
            meta += f", parametrized by {', '.join(s.params)}"
        out.append(meta + ".")
    return "\n".join(out).rstrip() + "\n"


# The unit tier: the cmocka cases, read from their C source.

@dataclass
class UnitCase:
    name: str                   # the name cmocka prints
    file: str                   # test-att.c
    group: str                  # the cmocka group, the meson test's name
    function: str
    named: bool                 # named by a string, not by its function
    id: str = None              # None: no ID (or a malformed one)
    namespace: str = None       # "MB4-UT", "TP" or "ATT/SR"
    area: str = None            # SYNC; GAD; MTU or None for ATT/SR
    kind: str = None            # "BV" valid behaviour, "BI" invalid input
    title: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}::{self.function}"

    @property
    def family(self) -> str:
        """The row of the summary table the case counts in."""
        if self.namespace == "MB4-UT":
            return f"MB4-UT/{self.area}"
        if self.namespace == "TP":
            return f"TP/{self.area}/SR"
        return self.namespace or "no ID"


_C_TOKENS = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\''
                       r'|//[^\n]*|/\*.*?\*/', re.S)
_C_ESCAPES = {"n": "\n", "t": "\t"}


def _without_comments(source: str) -> str:
    """The C source with its comments blanked out, strings kept."""
    return _C_TOKENS.sub(lambda m: m.group(0) if m.group(0)[0] in "\"'"
                         else " ", source)


def _split(text: str) -> list:
    """text split at its top-level commas, up to the bracket that closes
    the level it starts in (or the end)."""
    parts, depth, begin, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in "\"'":
            i = _C_TOKENS.match(text, i).end()
            continue
        if c in "({[":
            depth += 1
        elif c in ")}]":
            if depth == 0:
                break
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[begin:i].strip())
            begin = i + 1
        i += 1
    parts.append(text[begin:i].strip())
    return [p for p in parts if p]


def _string(expression: str):
    """The value of one or more adjacent C string literals, else None."""
    literals = re.fullmatch(r'(?:\s*"(?:\\.|[^"\\\n])*")+\s*', expression)
    if literals is None:
        return None
    return "".join(re.sub(r"\\(.)", lambda m: _C_ESCAPES.get(m.group(1),
                                                             m.group(1)),
                          lit[1:-1])
                   for lit in re.findall(r'"(?:\\.|[^"\\\n])*"', expression))


def _unit_id(case: UnitCase) -> UnitCase:
    """case with its ID, namespace, area, kind and title, when its name
    starts with an ID of one of the unit tier's forms."""
    first, _, rest = case.name.partition(" ")
    for form in UNIT_IDS:
        match = form.fullmatch(first)
        if match:
            case.id, case.title = first, rest.strip()
            case.namespace, case.area, case.kind = match.groups()
            break
    return case


def unit_cases_of(path: Path) -> list:
    """The cases of every CMUnitTest table in one cmocka source, in
    order.  A case is T("ID title", fn, ...) or any other macro or
    initializer whose first field is the name, or cmocka_unit_test(fn)
    and its kin, which cmocka names by the function."""
    source = _without_comments(Path(path).read_text(encoding="utf-8"))
    groups = dict((table, name) for name, table in re.findall(
        r'cmocka_run_group_tests_name\s*\(\s*"([^"]*)"\s*,\s*(\w+)', source))
    found = []
    for table in re.finditer(
            r"struct\s+CMUnitTest\s+(\w+)\s*\[[^\]]*\]\s*=\s*\{", source):
        for entry in _split(source[table.end():]):
            call = re.fullmatch(r"(\w+)\s*\((.*)\)", entry, re.S)
            if call:
                macro, fields = call.group(1), _split(call.group(2))
            elif entry.startswith("{") and entry.endswith("}"):
                macro, fields = None, _split(entry[1:-1])
            else:
                raise CatalogueError(f"{Path(path).name}: cannot read the "
                                     f"case {entry!r}")
            group = groups.get(table.group(1), table.group(1))
            if macro and macro.startswith("cmocka_unit_test"):
                found.append(UnitCase(fields[0], Path(path).name, group,
                                      fields[0], False))
                continue
            name = _string(fields[0]) if fields else None
            if name is None:
                raise CatalogueError(f"{Path(path).name}: the case "
                                     f"{entry!r} is not named by a string")
            function = fields[1] if len(fields) > 1 else "?"
            found.append(_unit_id(UnitCase(" ".join(name.split()),
                                           Path(path).name, group,
                                           function, True)))
    return found


def unit_problems(cases: list, scenario_ids) -> list:
    """What is wrong with the unit tier's IDs: a case named by a string
    whose ID is a scenario's, or is not of the unit tier's forms, and an
    ID two cases carry."""
    problems, seen = [], {}
    scenario_ids = set(scenario_ids)
    for case in cases:
        if not case.named:
            continue
        first = case.name.split(" ", 1)[0]
        if first in scenario_ids:
            problems.append(f"{case.where}: {first} is a conformance "
                            f"scenario's ID; a unit case needs its own "
                            f"({UNIT_ID_FORMS})")
        elif case.id is None:
            problems.append(f"{case.where}: {case.name!r} does not start "
                            f"with an ID of the unit tier "
                            f"({UNIT_ID_FORMS}) and a title")
        elif not case.title:
            problems.append(f"{case.where}: {case.id} has no title")
        if case.id is None:
            continue
        other = seen.setdefault(case.id, case)
        if other is not case:
            problems.append(f"{case.id} used twice: {other.where} and "
                            f"{case.where}")
    return problems


def unit_cases(directory: Path = UNIT_DIR) -> list:
    """Every cmocka case, file by file (by name), each in table order;
    the IDs not checked."""
    cases = []
    for path in sorted(Path(directory).glob("test-*.c")):
        cases += unit_cases_of(path)
    return cases


def collect_unit(directory: Path = UNIT_DIR, scenario_ids=None) -> list:
    """unit_cases(), their IDs checked against each other and against
    the scenarios' (those of collect() when not given)."""
    cases = unit_cases(directory)
    if scenario_ids is None:
        scenario_ids = [s.id for s in collect()]
    problems = unit_problems(cases, scenario_ids)
    if problems:
        raise CatalogueError("; ".join(problems))
    return cases


def _file_title(directory: Path, name: str) -> str:
    """The first sentence of the file's first comment."""
    text = (Path(directory) / name).read_text(encoding="utf-8")
    comment = re.search(r"/\*(.*?)\*/", text, re.S)
    if comment is None:
        return name
    words = " ".join(line.strip().lstrip("*").strip()
                     for line in comment.group(1).splitlines()).strip()
    return re.split(r"(?<=\.)\s+(?=[A-Z(])", words, maxsplit=1)[0] \
        .rstrip(".")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_unit(cases=None, directory: Path = UNIT_DIR,
                scenario_ids=None) -> str:
    """The unit tier's catalogue as markdown (what goes between the unit
    markers)."""
    if cases is None:
        cases = collect_unit(directory, scenario_ids)
    with_id = [c for c in cases if c.id]
    files = []
    for c in cases:
        if c.file not in files:
            files.append(c.file)
    out = [f"{len(cases)} cases in {len(files)} files "
           f"(`meson test --suite unit`), {len(with_id)} with an ID; the "
           f"others cmocka names by their function.", ""]
    families = {}
    order = ("MB4-UT", "TP", "ATT/SR", None)
    for c in sorted(cases, key=lambda c: order.index(c.namespace)):
        families.setdefault(c.family, []).append(c)
    out += ["| IDs | cases | BV | BI |", "|---|---|---|---|"]
    for family, group in families.items():
        kinds = [sum(c.kind == kind for c in group) for kind in ("BV", "BI")]
        if group[0].id is None:
            kinds = ["—", "—"]
        out.append(f"| {family} | {len(group)} | {kinds[0]} | {kinds[1]} |")
    for name in files:
        group = [c for c in cases if c.file == name]
        out += ["", f"### `{name}` (`{group[0].group}`): "
                    f"{_file_title(directory, name)}", "",
                "| ID | case | function |", "|---|---|---|"]
        for c in group:
            out.append(f"| {c.id or '—'} | {_cell(c.title)} | "
                       f"`{c.function}` |")
    return "\n".join(out).rstrip() + "\n"


def _between(document: str, start_mark: str, end_mark: str) -> tuple:
    start = document.find(start_mark)
    end = document.find(end_mark)
    if start < 0 or end < start:
        raise CatalogueError(f"no {start_mark} ... {end_mark} in the "
                             f"document")
    return start + len(start_mark), end


def splice(document: str, catalogue: str, start_mark: str = START,
           end_mark: str = END) -> str:
    """document with the text between the markers replaced."""
    start, end = _between(document, start_mark, end_mark)
    return document[:start] + "\n\n" + catalogue + "\n" + document[end:]


def embedded(document: str, start_mark: str = START,
             end_mark: str = END) -> str:
    """The catalogue as it stands between the markers."""
    start, end = _between(document, start_mark, end_mark)
    return document[start:end].strip("\n") + "\n"


def _sections(scenario_dir: Path, unit_dir: Path) -> list:
    """(what, start marker, end marker, text) of both catalogues."""
    scenarios = collect(scenario_dir)
    return [("scenario", START, END, render(scenarios, scenario_dir)),
            ("unit", UNIT_START, UNIT_END,
             render_unit(directory=unit_dir,
                         scenario_ids=[s.id for s in scenarios]))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m bandsim.tools.catalogue",
        description="the catalogues of the conformance scenarios (from "
                    "their IDs, docstrings and markers) and of the unit "
                    "tier's cmocka cases (from their names)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", metavar="DOC", type=Path,
                       help="replace both catalogues between their "
                            "markers in DOC")
    group.add_argument("--check", metavar="DOC", type=Path,
                       help="exit 1 when either catalogue in DOC is out "
                            "of date")
    parser.add_argument("--scenarios", metavar="DIR", type=Path,
                        default=SCENARIO_DIR)
    parser.add_argument("--unit-tests", metavar="DIR", type=Path,
                        default=UNIT_DIR,
                        help="where the cmocka sources test-*.c are")
    args = parser.parse_args(argv)
    try:
        sections = _sections(args.scenarios, args.unit_tests)
        if args.write:
            text = args.write.read_text(encoding="utf-8")
            for _, start, end, catalogue in sections:
                text = splice(text, catalogue, start, end)
            args.write.write_text(text, encoding="utf-8")
        elif args.check:
            text = args.check.read_text(encoding="utf-8")
            stale = [what for what, start, end, catalogue in sections
                     if embedded(text, start, end) != catalogue]
            if stale:
                print(f"{args.check}: the "
                      f"{' and the '.join(w + ' catalogue' for w in stale)} "
                      f"{'is' if len(stale) == 1 else 'are'} out of date; "
                      f"regenerate with\n  {REGENERATE}", file=sys.stderr)
                return 1
        else:
            sys.stdout.write("\n".join(s[3] for s in sections))
    except (CatalogueError, OSError, SyntaxError) as exc:
        print(f"bandsim.tools.catalogue: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
