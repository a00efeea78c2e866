"""The band's events (Events signals) on the control plane, counted from a mark:
what a scenario waits for after it acted, never an earlier band's.

last_seq() marks the newest event seen; event_after() waits for one
that comes after the mark; events_after() lists those seen so far.
unasked_find_phone_answers() acts and marks: the phone's answers to a
find phone the band never started.
"""

from bandsim.clients.settings import SettingsClient
from bandsim.link.base import DEFAULT_TIMEOUT
from bandsim.link.deadline import as_deadline
from bandsim.protocol import devevents
from bandsim.protocol.profile import default_profile

DEVICE_EVENT = default_profile().characteristic("device-event")


def heard(att, timeout=None) -> bytes:
    """The next device event the phone hears on 00000010, the band's MTU
    announcement (16 <mtu>, sent when a link at ATT_MTU 23 subscribes,
    §13) passed over as a phone app does."""
    deadline = as_deadline(timeout, DEFAULT_TIMEOUT)
    while True:
        raw = bytes(att.wait_notification(DEVICE_EVENT.value_handle,
                                          deadline))
        if raw[:1] != bytes([devevents.MTU]):
            return raw


def not_announcements(values) -> list:
    """Device events as a phone keeps them: without the MTU
    announcement."""
    return [v for v in values if bytes(v)[:1] != bytes([devevents.MTU])]


def last_seq(control) -> int:
    """The newest event the control client has seen (0 if none), once
    everything the band emitted before this call is in; 0 on a band
    without a control plane (a witness that is None)."""
    if control is None:
        return 0
    control.sync()
    return control.timeline[-1].seq if control.timeline else 0


def seen_by(witness, name: str, **match):
    """The event, waited for, where there is a witness; None on a band
    without a control plane."""
    if witness is None:
        return None
    return witness.wait_event(name, **match)


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


def vibrated_for(control, since: int) -> list:
    """The reasons of the band's vibrations after `since`, in order."""
    return [e.details["reason"] for e in events_after(control, "vibrate",
                                                      since)]


def unasked_find_phone_answers(att, control, client) -> tuple:
    """An app that answers find phone while the band is not looking: 06
    14 00 00 ("the phone rings"), then 06 14 00 01 ("found"), from client
    (a DeviceEventsClient on att).  A SettingsClient on att listens on
    00000003 and 00000008 first, so the band's answer to either would be
    heard.  Returns that SettingsClient and the mark before the answers,
    for what the scenario then checks the band did not do (None without
    a control plane: a real band)."""
    settings = SettingsClient(att)
    settings.enable_notifications()
    mark = last_seq(control) if control is not None else None
    client.answer_find_phone(False)
    client.answer_find_phone(True)
    return settings, mark
