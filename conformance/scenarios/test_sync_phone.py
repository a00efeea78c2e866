"""Syncs judged by the phone alone: the same scenarios on an emulated and a real band.

A real band has lived before the scenario starts: its log is its
wearer's, and the scenario syncs whatever it holds. An emulated band
lives LIVED_S of band time first (the band_time fixture; on a real band
that is the wearer's time, already past). Each scenario judges the sync
by what the phone received (bandsim/oracles/phone_side.py): every round starts
no earlier than it was asked to, holds the minutes its announcement
promised, one a minute, no minute twice, and later rounds start after
earlier ones end; a sync ends with a count of 0. Where there is a
control plane (the witness), the band's own log must equal what the
phone holds as well.

On a real band these scenarios fetch and, in MB4/SYNC/BV-20, ack what
they fetched, as every phone app does; they change nothing else. A
real band with nothing unsynced is skipped with the reason: wear it for
an hour after the last sync.
"""

import pytest

from bandsim.clients.alerts import AlertClient
from bandsim.clients.fetch import SAMPLE_SIZE, SyncState, samples_per_packet
from bandsim.oracles import ground_truth
from bandsim.oracles.phone_side import check_sync, same_samples
from bandsim.protocol import alerts as A

from scenarios.helpers.events import event_after, last_seq
from scenarios.helpers.sync import (FOREVER,
                                    NO_MTU_23_CUT_THROUGH_BLUETOOTHD,
                                    lived_sync, resync_after_ack,
                                    sync_meanwhile)

WATCH = ("GetSamples", "StoredSamples", "AckedUntil")


def packet_at(mtu: int) -> int:
    """A full activity packet's bytes at this ATT_MTU: the counter and
    its samples."""
    return 1 + SAMPLE_SIZE * samples_per_packet(mtu)


def logged_now(witness) -> list:
    return witness.get_samples(0, FOREVER)


@pytest.mark.observes(*WATCH)
def test_sync_is_whole(band, band_time, fetch_links, witness):
    """MB4/SYNC/BV-17: a sync from before the log's start is whole and gap-free by its own timestamps

    The phone asks from further back than any log reaches and fetches
    round after round without an ack, until the band announces 0. Each
    round's samples are the minutes its announcement promised from its
    own start, one a minute; the rounds go forward in time and never
    overlap. With a witness, the phone holds each logged sample exactly
    once, same bytes, and the band still stores them all (no ack, no
    delete).
    """
    _, state = lived_sync(band, band_time, fetch_links, ack=False)
    if witness is not None:
        ground_truth.assert_exactly_once(state.samples, logged_now(witness))
        assert witness.stored_samples() == len(state.samples)


@pytest.mark.observes(*WATCH)
def test_unacked_sync_brings_the_same_again(band, band_time, fetch_links,
                                            witness):
    """MB4/SYNC/BV-18: without an ack, the same request brings the same samples again

    Gadgetbridge with "keep data on device", or an app killed before its
    ack: the next sync asks from the same minute. On a new link the band
    sends every sample of the first sync again, same minute and same
    bytes; a real band's clock runs, so the second may end later, never
    earlier.
    """
    fetch, first = lived_sync(band, band_time, fetch_links, ack=False)
    band.disconnect(fetch.att)
    again = fetch_links(band)
    second = SyncState(first.rounds[0].requested)
    again.sync(second, ack=False)
    check_sync(second)
    same_samples(first.samples, second.samples[:len(first.samples)],
                 "the second sync")
    if witness is not None:
        assert witness.stored_samples() == len(first.samples)


@pytest.mark.observes(*WATCH)
def test_cut_round_is_fetched_again_from_the_cursor(band, band_time,
                                                    fetch_links, witness):
    """MB4/SYNC/BV-19: a round cut short is asked again from the saved cursor, nothing lost or twice

    "Stuck syncing" after the phone walked away: a whole sync first (no
    ack); then, on a new link, a sync from the same minute whose first
    round the phone cuts after one packet, its cursor left where it was;
    then a third link resumes from that cursor. The phone ends with the
    first sync's samples, each once.
    """
    fetch, whole = lived_sync(band, band_time, fetch_links, ack=False)
    band.disconnect(fetch.att)

    class Cut(Exception):
        pass

    def cut(received, expected):
        raise Cut()

    state = SyncState(whole.rounds[0].requested)
    link = fetch_links(band)
    with pytest.raises(Cut):
        link.sync(state, ack=False, progress=cut)
    assert (state.samples, state.cursor) == ([], whole.rounds[0].requested)
    band.disconnect(link.att)

    resumed = fetch_links(band)
    resumed.sync(state, ack=False)
    check_sync(state)
    # The last round with data: all its packets but its last are full.
    assert set(resumed.last_transfer.sizes[:-1]) <= {packet_at(247)}, \
        resumed.last_transfer.sizes
    same_samples(whole.samples, state.samples[:len(whole.samples)],
                 "the resumed sync")
    if witness is not None:
        ground_truth.assert_exactly_once(state.samples, logged_now(witness))


@pytest.mark.observes(*WATCH)
def test_acked_samples_are_not_sent_again(band, band_time, fetch_links,
                                          witness):
    """MB4/SYNC/BV-20: after the ack, a request from the old minute brings nothing already acked

    A whole sync with Gadgetbridge's ack after every round (03, answered
    10 03 01). On a new link the phone asks again from the first sync's
    first minute: every sample the band sends now is later than the last
    one acked (on the emulator, with its clock still, none at all). The
    profile's fetch-ack-deletes is the emulator's policy; whether a real
    band deletes on 03 is not on record (protocol §4.1), and this
    scenario is how a real band shows it.
    """
    fetch, first = lived_sync(band, band_time, fetch_links, ack=True)
    assert all(r.acked for r in first.rounds)
    last = first.samples[-1].ts
    band.disconnect(fetch.att)
    second = resync_after_ack(fetch_links(band), first)
    if witness is not None:
        assert second.samples == []
        assert witness.acked_until() == last
        assert witness.stored_samples() == 0
        assert len(logged_now(witness)) == len(first.samples)


@pytest.mark.observes("GetSamples", "Events")
def test_alert_in_the_middle_of_a_sync(band, band_time, fetch_links,
                                       witness):
    """MB4/SYNC/BV-22: a message that comes in the middle of a sync is taken, and the sync stays whole

    "Notifications stop while it syncs", "sync stuck after a message":
    a phone syncs at ATT_MTU 23, so the transfer takes many
    notifications, and a third of the way through its app forwards an
    SMS on the same link (a Write Request to 0x2A46 among the band's
    notifications).  The band answers the write while it streams, the
    transfer goes on where it was, and the sync is whole by the phone's
    rules (no minute twice or missing, rounds in order).  With a
    witness the band showed the message and the phone holds its log
    exactly once.
    """
    sent = []

    def message(att) -> None:
        sent.append(last_seq(witness))
        AlertClient(att).send(A.Category.SMS, "Ann", "running late")

    _, state = sync_meanwhile(band, band_time, fetch_links, message)
    if witness is not None:
        ground_truth.assert_exactly_once(state.samples, logged_now(witness))
        event_after(witness, "alert-received", sent[0], category="sms",
                    title="Ann", text="running late")


@pytest.mark.observes(*WATCH)
def test_cut_at_23_resumed_at_247(band, band_time, fetch_links, witness,
                                  target):
    """MB4/SYNC/BV-23: a round cut at ATT_MTU 23 is fetched again at 247 on the next link: the packets change, the minutes do not

    A phone whose MTU request fails on one connection and succeeds on
    the next (Android's requestMtu): a whole sync first at 247 (no
    ack); on a new link left at 23 a sync from the same minute that the
    phone cuts a third of the way through, its cursor left where it
    was; then a third link at 247 resumes from that cursor.  The cut
    round's notifications carried four samples each, the resumed
    round's as many as 247 holds (§4.1), and the phone ends with the
    first sync's samples, same bytes, each once.
    """
    if target.through_bluetoothd:
        pytest.skip(NO_MTU_23_CUT_THROUGH_BLUETOOTHD)
    fetch, whole = lived_sync(band, band_time, fetch_links, ack=False)
    band.disconnect(fetch.att)

    class Cut(Exception):
        pass

    def cut_at_a_third(received: int, expected: int) -> None:
        if received * 3 >= expected:
            raise Cut()

    state = SyncState(whole.rounds[0].requested)
    small = fetch_links(band, mtu=23)
    with pytest.raises(Cut):
        small.sync(state, ack=False, progress=cut_at_a_third)
    assert set(small.last_transfer.sizes) == {packet_at(23)}, \
        small.last_transfer.sizes
    assert (state.samples, state.cursor) == ([], whole.rounds[0].requested)
    band.disconnect(small.att)

    resumed = fetch_links(band)
    resumed.sync(state, ack=False)
    check_sync(state)
    same_samples(whole.samples, state.samples[:len(whole.samples)],
                 "the resumed sync")
    if witness is not None:
        ground_truth.assert_exactly_once(state.samples, logged_now(witness))
