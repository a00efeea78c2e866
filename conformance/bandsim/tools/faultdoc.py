"""The fault preset catalogue of docs/faults.md, from `bandsim --list-faults`.

The presets live in the emulator (core/fault.c); the document shows them
as the emulator prints them, so the two cannot drift:

    PYTHONPATH=conformance /usr/bin/python3 -m bandsim.tools.faultdoc --write docs/faults.md
    PYTHONPATH=conformance /usr/bin/python3 -m bandsim.tools.faultdoc --check docs/faults.md
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

START = "<!-- presets:start -->"
END = "<!-- presets:end -->"
REPO = Path(__file__).resolve().parents[3]


def presets(binary=None):
    """(name, spec, what it reproduces) for each preset, in the band's order."""
    binary = binary or os.environ.get("BANDSIM", REPO / "build" / "emulator" / "bandsim")
    out = subprocess.run([str(binary), "--list-faults"], check=True, timeout=10,
                         capture_output=True, text=True).stdout
    return [tuple(line.split("\t", 2)) for line in out.splitlines() if line]


def render(rows) -> str:
    lines = ["| preset | fault line | reproduces |", "|---|---|---|"]
    for name, spec, why in rows:
        lines.append(f"| `{name}` | `{spec}` | {why} |")
    return "\n".join(lines)


def splice(doc: str, block: str) -> str:
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{block}\n{END}{tail}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bandsim.tools.faultdoc")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", metavar="DOC")
    group.add_argument("--check", metavar="DOC")
    args = parser.parse_args(argv)
    path = Path(args.write or args.check)
    doc = path.read_text()
    new = splice(doc, render(presets()))
    if args.write:
        path.write_text(new)
        return 0
    if new != doc:
        print(f"{path}: the preset catalogue is out of date; regenerate it with\n"
              f"  PYTHONPATH=conformance /usr/bin/python3 -m bandsim.tools.faultdoc --write {path}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
