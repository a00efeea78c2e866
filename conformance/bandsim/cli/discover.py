"""``discover --socket PATH``: walk the band's GATT table and read every
readable value, decoded where the layout is known (protocol-miband4.md
§2.4, §5, §6, §8).  Socket transport only (it uses ATT discovery, which
BlueZ does itself).  ci/demo runs this; its output and exit codes are
kept as they were when it was the only command.
"""

import struct
import sys

from ..att import AttClient, AttClientError, AttError
from ..huami import AuthError, HuamiClient
from ..profile import DEFAULT_PATH, Profile
from ..uuids import short_form
from .common import parse_key

PROPS = ((0x02, "read"), (0x04, "write-no-rsp"), (0x08, "write"),
         (0x10, "notify"), (0x20, "indicate"))
TEXT_UUIDS = {0x2A00, 0x2A25, 0x2A27, 0x2A28}


def props_text(props: int) -> str:
    return ",".join(name for bit, name in PROPS if props & bit)


def decode_time(v: bytes) -> str:
    year, month, day, hour, minute, second, dow, _frac, _adj, tz = \
        struct.unpack("<HBBBBBBBBb", v[:11])
    return (f"{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}"
            f" weekday {dow}, tz {tz / 4:+g} h")


def decode_battery(v: bytes) -> str:
    return f"{v[1]} %, {'charging' if v[2] else 'not charging'}"


def decode_steps(v: bytes) -> str:
    steps, metres, kcal = struct.unpack("<III", v[1:13])
    return f"{steps} steps, {metres} m, {kcal} kcal"


DECODERS = {
    "00002a2b-0000-1000-8000-00805f9b34fb": (11, decode_time),
    "00000006-0000-3512-2118-0009af100700": (20, decode_battery),
    "00000007-0000-3512-2118-0009af100700": (13, decode_steps),
}


def describe(uuid: str, value: bytes) -> str:
    short = short_form(uuid)
    if short in TEXT_UUIDS:
        return repr(value.decode("ascii", "replace"))
    length, decode = DECODERS.get(uuid, (None, None))
    text = value.hex(" ") or "(empty)"
    if decode and len(value) == length:
        text += f"  = {decode(value)}"
    return text


def uuid_text(uuid: str) -> str:
    short = short_form(uuid)
    return f"{short:04x}" if short is not None else uuid


def discover(args) -> int:
    profile = Profile.load(args.profile)
    names = {c.value_handle: c.name for c in profile.characteristics()}
    with AttClient.connect(args.socket, timeout=args.timeout) as att:
        mtu = att.exchange_mtu(247)
        print(f"connected to {args.socket}, ATT_MTU {mtu}")
        if args.auth_key:
            # Protected characteristics answer ATT 0x08 until this passes.
            huami = HuamiClient(att, profile)
            huami.enable_notifications()
            huami.authenticate(args.auth_key)
            print("authenticated (Huami auth, variant A)")
        for service in att.discover():
            print(f"0x{service.start:04x} service {uuid_text(service.uuid)}")
            for char in service.characteristics:
                line = (f"  0x{char.value_handle:04x} {uuid_text(char.uuid):<36} "
                        f"{props_text(char.properties):<28} "
                        f"{names.get(char.value_handle, '')}")
                if char.properties & 0x02:
                    try:
                        value = att.read(char.value_handle)
                        line += f"\n      {describe(char.uuid, value)}"
                    except AttError as exc:
                        line += f"\n      (read refused: ATT error 0x{exc.code:02x})"
                print(line.rstrip())
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("discover", help="print the GATT table and read every readable value")
    p.add_argument("--socket", required=True, help="bandsim's unix socket")
    p.add_argument("--profile", default=str(DEFAULT_PATH),
                   help="profile for characteristic names (default: the Mi Band 4's)")
    p.add_argument("--auth-key", type=parse_key, default=None,
                   help="the band's auth key (32 hex digits): authenticate first")
    p.add_argument("--timeout", type=float, default=5.0,
                   help="seconds any one ATT operation may take")
    p.set_defaults(run=run)


def run(args) -> int:
    try:
        return discover(args)
    except AuthError as exc:
        print(f"bandsim: auth refused: {exc}", file=sys.stderr)
        return 1
    except (AttClientError, OSError) as exc:
        print(f"bandsim: {args.socket}: {exc}", file=sys.stderr)
        return 1
