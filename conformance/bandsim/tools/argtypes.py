"""argparse types the command-line tools share (the CLI and replay):
a 16-byte key in hex and a positive number of seconds, and an option of
seconds that says its default."""

import argparse

from ..protocol.huami import key_from_hex


def parse_key(text: str) -> bytes:
    try:
        return key_from_hex(text)
    except ValueError:
        raise argparse.ArgumentTypeError("16 bytes as 32 hex digits") \
            from None


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("a positive number of seconds")
    return value


def add_seconds(parser, flag: str, help: str, default: float = None) -> None:
    """A FLAG S option of positive seconds; the help ends with the
    default when there is one."""
    if default is not None:
        help += f" (default {default:g})"
    parser.add_argument(flag, type=seconds, default=default, metavar="S",
                        help=help)
