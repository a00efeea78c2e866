"""``update FILE --auth-key HEX``: install firmware, resources, a font or
a watchface, as Gadgetbridge's UpdateFirmwareOperationNew does.

The kind comes from the file itself (fact sheet §7.2 recognition,
``firmware.identify``); --type names it instead, and a file that looks
like another kind is refused unless --force (the band would refuse it at
the checksum step).  The upload (``bandsim.clients.firmware``,
docs/battery-firmware.md) shows a progress bar; firmware ends with
``05``: the band reboots into it and drops the link.
"""

import zlib
from pathlib import Path

from ...clients import firmware
from ...clients.firmware import FirmwareClient, identify
from ..argtypes import add_seconds
from .common import CommandError, Progress, command, out, session

TYPES = {
    "firmware": firmware.TYPE_FIRMWARE,
    "resources": firmware.TYPE_RESOURCES,
    "font": firmware.TYPE_FONT,
    "watchface": firmware.TYPE_WATCHFACE,
}
# Below this throughput a whole upload counts as stuck (bytes per second).
MIN_RATE = 4096


def add_parser(sub) -> None:
    p = command(sub, "update", "install firmware, resources, a font or a "
                               "watchface", run)
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--type", choices=sorted(TYPES),
                   help="what the file is (default: recognised from it)")
    p.add_argument("--force", action="store_true",
                   help="send a file even if it does not look like --type")
    add_seconds(p, "--max-time", f"seconds the whole upload may take "
                                 f"(default {firmware.UPDATE_TIMEOUT:g} + "
                                 f"1 s per {MIN_RATE} bytes)")


def what_to_send(data: bytes, wanted: str = None, force: bool = False):
    """(kind, file type byte, version) for a file, or CommandError."""
    info = identify(data)
    if wanted is None:
        if info.kind not in TYPES:
            raise CommandError("not a Mi Band 4 firmware, resources, font "
                               "or watchface file (fact sheet §7.2); name "
                               "it with --type and --force to send it "
                               "anyway")
        return info.kind, TYPES[info.kind], info.version
    if info.kind != wanted and not force:
        looks = ("nothing the band recognises" if info.kind == "invalid"
                 else f"{info.kind}")
        raise CommandError(f"the file looks like {looks}, not {wanted} "
                           f"(--force sends it anyway)")
    return wanted, TYPES[wanted], info.version if info.kind == wanted else ""


def describe(kind: str, version: str) -> str:
    if kind == "firmware" and version:
        return f"firmware V{version}"
    if version:
        return f"{kind} v{version}"
    return kind


def run(args) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise CommandError(f"{args.file}: {exc.strerror or exc}") from exc
    kind, file_type, version = what_to_send(data, args.type, args.force)
    max_time = args.max_time or (firmware.UPDATE_TIMEOUT
                                 + len(data) / MIN_RATE)
    with session(args) as s:
        client = FirmwareClient(s.link, s.profile, timeout=args.timeout)
        client.enable_notifications()
        out(f"Sending {args.file.name}: {describe(kind, version)}, "
            f"{len(data)} bytes, CRC-32 {zlib.crc32(data):08x}")
        bar = Progress("update", "bytes")
        try:
            client.update(data, file_type, progress=bar.update,
                          timeout=max_time)
        finally:
            bar.finish()
    if file_type == firmware.TYPE_FIRMWARE:
        out(f"Verified; the band reboots into {describe(kind, version)}.")
    else:
        out(f"Verified and installed: {describe(kind, version)}.")
    return 0
