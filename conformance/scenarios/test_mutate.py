"""A band that misbehaves on purpose (``--mutate SEED[:RATE]``,
docs/mutate.md): the suite's own fetch client against a band that changes
the values of every sync as they go out, within the protocol's grammar.

Each change is an event, ``mutated`` {kind, chr, offset, was, value}, so
the oracle knows what the band said: a sync must end in a clear error
(the client's typed errors, within its deadline) or with data that is
the band's own, the sample bytes the band changed and said so excepted.
Band time is frozen and moves by AdvanceClock only, so a run repeats
byte for byte.
"""

import collections
import subprocess

import pytest

from bandsim.clients.auth import HuamiClient
from bandsim.clients.fetch import FetchClient, FetchError, SyncState
from bandsim.harness.suite import TEST_KEY
from bandsim.link.base import AttClientError
from bandsim.link.deadline import SCALE, Deadline
from bandsim.protocol.huami import StatusError

from scenarios.helpers.events import events_after
from scenarios.helpers.sync import MINUTE, SINCE, all_samples

SEED = 20261203
RATE = 0.05
# As Gadgetbridge asks: a sync of ten minutes is one data packet, and
# with the replies six values, so that one sync in four meets a change.
MTU = 247
SYNCS = 1000
# Band minutes logged between two syncs: 1,000 syncs stay well inside the
# 14 days the flash log holds.
MINUTES = 10
# One sync's deadline: a round of ten samples over the socket takes
# milliseconds; a band that leaves out its end reply is met with this.
# What a working band needs, so it stretches with BANDSIM_TIMEOUT_SCALE
# (over the air under TCG a round takes a good part of a second).
SYNC_S = 0.3 * SCALE
# After the thousand, syncs until one goes through and the band has
# nothing left: each fails with the chance of a mutation in it.
CATCH_UP = 50
# What ends a sync that met a mutation: the link's typed errors, the
# fetch client's, a Huami status other than success.
CLEAR = (AttClientError, FetchError, StatusError)
KINDS = {"short", "long", "counter", "count", "timestamp", "status",
         "sample", "order", "end-twice", "end-missing"}


class Phone:
    """The suite's clients on one authenticated link, opened again after
    a sync that failed (which may leave the band mid-transfer)."""

    def __init__(self, band):
        self.band = band
        self.att = None
        self.fetch = None

    def ready(self) -> FetchClient:
        if self.att is None:
            self.att = self.band.connect()
            self.att.exchange_mtu(MTU)
            huami = HuamiClient(self.att)
            huami.enable_notifications()
            huami.authenticate(TEST_KEY)
            self.fetch = FetchClient(self.att)
            self.fetch.enable_notifications()
        return self.fetch

    def drop(self) -> None:
        if self.att is not None:
            self.band.disconnect(self.att)
        self.att = self.fetch = None


def sync(phone, state):
    """One sync from the saved cursor; the error it ended in, or None."""
    try:
        phone.ready().sync(state, timeout=Deadline(SYNC_S))
    except CLEAR as exc:
        phone.drop()
        return exc
    return None


def explained(taken, truth, changes) -> bool:
    """The samples taken differ from the band's own only in bytes that a
    sample change put there: each differing byte is the value of one
    mutated event whose was is the band's byte."""
    wrong = [(o, t) for got, own in zip(taken, truth) if got != own
             for t, o in zip(got, own) if t != o]
    said = collections.Counter((c.details["was"], c.details["value"])
                               for c in changes
                               if c.details["kind"] == "sample")
    said.subtract(wrong)
    return all(n >= 0 for n in said.values())


@pytest.mark.needs_control("AdvanceClock", "GetSamples", "Events")
@pytest.mark.emulator_process("starts the emulator with --mutate")
@pytest.mark.takes(4)
def test_mutated_syncs(start_band, control, target):
    """MB4/MUT/BV-01: a thousand syncs from a mutating band end in a clear
    error or the band's own data

    An app developer points an app at a band started with ``--mutate
    SEED:RATE``; the suite does it to its own client.  Ten band minutes
    pass before each of 1,000 syncs, and the band changes one in twenty
    of the values of the sync: lengths, packet counters, the announced
    count, the time (out of range), status codes, sample bytes, the order
    of two packets, an end reply twice or not at all.  Every sync ends
    within its deadline, in one of the client's typed errors or with
    samples that are the band's own; a sample byte differs only where the
    band said it changed it.  A failed sync saves nothing of the round it
    failed in, so the next one asks for it again: after the thousand, the
    phone holds every minute the band logged exactly once.
    """
    if target.through_bluetoothd:
        # A failed sync is followed by a new link: about 270 of them.
        # Through bluetoothd in the VM a link took 1.6 s to open and 2.4 s
        # to close (58 of each in 300 s, docs/bluez.md), some 18 minutes
        # in all, and the scenario tests the client against the band's
        # values, which the transport does not change.
        pytest.skip("about 270 new links; through bluetoothd that is "
                    "some 18 minutes (--emu-transport l2cap runs it)")
    band = start_band(extra_args=["--mutate", f"{SEED}:{RATE}"])
    phone = Phone(band)
    state = SyncState(SINCE)
    outcomes = collections.Counter()
    for _ in range(SYNCS):
        control.advance_clock(MINUTES * MINUTE)
        error = sync(phone, state)
        outcomes[type(error).__name__ if error else "ok"] += 1
    for _ in range(CATCH_UP):
        if sync(phone, state) is None and \
                state.rounds[-1].announcement.count == 0:
            break
    else:
        pytest.fail(f"no clean sync in {CATCH_UP} tries: {outcomes}")
    phone.drop()
    changes = events_after(control, "mutated", 0)
    kinds = collections.Counter(c.details["kind"] for c in changes)

    truth = all_samples(control)
    taken = [(s.ts, s.data) for s in state.samples]
    assert [ts for ts, _ in taken] == [ts for ts, _ in truth], \
        "a minute missing or twice"
    assert explained([d for _, d in taken], [d for _, d in truth], changes)
    assert set(kinds) == KINDS, kinds
    assert outcomes["ok"] > SYNCS // 2, outcomes


@pytest.mark.emulator_process("runs the emulator with a bad --mutate")
@pytest.mark.parametrize("value", ["x", "1:2", "1:", ":0.1", "-1", "1:0.5x",
                                   "18446744073709551616"])
def test_bad_mutate(emulator_binary, profile, tmp_path, value):
    """MB4/MUT/BI-01: a bad --mutate stops the band at start, naming the
    option

    SEED must be a whole number that fits 64 bits and RATE a number from
    0 to 1: anything else is refused with exit status 2 and the option's
    name and form on stderr, before the band starts.
    """
    result = subprocess.run(
        [str(emulator_binary), "--transport", "sock",
         "--socket", str(tmp_path / "band.sock"),
         "--state-dir", str(tmp_path / "state"),
         "--profile", str(profile.path), "--control-bus", "none",
         "--mutate", value],
        capture_output=True, text=True, timeout=5,
        stdin=subprocess.DEVNULL)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "--mutate: SEED[:RATE]" in result.stderr, result.stderr
    assert not (tmp_path / "state").exists()
