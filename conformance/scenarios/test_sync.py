"""Activity sync: the fetch protocol on 00000004 / 00000005.

The contract is docs/sync.md; the protocol facts are the fact sheet's §4
and §13.  Two kinds of scenario:

- Those marked emulator_process build on a fresh band whose clock is
  frozen at CLOCK_START, so a test decides exactly how much band life
  has been logged by advancing the clock.  The oracle is the band's own
  log (GetSamples on the control plane): after any sync, interrupted or
  not, the samples the client saved must equal the logged ones, none
  lost, none twice, none changed (bandsim/oracles/ground_truth.py).
- The others run on any band, a real one included.  The band lives
  through band_time.let_pass (AdvanceClock on the emulator; a real band
  has lived), every time they ask for is the band's own (band_now, its
  announcements), and the phone judges what it received: the reply
  bytes, the rules of bandsim/oracles/phone_side.py, the same minutes
  with the same bytes when asked again.  The witness (the control plane,
  where there is one) adds the ground truth and the band's events.  On a
  real band they fetch the wearer's log, and those that ack delete what
  they fetched, as every phone app does; a real band with too little
  unsynced is skipped with the reason.  MB4/SYNC/BV-01 sets the time
  itself: another day and zone where band time stands still, the
  band's own where it runs.

State is read from control-plane properties and events, never from the
log text.

A transfer is interrupted after a few packets of a long one (thousands
of notifications at MTU 23 on the emulator), so the band is still
sending when the link ends or the new request arrives.  A real band's
unsynced log may be short enough that it has sent all of it by then:
the phone, which took only those few packets, cannot tell.
"""

import datetime
import math
import struct
import time

import pytest

from bandsim.clients.auth import HuamiClient
from bandsim.clients.fetch import (FetchClient, FetchInterrupted, FetchTimeout,
                                   SyncState, parse_start_reply,
                                   samples_per_packet)
from bandsim.harness.suite import CLOCK_START
from bandsim.link.base import AttError, Timeout
from bandsim.oracles import ground_truth
from bandsim.oracles.phone_side import check_samples, check_sync, same_samples
from bandsim.protocol.att import ErrorCode, Op
from bandsim.protocol.profile import DEFAULT_PATH, Profile
from bandsim.protocol.values import (encode_current_time, local_datetime,
                                     local_ts)

from scenarios.helpers.pdus import hexs
from scenarios.helpers.sync import (DAY, FOREVER, HOUR, LOG_DAYS, MINUTE,
                                    NO_MTU_23_CUT_THROUGH_BLUETOOTHD,
                                    PER_DAY, SINCE, all_samples,
                                    assert_minutes, band_now, clock_of,
                                    first_since, holds, logged, logged_since,
                                    need_unsynced, still_held)

PROFILE = Profile.load(DEFAULT_PATH)
FETCH_CONTROL = PROFILE.characteristic("fetch-control")
ACTIVITY_DATA = PROFILE.characteristic("activity-data")
CURRENT_TIME = PROFILE.characteristic("current-time")
# docs/sync.md: 4096-byte sectors with a 16-byte header, 16-byte records;
# room for flash-log-days of samples plus one spare sector.
RECORDS_PER_SECTOR = (4096 - 16) // 16
LOG_CAPACITY = (math.ceil(LOG_DAYS * PER_DAY / RECORDS_PER_SECTOR) + 1) \
    * RECORDS_PER_SECTOR
# Where notifications do not come in order with responses (through
# bleak), how long a "nothing arrives" check waits after a response; on
# the socket the response alone proves it (Target.responses_order_...).
SILENCE = 0.2


# ---------------------------------------------------------------- helpers

def request(data_type: int, when, tz: int = 0) -> bytes:
    """01 <type> <year u16 mo d h mi 00 tz>: the 10-byte request."""
    t = local_datetime(local_ts(when))
    return bytes([0x01, data_type]) + struct.pack(
        "<HBBBBBb", t.year, t.month, t.day, t.hour, t.minute, 0, tz)


def nothing_reply(ask: bytes) -> str:
    """10 01 01, count 0, and the requested time back (docs/sync.md)."""
    return hexs(bytes.fromhex("10 01 01 00 00 00 00") + ask[2:])


END_OF_TRANSFER = bytes.fromhex("10 02 01")
# The most samples a Mi Band 4's packet carries, at its largest ATT_MTU,
# 247 (§13).  Through BlueZ the band sends at the MTU bluetoothd agreed,
# whatever the scenario asked for: a real band holding more than this
# sends a transfer in at least two packets, so the phone can stop taking
# one before its end.
MOST_PER_PACKET = samples_per_packet(247)
UNSYNCED_TO_CUT = MOST_PER_PACKET + 1


def before_the_end(packets: int, then):
    """A progress callback that calls then(samples received) once the
    client has taken `packets` data packets, or sooner, before the packet
    that could end the transfer (one as long as the first would bring it
    to the announced count): the phone never has the whole round."""
    sizes = []

    def progress(received, expected):
        sizes.append(received)
        if len(sizes) == packets or (expected is not None and
                                     received + sizes[0] >= expected):
            then(received)

    return progress


def cut_link_after(att, packets: int):
    """A progress callback that ends the link (as a lost radio link
    does) after `packets` data packets, before the end (before_the_end);
    the phone takes nothing after them, even what the band had sent
    before it saw the link end (a short log may all be on its way by
    then)."""
    def cut(received):
        att.shutdown()
        raise FetchInterrupted(f"link cut after {received} samples",
                               received)

    return before_the_end(packets, cut)


def assert_no_more_data(fetch, target) -> None:
    """The band sends nothing more on 00000005: a read is answered in
    order after anything it sent before, so once its reply is in, every
    earlier notification is queued (through bleak, a short wait for a
    late one)."""
    fetch.att.read(CURRENT_TIME.value_handle)
    with pytest.raises(Timeout):
        fetch.att.wait_notification(
            ACTIVITY_DATA.value_handle,
            0 if target.responses_order_notifications else SILENCE)


def band_time_of(since: int, before: int, after: int) -> str:
    """The stretch of band time a count of new minutes is judged by."""
    return (f"band time from {ground_truth.when(since)} to "
            f"{ground_truth.when(before)} .. {ground_truth.when(after)}")


def ask_during_transfer(fetch, since: int) -> tuple:
    """01 from since while a transfer may still be coming: what the band
    sent of the old one before its answer is dropped (the client counts
    it in stale_packets), and so is the old one's end, 10 02 01, where
    the band got to the end before the request reached it (a short
    log).  Returns (announcement, whether the old transfer ended)."""
    fetch.send(request(0x01, since))
    reply, ended = fetch.reply(), False
    if reply == END_OF_TRANSFER:
        reply, ended = fetch.reply(), True
    announcement = parse_start_reply(reply)
    fetch.announced = announcement if announcement.count else None
    return announcement, ended


# ------------------------------------------------------------ first sync

# How far ahead of a running band's clock the phone sets it: more than
# a read and a write take; a few seconds the wearer's phone takes back
# on its next connect.
PHONE_AHEAD_S = 2


def phone_time(att, band_time) -> tuple:
    """(local time, tz) a phone sets on 0x2A2B right after auth.  On a
    band whose clock stands still until moved (the emulator): another
    day, in another zone, 12:30 in UTC+2 (tz +8 quarter-hours).  On one
    whose clock runs (a real band, its wearer's): the band's own zone
    and time, PHONE_AHEAD_S ahead of it however long the read took (a
    phone whose clock is a little fast: never back, so no minute is
    lived twice, and a band that ignored the write reads back behind
    the time set)."""
    if band_time.control is not None:
        return datetime.datetime(2024, 5, 20, 12, 30), 8
    asked = time.monotonic()
    now, tz = clock_of(att.read(CURRENT_TIME.value_handle))
    ahead = PHONE_AHEAD_S + math.ceil(time.monotonic() - asked)
    return local_datetime(now + ahead), tz


@pytest.mark.observes("GetSamples")
def test_first_sync_after_setting_time(band, band_time, fetch_links,
                                       witness):
    """MB4/SYNC/BV-01: first sync after the phone sets the time and timezone

    Gadgetbridge writes 0x2A2B right after auth and then fetches.  A
    phone in UTC+2 sets the same instant with tz +8 quarter-hours: from
    then on the band logs in its RTC's local time (12:30, not 10:30 UTC)
    and the fetch carries those local times, tz byte included: two hours
    later 0x2A2B reads 14:30 with tz +8, and the sync brings the 120
    minutes from 12:30, announced with tz +8, and acks them.  With a
    witness they are the band's log, each once.  On a band whose clock
    runs (a real one, its wearer's log) the phone sets the band's own
    time and zone, a few seconds ahead (phone_time), so the wearer's
    clock and log stay as they were; then 0x2A2B reads back the time
    set, run on by no more than the wall time since, in the zone set,
    and a sync from before the log (no ack: the scenario deletes
    nothing) is whole by the phone's rules (phone_side), every round
    that brings samples is announced in that zone, and none of its
    samples is of a minute after the one the band's clock shows then.
    A real band with nothing unsynced is skipped.
    """
    own_clock = band_time.control is None
    fetch = fetch_links(band)
    set_at, tz = phone_time(fetch.att, band_time)
    written = time.monotonic()
    fetch.att.write(CURRENT_TIME.value_handle,
                    encode_current_time(set_at, tz))
    band_time.let_pass(2 * HOUR)
    rtc = fetch.att.read(CURRENT_TIME.value_handle)
    shown, _ = clock_of(rtc)
    if own_clock:
        elapsed = time.monotonic() - written
        assert rtc[10] == tz and local_ts(set_at) <= shown <= \
            local_ts(set_at) + math.ceil(elapsed) + 1, \
            (f"0x2A2B reads {hexs(rtc)} {elapsed:.1f} s after {set_at} "
             f"tz {tz} was set")
    else:
        now = encode_current_time(set_at + datetime.timedelta(hours=2), tz)
        assert (hexs(rtc[:8]), rtc[10]) == (hexs(now[:8]), tz), hexs(rtc)

    state = SyncState(first_since(shown) if own_clock
                      else datetime.datetime(2024, 5, 20, 0, 0))
    fetch.sync(state, tz=tz, ack=not own_clock)
    check_sync(state)
    need_unsynced(len(state.samples), band_time)
    zones = {r.announcement.tz for r in state.rounds if r.count}
    assert zones == {tz}, f"announced in tz {sorted(zones)}, {tz} was set"
    newest = band_now(fetch.att)
    assert state.samples[-1].ts <= newest, \
        (f"{state.samples[-1]} when the band's clock shows "
         f"{ground_truth.when(newest)}")
    if not own_clock:
        first = state.rounds[0].announcement
        assert (first.count, first.start, first.tz) == (120, set_at, 8), \
            hexs(first.reply)
        assert_minutes(state.samples, local_ts(set_at), 120)
    if witness is not None:
        truth = all_samples(witness)
        assert_minutes(truth, local_ts(set_at), 120)
        ground_truth.assert_exactly_once(state.samples, truth)


# ------------------------------------------------------------ full syncs

# What a whole sync of a fresh band's log is judged by: the log the band
# lived, what it still stores, its cursor and its events.
FULL_SYNC_STATE = pytest.mark.needs_control(
    "AdvanceClock", "GetSamples", "StoredSamples", "AckedUntil", "Events")


def full_sync(band, control, fetch_links, days: int):
    truth = logged(control, days)
    fetch = fetch_links(band)
    state = SyncState(SINCE)
    fetch.sync(state)
    count = days * PER_DAY
    rounds = [(r.count, r.start_ts, r.acked) for r in state.rounds]
    assert rounds == [(count, CLOCK_START, True),
                      (0, state.cursor, True)], rounds
    ground_truth.assert_exactly_once(state.samples, truth)
    control.wait_event("fetch-started", type=0x01, count=count)
    control.wait_event("fetch-completed", count=count)
    control.wait_event("fetch-acked", deleted=count)
    assert control.stored_samples() == 0
    assert control.acked_until() == truth[-1][0]
    return fetch, state


@FULL_SYNC_STATE
@pytest.mark.emulator_process(
    "the exact log of a fresh band after three days; on a real band "
    "MB4/SYNC/BV-17 and BV-20 judge a whole sync by the phone's rules")
def test_full_sync_three_days(band, control, fetch_links):
    """MB4/SYNC/BV-02: three days away from the phone, then one sync

    "Gadgetbridge: data missing after sync": every minute the band
    logged comes over exactly once, 1440 a day, timed from the first
    logged minute, and the ack leaves nothing stored.  On a real band,
    whose log is its wearer's, MB4/SYNC/BV-17 and BV-20 sync it so.
    """
    full_sync(band, control, fetch_links, 3)


@FULL_SYNC_STATE
@pytest.mark.emulator_process(
    "a full 14-day log, none of it synced, for a counter that wraps past "
    "255")
def test_full_sync_whole_log(band, control, fetch_links):
    """MB4/SYNC/BV-03: a full flash log (14 days) in one sync at MTU 247

    The longest transfer the band can make: 20160 samples in 336
    notifications, so the packet counter wraps past 255 on the way.
    Emulator only: a real band's unsynced log is its wearer's, and the
    wrap needs more than 256 packets (over 1024 unsynced minutes even at
    MTU 23); on one, every sync's client refuses a counter that skips or
    repeats (MB4/SYNC/BV-17).
    """
    fetch, _ = full_sync(band, control, fetch_links, LOG_DAYS)
    counters = fetch.last_transfer.counters
    assert len(counters) == math.ceil(LOG_DAYS * PER_DAY / 60)
    assert counters[255:257] == [255, 0]


@pytest.mark.observes("GetSamples")
def test_incremental_sync(band, band_time, fetch_links, witness):
    """MB4/SYNC/BV-04: the next sync brings only what is new

    A phone syncing every couple of hours asks from its last sample +
    1 min and must get exactly the minutes logged since.  The band lives
    a day (a real band has lived), the phone syncs all of it with
    Gadgetbridge's acks; two hours later it asks from its cursor.  The
    first new round asks from the cursor and, if the band has anything,
    starts there, never earlier and never later; no minute comes twice
    in the phone's whole history; and the sync holds the minutes the
    band's clock ended since the cursor (docs/sync.md: 120 on the
    emulator).  A real band's clock runs only while the scenario does:
    there the second sync brings the minute or two since, and when the
    band writes a minute is its own.  With a witness the phone holds
    every logged minute exactly once.  On a real band the first sync
    acks, and so deletes, what it fetched.
    """
    band_time.let_pass(DAY)
    fetch = fetch_links(band)
    state = SyncState(first_since(band_now(fetch.att)))
    fetch.sync(state)
    check_sync(state)
    need_unsynced(len(state.samples), band_time)
    cursor, rounds = state.cursor, len(state.rounds)
    band_time.let_pass(2 * HOUR)
    before = band_now(fetch.att)
    new = fetch.sync(state)
    after = band_now(fetch.att)
    check_sync(state)
    again = state.rounds[rounds]
    assert again.requested == cursor
    if new:
        assert again.start_ts == cursor, \
            f"the new round starts at {ground_truth.when(again.start_ts)}"
    assert len(new) in logged_since(cursor, before, after, band_time), \
        f"{len(new)} new samples in {band_time_of(cursor, before, after)}"
    if witness is not None:
        assert len(new) == 120
        ground_truth.assert_exactly_once(state.samples, all_samples(witness))


def cut_first_sync(band, band_time, fetch_links, witness, target) -> tuple:
    """(since, announcement): a phone that never synced the band asks
    from before its log at MTU 23, and the link ends five packets into
    the transfer (a band with too little unsynced is skipped)."""
    if target.through_bluetoothd:
        pytest.skip(NO_MTU_23_CUT_THROUGH_BLUETOOTHD)
    fetch = fetch_links(band, mtu=23)
    since = first_since(band_now(fetch.att))
    cut = fetch.start(since)
    need_unsynced(cut.count, band_time, at_least=UNSYNCED_TO_CUT)
    with pytest.raises(FetchInterrupted):
        fetch.stream(progress=cut_link_after(fetch.att, 5))
    band.disconnect(fetch.att)
    if witness is not None:
        witness.wait_event("fetch-aborted", reason="disconnected")
    return since, cut


# ---------------------------------------------------- interrupted syncs

@pytest.mark.observes("GetSamples", "StoredSamples", "AckedUntil", "Events")
def test_interrupted_sync_resumes(band, band_time, fetch_links, witness,
                                  target):
    """MB4/SYNC/BV-05: sync interrupted by a disconnect, resumed from the
    last saved timestamp

    The phone walks out of range in the middle of a transfer.  The band
    stops and deletes nothing; the phone kept nothing of the cut round,
    reconnects, authenticates again and asks from its saved cursor (here
    further back than any log reaches, a phone that has not synced this
    band before): the resumed sync's first round starts where the cut
    one did and holds all its minutes (more on a real band, whose clock
    ran meanwhile), the sync is whole and gap-free by the phone's rules
    (phone_side), and it ends acked.  The cut link stays at MTU 23 so
    the transfer is long (4680 packets after the emulator's 13 days) and
    the band is still sending when the link ends.  With a witness the
    band reports the transfer aborted (disconnected), the cut deleted
    nothing, and in the end the phone holds every minute exactly once
    and the band stores none.  On a real band the resumed sync acks, and
    so deletes, what it fetched.  The link ends after five packets or
    before the one that could end the transfer; a real band with at most
    60 unsynced minutes (one packet at MTU 247) is skipped.
    """
    band_time.let_pass((LOG_DAYS - 1) * DAY)
    since, cut = cut_first_sync(band, band_time, fetch_links, witness,
                                target)
    if witness is not None:
        assert witness.stored_samples() == cut.count
        assert witness.acked_until() == 0

    fetch = fetch_links(band)
    state = SyncState(since)
    fetch.sync(state)
    check_sync(state)
    resumed = state.rounds[0]
    still_held(resumed.announcement, cut, band_time, "the resumed round")
    if witness is not None:
        ground_truth.assert_exactly_once(state.samples, all_samples(witness))
        assert witness.stored_samples() == 0


@pytest.mark.observes("StoredSamples", "AckedUntil", "Events")
def test_ack_after_interrupted_transfer_keeps_data(band, band_time,
                                                   fetch_links, witness,
                                                   target):
    """MB4/SYNC/BI-01: an ack after a cut transfer deletes nothing

    A client that acks whatever happened (or acks on reconnect) must not
    make the band drop minutes the phone never received.  The phone asks
    for the whole log at MTU 23 (14 days on the emulator), the link ends
    after five packets (or before the one that could end the transfer),
    and on a new link the phone's first word is 03:
    the band answers 10 03 01 (docs/sync.md; GB waits for 10 03 xx), and
    the same request as before is announced from the same minute with
    all its samples (on a real band, whose clock runs, perhaps more).
    With a witness the band reports the transfer aborted and the ack
    deleting nothing, and its store and ack cursor are untouched.  What
    an ack on a new link deletes is the band's policy (protocol §4.1 and
    §12 leave it open): a real band that takes it as an ack of the cut
    transfer loses its wearer's minutes, and this scenario shows it.  A
    real band with at most 60 unsynced minutes (one packet at MTU 247)
    is skipped.
    """
    band_time.let_pass(LOG_DAYS * DAY)
    since, cut = cut_first_sync(band, band_time, fetch_links, witness,
                                target)

    fetch = fetch_links(band)
    fetch.ack()
    if witness is not None:
        witness.wait_event("fetch-acked", deleted=0)
        assert witness.stored_samples() == cut.count == LOG_DAYS * PER_DAY
        assert witness.acked_until() == 0
    still_held(fetch.start(since), cut, band_time, "the request after the ack")


@pytest.mark.observes("GetSamples", "StoredSamples", "AckedUntil", "Events")
def test_new_request_during_transfer(band, band_time, fetch_links, witness,
                                     target):
    """MB4/SYNC/BV-06: a new request in the middle of a transfer

    An app that restarts its sync (user pulls to refresh twice) sends
    01 while samples are still coming: the band stops the old transfer,
    deletes nothing, and answers the new request, whose samples then
    come with the counter from 0.  What the band had already sent of the
    old one arrives before the new answer and is dropped by the client;
    so is the old one's end (10 02 01) where the band had sent it all
    before the request came (a real band's short log).  The phone asks
    for the whole log at MTU 23 (14 days on the emulator), takes ten
    packets (fewer if the next could end it), and asks again from a
    minute the first announcement covers, its last day (on a real band
    its second half): that round starts at that minute, holds at least
    the minutes from there the first one announced, and brings the same
    bytes as a clean request from the same minute; then the band sends
    nothing more.  The phone acks the
    clean transfer, and a request from the start brings nothing up to
    its last sample: docs/sync.md's ack deletes everything up to the
    last sample of the completed transfer, the days before it included
    (fetch-ack-deletes, a policy: protocol §4.1 leaves it open, and a
    real band that keeps them shows it here).  With a witness the band
    reports the abort (new-request) and the ack deleting all, and the
    new round's samples are its log's.  On a real band the ack deletes
    the wearer's minutes up to the last one fetched; one with at most 60
    unsynced minutes (one packet at MTU 247) is skipped.
    """
    band_time.let_pass(LOG_DAYS * DAY)
    fetch = fetch_links(band, mtu=23)
    since = first_since(band_now(fetch.att))
    first = fetch.start(since)
    need_unsynced(first.count, band_time, at_least=UNSYNCED_TO_CUT)

    class Enough(Exception):
        pass

    def enough(received):
        raise Enough

    with pytest.raises(Enough):
        fetch.stream(progress=before_the_end(10, enough))
    tail = min(first.count // 2, PER_DAY)
    later = first.start_ts + (first.count - tail) * MINUTE
    second, ended = ask_during_transfer(fetch, later)
    assert second.start_ts == later, hexs(second.reply)
    holds(second.count, tail, band_time, "the new request's announcement")
    if witness is not None:
        assert not ended, "the band sent 14 days before the new request"
        witness.wait_event("fetch-aborted", reason="new-request")
        witness.wait_event("fetch-started", type=0x01, count=PER_DAY)
        assert witness.stored_samples() == first.count
        assert witness.acked_until() == 0

    samples = fetch.stream()
    assert_no_more_data(fetch, target)
    if witness is not None:
        ground_truth.assert_exactly_once(samples, all_samples(witness),
                                         (later, FOREVER))
        witness.wait_event("fetch-completed", count=PER_DAY)
    clean = fetch.start(later)
    still_held(clean, second, band_time, "a clean request from there")
    clean_samples = fetch.stream()
    same_samples(samples, clean_samples[:len(samples)],
                 "a clean request from the same minute")

    fetch.ack()
    last = clean_samples[-1].ts
    if witness is not None:
        witness.wait_event("fetch-acked", deleted=first.count)
        assert witness.acked_until() == last
    after = fetch.start(since)
    assert after.count == 0 or after.start_ts > last, \
        (f"after the ack up to {ground_truth.when(last)} the band still "
         f"announces {after.count} from {after.start}")


# ------------------------------------------------------------- the ack

@pytest.mark.observes("GetSamples", "StoredSamples", "AckedUntil", "Events")
def test_ack_deletes(band, band_time, fetch_links, witness):
    """MB4/SYNC/BV-07: an ack deletes what the completed transfer delivered

    Gadgetbridge (since 2023) acks each round: afterwards the band holds
    nothing up to that round's last sample.  A repeat of the same
    request gets count 0 with the requested time back (exact bytes) or,
    where the band's clock ran on meanwhile, only minutes after that
    sample; ten minutes of band life later (on the emulator; on a real
    band the scenario's few seconds) a request from the same minute
    offers only the minutes logged since, from the one after the acked
    sample, as many as the band's clock ended.  A real band that does not
    delete on 03, or answers count 0 another way (protocol §4.1 and §12
    leave both open; docs/sync.md is the emulator's policy), shows it
    here.  With a witness: the band stored the day until the ack and
    none after it, its ack cursor is the last sample, and the deleted
    minutes stay in flash (GetSamples) until overwritten.  On a real
    band the ack deletes the wearer's unsynced minutes, as every phone
    app's does; one with nothing unsynced is skipped.
    """
    band_time.let_pass(DAY)
    fetch = fetch_links(band)
    since = first_since(band_now(fetch.att))
    announced = fetch.start(since)
    need_unsynced(announced.count, band_time)
    samples = fetch.stream()
    if witness is not None:
        assert (witness.stored_samples(), witness.acked_until()) == \
            (PER_DAY, 0)
    fetch.ack()
    last = samples[-1].ts
    if witness is not None:
        witness.wait_event("fetch-acked", deleted=PER_DAY)
        assert witness.stored_samples() == 0
        assert witness.acked_until() == last == all_samples(witness)[-1][0]

    ask = request(0x01, since)
    before = band_now(fetch.att)
    reply = fetch.command(ask)
    after = band_now(fetch.att)
    repeat = parse_start_reply(reply)
    assert repeat.count in logged_since(last + MINUTE, before, after,
                                        band_time), hexs(reply)
    if repeat.count == 0:
        assert hexs(reply) == nothing_reply(ask)
    else:
        assert repeat.start_ts == last + MINUTE, hexs(reply)

    band_time.let_pass(10 * MINUTE)
    before = band_now(fetch.att)
    later = fetch.start(since)
    after = band_now(fetch.att)
    assert later.count in logged_since(last + MINUTE, before, after,
                                       band_time), hexs(later.reply)
    newer = []
    if later.count:
        assert later.start_ts == last + MINUTE, hexs(later.reply)
        newer = fetch.stream()
    if witness is not None:
        assert later.count == 10
        truth = all_samples(witness)
        assert len(truth) == PER_DAY + 10
        ground_truth.assert_exactly_once(samples + newer, truth)


@pytest.mark.observes("GetSamples", "StoredSamples", "AckedUntil", "Events")
def test_no_ack_keeps_data(band, band_time, fetch_links, witness):
    """MB4/SYNC/BV-08: without an ack the data stays and comes again

    Gadgetbridge's "keep activity data on device" (and every client
    before 2023) never acks: a whole sync without 03, then the same
    request on the same link gets the same minutes, byte for byte, and
    a second phone (a new link) can still sync them; each sync is whole
    and gap-free by the phone's rules (phone_side).  A real band's clock
    runs, so a later sync may end later, never earlier.  With a witness
    the phone's samples are the band's log, the band stores them all,
    and no fetch-acked event came.  On a real band the scenario deletes
    nothing; one with nothing unsynced is skipped.
    """
    band_time.let_pass(DAY)
    fetch = fetch_links(band)
    since = first_since(band_now(fetch.att))
    first = SyncState(since)
    fetch.sync(first, ack=False)
    check_sync(first)
    need_unsynced(len(first.samples), band_time)
    if witness is not None:
        ground_truth.assert_exactly_once(first.samples, all_samples(witness))
        assert (witness.stored_samples(), witness.acked_until()) == \
            (PER_DAY, 0)
    again = SyncState(since)
    fetch.sync(again, ack=False)
    check_sync(again)
    still_held(again.rounds[0].announcement, first.rounds[0].announcement,
               band_time, "the same request again")
    same_samples(first.samples, again.samples[:len(first.samples)],
                 "the same request again")
    band.disconnect(fetch.att)

    other_phone = SyncState(since)
    fetch_links(band).sync(other_phone, ack=False)
    check_sync(other_phone)
    same_samples(first.samples, other_phone.samples[:len(first.samples)],
                 "another phone's sync")
    if witness is not None:
        witness.sync()
        assert "fetch-acked" not in witness.names()
        assert witness.stored_samples() == PER_DAY


# ------------------------------------------------------------- the log

@pytest.mark.needs_control("AdvanceClock", "GetSamples")
@pytest.mark.emulator_process(
    "15 days of band life without a sync")
def test_log_wraps(band, control, fetch_links):
    """MB4/SYNC/BV-09: a band not synced for longer than its log holds

    After 15 days the oldest minutes are overwritten: the band announces
    a later actual start than the first minute it ever logged, keeps at
    least flash-log-days and at most its capacity, and every minute it
    still holds arrives exactly once.  Emulator only: the phone cannot
    tell an overwritten minute from one never logged or acked.
    """
    control.advance_clock(15 * DAY)
    truth = all_samples(control)
    first = truth[0][0]
    assert first > CLOCK_START
    assert LOG_DAYS * PER_DAY <= len(truth) <= LOG_CAPACITY, len(truth)
    assert_minutes(truth, first, len(truth))
    assert truth[-1][0] == CLOCK_START + 15 * DAY - MINUTE
    fetch = fetch_links(band)
    state = SyncState(SINCE)
    fetch.sync(state)
    assert (state.rounds[0].count, state.rounds[0].start_ts) == \
        (len(truth), first)
    ground_truth.assert_exactly_once(state.samples, truth)


@pytest.mark.observes("GetSamples")
@pytest.mark.raw_att("the central chooses the MTU; bluetoothd's client "
                     "negotiates its own")
@pytest.mark.parametrize("mtu", [23, 100, 247])
def test_packets_fill_the_mtu(band, band_time, fetch_links, witness, mtu):
    """MB4/SYNC/BV-10: each notification carries as many samples as fit

    Fact sheet §13: ⌊(ATT_MTU − 4) / 4⌋ samples, 4 (17 bytes) at MTU 23
    and 60 (241 bytes) at 247, the last packet shorter.  A client that
    sizes its buffer from the MTU, or a slow link at MTU 23 with the
    counter wrapping after 256 packets, sees exactly this.  Where band
    time can be moved the band has a day and 7 minutes logged, 1,447
    samples, 362 packets at MTU 23; a band that has lived (a real one,
    with --central l2cap) sends what it has, judged the same way packet
    by packet and by the phone's own stamps (no minute twice, never
    back); nothing is acked.
    """
    moved = band_time.control is not None
    if moved:
        band_time.let_pass(DAY + 7 * MINUTE)
    fetch = fetch_links(band, mtu)
    assert fetch.att.mtu == mtu
    count = fetch.start(SINCE).count
    if moved:
        assert count == PER_DAY + 7
    elif count == 0:
        pytest.skip("the band has nothing unsynced: wear it an hour after "
                    "its last sync")
    samples = fetch.stream()
    assert len(samples) == count
    per = (mtu - 4) // 4
    packets = math.ceil(count / per)
    tail = count - (packets - 1) * per
    sizes = fetch.last_transfer.sizes
    assert sizes == [1 + 4 * per] * (packets - 1) + [1 + 4 * tail], sizes
    assert fetch.last_transfer.counters == [i % 256 for i in range(packets)]
    if moved and mtu == 23:
        assert packets > 256
    check_samples(samples)
    if witness is not None:
        ground_truth.assert_exactly_once(samples, all_samples(witness))


@pytest.mark.observes("Events")
def test_count_zero_for_the_future(band, band_time, fetch_links, witness):
    """MB4/SYNC/BI-02: a request past the newest sample gets count 0

    A phone whose clock runs ahead asks from a minute the band has not
    lived yet, a day after the band's own time (0x2A2B): count 0 and its
    own time back, tz byte included, and 02 then has nothing to send
    (10 02 04).  The time a count-0 reply carries is docs/sync.md's
    policy (protocol §4.1 says only that an announced time is the actual
    start of the data); a real band that answers another shows it here.
    With a witness the band reports a fetch started with count 0.  On a
    real band the scenario changes nothing.
    """
    band_time.let_pass(12 * HOUR)
    fetch = fetch_links(band)
    ask = request(0x01, band_now(fetch.att) + DAY, tz=4)
    assert hexs(fetch.command(ask)) == nothing_reply(ask)
    if witness is not None:
        witness.wait_event("fetch-started", type=0x01, count=0)
    assert hexs(fetch.command(b"\x02")) == "10 02 04"


@pytest.mark.observes("GetSamples", "Events")
def test_transfer_set_is_fixed_at_request(band, band_time, fetch_links,
                                          witness):
    """MB4/SYNC/BV-11: minutes logged during a transfer wait for the next round

    The band keeps logging while a slow phone receives: the transfer
    still brings exactly the announced count (the client refuses one
    more; a band that kept adding would look "stuck syncing" to a client
    counting down), and the new minutes come in the next round, asked
    from the transfer's last sample + 1 min and starting there, as many
    as the band's clock ended since (ten on the emulator, which lets ten
    minutes pass between 01 and 02; on a real band those its clock ran
    through, perhaps none).  The phone acks the first round: the ack
    deletes what the transfer delivered, not the minutes logged after
    its request.  With a witness the band reports the day deleted and
    the phone holds every logged minute exactly once.  On a real band
    the ack deletes the wearer's unsynced minutes, as every phone app's
    does; one with nothing unsynced is skipped.
    """
    band_time.let_pass(DAY)
    fetch = fetch_links(band)
    announced = fetch.start(first_since(band_now(fetch.att)))
    need_unsynced(announced.count, band_time)
    band_time.let_pass(10 * MINUTE)
    samples = fetch.stream()
    assert len(samples) == announced.count
    fetch.ack()
    if witness is not None:
        witness.wait_event("fetch-acked", deleted=PER_DAY)
    next_minute = samples[-1].ts + MINUTE
    before = band_now(fetch.att)
    following = fetch.start(next_minute)
    after = band_now(fetch.att)
    assert following.count in logged_since(next_minute, before, after,
                                           band_time), \
        (f"{following.count} new samples in "
         f"{band_time_of(next_minute, before, after)}")
    newer = []
    if following.count:
        assert following.start_ts == next_minute, hexs(following.reply)
        newer = fetch.stream()
    if witness is not None:
        assert following.count == 10
        ground_truth.assert_exactly_once(samples + newer,
                                         all_samples(witness))


@pytest.mark.observes("GetSamples")
def test_request_with_seconds(band, band_time, fetch_links, witness):
    """MB4/SYNC/BV-12: the 9-byte timestamp with seconds is understood

    Gadgetbridge's "seconds precision" inserts a seconds byte; on a
    whole minute it must ask for exactly what the 8-byte form asks for.
    The phone fetches what the band holds, then asks from a minute in
    it (90 minutes after its start, or halfway on a short log), first
    in the 8-byte form, then in the 9-byte one: both announce that very
    minute, the second at least as many samples as the first (as many
    where band time stands still), and both bring the bytes the first
    fetch held from there.  With a witness they are the band's log from
    that minute.  On a real band the scenario deletes nothing; one with
    fewer than two unsynced minutes is skipped.
    """
    band_time.let_pass(12 * HOUR)
    fetch = fetch_links(band)
    whole = fetch.start(first_since(band_now(fetch.att)))
    need_unsynced(whole.count, band_time, at_least=2)
    held = fetch.stream()
    skip = min(90, whole.count // 2)
    asked = whole.start_ts + skip * MINUTE
    minute_form = fetch.start(asked)
    minute_samples = fetch.stream()
    seconds_form = fetch.start(asked, seconds_precision=True)
    seconds_samples = fetch.stream()
    assert (minute_form.start, seconds_form.start) == \
        (local_datetime(asked),) * 2, \
        (hexs(minute_form.reply), hexs(seconds_form.reply))
    holds(minute_form.count, whole.count - skip, band_time,
          "the 8-byte form")
    holds(seconds_form.count, minute_form.count, band_time,
          "the 9-byte form")
    same_samples(held[skip:], minute_samples[:len(held) - skip],
                 "the 8-byte form")
    same_samples(minute_samples, seconds_samples[:len(minute_samples)],
                 "the 9-byte form")
    if witness is not None:
        assert seconds_form.count == 720 - 90
        ground_truth.assert_exactly_once(seconds_samples,
                                         all_samples(witness),
                                         (asked, FOREVER))


@pytest.mark.needs_control("AdvanceClock", "GetSamples", "Events")
@pytest.mark.emulator_process(
    "a fresh 14-day log; the busy moment is a control-plane call, and "
    "through BlueZ the stack reads on while the phone is busy")
def test_busy_phone_gets_whole_transfer(band, control, fetch_links):
    """MB4/SYNC/BV-13: a phone that is busy for a moment mid-transfer still
    gets the whole log ("sync fails on a slow phone")

    An Android phone stops reading for a fraction of a second while a
    14-day log comes in at MTU 23 (5040 notifications).  A BLE link is
    flow-controlled: the band's notifications wait in its queue and the
    transfer goes on once the phone reads again.  The link must not drop
    (docs/sync.md has no such fault; transports invent no faults).  The
    control-plane call over the whole log is the busy moment.
    Emulator only: over the air the phone's controller and kernel take
    the band's notifications on while the phone's process is busy, so a
    real band never sees a busy phone (ATT notifications have no flow
    control back to the band); only the socket transport carries the
    phone's pause to the band's queue.
    """
    truth = logged(control, LOG_DAYS)
    fetch = fetch_links(band, mtu=23)
    assert fetch.start(SINCE).count == LOG_DAYS * PER_DAY

    busy = []

    def busy_once(received, expected):
        if not busy:
            busy.append(len(control.get_samples(0, FOREVER)))

    samples = fetch.stream(progress=busy_once, timeout=20)
    ground_truth.assert_exactly_once(samples, truth)
    control.wait_event("fetch-completed", count=LOG_DAYS * PER_DAY)


# ------------------------------------------------- invalid and refused

def test_send_without_request(band, band_time, fetch_links, target):
    """MB4/SYNC/BI-03: 02 with nothing announced is refused

    satcar77 reads 10 02 04 as "no more activity fetch possible"; a
    client that skips 01 must get it, not a transfer: on a new link,
    after two hours of band life (on the emulator; a real band has its
    wearer's log), 02 is answered 10 02 04 and nothing comes on
    00000005.  On a real band the scenario changes nothing.
    """
    band_time.let_pass(2 * HOUR)
    fetch = fetch_links(band)
    assert hexs(fetch.command(b"\x02")) == "10 02 04"
    assert_no_more_data(fetch, target)


MALFORMED = [
    pytest.param(bytes.fromhex("01 01 e8 07 05 14 0a"), "10 01 02",
                 id="start-5-byte-time"),
    pytest.param(bytes.fromhex("01"), "10 01 02", id="start-alone"),
    pytest.param(bytes.fromhex("01 01 e8 07 05 14 0a 1e 00 00 00 00"),
                 "10 01 02", id="start-too-long"),
    pytest.param(bytes.fromhex("02 00"), "10 02 02", id="send-with-byte"),
    pytest.param(bytes.fromhex("03 01"), "10 03 02", id="ack-with-byte"),
    pytest.param(bytes.fromhex("09"), "10 09 02", id="unknown-command"),
]


@pytest.mark.observes("StoredSamples", "AckedUntil", "Events")
@pytest.mark.parametrize("payload, expected", MALFORMED)
def test_malformed_command(band, band_time, fetch_links, witness, payload,
                           expected):
    """MB4/SYNC/BI-04: a malformed fetch command is refused and changes nothing

    A client built for another Huami model (different timestamp form,
    Zepp OS's 03 09) gets 10 <command> 02, and the band's log and cursor
    stay as they were.  The phone fetches what the band holds without an
    ack, sends the malformed command (so a 03 with a byte follows a
    completed transfer, where a real ack would delete it), and asks
    again from the same minute: the same start, at least the same count
    (exactly it where band time stands still), the same bytes.  The
    status a band gives a malformed command is the emulator's choice
    (protocol §2.2: 02, 04 and 08 have all been seen); a real band that
    answers another, or none, shows it here.  With a witness a malformed
    event names 00000004, the store and the ack cursor are untouched,
    and the only fetch events are those of the phone's two requests.
    On a real band the scenario deletes nothing.
    """
    band_time.let_pass(12 * HOUR)
    fetch = fetch_links(band)
    since = first_since(band_now(fetch.att))
    before = fetch.start(since)
    held = fetch.stream() if before.count else []
    assert hexs(fetch.command(payload)) == expected
    after = fetch.start(since)
    still_held(after, before, band_time, "the request after it")
    if after.count:
        same_samples(held, fetch.stream()[:len(held)],
                     "the request after it")
    if witness is not None:
        witness.wait_event("malformed", characteristic=FETCH_CONTROL.uuid,
                           command=payload[0])
        assert (witness.stored_samples(), witness.acked_until()) == (720, 0)
        witness.sync()
        assert [n for n in witness.names() if n.startswith("fetch-")] == \
            ["fetch-started", "fetch-completed"] * 2


@pytest.mark.observes("Events")
@pytest.mark.parametrize("data_type", [0x05, 0x06])
def test_workouts_are_empty(band, band_time, fetch_links, witness,
                            data_type):
    """MB4/SYNC/BI-05: workout summaries and details answer count 0

    Gadgetbridge asks for sports summaries (05) after activity; no
    workout is recorded as such, so the band says "nothing" with the
    requested time, and does not send the activity log instead; 02 then
    has nothing to send (10 02 04).  The time a count-0 reply carries is
    docs/sync.md's policy.  A real band records the workouts its wearer
    starts on it: one that announces some is judged only on not
    announcing its activity log (the same count from the same minute)
    and then skipped.  With a witness the band reports a fetch of that
    type started with count 0.  On a real band the scenario changes
    nothing.
    """
    band_time.let_pass(12 * HOUR)
    fetch = fetch_links(band)
    since = first_since(band_now(fetch.att))
    ask = request(data_type, since, tz=4)
    reply = fetch.command(ask)
    workouts = parse_start_reply(reply, data_type)
    if workouts.count and band_time.control is None:
        activity = fetch.start(since, tz=4)
        assert (workouts.count, workouts.start) != \
            (activity.count, activity.start), \
            f"type {data_type:#04x} announces the activity log: {hexs(reply)}"
        pytest.skip(f"the band holds {workouts.count} of its wearer's "
                    f"workout records (type {data_type:#04x})")
    assert hexs(reply) == nothing_reply(ask)
    if witness is not None:
        witness.wait_event("fetch-started", type=data_type, count=0)
    assert hexs(fetch.command(b"\x02")) == "10 02 04"


@pytest.mark.parametrize("data_type", [0x00, 0x02, 0x07, 0xFF])
def test_unknown_data_type(band, band_time, fetch_links, data_type):
    """MB4/SYNC/BI-06: a data type the Mi Band 4 does not have is refused

    Debug logs (07) and the newer models' types get 10 01 04, asked from
    further back than any log reaches, and 02 then finds nothing
    announced (10 02 04), though the band holds half a day of activity
    (on the emulator; a real band its wearer's).  Whether a Mi Band 4
    serves manual heart-rate samples (02) or debug logs (07) is not on
    record (protocol §4.3), nor its refusal's status (§2.2): a real band
    that does, or answers otherwise, shows it here.  On a real band the
    scenario changes nothing.
    """
    band_time.let_pass(12 * HOUR)
    fetch = fetch_links(band)
    since = first_since(band_now(fetch.att))
    assert hexs(fetch.command(request(data_type, since))) == "10 01 04"
    assert hexs(fetch.command(b"\x02")) == "10 02 04"


@pytest.mark.observes("Events")
def test_fetch_closed_before_auth(band, witness, target, band_time):
    """MB4/SYNC/BI-07: a stranger's phone cannot subscribe to or start a sync

    Before Huami auth, CCCD enables on 00000004 and 00000005 get ATT
    error 0x08, and a written 02 and 01 are dropped: no fetch starts.
    After auth the band has nothing to say about them, and 02 finds no
    transfer announced (10 02 04), though the log holds samples since
    the time asked for.  Where there is a control plane it also reports
    no fetch event.  Served through bluetoothd (--emu-transport bluez)
    the CCCDs are bluetoothd's, which accepts them (docs/bluez.md); the
    01 is still dropped.
    """
    # Minutes a taken 01 would announce (a real band's log has its own).
    band_time.let_pass(10 * MINUTE)
    att = band.connect()
    try:
        fetch = FetchClient(att)
        cccds = () if target.through_bluetoothd else \
            (fetch.control_cccd, fetch.data_cccd)
        for cccd in cccds:
            with pytest.raises(AttError) as info:
                att.write(cccd, b"\x01\x00")
            assert (info.value.opcode, info.value.handle, info.value.code) \
                == (Op.WRITE_REQ, cccd, ErrorCode.INSUFFICIENT_AUTHORIZATION)
        fetch.send(b"\x02")
        fetch.send(request(0x01, SINCE))
        huami = HuamiClient(att)
        huami.enable_notifications()
        huami.authenticate(target.auth_key)
        # The enable's response comes after any reply to the dropped 01.
        fetch.enable_notifications()
        with pytest.raises(FetchTimeout):
            fetch.reply(0 if target.responses_order_notifications
                        else SILENCE)
        if witness is not None:
            witness.sync()
            assert not any(n.startswith("fetch-") for n in witness.names())
        # A 01 the band had taken would have announced the minutes
        # logged since SINCE, and 02 would start sending them.
        assert hexs(fetch.command(b"\x02")) == "10 02 04"
    finally:
        band.disconnect(att)
