"""The snapshot oracle names what changed and nothing else
(bandsim/oracles/snapshot.py)."""

import pytest
import hashlib

from gi.repository import GLib

from bandsim.oracles.snapshot import Snapshot, differences


def snap(**parts):
    base = dict(
        properties={"Battery": GLib.Variant("u", 80),
                    "Settings": GLib.Variant("a{sv}", {
                        "goal": GLib.Variant("u", 8000)})},
        samples=[(60, b"\x01\x02\x03\x04")],
        files={"band.ini": b"[band]\n", "flash.img": bytes(64)},
        attributes={0x0003: ("value", "4d 69"), 0x0010: ("error", 5)})
    base.update(parts)
    return Snapshot(**base)


def test_equal_snapshots_differ_in_nothing():
    assert differences(snap(), snap()) == []


def test_a_changed_property_is_shown_unpacked():
    after = snap(properties={"Battery": GLib.Variant("u", 80),
                             "Settings": GLib.Variant("a{sv}", {
                                 "goal": GLib.Variant("u", 9000)})})
    assert differences(snap(), after) == [
        "property Settings: {'goal': 8000} -> {'goal': 9000}"]


def test_a_property_that_appears_or_goes():
    after = snap(properties={"Battery": GLib.Variant("u", 80)})
    assert differences(snap(), after) == [
        "property Settings: {'goal': 8000} -> '(absent)'"]
    assert differences(after, snap()) == [
        "property Settings: '(absent)' -> {'goal': 8000}"]


def test_a_changed_file_is_named_by_its_hashes():
    changed = bytes(63) + b"\x01"
    after = snap(files={"band.ini": b"[band]\n", "flash.img": changed})
    old = hashlib.sha256(bytes(64)).hexdigest()
    new = hashlib.sha256(changed).hexdigest()
    assert differences(snap(), after) == [
        f"file flash.img: 'SHA-256 {old}' -> 'SHA-256 {new}'"]


def test_samples_and_handles():
    after = snap(samples=[(60, b"\x01\x02\x03\x05")],
                 attributes={0x0003: ("value", "4d 69"),
                             0x0010: ("error", 8)})
    assert differences(snap(), after) == [
        "activity log: 1 samples -> 1, or their bytes changed",
        "handle 0x0010: ('error', 5) -> ('error', 8)"]


def test_property_unpacks_one_value():
    assert snap().property("Settings") == {"goal": 8000}


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
