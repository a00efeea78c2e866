"""``pair --auth-key HEX``: bind the band to a key, then authenticate.

Variant C (docs/auth.md): ``01 00 <key>`` on 00000009.  A factory-new
band shows a confirm prompt and answers only once somebody taps it, so
the command asks the person to tap and waits (--wait, default 30 s).  A
band already bound to the same key answers at once; one bound to
another key, a declined prompt (long press) or a closed confirm window
answer ``10 01 04``.  Binding does not authenticate the link, so
variant A follows, which also proves the band kept the key.
"""

from ...clients.auth import AuthRefused, HuamiClient, key_id
from ...link.base import Timeout
from ..argtypes import add_seconds
from .common import CommandError, authenticate, command, out, session

DEFAULT_WAIT = 30.0
PROMPT = "Tap the band to confirm"
# A bound band answers at once; only past this is a tap awaited.
QUICK_ANSWER = 0.3


def add_parser(sub) -> None:
    p = command(sub, "pair", "bind the band to a key (tap to confirm), then "
                             "authenticate", run)
    add_seconds(p, "--wait", "seconds to wait for the tap", DEFAULT_WAIT)


def run(args) -> int:
    with session(args, auth=False) as s:
        huami = HuamiClient(s.link, s.profile, args.timeout)
        huami.enable_notifications()
        huami.send_bind(args.auth_key)
        try:
            try:
                huami.wait_bind(min(QUICK_ANSWER, args.wait))
                out(f"The band is already bound to key {key_id(args.auth_key)}.")
            except Timeout:
                out(f"{PROMPT} (waiting up to {args.wait:g} s) ...")
                huami.wait_bind(max(0.0, args.wait - QUICK_ANSWER))
                out(f"Bound: the band keeps key {key_id(args.auth_key)}.")
        except AuthRefused as exc:
            raise CommandError(
                f"binding refused (Huami status {exc.status:#04x} to 01): "
                f"the band is bound to another key, the prompt was "
                f"declined, or it closed before a tap; reset the band (its "
                f"menu, or `bandsim ctl reset` on an emulator) to pair it "
                f"with this key") from exc
        except Timeout as exc:
            raise CommandError(f"timed out: no tap within {args.wait:g} s; "
                               f"the binding is cancelled") from exc
        authenticate(s.link, args.auth_key, s.profile, args.timeout)
        out("Authenticated (Huami auth, variant A): the band is paired.")
    return 0
