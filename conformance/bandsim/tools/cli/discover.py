"""``discover --socket PATH``: walk the band's GATT table and read every
readable value, decoded where the layout is known (protocol-miband4.md
§2.4, §5, §6, §8).  Socket transport only (it uses ATT discovery, which
BlueZ does itself).  ci/demo runs this; its output and exit codes are
kept as they were when it was the only command.
"""

import sys

from ...clients.auth import AuthError, HuamiClient
from ...link.base import AttClientError, AttError
from ...link.sock import AttClient
from ...protocol import uuids
from ...protocol.profile import DEFAULT_PATH, Profile
from ...protocol.values import (BATTERY_SIZE, CURRENT_TIME_SIZE, STEPS_SIZE,
                                ValueFormatError, decode_battery,
                                decode_current_time, decode_steps)
from .common import parse_key

PROPS = ((0x02, "read"), (0x04, "write-no-rsp"), (0x08, "write"),
         (0x10, "notify"), (0x20, "indicate"))
TEXT_UUIDS = {0x2A00, 0x2A25, 0x2A27, 0x2A28}
# Values shown decoded: UUID -> (the layout's size, its decoder).
DECODERS = {
    uuids.CURRENT_TIME: (CURRENT_TIME_SIZE, decode_current_time),
    uuids.BATTERY: (BATTERY_SIZE, decode_battery),
    uuids.REALTIME_STEPS: (STEPS_SIZE, decode_steps),
}


def props_text(props: int) -> str:
    return ",".join(name for bit, name in PROPS if props & bit)


def describe(uuid: str, value: bytes) -> str:
    short = uuids.short_form(uuid)
    if short in TEXT_UUIDS:
        return repr(value.decode("ascii", "replace"))
    length, decode = DECODERS.get(uuid, (None, None))
    text = value.hex(" ") or "(empty)"
    if decode and len(value) == length:
        try:
            text += f"  = {decode(value)}"
        except ValueFormatError:
            pass
    return text


def uuid_text(uuid: str) -> str:
    short = uuids.short_form(uuid)
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
