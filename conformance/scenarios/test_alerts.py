"""Alerts: what the phone tells the wearer reaches the band whole, calls ring until the wearer answers (docs/alerts.md; fact sheet §2.1, §2.6, §9)

After sync, a companion app's most used feature is the one its users
notice first when it breaks: "notifications stopped", "calls not
shown", "long messages fail", "find band does nothing".  A phone writes
text alerts to 0x2A46 with Write Requests (a long one goes out as
Prepare Write + Execute Write), sends notifications, calls, the weather
and the track playing as chunked transfers on 00000020, finds the band
with 0x2A06, and hears the wearer's answer to a call on 00000010.  None
of it needs the key (§2.1), so most of these scenarios run on a link
that never authenticated.  The real-band target runs the ones that need
no control plane or only watch it (observes: judged there by the band's
replies alone); a person rejects or ignores the call, works the music
screen, and says what the band shows and whether it vibrated
(person("look"), --interactive).
"""

import pytest

from bandsim.clients.alerts import AlertClient
from bandsim.clients.settings import SettingsClient
from bandsim.harness.control import ControlError
from bandsim.link.base import AttError
from bandsim.oracles import ground_truth
from bandsim.protocol import alerts as A
from bandsim.protocol.att import (EXECUTE_CANCEL, EXECUTE_WRITE, ErrorCode,
                                  Op, error_rsp, execute_write_req,
                                  long_write_parts, prepare_write_req,
                                  prepare_write_rsp)
from bandsim.protocol.profile import DEFAULT_PATH, Profile

from scenarios.helpers.events import (event_after, events_after, last_seq,
                                      vibrated_for)
from scenarios.helpers.faults import fired
from scenarios.helpers.policy import CHUNK_MAX, CHUNK_TIMEOUT_S, PREPARE_QUEUE
from scenarios.helpers.sync import FOREVER, sync_meanwhile

PROFILE = Profile.load(DEFAULT_PATH)
NEW_ALERT = PROFILE.characteristic("new-alert")
CURRENT_TIME = PROFILE.characteristic("current-time")
AUDIO_DATA = PROFILE.characteristic("audio-data")
CHUNKED = PROFILE.characteristic("chunked-transfer")

# What the categories of §2.1 (and the rest of the Alert Notification
# table) are shown as; an incoming call rings instead.
SHOWN = [c for c in A.Category if c != A.Category.INCOMING_CALL]
# A 36-byte SMS: two Prepare Writes at MTU 23.
LONG_SMS = A.alert(A.Category.SMS, "Ann", "See you at the station at 6 pm")


def alerts(link) -> AlertClient:
    return AlertClient(link)


def hexs(data: bytes) -> str:
    return bytes(data).hex(" ")


def raw(att, pdu: bytes) -> bytes:
    """One request as given; its response PDU, error or not."""
    att.send_raw(pdu)
    return att.recv_raw()


def shown(control, since: int, category: int, title: str, text: str,
          via: str = "new-alert"):
    return event_after(control, "alert-received", since,
                       category=A.CATEGORY_NAMES[category], title=title,
                       text=text, via=via)


def nothing_shown(witness, since: int) -> None:
    """Nothing shown since `since`, where there is a witness to ask; a
    real band is judged by its responses alone."""
    if witness is not None:
        assert events_after(witness, "alert-received", since) == []


# ------------------------------------------------------------ 0x2A46

def test_every_category_taken(att):
    """MB4/ALERT/BV-01: a text alert in every category is taken, without the key

    satcar77 writes <category> 01 <text> to 0x2A46 with a Write Request,
    categories 1, 3, 4 and 5 (§2.1); Gadgetbridge and harbour-amazfish
    also the custom FA with an app icon.  Each gets its Write Response on
    a link that never authenticated.  Needs no control plane: a real band
    is judged by its responses (the incoming call has a scenario of its
    own).
    """
    client = alerts(att)
    for category in SHOWN:
        client.send(category, "Bandsim", f"category {category:#04x}")
    client.settle()


@pytest.mark.observes("Events")
def test_every_category_shown(att, witness):
    """MB4/ALERT/BV-02: every category is shown with its title and text, and the band vibrates

    "Notifications stopped": the same alerts as MB4/ALERT/BV-01, judged
    where there is a control plane by what the wearer sees:
    alert-received with the category, the title before the first NUL
    and the text after it, and a vibration each.  A real band says
    nothing of what it shows: there each alert is judged by its Write
    Response alone, as in MB4/ALERT/BV-01.
    """
    client = alerts(att)
    for category in SHOWN:
        mark = last_seq(witness)
        client.send(category, "Bandsim", f"category {category:#04x}")
        if witness is not None:
            shown(witness, mark, category, "Bandsim",
                  f"category {category:#04x}")
            event_after(witness, "vibrate", mark, reason="alert")


# Text as a phone sends it in its wearer's language: UTF-8 (§2.1).  Only
# scripts an international Mi Band 4's own font has; for the others an
# app transliterates (Gadgetbridge's "transliteration" setting).
IN_ANY_SCRIPT = [
    ("Zoë", "Café crème à 8 h, ça va ?"),
    ("Jürgen", "Grüße aus Köln"),
    ("Дима", "Встречаемся у метро"),
]


@pytest.mark.person("look")
@pytest.mark.observes("Events", "Screen")
def test_alert_in_any_script(att, hands, witness):
    """MB4/ALERT/BV-13: an alert with accents or in Cyrillic is shown as sent ("notifications show question marks")

    The phone sends each title and text as UTF-8, two bytes a letter
    for most of them, so the value is longer than its letters (a long
    write at ATT_MTU 23).  Each is taken (its Write Response) and shown
    with the title and text as sent, no letter replaced or cut: the
    band's alert-received and its screen where there is a witness, the
    person's eyes on a real band.
    """
    client = alerts(att)
    for title, text in IN_ANY_SCRIPT:
        mark = last_seq(witness)
        client.send(A.Category.SMS, title, text)
        if witness is not None:
            shown(witness, mark, A.Category.SMS, title, text)
        assert hands.sees(f"the message '{text}' from {title}", "message",
                          title=title, text=text)


@pytest.mark.observes("Events", "GetSamples")
def test_call_in_the_middle_of_a_sync(band, band_time, fetch_links, witness):
    """MB4/ALERT/BV-14: a call that comes in the middle of a sync rings, ends when the phone says, and the sync stays whole

    "No call shown while syncing": a third of the way through a sync at
    ATT_MTU 23 the phone's app sends an incoming call on the same link
    (a Write Request to 0x2A46 among the band's notifications), and the
    wearer answers it on the phone, which tells the band (00 on 0x2A06,
    a Write Command).  Both are taken while the band streams, and the
    sync is whole by the phone's rules.  With a witness the band rang
    for the caller and stopped when told, and the phone holds the
    band's log exactly once.
    """
    marks = []

    def call(att) -> None:
        marks.append(last_seq(witness))
        client = alerts(att)
        client.incoming_call("Bob")
        client.end_call()

    _, state = sync_meanwhile(band, band_time, fetch_links, call)
    if witness is not None:
        event_after(witness, "call-ringing", marks[0], caller="Bob")
        event_after(witness, "call-ended", marks[0], how="phone")
        ground_truth.assert_exactly_once(state.samples,
                                         witness.get_samples(0, FOREVER))


@pytest.mark.observes("Events", "GetSamples")
def test_track_in_the_middle_of_a_sync(band, band_time, fetch_links,
                                       witness):
    """MB4/ALERT/BV-15: the track playing, sent in the middle of a sync, is kept, and the sync stays whole

    "Music controls stop working while it syncs": the track changes a
    third of the way through a sync at ATT_MTU 23, and the app sends it
    as Gadgetbridge does, a type-3 chunked transfer on 00000020: several
    Write Commands, which nothing answers, among the band's
    notifications.  The sync is whole by the phone's rules; with a
    witness the band kept the track whole (music-info, no chunk
    dropped) and the phone holds the band's log exactly once.
    """
    marks = []

    def track(att) -> None:
        marks.append(last_seq(witness))
        client = alerts(att)
        client.music(A.MusicState.PLAYING, "Nina Simone", "Pastel Blues",
                     "Sinnerman", 0, 622)
        client.settle()

    _, state = sync_meanwhile(band, band_time, fetch_links, track)
    if witness is not None:
        event_after(witness, "music-info", marks[0], state="playing",
                    track="Sinnerman", artist="Nina Simone")
        assert events_after(witness, "chunk-dropped", marks[0]) == []
        ground_truth.assert_exactly_once(state.samples,
                                         witness.get_samples(0, FOREVER))


@pytest.mark.observes("Events", "GetSamples")
def test_find_band_in_the_middle_of_a_sync(band, band_time, fetch_links,
                                           witness):
    """MB4/ALERT/BV-16: find band in the middle of a sync vibrates, stops when told, and the sync stays whole

    The wearer taps "find band" in the app while it syncs: a third of
    the way through at ATT_MTU 23, 03 on 0x2A06 (a Write Command), then
    00 once found.  The band streams on, and the sync is whole by the
    phone's rules; with a witness the band vibrated to be found and
    stopped, and the phone holds the band's log exactly once.
    """
    marks = []

    def find(att) -> None:
        marks.append(last_seq(witness))
        client = alerts(att)
        client.find_band()
        client.stop_find_band()
        client.settle()

    _, state = sync_meanwhile(band, band_time, fetch_links, find)
    if witness is not None:
        event_after(witness, "find-band", marks[0], level=3)
        event_after(witness, "vibrate", marks[0], reason="find-band")
        ground_truth.assert_exactly_once(state.samples,
                                         witness.get_samples(0, FOREVER))


@pytest.mark.raw_att("sends Prepare Write and Execute Write by hand")
@pytest.mark.observes("Events")
def test_long_alert_queued_writes(att, witness):
    """MB4/ALERT/BV-03: a 36-byte alert at MTU 23 arrives through queued writes

    "Long messages fail": a client writes a 36-byte alert with a Write
    Request at ATT_MTU 23, so its stack sends two Prepare Writes of 18
    bytes and an Execute Write.  Each Prepare Write is answered 17
    echoing handle, offset and part; nothing shows before the Execute
    Write, which is answered 19; then the whole alert shows (where there
    is a witness; a real band is judged by the three responses).
    """
    assert att.mtu == 23
    mark = last_seq(witness)
    for offset, part in long_write_parts(LONG_SMS, att.mtu):
        req = prepare_write_req(NEW_ALERT.value_handle, offset, part)
        assert hexs(raw(att, req)) == hexs(prepare_write_rsp(
            NEW_ALERT.value_handle, offset, part))
    nothing_shown(witness, mark)
    assert hexs(raw(att, execute_write_req(EXECUTE_WRITE))) == "19"
    if witness is not None:
        shown(witness, mark, A.Category.SMS, "Ann",
              "See you at the station at 6 pm")


def test_long_alert_any_client(att):
    """MB4/ALERT/BV-04: an alert longer than ATT_MTU - 3 written with a Write Request is taken

    What every BLE client does with a long value: the link (the socket
    link here, BlueZ for bleak) sends it as queued writes, and the write
    succeeds.  Before queued writes the band answered 01 16 00 00 06 and
    long alerts failed.  Needs no control plane.
    """
    text = "x" * (att.mtu - 3 + 10 - len(A.alert(A.Category.SMS, "Ann", "")))
    client = alerts(att)
    client.send(A.Category.SMS, "Ann", text)
    client.settle()


@pytest.mark.raw_att("sends Prepare Write and Execute Write by hand")
@pytest.mark.observes("Events")
def test_long_alert_cancelled(att, witness):
    """MB4/ALERT/BV-05: Execute Write 00 cancels a long alert: nothing shows

    An app that gives up half way (the notification was dismissed on the
    phone) cancels what it prepared; the band shows nothing then, and an
    Execute Write after it finds nothing to write.  On a real band the
    responses judge it: an Execute Write of a queue that still held the
    part would be answered with an error for a value that is not whole.
    """
    mark = last_seq(witness)
    offset, part = long_write_parts(LONG_SMS, att.mtu)[0]
    att.prepare_write(NEW_ALERT.value_handle, offset, part)
    assert hexs(raw(att, execute_write_req(EXECUTE_CANCEL))) == "19"
    assert hexs(raw(att, execute_write_req(EXECUTE_WRITE))) == "19"
    alerts(att).settle()
    nothing_shown(witness, mark)


def prepare(att, handle: int, offset: int, part: bytes) -> str:
    return hexs(raw(att, prepare_write_req(handle, offset, part)))


QUEUED_ERRORS = [
    # A part that does not continue the value: Invalid Offset, at execute.
    pytest.param([(0, LONG_SMS[:18]), (20, LONG_SMS[18:])], ErrorCode.INVALID_OFFSET,
                 id="invalid-offset"),
    # More than the characteristic's max-length (256) in all.
    pytest.param([(off, b"a" * 18) for off in range(0, 270, 18)],
                 ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH, id="too-long"),
]


@pytest.mark.raw_att("sends Prepare Write and Execute Write by hand")
@pytest.mark.observes("Events")
@pytest.mark.parametrize("parts, code", QUEUED_ERRORS)
def test_queued_write_refused_at_execute(att, witness, parts, code):
    """MB4/ALERT/BI-01: a long alert with a gap or too long is refused at Execute Write, whole

    Offsets and the length are checked when the value is whole (Core
    Vol 3 Part F 3.4.6.1): every part is echoed, the Execute Write gets
    the Error Response naming 0x2A46, nothing is shown, and the queue
    is empty afterwards (a second Execute Write is answered 19).
    """
    mark = last_seq(witness)
    handle = NEW_ALERT.value_handle
    for offset, part in parts:
        assert prepare(att, handle, offset, part) == \
            hexs(prepare_write_rsp(handle, offset, part))
    assert hexs(raw(att, execute_write_req(EXECUTE_WRITE))) == \
        hexs(error_rsp(Op.EXECUTE_WRITE_REQ, handle, code))
    assert hexs(raw(att, execute_write_req(EXECUTE_WRITE))) == "19"
    alerts(att).settle()
    nothing_shown(witness, mark)


@pytest.mark.raw_att("sends Prepare Write and Execute Write by hand")
def test_queued_write_refused_when_prepared(att):
    """MB4/ALERT/BI-02: Prepare Write where no long write is taken, or past the queue's bound

    Each refusal names the handle (docs/policies.md#long-writes): 0x2A2B
    before auth is protected (08); audio data takes Write Requests but no
    long ones (06); the chunked transfer takes no Write Request at all
    (03); handle 0 is invalid (01).  Then prepare-queue parts are echoed
    and one more is Prepare Queue Full (09), and a cancel empties it.
    """
    cases = [(CURRENT_TIME.value_handle, ErrorCode.INSUFFICIENT_AUTHORIZATION),
             (AUDIO_DATA.value_handle, ErrorCode.REQUEST_NOT_SUPPORTED),
             (CHUNKED.value_handle, ErrorCode.WRITE_NOT_PERMITTED),
             (0x0000, ErrorCode.INVALID_HANDLE)]
    for handle, code in cases:
        assert prepare(att, handle, 0, b"\x01") == \
            hexs(error_rsp(Op.PREPARE_WRITE_REQ, handle, code))
    handle = NEW_ALERT.value_handle
    for i in range(PREPARE_QUEUE):
        assert prepare(att, handle, 18 * i, b"b" * 18) == \
            hexs(prepare_write_rsp(handle, 18 * i, b"b" * 18))
    assert prepare(att, handle, 18 * PREPARE_QUEUE, b"b") == \
        hexs(error_rsp(Op.PREPARE_WRITE_REQ, handle,
                       ErrorCode.PREPARE_QUEUE_FULL))
    assert hexs(raw(att, execute_write_req(EXECUTE_CANCEL))) == "19"


@pytest.mark.raw_att("the ATT error 0x13 does not cross bluetoothd")
@pytest.mark.observes("Events")
def test_new_alert_refused(att, witness):
    """MB4/ALERT/BI-03: an alert the band cannot show is refused and changes nothing

    0x2A46 with fewer bytes than <category> <count> gets Invalid
    Attribute Value Length (0x0D); a category none of §2.1's Value Not
    Allowed (0x13); the band shows nothing and vibrates not (where there
    is a witness; a real band is judged by the two error codes).
    """
    mark = last_seq(witness)
    client = alerts(att)
    for value, code in ((b"\x05", ErrorCode.INVALID_ATTRIBUTE_VALUE_LENGTH),
                        (b"\x42\x01hi", ErrorCode.VALUE_NOT_ALLOWED)):
        with pytest.raises(AttError) as info:
            client.write_new_alert(value)
        assert info.value.code == code
    client.settle()
    nothing_shown(witness, mark)
    if witness is not None:
        assert events_after(witness, "vibrate", mark) == []


# ------------------------------------------------------------- calls

# What the wearer does to a ringing call on the band: the hands' action,
# what the phone then hears on 00000010, and how the band's call-ended
# says the call ended.
CALL_ANSWERS = {
    "reject": (lambda hands: hands.reject_call(), A.CALL_REJECTED,
               "rejected"),
    "ignore": (lambda hands: hands.ignore_call(), A.CALL_IGNORED,
               "ignored"),
}


def hands_timeout(hands):
    """A person needs longer than the control plane to answer."""
    return None if hands.control is not None else 30.0


def answered_on_band(att, hands, caller: str, answer: str,
                     chunked: bool = False, vibrates: bool = False) -> None:
    """A call from caller (chunked, or on 0x2A46) rings on the band, with
    a vibrate for it where vibrates says so; the wearer answers it on the
    band (answer: "reject" or "ignore"); the phone hears that answer and
    the band ends the call with it.  The band's events are checked where
    there is a control plane (a person's hands have none); the person
    is asked whether the band shows the call, and vibrated for it, and
    whether a rejected call's screen went."""
    control = hands.control
    client = alerts(att)
    client.watch_events()
    mark = last_seq(control)
    client.incoming_call(caller, chunked=chunked)
    if control is not None:
        event_after(control, "call-ringing", mark, caller=caller)
    assert hands.sees(f"the incoming call from '{caller}'", "call",
                      caller=caller)
    if vibrates:
        assert hands.felt("vibrate for the call", "vibrate", reason="call")
    act, heard, how = CALL_ANSWERS[answer]
    act(hands)
    assert client.wait_call_answer(timeout=hands_timeout(hands)) == heard
    if control is not None:
        event_after(control, "call-ended", mark, how=how)
    if answer == "reject":
        assert not hands.sees(f"the incoming call from '{caller}' still",
                              "call")


@pytest.mark.person("call", "look")
def test_chunked_call_rejected(att, hands):
    """MB4/ALERT/BV-06: a chunked call rejected on the band: device event 07

    Gadgetbridge's incoming call, a type-0 chunked transfer of category
    03, on a link without the key.  The band rings until the wearer
    rejects it on the band; the phone then hears 07 on 00000010 and
    hangs up.  The control plane stands in for the wearer
    (AnswerCall("reject")), or a person does it (--interactive), who is
    asked whether the band shows the call from Alice Smith and vibrated
    for it, and, once rejected, whether the call's screen went.
    """
    answered_on_band(att, hands, "Alice Smith", "reject", chunked=True,
                     vibrates=True)


@pytest.mark.person("call", "look")
def test_call_ignored(att, hands):
    """MB4/ALERT/BV-07: a call on 0x2A46 ignored on the band: device event 09

    satcar77's call (category 03 on 0x2A46): the wearer silences it on the
    band instead of rejecting it; the phone hears 09 and lets it ring.
    On a real band the person is asked whether the band shows the call
    from +441234567890, and ignores it there.
    """
    answered_on_band(att, hands, "+441234567890", "ignore")


@pytest.mark.person("look")
@pytest.mark.observes("AnswerCall", "Events")
def test_call_rings_until_answered(att, hands, witness, band_time):
    """MB4/ALERT/BV-08: a call rings until it is answered, however long; the phone can end it

    "Calls not shown" and its opposite, a band that stops on its own: an
    hour of band time passes and the call still rings (no call-ended);
    0x2A06 00 from the phone (Gadgetbridge, when the call is answered or
    over) ends it; AnswerCall then finds nothing ringing.  On a real
    band, whose hour would pass in wall time, the person is asked
    whether the band shows the call from Bob, and, once the phone ended
    it, whether it still does (it must not); the hour is the emulator's.
    """
    client = alerts(att)
    mark = last_seq(witness)
    client.incoming_call("Bob")
    if witness is not None:
        event_after(witness, "call-ringing", mark, caller="Bob")
    assert hands.sees("the incoming call from 'Bob'", "call", caller="Bob")
    if band_time.control is not None:
        band_time.let_pass(3600)
        assert hands.sees("the incoming call from 'Bob' still", "call",
                          caller="Bob")
    if witness is not None:
        assert events_after(witness, "call-ended", mark) == []
    client.end_call()
    client.settle()
    if witness is not None:
        event_after(witness, "call-ended", mark, how="phone")
    assert not hands.sees("the incoming call from 'Bob' still", "call")
    if witness is not None:
        with pytest.raises(ControlError) as info:
            witness.answer_call("reject")
        assert info.value.name == "io.bandsim.Error.Failed"


# -------------------------------------------------------- the wearer

@pytest.mark.person("look")
@pytest.mark.observes("Settings", "Events")
@pytest.mark.takes(4)
def test_dnd_keeps_band_still_not_alert(authed, hands, witness):
    """MB4/ALERT/BV-09: do-not-disturb keeps the band still, not the alert

    "DND ignored" and "DND hides my messages": the phone sets DND from
    00:00 to 23:59 (whatever the band's clock says, bar its last
    minute).  An SMS is shown and a call rings, but the band does not
    vibrate for either; find band, which the wearer uses to find the
    band, vibrates through DND.  Then DND is off again.  On a real band
    the person is asked whether it shows the message and the call, and
    whether it vibrated for each (it must not) and for find band (it
    must); the witness checks the setting and every vibration's reason.
    """
    settings = SettingsClient(authed)
    settings.set_dnd("scheduled", (0, 0), (23, 59))
    settings.settle()
    try:
        if witness is not None:
            assert witness.settings()["dnd"] == "scheduled"
        client = alerts(authed)
        mark = last_seq(witness)
        client.send(A.Category.SMS, "Ann", "quiet please")
        if witness is not None:
            shown(witness, mark, A.Category.SMS, "Ann", "quiet please")
        assert hands.sees("the message 'quiet please' from Ann", "message",
                          title="Ann", text="quiet please")
        assert not hands.felt("vibrate for the message", "vibrate")
        client.incoming_call("Bob")
        if witness is not None:
            event_after(witness, "call-ringing", mark, caller="Bob")
        assert hands.sees("the incoming call from 'Bob'", "call",
                          caller="Bob")
        assert not hands.felt("vibrate for the call", "vibrate")
        client.end_call()
        client.find_band()
        assert hands.felt("vibrate to be found (find band)", "vibrate",
                          reason="find-band")
        if witness is not None:
            event_after(witness, "find-band", mark, level=3)
            assert vibrated_for(witness, mark) == ["find-band"]
        client.stop_find_band()
    finally:
        settings.set_dnd("off")
        settings.settle()


@pytest.mark.person("look")
@pytest.mark.observes("Events")
def test_find_band(att, hands, witness, band_time):
    """MB4/ALERT/BV-10: find band vibrates until the phone says stop

    Gadgetbridge's find band writes 03 on 0x2A06 and 00 when the wearer
    found it.  The band vibrates from the 03 on, however long the search
    takes (five minutes of band time here, on the emulator), and stops at
    the 00.  On a real band the person is asked whether it vibrated after
    the 03, and whether it stopped after the 00.
    """
    client = alerts(att)
    mark = last_seq(witness)
    client.find_band()
    assert hands.felt("vibrate (find band)", "vibrate", reason="find-band")
    if witness is not None:
        event_after(witness, "find-band", mark, level=3)
    band_time.let_pass(300)
    if witness is not None:
        assert [e.details for e in
                events_after(witness, "find-band", mark)] == [{"level": 3}]
    client.stop_find_band()
    client.settle()
    assert hands.felt("stop vibrating", "find-band", level=0)


@pytest.mark.person("music", "look")
@pytest.mark.observes("Events")
def test_weather_and_music_kept(att, hands, witness):
    """MB4/ALERT/BV-11: the weather and the track playing are kept

    Gadgetbridge sends the current weather as a type-1 chunked transfer
    and the track as a type-3 one (several chunks at MTU 23), on a link
    without the key, while the wearer has the band's music screen open;
    the band keeps both and says what it shows.  On a real band the
    person opens its music screen and is asked, once the phone sent the
    track, whether it shows Here Comes the Sun by The Beatles, playing,
    then leaves it;
    the weather (no screen the emulator models) and the dropped chunks
    are the witness's to check.
    """
    client = alerts(att)
    mark = last_seq(witness)
    hands.music("open")
    client.weather(1716188400, 1, 21, "Partly cloudy with light breeze")
    if witness is not None:
        event_after(witness, "weather-received", mark,
                    text=A.weather_text(21, "Partly cloudy with light breeze"))
    client.music(A.MusicState.PLAYING, "The Beatles", "Abbey Road",
                 "Here Comes the Sun", 12, 185)
    client.settle()
    if witness is not None:
        event_after(witness, "music-info", mark, state="playing",
                    track="Here Comes the Sun", artist="The Beatles")
    assert hands.sees("its music screen with 'Here Comes the Sun' by "
                      "The Beatles, playing", "music", state="playing",
                      track="Here Comes the Sun", artist="The Beatles")
    hands.music("close")
    if witness is not None:
        assert events_after(witness, "chunk-dropped", mark) == []


# ------------------------------------------------ chunked transfers

def first_chunk():
    """The first of the three chunks of an alert at MTU 23."""
    return A.chunks(A.ChunkType.ALERT, A.alert(
        A.Category.SMS, "Mum", "Are you coming home for tea tonight?"))


def out_of_order(client, control):
    writes = first_chunk()
    client.write_chunk(writes[0])
    client.write_chunk(writes[2])


def missing_last(client, control):
    client.write_chunk(first_chunk()[0])
    client.notify(A.Category.SMS, "Ann", "next")


def timeout(client, control):
    client.write_chunk(first_chunk()[0])
    client.settle()
    control.advance_clock(CHUNK_TIMEOUT_S)


def too_long(client, control):
    client.notify(A.Category.SMS, "Ann", "z" * CHUNK_MAX)


CHUNK_FAULTS = [
    pytest.param(out_of_order, "out-of-order", id="out-of-order"),
    pytest.param(missing_last, "missing-last", id="missing-last"),
    pytest.param(timeout, "timeout", id="timeout"),
    pytest.param(too_long, "too-long", id="too-long"),
]


@pytest.mark.person("look")
@pytest.mark.observes("Events", "Screen")
@pytest.mark.parametrize("send, reason", CHUNK_FAULTS)
def test_chunked_transfer_dropped(att, hands, witness, band_time, send,
                                  reason):
    """MB4/ALERT/BI-04: a broken chunked transfer is dropped with its reason, and the next one is whole

    §2.6 transfers are Write Commands: the band can refuse nothing, so
    what goes wrong is dropped (docs/policies.md#chunked-transfers):
    chunk 2 after chunk 0, a new transfer before the last chunk, no next
    chunk for chunk-timeout-s of band time, more than chunk-max-bytes.
    Each shows nothing of the broken alert; the next alert is shown
    whole.  On a real band the person is asked, once the band took the
    writes, whether it shows the broken alert (it must not), then
    whether it shows the next one; where there is a control plane,
    chunk-dropped names the reason and no alert from Mum was received.
    """
    from scenarios.helpers.look import PassingTime

    client = alerts(att)
    mark = last_seq(witness)
    send(client, PassingTime(att, band_time))
    client.settle()
    broken = "Ann" if reason == "too-long" else "Mum"
    if witness is not None:
        event_after(witness, "chunk-dropped", mark, type=0, reason=reason)
        assert [e for e in events_after(witness, "alert-received", mark)
                if e.details["title"] == "Mum"] == []
    assert not hands.sees(f"a message from {broken} (the broken one)",
                          "message", title=broken)
    mark = last_seq(witness)
    client.notify(A.Category.SMS, "Ann", "whole again")
    client.settle()
    if witness is not None:
        shown(witness, mark, A.Category.SMS, "Ann", "whole again",
              via="chunked")
    assert hands.sees("the message 'whole again' from Ann", "message",
                      title="Ann", text="whole again")


@pytest.mark.person("look")
@pytest.mark.observes("Events", "Screen")
def test_chunk_after_disconnect(band, hands, witness):
    """MB4/ALERT/BI-05: a transfer cut by the link's end is dropped; its rest continues nothing

    The link ends after the first chunk of a notification: the band drops
    the transfer (disconnected).  The app reconnects and sends the
    remaining chunks as if nothing happened; they continue no transfer
    (out-of-order) and nothing half is shown.  The app that sends the
    whole notification again gets it shown.  On a real band the person
    is asked, after the remaining chunks, whether the band shows Mum's
    message (it must not), and after the whole one whether it does;
    where there is a control plane, chunk-dropped names both drops.
    """
    writes = first_chunk()
    mark = last_seq(witness)
    link = band.connect()
    try:
        alerts(link).write_chunk(writes[0])
        alerts(link).settle()
    finally:
        band.disconnect(link)
    if witness is not None:
        event_after(witness, "chunk-dropped", mark, type=0,
                    reason="disconnected")
    link = band.connect()
    try:
        client = alerts(link)
        client.write_chunk(writes[1])
        client.write_chunk(writes[2])
        client.settle()
        if witness is not None:
            event_after(witness, "chunk-dropped", mark, type=0,
                        reason="out-of-order")
            assert events_after(witness, "alert-received", mark) == []
        assert not hands.sees("a message from Mum (half of it)", "message",
                              title="Mum")
        for write in writes:
            client.write_chunk(write)
        client.settle()
        if witness is not None:
            shown(witness, mark, A.Category.SMS, "Mum",
                  "Are you coming home for tea tonight?", via="chunked")
        assert hands.sees("the message 'Are you coming home for tea "
                          "tonight?' from Mum", "message", title="Mum",
                          text="Are you coming home for tea tonight?")
    finally:
        band.disconnect(link)


# ------------------------------------------------------------ faults

class RobustCall:
    """A robust app's view of one incoming call: the band's 07 hangs up
    only a call that still rings on the phone; once the call was
    answered there, 07 or 09 only means the band stopped ringing."""

    def __init__(self):
        self.state = "ringing"

    def answered_on_phone(self, client: AlertClient) -> None:
        self.state = "active"
        client.end_call()

    def band_answered(self, code: int) -> None:
        if self.state == "ringing":
            self.state = "rejected" if code == A.CALL_REJECTED else "silenced"


@pytest.mark.needs_control("InjectFault", "AnswerCall", "Events")
def test_call_keeps_ringing(att, control):
    """MB4/ALERT/BV-12: the band keeps ringing after the call was answered on the phone

    Gadgetbridge #1612 and harbour-amazfish #340: on a Mi Band 4 the call
    goes on vibrating after it was answered on the phone, until the
    wearer dismisses it on the band.  The preset call-keeps-ringing
    drops the phone's 0x2A06 00.  The band rings on; the wearer rejects
    it on the band to stop it, and the phone hears 07.  A naive app
    hangs up the conversation then; a robust one knows the call was
    answered and keeps it.
    """
    fault_id = control.inject_fault("preset=call-keeps-ringing")
    client = alerts(att)
    client.watch_events()
    call = RobustCall()
    mark = last_seq(control)
    client.incoming_call("Alice")
    event_after(control, "call-ringing", mark, caller="Alice")
    call.answered_on_phone(client)
    fired(control, mark, fault_id, "call-keeps-ringing", "drop")
    client.settle()
    assert events_after(control, "call-ended", mark) == []
    control.answer_call("reject")
    call.band_answered(client.wait_call_answer())
    event_after(control, "call-ended", mark, how="rejected")
    assert call.state == "active"
