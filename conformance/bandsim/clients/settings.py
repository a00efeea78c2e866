"""The settings a companion app writes after auth (fact sheet §11, §2.5,
§2.3; docs/settings.md), as typed calls over any Link.

SettingsClient writes each setting with the bytes protocol/settings.py
builds: configuration commands as Write Commands on 00000003, user
settings as Write Requests on 00000008, the heart-rate settings as
Write Requests on 0x2A39.  The band answers the queries on 00000003
(``10 0D 01 ...``, ``10 0E 01 ...``); what it answers to a setting is
policy (docs/policies.md#settings), so the setters wait for nothing and
refused() takes the answer to a command a test expects refused.
"""

from ..link.base import DEFAULT_TIMEOUT, Link, ProtocolError
from ..link.deadline import as_deadline
from ..protocol import settings as S
from ..protocol.att import NOTIFY_ON
from ..protocol.huami import StatusError, answers
from ..protocol.profile import Profile, default_profile


class SettingsRefused(StatusError):
    """A query answered with a status other than 01."""


class SettingsClient:
    """The settings of one band, over one link."""

    def __init__(self, att: Link, profile: Profile = None,
                 timeout: float = DEFAULT_TIMEOUT):
        profile = profile or default_profile()
        self.att = att
        self.timeout = timeout
        self.handles = {}
        self.cccds = {}
        for uuid in (S.CONFIGURATION, S.USER_SETTINGS, S.HR_CONTROL):
            chr_ = profile.by_uuid(uuid)
            self.handles[uuid] = chr_.value_handle
            self.cccds[uuid] = chr_.cccd_handle

    # ------------------------------------------------------------ link

    def enable_notifications(self, timeout=None) -> None:
        """CCCD 01 00 on 00000003 and 00000008, where the band answers."""
        deadline = as_deadline(timeout, self.timeout)
        for uuid in (S.CONFIGURATION, S.USER_SETTINGS):
            self.att.write(self.cccds[uuid], NOTIFY_ON, deadline)

    def write(self, write: S.Write, timeout=None) -> None:
        """Exactly write's bytes to its characteristic: a Write Command on
        00000003, a Write Request (AttError if refused) elsewhere."""
        handle = self.handles[write.uuid]
        if write.uuid == S.CONFIGURATION:
            self.att.write_command(handle, write.payload)
        else:
            self.att.write(handle, write.payload,
                           as_deadline(timeout, self.timeout))

    def settle(self, timeout=None) -> None:
        """Returns once the band has taken every command written before:
        a Read Request (0x2A39) is answered after them, in order.  For a
        test that then looks at the band from elsewhere (the control
        plane)."""
        self.att.read(self.handles[S.HR_CONTROL],
                      as_deadline(timeout, self.timeout))

    def reply(self, uuid: str = S.CONFIGURATION, timeout=None) -> bytes:
        """The next notification on 00000003 (or uuid)."""
        return self.att.wait_notification(self.handles[uuid],
                                          as_deadline(timeout, self.timeout))

    def query(self, write: S.Write, timeout=None) -> bytes:
        """Send a query and return the band's answer to it, the first
        notification on 00000003: an answer to anything else (a refusal
        of an earlier command) is a ProtocolError."""
        deadline = as_deadline(timeout, self.timeout)
        self.write(write, deadline)
        reply = self.reply(write.uuid, deadline)
        if not answers(reply, write.payload[0]):
            raise ProtocolError(f"{write} was answered "
                                f"{bytes(reply).hex(' ')}")
        if reply[2] != 0x01:
            raise SettingsRefused(write.payload[0], reply[2], reply)
        return reply

    def refused(self, write: S.Write, timeout=None) -> int:
        """Send a command the band should refuse; the status of its
        ``10 <cmd> <status>`` (ProtocolError for any other answer)."""
        deadline = as_deadline(timeout, self.timeout)
        self.write(write, deadline)
        reply = self.reply(write.uuid, deadline)
        if not answers(reply, write.payload[0]):
            raise ProtocolError(f"{write} was answered "
                                f"{bytes(reply).hex(' ')}")
        return reply[2]

    # --------------------------------------------------------- queries

    def alarms(self, timeout=None) -> list:
        """[AlarmState(slot, enabled)] of the alarms in use (0D)."""
        return S.decode_alarms(self.query(S.REQUEST_ALARMS, timeout))

    def gps_version(self, timeout=None) -> str:
        return S.decode_gps_version(self.query(S.REQUEST_GPS_VERSION,
                                               timeout))

    # --------------------------------------------------------- setters

    def set_date_display(self, value: str):
        self.write(S.date_display(value))

    def set_time_format(self, value: str):
        self.write(S.time_format(value))

    def set_distance_unit(self, value: str):
        self.write(S.distance_unit(value))

    def set_lift_wrist(self, mode: str, start=(0, 0), end=(0, 0)):
        self.write(S.lift_wrist(mode, start, end))

    def set_lift_wrist_sensitivity(self, value: str):
        self.write(S.lift_wrist_sensitivity(value))

    def set_disconnect_notification(self, mode: str, start=(0, 0),
                                    end=(0, 0)):
        self.write(S.disconnect_notification(mode, start, end))

    def set_language(self, locale: str):
        self.write(S.language(locale))

    def set_date_format(self, value: str):
        self.write(S.date_format(value))

    def set_phone_silent(self, on: bool):
        self.write(S.phone_silent(on))

    def set_hr_sharing(self, on: bool):
        self.write(S.hr_sharing(on))

    def set_display_caller(self, on: bool):
        self.write(S.display_caller(on))

    def set_goal_notification(self, on: bool):
        self.write(S.goal_notification(on))

    def set_rotate_wrist(self, on: bool):
        self.write(S.rotate_wrist(on))

    def set_screen_unlock(self, on: bool):
        self.write(S.screen_unlock(on))

    def set_connected_advertising(self, on: bool):
        self.write(S.connected_advertising(on))

    def set_hr_activity_monitoring(self, on: bool):
        self.write(S.hr_activity_monitoring(on))

    def set_hr_alert(self, on: bool, bpm: int):
        self.write(S.hr_alert(on, bpm))

    def set_password(self, on: bool, code: str):
        self.write(S.password(on, code))

    def set_night_mode(self, mode: str, start=(16, 0), end=(7, 0)):
        self.write(S.night_mode(mode, start, end))

    def set_stress_monitoring(self, on: bool):
        self.write(S.stress_monitoring(on))

    def set_inactivity(self, on: bool, minutes: int = 60, start=(6, 0),
                       end=(22, 0), start2=(0, 0), end2=(0, 0)):
        self.write(S.inactivity(on, minutes, start, end, start2, end2))

    def set_dnd(self, mode: str, start=(1, 0), end=(6, 0),
                lift_wrist: bool = False):
        self.write(S.dnd(mode, start, end, lift_wrist))

    def set_alarm(self, slot: int, hour: int = 0, minute: int = 0,
                  days=(), enabled: bool = True, snooze: bool = True,
                  once: bool = False):
        self.write(S.alarm(slot, hour, minute, days, enabled, snooze, once))

    def set_display_items(self, shown, order=None):
        self.write(S.display_items(shown, order))

    def set_hourly_chime(self, on: bool, start=(8, 0), end=(22, 0)):
        self.write(S.hourly_chime(on, start, end))

    def set_wear_location(self, wrist: str):
        self.write(S.wear_location(wrist))

    def set_user_info(self, birth, sex: str, height_cm: int,
                      weight_kg: float, user_id: int):
        self.write(S.user_info(birth, sex, height_cm, weight_kg, user_id))

    def set_step_goal(self, steps: int):
        self.write(S.step_goal(steps))

    def set_hr_interval(self, minutes: int):
        self.write(S.hr_interval(minutes))

    def set_sleep_assist(self, on: bool):
        self.write(S.sleep_assist(on))

    def factory_reset(self):
        self.write(S.FACTORY_RESET)
