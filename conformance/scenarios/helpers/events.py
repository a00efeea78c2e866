"""The band's events (Events signals) on the control plane, counted from a mark:
what a scenario waits for after it acted, never an earlier band's.

last_seq() marks the newest event seen; event_after() waits for one
that comes after the mark; events_after() lists those seen so far.
"""

from bandsim.link.deadline import as_deadline


def last_seq(control) -> int:
    """The newest event the control client has seen (0 if none), once
    everything the band emitted before this call is in."""
    control.sync()
    return control.timeline[-1].seq if control.timeline else 0


def event_after(control, name: str, since: int, timeout=None, **match):
    """The first event `name` with these details after seq `since`,
    waiting for it (a restarted band's events never match an earlier
    band's mark)."""
    wanted = {key.replace("_", "-"): value for key, value in match.items()}
    deadline = as_deadline(timeout, control.timeout)
    found = []

    def look():
        for event in control.timeline:
            if event.seq > since and event.matches(name, wanted):
                found.append(event)
                return True
        return False

    control.iterate_until(look, deadline, f"event {name} {wanted or ''} "
                                          f"after #{since}")
    return found[0]


def events_after(control, name: str, since: int) -> list:
    """Every event `name` after seq `since` that the band emitted so far."""
    control.sync()
    return [e for e in control.timeline if e.name == name and e.seq > since]
