"""A sync judged by what the phone received alone, for a band with no
control plane to compare against (a real band), and as a first check on
an emulated one.

The rules come from the fact sheet's §4.1: the band serves data by
timestamp from its own store; an announcement's timestamp is the actual
start of the data it sends and may be later than asked, never earlier;
every sample is one minute after the one before; a sync ends when the
band announces a count of 0. What is left to the band (how many rounds,
gaps where it was off) is not judged.
"""

from bandsim.oracles.ground_truth import runs, when
from bandsim.protocol.values import MINUTE


class SyncJudgement(AssertionError):
    """A sync that breaks a rule a phone can check by itself."""


def check_rounds(rounds) -> None:
    """Each round starts no earlier than asked; rounds go forward in
    time; the last announced 0."""
    if not rounds:
        raise SyncJudgement("no round at all")
    if rounds[-1].count != 0:
        raise SyncJudgement(f"the sync ended on a round of "
                            f"{rounds[-1].count}, not on a count of 0")
    for i, r in enumerate(rounds):
        if r.count and r.start_ts < r.requested:
            raise SyncJudgement(
                f"round {i} asked from {when(r.requested)} and started "
                f"earlier, at {when(r.start_ts)}")


def check_samples(samples) -> None:
    """Strictly one minute after another within what the phone holds:
    no minute twice, never back in time; minutes missing between rounds
    are the band's to explain (it was off), not the phone's."""
    stamps = [s.ts for s in samples]
    back, latest = [], None
    for ts in stamps:
        if latest is not None and ts <= latest:
            back.append(ts)
        latest = ts if latest is None else max(latest, ts)
    if back:
        raise SyncJudgement(f"{len(back)} samples not later than one "
                            f"before them: {runs(back)}")
    odd = [ts for ts in stamps if (ts - stamps[0]) % MINUTE]
    if odd:
        raise SyncJudgement(f"samples off the minute grid: {runs(odd)}")
    short = [s.ts for s in samples if len(s.data) != 4]
    if short:
        raise SyncJudgement(f"samples that are not 4 bytes: {runs(short)}")


def check_sync(state) -> None:
    """All of the above on a finished sync (clients.fetch.SyncState);
    the client itself times a round's samples from its announced start
    and checks their number against the count."""
    check_rounds(state.rounds)
    check_samples(state.samples)
    for i, r in enumerate(state.rounds):
        if r.count and r.received == 0:
            raise SyncJudgement(f"round {i} announced {r.count} and "
                                f"brought nothing")


def same_samples(first, second, what: str) -> None:
    """second holds first's samples, same minutes, same bytes."""
    if len(second) != len(first):
        raise SyncJudgement(f"{what} holds {len(second)} of the "
                            f"{len(first)} samples of the first")
    changed = [a.ts for a, b in zip(first, second) if a != b]
    if changed:
        raise SyncJudgement(f"{what} differs from the first at "
                            f"{runs(changed)}")
