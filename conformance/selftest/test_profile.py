"""Handle layout rules of the profile reader, on small inline profiles."""

import configparser

import pytest

from bandsim.protocol import uuids
from bandsim.protocol.profile import DEFAULT_PATH, Profile, write_variant


def load(text: str) -> Profile:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return Profile(parser)


def test_layout_rules():
    profile = load("""
[service a]
uuid = 1800
[characteristic a1]
uuid = 2a00
properties = read
value = 41 42
[characteristic a2]
uuid = 2a05
properties = indicate
[service b]
uuid = fee0
handle = 0x0010
[characteristic b1]
uuid = 00000002-0000-3512-2118-0009af100700
properties = write-without-response, notify
handle = 0x0014
[characteristic b2]
uuid = fed2
properties = read
value =
""")
    a, b = profile.services
    a1, a2 = a.characteristics
    b1, b2 = b.characteristics
    assert (a.declaration_handle, a.end_handle) == (1, 6)
    assert (a1.declaration_handle, a1.value_handle, a1.cccd_handle) == (2, 3, None)
    assert (a2.declaration_handle, a2.value_handle, a2.cccd_handle) == (4, 5, 6)
    assert (b.declaration_handle, b.end_handle) == (0x10, 0x17)
    assert (b1.declaration_handle, b1.value_handle, b1.cccd_handle) == \
        (0x13, 0x14, 0x15)
    assert (b2.declaration_handle, b2.value_handle) == (0x16, 0x17)
    assert (a1.value, b2.value, a2.value) == (b"AB", b"", None)
    assert (a1.properties_byte, a2.properties_byte, b1.properties_byte) == \
        (0x02, 0x20, 0x14)
    assert b.uuid == uuids.sig(0xFEE0)
    assert profile.attributes()[:4] == [
        (1, uuids.sig(0x2800)), (2, uuids.sig(0x2803)),
        (3, uuids.sig(0x2A00)), (4, uuids.sig(0x2803))]


@pytest.mark.parametrize("text", [
    "[characteristic x]\nuuid = 2a00\nproperties = read\n",
    "[service a]\nuuid = 1800\n[characteristic x]\nuuid = 2a00\n"
    "properties = read, broadcast\n",
    "[service a]\nuuid = 1800\n[characteristic x]\nuuid = 2a00\n"
    "properties = read\n[service b]\nuuid = 1801\nhandle = 2\n",
], ids=["characteristic-first", "unknown-property", "hint-goes-back"])
def test_broken_profiles_are_refused(text):
    with pytest.raises(ValueError):
        load(text)


def test_shipped_profile_hits_the_hard_coded_handles():
    profile = Profile.load(DEFAULT_PATH)
    assert profile.characteristic("sensor-data").value_handle == 0x0038
    assert profile.characteristic("device-event").value_handle == 0x004A
    assert profile.service("miband").declaration_handle == 0x0033
    assert profile.section("battery").getint("initial-level") == 81


def test_policy_variant(tmp_path):
    base = Profile.load(DEFAULT_PATH)
    path = write_variant(tmp_path / "variant.ini",
                         {"reboot-below-percent": 10,
                          "low-battery-drop-pattern": "after-connected-s"})
    variant = Profile.load(path)
    policy = variant.section("policy")
    assert policy.getint("reboot-below-percent") == 10
    assert policy["low-battery-drop-pattern"] == "after-connected-s"
    others = {k: v for k, v in base.section("policy").items()
              if k not in ("reboot-below-percent", "low-battery-drop-pattern")}
    assert all(policy[k] == v for k, v in others.items())
    assert variant.attributes() == base.attributes()
    with pytest.raises(KeyError):
        write_variant(tmp_path / "bad.ini", {"no-such-setting": 1})


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
