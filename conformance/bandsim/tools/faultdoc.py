"""The fault preset catalogue of docs/faults.md, from `bandsim --list-faults`.

The presets live in the emulator (core/fault.c); the document shows them
as the emulator prints them, so the two cannot drift:

    PYTHONPATH=conformance /usr/bin/python3 -m bandsim.tools.faultdoc --write docs/faults.md
    PYTHONPATH=conformance /usr/bin/python3 -m bandsim.tools.faultdoc --check docs/faults.md
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

START = "<!-- presets:start -->"
END = "<!-- presets:end -->"
REPO = Path(__file__).resolve().parents[3]


# One source as --list-faults prints it: "LABEL <URL>".
SOURCE = re.compile(r"^(?P<label>.+?) <(?P<url>https://[^>\s]+)>$")


def presets(binary=None):
    """(name, spec, what it reproduces, sources) for each preset, in the
    band's order."""
    binary = binary or os.environ.get("BANDSIM", REPO / "build" / "emulator" / "bandsim")
    out = subprocess.run([str(binary), "--list-faults"], check=True, timeout=10,
                         capture_output=True, text=True).stdout
    return [tuple(line.split("\t", 3)) for line in out.splitlines() if line]


def sources(text: str) -> list:
    """[(label, url)] of a preset's sources; ValueError for one that is
    not "LABEL <https://...>"."""
    found = []
    for entry in text.split("; "):
        match = SOURCE.match(entry.strip())
        if not match:
            raise ValueError(f"source {entry!r} is not 'LABEL <https://...>'")
        found.append((match["label"], match["url"]))
    return found


def render(rows) -> str:
    lines = ["| preset | fault line | reproduces | reported in |",
             "|---|---|---|---|"]
    for name, spec, why, cited in rows:
        links = ", ".join(f"[{label}]({url})" for label, url in sources(cited))
        lines.append(f"| `{name}` | `{spec}` | {why} | {links} |")
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
