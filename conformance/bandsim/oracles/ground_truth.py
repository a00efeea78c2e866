"""Ground truth for sync: the client's samples against the band's log.

A sync can look fine on the wire (every reply 01, counters in order)
and still lose a minute, fetch one twice after a resume, or shift a
stretch by a minute so every byte lands on the wrong timestamp.  The
oracle compares what a client holds with what the band logged
(GetSamples on the control plane) for one window: none lost, none
twice, none changed, none invented.  On failure the message names the
missing and doubled minutes as ranges of band local time, so a shifted
or truncated transfer is recognisable at a glance.
"""

import collections
from dataclasses import dataclass, field

from ..protocol.values import MINUTE, local_datetime

SHOWN = 6


@dataclass
class Comparison:
    """The differences between a client's samples and the band's log."""
    lost: list = field(default_factory=list)          # [ts]
    duplicated: list = field(default_factory=list)    # [(ts, times)]
    changed: list = field(default_factory=list)       # [(ts, truth, got)]
    unexpected: list = field(default_factory=list)    # [ts]
    truth_duplicates: list = field(default_factory=list)
    hint: str = ""
    client_count: int = 0
    truth_count: int = 0

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.changed
                    or self.unexpected or self.truth_duplicates)

    def describe(self) -> str:
        lines = [f"client holds {self.client_count} samples, the band's log "
                 f"{self.truth_count}"]
        if self.lost:
            lines.append(f"lost {len(self.lost)}: {runs(self.lost)}")
        if self.duplicated:
            stamps = [ts for ts, _ in self.duplicated]
            lines.append(f"held more than once {len(stamps)}: "
                         f"{runs(stamps)}")
        if self.unexpected:
            lines.append(f"not in the band's log {len(self.unexpected)}: "
                         f"{runs(self.unexpected)}")
        if self.changed:
            shown = ", ".join(f"{when(ts)} band {a.hex(' ')} client "
                              f"{b.hex(' ')}"
                              for ts, a, b in self.changed[:SHOWN])
            more = (f" (+{len(self.changed) - SHOWN} more)"
                    if len(self.changed) > SHOWN else "")
            lines.append(f"different bytes {len(self.changed)}: {shown}"
                         f"{more}")
            lines.append(self.hint)
        if self.truth_duplicates:
            lines.append(f"the band's log itself repeats "
                         f"{len(self.truth_duplicates)} timestamps: "
                         f"{runs(self.truth_duplicates)}")
        return "\n".join(line for line in lines if line)


def compare(client, truth, window=None) -> Comparison:
    """Compare [(ts, bytes)] lists; window=(from, to) keeps from <= ts < to
    on both sides."""
    if window is not None:
        low, high = window
        client = [s for s in client if low <= s[0] < high]
        truth = [s for s in truth if low <= s[0] < high]
    result = Comparison(client_count=len(client), truth_count=len(truth))
    band = {}
    for ts, data in truth:
        if ts in band:
            result.truth_duplicates.append(ts)
        band[ts] = bytes(data)
    held = collections.defaultdict(list)
    for ts, data in client:
        held[ts].append(bytes(data))
    for ts in sorted(band):
        if ts not in held:
            result.lost.append(ts)
    for ts in sorted(held):
        copies = held[ts]
        if len(copies) > 1:
            result.duplicated.append((ts, len(copies)))
        if ts not in band:
            result.unexpected.append(ts)
            continue
        for data in copies:
            if data != band[ts]:
                result.changed.append((ts, band[ts], data))
                break
    result.hint = _shift_hint(result.changed, band)
    return result


def assert_exactly_once(client, truth, window=None, context="") -> Comparison:
    """Every logged sample of the window is held exactly once, same bytes."""
    result = compare(client, truth, window)
    if not result.ok:
        where = ""
        if window is not None:
            where = f" in [{when(window[0])}, {when(window[1])})"
        prefix = f"{context}: " if context else ""
        raise AssertionError(f"{prefix}client and band disagree{where}\n"
                             f"{result.describe()}")
    return result


def when(ts: int) -> str:
    return f"{local_datetime(ts):%Y-%m-%d %H:%M}"


def runs(stamps) -> str:
    """Minutes as contiguous ranges: '2024-05-20 10:30 .. 12:29 (120)'."""
    groups = []
    for ts in sorted(stamps):
        if groups and ts - groups[-1][1] == MINUTE:
            groups[-1][1] = ts
            groups[-1][2] += 1
        else:
            groups.append([ts, ts, 1])
    shown = []
    for first, last, n in groups[:SHOWN]:
        if n == 1:
            shown.append(when(first))
        else:
            same_day = local_datetime(last).date() == \
                local_datetime(first).date()
            end = f"{local_datetime(last):%H:%M}" if same_day else when(last)
            shown.append(f"{when(first)} .. {end} ({n})")
    more = f" (+{len(groups) - SHOWN} more ranges)" if len(groups) > SHOWN \
        else ""
    return ", ".join(shown) + more


def _shift_hint(changed, band) -> str:
    """A transfer timed from the wrong start shows as many changed
    samples; say so when most of the client's bytes equal the band's a
    minute earlier or later."""
    if len(changed) < 3:
        return ""
    for shift, words in ((-MINUTE, "one minute earlier"),
                         (MINUTE, "one minute later")):
        hits = sum(1 for ts, _, got in changed if band.get(ts + shift) == got)
        if hits * 2 >= len(changed):
            return (f"hint: the client's bytes match the band's {words} "
                    f"(timestamps shifted?)")
    return ""
