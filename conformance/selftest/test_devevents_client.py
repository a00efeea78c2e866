"""DeviceEventsClient against a scripted band: the MTU announcement a
link at ATT_MTU 23 hears (§13) is the link's news, set aside; the
wearer's events are not."""

import pytest

from bandsim.clients.devevents import DeviceEventsClient
from bandsim.protocol import devevents


# The answer to the read that settles the link (LinkClient.settle): the
# band's answers come in order, after what it sent before.
SETTLED = "0b 00"


@pytest.fixture
def events(scripted_link):
    att, server = scripted_link(timeout=1.0)
    return DeviceEventsClient(att, timeout=1.0), server


def test_the_announcement_is_set_aside(events):
    client, server = events
    server.notify(client.event_handle, "16 f7 00")
    server.notify(client.event_handle, "04")
    server.queue(SETTLED)
    assert client.take_announcement() == 247
    assert client.announced_mtu == 247
    assert client.next().code == devevents.BUTTON


def test_an_event_of_the_wearers_stays_for_next(events):
    client, server = events
    server.notify(client.event_handle, "04")
    server.queue(SETTLED)
    assert client.take_announcement() is None
    assert client.announced_mtu is None
    assert client.next().code == devevents.BUTTON


def test_no_announcement(events):
    """The read that settles the link is all it sends."""
    client, server = events
    server.queue(SETTLED)
    assert client.take_announcement() is None
    assert client.announced_mtu is None
    [read] = server.sent()
    assert read.startswith("0a ")


pytestmark = pytest.mark.no_emulator
