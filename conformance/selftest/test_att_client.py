"""The ATT client against scripted replies, no emulator needed.

The link is conftest.py's scripted_link: the band's replies are queued
before the client asks, then the requests the client actually sent are
read back and checked.
"""

import pytest

from bandsim.link.base import AttError, Disconnected, ProtocolError, Timeout
from bandsim.protocol import uuids

HUAMI = "00000009-0000-3512-2118-0009af100700"


@pytest.fixture
def link(scripted_link):
    return scripted_link(timeout=1.0)


def test_uuid_forms():
    assert uuids.from_wire(b"\x00\x2a") == uuids.sig(0x2A00)
    assert uuids.normalize("2A00") == "00002a00-0000-1000-8000-00805f9b34fb"
    assert uuids.to_wire("fee0") == b"\xe0\xfe"
    wire = uuids.to_wire(HUAMI)
    assert wire.hex() == "000710af090018211235000009000000"
    assert uuids.from_wire(wire) == HUAMI


def test_error_response_raises_typed_error(link):
    client, server = link
    server.queue("01 0a 1f 00 02")
    with pytest.raises(AttError) as info:
        client.read(0x001F)
    assert (info.value.opcode, info.value.handle, info.value.code) == \
        (0x0A, 0x001F, 0x02)
    assert server.sent() == ["0a 1f 00"]


def test_mismatched_response_is_protocol_error(link):
    client, server = link
    server.queue("13")
    with pytest.raises(ProtocolError):
        client.read(0x0003)


def test_notification_queued_and_indication_confirmed(link):
    client, server = link
    server.queue("1b 4a 00 04", "1d 0a 00 01 00 ff ff", "0b 41")
    assert client.read(0x0003) == b"A"
    assert server.sent() == ["0a 03 00", "1e"]
    assert client.wait_notification(0x004A, timeout=0) == b"\x04"
    assert client.wait_indication(0x000A, timeout=0) == b"\x01\x00\xff\xff"
    server.queue("1b 4a 00 05")
    assert client.wait_notification(0x004A) == b"\x05"


def test_timeout_and_disconnect(link):
    client, server = link
    with pytest.raises(Timeout):
        client.wait_notification(0x004A, timeout=0.05)
    server.close()
    with pytest.raises(Disconnected):
        client.recv_raw()


def test_discovery_walks_until_not_found(link):
    client, server = link
    server.queue(
        # services: one 16-bit response, then Attribute Not Found
        "11 06 01 00 07 00 00 18 08 00 0b 00 01 18",
        "01 10 0c 00 0a",
        # characteristics of 0x0001-0x0007: a 16-bit and a 128-bit one
        "09 07 02 00 02 03 00 00 2a",
        "09 15 04 00 16 05 00 " + uuids.to_wire(HUAMI).hex(),
        "01 08 05 00 0a",
        # descriptors of the 128-bit characteristic (0x0006-0x0007)
        "05 01 06 00 02 29",
        "01 04 07 00 0a")
    services = client.discover_services()
    assert [(s.start, s.end, s.uuid) for s in services] == [
        (1, 7, uuids.sig(0x1800)), (8, 11, uuids.sig(0x1801))]
    chars = client.discover_characteristics(services[0])
    assert [(c.declaration, c.properties, c.value_handle, c.uuid, c.end)
            for c in chars] == [(2, 0x02, 3, uuids.sig(0x2A00), 3),
                                (4, 0x16, 5, HUAMI, 7)]
    assert client.discover_descriptors(chars[0]) == []
    descs = client.discover_descriptors(chars[1])
    assert [(d.handle, d.uuid) for d in descs] == [(6, uuids.sig(0x2902))]
    assert server.sent() == [
        "10 01 00 ff ff 00 28", "10 0c 00 ff ff 00 28",
        "08 01 00 07 00 03 28", "08 03 00 07 00 03 28",
        "08 05 00 07 00 03 28",
        "04 06 00 07 00", "04 07 00 07 00"]


def test_discovery_refuses_a_walk_that_goes_back(link):
    client, server = link
    server.queue("05 01 03 00 00 2a", "05 01 02 00 00 2a")
    with pytest.raises(ProtocolError):
        client.discover_attributes(0x0003)


def test_long_write_is_prepare_and_execute(link):
    """A Write Request longer than ATT_MTU - 3 goes out as a BLE stack
    sends it: Prepare Writes of ATT_MTU - 5 bytes, then Execute Write."""
    client, server = link
    value = bytes(range(36))
    server.queue("17 22 00 00 00 " + value[:18].hex(" "),
                 "17 22 00 12 00 " + value[18:].hex(" "), "19")
    client.write(0x0022, value)
    assert server.sent() == ["16 22 00 00 00 " + value[:18].hex(" "),
                             "16 22 00 12 00 " + value[18:].hex(" "),
                             "18 01"]


def test_long_write_refused_part_cancels(link):
    client, server = link
    server.queue("01 16 61 00 06", "19")
    with pytest.raises(AttError) as info:
        client.write(0x0061, bytes(30))
    assert info.value.code == 0x06
    assert server.sent() == ["16 61 00 00 00 " + bytes(18).hex(" "), "18 00"]


def test_long_write_wrong_echo_cancels(link):
    client, server = link
    server.queue("17 22 00 00 00 " + bytes(17).hex(" ") + " ff", "19")
    with pytest.raises(ProtocolError):
        client.write(0x0022, bytes(30))
    assert server.sent()[-1] == "18 00"


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
