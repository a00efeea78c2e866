"""The settings a companion app writes after auth (fact sheet §11, §2.5,
§2.3; docs/settings.md), as typed calls over any Link.

SettingsClient writes each setting with the bytes protocol/settings.py
builds: configuration commands as Write Commands on 00000003, user
settings as Write Requests on 00000008, the heart-rate settings as
Write Requests on 0x2A39.  The band answers the queries on 00000003
(``10 0D 01 ...``, ``10 0E 01 ...``); what it answers to a setting is
policy (docs/policies.md#settings), so the setters wait for nothing and
refused() takes the answer to a command a test expects refused.

Each setter set_NAME(...) is protocol/settings.py's NAME(...) written:
its arguments, and their defaults, are the builder's alone.
"""

import inspect

from ..link.base import DEFAULT_TIMEOUT, Link, ProtocolError
from ..link.deadline import as_deadline
from ..protocol import settings as S
from ..protocol.att import NOTIFY_ON
from ..protocol.huami import StatusError, answers
from ..protocol.profile import Profile
from .base import LinkClient


class SettingsRefused(StatusError):
    """A query answered with a status other than 01."""


def _setter(build):
    """The SettingsClient method set_NAME(...) that writes what the
    builder NAME(...) of protocol/settings.py returns, with the
    builder's signature and docstring."""
    def set_(self, *args, **kwargs) -> None:
        self.write(build(*args, **kwargs))

    set_.__name__ = f"set_{build.__name__}"
    set_.__qualname__ = f"SettingsClient.{set_.__name__}"
    set_.__doc__ = build.__doc__
    # help() and inspect show the builder's parameters, not *args.
    signature = inspect.signature(build)
    receiver = inspect.Parameter("self",
                                 inspect.Parameter.POSITIONAL_OR_KEYWORD)
    set_.__signature__ = signature.replace(
        parameters=[receiver, *signature.parameters.values()],
        return_annotation=None)
    return set_


class SettingsClient(LinkClient):
    """The settings of one band, over one link."""

    def __init__(self, att: Link, profile: Profile = None,
                 timeout: float = DEFAULT_TIMEOUT):
        super().__init__(att, profile, timeout)
        self.handles = {}
        self.cccds = {}
        for uuid in (S.CONFIGURATION, S.USER_SETTINGS, S.HR_CONTROL):
            self.handles[uuid], self.cccds[uuid] = self.handles_of(uuid)

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

    def reply(self, uuid: str = S.CONFIGURATION, timeout=None) -> bytes:
        """The next notification on 00000003 (or uuid)."""
        return self.att.wait_notification(self.handles[uuid],
                                          as_deadline(timeout, self.timeout))

    def answer(self, write: S.Write, timeout=None) -> bytes:
        """Send write and return the band's answer to it, the first
        notification on its characteristic, ``10 <cmd> <status> ...``
        whatever the status: an answer to anything else (a refusal of
        an earlier command) is a ProtocolError."""
        deadline = as_deadline(timeout, self.timeout)
        self.write(write, deadline)
        reply = self.reply(write.uuid, deadline)
        if not answers(reply, write.payload[0]):
            raise ProtocolError(f"{write} was answered "
                                f"{bytes(reply).hex(' ')}")
        return reply

    def query(self, write: S.Write, timeout=None) -> bytes:
        """Send a query and return the band's answer to it (answer()),
        SettingsRefused for a status other than 01."""
        reply = self.answer(write, timeout)
        if reply[2] != 0x01:
            raise SettingsRefused(write.payload[0], reply[2], reply)
        return reply

    def refused(self, write: S.Write, timeout=None) -> int:
        """Send a command the band should refuse; the status of its
        ``10 <cmd> <status>`` (ProtocolError for any other answer)."""
        return self.answer(write, timeout)[2]

    # --------------------------------------------------------- queries

    def alarms(self, timeout=None) -> list:
        """[AlarmState(slot, enabled)] of the alarms in use (0D)."""
        return S.decode_alarms(self.query(S.REQUEST_ALARMS, timeout))

    def gps_version(self, timeout=None) -> str:
        return S.decode_gps_version(self.query(S.REQUEST_GPS_VERSION,
                                               timeout))

    # --------------------------------------------------------- setters

    set_date_display = _setter(S.date_display)
    set_time_format = _setter(S.time_format)
    set_distance_unit = _setter(S.distance_unit)
    set_lift_wrist = _setter(S.lift_wrist)
    set_lift_wrist_sensitivity = _setter(S.lift_wrist_sensitivity)
    set_disconnect_notification = _setter(S.disconnect_notification)
    set_language = _setter(S.language)
    set_date_format = _setter(S.date_format)
    set_phone_silent = _setter(S.phone_silent)
    set_hr_sharing = _setter(S.hr_sharing)
    set_display_caller = _setter(S.display_caller)
    set_goal_notification = _setter(S.goal_notification)
    set_rotate_wrist = _setter(S.rotate_wrist)
    set_screen_unlock = _setter(S.screen_unlock)
    set_connected_advertising = _setter(S.connected_advertising)
    set_hr_activity_monitoring = _setter(S.hr_activity_monitoring)
    set_hr_alert = _setter(S.hr_alert)
    set_password = _setter(S.password)
    set_night_mode = _setter(S.night_mode)
    set_stress_monitoring = _setter(S.stress_monitoring)
    set_inactivity = _setter(S.inactivity)
    set_dnd = _setter(S.dnd)
    set_alarm = _setter(S.alarm)
    set_display_items = _setter(S.display_items)
    set_hourly_chime = _setter(S.hourly_chime)
    set_wear_location = _setter(S.wear_location)
    set_user_info = _setter(S.user_info)
    set_step_goal = _setter(S.step_goal)
    set_hr_interval = _setter(S.hr_interval)
    set_sleep_assist = _setter(S.sleep_assist)

    def factory_reset(self):
        self.write(S.FACTORY_RESET)
