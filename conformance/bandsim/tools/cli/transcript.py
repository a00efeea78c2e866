"""``transcript CAPTURE [-o FILE]``: the normalised transcript of a
btsnoop capture (bandsim.tools.transcript, docs/transcripts.md), as
JSON on stdout or in FILE.  CAPTURE is bandsim's own capture
(--btsnoop), a phone's btsnoop_hci.log or a btmon -w file; a transcript
file is read and written again.  Exit status 0, or 2 when CAPTURE gives
no transcript (the message names the file) or FILE cannot be written.
"""

from .. import btsnoop, transcript
from .common import note

PERSPECTIVES = ("auto", *btsnoop.PERSPECTIVES)


def add_capture_options(parser) -> None:
    """Which part of a capture: whose it is, one connection, one
    controller (as bandsim.tools.replay takes them)."""
    parser.add_argument("--perspective", choices=PERSPECTIVES,
                        default="auto",
                        help="whose capture it is: band (bandsim --btsnoop), "
                             "central (a phone's or computer's HCI log), "
                             "auto (default: from who sends requests)")
    parser.add_argument("--handle", type=lambda text: int(text, 0),
                        metavar="N",
                        help="only the connection with this HCI handle")
    parser.add_argument("--index", type=int, metavar="N",
                        help="controller index of a btmon capture")


def add_parser(sub) -> None:
    p = sub.add_parser("transcript",
                       help="write the normalised transcript of a btsnoop "
                            "capture (docs/transcripts.md)")
    p.add_argument("capture", metavar="CAPTURE",
                   help="a btsnoop file (or a transcript)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write it to FILE (default: stdout)")
    add_capture_options(p)
    p.set_defaults(run=run)


def run(args) -> int:
    try:
        made = transcript.load(args.capture, args.perspective, args.handle,
                               args.index)
    except transcript.TranscriptError as exc:
        note(f"bandsim transcript: {exc}")
        return 2
    if args.output is None:
        print(made.to_json(), end="", flush=True)
        return 0
    try:
        made.save(args.output)
    except OSError as exc:
        note(f"bandsim transcript: {args.output}: {exc.strerror or exc}")
        return 2
    note(f"{args.output}: {len(made.entries)} entries from {args.capture}")
    return 0
