"""``python3 -m bandsim COMMAND``: a Mi Band 4 from the command line.

    discover  --socket PATH [--auth-key HEX]     GATT table and values
    scan      [--socket PATH | --address MAC] [--adapter hciN]
    pair      TARGET --auth-key HEX [--wait S]
    sync      TARGET --auth-key HEX [--since ISO] [--state FILE]
              [--out FILE] [--no-ack]
    update    FILE TARGET --auth-key HEX [--type KIND]
    watch     TARGET --auth-key HEX [--duration S]
    transcript CAPTURE [-o FILE]                 a capture, normalised
    diff      A B [--strict-timing]              two transcripts compared

TARGET is ``--socket PATH`` (the emulator's socket transport) or
``--address MAC [--adapter hciN]`` (BlueZ through bleak: the emulator
behind an adapter, or a real band).  Results go to stdout, progress and
errors to stderr.  Exit status: 0 done, 1 the band or the link failed
(one line says why: no band, refused auth with the Huami status, a
timeout, ...), 2 a usage error, 130 interrupted.

transcript and diff need no band: they read btsnoop captures and
transcripts (bandsim.tools.transcript, docs/transcripts.md).  diff
exits 0 when A and B agree, 1 when they differ in anything but timing
classes (--strict-timing: those too), 2 when A or B is unreadable;
transcript exits 2 when its CAPTURE is.
"""

import argparse
import functools
import sys

from . import diff, discover, pair, scan, sync, transcript, update, watch
from .common import HANDLED, UsageError, explain, note, sigint_interrupts

COMMANDS = (discover, scan, pair, sync, update, watch, transcript, diff)

_KEY = "000102030405060708090a0b0c0d0e0f"
# What each command's --help ends with: a line a person can run, against
# a band started as `bandsim --socket /tmp/band.sock`.
EXAMPLES = {
    "discover": f"python3 -m bandsim discover --socket /tmp/band.sock "
                f"--auth-key {_KEY}",
    "scan": "python3 -m bandsim scan --adapter hci0 --duration 10",
    "pair": f"python3 -m bandsim pair --socket /tmp/band.sock "
            f"--auth-key {_KEY}   # meanwhile: bandsim ctl press",
    "sync": f"python3 -m bandsim sync --socket /tmp/band.sock "
            f"--auth-key {_KEY} --since 2024-05-20T00:00 --out day.csv",
    "update": f"python3 -m bandsim update Mili_pinecone.fw "
              f"--socket /tmp/band.sock --auth-key {_KEY}",
    "watch": f"python3 -m bandsim watch --socket /tmp/band.sock "
             f"--auth-key {_KEY} --duration 60",
    "transcript": "python3 -m bandsim transcript run.btsnoop -o run.txt",
    "diff": "python3 -m bandsim diff good.txt bad.txt",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 -m bandsim",
        description="Talk to a Mi Band 4 (emulated or real).")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    for name, command in sub.choices.items():
        command.epilog = "example:\n  " + EXAMPLES[name]
        command.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = ("example:\n  " + EXAMPLES["sync"]
                     + "\nCOMMAND --help shows each command's example.")
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.commands = sub.choices
    return parser


def _where(args) -> str:
    if getattr(args, "socket", None):
        return args.socket
    if getattr(args, "address", None):
        return args.address + (f" on {args.adapter}"
                               if getattr(args, "adapter", None) else "")
    return "the target"


@functools.lru_cache(maxsize=None)
def _parser() -> argparse.ArgumentParser:
    """One parser a process: building it (eight commands, argparse's
    gettext look-ups) costs more than most commands' work."""
    return build_parser()


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        with sigint_interrupts():
            return args.run(args)
    except UsageError as exc:
        command = parser.commands[args.command]
        command.print_usage(sys.stderr)
        note(f"{command.prog}: error: {exc}")
        return 2
    except KeyboardInterrupt:
        note("bandsim: interrupted")
        return 130
    except HANDLED as exc:
        note(f"bandsim: {explain(exc, _where(args))}")
        return 1
