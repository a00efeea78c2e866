"""The band's state as one value, to compare before and after a step.

"Bad input changes nothing" needs a definition of everything a band
holds that a client or its owner could notice.  A snapshot has four
parts, each read the way its owner reads it:

- the control plane's properties (io.bandsim.Band1, GetAll): binding
  and key id, the link's auth, what the band is busy with, the fetch
  cursor (AckedUntil, StoredSamples), armed faults, battery and
  charging, the firmware slots and versions, band time;
- the activity log as GetSamples holds it, every sample with its bytes;
- every file of the state directory (band.ini, flash.img,
  firmware.ini, the slot images), by SHA-256;
- what a link reads: every readable value and every CCCD of the
  profile, or the ATT error the read gets.

differences() names what changed, part by part, so a failure says
which property, file or handle moved and from what to what.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..link.base import AttError

# GetSamples takes [from, to): everything the band holds.
ALL_TIME = (0, 1 << 63)


@dataclass
class Snapshot:
    properties: dict = field(default_factory=dict)
    samples: list = field(default_factory=list)
    files: dict = field(default_factory=dict)
    attributes: dict = field(default_factory=dict)


def state_files(state_dir) -> dict:
    """{relative path: SHA-256 hex} of every file under state_dir."""
    root = Path(state_dir)
    return {str(path.relative_to(root)):
            hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


def read_attributes(link, profile) -> dict:
    """{handle: ("value", hex) or ("error", code)} for every readable
    value and every CCCD in the profile, read over link."""
    handles = []
    for char in profile.characteristics():
        if "read" in char.properties:
            handles.append(char.value_handle)
        if char.cccd_handle is not None:
            handles.append(char.cccd_handle)
    found = {}
    for handle in handles:
        try:
            found[handle] = ("value", link.read(handle).hex(" "))
        except AttError as exc:
            found[handle] = ("error", exc.code)
    return found


def take(control, state_dir=None, link=None, profile=None) -> Snapshot:
    """The band's state now: the control plane always; the state
    directory and the link's reads when given."""
    return Snapshot(
        properties=control.get_all(),
        samples=control.get_samples(*ALL_TIME),
        files=state_files(state_dir) if state_dir is not None else {},
        attributes=(read_attributes(link, profile)
                    if link is not None else {}))


def _dict_changes(part: str, before: dict, after: dict) -> list:
    changes = []
    for key in sorted(set(before) | set(after), key=str):
        old, new = before.get(key, "(absent)"), after.get(key, "(absent)")
        if old != new:
            name = f"{key:#06x}" if isinstance(key, int) else key
            changes.append(f"{part} {name}: {old!r} -> {new!r}")
    return changes


def differences(before: Snapshot, after: Snapshot) -> list:
    """What changed from before to after, one line each; [] for none."""
    changes = _dict_changes("property", before.properties, after.properties)
    if before.samples != after.samples:
        changes.append(f"activity log: {len(before.samples)} samples -> "
                       f"{len(after.samples)}, or their bytes changed")
    changes += _dict_changes("file", before.files, after.files)
    changes += _dict_changes("handle", before.attributes, after.attributes)
    return changes
