"""The scenario catalogue, generated from the scenarios themselves.

Every scenario's stable ID, title and situation come from its docstring,
and where it can run from its markers (bandsim/harness/targets.py).  The
scenario files are parsed with ast, never imported, so this needs no
emulator, no D-Bus and none of the suite's fixtures.
docs/conformance.md carries the rendered catalogue between
``<!-- catalogue:start -->`` and ``<!-- catalogue:end -->``; a self-test
fails when the two differ.

    python3 -m bandsim.tools.catalogue              # print it
    python3 -m bandsim.tools.catalogue --write DOC  # put it into DOC
    python3 -m bandsim.tools.catalogue --check DOC  # exit 1 if DOC is stale
"""

import argparse
import ast
import functools
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..harness.targets import (EMULATOR_PROCESS, NEEDS_CONTROL, PERSON,
                               SOCKET_ONLY)

CONFORMANCE = Path(__file__).resolve().parents[2]
SCENARIO_DIR = CONFORMANCE / "scenarios"
DOC = CONFORMANCE.parent / "docs" / "conformance.md"
START = "<!-- catalogue:start -->"
END = "<!-- catalogue:end -->"
ID = re.compile(r"^(MB4/([A-Z]+)/B([VI])-\d{2}): (.+)$", re.S)
# The order a reader meets the scenarios in: the link, then pairing, the
# control plane, sync, power, updates; other files after, by name.
MODULE_ORDER = ("test_gatt.py", "test_pairing.py", "test_control_plane.py",
                "test_sync.py", "test_sync_life.py", "test_sync_power.py",
                "test_battery.py", "test_firmware.py")
REGENERATE = ("PYTHONPATH=conformance /usr/bin/python3 -m "
              "bandsim.tools.catalogue --write docs/conformance.md")


class CatalogueError(Exception):
    """A scenario without a well-formed ID, or one used twice."""


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
        where = ["emulator"]
        if SOCKET_ONLY in self.markers or EMULATOR_PROCESS in self.markers:
            return where
        where.append("emulator over BlueZ")
        if NEEDS_CONTROL in self.markers:
            return where
        where.append("real band (--interactive)" if PERSON in self.markers
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


def scenarios_of(path: Path) -> list:
    tree = _tree(path)
    named = _named_marks(tree)
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
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Name):
                decorator = named.get(decorator.id, decorator)
            name, args = _mark(decorator)
            if name == "parametrize":
                params += [a.strip() for a in str(args[0]).split(",")]
            elif name in (NEEDS_CONTROL, PERSON, EMULATOR_PROCESS,
                          SOCKET_ONLY):
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


def _needs(s: Scenario) -> str:
    parts = []
    if SOCKET_ONLY in s.markers:
        parts.append("the socket transport (" +
                     "; ".join(s.markers[SOCKET_ONLY]) + ")")
    if EMULATOR_PROCESS in s.markers:
        parts.append("an emulator the suite starts (" +
                     "; ".join(s.markers[EMULATOR_PROCESS]) + ")")
    if NEEDS_CONTROL in s.markers:
        what = ", ".join(s.markers[NEEDS_CONTROL])
        parts.append("the control plane" + (f" ({what})" if what else ""))
    if PERSON in s.markers:
        parts.append("a hand at the band (" +
                     ", ".join(s.markers[PERSON]) + ")")
    return "; ".join(parts)


def render(scenarios=None, directory: Path = SCENARIO_DIR) -> str:
    """The catalogue as markdown (what goes between the markers)."""
    if scenarios is None:
        scenarios = collect(directory)
    out = [f"{len(scenarios)} scenarios.  Where each runs follows from "
           f"its markers: *emulator* is `--target emu`; *emulator over "
           f"BlueZ* is `--target bluez` with `--band-control`; *real band* "
           f"is `--target bluez` alone.", ""]
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


def splice(document: str, catalogue: str) -> str:
    """document with the text between the markers replaced."""
    start = document.find(START)
    end = document.find(END)
    if start < 0 or end < start:
        raise CatalogueError(f"no {START} ... {END} in the document")
    return (document[:start + len(START)] + "\n\n" + catalogue + "\n"
            + document[end:])


def embedded(document: str) -> str:
    """The catalogue as it stands between the markers."""
    start = document.find(START)
    end = document.find(END)
    if start < 0 or end < start:
        raise CatalogueError(f"no {START} ... {END} in the document")
    return document[start + len(START):end].strip("\n") + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m bandsim.tools.catalogue",
        description="the conformance scenario catalogue, from the "
                    "scenarios' IDs, docstrings and markers")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", metavar="DOC", type=Path,
                       help="replace the catalogue between the markers "
                            "in DOC")
    group.add_argument("--check", metavar="DOC", type=Path,
                       help="exit 1 when DOC's catalogue is out of date")
    parser.add_argument("--scenarios", metavar="DIR", type=Path,
                        default=SCENARIO_DIR)
    args = parser.parse_args(argv)
    try:
        catalogue = render(directory=args.scenarios)
        if args.write:
            text = args.write.read_text(encoding="utf-8")
            args.write.write_text(splice(text, catalogue), encoding="utf-8")
        elif args.check:
            if embedded(args.check.read_text(encoding="utf-8")) != catalogue:
                print(f"{args.check}: the scenario catalogue is out of date; "
                      f"regenerate it with\n  {REGENERATE}", file=sys.stderr)
                return 1
        else:
            sys.stdout.write(catalogue)
    except (CatalogueError, OSError, SyntaxError) as exc:
        print(f"bandsim.tools.catalogue: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
