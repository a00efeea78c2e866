"""What the sync scenarios share: band time in minutes, a phone's link
ready to fetch, and the band's log as ground truth.

Bands in the suite start with their clock frozen at CLOCK_START (a
Monday, 10:30 band local time, tz 0) and log one sample per band minute
(docs/sync.md), so after AdvanceClock(d days) the log is exactly the
d * 1440 minutes from CLOCK_START on; logged() checks that before a
scenario builds on it.
"""

import concurrent.futures
import datetime

import pytest

from bandsim.clients.fetch import FetchClient, SyncState
from bandsim.harness.suite import CLOCK_START, TEST_KEY
from bandsim.oracles.ground_truth import when
from bandsim.oracles.phone_side import check_sync
from bandsim.protocol.profile import default_profile
from bandsim.protocol.values import MINUTE, decode_current_time, local_ts

from .links import authenticated_link
from .policy import FLASH_LOG_DAYS

HOUR, DAY = 60 * MINUTE, 1440 * MINUTE
PER_DAY = 1440
LOG_DAYS = FLASH_LOG_DAYS
# Far enough back that a first sync asks for everything the band has,
# as a phone app does on its first sync.
SINCE = CLOCK_START - DAY
CURRENT_TIME = default_profile().characteristic("current-time")
FOREVER = 1 << 63
# A link held at ATT_MTU 23 and cut part way: through bluetoothd the band
# gets no flow control and bluetoothd exchanges the MTU itself (247 in
# the VM), so the whole transfer is in its queue before the cut lands
# (docs/bluez.md).
NO_MTU_23_CUT_THROUGH_BLUETOOTHD = (
    "through bluetoothd the band gets no flow control and the link no MTU "
    "23: the whole transfer is in bluetoothd's queue before the cut "
    "(docs/bluez.md); --transport l2cap runs it")


def open_fetch(band, mtu: int = 247, key: bytes = TEST_KEY) -> FetchClient:
    """Authenticated and subscribed to 00000004/00000005, ready to sync."""
    def subscribe(att):
        fetch = FetchClient(att)
        fetch.enable_notifications()
        return fetch
    return authenticated_link(band, mtu, key, subscribe)


def sync_over_new_link(band, state: SyncState = None, ack: bool = True,
                       mtu: int = 247) -> SyncState:
    """Connect, sync until the band has nothing, disconnect."""
    state = state or SyncState(SINCE)
    fetch = open_fetch(band, mtu)
    try:
        fetch.sync(state, ack=ack)
    finally:
        band.disconnect(fetch.att)
    return state


def sync_all(links) -> dict:
    """Sync every link ({K: FetchClient}) at once, one thread each, as a
    hub does: {K: the samples saved}."""
    def sync(fetch):
        state = SyncState(SINCE)
        fetch.sync(state)
        return state.samples

    with concurrent.futures.ThreadPoolExecutor(len(links)) as pool:
        futures = {k: pool.submit(sync, fetch) for k, fetch in links.items()}
        return {k: future.result() for k, future in futures.items()}


def lived_sync(band, band_time, fetch_links, ack: bool) -> tuple:
    """(link, state): the band lives LIVED_S, then one whole sync from
    further back than its log reaches, judged by the phone's rules; a
    band with nothing unsynced skips the scenario (need_unsynced)."""
    band_time.let_pass(LIVED_S)
    fetch = fetch_links(band)
    state = SyncState(first_since(band_now(fetch.att)))
    fetch.sync(state, ack=ack)
    check_sync(state)
    need_unsynced(len(state.samples), band_time)
    return fetch, state


def sync_meanwhile(band, band_time, fetch_links, meanwhile) -> tuple:
    """(link, state): the band lives LIVED_S, then a whole sync at
    ATT_MTU 23 (many notifications), no ack, during which the phone does
    something else on the same link: meanwhile(att) runs once a third
    of the first round has come, among the band's notifications.  Judged
    by the phone's rules; a band with nothing unsynced skips the
    scenario (need_unsynced), one whose sync ended before a third
    fails."""
    band_time.let_pass(LIVED_S)
    fetch = fetch_links(band, mtu=23)
    done = []

    def at_a_third(received: int, expected: int) -> None:
        if not done and received * 3 >= expected:
            done.append(True)
            meanwhile(fetch.att)

    state = SyncState(first_since(band_now(fetch.att)))
    fetch.sync(state, ack=False, progress=at_a_third)
    check_sync(state)
    need_unsynced(len(state.samples), band_time)
    assert done, "the sync ended before a third of its first round came"
    return fetch, state


def synced_since(att, since: int = SINCE) -> list:
    """The samples a phone syncs from minute `since` on (no ack), checked
    by what the phone alone can tell (oracles/phone_side.py)."""
    fetch = FetchClient(att)
    fetch.enable_notifications()
    state = SyncState(since)
    fetch.sync(state, ack=False)
    check_sync(state)
    return state.samples


def resync_after_ack(fetch: FetchClient, first: SyncState,
                     what: str = "") -> SyncState:
    """A second sync (no ack) from where the acked first one began: none
    of the samples the first acked comes again.  Returns it."""
    second = SyncState(first.rounds[0].requested)
    fetch.sync(second, ack=False)
    check_sync(second)
    last = first.samples[-1].ts
    early = [s.ts for s in second.samples if s.ts <= last]
    assert early == [], (f"{len(early)} acked samples sent again{what}, "
                         f"from {when(early[0])}")
    return second


def all_samples(control) -> list:
    """The band's whole log, deleted samples included."""
    return control.get_samples(0, FOREVER)


def logged(control, days: float) -> list:
    """Advance band time and return the whole log, checked to be the
    expected unbroken run of minutes from CLOCK_START."""
    control.advance_clock(days * DAY)
    truth = all_samples(control)
    assert_minutes(truth, CLOCK_START, round(days * PER_DAY))
    return truth


def assert_minutes(samples, first: int, count: int) -> None:
    """count samples, one per minute from first, 4 bytes each."""
    stamps = [ts for ts, _ in samples]
    assert len(stamps) == count, (f"{len(stamps)} samples, expected "
                                  f"{count}: {stamps[:1]} .. {stamps[-1:]}")
    if count:
        assert stamps[0] == first, (f"first at {when(stamps[0])}, expected "
                                    f"{when(first)}")
        assert stamps == list(range(first, first + count * MINUTE, MINUTE)), \
            "timestamps are not one per minute"
        assert all(len(data) == 4 for _, data in samples), \
            "a sample that is not 4 bytes"


# A sync judged by the phone alone (test_sync_phone.py): how long an
# emulated band lives first, and where a phone that knows nothing of the
# band's log starts.
LIVED_S = 3 * HOUR


def clock_of(value: bytes) -> tuple:
    """(band local Unix seconds, tz in quarter-hours) of a 0x2A2B value."""
    t = decode_current_time(value)
    return local_ts(datetime.datetime(t.year, t.month, t.day, t.hour,
                                      t.minute, t.second)), t.tz


def band_now(att) -> int:
    """The band's own local time (0x2A2B), band local Unix seconds."""
    return clock_of(att.read(CURRENT_TIME.value_handle))[0]


def first_since(now: int) -> int:
    """A minute further back than any log reaches: the whole log and a
    day more before band time now."""
    return now - (LOG_DAYS + 1) * DAY


# A real band's log is its wearer's: what a scenario needs of it, and
# what the phone can tell of how much the band has logged.
NOTHING_UNSYNCED = ("the band has nothing unsynced: wear it for an hour "
                    "after the last sync")


def need_unsynced(count: int, band_time, at_least: int = 1) -> None:
    """A scenario that needs at least `at_least` unsynced samples (an
    announcement's count): on an emulated band, which lived what the
    scenario let pass, fewer is a failure; a real band with fewer is
    skipped, with the reason."""
    if count >= at_least:
        return
    if band_time.control is not None:
        raise AssertionError(f"{count} unsynced samples after the band "
                             f"lived, {at_least} needed")
    pytest.skip(NOTHING_UNSYNCED if count == 0 else
                f"the band holds {count} unsynced minutes, the scenario "
                f"needs {at_least}: wear it for an hour after the last "
                f"sync")


def logged_since(since: int, before: int, after: int, band_time) -> range:
    """How many samples from minute `since` on the band may announce
    when asked between its own times before and after (band_now).  A
    minute is logged when it ends (docs/sync.md): where band time only
    passes through the control plane (let_pass) that is exact.  Where
    the band's clock runs by itself, when it writes the minute just
    ended, or whether it counts the running one, is its own: no fewer
    than none, no more than the minutes its clock has ended and the one
    running."""
    ended = max(0, (after - since) // MINUTE)
    if band_time.control is None:
        return range(0, ended + 2)
    return range(max(0, (before - since) // MINUTE), ended + 1)


def holds(count: int, expected: int, band_time, what: str) -> None:
    """An announced count against the samples the phone knows the band
    holds: exactly them with band time still (a control plane); a band
    whose clock runs may have logged more since."""
    if band_time.control is not None:
        assert count == expected, f"{what}: {count} samples, {expected} held"
    else:
        assert count >= expected, \
            f"{what}: {count} samples, at least {expected} held"


def still_held(again, first, band_time, what: str) -> None:
    """Announcement `again` starts where `first` did and holds all its
    minutes: nothing of them was deleted (holds())."""
    assert again.start_ts == first.start_ts, \
        (f"{what}: starts at {when(again.start_ts)}, the earlier "
         f"announcement at {when(first.start_ts)}")
    holds(again.count, first.count, band_time, what)
