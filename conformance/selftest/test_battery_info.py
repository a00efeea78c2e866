"""The 00000006 parser on the real dumps quoted in the fact sheet §5."""

import datetime

import pytest

from bandsim.protocol.values import UNSET, BatteryFormatError, decode_battery


def test_real_dumps():
    info = decode_battery(bytes.fromhex(
        "0f 51 00 b2070101000000 00 ea07011f0b292f ec 63"))
    assert (info.level, info.charging, info.a, info.tz_a) == \
        (81, False, UNSET, 0)
    assert (info.b, info.tz_b, info.level_at_b) == \
        (datetime.datetime(2026, 1, 31, 11, 41, 47), -20, 99)
    full = decode_battery(bytes.fromhex(
        "0f 63 01 ea070201011a3b ec ea070201012e02 ec 64"))
    assert (full.level, full.charging, full.level_at_b) == (99, True, 100)
    assert full.a == datetime.datetime(2026, 2, 1, 1, 26, 59)


@pytest.mark.parametrize("raw", [
    "0f 51 00 b2070101000000 00 ea07011f0b292f ec",        # 19 bytes
    "0e 51 00 b2070101000000 00 ea07011f0b292f ec 63",     # first byte
    "0f 51 02 b2070101000000 00 ea07011f0b292f ec 63",     # charging 02
    "0f 51 00 b2070d01000000 00 ea07011f0b292f ec 63",     # month 13
])
def test_rejects(raw):
    with pytest.raises(BatteryFormatError):
        decode_battery(bytes.fromhex(raw))


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
