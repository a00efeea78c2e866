"""``diff A B [--strict-timing]``: compare two transcripts (docs/
transcripts.md).  A and B are each a transcript (``transcript -o``) or
a btsnoop capture, made into one on the fly.  Prints the first
difference (the entry index on each side, both entries and what
differs) and how many entries differ by kind: characteristic (UUIDs,
handles, names), properties, reply code (ATT errors, Huami statuses),
value length, value, order, timing (the class of the gap).

Exit status: 0 when they agree, 1 when they differ in anything but
timing classes (those too with --strict-timing), 2 when A or B gives
no transcript (the message names the file).
"""

from .. import transcript
from .common import note, out


def add_parser(sub) -> None:
    p = sub.add_parser("diff",
                       help="compare two transcripts or captures "
                            "(docs/transcripts.md): exit 0 agree, 1 differ, "
                            "2 unreadable")
    for side in ("a", "b"):
        p.add_argument(side, metavar=side.upper(),
                       help="a transcript or a btsnoop file")
    p.add_argument("--strict-timing", action="store_true",
                   help="a different timing class is a difference too")
    p.set_defaults(run=run)


def run(args) -> int:
    try:
        a = transcript.load(args.a)
        b = transcript.load(args.b)
    except transcript.TranscriptError as exc:
        note(f"bandsim diff: {exc}")
        return 2
    comparison = transcript.compare(a, b)
    out(comparison.describe(args.a, args.b, args.strict_timing))
    return comparison.status(args.strict_timing)
