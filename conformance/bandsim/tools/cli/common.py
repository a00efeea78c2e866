"""What every command shares: where the band is, opening an
authenticated session, progress output and turning typed errors into
one clear line.
"""

import contextlib
import signal
import sys
import threading
from dataclasses import dataclass

from ...clients.auth import (REQUEST_RANDOM, SEND_ANSWER, AuthError,
                             AuthRefused, HuamiClient, key_id)
from ...clients.fetch import FetchError
from ...clients.firmware import FirmwareError, LowBattery
from ...link import (AttClientError, AttError, Disconnected, Link, LinkError,
                     LinkUnavailable, Target, Timeout, connect, parse_target)
from ...protocol.profile import DEFAULT_PATH, Profile
from ..argtypes import parse_key, seconds

DEFAULT_TIMEOUT = 5.0
# BlueZ finds the band, connects and discovers its table before a link
# exists: that takes longer than one request, on a real band seconds.
BLUEZ_CONNECT_TIMEOUT = 20.0


class CommandError(Exception):
    """A failure the command explains in its own words (exit status 1)."""


class UsageError(Exception):
    """The command line does not say enough (exit status 2)."""


# ---------------------------------------------------------- arguments

def add_target(parser, what: str = "the band") -> None:
    group = parser.add_argument_group(what)
    where = group.add_mutually_exclusive_group()
    where.add_argument("--socket", metavar="PATH",
                       help="the emulator's unix socket (socket transport)")
    where.add_argument("--address", metavar="MAC",
                       help="the band's Bluetooth address (BlueZ, via bleak)")
    group.add_argument("--adapter", metavar="hciN",
                       help="BlueZ adapter to use (default: the system's)")
    group.add_argument("--profile", default=str(DEFAULT_PATH),
                       help="band profile (default: the Mi Band 4's)")
    group.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT,
                       metavar="S",
                       help="seconds one step (connect, a request, a reply) "
                            f"may take (default {DEFAULT_TIMEOUT:g}; a BlueZ "
                            f"connect gets at least "
                            f"{BLUEZ_CONNECT_TIMEOUT:g})")


def add_auth(parser) -> None:
    parser.add_argument("--auth-key", type=parse_key, required=True,
                        metavar="HEX",
                        help="the band's auth key, 32 hex digits")


def command(sub, name: str, help: str, run, auth: bool = True):
    """The parser of a command that talks to a band: where the band is
    (add_target), its key unless auth is False, and run(args) that does
    the command."""
    parser = sub.add_parser(name, help=help)
    add_target(parser)
    if auth:
        add_auth(parser)
    parser.set_defaults(run=run)
    return parser


def target_of(args) -> Target:
    if getattr(args, "socket", None):
        return Target("sock", path=args.socket)
    if getattr(args, "address", None):
        text = f"bluez:{args.address}"
        if args.adapter:
            text += f"@{args.adapter}"
        try:
            return parse_target(text)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    raise UsageError("say where the band is: --socket PATH (emulator) or "
                     "--address MAC [--adapter hciN] (BlueZ)")


# ------------------------------------------------------------ session

@dataclass
class Session:
    link: Link
    profile: Profile
    target: Target


@contextlib.contextmanager
def session(args, auth: bool = True):
    """A link to the band with the MTU exchanged and, unless auth is
    False, Huami auth (variant A) passed; closed on the way out."""
    profile = Profile.load(args.profile)
    target = target_of(args)
    connect_timeout = args.timeout if target.kind == "sock" \
        else max(args.timeout, BLUEZ_CONNECT_TIMEOUT)
    link = connect(target, timeout=connect_timeout, profile=profile)
    link.timeout = args.timeout
    try:
        link.exchange_mtu(247, args.timeout)
        if auth:
            authenticate(link, args.auth_key, profile, args.timeout)
        yield Session(link, profile, target)
    finally:
        link.close()


def authenticate(link: Link, key: bytes, profile: Profile,
                 timeout: float) -> HuamiClient:
    """Variant A; a refusal becomes a CommandError naming the status."""
    huami = HuamiClient(link, profile, timeout)
    huami.enable_notifications()
    try:
        huami.authenticate(key)
    except AuthRefused as exc:
        if exc.command == REQUEST_RANDOM:
            raise CommandError(
                f"auth refused: the band has no key (Huami status "
                f"{exc.status:#04x} to {exc.command:02x}): it is not paired; "
                f"run `pair` first") from exc
        if exc.command == SEND_ANSWER:
            raise CommandError(
                f"auth refused: wrong key (Huami status {exc.status:#04x} "
                f"to {exc.command:02x}): the band is bound to another key "
                f"than {key_id(key)}; give --auth-key the key it was paired "
                f"with, or reset the band and run `pair` with this one") \
                from exc
        raise CommandError(f"auth refused: {exc}") from exc
    except AuthError as exc:
        raise CommandError(f"auth failed: Huami status {exc.status:#04x} "
                           f"to command {exc.command:02x} "
                           f"(reply {exc.reply.hex(' ')})") from exc
    except Timeout as exc:
        raise CommandError(f"timed out: no answer to Huami auth ({exc})") \
            from exc
    return huami


# ------------------------------------------------------------ SIGINT

@contextlib.contextmanager
def sigint_interrupts():
    """SIGINT (Ctrl-C, kill -INT) raises KeyboardInterrupt while a
    command runs, whatever the disposition the process was started with.

    Python installs its KeyboardInterrupt handler only when SIGINT is at
    its default at start-up.  A command a shell script starts in the
    background (``... &`` without job control) inherits SIGINT ignored,
    and so did `watch`: SIGINT never reached it and it ran on until
    --duration.  The handler in place before is put back on the way out
    (main() also runs in-process); outside the main thread nothing
    changes, as Python only delivers signals there.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if previous is not None:    # None: not set from Python; keep ours
            signal.signal(signal.SIGINT, previous)


# ------------------------------------------------------------- errors

def explain(exc: BaseException, where: str) -> str:
    """One line for a typed error, without the traceback."""
    if isinstance(exc, CommandError):
        return str(exc)
    if isinstance(exc, LinkUnavailable):
        return str(exc)
    if isinstance(exc, LowBattery):
        return (f"update refused: the battery is too low (status "
                f"{exc.status:#04x}); put the band on the charger")
    if isinstance(exc, Timeout):
        return f"timed out: {exc}"
    if isinstance(exc, Disconnected):
        return f"the link to {where} ended: {exc}"
    if isinstance(exc, AttError):
        return f"the band refused: {exc}"
    if isinstance(exc, AuthError):
        return f"auth refused: {exc}"
    if isinstance(exc, (FetchError, FirmwareError)):
        return f"{type(exc).__name__}: {exc}"
    if isinstance(exc, LinkError):
        return f"Bluetooth: {exc}"
    return str(exc) or type(exc).__name__


HANDLED = (CommandError, AttClientError, AuthError, FetchError,
           FirmwareError, OSError)


# ----------------------------------------------------------- progress

class Progress:
    """A progress bar on a terminal, plain lines elsewhere.

    On a TTY the bar is redrawn in place (carriage return); otherwise a
    line is written each time another `every` percent is done, so a log
    file shows progress without a flood.
    """

    def __init__(self, label: str, unit: str, stream=None, tty=None,
                 width: int = 30, every: int = 25):
        self.label = label
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        if tty is None:
            isatty = getattr(self.stream, "isatty", None)
            tty = bool(isatty and isatty())
        self.tty = tty
        self.width = width
        self.every = every
        self._next = every
        self._drawn = 0
        self._last = None

    def update(self, done: int, total=None) -> None:
        if self.tty:
            self._draw(done, total)
        elif total:
            percent = done * 100 // total
            if percent >= self._next:
                self._line(f"{self.label}: {done}/{total} {self.unit} "
                           f"({percent} %)")
                self._next = (percent // self.every + 1) * self.every

    def _draw(self, done: int, total) -> None:
        if total:
            filled = min(self.width, done * self.width // total)
            percent = min(100, done * 100 // total)
            text = (f"{self.label} [{'#' * filled}"
                    f"{'.' * (self.width - filled)}] {percent:3d} % "
                    f"{done}/{total} {self.unit}")
        else:
            text = f"{self.label} {done} {self.unit}"
        if text == self._last:
            return
        pad = " " * max(0, self._drawn - len(text))
        self.stream.write("\r" + text + pad)
        self.stream.flush()
        self._drawn = len(text)
        self._last = text

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = 0


def out(text: str = "") -> None:
    """A result line on stdout, flushed at once (a pipe may be waiting)."""
    print(text, flush=True)


def note(text: str) -> None:
    """A line for the person on stderr."""
    print(text, file=sys.stderr, flush=True)
