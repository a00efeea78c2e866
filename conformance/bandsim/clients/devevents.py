"""What a phone app does with the band's own events (fact sheet §9): it
hears them on 00000010, and answers find phone on 00000003.

DeviceEventsClient reads each event as protocol/devevents.py decodes it
(the music screen's buttons, find phone, sleep, non-wear, ...) and
answers find phone the ways companion apps do: ``06 14 00 00`` at once
when the band starts looking (Gadgetbridge: "the phone rings"), and
``06 14 00 01`` (satcar77, after the band's 0F; "found").  The answers
are Write Commands, as every write to 00000003; the band answers none.

A band announces its MTU with ``16 <mtu>`` when a link still at ATT_MTU
23 subscribes (§13); like Gadgetbridge, the client takes that as the
link's news, not the wearer's: next() sets it aside (announced_mtu)
unless asked for it.
"""

from ..link.base import DEFAULT_TIMEOUT, Link, ProtocolError, Timeout
from ..link.deadline import as_deadline
from ..protocol import devevents, settings, uuids
from ..protocol.att import NOTIFY_ON
from ..protocol.profile import Profile
from ..protocol.values import ValueFormatError
from .base import LinkClient


class UnexpectedEvent(ProtocolError):
    """The band sent another event than the one the app waits for."""

    def __init__(self, wanted: str, event: devevents.DeviceEvent):
        self.event = event
        super().__init__(f"waited for {wanted}, the band sent "
                         f"{devevents.describe(bytes(event))}")


class DeviceEventsClient(LinkClient):
    """The band's device events on one link."""

    def __init__(self, att: Link, profile: Profile = None,
                 timeout: float = DEFAULT_TIMEOUT):
        super().__init__(att, profile, timeout)
        self.event_handle, self.event_cccd = \
            self.handles_of(uuids.DEVICE_EVENT)
        self.config_handle, _ = self.handles_of(uuids.CONFIGURATION)
        self.announced_mtu = None
        self._early = []    # events met while looking for the MTU's

    def enable_notifications(self, timeout=None) -> None:
        """CCCD ``01 00`` on 00000010."""
        self.att.write(self.event_cccd, NOTIFY_ON,
                       as_deadline(timeout, self.timeout))

    def take_announcement(self, timeout=None):
        """After enable_notifications(): the MTU the band announced to a
        link still at ATT_MTU 23 (§13: a real band, an emulator on the
        air or at --pace real), set aside as the link's news
        (announced_mtu), or None.  The band may send it after the
        enable's response (the emulator does); a read answered after it
        (settle()) says whether it came.  An event of the wearer's met
        first stays for next()."""
        self.settle(timeout)
        try:
            raw = self.att.wait_notification(self.event_handle, 0)
        except Timeout:
            return None
        event = self._decode(raw)
        if event.code != devevents.MTU:
            self._early.append(event)
            return None
        self.announced_mtu = event.mtu
        return event.mtu

    @staticmethod
    def _decode(raw: bytes) -> devevents.DeviceEvent:
        try:
            return devevents.decode(raw)
        except ValueFormatError as exc:
            raise ProtocolError(str(exc)) from None

    def next(self, timeout=None, mtu: bool = False) -> devevents.DeviceEvent:
        """The next event the band sends, its MTU announcement set aside
        unless mtu; ProtocolError for a value that does not fit §9."""
        if self._early:
            return self._early.pop(0)
        deadline = as_deadline(timeout, self.timeout)
        while True:
            event = self._decode(
                self.att.wait_notification(self.event_handle, deadline))
            if event.code != devevents.MTU or mtu:
                return event
            self.announced_mtu = event.mtu

    def expect(self, code: int, timeout=None) -> devevents.DeviceEvent:
        """The next event, which must be code (UnexpectedEvent if not)."""
        event = self.next(timeout, mtu=code == devevents.MTU)
        if event.code != code:
            raise UnexpectedEvent(devevents.NAMES.get(code, f"{code:#04x}"),
                                  event)
        return event

    def music(self, timeout=None) -> str:
        """The next event, a press on the music screen: its action
        ("play", "open", ...)."""
        return self.expect(devevents.MUSIC_CONTROL, timeout).music

    def answer_find_phone(self, found: bool = False) -> None:
        """06 14 00 00 ("the phone rings") or 06 14 00 01 ("found")."""
        write = settings.find_phone_ack(found)
        self.att.write_command(self.config_handle, write.payload)

    def wait_find_phone(self, timeout=None) -> None:
        """The band starts looking for the phone (08); answered at once,
        as Gadgetbridge does."""
        self.expect(devevents.FIND_PHONE_START, timeout)
        self.answer_find_phone(False)
