"""``scan``: is a band there, and which one.

With --socket (or --address) it connects without auth and reads what
any central may read: the device name, the System ID (the band's
address, MAC[0..2] FF FE MAC[3..5], fact sheet §8) and the Software
Revision.  Without them it scans with BlueZ (bleak's BleakScanner) for
--duration seconds and lists the Mi Smart Band 4s it hears, with the
day's steps from the 0xFEE0 service data and the heart rate from the
manufacturer data (fact sheet §1).
"""

from ...link.base import AttError
from ...protocol.profile import Profile
from ..argtypes import add_seconds
from .common import CommandError, command, note, out, session, target_of

DEFAULT_DURATION = 5.0


def address_from_system_id(value: bytes) -> str:
    """MAC[0..2] FF FE MAC[3..5] -> "AA:BB:CC:DD:EE:FF"."""
    if len(value) != 8:
        raise CommandError(f"System ID of {len(value)} bytes: "
                           f"{value.hex(' ')}")
    mac = value[:3] + value[5:]
    return ":".join(f"{b:02X}" for b in mac)


def add_parser(sub) -> None:
    p = command(sub, "scan", "check a band answers (--socket/--address), or "
                             "list the bands BlueZ hears (--adapter)", run,
                auth=False)
    add_seconds(p, "--duration", "seconds a BlueZ scan listens",
                DEFAULT_DURATION)


def run(args) -> int:
    if args.socket or args.address:
        return check(args)
    return scan_bluez(args)


def _text(link, profile, name: str, fallback: str) -> str:
    try:
        value = link.read(profile.characteristic(name).value_handle)
    except AttError as exc:
        return f"{fallback} (ATT error {exc.code:#04x})"
    return value.decode("ascii", "replace")


def check(args) -> int:
    target = target_of(args)
    with session(args, auth=False) as s:
        profile = s.profile
        name = _text(s.link, profile, "device-name", "(not readable)")
        system_id = s.link.read(
            profile.characteristic("system-id").value_handle)
        revision = _text(s.link, profile, "software-revision",
                         "(not readable)")
        out(name)
        out(f"  address   {address_from_system_id(system_id)} "
            f"(from System ID)")
        out(f"  software  {revision}")
        out(f"  link      {target}, ATT_MTU {s.link.mtu}")
    return 0


def scan_bluez(args, discover=None) -> int:
    """discover stands in for BleakScanner.discover (tests)."""
    from ...link.bluez import scan
    profile = Profile.load(args.profile)
    where = args.adapter or "the default adapter"
    note(f"scanning {args.duration:g} s on {where} ...")
    bands = scan(args.duration, args.adapter, profile, discover)
    if not bands:
        raise CommandError(f"no {profile.section('gap')['device-name']} "
                           f"heard on {where} in {args.duration:g} s")
    out(f"{'ADDRESS':<17}  {'RSSI':>4}  {'STEPS':>6}  {'HR':>3}  NAME")
    for band in bands:
        rssi = "?" if band.rssi is None else str(band.rssi)
        steps = "?" if band.steps is None else str(band.steps)
        hr = "-" if band.heart_rate is None else str(band.heart_rate)
        out(f"{band.address:<17}  {rssi:>4}  {steps:>6}  {hr:>3}  "
            f"{band.name}")
    return 0
