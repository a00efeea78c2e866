"""A phone app in the band's workouts (docs/workouts.md; fact sheet §9):
it hears the workout's status on 0000000f (``11 02`` started, ``11 05``
ended) and device event 14 on 00000010, and sends the phone's GPS as
Gadgetbridge does, a chunked transfer of type 6 on 00000020, or whole
on 0000000f.
"""

from ..link.base import DEFAULT_TIMEOUT, Link, ProtocolError
from ..link.deadline import as_deadline
from ..protocol import alerts, uuids
from ..protocol import workouts as W
from ..protocol.att import NOTIFY_ON
from ..protocol.profile import Profile
from .base import LinkClient

# GB's chunk type for the phone's GPS (HuamiSupport.sendPhoneGps).
CHUNK_GPS = 6


class SportClient(LinkClient):
    """The band's workouts over one (authenticated) link."""

    def __init__(self, att: Link, profile: Profile = None,
                 timeout: float = DEFAULT_TIMEOUT):
        super().__init__(att, profile, timeout)
        self.status_handle, self.status_cccd = \
            self.handles_of(uuids.WORKOUT)
        self.chunked_handle, _ = self.handles_of(uuids.CHUNKED)

    def watch_status(self, timeout=None) -> None:
        """CCCD ``01 00`` on 0000000f."""
        self.att.write(self.status_cccd, NOTIFY_ON,
                       as_deadline(timeout, self.timeout))

    def status(self, timeout=None) -> int:
        """The next ``11 <status>`` on 0000000f: W.STATUS_START or
        W.STATUS_END; ProtocolError for anything else."""
        value = self.att.wait_notification(self.status_handle,
                                           as_deadline(timeout, self.timeout))
        if len(value) != 2 or value[0] != W.STATUS_PREFIX:
            raise ProtocolError(f"workout status {bytes(value).hex(' ')}, "
                                f"expected 11 <status>")
        return value[1]

    def send_gps(self, lon: float, lat: float, status: int = None,
                 whole: bool = False, **more) -> None:
        """A position (degrees): chunked, cut for the link's ATT_MTU, as
        GB sends it; whole=True writes it on 0000000f in one."""
        payload = W.gps_payload(lon, lat, status=status, **more)
        if whole:
            self.att.write_command(self.status_handle, payload)
            return
        for chunk in alerts.chunks(CHUNK_GPS, payload, self.att.mtu):
            self.att.write_command(self.chunked_handle, chunk)
