"""The bad-input table (scenarios/helpers/badinput.py) is generated from
the profile: no characteristic can go without rows, and a table that
does not fit the profile shows up as rows that fail."""

import collections

import pytest

from bandsim.protocol.profile import DEFAULT_PATH, Profile

from scenarios.helpers import badinput

PROFILE = Profile.load(DEFAULT_PATH)
NEW_CHARACTERISTIC = """
[characteristic unknown-new]
uuid = 0000fe99-0000-1000-8000-00805f9b34fb
properties = read, write, notify
auth = yes
"""


def by_char(rows):
    found = collections.defaultdict(list)
    for row in rows:
        found[row.char].append(row)
    return found


def problems(rows):
    return {row.id: row.problem for row in rows if row.problem}


def test_every_characteristic_has_its_rows():
    rows = badinput.table(PROFILE)
    assert problems(rows) == {}
    ids = [row.id for row in rows]
    assert len(ids) == len(set(ids)), "a row id twice"
    found = by_char(rows)
    for char in PROFILE.characteristics():
        kinds = {row.kind for row in found[char.name]}
        assert "op" in kinds, char.name
        if badinput.write_ops(char):
            assert kinds & {"empty", "long"}, char.name
            assert "oversize" in kinds, char.name
        if char.auth:
            assert "auth" in kinds, char.name
        if char.cccd_handle is not None:
            assert "cccd" in kinds, char.name
    for service in PROFILE.services:
        assert [row.kind for row in found[f"service-{service.name}"]] == \
            ["handle"]


def test_a_characteristic_without_a_rule_fails(tmp_path):
    path = tmp_path / "profile.ini"
    path.write_text(DEFAULT_PATH.read_text(encoding="utf-8")
                    + NEW_CHARACTERISTIC, encoding="utf-8")
    rows = badinput.table(Profile.load(path))
    assert list(problems(rows)) == ["unknown-new/rule"]
    assert "no rule for characteristic 'unknown-new'" in \
        problems(rows)["unknown-new/rule"]


def test_a_rule_must_fit_the_properties():
    rules = dict(badinput.RULES, **{"device-name": badinput.Unexplained(),
                                    "auth": badinput.Fixed()})
    found = problems(badinput.table(PROFILE, rules))
    assert sorted(found) == ["auth/rule", "device-name/rule"]
    assert "does not fit its properties read" in found["device-name/rule"]


def test_a_rule_for_no_characteristic_fails():
    rules = dict(badinput.RULES, gone=badinput.Fixed())
    found = problems(badinput.table(PROFILE, rules))
    assert list(found) == ["gone/rule"]


@pytest.mark.parametrize("name, kind, pdu, answer", [
    ("device-name", "op", "12 03 00 01", "01 12 03 00 03"),
    ("current-time", "auth", "0a 61 00", "01 0a 61 00 08"),
    ("realtime-steps", "cccd", "12 48 00 04 00", "01 12 48 00 fd"),
    ("firmware-control", "empty", "12 81 00", "01 12 81 00 0d"),
])
def test_rows_carry_the_pdus_of_the_fact_sheet(name, kind, pdu, answer):
    """A few rows spelled out: the handles are the profile's."""
    rows = [row for row in badinput.table(PROFILE)
            if row.char == name and row.kind == kind
            and row.pdu.hex(" ") == pdu]
    assert [row.answer.hex(" ") for row in rows] == [answer]


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
