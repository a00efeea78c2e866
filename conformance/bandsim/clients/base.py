"""What the clients of the Huami command characteristics share.

Auth (00000009), fetch (00000004, data on 00000005) and firmware
(00001531, data on 00001532) each send commands to one characteristic
and hear the band's replies as notifications on the same one,
``10 <command> <status> ...`` (protocol/huami.py).  CommandClient holds
what is the same for the three: the handles from the profile, turning
notifications on, sending a command, taking the next reply and checking
it with the client's own errors.

LinkClient is what every client, of these or of any other
characteristics, starts from: the link, the default timeout and the
profile that names the handles.
"""

from ..link.base import DEFAULT_TIMEOUT, Disconnected, Link, ProtocolError
from ..link.deadline import as_deadline
from ..protocol.att import NOTIFY_ON
from ..protocol.huami import StatusError, check_reply
from ..protocol.profile import Profile, default_profile
from ..protocol.uuids import NEW_ALERT


class Interrupted(Disconnected):
    """The link ended in the middle of a step, how far it got kept in
    the attribute PROGRESS names (samples received, bytes sent)."""

    PROGRESS = "progress"

    def __init__(self, message: str, progress: int = 0):
        setattr(self, self.PROGRESS, progress)
        super().__init__(message)


class LinkClient:
    """Some of one band's characteristics, over one link: the link, the
    default timeout of a call that is given none, and the profile that
    says which handles the characteristics have."""

    def __init__(self, att: Link, profile: Profile = None,
                 timeout: float = DEFAULT_TIMEOUT):
        self.att = att
        self.timeout = timeout
        self.profile = profile or default_profile()

    def handles_of(self, uuid: str) -> tuple:
        """(value handle, CCCD handle) of the characteristic uuid; the
        CCCD handle is None where it has none."""
        chr_ = self.profile.by_uuid(uuid)
        return chr_.value_handle, chr_.cccd_handle

    def settle(self, timeout=None) -> None:
        """Returns once the band has taken every command written before.
        A Write Command has no answer; a Read Request of the band's own
        0x2A46 (readable with or without auth) is answered after the
        writes, in order (over BlueZ too: bluetoothd passes both to the
        band's process on one bus connection, which a read of
        bluetoothd's own GAP would not).  For a test that then looks at
        the band from elsewhere (the control plane, a person's hands)."""
        self.att.read(self.handles_of(NEW_ALERT)[0],
                      as_deadline(timeout, self.timeout))


class CommandClient(LinkClient):
    """One Huami command characteristic (and its data characteristic)
    on one link.

    A subclass names its characteristics and its errors:

    - CONTROL, DATA: the UUIDs (DATA None: commands only);
    - NOTIFY: which of them get notifications turned on;
    - WRITE_REQUEST: commands go out as Write Requests instead of Write
      Commands;
    - WrongReply: raised for a reply that answers another command;
      Refusal for another status than 01, REFUSALS naming a subclass
      per status.
    """

    CONTROL: str = None
    DATA: str = None
    NOTIFY = ("control",)
    WRITE_REQUEST = False
    WrongReply = ProtocolError
    Refusal = StatusError
    REFUSALS = {}

    def __init__(self, att: Link, profile: Profile = None,
                 timeout: float = DEFAULT_TIMEOUT):
        super().__init__(att, profile, timeout)
        self.control_handle, self.control_cccd = self.handles_of(self.CONTROL)
        if self.DATA is not None:
            self.data_handle, self.data_cccd = self.handles_of(self.DATA)

    def enable_notifications(self, timeout=None) -> None:
        """CCCD ``01 00`` on each characteristic in NOTIFY (Write
        Requests, one deadline for all)."""
        deadline = as_deadline(timeout, self.timeout)
        for which in self.NOTIFY:
            self.att.write(getattr(self, f"{which}_cccd"), NOTIFY_ON,
                           deadline)

    def send(self, payload: bytes, timeout=None) -> None:
        """The command characteristic gets exactly the bytes given: a
        Write Command, or with WRITE_REQUEST a Write Request that waits
        for its Write Response within timeout."""
        if self.WRITE_REQUEST:
            self.att.write(self.control_handle, bytes(payload),
                           as_deadline(timeout, self.timeout))
        else:
            self.att.write_command(self.control_handle, bytes(payload))

    def reply(self, timeout=None) -> bytes:
        """The next notification on the command characteristic."""
        return self.att.wait_notification(
            self.control_handle, as_deadline(timeout, self.timeout))

    def command(self, payload: bytes, timeout=None) -> bytes:
        """Send any bytes and return the reply they get, unchecked."""
        deadline = as_deadline(timeout, self.timeout)
        self.send(payload, deadline)
        return self.reply(deadline)

    @classmethod
    def check(cls, reply: bytes, command: int) -> bytes:
        """The payload of ``10 <command> 01 ...``; the client's errors
        for anything else."""
        return check_reply(reply, command, cls.WrongReply, cls._refused)

    @classmethod
    def _refused(cls, command: int, status: int, reply: bytes):
        return cls.REFUSALS.get(status, cls.Refusal)(command, status, reply)
