"""The Huami auth client against scripted notifications, no emulator.

The link is conftest.py's scripted_link: the band's replies are queued
before the client acts, and what the client sent is read back afterwards
and compared byte for byte.
"""

import pytest

from bandsim.clients import auth
from bandsim.clients.auth import (AuthError, AuthMalformed, AuthRefused,
                                  HuamiClient)
from bandsim.link.base import ProtocolError, Timeout

KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
RANDOM = bytes.fromhex("00112233445566778899aabbccddeeff")
# FIPS-197 appendix C.1: AES-128 of RANDOM under KEY.
ANSWER = bytes.fromhex("69c4e0d86a7b0430d8cdb78070b4c55a")


@pytest.fixture
def link(scripted_link):
    att, server = scripted_link(timeout=1.0)
    return HuamiClient(att, timeout=1.0), server


def write_cmd(handle, value: bytes) -> str:
    return (bytes([0x52]) + handle.to_bytes(2, "little") + value).hex(" ")


def test_aes_known_answer():
    assert auth.encrypt(KEY, RANDOM).hex() == ANSWER.hex()


def test_key_id_is_sha256_prefix():
    # sha256 of 16 zero bytes starts 374708ff.
    assert auth.key_id(bytes(16)) == "374708ff"


def test_handles_come_from_profile(link):
    client, _ = link
    assert (client.control_handle, client.control_cccd) == (0x0068, 0x0069)


def test_variant_a_bytes(link):
    client, server = link
    server.send(b"\x13")
    server.notify(client.control_handle, "10 02 01" + RANDOM.hex())
    server.notify(client.control_handle, "10 03 01")
    client.enable_notifications()
    assert client.authenticate(KEY) == ANSWER
    assert server.sent() == ["12 69 00 01 00",
                            write_cmd(0x68, b"\x02\x00"),
                            write_cmd(0x68, b"\x03\x00" + ANSWER)]


def test_variant_b_bytes_and_echo(link):
    client, server = link
    server.notify(client.control_handle, "10 82 01" + RANDOM.hex())
    server.notify(client.control_handle, "10 83 01")
    client.authenticate(KEY, variant="B")
    assert server.sent() == [write_cmd(0x68, bytes.fromhex("82 00 02 01 00")),
                            write_cmd(0x68, b"\x83\x00" + ANSWER)]


def test_variant_b_reply_without_echo_is_protocol_error(link):
    client, server = link
    server.notify(client.control_handle, "10 02 01" + RANDOM.hex())
    with pytest.raises(ProtocolError):
        client.request_random(variant="B")


def test_refused_answer_is_typed(link):
    client, server = link
    server.notify(client.control_handle, "10 02 01" + RANDOM.hex())
    server.notify(client.control_handle, "10 03 04")
    with pytest.raises(AuthRefused) as info:
        client.authenticate(KEY)
    assert (info.value.status, info.value.command) == (0x04, 0x03)
    assert isinstance(info.value, AuthError)


def test_malformed_and_unknown_status(link):
    client, server = link
    server.notify(client.control_handle, "10 02 02")
    with pytest.raises(AuthMalformed):
        client.request_random()
    server.notify(client.control_handle, "10 03 08")
    with pytest.raises(AuthError) as info:
        client.send_answer(ANSWER)
    assert type(info.value) is AuthError and info.value.status == 0x08


def test_short_challenge_is_protocol_error(link):
    client, server = link
    server.notify(client.control_handle, "10 02 01 00 11")
    with pytest.raises(ProtocolError):
        client.request_random()


def test_bind_waits_with_its_own_deadline(link):
    client, server = link
    client.send_bind(KEY, flag=0x08)
    with pytest.raises(Timeout):
        client.wait_bind(timeout=0.05)
    server.notify(client.control_handle, "10 01 01")
    client.wait_bind(timeout=0.5)
    server.notify(client.control_handle, "10 01 04")
    with pytest.raises(AuthRefused):
        client.bind(KEY)
    assert server.sent() == [write_cmd(0x68, b"\x01\x08" + KEY),
                            write_cmd(0x68, b"\x01\x00" + KEY)]


def test_notifications_elsewhere_are_not_replies(link):
    client, server = link
    server.notify(0x004A, "04")
    server.notify(client.control_handle, "10 05 02")
    assert client.command(b"\x05").hex(" ") == "10 05 02"
    assert client.att.wait_notification(0x004A, timeout=0) == b"\x04"


def test_expect_silence(link):
    client, server = link
    client.expect_silence(0.02)
    server.notify(client.control_handle, "10 01 01")
    with pytest.raises(ProtocolError):
        client.expect_silence(0.5)


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
