"""Huami auth and binding, as a central speaks it on 00000009 (FEE1).

Commands go out as Write Commands; every reply is a notification
``10 <command byte as sent> <status> ...`` (docs/auth.md, fact sheet §3
and §10).  The client therefore turns notifications on first and then
pairs each command with the next notification on the auth value.

Three flows are covered:

- variant A: ``02 <flags>`` -> ``10 02 01 <random>``, then
  ``03 <flags> <AES-128-ECB(key, random)>`` -> ``10 03 01``;
- variant B: the same with the command bytes 0x82/0x83 and the request
  ``82 <flags> 02 01 00``, as Gadgetbridge sends it to a Mi Band 4;
- variant C, binding: ``01 <flag> <key>``, answered only once somebody
  taps the band, so the wait for its reply takes its own deadline.

A reply with a status other than 01 raises a typed AuthError; no reply
raises the ATT client's Timeout.  ``command()`` sends any bytes and
returns the raw reply, for tests that send what no client should.
"""

import hashlib


from ..link.base import ProtocolError, Timeout
from ..link.deadline import as_deadline
from ..protocol import uuids
from ..protocol.huami import KEY_SIZE, MALFORMED, REFUSED, StatusError
from .base import CommandClient

RANDOM_SIZE = 16

# Command bytes (the low nibble names the step, bit 7 marks variant B).
SEND_KEY = 0x01
REQUEST_RANDOM = 0x02
SEND_ANSWER = 0x03
CRYPT_FLAG = 0x80
VARIANT_B_TAIL = bytes.fromhex("02 01 00")


class AuthError(StatusError):
    """The band answered a Huami command with a status other than 01."""


class AuthRefused(AuthError):
    """Status 04: wrong key, no key, no challenge, or binding refused."""


class AuthMalformed(AuthError):
    """Status 02: wrong length or unknown command byte."""


def encrypt(key: bytes, random: bytes) -> bytes:
    """AES-128-ECB of exactly one block, no padding (fact sheet §3.2)."""
    if len(key) != KEY_SIZE or len(random) != RANDOM_SIZE:
        raise ValueError("key and random number must be 16 bytes each")
    # OpenSSL's binding on first use: what imports this module for its
    # command codes and errors (transcripts, diff, every command's error
    # handling) need not pay its 16 ms of CPU at start.
    from cryptography.hazmat.primitives.ciphers import (Cipher, algorithms,
                                                        modes)
    encryptor = Cipher(algorithms.AES(bytes(key)), modes.ECB()).encryptor()
    return encryptor.update(bytes(random)) + encryptor.finalize()


def key_id(key: bytes) -> str:
    """What the control plane shows as KeyId: SHA-256 prefix, 8 hex."""
    return hashlib.sha256(bytes(key)).hexdigest()[:8]


def _variant_byte(command: int, variant: str) -> int:
    if variant == "A":
        return command
    if variant == "B":
        return command | CRYPT_FLAG
    raise ValueError(f"unknown auth variant {variant!r}")


class HuamiClient(CommandClient):
    """The auth handshake of one link (any Link: socket or BlueZ)."""

    CONTROL = uuids.AUTH
    Refusal = AuthError
    REFUSALS = {REFUSED: AuthRefused, MALFORMED: AuthMalformed}

    def expect_silence(self, timeout: float) -> None:
        """Nothing may arrive on the auth value within timeout seconds."""
        try:
            got = self.reply(timeout)
        except Timeout:
            return
        raise ProtocolError(f"unexpected reply {got.hex(' ')} on the auth "
                            f"characteristic")

    # ------------------------------------------------- variants A and B

    def request_random(self, variant: str = "A", flags: int = 0x00,
                       timeout=None) -> bytes:
        """Ask for a challenge; returns the 16 random bytes."""
        command = _variant_byte(REQUEST_RANDOM, variant)
        payload = bytes([command, flags])
        if variant == "B":
            payload += VARIANT_B_TAIL
        random = self.check(self.command(payload, timeout), command)
        if len(random) != RANDOM_SIZE:
            raise ProtocolError(f"challenge of {len(random)} bytes: "
                                f"{random.hex(' ')}")
        return random

    def answer_payload(self, answer: bytes, variant: str = "A",
                       flags: int = 0x00) -> bytes:
        return bytes([_variant_byte(SEND_ANSWER, variant), flags]) + answer

    def send_answer(self, answer: bytes, variant: str = "A",
                    flags: int = 0x00, timeout=None) -> None:
        """Send an encrypted answer; success returns, anything else raises."""
        command = _variant_byte(SEND_ANSWER, variant)
        self.check(self.command(self.answer_payload(answer, variant, flags),
                                timeout), command)

    def authenticate(self, key: bytes, variant: str = "A", flags: int = 0x00,
                     timeout=None) -> bytes:
        """The whole handshake; returns the answer sent (for replays)."""
        deadline = as_deadline(timeout, self.timeout)
        random = self.request_random(variant, flags, deadline)
        answer = encrypt(key, random)
        self.send_answer(answer, variant, flags, deadline)
        return answer

    # -------------------------------------------------------- variant C

    def send_bind(self, key: bytes, flag: int = 0x00) -> None:
        """Offer a key; the reply may wait for a tap, see wait_bind()."""
        if len(key) != KEY_SIZE:
            raise ValueError("an auth key is 16 bytes")
        self.send(bytes([SEND_KEY, flag]) + bytes(key))

    def wait_bind(self, timeout=None) -> None:
        """Reply to send_bind(): 10 01 01 returns, 10 01 04 raises."""
        self.check(self.reply(timeout), SEND_KEY)

    def bind(self, key: bytes, flag: int = 0x00, timeout=None) -> None:
        self.send_bind(key, flag)
        self.wait_bind(timeout)
