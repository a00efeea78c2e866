"""protocol/settings.py: the builders give the bytes Gadgetbridge sends
(GB-HuamiService constants, fact sheet §11, §2.5, §2.3), refuse values
out of range, and the decoders read the band's answers."""

import datetime

import pytest

from bandsim.protocol import settings as S
from bandsim.protocol import uuids


@pytest.mark.parametrize("write, hex_bytes, uuid", [
    (S.date_display("date-time"), "06 0a 00 03", uuids.CONFIGURATION),
    (S.time_format("24h"), "06 02 00 01", uuids.CONFIGURATION),
    (S.distance_unit("metric"), "06 03 00 00", uuids.CONFIGURATION),
    (S.lift_wrist("on"), "06 05 00 01 00 00 00 00", uuids.CONFIGURATION),
    (S.lift_wrist("off"), "06 05 00 00", uuids.CONFIGURATION),
    (S.language("en_US"), "06 17 00 65 6e 5f 55 53", uuids.CONFIGURATION),
    (S.display_caller(True), "06 10 00 00 01", uuids.CONFIGURATION),
    (S.dnd("automatic"), "09 83", uuids.CONFIGURATION),
    (S.dnd("off"), "09 82", uuids.CONFIGURATION),
    (S.dnd("scheduled", (1, 0), (6, 0)), "09 81 01 00 06 00",
     uuids.CONFIGURATION),
    (S.inactivity(False), "08 00 3c 00 06 00 16 00 00 00 00 00",
     uuids.CONFIGURATION),
    (S.alarm(3, 7, 30, ("mon", "fri")), "02 83 07 1e 11",
     uuids.CONFIGURATION),
    (S.alarm(3, 7, 30, once=True, snooze=False), "02 c3 07 1e 80",
     uuids.CONFIGURATION),
    (S.alarm(3), "02 03 00 00 00", uuids.CONFIGURATION),
    (S.hourly_chime(True, (10, 0), (22, 0)), "fe 0b 00 01 0a 00 16 00",
     uuids.CONFIGURATION),
    (S.display_items([1, 2, 3, 4, 5, 6, 7, 8]),
     "0a ff 01 00 01 02 03 04 05 06 07 08", uuids.CONFIGURATION),
    (S.wear_location("left"), "20 00 00 02", uuids.USER_SETTINGS),
    (S.step_goal(8000), "10 00 00 40 1f 00 00", uuids.USER_SETTINGS),
    (S.user_info(datetime.date(1990, 1, 2), "male", 180, 80, 1),
     "4f 00 00 c6 07 01 02 00 b4 00 80 3e 01 00 00 00",
     uuids.USER_SETTINGS),
    (S.hr_interval(30), "14 1e", uuids.HR_CONTROL),
    (S.sleep_assist(True), "15 00 01", uuids.HR_CONTROL),
    (S.FACTORY_RESET, "06 0b 00 01", uuids.CONFIGURATION),
    (S.REQUEST_ALARMS_WITH_TIMES, "ff 01 00 00 00", uuids.CONFIGURATION),
])
def test_bytes(write, hex_bytes, uuid):
    assert write == S.Write(uuid, bytes.fromhex(hex_bytes))


@pytest.mark.parametrize("build", [
    lambda: S.time_format("25h"),
    lambda: S.alarm(10),
    lambda: S.alarm(0, 24, 0, ("mon",)),
    lambda: S.inactivity(True, 0),
    lambda: S.language("english"),
    lambda: S.step_goal(0),
    lambda: S.hr_interval(61),
    lambda: S.password(True, "1235"),
    lambda: S.display_items([9]),
    lambda: S.display_items([], [1, 1, 2, 3, 4]),
])
def test_out_of_range(build):
    with pytest.raises(ValueError):
        build()


def test_decode_replies():
    reply = bytes.fromhex("10 0d 01 00 00 00 00 00 02 10 03")
    assert S.decode_alarms(reply) == [S.AlarmState(0, True),
                                      S.AlarmState(3, False)]
    with pytest.raises(ValueError):
        S.decode_alarms(bytes.fromhex("10 0d 01 00 00 00 00 00 03 10"))
    assert S.decode_gps_version(b"\x10\x0e\x011.0.0.0") == "1.0.0.0"


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
