"""``python3 -m bandsim.with_band``: run an unmodified bleak program
against emulated bands.

    python3 -m bandsim.with_band --band /tmp/band.sock -- app.py ARGS...
    python3 -m bandsim.with_band --dir /tmp/shelf -- -m mypkg.sync ARGS...

Makes bandsim's bleak backend (bandsim.bleak) bleak's default in this
process, then runs the program as ``python3 app.py ARGS`` would (runpy,
with sys.argv and sys.path[0] set as Python sets them).  What the
backend does and does not do: docs/bleak.md.
"""

import argparse
import os
import runpy
import stat
import sys

from .bleak import config, install
from .bleak.bonds import ENV_BOND_DIR

EPILOG = """\
examples:
  bandsim --socket /tmp/band.sock --auth-key $KEY &
  python3 -m bandsim.with_band --band /tmp/band.sock -- app.py --key $KEY
  bandsim fleet --count 3 --dir /tmp/shelf &
  python3 -m bandsim.with_band --dir /tmp/shelf -- scan.py

Without --band or --dir: $BANDSIM_BAND or $BANDSIM_BAND_DIR, else
bandsim's default socket.  With one --band, an address no band has
still reaches that band (an app written for one band's MAC runs as is).
"""


class UsageError(Exception):
    pass


def parse(argv):
    if "--" in argv:
        cut = argv.index("--")
        ours, program = argv[:cut], argv[cut + 1:]
    else:
        ours, program = [], argv
        # Options before the first word that is not one of ours.
        i = 0
        while i < len(argv) and argv[i].startswith("-") and argv[i] != "-m":
            i += 1 if argv[i] in ("-h", "--help") or "=" in argv[i] else 2
        ours, program = argv[:i], argv[i:]
    parser = argparse.ArgumentParser(
        prog="python3 -m bandsim.with_band",
        usage="%(prog)s [--band SOCK | --dir DIR] [--control-address ADDR]"
              " [--bond-dir DIR] -- (PROGRAM.py | -m MODULE) [ARGS...]",
        description="Run an unmodified bleak program with bandsim's "
                    "backend as bleak's default: it finds and talks to "
                    "emulated bands on their sockets, with no adapter.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--band", metavar="SOCK", action="append",
                       help="a band's socket (bandsim --socket); repeat "
                            "for several")
    where.add_argument("--dir", metavar="DIR",
                       help="every band socket in DIR (bandsim fleet --dir)")
    parser.add_argument("--control-address", metavar="ADDR",
                        help="the private D-Bus bus of the bands' control "
                             "planes (default: the session bus), where "
                             "a scan reads their advertising data")
    parser.add_argument("--bond-dir", metavar="DIR",
                        help="where the program's pair() keeps its bonds "
                             "(default: $BANDSIM_BOND_DIR, else "
                             "~/.local/state/bandsim/bonds; docs/bleak.md)")
    args = parser.parse_args(ours)
    if not program:
        parser.error("no program to run: give it after --, e.g. "
                     "`-- app.py` or `-- -m package.module`")
    return args, program


def check(args) -> None:
    for path in args.band or []:
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            raise UsageError(f"--band {path}: no such socket; start a band "
                             f"there with `bandsim --socket {path}`")
        if not stat.S_ISSOCK(mode):
            raise UsageError(f"--band {path}: not a socket; give the path "
                             f"bandsim --socket was given")
    if args.dir is not None and not os.path.isdir(args.dir):
        raise UsageError(f"--dir {args.dir}: no such directory; give the "
                         f"directory of `bandsim fleet --dir DIR`")


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    args, program = parse(argv)
    try:
        check(args)
    except UsageError as exc:
        sys.exit(f"python3 -m bandsim.with_band: {exc}")
    if args.band:
        os.environ[config.ENV_BAND] = ":".join(
            os.path.abspath(p) for p in args.band)
        os.environ.pop(config.ENV_DIR, None)
    elif args.dir:
        os.environ[config.ENV_DIR] = os.path.abspath(args.dir)
        os.environ.pop(config.ENV_BAND, None)
    if args.control_address:
        os.environ[config.ENV_CONTROL] = args.control_address
    if args.bond_dir:
        os.environ[ENV_BOND_DIR] = os.path.abspath(args.bond_dir)
    install()
    if program[0] == "-m":
        if len(program) < 2:
            sys.exit("python3 -m bandsim.with_band: -m needs a module name")
        sys.argv = [program[1]] + program[2:]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(program[1], run_name="__main__", alter_sys=True)
        return
    script = program[0]
    if not os.path.isfile(script):
        sys.exit(f"python3 -m bandsim.with_band: {script}: no such file; "
                 f"give the bleak program to run after --")
    sys.argv = list(program)
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
