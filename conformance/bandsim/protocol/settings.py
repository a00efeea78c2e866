"""The settings a companion app writes, as bytes (fact sheet §11, §2.5,
§2.3; docs/settings.md): one builder per command, and the decoders of
the band's answers to the queries.

Each builder returns a Write: the characteristic it goes to and its
bytes.  00000003 (configuration) takes Write Commands and answers on
itself; 00000008 (user settings) and 0x2A39 (heart-rate control) take
Write Requests.  A value out of the command's range raises ValueError
here, so that a malformed command is built on purpose (Write(...)
with raw bytes), never by accident.

The bytes are those Gadgetbridge sends a Mi Band 4 (GB-HuamiService,
GB-HuamiSupport set*, queueAlarm, requestAlarms; docs/settings.md names
each source).
"""

import datetime
import struct
from typing import NamedTuple

from . import uuids
from .huami import check_reply

CONFIGURATION = uuids.CONFIGURATION
USER_SETTINGS = uuids.USER_SETTINGS
HR_CONTROL = uuids.HR_CONTROL

ALARM_SLOTS = 10
ONCE = 0x80
EVERY_DAY = 0x7F
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

QUERY_ALARMS = 0x0D
QUERY_GPS = 0x0E


class Write(NamedTuple):
    """bytes for one characteristic (a UUID of protocol.uuids)."""
    uuid: str
    payload: bytes

    def __str__(self) -> str:
        return self.payload.hex(" ")


def _config(*parts) -> Write:
    return Write(CONFIGURATION, bytes(parts))


def _flag(on) -> int:
    return 0x01 if on else 0x00


def _hm(t) -> bytes:
    """A time of day (datetime.time or (hour, minute)) as hour, minute."""
    hour, minute = (t.hour, t.minute) if isinstance(t, datetime.time) \
        else t
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"not a time of day: {t!r}")
    return bytes([hour, minute])


def _window(start, end) -> bytes:
    return _hm(start) + _hm(end)


def _display(sub: int, *value) -> Write:
    """06 <sub> 00 <value>: the display and clock settings."""
    return _config(0x06, sub, 0x00, *value)


def _choice(value, choices):
    if value not in choices:
        raise ValueError(f"{value!r} is not one of {sorted(choices)}")
    return choices[value]


# ------------------------------------------------------- 00000003, 06 xx

def date_display(value: str) -> Write:
    """"time" or "date-time"."""
    return _display(0x0A, _choice(value, {"time": 0x00, "date-time": 0x03}))


def time_format(value: str) -> Write:
    """"12h" or "24h"."""
    return _display(0x02, _choice(value, {"12h": 0x00, "24h": 0x01}))


def distance_unit(value: str) -> Write:
    """"metric" or "imperial"."""
    return _display(0x03, _choice(value, {"metric": 0x00,
                                          "imperial": 0x01}))


def _schedule(sub, mode, start, end, short_off):
    if mode == "off":
        return _display(sub, 0x00) if short_off else \
            Write(CONFIGURATION, _display(sub, 0x00).payload + bytes(4))
    if mode == "on":
        return Write(CONFIGURATION, _display(sub, 0x01).payload + bytes(4))
    if mode == "scheduled":
        return Write(CONFIGURATION,
                     _display(sub, 0x01).payload + _window(start, end))
    raise ValueError(f"{mode!r} is not off, on or scheduled")


def lift_wrist(mode: str, start=(0, 0), end=(0, 0)) -> Write:
    """Lift the wrist to light the screen: "off", "on", or "scheduled"
    between start and end."""
    return _schedule(0x05, mode, start, end, short_off=True)


def lift_wrist_sensitivity(value: str) -> Write:
    """"normal" or "sensitive"."""
    return _display(0x23, _choice(value, {"normal": 0x00,
                                          "sensitive": 0x01}))


def disconnect_notification(mode: str, start=(0, 0), end=(0, 0)) -> Write:
    """Vibrate when the phone is gone: "off", "on", "scheduled"."""
    return _schedule(0x0C, mode, start, end, short_off=False)


def language(locale: str) -> Write:
    """A locale as "en_US"."""
    raw = locale.encode("ascii")
    if len(raw) != 5 or raw[2:3] != b"_":
        raise ValueError(f"not a locale ll_CC: {locale!r}")
    return _display(0x17, *raw)


DATE_FORMATS = ("MM/dd/yyyy", "dd.MM.yyyy", "dd/MM/yyyy")


def date_format(value: str) -> Write:
    """One of DATE_FORMATS."""
    if value not in DATE_FORMATS:
        raise ValueError(f"{value!r} is not one of {DATE_FORMATS}")
    return _display(0x1E, *value.encode("ascii"))


def phone_silent(on: bool) -> Write:
    return _display(0x19, _flag(on))


def hr_sharing(on: bool) -> Write:
    """Expose the heart rate to third-party apps."""
    return _display(0x1F, _flag(on))


def display_caller(on: bool) -> Write:
    return _display(0x10, 0x00, _flag(on))


def goal_notification(on: bool) -> Write:
    return _display(0x06, _flag(on))


def rotate_wrist(on: bool) -> Write:
    return _display(0x0D, _flag(on))


def screen_unlock(on: bool) -> Write:
    return _display(0x16, _flag(on))


def connected_advertising(on: bool) -> Write:
    return _display(0x01, _flag(on))


def hr_activity_monitoring(on: bool) -> Write:
    return _display(0x22, _flag(on))


def hr_alert(on: bool, bpm: int) -> Write:
    if not 80 <= bpm <= 200:
        raise ValueError(f"heart-rate alert at {bpm} bpm")
    return _display(0x1A, _flag(on), bpm)


def password(on: bool, code: str) -> Write:
    """Four digits, each 1-4 (a Mi Band 4's)."""
    if len(code) != 4 or any(c not in "1234" for c in code):
        raise ValueError(f"not a Mi Band 4 password: {code!r}")
    return _display(0x21, _flag(on), *code.encode("ascii"), 0x00)


def find_phone_ack(found: bool = False) -> Write:
    """The answer to device event 08 (find phone)."""
    return _display(0x14, _flag(found))


FACTORY_RESET = _display(0x0B, 0x01)


# --------------------------------------------------- 00000003, the others

def night_mode(mode: str, start=(16, 0), end=(7, 0)) -> Write:
    """"off", "sunset" or "scheduled" between start and end."""
    if mode == "scheduled":
        return _config(0x1A, 0x01, *_window(start, end))
    return _config(0x1A, _choice(mode, {"off": 0x00, "sunset": 0x02}))


def stress_monitoring(on: bool) -> Write:
    return _config(0xFE, 0x06, 0x00, _flag(on))


def inactivity(on: bool, minutes: int = 60, start=(6, 0), end=(22, 0),
               start2=(0, 0), end2=(0, 0)) -> Write:
    """Warn after minutes of sitting still, inside start-end and
    start2-end2 (00:00-00:00: no second window)."""
    if not 1 <= minutes <= 120:
        raise ValueError(f"inactivity threshold of {minutes} minutes")
    return _config(0x08, _flag(on), minutes, 0x00,
                   *_window(start, end), *_window(start2, end2))


def dnd(mode: str, start=(1, 0), end=(6, 0), lift_wrist: bool = False
        ) -> Write:
    """Do-not-disturb: "off", "automatic" or "scheduled"; lift_wrist:
    lifting the wrist still lights the screen."""
    code = _choice(mode, {"off": 0x82, "automatic": 0x83,
                          "scheduled": 0x81})
    if lift_wrist and mode != "off":
        code &= 0x7F
    if mode == "scheduled":
        return _config(0x09, code, *_window(start, end))
    return _config(0x09, code)


def alarm(slot: int, hour: int = 0, minute: int = 0, days=(),
          enabled: bool = True, snooze: bool = True, once: bool = False
          ) -> Write:
    """Alarm slot (0-9) at hour:minute on days ("mon".."sun"), or once;
    no days and not once: the slot is cleared."""
    if not 0 <= slot < ALARM_SLOTS:
        raise ValueError(f"alarm slot {slot}")
    mask = ONCE if once else day_mask(days)
    flags = (0x80 if enabled and mask else 0) | \
        (0x40 if not snooze and mask else 0)
    return _config(0x02, flags | slot, *_hm((hour, minute)), mask)


def day_mask(days) -> int:
    """("mon", "fri") -> 0x11; bit 0 Monday .. bit 6 Sunday."""
    mask = 0
    for day in days:
        mask |= 1 << DAYS.index(day)
    return mask


REQUEST_ALARMS = _config(QUERY_ALARMS)
# The query of newer Huami firmwares; a Mi Band 4 answers 0D.
REQUEST_ALARMS_WITH_TIMES = _config(0xFF, 0x01, 0x00, 0x00, 0x00)
REQUEST_GPS_VERSION = _config(QUERY_GPS)


def display_items(shown, order=None) -> Write:
    """Display items 1..n (n 5 to 8, the clock is always first): shown
    are the items on screen, order the position of each item (default
    1..n).  GB sends a Mi Band 4 eight."""
    order = list(order or range(1, 9))
    n = len(order)
    if not 5 <= n <= 8 or sorted(order) != list(range(1, n + 1)):
        raise ValueError(f"not an order of items 1..n: {order}")
    mask = 0x01
    for item in shown:
        if not 1 <= item <= n:
            raise ValueError(f"no display item {item}")
        mask |= 1 << item
    return _config(0x0A, *struct.pack("<H", mask), 0x00, *order)


def hourly_chime(on: bool, start=(8, 0), end=(22, 0)) -> Write:
    if on:
        return _config(0xFE, 0x0B, 0x00, 0x01, *_window(start, end))
    return _config(0xFE, 0x0B, 0x00, 0x00)


WRISTS = {"left": 0x02, "right": 0x82}


def wear_location(wrist: str, uuid: str = USER_SETTINGS) -> Write:
    """"left" or "right"; Gadgetbridge writes it to 00000008, the fact
    sheet lists it under 00000003: the band takes it on both."""
    return Write(uuid, bytes([0x20, 0x00, 0x00, _choice(wrist, WRISTS)]))


# ------------------------------------------------------------- 00000008

SEXES = {"male": 0, "female": 1, "other": 2}


def user_info(birth: datetime.date, sex: str, height_cm: int,
              weight_kg: float, user_id: int) -> Write:
    """§2.5: 4F 00 00 <year u16> <month> <day> <sex> <height u16>
    <weight kg x 200 u16> <user id u32>."""
    weight = round(weight_kg * 200)
    return Write(USER_SETTINGS, struct.pack(
        "<BBBHBBBHHI", 0x4F, 0, 0, birth.year, birth.month, birth.day,
        _choice(sex, SEXES), height_cm, weight, user_id & 0xFFFFFFFF))


def step_goal(steps: int) -> Write:
    """§2.5: 10 00 00 <steps u16> 00 00."""
    if not 1 <= steps <= 0xFFFF:
        raise ValueError(f"a goal of {steps} steps")
    return Write(USER_SETTINGS, struct.pack("<BBBHBB", 0x10, 0, 0, steps,
                                            0, 0))


# --------------------------------------------------------------- 0x2A39

def hr_interval(minutes: int) -> Write:
    """§2.3: 14 <minutes>, 0 = off."""
    if not 0 <= minutes <= 60:
        raise ValueError(f"heart-rate interval of {minutes} minutes")
    return Write(HR_CONTROL, bytes([0x14, minutes]))


def sleep_assist(on: bool) -> Write:
    """§2.3: 15 00 <on>."""
    return Write(HR_CONTROL, bytes([0x15, 0x00, _flag(on)]))


# --------------------------------------------------------------- replies

class AlarmState(NamedTuple):
    slot: int
    enabled: bool


def decode_alarms(reply: bytes) -> list:
    """``10 0D 01 <5 bytes> <count> <slot | 0x10 when on>...``, the
    layout Gadgetbridge reads (GB-HuamiSupport
    decodeAndUpdateAlarmStatus): the alarms in use.  ValueError for a
    reply that is not this."""
    payload = check_reply(reply, QUERY_ALARMS)
    if len(payload) < 6 or len(payload) < 6 + payload[5]:
        raise ValueError(f"alarm reply {bytes(reply).hex(' ')}: shorter "
                         f"than the count at byte 8 says")
    return [AlarmState(b & 0x0F, bool(b & 0x10))
            for b in payload[6:6 + payload[5]]]


def decode_gps_version(reply: bytes) -> str:
    """``10 0E 01 <ascii>``."""
    return check_reply(reply, QUERY_GPS).decode("ascii")
