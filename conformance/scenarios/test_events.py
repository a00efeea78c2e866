"""The band's own events: what it tells the phone of its own accord on 00000010 (fact sheet §9; docs/policies.md#find-phone, #wearer-events)

"Find phone does nothing", "the music buttons on my band do nothing",
"sleep is not detected": a phone app hears the band's device events on
00000010 and must answer some of them.  These scenarios start the events
where the real band starts them: find phone and the music screen from
the band's menus (a person does it on a real band, --interactive), sleep
and the band taken off from the wearer's minutes (the life model, in
band time), silent mode from the band's menu, and any event of the table
injected for a test.  The phone is the suite's DeviceEventsClient, which
answers find phone as Gadgetbridge and satcar77 do.
"""

import pytest

from bandsim.clients.alerts import AlertClient
from bandsim.clients.devevents import DeviceEventsClient
from bandsim.clients.settings import SettingsClient
from bandsim.harness.control import ControlError
from bandsim.protocol import devevents as D
from bandsim.protocol import settings as S
from bandsim.protocol.profile import DEFAULT_PATH, Profile

from scenarios.helpers.events import (events_after, last_seq,
                                      not_announcements,
                                      unasked_find_phone_answers)
from scenarios.helpers.links import authenticated_link
from scenarios.helpers.policy import SETTINGS_ERROR_STATUS as ERROR_STATUS
from scenarios.helpers.sync import synced_since

PROFILE = Profile.load(DEFAULT_PATH)
# Read as a barrier: a value every transport shows (BlueZ keeps Generic
# Access to itself).
HARDWARE_REVISION = PROFILE.characteristic("hardware-revision")
CONFIG = PROFILE.characteristic("configuration")
DAY = 86400
# protocol §4.2 kinds (after & 0x0f).
NOT_WORN, CHARGING = 0x03, 0x06
SLEEP = (0x09, 0x0B)
MUSIC_ORDER = ("open", "play", "pause", "next", "previous", "volume-up",
               "volume-down", "close")


def events_link(att) -> DeviceEventsClient:
    """Device events on att; the MTU announcement a link at ATT_MTU 23
    hears from a band on the air or a real one (§13) set aside, as an app
    takes it: the link's news, not an event of the wearer's."""
    client = DeviceEventsClient(att)
    client.enable_notifications()
    client.take_announcement()
    return client


def sent_so_far(att) -> list:
    """Every notification the band sent on this link so far, as
    (handle, value): a read is answered after them (ATT keeps order)."""
    assert att.read(HARDWARE_REVISION.value_handle)
    return [(handle, value) for _, handle, value in att.take_unsolicited()]


def wearer_events(samples) -> list:
    """The device events a wearer who did samples earns
    (docs/policies.md#wearer-events): 01 when sleep starts, 02 when it
    ends, 06 when the band goes off the wrist from it; the first minute
    is the band's first look."""
    codes = []
    for (_, before), (_, now) in zip(samples, samples[1:]):
        was, kind = before[0] & 0x0F, now[0] & 0x0F
        if (was in SLEEP) != (kind in SLEEP):
            codes.append(D.FELL_ASLEEP if kind in SLEEP else D.WOKE_UP)
        if kind == NOT_WORN and was not in (NOT_WORN, CHARGING):
            codes.append(D.NON_WEAR)
    return codes


@pytest.mark.person("find-phone")
def test_find_phone_answered(authed, band_menu):
    """MB4/EVT/BV-01: find phone on the band reaches the phone, is answered, and stops

    "Find phone does nothing": the wearer starts find phone in the band's
    menu; the phone gets 08 on 00000010 and answers 06 14 00 00 on
    00000003 at once, as Gadgetbridge does, and the band shows that the
    phone rings.  The wearer stops it: 0F; the phone answers 06 14 00 01,
    as satcar77 does, which the band takes without a word.  On a real
    band a person starts and stops it (--interactive): the bytes are the
    evidence.
    """
    control = band_menu.control             # None when a person does it
    client = events_link(authed)
    band_menu.find_phone(True)
    client.wait_find_phone()
    if control is not None:
        control.wait_event("find-phone", state="started", by="band")
        control.wait_event("find-phone", state="acknowledged", by="phone")
        assert control.screen() == {"name": "find-phone",
                                    "state": "acknowledged"}
    band_menu.find_phone(False)
    assert bytes(client.expect(D.FIND_PHONE_STOP)) == b"\x0f"
    client.answer_find_phone(found=True)
    assert sent_so_far(authed) == []
    if control is not None:
        control.wait_event("find-phone", state="stopped", by="band")
        assert control.screen()["name"] == "time"
        assert [e.details for e in events_after(control, "find-phone", 0)] \
            == [{"state": "started", "by": "band"},
                {"state": "acknowledged", "by": "phone"},
                {"state": "stopped", "by": "band"}]


@pytest.mark.person("music")
def test_music_buttons(authed, band_menu):
    """MB4/EVT/BV-02: every button of the band's music screen reaches the phone as FE and its code

    Gadgetbridge turns FE 00, 01, 03, 04, 05, 06 into play, pause, next,
    previous, volume up and down, and E0 / E1 into the music screen
    opened and closed (satcar77 confirms the codes on a real Mi Band 4).
    The wearer opens the screen, presses each button, and leaves it; the
    phone gets one event per press, in order.
    """
    control = band_menu.control
    client = events_link(authed)
    band_menu.music(*MUSIC_ORDER)
    for action in MUSIC_ORDER:
        event = client.expect(D.MUSIC_CONTROL)
        assert bytes(event) == bytes([D.MUSIC_CONTROL, D.MUSIC[action]])
        assert event.music == action
    assert sent_so_far(authed) == []
    if control is not None:
        assert [e.details["action"] for e in
                events_after(control, "music-control", 0)] == \
            list(MUSIC_ORDER)
        assert [s.details["screen"] for s in
                events_after(control, "screen-changed", 0)] == \
            ["music", "time"]


# How long a real band may take to notice it is off the wrist.
NON_WEAR_WAIT_S = 60


def taken_off(client, hands) -> list:
    """The person takes the band off the wrist (on the emulator its
    wearer does, at the morning's shower) and puts it on again; the
    device events the phone got until 06, which must come within
    NON_WEAR_WAIT_S of the band coming off."""
    hands.take_off_wrist()
    try:
        got = []
        while not got or got[-1][0] != D.NON_WEAR:
            got.append(bytes(client.next(NON_WEAR_WAIT_S)))
        return got
    finally:
        hands.put_on_wrist()


@pytest.mark.person("off-wrist")
@pytest.mark.observes("GetSamples", "Events")
def test_sleep_and_non_wear(authed, band_time, hands, witness):
    """MB4/EVT/BV-03: fell asleep, woke up and non-wear come at the wearer's minutes

    "Sleep not detected": a day of the wearer's life in band time.  The
    phone gets 01 at the first minute of sleep, 02 at the first minute
    awake, 06 when the band comes off the wrist for the shower (not for
    the charger), exactly as the band's log has the minutes: the phone's
    own sync of the day (each sample's kind), and with a witness
    GetSamples (the ground truth) and the events too.  A real band's day
    would pass in wall time: there the person takes the band off the
    wrist, and the phone must get 06, one byte, once, after whatever
    sleep came before it (on the stand-in its wearer's night), each
    fell asleep answered by a woke up; sleep itself is the emulator's.
    """
    client = events_link(authed)
    mark = last_seq(witness)
    if band_time.control is None:
        got = taken_off(client, hands)
        wearer = [raw[0] for raw in got if raw[0] in
                  (D.FELL_ASLEEP, D.WOKE_UP, D.NON_WEAR)]
        assert all(len(raw) == 1 for raw in got), got
        assert wearer.count(D.NON_WEAR) == 1, wearer
        sleep = wearer[:-1]
        assert sleep == [D.FELL_ASLEEP, D.WOKE_UP] * (len(sleep) // 2), \
            wearer
        return
    band_time.let_pass(DAY)
    got = not_announcements(value for handle, value in sent_so_far(authed)
                            if handle == client.event_handle)
    synced = synced_since(authed)
    want = wearer_events(synced)
    assert {D.FELL_ASLEEP, D.WOKE_UP, D.NON_WEAR} <= set(want)
    assert [raw[0] for raw in got if raw[0] in
            (D.FELL_ASLEEP, D.WOKE_UP, D.NON_WEAR)] == want
    assert all(len(raw) == 1 for raw in got)
    if witness is None:
        return
    samples = witness.get_samples(0, 1 << 63)
    assert synced == samples
    assert wearer_events(samples) == want
    assert len(events_after(witness, "fell-asleep", mark)) == \
        want.count(D.FELL_ASLEEP)
    assert len(events_after(witness, "woke-up", mark)) == \
        want.count(D.WOKE_UP)
    worn = [e.details["worn"] for e in events_after(witness, "non-wear",
                                                   mark)]
    assert worn.count(0) >= want.count(D.NON_WEAR) and 1 in worn


@pytest.mark.person("silent-mode")
@pytest.mark.observes("Settings")
def test_silent_mode_from_band(authed, hands, witness):
    """MB4/EVT/BV-04: silent mode from the band's menu is 10 01 / 10 00, and the phone's answer is kept

    The wearer mutes the phone from the band: 10 01 on 00000010.
    Gadgetbridge mutes the phone and tells the band its state, 06 19 00
    01 on 00000003, which the band takes without a word; then the other
    way, 10 00 and 06 19 00 00.  The phone first says it rings (06 19 00
    00), so the band's menu starts from there.  On a real band a person
    turns silent mode on and off in the band's menu (--interactive):
    judged by the events' bytes, one per turn and nothing else; with a
    witness the band keeps each answer (Settings phone-silent).
    """
    client = events_link(authed)
    settings = SettingsClient(authed)
    settings.write(S.phone_silent(False))
    settings.settle()
    for on in (True, False):
        hands.silent_mode(on)
        event = client.expect(D.SILENT_MODE)
        assert bytes(event) == bytes([D.SILENT_MODE, on])
        assert event.silent is on
        settings.write(S.phone_silent(on))
        settings.settle()
        if witness is not None:
            assert witness.settings()["phone-silent"] is on
    assert sent_so_far(authed) == []


# Each code of §9 with bytes that fit it.
INJECTED = [(code, bytes({D.SILENT_MODE: [1], D.WORKOUT: [0, 1, 8],
                          D.MTU: [0xF7, 0], D.MUSIC_CONTROL: [0xE0]}
                         .get(code, [])))
            for code in D.NAMES]


def done_on_band(att, client, hands) -> None:
    """What a person makes the band send (--interactive; on the stand-in
    the control plane's hands): a tap 04, a long press 0B, silent mode
    10 01 and 10 00 (the phone answering each, as Gadgetbridge does),
    the music screen FE E0 and FE E1, find phone 08 and 0F (answered),
    a call rejected 07 and one ignored 09.  Each arrives with exactly
    its bytes and decodes to what §9 says."""
    settings = SettingsClient(att)
    settings.write(S.phone_silent(False))
    settings.settle()
    calls = AlertClient(att)

    def silent(on):
        hands.silent_mode(on)
        yield bytes([D.SILENT_MODE, on])
        settings.write(S.phone_silent(on))
        settings.settle()

    def music():
        hands.music("open", "close")
        yield bytes([D.MUSIC_CONTROL, D.MUSIC["open"]])
        yield bytes([D.MUSIC_CONTROL, D.MUSIC["close"]])

    def find_phone():
        hands.find_phone(True)
        yield bytes([D.FIND_PHONE_START])
        client.answer_find_phone(False)
        hands.find_phone(False)
        yield bytes([D.FIND_PHONE_STOP])
        client.answer_find_phone(True)

    def call(caller, answer, code):
        calls.incoming_call(caller)
        answer()
        yield bytes([code])
        calls.end_call()
        calls.settle()

    def one(act, code):
        act()
        yield bytes([code])

    for step in (one(hands.press, D.BUTTON),
                 one(hands.long_press, D.BUTTON_LONG),
                 silent(True), silent(False), music(), find_phone(),
                 call("Eve", hands.reject_call, D.CALL_REJECTED),
                 call("Mallory", hands.ignore_call, D.CALL_IGNORED)):
        for want in step:
            event = client.next()
            assert bytes(event) == want, \
                f"{D.describe(bytes(event))}, not {D.describe(want)}"
            assert event.name == D.NAMES[want[0]]


@pytest.mark.needs_control("InjectDeviceEvent", "Events", "Screen")
def test_injected_events(authed, control):
    """MB4/EVT/BV-05: every device event of §9, injected, reaches the phone with its bytes

    A test of what an app does with an event the band sends rarely (a
    call rejected, a workout starting, the MTU announced) injects it
    through the control plane: the phone gets exactly its bytes, which
    decode to what §9 says, and device-event names it and says it went
    out.  What a person can make a real band send is MB4/EVT/BV-06.
    """
    client = events_link(authed)
    for code, extra in INJECTED:
        mark = last_seq(control)
        control.inject_device_event(code, extra)
        event = client.next(mtu=True)     # the injected 16 too
        assert bytes(event) == bytes([code]) + extra
        assert event.name == D.NAMES[code]
        details = control.wait_event("device-event", code=code).details
        assert details["extra"] == extra.hex(" ")
        assert details["sent"] == 1
        assert events_after(control, "find-phone", mark) == []
    assert control.screen()["name"] == "off"


@pytest.mark.person("button", "silent-mode", "music", "find-phone", "call")
@pytest.mark.observes("Events")
def test_events_the_wearer_makes(authed, hands, witness):
    """MB4/EVT/BV-06: what the wearer does on the band reaches the phone with its bytes

    The person (the control plane's hands on the emulator) does on the
    band what the events a person can cause stand for: a tap, a long
    press, silent mode on and off (the phone answers each, as
    Gadgetbridge does), the music screen opened and closed, find phone
    started and stopped (answered), a call rejected and one ignored.
    Each reaches the phone with exactly its bytes and decodes to what §9
    says; where there is a witness, the band said it sent each one.
    """
    client = events_link(authed)
    mark = last_seq(witness)
    done_on_band(authed, client, hands)
    if witness is not None:
        sent = [e.details["code"] for e in
                events_after(witness, "device-event", mark)]
        assert sent == [D.BUTTON, D.BUTTON_LONG, D.SILENT_MODE,
                        D.SILENT_MODE, D.MUSIC_CONTROL, D.MUSIC_CONTROL,
                        D.FIND_PHONE_START, D.FIND_PHONE_STOP,
                        D.CALL_REJECTED, D.CALL_IGNORED], sent


@pytest.mark.needs_control("InjectDeviceEvent", "Events")
@pytest.mark.parametrize("code, extra", [
    (0x05, b""), (0xFF, b""), (D.BUTTON, b"\x01"), (D.SILENT_MODE, b""),
    (D.SILENT_MODE, b"\x02"), (D.MUSIC_CONTROL, b"\x02"),
    (D.MUSIC_CONTROL, b"\x00\x00"), (D.MTU, b"\x16\x00"),
    (D.WORKOUT, b"\x00\x02\x01")],
    ids=["unknown-05", "unknown-ff", "button-with-byte", "silent-short",
         "silent-02", "music-02", "music-long", "mtu-22", "workout-gps-02"])
def test_injected_refused(authed, control, code, extra):
    """MB4/EVT/BI-01: a device event the band does not have, or with bytes that do not fit, is refused

    InvalidArgs naming what is wrong; nothing reaches the phone and no
    device-event is emitted.
    """
    events_link(authed)
    mark = last_seq(control)
    with pytest.raises(ControlError) as info:
        control.inject_device_event(code, extra)
    assert info.value.name == "io.bandsim.Error.InvalidArgs"
    assert f"0x{code:02x}" in str(info.value)
    assert sent_so_far(authed) == []
    assert events_after(control, "device-event", mark) == []


@pytest.mark.person("find-phone", "look")
@pytest.mark.observes("FindPhone", "Screen", "Events")
def test_find_phone_out_of_turn(band, hands, witness, target):
    """MB4/EVT/BI-02: find-phone answers the band does not wait for change nothing; the link's end ends it

    An app that answers 06 14 00 00 without an 08, or twice, changes
    nothing; a malformed answer is refused as any bad setting is (10 06
    02); the band's menu cannot start find phone twice or stop it when
    it does not look.  The phone going away ends it, and without a phone
    it cannot start.  On a real band (--interactive) the phone's
    unasked answers bring nothing back, the person starts find phone
    (08 arrives), the malformed answer gets 10 06 02, and the person
    says the band shows the phone ringing, then, once the phone has
    gone, the time again; the menu's refusals are the witness's.
    """
    att = authenticated_link(band, key=target.auth_key)
    client = events_link(att)
    settings, mark = unasked_find_phone_answers(att, witness, client)
    assert sent_so_far(att) == []
    if witness is not None:
        assert events_after(witness, "find-phone", mark) == []
        with pytest.raises(ControlError) as info:
            witness.find_phone(False)
        assert info.value.name == "io.bandsim.Error.Failed"
    hands.find_phone(True)
    client.wait_find_phone()
    client.answer_find_phone(False)
    if witness is not None:
        with pytest.raises(ControlError):
            witness.find_phone(True)
    assert settings.refused(S.Write(S.CONFIGURATION,
                                    bytes.fromhex("06 14 00 02"))) == \
        ERROR_STATUS
    if witness is not None:
        assert witness.screen() == {"name": "find-phone",
                                    "state": "acknowledged"}
    assert hands.sees("find phone, the phone ringing", "find-phone",
                      state="acknowledged")
    band.disconnect(att)
    if witness is not None:
        witness.wait_event("find-phone", state="stopped", by="disconnected")
    assert hands.sees("the time again (find phone ended with the link)",
                      "time")
    if witness is not None:
        with pytest.raises(ControlError) as info:
            witness.find_phone(True)
        assert info.value.name == "io.bandsim.Error.Failed"
        assert "no phone" in str(info.value)
