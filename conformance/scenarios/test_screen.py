"""The screen: what the wearer sees on the band, read over the control plane or asked of the person (docs/policies.md#screen)

"The band says pair first", "it shows syncing forever", "the update
percent froze": what the band shows is half of what a user reports.  A
real band's screen is not on the air, so these scenarios read the
emulator's Screen property and screen-changed event: each screen comes
with the event that makes it (a new client's key, a sync, an update, the
battery, an alarm, find phone), shows its fields, and goes back to the
time and then off after the profile's times, in band time.  Those a
person can judge (person("look"): a tap, a new phone's key, a challenge
asked of a band with no key, find phone, a call, a message, a heart-rate
reading) run on a real band too, where the person is asked what the band
shows (hands.sees()); the exact times stay the witness's.  A scenario
that needs a band with no key has the person reset it (unbound_band),
binds the run's key (--auth-key) with a tap and leaves it bound so.
"""

import subprocess

import pytest

from bandsim.clients.alerts import AlertClient
from bandsim.clients.devevents import DeviceEventsClient
from bandsim.clients.firmware import TYPE_RESOURCES
from bandsim.clients.heartrate import HeartRateClient
from bandsim.clients.settings import SettingsClient
from bandsim.harness.images import fixture
from bandsim.protocol import alerts as A
from bandsim.protocol import settings as S
from bandsim.protocol import uuids
from bandsim.protocol.profile import DEFAULT_PATH, Profile
from bandsim.protocol.values import decode_battery

from scenarios.helpers.alarms import device_event_at, next_minute
from scenarios.helpers.events import (event_after, events_after, last_seq,
                                      seen_by)
from scenarios.helpers.links import open_link
from scenarios.helpers.look import LOOK_SLACK_S, let_pass
from scenarios.helpers.policy import HR_MEASURE_S as MEASURE_S
from scenarios.helpers.policy import SCREEN_ALARM_S as ALARM_S
from scenarios.helpers.policy import SCREEN_LOW_PERCENT as LOW_PERCENT
from scenarios.helpers.policy import SCREEN_MESSAGE_S as MESSAGE_S
from scenarios.helpers.policy import SCREEN_NOTICE_S as NOTICE_S
from scenarios.helpers.policy import SCREEN_ON_S as ON_S
from scenarios.helpers.sync import HOUR, band_now, first_since, need_unsynced

PROFILE = Profile.load(DEFAULT_PATH)
INITIAL_LEVEL = PROFILE.section("battery").getint("initial-level")
BATTERY = PROFILE.by_uuid(uuids.BATTERY)
DEVICE_EVENT = PROFILE.characteristic("device-event")
# Readable without auth: a read of it is a round trip on the link.
SOFTWARE_REVISION = PROFILE.characteristic("software-revision")
RESOURCES = fixture("mb4-res-v80.res")
# The shortest time band time can be moved by.
TICK = 0.001
# Where notifications do not come in order with responses (through
# bleak), how long a "nothing arrives" check waits after a response.
SILENCE = 0.2


def read_battery(att):
    """00000006 as the phone reads it (level, charging)."""
    return decode_battery(att.read(BATTERY.value_handle))


def screens_after(control, mark) -> list:
    """Every screen-changed after seq mark, as the Screen property reads
    (name and fields)."""
    out = []
    for event in events_after(control, "screen-changed", mark):
        details = dict(event.details)
        name = details.pop("screen")
        out.append(dict(details, name=name))
    return out


def time_then_off(control, mark=None) -> None:
    """The last screen went: the time shows screen-on-s of band time,
    then nothing."""
    assert control.screen() == {"name": "time"}
    control.advance_clock(ON_S - TICK)
    assert control.screen() == {"name": "time"}
    control.advance_clock(TICK)
    assert control.screen() == {"name": "off"}
    if mark is not None:
        assert screens_after(control, mark)[-2:] == [{"name": "time"},
                                                     {"name": "off"}]


@pytest.mark.person("button", "look")
@pytest.mark.observes("Screen", "Events")
def test_tap_shows_time(att, hands, witness, band_time):
    """MB4/SCREEN/BV-01: a tap shows the time, which goes off after screen-on-s of band time

    The band's screen is off; a tap lights it with the time, another tap
    keeps it on, and it goes off screen-on-s after the last one.  On a
    real band the person taps it and is asked whether it shows the time
    now, and, screen-on-s and a few seconds later, whether its screen is
    off; the witness checks the times exactly.
    """
    if witness is not None:
        assert witness.screen() == {"name": "off"}
        mark = last_seq(witness)
    hands.press()
    assert hands.sees("the time", "time")
    if witness is not None:
        witness.advance_clock(ON_S / 2)
        hands.press()
        time_then_off(witness)
        assert screens_after(witness, mark) == [{"name": "time"},
                                                {"name": "off"}]
        return
    let_pass(att, band_time, ON_S + LOOK_SLACK_S)
    assert hands.sees("nothing (its screen off)", "off")


def band_has(client) -> None:
    """A round trip on the link: ATT is in order, so the band has had
    everything the phone wrote before it (a key, 02 00) and sent what it
    answered then."""
    client.att.read(SOFTWARE_REVISION.value_handle)


def nothing_more(client, target) -> None:
    """Nothing came on 00000009 since the last reply: a round trip (a
    notification sent before its answer is queued already), and through
    bleak, where notifications come on another path, a moment more."""
    band_has(client)
    client.expect_silence(0 if target.responses_order_notifications
                          else SILENCE)


def bound_by_tap(client, hands, key: bytes) -> None:
    """The phone offers key and the band is tapped at its prompt: 10 01
    01; the key then authenticates the link (the battery reads its 20
    bytes).  A real band ends bound to --auth-key, as the run found
    it."""
    client.send_bind(key)
    band_has(client)
    hands.press()
    client.wait_bind()
    client.authenticate(key)
    assert len(client.att.read(BATTERY.value_handle)) == 20


@pytest.mark.person("factory-reset", "button", "look")
@pytest.mark.observes("Screen", "Events")
def test_pairing_prompt(unbound_band, hands, witness, target):
    """MB4/SCREEN/BV-02: a new client's key shows the pair-confirm prompt until the tap

    The band shows pair-confirm from the 01 <flag> <key> on; the tap
    binds and brings back the time.  On a real band the person resets
    it, is asked whether it asks for a tap once it has the key (the
    phone has no answer before the tap), taps, and, once the phone got
    10 01 01, is asked whether it shows the time; the key then
    authenticates the link, so the band ends bound to --auth-key as the
    run found it.  The witness checks the screens in between.
    """
    key = target.auth_key
    client = open_link(unbound_band)
    try:
        mark = last_seq(witness)
        client.send_bind(key)
        if witness is not None:
            witness.wait_event("prompt-shown")
        band_has(client)
        assert hands.sees("a prompt to pair with a phone (tap to confirm)",
                          "pair-confirm")
        if witness is not None:
            assert witness.screen() == {"name": "pair-confirm"}
        # Until the tap the band does not answer the key.
        nothing_more(client, target)
        hands.press()
        client.wait_bind()
        assert hands.sees("the time", "time")
        if witness is not None:
            assert witness.screen() == {"name": "time"}
            assert screens_after(witness, mark) == [{"name": "pair-confirm"},
                                                    {"name": "time"}]
        client.authenticate(key)
        assert len(client.att.read(BATTERY.value_handle)) == 20
    finally:
        unbound_band.disconnect(client.att)


@pytest.mark.person("factory-reset", "look", "button")
@pytest.mark.observes("Screen", "Events")
def test_pair_first(unbound_band, hands, witness, band_time, target):
    """MB4/SCREEN/BV-03: a client that asks a band without a key for a challenge gets "pair first"

    "The band says pair first": a client that starts Huami auth (02) on
    a band nobody bound is refused (10 02 04), and the band tells the
    wearer to pair it first, for screen-notice-s; then the time.  On a
    real band the person resets it, the phone hears 10 02 04, and the
    person is asked whether the band says to pair it first, and,
    screen-notice-s and a few seconds later, whether it still does (it
    must not); the witness checks the times exactly.  Then the phone
    binds its key with a tap and authenticates, so a real band ends
    bound to --auth-key as the run found it.
    """
    key = target.auth_key
    client = open_link(unbound_band)
    try:
        mark = last_seq(witness)
        # No key, no challenge (docs/auth.md): 10 02 04.
        assert client.command(b"\x02\x00").hex(" ") == "10 02 04"
        if witness is not None:
            witness.wait_event("auth-failed", reason="not-bound")
        pair_first = "that it must be paired with a phone first"
        assert hands.sees(pair_first, "pair-first")
        if witness is not None:
            assert witness.screen() == {"name": "pair-first"}
            witness.advance_clock(NOTICE_S - TICK)
            assert witness.screen() == {"name": "pair-first"}
            witness.advance_clock(TICK)
            time_then_off(witness, mark)
        else:
            let_pass(client.att, band_time, NOTICE_S + LOOK_SLACK_S)
            assert not hands.sees(f"{pair_first} still", "pair-first")
        bound_by_tap(client, hands, key)
    finally:
        unbound_band.disconnect(client.att)


@pytest.mark.person("look")
@pytest.mark.observes("Screen", "Events")
def test_syncing(band, hands, witness, band_time, fetch_links):
    """MB4/SCREEN/BV-04: a sync shows "syncing" from the announcement to its end

    A phone syncs an hour of activity: the band shows syncing once it
    announced something to send, until the transfer completed; then the
    time.  A request with nothing to send shows nothing.  On a real band
    (worn for an hour since its last sync, else skipped) the person is
    asked whether it shows syncing once the phone heard the count, the
    time once the phone acked, and, after a request for minutes to come,
    whether it shows syncing (it must not); the witness checks every
    screen and that the time then goes off.
    """
    band_time.let_pass(3600)
    fetch = fetch_links(band)
    mark = last_seq(witness)
    now = band_now(fetch.att)
    announced = fetch.start(first_since(now))
    need_unsynced(announced.count, band_time)
    assert hands.sees("that it is syncing", "syncing")
    fetch.stream()
    seen_by(witness, "fetch-completed")
    fetch.ack()
    assert hands.sees("the time", "time")
    if witness is not None:
        assert screens_after(witness, mark) == [{"name": "syncing"},
                                                {"name": "time"}]
        time_then_off(witness)
        mark = last_seq(witness)
    assert fetch.start(now + 2 * HOUR).count == 0
    assert not hands.sees("that it is syncing", "syncing")
    if witness is not None:
        assert witness.screen() == {"name": "off"}
        assert screens_after(witness, mark) == []


@pytest.mark.person("look")
@pytest.mark.uploads("resources")
@pytest.mark.observes("Screen", "Events")
def test_update_percent(band, hands, witness, updaters):
    """MB4/SCREEN/BV-05: an update shows its percent, every whole one, then the time

    Gadgetbridge uploads a resource file (32 KiB, 134 chunks) at MTU
    247: the band shows the update from 01 on, its percent climbing by
    one with the bytes received, 0 to 100, never back; verified
    (10 04 01), the update screen goes.  On a real band the phone's
    check is the verification, and the person is asked whether the band
    showed the update's percent climbing to 100 and whether it shows the
    update still once verified (it must not); the witness checks every
    percent.
    """
    fw = updaters(band)
    mark = last_seq(witness)
    fw.update(RESOURCES, TYPE_RESOURCES, reboot=False)
    assert hands.felt("show the update, its percent climbing to 100",
                      "screen-changed", screen="update", percent=100)
    seen_by(witness, "firmware-verified")
    assert not hands.sees("the update still", "update")
    if witness is None:
        return
    shown = screens_after(witness, mark)
    assert shown[0] == {"name": "update"}
    assert [s.get("percent") for s in shown[1:-1]] == list(range(101))
    assert all(s["name"] == "update" for s in shown[:-1])
    assert shown[-1] == {"name": "time"}
    assert [e.details["percent"] for e in
            events_after(witness, "firmware-progress", mark)] == \
        list(range(101))


@pytest.mark.person("low-battery", "charger", "look")
@pytest.mark.observes("Screen", "Events")
def test_low_battery_and_charging(authed, hands, witness):
    """MB4/SCREEN/BV-06: low battery when the level falls to the profile's, charging on the charger

    The level falls: nothing above screen-low-battery-percent, the
    warning at it, for screen-notice-s; not again below it.  On the
    charger the band shows charging with the level; off it, the time.
    On a real band the person lets it run down to the profile's level
    (the phone reads it there) and is asked whether it showed its
    low-battery warning as it got there, then puts it on the charger
    (the phone reads it charging) and is asked whether it shows charging
    with the level the phone read, and takes it off (the phone reads it
    not charging); the witness checks the screens and their times.
    """
    if witness is not None:
        hands.run_down(LOW_PERCENT + 1)
        assert witness.screen() == {"name": "off"}
        mark = last_seq(witness)
    hands.run_down(LOW_PERCENT)
    level = read_battery(authed).level
    assert level <= LOW_PERCENT, f"the band reads {level} %"
    assert hands.felt(f"show its low-battery warning as it reached "
                      f"{LOW_PERCENT} %", "screen-changed",
                      screen="low-battery", level=LOW_PERCENT)
    if witness is not None:
        assert witness.screen() == {"name": "low-battery",
                                    "level": LOW_PERCENT}
        hands.run_down(LOW_PERCENT - 1)
        witness.advance_clock(NOTICE_S)
        time_then_off(witness)
        assert screens_after(witness, mark) == [
            {"name": "low-battery", "level": LOW_PERCENT},
            {"name": "time"}, {"name": "off"}]
        hands.charge_up(INITIAL_LEVEL)
        level = INITIAL_LEVEL
    hands.put_on_charger()
    try:
        assert read_battery(authed).charging
        assert hands.sees(f"that it is charging, at {level} %", "charging",
                          level=level)
    finally:
        hands.take_off_charger()
    assert not read_battery(authed).charging
    assert not hands.sees("that it is charging", "charging")
    if witness is not None:
        time_then_off(witness)


@pytest.mark.person("look")
@pytest.mark.observes("Screen", "Events")
def test_alarm(authed, hands, witness, band_time):
    """MB4/SCREEN/BV-07: an alarm shows while it rings, screen-alarm-s, and vibrates as the policy says

    A one-time alarm at 10:31 (the band runs from 10:30): at 10:31 the
    band shows the alarm's slot and vibrates in the alarm's pattern, for
    screen-alarm-s of band time; then the time, then off.  On a band
    whose clock runs the alarm is for its next minute: the phone hears
    1A then, the person is asked whether the band shows its alarm and
    vibrated, and, screen-alarm-s and a few seconds later, whether it
    shows it still (it must not); the witness checks the pattern and the
    times exactly.
    """
    settings = SettingsClient(authed)
    if band_time.control is None:
        authed.write(DEVICE_EVENT.cccd_handle, b"\x01\x00")
        at = next_minute(authed)
        settings.set_alarm(4, at.hour, at.minute, once=True, snooze=False)
        settings.settle()
        device_event_at(authed, 0x1A, at, "alarm changed")
        assert hands.sees(f"its alarm of {at.hm}", "alarm", slot=4, ring=1)
        assert hands.felt("vibrate for it", "vibrate", reason="alarm")
        let_pass(authed, band_time, ALARM_S + LOOK_SLACK_S)
        assert not hands.sees(f"its alarm of {at.hm} still", "alarm")
        return
    settings.set_alarm(4, 10, 31, once=True, snooze=False)
    settings.settle()
    mark = last_seq(witness)
    band_time.let_pass(60)
    assert hands.sees("its alarm of 10:31", "alarm", slot=4, ring=1)
    assert hands.felt("vibrate for it", "vibrate", reason="alarm")
    if witness is None:
        return
    vibrate = event_after(witness, "vibrate", mark, reason="alarm").details
    assert vibrate["duration-ms"] > 0
    assert sum(int(ms) for ms in vibrate["pattern"].split(",")) == \
        vibrate["duration-ms"]
    witness.advance_clock(ALARM_S - TICK)
    assert witness.screen()["name"] == "alarm"
    witness.advance_clock(TICK)
    time_then_off(witness)


@pytest.mark.person("find-phone", "look")
@pytest.mark.observes("Screen", "Events")
def test_find_phone(authed, hands, witness):
    """MB4/SCREEN/BV-08: find phone shows until it stops, with the phone's answer

    The band looks for the phone: find-phone; the phone's 06 14 00 00
    shows it rings (acknowledged); stopped on the band, the time.  On a
    real band the person starts find phone in its menu (the phone hears
    08) and is asked whether the band shows its find-phone screen, still
    after the phone's answer, and the time once they stopped it (the
    phone hears 0F); the witness checks the screen's state and that the
    time then goes off.
    """
    client = DeviceEventsClient(authed)
    client.enable_notifications()
    mark = last_seq(witness)
    hands.find_phone(True)
    client.expect(0x08)
    assert hands.sees("its find-phone screen", "find-phone",
                      state="started")
    client.answer_find_phone()
    client.settle()
    seen_by(witness, "find-phone", state="acknowledged")
    assert hands.sees("its find-phone screen still", "find-phone",
                      state="acknowledged")
    hands.find_phone(False)
    client.expect(0x0f)
    assert hands.sees("the time", "time")
    if witness is not None:
        time_then_off(witness, mark)
        assert screens_after(witness, mark) == [
            {"name": "find-phone", "state": "started"},
            {"name": "find-phone", "state": "acknowledged"},
            {"name": "time"}, {"name": "off"}]


@pytest.mark.person("find-phone", "charger", "look")
@pytest.mark.observes("Screen", "Events")
def test_lower_screen_waits(authed, hands, witness, band_time):
    """MB4/SCREEN/BV-09: a screen that comes under a higher one does not show until that one goes

    Find phone is up when the band goes on the charger: the charging
    notice is up below it and its time runs; find phone stopped, what is
    left of it shows, then the time.  On a real band the person starts
    find phone (the phone hears 08), puts the band on its charger (the
    phone reads it charging) and is asked whether it still shows find
    phone, stops it (the phone hears 0F) and is asked whether it shows
    charging with the level the phone read, and, a notice's time and a
    few seconds later, whether it still does (it must not).
    """
    client = DeviceEventsClient(authed)
    client.enable_notifications()
    hands.find_phone(True)
    client.expect(0x08)
    mark = last_seq(witness)
    hands.put_on_charger()
    try:
        battery = read_battery(authed)
        assert battery.charging
        assert hands.sees("its find-phone screen still", "find-phone",
                          state="started")
        if witness is not None:
            assert screens_after(witness, mark) == []
        hands.find_phone(False)
        client.expect(0x0f)
        charging = f"that it is charging, at {battery.level} %"
        assert hands.sees(charging, "charging", level=battery.level)
        if witness is not None:
            assert battery.level == INITIAL_LEVEL
            witness.advance_clock(NOTICE_S)
            assert witness.screen() == {"name": "time"}
        else:
            let_pass(authed, band_time, NOTICE_S + LOOK_SLACK_S)
            assert not hands.sees(f"{charging} still", "charging")
    finally:
        hands.take_off_charger()


@pytest.mark.person("look")
@pytest.mark.observes("Screen", "Events")
def test_bad_answers_leave_screen(authed, hands, witness):
    """MB4/SCREEN/BI-01: a find-phone answer out of turn or malformed leaves the screen as it is

    The band is not looking for the phone: 06 14 00 00 and 06 14 00 01
    change nothing it shows; a malformed 06 14 00 07 is refused and
    changes nothing either.  On a real band the refusal is the phone's
    to hear, and the person is asked whether the band shows its
    find-phone screen (it must not); the witness checks that no screen
    came at all.
    """
    client = DeviceEventsClient(authed)
    mark = last_seq(witness)
    settings = SettingsClient(authed)
    settings.enable_notifications()
    client.answer_find_phone(False)
    client.answer_find_phone(True)
    settings.refused(S.Write(S.CONFIGURATION, bytes.fromhex("06 14 00 07")))
    settings.settle()
    assert not hands.sees("its find-phone screen", "find-phone")
    if witness is not None:
        assert witness.screen() == {"name": "off"}
        assert screens_after(witness, mark) == []


def ctl(binary, *args) -> subprocess.CompletedProcess:
    """bandsim ctl with a bounded wait, its output kept."""
    return subprocess.run([str(binary), "ctl", *args], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=10)


@pytest.mark.needs_control("Screen", "FindPhone", "MusicControl",
                           "InjectDeviceEvent")
@pytest.mark.emulator_process("runs bandsim ctl on the private bus")
def test_ctl_menus_and_status(authed, control, bus, emulator_binary):
    """MB4/SCREEN/BV-10: bandsim ctl works the band's menus and status shows what the band shows

    Someone at a shell starts find phone and presses play on the music
    screen, sends a device event of their own, and reads the screen in
    status as a person reads it; a word the band does not know is
    refused with the words it knows.
    """
    client = DeviceEventsClient(authed)
    client.enable_notifications()
    where = ("--control-address", bus)
    assert ctl(emulator_binary, *where, "find-phone", "start").returncode \
        == 0
    client.expect(0x08)
    client.answer_find_phone()
    control.wait_event("find-phone", state="acknowledged")
    lines = {line.split()[0]: " ".join(line.split()[1:]) for line in
             ctl(emulator_binary, *where, "status").stdout.splitlines()}
    assert lines["Screen"] == "find-phone state='acknowledged'"
    assert ctl(emulator_binary, *where, "find-phone", "stop").returncode \
        == 0
    client.expect(0x0f)
    assert ctl(emulator_binary, *where, "music", "play").returncode == 0
    assert client.music() == "play"
    assert ctl(emulator_binary, *where, "device-event", "16",
               "f7 00").returncode == 0
    assert client.next(mtu=True).mtu == 247
    assert ctl(emulator_binary, *where, "device-event", "0e").returncode \
        == 0
    assert bytes(client.next()) == b"\x0e"
    refused = ctl(emulator_binary, *where, "music", "louder")
    assert refused.returncode == 1
    assert "volume-up" in refused.stderr
    refused = ctl(emulator_binary, *where, "device-event", "fe", "02")
    assert refused.returncode == 1 and "music-control" in refused.stderr
    assert ctl(emulator_binary, *where, "find-phone", "maybe").returncode \
        == 2


# ------------------------------------------- what the alerts and HR show

@pytest.mark.person("call", "look")
@pytest.mark.observes("Screen", "Events")
def test_call_screen_while_ringing(att, hands, witness, band_time):
    """MB4/SCREEN/BV-11: an incoming call shows its caller while it rings

    "Calls not shown": the phone's chunked call (Gadgetbridge's way)
    rings; for as long as it rings, whatever band time passes, the
    Screen property is the call with the caller.  The wearer rejects it
    on the band: the time, then off.  On a real band the person is
    asked whether the band shows the call from Anna, rejects it there
    (the phone hears 07) and is asked whether the band shows the time;
    five minutes of ringing and the screen going off are the witness's
    (the control plane's AdvanceClock) to check.
    """
    client = AlertClient(att)
    client.watch_events()
    mark = last_seq(witness)
    client.incoming_call("Anna", chunked=True)
    client.settle()
    seen_by(witness, "call-ringing", caller="Anna")
    assert hands.sees("the incoming call from 'Anna'", "call",
                      caller="Anna")
    if band_time.control is not None:
        band_time.let_pass(5 * 60)
        assert hands.sees("the incoming call from 'Anna' still", "call",
                          caller="Anna")
    hands.reject_call()
    timeout = None if hands.control is not None else 30.0
    assert client.wait_call_answer(timeout=timeout) == A.CALL_REJECTED
    assert hands.sees("the time", "time")
    if witness is not None:
        witness.wait_event("call-ended", how="rejected")
        time_then_off(witness, mark)
        assert screens_after(witness, mark)[0] == {"name": "call",
                                                   "caller": "Anna"}


@pytest.mark.person("look")
@pytest.mark.observes("Screen", "Events")
def test_message_screen(att, hands, witness, band_time):
    """MB4/SCREEN/BV-12: a text alert shows its title and text for screen-message-s, then the time

    "Notifications stopped": an SMS on 0x2A46 shows as the message
    screen with its category, title and text; after screen-message-s of
    band time it goes, the time shows, then nothing.  On a real band the
    person is asked whether the band shows Ann's message right after the
    write, and again screen-message-s and a few seconds later (it must
    be gone); the witness checks the times exactly.
    """
    client = AlertClient(att)
    mark = last_seq(witness)
    client.send(A.Category.SMS, "Ann", "See you at six")
    seen_by(witness, "alert-received", title="Ann")
    message = {"category": A.CATEGORY_NAMES[A.Category.SMS],
               "title": "Ann", "text": "See you at six"}
    what = "the message 'See you at six' from Ann"
    assert hands.sees(what, "message", **message)
    if witness is not None:
        witness.advance_clock(MESSAGE_S - TICK)
        assert witness.screen() == dict(message, name="message")
        witness.advance_clock(TICK)
        time_then_off(witness, mark)
        return
    let_pass(att, band_time, MESSAGE_S + LOOK_SLACK_S)
    assert not hands.sees(f"{what} still", "message", **message)


@pytest.mark.person("look")
@pytest.mark.observes("Screen", "Events")
def test_heart_rate_screen(authed, hands, witness, band_time):
    """MB4/SCREEN/BV-13: a one-shot measurement shows measuring, then the reading the app got

    "HR stuck measuring": the band shows the measurement from 15 02 01,
    then the reading it notified on 0x2A37, which stays a notice's time
    after the measurement stopped, then the time.  On a real band (worn)
    the person is asked whether it shows the measurement right after
    15 02 01, whether it shows the reading the phone got once it came,
    and, a notice's time and a few seconds later, whether it still does
    (it must not); the witness checks the times exactly.
    """
    client = HeartRateClient(authed)
    client.enable_notifications()
    mark = last_seq(witness)
    client.start_manual()
    seen_by(witness, "hr-started", mode="manual")
    assert hands.sees("a heart-rate measurement", "heart-rate",
                      mode="manual")
    band_time.let_pass(MEASURE_S)
    bpm = client.reading()
    seen_by(witness, "hr-stopped", mode="manual")
    reading = f"the heart rate {bpm}"
    assert hands.sees(reading, "heart-rate", mode="manual", bpm=bpm)
    if witness is not None:
        witness.advance_clock(NOTICE_S)
        time_then_off(witness, mark)
        return
    let_pass(authed, band_time, NOTICE_S + LOOK_SLACK_S)
    assert not hands.sees(f"{reading} still", "heart-rate", mode="manual",
                          bpm=bpm)
