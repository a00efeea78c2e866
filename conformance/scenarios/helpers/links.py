"""Links as a phone app opens them, and factory fixtures that close
every link they opened however the test ends."""

from bandsim.clients.auth import HuamiClient
from bandsim.harness.suite import TEST_KEY


def authenticated_link(band, mtu: int = 247, key: bytes = TEST_KEY, then=None):
    """What a phone app does first: connect, exchange the MTU (unless mtu
    is the default 23), authenticate; then(att) builds the client it
    needs.  The link is closed if any step fails."""
    att = band.connect()
    try:
        if mtu != 23:
            att.exchange_mtu(mtu)
        huami = HuamiClient(att)
        huami.enable_notifications()
        huami.authenticate(key)
        return then(att) if then else att
    except BaseException:
        att.close()
        raise


def open_link(band) -> HuamiClient:
    """A link with notifications on 00000009, as every client starts
    (auth, binding); the link is closed if that fails."""
    att = band.connect()
    client = HuamiClient(att)
    try:
        client.enable_notifications()
    except BaseException:
        att.close()
        raise
    return client


def closing(open_, close=lambda made: made.att.close()):
    """The body of a factory fixture (``yield from closing(...)``): the
    test gets open_, and on teardown close() ends whatever it opened
    (by default the link of a client)."""
    made = []

    def make(*args, **kwargs):
        thing = open_(*args, **kwargs)
        made.append(thing)
        return thing

    yield make
    for thing in made:
        close(thing)
