#!/usr/bin/env python3
"""meson install's step for the Python package: copies bandsim/ (its .py
files, no caches) and the pytest plugin bandsim_pytest.py into the site-packages directory meson's python module
names for /usr/bin/python3, and writes the package's dist-info there, so
that an installed bandsim needs no PYTHONPATH and pytest finds its plugin
(entry point pytest11, as conformance/pyproject.toml declares it).

    install-package.py SOURCE_DIR SITE_PACKAGES VERSION

DESTDIR is honoured as meson sets it.
"""

import os
import shutil
import sys
from pathlib import Path

METADATA = """Metadata-Version: 2.1
Name: bandsim
Version: {version}
Summary: Clients, harness, oracles and a pytest plugin for the bandsim Mi Band 4 emulator
License: GPL-2.0-or-later
Requires-Python: >=3.11
"""
ENTRY_POINTS = """[pytest11]
bandsim_pytest = bandsim_pytest
"""


def on_path(site: str) -> str:
    """site, or the directory beside it that this Python (the one that
    will import the package) searches: Debian's python3 reads
    /usr/lib/python3/dist-packages, but under /usr/local only
    /usr/local/lib/python3.X/dist-packages, which meson does not name."""
    if os.path.normpath(site) in map(os.path.normpath, sys.path):
        return site
    lib = Path(site).parent.parent       # <prefix>/lib
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for candidate in (lib / version / "dist-packages",
                      lib / version / "site-packages"):
        if str(candidate) in sys.path:
            return str(candidate)
    return site


def main(source: str, site: str, version: str) -> int:
    site = on_path(site)
    destdir = os.environ.get("DESTDIR", "")
    target = Path(destdir + site) if destdir else Path(site)
    package = Path(source) / "bandsim"
    files = sorted(p for p in package.rglob("*.py")
                   if "__pycache__" not in p.parts)
    files.append(Path(source) / "bandsim_pytest.py")   # the pytest plugin
    installed = []
    for path in files:
        rel = path.relative_to(source)
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out)
        installed.append(rel.as_posix())
    info = target / f"bandsim-{version}.dist-info"
    if info.exists():
        shutil.rmtree(info)
    info.mkdir(parents=True)
    (info / "METADATA").write_text(METADATA.format(version=version),
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    (info / "INSTALLER").write_text("meson\n", encoding="utf-8")
    record = installed + [f"{info.name}/{n}" for n in
                          ("METADATA", "entry_points.txt", "INSTALLER",
                           "RECORD")]
    (info / "RECORD").write_text("".join(f"{r},,\n" for r in record),
                                 encoding="utf-8")
    print(f"installed bandsim ({len(files)} modules) into {site}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
