"""The band's state as one value, to compare before and after a step.

"Bad input changes nothing" needs a definition of everything a band
holds that a client or its owner could notice.  A snapshot has four
parts, each read the way its owner reads it:

- the control plane's properties (io.bandsim.Band1, GetAll) as the
  variants they came in, unpacked only to describe one that changed
  (property()): binding
  and key id, the link's auth, what the band is busy with, the fetch
  cursor (AckedUntil, StoredSamples), armed faults, battery and
  charging, the firmware slots and versions, band time;
- the activity log as GetSamples holds it, every sample with its bytes;
- every file of the state directory (band.ini, flash.img,
  firmware.ini, the slot images), its bytes, named by SHA-256 where
  one changed;
- what a link reads: every readable value and every CCCD of the
  profile, or the ATT error the read gets.

A band without a control plane (a real one) has only the last part, and
its clock runs: the values it changes on its own as time passes
(RUNNING, read by name from the profile) are left out there.

differences() names what changed, part by part, so a failure says
which property, file or handle moved and from what to what.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..harness.variant import unpack
from ..link.base import AttError

# GetSamples takes [from, to): everything the band holds.
ALL_TIME = (0, 1 << 63)


@dataclass
class Snapshot:
    properties: dict = field(default_factory=dict)   # name: GLib.Variant
    samples: list = field(default_factory=list)
    files: dict = field(default_factory=dict)        # path: bytes
    attributes: dict = field(default_factory=dict)

    def property(self, name: str):
        """One property's value, unpacked."""
        return unpack(self.properties[name])


def state_files(state_dir) -> dict:
    """{relative path: bytes} of every file under state_dir."""
    root = Path(state_dir)
    return {str(path.relative_to(root)): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def _sha256(data) -> str:
    if not isinstance(data, bytes):
        return data                 # "(absent)"
    return f"SHA-256 {hashlib.sha256(data).hexdigest()}"


# What a band whose clock runs changes by itself between two reads: the
# time, the battery's level and the day's steps (protocol §5, §6, §2.4).
# Their CCCDs stay: only a client writes those.
RUNNING = frozenset({"current-time", "battery", "realtime-steps"})


def running_handles(profile) -> frozenset:
    """The value handles of RUNNING in profile."""
    return frozenset(char.value_handle for char in profile.characteristics()
                     if char.name in RUNNING)


def read_attributes(link, profile, running_clock=False) -> dict:
    """{handle: ("value", hex) or ("error", code)} for every readable
    value and every CCCD in the profile, read over link; without the
    RUNNING values when the band's clock runs."""
    handles = []
    for char in profile.characteristics():
        if "read" in char.properties and not (running_clock
                                               and char.name in RUNNING):
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


def take(control, state_dir=None, link=None, profile=None,
         running_clock=False) -> Snapshot:
    """The band's state now: the control plane when there is one (None on
    a real band); the state directory and the link's reads when given
    (running_clock: the band's clock runs, see RUNNING)."""
    return Snapshot(
        properties=control.get_all_variants() if control is not None else {},
        samples=control.get_samples(*ALL_TIME) if control is not None else [],
        files=state_files(state_dir) if state_dir is not None else {},
        attributes=(read_attributes(link, profile, running_clock)
                    if link is not None else {}))


ABSENT = "(absent)"


def _dict_changes(part: str, before: dict, after: dict,
                  same=lambda a, b: a == b, shown=lambda v: v) -> list:
    changes = []
    for key in sorted(set(before) | set(after), key=str):
        old, new = before.get(key, ABSENT), after.get(key, ABSENT)
        if old is ABSENT or new is ABSENT or not same(old, new):
            name = f"{key:#06x}" if isinstance(key, int) else key
            changes.append(f"{part} {name}: {shown(old)!r} -> "
                           f"{shown(new)!r}")
    return changes


def _variant_value(value):
    return value if value is ABSENT else unpack(value)


def differences(before: Snapshot, after: Snapshot) -> list:
    """What changed from before to after, one line each; [] for none."""
    changes = _dict_changes("property", before.properties, after.properties,
                            same=lambda a, b: a.equal(b),
                            shown=_variant_value)
    if before.samples != after.samples:
        changes.append(f"activity log: {len(before.samples)} samples -> "
                       f"{len(after.samples)}, or their bytes changed")
    changes += _dict_changes("file", before.files, after.files,
                             shown=_sha256)
    changes += _dict_changes("handle", before.attributes, after.attributes)
    return changes
