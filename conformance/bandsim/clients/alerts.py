"""What a phone app sends a band to tell its wearer something (fact
sheet §2.1, §2.6, §9; docs/alerts.md), over any Link.

AlertClient writes text alerts to 0x2A46 with Write Requests (the link
sends a long one as Prepare Writes and an Execute Write, as a BLE stack
does), notifications, calls, the weather and the track playing as
chunked transfers on 00000020 (Write Commands cut to ATT_MTU), and the
alert level on 0x2A06 (find band).  The band answers a call on
00000010: wait_call_answer() takes 07 (rejected) or 09 (ignored).  None
of it needs the key (§2.1).
"""

from ..link.base import DEFAULT_TIMEOUT, Link
from ..link.deadline import as_deadline
from ..protocol import alerts as A
from ..protocol import uuids
from ..protocol.att import NOTIFY_ON
from ..protocol.profile import Profile
from .base import LinkClient


class AlertClient(LinkClient):
    """The alerts of one band, over one link."""

    def __init__(self, att: Link, profile: Profile = None,
                 timeout: float = DEFAULT_TIMEOUT):
        super().__init__(att, profile, timeout)
        self.new_alert_handle, _ = self.handles_of(uuids.NEW_ALERT)
        self.alert_level_handle, _ = self.handles_of(uuids.ALERT_LEVEL)
        self.chunked_handle, _ = self.handles_of(uuids.CHUNKED)
        self.device_event, self.device_event_cccd = \
            self.handles_of(uuids.DEVICE_EVENT)

    # ------------------------------------------------------------ 0x2A46

    def send(self, category: int, title: str, text: str = "",
             timeout=None) -> None:
        """A text alert on 0x2A46 (AttError if the band refuses it)."""
        self.write_new_alert(A.alert(category, title, text), timeout)

    def write_new_alert(self, value: bytes, timeout=None) -> None:
        """Exactly value on 0x2A46, with a Write Request."""
        self.att.write(self.new_alert_handle, value,
                       as_deadline(timeout, self.timeout))

    # ------------------------------------------------------ 00000020

    def send_chunked(self, type_: int, payload: bytes) -> None:
        """One transfer, cut for the link's ATT_MTU (§2.6)."""
        for write in A.chunks(type_, payload, self.att.mtu):
            self.write_chunk(write)

    def write_chunk(self, write: bytes) -> None:
        """Exactly one write on 00000020 (a Write Command)."""
        self.att.write_command(self.chunked_handle, write)

    def notify(self, category: int, title: str, text: str = "") -> None:
        """A notification as Gadgetbridge sends it to a Mi Band 4: a
        type-0 transfer."""
        self.send_chunked(A.ChunkType.ALERT, A.alert(category, title, text))

    def incoming_call(self, caller: str, chunked: bool = False,
                      timeout=None) -> None:
        if chunked:
            self.send_chunked(A.ChunkType.ALERT, A.call(caller))
        else:
            self.write_new_alert(A.call(caller), timeout)

    def music(self, state: int, artist: str = "", album: str = "",
              track: str = "", position_s: int = 0,
              duration_s: int = 0) -> None:
        self.send_chunked(A.ChunkType.MUSIC,
                          A.music(state, artist, album, track, position_s,
                                  duration_s))

    def weather(self, timestamp: int, condition: int, temperature: int,
                text: str) -> None:
        self.send_chunked(A.ChunkType.WEATHER,
                          A.weather_current(timestamp, condition,
                                            temperature, text))

    # ------------------------------------------------------------ 0x2A06

    def alert_level(self, level: int) -> None:
        self.att.write_command(self.alert_level_handle, bytes([level]))

    def find_band(self) -> None:
        """The band vibrates until stop_find_band()."""
        self.alert_level(A.Level.FIND)

    def stop_find_band(self) -> None:
        self.alert_level(A.Level.NONE)

    def end_call(self) -> None:
        """The call was answered or hung up on the phone (Gadgetbridge
        writes 00 on 0x2A06)."""
        self.alert_level(A.Level.NONE)

    # ------------------------------------------------------ 00000010

    def watch_events(self, timeout=None) -> None:
        """Notifications on 00000010, where the band answers calls."""
        self.att.write(self.device_event_cccd, NOTIFY_ON,
                       as_deadline(timeout, self.timeout))

    def wait_call_answer(self, timeout=None) -> int:
        """The band's answer to the call: CALL_REJECTED or CALL_IGNORED;
        other device events on the way are passed over."""
        deadline = as_deadline(timeout, self.timeout)
        while True:
            value = self.att.wait_notification(self.device_event, deadline)
            if value and value[0] in (A.CALL_REJECTED, A.CALL_IGNORED):
                return value[0]

