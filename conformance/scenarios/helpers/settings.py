"""What Gadgetbridge writes to a Mi Band 4 after auth, in its order
(docs/settings.md "Gadgetbridge's first connection"), with the value
each write leaves in the control plane's Settings.

The order is GB's: InitOperation writes the time while auth ends, then
HuamiSupport.phase2Initialize (AmazfitBipSupport: language, GPS
version; MiBand3Support: language again, screen unlock, night mode,
date format), phase3Initialize (date display ... phone silent mode,
MiBand4Support: lift-wrist sensitivity, alarms requested), and the
alarms as onSetAlarms sends them.  The values are a user's, not GB's
defaults, so that each one changes something.  Reminders, vibration
patterns and world clocks go to other characteristics (alerts) and are
not here.
"""

import datetime
from typing import NamedTuple

from bandsim.protocol import settings as S

# 2024-05-20 07:00:00, Monday, tz +8 (UTC+2) with DST byte 1: the time
# GB writes on 0x2A2B as auth ends (GB-HuamiSupport getTimeBytes).
PHONE_TIME = bytes.fromhex("e8 07 05 14 07 00 00 01 00 01 08")
PHONE_TZ = 8
PHONE_DST = 1


def current_time_at(when: datetime.datetime, dst: int, tz: int) -> bytes:
    """0x2A2B as the band reads it at local time when (protocol §6)."""
    return bytes([when.year & 0xFF, when.year >> 8, when.month, when.day,
                  when.hour, when.minute, when.second, when.isoweekday(),
                  when.microsecond * 256 // 1000000, dst, tz & 0xFF])


def phone_local_time() -> bytes:
    """0x2A2B as a phone writes it on connect (Gadgetbridge does on every
    one): its own local time, its zone in quarter-hours and its DST."""
    now = datetime.datetime.now().astimezone()
    tz = int(now.utcoffset().total_seconds() // 900)
    dst = 1 if now.dst() else 0
    return current_time_at(now.replace(tzinfo=None), dst, tz)


def phone_time(band_time) -> bytes:
    """What the phone writes on 0x2A2B: PHONE_TIME where band time stands
    until moved (a control plane); on a band whose clock runs (a real
    one: its wearer's log follows that clock) the phone's own time, as
    every phone app writes it."""
    return PHONE_TIME if band_time.control is not None else \
        phone_local_time()


class Step(NamedTuple):
    write: S.Write
    expect: dict                # Settings keys -> values after it
    query: bool = False         # answered 10 <cmd> 01 ... on 00000003


def _step(write, query=False, **expect):
    return Step(write, {k.replace("_", "-"): v for k, v in expect.items()},
                query)


GB_SETUP = [
    # phase2, AmazfitBipSupport
    _step(S.language("de_DE"), language="de_DE"),
    _step(S.REQUEST_GPS_VERSION, query=True),
    # phase2, MiBand3Support
    _step(S.language("de_DE")),
    _step(S.screen_unlock(True), screen_unlock=True),
    _step(S.night_mode("sunset"), night_mode="sunset"),
    _step(S.date_format("dd.MM.yyyy"), date_format="dd.MM.yyyy"),
    # phase3, HuamiSupport
    _step(S.date_display("time"), date_display="time"),
    _step(S.time_format("12h"), time_format="12h"),
    _step(S.user_info(datetime.date(1985, 7, 14), "female", 172, 61.5,
                      0x12345678),
          birth_date="1985-07-14", sex="female", height_cm=172,
          weight_g=61500, user_id=0x12345678),
    _step(S.distance_unit("imperial"), distance_unit="imperial"),
    _step(S.wear_location("right"), wear_location="right"),
    _step(S.step_goal(10000), step_goal=10000),
    # MiBand3Support.setDisplayItems: notifications, activity, status,
    # heart rate shown, in that order, the others after them.
    _step(S.display_items([1, 3, 5, 6], [1, 5, 2, 6, 3, 4, 7, 8]),
          display_items=0x6B, display_order="15263478"),
    _step(S.dnd("scheduled", (23, 0), (7, 0), lift_wrist=True),
          dnd="scheduled", dnd_start="23:00", dnd_end="07:00",
          dnd_lift_wrist=True),
    _step(S.rotate_wrist(True), rotate_wrist=True),
    _step(S.lift_wrist("scheduled", (7, 0), (22, 30)),
          lift_wrist="scheduled", lift_wrist_start="07:00",
          lift_wrist_end="22:30"),
    _step(S.display_caller(False), display_caller=False),
    _step(S.goal_notification(False), goal_notification=False),
    _step(S.inactivity(True, 45, (9, 0), (12, 0), (13, 30), (20, 0)),
          inactivity=True, inactivity_minutes=45, inactivity_start="09:00",
          inactivity_end="12:00", inactivity_start2="13:30",
          inactivity_end2="20:00"),
    _step(S.sleep_assist(True), sleep_assist=True),
    _step(S.hr_activity_monitoring(True), hr_activity_monitoring=True),
    _step(S.hr_alert(True, 120), hr_alert=True, hr_alert_bpm=120),
    _step(S.stress_monitoring(True), stress_monitoring=True),
    _step(S.disconnect_notification("on"), disconnect_notification="on"),
    _step(S.hr_sharing(True), hr_sharing=True),
    _step(S.hr_interval(10), hr_interval_min=10),
    _step(S.password(False, "1234"), password=False),
    # MiBand4Support.phase3Initialize
    _step(S.lift_wrist_sensitivity("sensitive"),
          lift_wrist_sensitivity="sensitive"),
    # requestAlarms, sendPhoneSilentMode
    _step(S.REQUEST_ALARMS, query=True),
    _step(S.REQUEST_ALARMS_WITH_TIMES),
    _step(S.phone_silent(True), phone_silent=True),
]

# onSetAlarms: every slot, the unused ones cleared.
ALARMS = [
    S.alarm(0, 7, 30, ("mon", "tue", "wed", "thu", "fri")),
    S.alarm(1, 9, 0, ("sat", "sun"), enabled=False),
    S.alarm(2, 6, 15, once=True, snooze=False),
] + [S.alarm(slot) for slot in range(3, S.ALARM_SLOTS)]

# What Settings says of them.
ALARM_SETTINGS = [
    {"slot": 0, "enabled": True, "snooze": True, "hour": 7, "minute": 30,
     "days": 0x1F, "once": False},
    {"slot": 1, "enabled": False, "snooze": True, "hour": 9, "minute": 0,
     "days": 0x60, "once": False},
    {"slot": 2, "enabled": True, "snooze": False, "hour": 6, "minute": 15,
     "days": 0x00, "once": True},
]
ALARM_STATES = [S.AlarmState(0, True), S.AlarmState(1, False),
                S.AlarmState(2, True)]


def without_rtc(settings: dict) -> dict:
    """Settings without the RTC's time zone and DST byte (kept by the
    RTC, not by settings.ini)."""
    return {k: v for k, v in settings.items() if k not in ("tz", "dst")}
