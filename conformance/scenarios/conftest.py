"""Fixtures the scenarios share, on top of conformance/conftest.py's
bands: factories of links ready to sync, to update, and phone apps.
Every link one of them opened is closed on teardown, however the test
ends (scenarios/helpers/links.py: closing)."""

import pytest

from scenarios.helpers import faults
from scenarios.helpers.faults import Phone
from scenarios.helpers.links import closing
from scenarios.helpers.sync import open_fetch
from scenarios.helpers.update import open_updater


@pytest.fixture
def fetch_links(target):
    """Factory: fetch_links(band, mtu=247) opens a link ready to sync
    (authenticated with the target's key, notifications on)."""
    yield from closing(lambda band, mtu=247:
                       open_fetch(band, mtu, key=target.auth_key))


@pytest.fixture
def updaters(target):
    """Factory: updaters(band, mtu=247) opens a link ready to upload
    (authenticated with the target's key, notifications on)."""
    yield from closing(lambda band, mtu=247:
                       open_updater(band, mtu, key=target.auth_key))


@pytest.fixture
def phones():
    """Factory: phones(band, control, **kw) -> Phone (a robust phone
    app, helpers/faults.py); every link a phone opened is closed."""
    yield from closing(Phone, Phone.close)


@pytest.fixture(scope="session", autouse=True)
def _quiet_deadline(target):
    """The faults' quiet deadline for the session's link
    (helpers/faults.py: QUIET_S)."""
    faults.set_link(target)
