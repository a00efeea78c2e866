"""Replies on the Huami command characteristics (protocol §2.2), and
the auth key.

00000009 (auth), 00000004 (fetch) and 00001531 (firmware) answer a
command with a notification ``10 <command> <status> [payload]`` on the
same characteristic; status 01 is success.  check_reply() is the one
reading of that reply: each client passes the errors it raises for a
reply that answers another command and for a status other than 01.

The auth key (fact sheet §3) is 16 bytes; people write it as 32 hex
digits, which key_from_hex() reads.
"""

from . import uuids

KEY_SIZE = 16

# The characteristics that answer a command with 10 <command> <status>
# (§2.2).
COMMAND_UUIDS = frozenset({uuids.CONFIGURATION, uuids.FETCH_CONTROL,
                           uuids.AUTH, uuids.FIRMWARE_CONTROL,
                           uuids.USER_SETTINGS})

REPLY = 0x10

# Status bytes of a reply.
SUCCESS = 0x01
MALFORMED = 0x02
REFUSED = 0x04


class StatusError(Exception):
    """A reply ``10 <command> <status>`` with a status other than 01."""

    def __init__(self, command: int, status: int, reply: bytes = b""):
        self.command = command
        self.status = status
        self.reply = bytes(reply)
        super().__init__(f"command {command:#04x} answered with status "
                         f"{status:#04x} (reply {self.reply.hex(' ')})")


def key_from_hex(text: str) -> bytes:
    """An auth key from 32 hex digits (a leading 0x allowed); ValueError
    for anything else."""
    try:
        key = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        key = b""
    if len(key) != KEY_SIZE:
        raise ValueError(f"an auth key is {KEY_SIZE} bytes as "
                         f"{2 * KEY_SIZE} hex digits, not {text!r}")
    return key


def answers(reply: bytes, command: int) -> bool:
    """reply is ``10 <command> <status> ...`` (whatever the status)."""
    return len(reply) >= 3 and reply[0] == REPLY and reply[1] == command


def check_reply(reply: bytes, command: int, wrong=ValueError,
                refused=StatusError) -> bytes:
    """The payload after the status of ``10 <command> 01 ...``.

    A reply that does not answer command raises wrong(message); another
    status raises refused(command, status, reply).
    """
    if not answers(reply, command):
        raise wrong(f"reply {bytes(reply).hex(' ')} does not answer "
                    f"command {command:#04x}")
    if reply[2] != SUCCESS:
        raise refused(command, reply[2], reply)
    return bytes(reply[3:])
