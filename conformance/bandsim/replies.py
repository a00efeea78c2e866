"""Replies on the Huami command characteristics (protocol §2.2).

00000009 (auth), 00000004 (fetch) and 00001531 (firmware) answer a
command with a notification ``10 <command> <status> [payload]`` on the
same characteristic; status 01 is success.  The clients share the error
for any other status.
"""

REPLY = 0x10
SUCCESS = 0x01


class StatusError(Exception):
    """A reply ``10 <command> <status>`` with a status other than 01."""

    def __init__(self, command: int, status: int, reply: bytes = b""):
        self.command = command
        self.status = status
        self.reply = bytes(reply)
        super().__init__(f"command {command:#04x} answered with status "
                         f"{status:#04x} (reply {self.reply.hex(' ')})")
