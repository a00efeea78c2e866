"""Huami auth, binding and unbinding, and what auth protects.

The contract is docs/auth.md and docs/dbus/io.bandsim.Band1.md; the
protocol facts are the fact sheet's §3 and §10.  An emulator here runs
with its clock frozen, so the confirm window closes exactly when a test
advances band time past it (band_time.let_pass); on a band whose clock
runs (a real band, --bandsim-stand-in) the scenario waits for the
window's answer with a deadline of the window and WINDOW_SLACK_S more.
Replies on 00000009 are compared as hex strings so a failure prints
both; the band's inside is read through the control plane's properties
and events, never through its log.

On a real band a scenario that binds binds the key the band was found
with (the key fixture, --auth-key) and leaves the band bound to it, so
the scenarios after it still authenticate.
"""

import configparser
import hashlib
import random
import re
import struct

import pytest

from bandsim.clients import auth
from bandsim.clients.auth import AuthRefused
from bandsim.harness.suite import OTHER_KEY, TEST_KEY
from bandsim.link.base import AttError, Disconnected, Timeout
from bandsim.link.deadline import Deadline
from bandsim.protocol import settings, uuids
from bandsim.protocol.att import ErrorCode, Op
from bandsim.protocol.profile import DEFAULT_PATH, Profile

from scenarios.helpers.events import heard
from scenarios.helpers.links import closing, open_link
from scenarios.helpers.pdus import error_pdu, exchange, hexs
from scenarios.helpers.policy import CONFIRM_WINDOW_S as CONFIRM_WINDOW

PROFILE = Profile.load(DEFAULT_PATH)
BATTERY = PROFILE.characteristic("battery")
CONFIGURATION = PROFILE.characteristic("configuration")
DEVICE_NAME = PROFILE.characteristic("device-name")
# Readable without auth and shown by every link (BlueZ keeps Generic
# Access to itself): a read of it is a round trip, an ordering barrier.
SOFTWARE_REVISION = PROFILE.characteristic("software-revision")
SERIAL_NUMBER = PROFILE.characteristic("serial-number")
# docs/auth.md: Insufficient Authorization (the profile's
# unauthorized-att-error for the Mi Band 4).
UNAUTHORIZED = ErrorCode.INSUFFICIENT_AUTHORIZATION
FACTORY_RESET = settings.FACTORY_RESET.payload
NEW_KEY = bytes.fromhex("8899aabbccddeeff0011223344556677")
# Where notifications do not come in order with responses (through
# bleak), how long a "nothing arrives" check waits after a response; on
# the socket the response alone proves it (Target.responses_order_...).
SILENCE = 0.2
# On a band whose clock runs by itself, how much longer than the confirm
# window the phone waits for the answer the window's end brings: the
# band's timer, and the link's latency both ways.
WINDOW_SLACK_S = 5.0
# On such a band, how much of the window is left when a late tap comes
# (the emulator's frozen clock has it come one second before the end):
# the person at a real band is asked then and must tap within it.
LATE_TAP_S = 5


# ---------------------------------------------------------------- helpers

@pytest.fixture
def links():
    """open_link() whose links are closed on teardown, however it ends."""
    yield from closing(open_link)


@pytest.fixture
def key(target) -> bytes:
    """The key the band is bound to: the suite's on the emulator,
    --auth-key on a band reached through BlueZ."""
    return target.auth_key


def assert_reply(client, payload: bytes, expected: str) -> bytes:
    reply = client.command(payload)
    assert hexs(reply) == expected, f"sent {hexs(payload)}"
    return reply


def raw(att, pdu: bytes) -> str:
    return hexs(exchange(att, pdu))


def read_pdu(handle: int) -> bytes:
    return struct.pack("<BH", Op.READ_REQ, handle)


def write_pdu(handle: int, value: bytes) -> bytes:
    return struct.pack("<BH", Op.WRITE_REQ, handle) + value


def assert_unauthorized_read(att, handle: int) -> None:
    """A Read of handle is refused with Insufficient Authorization, on
    any link (the socket, or BlueZ's error mapped back)."""
    with pytest.raises(AttError) as refused:
        att.read(handle)
    assert hexs(refused.value.pdu) == \
        hexs(error_pdu(Op.READ_REQ, handle, UNAUTHORIZED))


def assert_authenticated(client) -> None:
    """The link's rights as the client sees them: the battery (protected
    until Huami auth) reads its 20 bytes."""
    assert len(client.att.read(BATTERY.value_handle)) == 20


def witnessed(witness, event: str = None, authenticated: bool = None,
              **details) -> None:
    """What the control plane saw, where there is one (observes): the
    event, waited for, and Authenticated.  On a real band there is none,
    and the client-side checks around it judge the scenario."""
    if witness is None:
        return
    if event is not None:
        witness.wait_event(event, **details)
    if authenticated is not None:
        assert witness.get("Authenticated") is authenticated


def binding(control) -> tuple:
    """(Bound, KeyId) as the control plane reports them."""
    return control.get("Bound"), control.get("KeyId")


def assert_unbound(control) -> None:
    assert binding(control) == (False, "")
    assert control.get("Prompt") == ""


def assert_bound_to(control, key: bytes) -> None:
    assert binding(control) == (True, auth.key_id(key))


def assert_random_static(address: str) -> None:
    """Fact sheet §1/§10: random static, top two bits of the MSB set."""
    assert re.fullmatch(r"([0-9A-F]{2}:){5}[0-9A-F]{2}", address), address
    value = int(address.replace(":", ""), 16)
    assert value >> 46 == 0b11, address
    random_part = value & ((1 << 46) - 1)
    assert random_part not in (0, (1 << 46) - 1), address


def assert_state_file(band, control) -> None:
    """band.ini parses and agrees with what the band reports: Address is
    where centrals see the band, band.ini's own address on the socket
    and over --transport l2cap, the adapter's through bluetoothd."""
    state = band.state()
    assert control.get("Address") == band.air_address()
    assert re.fullmatch(r"[0-9a-f]{12}", state["band"]["serial"])
    bound, key_id = binding(control)
    assert state.has_section("binding") == bound
    if bound:
        key = bytes.fromhex(state["binding"]["key"])
        assert len(key) == 16 and auth.key_id(key) == key_id


def ordered(names, wanted) -> bool:
    """wanted appear in names in this order (others may come between)."""
    it = iter(names)
    return all(name in it for name in wanted)


def other_than(key: bytes) -> bytes:
    """A key the band is not bound to: the suite's other key, unless the
    band's own (--auth-key) happens to be that one."""
    return OTHER_KEY if key != OTHER_KEY else NEW_KEY


def prompt_asked(client, witness) -> None:
    """The band has the key just offered, and asks for a tap: the
    control plane's prompt-shown where there is one; else a round trip
    on the link (ATT is in order), so that a tap the suite does for a
    stand-in's person cannot come before the key."""
    if witness is not None:
        witness.wait_event("prompt-shown", prompt="pair-confirm")
    else:
        client.att.read(SOFTWARE_REVISION.value_handle)


def window_reply(client, band_time, seconds: float) -> bytes:
    """The answer that comes once `seconds` of band time have passed:
    with a control plane they pass at once (let_pass) and it is there;
    a band whose clock runs gives it within those seconds of wall time
    and WINDOW_SLACK_S more."""
    band_time.let_pass(seconds)
    if band_time.control is not None:
        return client.reply()
    return client.reply(seconds + WINDOW_SLACK_S)


def assert_no_key(client) -> None:
    """The band holds no key, as the phone sees it: a random-number
    request gets 10 02 04 (docs/auth.md), not a challenge."""
    assert_reply(client, b"\x02\x00", "10 02 04")


def tap_to_bind(client, witness, hands, key: bytes) -> None:
    """Offer a key, wait for the prompt, tap: the band says 10 01 01."""
    client.send_bind(key)
    prompt_asked(client, witness)
    hands.press()
    assert hexs(client.reply()) == "10 01 01"


def bind_again(client, witness, hands, key: bytes) -> None:
    """After a binding that did not happen: the band stored nothing (no
    challenge on 02 00), and a bind confirmed by a tap still works, the
    key then authenticating the link.  A real band ends bound to
    --auth-key, as the suite found it."""
    assert_no_key(client)
    tap_to_bind(client, witness, hands, key)
    client.authenticate(key)
    assert_authenticated(client)


# ------------------------------------------------------ PAIR: first bind

@pytest.mark.person("factory-reset", "button")
@pytest.mark.observes("Prompt", "Bound", "KeyId", "Authenticated", "Events")
def test_first_bind_with_tap(unbound_band, hands, witness, links, key):
    """MB4/PAIR/BV-01: first pairing of a new band, confirmed by a tap

    Mi Fit / miband-js pairing a factory-new band: the band shows a
    prompt, the user taps, the key is stored; the client then runs the
    plain challenge (variant A) with it.  The phone sees 10 01 01 only
    after the tap, a protected read refused until auth, and the key
    working.  On a real band the person resets it and taps at the
    prompt; it ends bound to --auth-key, as the suite found it.
    """
    if witness is not None:
        assert_unbound(witness)
    client = links(unbound_band)
    assert_unauthorized_read(client.att, BATTERY.value_handle)
    client.send_bind(key)
    prompt_asked(client, witness)
    if witness is not None:
        assert witness.get("Prompt") == "pair-confirm"
        assert binding(witness) == (False, "")
    hands.press()
    assert hexs(client.reply()) == "10 01 01"
    if witness is not None:
        witness.wait_event("bound", key_id=auth.key_id(key))
        assert_bound_to(witness, key)
        assert witness.get("Prompt") == ""
        assert unbound_band.stored_key() == key
        # Binding alone does not authenticate the link.
        assert witness.get("Authenticated") is False
    assert_unauthorized_read(client.att, BATTERY.value_handle)
    client.authenticate(key)
    assert len(client.att.read(BATTERY.value_handle)) == 20
    if witness is not None:
        witness.wait_event("auth-succeeded", variant="A")
        assert witness.get("Authenticated") is True
        witness.sync()
        assert witness.names() == [
            "connected", "prompt-shown", "screen-changed", "button-pressed",
            "bound", "screen-changed", "auth-started", "auth-succeeded"]


@pytest.mark.person("factory-reset", "button")
@pytest.mark.observes("Prompt", "Bound", "Events")
def test_no_tap_window_closes(unbound_band, hands, band_time, witness, links,
                              key):
    """MB4/PAIR/BI-01: nobody taps the band, the confirm window closes

    Gadgetbridge issue: pairing never finishes because nobody taps the
    band; the client must get a definite 10 01 04 rather than silence.
    On a real band (the person resets it and leaves the prompt alone)
    10 01 04 must come within the window and WINDOW_SLACK_S more of wall
    time; then 02 00 gets 10 02 04 (no key stored), and a bind confirmed
    by a tap still binds: the band ends bound to --auth-key.
    """
    client = links(unbound_band)
    client.send_bind(key)
    prompt_asked(client, witness)
    assert hexs(window_reply(client, band_time, CONFIRM_WINDOW + 1)) == \
        "10 01 04"
    if witness is not None:
        witness.wait_event("prompt-timed-out", prompt="pair-confirm")
        witness.wait_event("bind-refused", reason="no-tap")
        assert ordered(witness.names(), ["prompt-timed-out", "bind-refused"])
        assert_unbound(witness)
        assert unbound_band.stored_key() is None
    bind_again(client, witness, hands, key)


@pytest.mark.person("factory-reset", "button")
@pytest.mark.observes("Prompt", "Bound", "Events")
def test_window_is_not_closed_early(unbound_band, hands, band_time, witness,
                                    links, key, target):
    """MB4/PAIR/BI-02: the confirm window lasts its full 30 s of band time

    A user who takes 29 s to find the band still gets to tap; the answer
    comes only once the window has really closed.  On a real band (the
    person resets it and leaves the prompt alone) nothing may arrive for
    the window less one second of wall time after the key went out, and
    10 01 04 must come within WINDOW_SLACK_S after that; then the band
    has no key (10 02 04) and a bind confirmed by a tap still binds: it
    ends bound to --auth-key.
    """
    client = links(unbound_band)
    client.send_bind(key)
    prompt_asked(client, witness)
    if band_time.control is not None:
        band_time.let_pass(CONFIRM_WINDOW - 1)
        # Answered after anything the band sent before it: a refusal, had
        # the window closed early, would be queued already.  (A value the
        # band serves itself: through bluetoothd Generic Access is not.)
        client.att.read(SOFTWARE_REVISION.value_handle)
        client.expect_silence(0 if target.responses_order_notifications
                              else SILENCE)
        if witness is not None:
            assert witness.get("Prompt") == "pair-confirm"
    else:
        # The band's window opened when it had the key, after it went out.
        client.expect_silence(CONFIRM_WINDOW - 1)
    assert hexs(window_reply(client, band_time, 2)) == "10 01 04"
    if witness is not None:
        witness.wait_event("bind-refused", reason="no-tap")
        assert_unbound(witness)
    bind_again(client, witness, hands, key)


@pytest.mark.person("factory-reset", "button")
@pytest.mark.observes("Bound", "KeyId", "Events")
def test_tap_late_in_window_binds(unbound_band, hands, band_time, witness,
                                  links, key):
    """MB4/PAIR/BV-02: a tap one second before the window closes binds

    The user finds the band just in time: 29 s of band time, then a tap.
    On a real band (the person resets it) nothing may arrive for the
    window less LATE_TAP_S of wall time; then the person taps, and the
    band answers 10 01 01 and the key authenticates the link (the battery
    reads): it ends bound to --auth-key.
    """
    client = links(unbound_band)
    client.send_bind(key)
    prompt_asked(client, witness)
    if band_time.control is not None:
        band_time.let_pass(CONFIRM_WINDOW - 1)
    else:
        client.expect_silence(CONFIRM_WINDOW - LATE_TAP_S)
    hands.press()
    assert hexs(client.reply()) == "10 01 01"
    if witness is not None:
        witness.wait_event("bound", key_id=auth.key_id(key))
        assert_bound_to(witness, key)
    client.authenticate(key)
    assert_authenticated(client)


def declined_by_long_press(client, key: bytes, hands, witness) -> None:
    """The phone offers key, the person long-presses at the prompt: 10 01
    04, sooner than the confirm window could have closed, so it is the
    decline and not the window's end."""
    window = Deadline(CONFIRM_WINDOW)
    client.send_bind(key)
    prompt_asked(client, witness)
    hands.long_press()
    assert hexs(client.reply()) == "10 01 04"
    assert not window.expired, (
        f"10 01 04 came no sooner than the {CONFIRM_WINDOW} s window "
        f"closes: the long press (due within it) did not decline")


@pytest.mark.person("factory-reset", "button")
@pytest.mark.observes("Prompt", "Bound", "Events")
def test_long_press_declines(unbound_band, hands, witness, links, key):
    """MB4/PAIR/BI-03: a long press on the prompt declines the binding

    Someone else's phone asks to pair; the owner declines on the band.
    On a real band (the person resets it, then long-presses at the
    prompt) 10 01 04 must come sooner than the confirm window could have
    closed, so it is the decline and not the window's end; then 02 00
    gets 10 02 04 (no key stored), and a bind confirmed by a tap still
    binds: the band ends bound to --auth-key.
    """
    client = links(unbound_band)
    declined_by_long_press(client, key, hands, witness)
    if witness is not None:
        witness.wait_event("prompt-declined", prompt="pair-confirm")
        witness.wait_event("bind-refused", reason="declined")
        assert_unbound(witness)
        assert unbound_band.stored_key() is None
    bind_again(client, witness, hands, key)


@pytest.mark.person("factory-reset", "button")
@pytest.mark.observes("Prompt", "Bound", "Events")
def test_link_loss_cancels_prompt(unbound_band, hands, witness, links, key):
    """MB4/PAIR/BI-04: the phone walks away while the band asks for a tap

    The link ends with the prompt on screen: the binding is cancelled and
    a later tap binds nothing.  On a real band (the person resets it,
    and taps once the phone has ended the link) the phone's next link
    finds no key (02 00 gets 10 02 04), and a bind confirmed by a tap on
    it still binds: the band ends bound to --auth-key.
    """
    client = links(unbound_band)
    client.send_bind(key)
    prompt_asked(client, witness)
    unbound_band.disconnect(client.att)
    if witness is not None:
        witness.wait_event("disconnected")
        witness.wait_property("Prompt", "")
    hands.press()
    if witness is not None:
        witness.wait_event("button-pressed")
        witness.sync()
        assert "bound" not in witness.names()
        assert_unbound(witness)
        assert unbound_band.stored_key() is None
    bind_again(links(unbound_band), witness, hands, key)


@pytest.mark.person("factory-reset", "button")
@pytest.mark.observes("Prompt", "Bound", "KeyId", "Events")
def test_second_bind_while_waiting_is_busy(unbound_band, hands, witness,
                                           links, key):
    """MB4/PAIR/BI-05: a second key offered while the prompt shows

    A client that retries its pairing request before the user tapped:
    the retry is refused at once (busy) and the first request still binds.
    On a real band (the person resets it, and taps after the refusal)
    the retry with another key gets 10 01 04 within the reply timeout,
    the tap then 10 01 01, and the first request's key authenticates the
    link: the band ends bound to --auth-key.
    """
    client = links(unbound_band)
    client.send_bind(key)
    prompt_asked(client, witness)
    assert_reply(client, b"\x01\x00" + other_than(key), "10 01 04")
    if witness is not None:
        witness.wait_event("bind-refused", reason="busy")
        assert witness.get("Prompt") == "pair-confirm"
    hands.press()
    assert hexs(client.reply()) == "10 01 01"
    if witness is not None:
        assert_bound_to(witness, key)
    client.authenticate(key)
    assert_authenticated(client)


@pytest.mark.person("factory-reset", "button")
@pytest.mark.observes("Events")
def test_prompt_taps_are_not_button_events(unbound_band, hands, witness,
                                           links, key, target):
    """MB4/PAIR/BV-03: the tap that answers the prompt is not a button press

    Gadgetbridge maps button events (04, long press 0B) to actions such
    as skipping a song; confirming or declining a pairing must not fire
    them on a subscribed phone.  On a real band (the person resets it,
    long-presses at the first prompt and taps at the second) the phone,
    subscribed to device events (00000010), gets 10 01 04 sooner than
    the window could have closed, then 10 01 01, and no device event;
    the band ends bound to --auth-key.
    """
    device_event = PROFILE.characteristic("device-event")
    client = links(unbound_band)
    client.att.write(device_event.cccd_handle, b"\x01\x00")
    declined_by_long_press(client, key, hands, witness)
    client.send_bind(key)
    prompt_asked(client, witness)
    hands.press()
    assert hexs(client.reply()) == "10 01 01"
    # ATT is in order: a notification sent before this answer is queued
    # (through bleak it comes on another path: a moment longer).
    client.att.read(SOFTWARE_REVISION.value_handle)
    with pytest.raises(Timeout):
        heard(client.att,
              timeout=0 if target.responses_order_notifications else SILENCE)


# --------------------------------------------------- BIND: bound bands

@pytest.mark.observes("Bound", "KeyId", "Prompt", "Events")
def test_bind_other_key_refused(band, witness, links, key):
    """MB4/BIND/BI-01: a band paired with Mi Fit refuses another key

    Fact sheet §10 "bound to another account": Gadgetbridge offering its
    own key to a band the official app paired gets 10 01 04 at once, and
    the owner's binding stays.  On a real band: 10 01 04 within the reply
    timeout (no prompt, whose answer would take the confirm window), and
    the owner's key (--auth-key) then authenticates the same link (the
    battery reads).
    """
    client = links(band)
    assert_reply(client, b"\x01\x00" + other_than(key), "10 01 04")
    if witness is not None:
        witness.wait_event("bind-refused", reason="bound-to-other")
        assert_bound_to(witness, key)
        assert witness.get("Prompt") == ""
        witness.sync()
        assert "prompt-shown" not in witness.names()
        assert band.stored_key() == key
    client.authenticate(key)
    assert_authenticated(client)


@pytest.mark.observes("Bound", "KeyId", "Events")
def test_bind_same_key_accepted(band, witness, links, key):
    """MB4/BIND/BV-01: offering the key the band already holds succeeds

    miband-js recovery path: after a failure the client sends its key
    again; with the same key the band agrees at once, no tap needed:
    10 01 01 without anyone at the band, and the key still authenticates
    (the battery reads).  Where there is a control plane it also says
    the binding is the same and no prompt was shown.
    """
    client = links(band)
    assert_reply(client, b"\x01\x00" + key, "10 01 01")
    if witness is not None:
        assert_bound_to(witness, key)
        witness.sync()
        assert "prompt-shown" not in witness.names()
    client.authenticate(key)
    assert_authenticated(client)


@pytest.mark.needs_control("KeyId")
@pytest.mark.emulator_process("reads the key in band.ini")
def test_key_id_is_sha256_prefix(band, control):
    """MB4/BIND/BV-02: KeyId names the key without revealing it

    A support script tells two bands' keys apart from the control plane
    without reading the key: first 8 hex digits of its SHA-256.
    """
    assert control.get("KeyId") == hashlib.sha256(TEST_KEY).hexdigest()[:8]
    assert band.stored_key() == TEST_KEY


# --------------------------------------------------------- AUTH: A and B

@pytest.mark.observes("Authenticated", "Events")
def test_variant_a_with_provisioned_key(band, witness, links, key):
    """MB4/AUTH/BV-01: satcar77-style auth with the server-provisioned key

    A user runs satcar77/miband4 with the key from huami-token: 02 00,
    then 03 00 and the encrypted random number; no tap needed.
    """
    client = links(band)
    witnessed(witness, authenticated=False)
    assert_unauthorized_read(client.att, BATTERY.value_handle)
    random_number = client.request_random()
    witnessed(witness, "auth-started", variant="A")
    assert_reply(client, b"\x03\x00" + auth.encrypt(key, random_number),
                 "10 03 01")
    witnessed(witness, "auth-succeeded", True, variant="A")
    assert_authenticated(client)


@pytest.mark.observes("Authenticated", "Events")
def test_variant_b_echoes_command(band, witness, links, key):
    """MB4/AUTH/BV-02: Gadgetbridge's crypt-flags auth (82/83) on a Mi Band 4

    Gadgetbridge sends 82 00 02 01 00 and 83 00 <answer>; the band
    echoes 0x82 and 0x83 in its replies.
    """
    client = links(band)
    reply = client.command(bytes.fromhex("82 00 02 01 00"))
    assert hexs(reply[:3]) == "10 82 01" and len(reply) == 19, hexs(reply)
    witnessed(witness, "auth-started", variant="B")
    assert_reply(client, b"\x83\x00" + auth.encrypt(key, reply[3:]),
                 "10 83 01")
    witnessed(witness, "auth-succeeded", True, variant="B")
    assert_authenticated(client)


@pytest.mark.observes("Authenticated")
def test_variant_b_short_request(band, witness, links, key):
    """MB4/AUTH/BV-03: the 2-byte variant-B request 82 00 is accepted

    Older Huami clients send the crypt-flags request without the
    trailing 02 01 00.
    """
    client = links(band)
    reply = client.command(b"\x82\x00")
    assert hexs(reply[:3]) == "10 82 01" and len(reply) == 19, hexs(reply)
    client.send_answer(auth.encrypt(key, reply[3:]), variant="B")
    witnessed(witness, authenticated=True)
    assert_authenticated(client)


def test_challenges_are_fresh(band, links):
    """MB4/AUTH/BV-04: every random-number request gets a new challenge

    A recorded handshake must not be replayable, so two requests never
    get the same 16 bytes.
    """
    client = links(band)
    first = client.request_random()
    second = client.request_random()
    assert first != second


@pytest.mark.observes("Authenticated", "Events")
@pytest.mark.parametrize("variant, answer_cmd", [("A", 0x03), ("B", 0x83)],
                         ids=["A", "B"])
def test_wrong_key(band, witness, links, variant, answer_cmd):
    """MB4/AUTH/BI-01: a stale or mistyped key is refused with x3 04

    Gadgetbridge issue: "authentication failed" after the band was
    paired again in Mi Fit, which gave it a new key; protected values
    stay closed.
    """
    client = links(band)
    random_number = client.request_random(variant)
    reply = client.command(client.answer_payload(
        auth.encrypt(OTHER_KEY, random_number), variant))
    assert hexs(reply) == f"10 {answer_cmd:02x} 04"
    witnessed(witness, "auth-failed", False, reason="wrong-key",
              variant=variant)
    assert_unauthorized_read(client.att, BATTERY.value_handle)


@pytest.mark.observes("Authenticated", "Events")
def test_replayed_answer(band, witness, links, key):
    """MB4/AUTH/BI-02: a replayed answer is refused and changes nothing

    A sniffed 03 00 <answer> sent again: the challenge was good for one
    answer, so the band says 10 03 04 (no challenge), and the link that
    authenticated stays authenticated.
    """
    client = links(band)
    answer = client.authenticate(key)
    witnessed(witness, "auth-succeeded", variant="A")
    assert_reply(client, b"\x03\x00" + answer, "10 03 04")
    witnessed(witness, "auth-failed", True, reason="no-challenge",
              variant="A")
    assert_authenticated(client)


@pytest.mark.observes("Authenticated", "Events")
def test_stale_challenge(band, witness, links, key):
    """MB4/AUTH/BI-03: an answer to an earlier challenge is refused

    A client that asked twice (a retry after a slow reply) and answers
    the first challenge: a new request voids the earlier one, and any
    answer uses up the challenge, right or wrong.
    """
    client = links(band)
    first = client.request_random()
    second = client.request_random()
    assert_reply(client, b"\x03\x00" + auth.encrypt(key, first),
                 "10 03 04")
    # docs/auth.md: checked against the newer challenge, which it uses up.
    witnessed(witness, "auth-failed", False, reason="wrong-key",
              variant="A")
    assert_unauthorized_read(client.att, BATTERY.value_handle)
    # The second challenge went with that answer.
    assert_reply(client, b"\x03\x00" + auth.encrypt(key, second),
                 "10 03 04")
    witnessed(witness, "auth-failed", reason="no-challenge", variant="A")
    client.authenticate(key)
    witnessed(witness, authenticated=True)
    assert_authenticated(client)


@pytest.mark.observes("Authenticated", "Events")
def test_link_lost_between_challenge_and_answer(band, witness, links, key):
    """MB4/AUTH/BV-05: a link lost between the challenge and the answer, then a new link authenticates

    "Stuck at authenticating": the phone asked for a challenge and the
    link ended before its answer (the phone walked away, its stack
    timed out).  The challenge went with the link: on a new link the
    answer to it is refused (10 03 04) and does not authenticate, and
    the whole handshake then passes, as the phone's next attempt does.
    Where there is a witness, the new link started unauthenticated and
    the refused answer was for want of a challenge.
    """
    first = links(band)
    lost = first.request_random()
    band.disconnect(first.att)
    client = links(band)
    witnessed(witness, authenticated=False)
    assert_reply(client, b"\x03\x00" + auth.encrypt(key, lost), "10 03 04")
    witnessed(witness, "auth-failed", False, reason="no-challenge",
              variant="A")
    assert_unauthorized_read(client.att, BATTERY.value_handle)
    client.authenticate(key)
    witnessed(witness, authenticated=True)
    assert_authenticated(client)


@pytest.mark.observes("Authenticated", "Events")
def test_answer_without_challenge(band, witness, links):
    """MB4/AUTH/BI-04: an answer sent before any random-number request

    A client that skips 02 00 (out of order) gets 10 03 04.
    """
    client = links(band)
    assert_reply(client, b"\x03\x00" + bytes(16), "10 03 04")
    witnessed(witness, "auth-failed", False, reason="no-challenge",
              variant="A")
    assert_unauthorized_read(client.att, BATTERY.value_handle)


MALFORMED = [
    pytest.param(b"\x02", "10 02 02", id="request-1-byte"),
    pytest.param(b"\x03\x00" + bytes(15), "10 03 02", id="answer-15"),
    pytest.param(b"\x01\x00" + bytes(15), "10 01 02", id="key-15"),
    pytest.param(b"\x05", "10 05 02", id="unknown-05"),
    pytest.param(b"\x82", "10 82 02", id="b-request-1-byte"),
    pytest.param(b"\x83\x00" + bytes(17), "10 83 02", id="b-answer-17"),
]


@pytest.mark.observes("Bound", "KeyId", "Prompt", "Authenticated", "Events")
@pytest.mark.parametrize("payload, expected", MALFORMED)
def test_malformed_command(band, witness, links, key, payload, expected):
    """MB4/AUTH/BI-05: a malformed auth command gets x 02 and changes nothing

    A buggy client (wrong length, unknown command byte) must get a
    definite answer and leave the band as it was: bound, no prompt, the
    link still unauthenticated and still able to authenticate.  On a
    real band the client alone judges it: the protected battery stays
    refused, and the key the band was bound to still authenticates (a
    band that had dropped or replaced it would answer 10 03 04, or
    10 02 04 with no key).
    """
    client = links(band)
    assert_reply(client, payload, expected)
    if witness is not None:
        witness.wait_event("malformed", command=payload[0])
        assert_bound_to(witness, key)
        assert witness.get("Prompt") == ""
        assert witness.get("Authenticated") is False
    assert_unauthorized_read(client.att, BATTERY.value_handle)
    client.authenticate(key)
    assert_authenticated(client)


@pytest.mark.observes("Authenticated")
def test_malformed_answer_keeps_challenge(band, witness, links, key):
    """MB4/AUTH/BI-06: a truncated answer does not use up the challenge

    "A malformed command never changes the band's state": a client whose
    first answer was cut short can still send the right one.
    """
    client = links(band)
    random_number = client.request_random()
    assert_reply(client, b"\x03\x00" + bytes(15), "10 03 02")
    client.send_answer(auth.encrypt(key, random_number))
    witnessed(witness, authenticated=True)
    assert_authenticated(client)


@pytest.mark.person("factory-reset", "button", "look")
@pytest.mark.observes("Prompt", "Bound", "Events")
def test_malformed_key_shows_no_prompt(unbound_band, hands, witness, links,
                                       key, target):
    """MB4/AUTH/BI-07: a short key on a new band neither prompts nor binds

    A client that sends 15 key bytes: 10 01 02 at once, no prompt on
    the screen, and a tap afterwards binds nothing.  On a real band (the
    person resets it, says whether it asks for a tap, and taps) nothing
    more comes on 00000009 after the tap, the band has no key (02 00
    gets 10 02 04), and a bind confirmed by a tap still binds: it ends
    bound to --auth-key.
    """
    client = links(unbound_band)
    assert_reply(client, b"\x01\x00" + bytes(15), "10 01 02")
    assert not hands.sees("a prompt to pair with a phone (tap to confirm)",
                          "pair-confirm")
    hands.press()
    if witness is not None:
        witness.wait_event("button-pressed")
        witness.sync()
        assert "prompt-shown" not in witness.names()
        assert "bound" not in witness.names()
        assert_unbound(witness)
    # Answered after anything the band sent before it: a 10 01 01 for
    # the tap would be queued already.
    client.att.read(SOFTWARE_REVISION.value_handle)
    client.expect_silence(0 if target.responses_order_notifications
                          else SILENCE)
    bind_again(client, witness, hands, key)


def test_empty_write_ignored(band, links):
    """MB4/AUTH/BI-08: an empty write to the auth value gets no reply

    Some BLE stacks send a zero-length write when a client clears a
    value; the next reply on 00000009 answers the next command.
    """
    client = links(band)
    client.send(b"")
    reply = client.command(b"\x02\x00")
    assert hexs(reply[:3]) == "10 02 01", hexs(reply)


@pytest.mark.person("factory-reset", "button")
@pytest.mark.observes("Bound", "Authenticated", "Events")
def test_random_on_new_band(unbound_band, hands, witness, links, key):
    """MB4/AUTH/BI-09: a band never paired with Mi Fit has no key

    Gadgetbridge on a factory-new Mi Band 4: "request random number
    failed" (10 02 04) rather than a challenge nobody can answer, and the
    link stays unauthenticated (the battery read is refused).  On a real
    band the person resets it; a bind confirmed by a tap then still
    binds: it ends bound to --auth-key.
    """
    client = links(unbound_band)
    assert_no_key(client)
    if witness is not None:
        witness.wait_event("auth-failed", reason="not-bound", variant="A")
        assert_unbound(witness)
        assert witness.get("Authenticated") is False
    assert_unauthorized_read(client.att, BATTERY.value_handle)
    bind_again(client, witness, hands, key)


# ----------------------------------------- SAFE: unbinding, persistence

@pytest.mark.person("factory-reset", "button")
@pytest.mark.observes("Address", "Bound", "KeyId", "Prompt", "Authenticated",
                      "Events")
def test_factory_reset_then_pair_again(band, hands, witness, target, key):
    """MB4/SAFE/BV-01: factory reset from the menu, then pair again

    satcar77 README: after a factory reset the band has a new MAC and
    the old key is useless; the owner pairs it again with a new key.
    Over the air the band moves to the new address (--transport l2cap);
    through bluetoothd it stays at the adapter's (docs/bluez.md).  On a
    real band (the person resets it while the phone holds an
    authenticated link) the link drops, the next link finds no key (02 00
    gets 10 02 04), and a bind confirmed by a tap makes the key
    authenticate again: the band is paired again with --auth-key, as
    the suite found it.  Where there is a witness (the emulator) the band
    is paired with a new key instead, and the old one is then refused
    (10 03 04).
    """
    client = open_link(band)
    try:
        client.authenticate(key)
        if witness is not None:
            old_address = witness.get("Address")
            assert band.air_address() == old_address
        hands.factory_reset()
        if witness is not None:
            reset = witness.wait_event("reset")
            witness.wait_event("disconnected")
        with pytest.raises(Disconnected):
            client.att.read(SOFTWARE_REVISION.value_handle, timeout=1.0)
    finally:
        # Until the band listens again (where it can tell).
        band.disconnect(client.att)
    if witness is not None:
        new_address = reset.details["address"]
        assert new_address != old_address
        assert_random_static(new_address)
        assert witness.get("Address") == (
            old_address if target.through_bluetoothd else new_address)
        assert band.identity()["address"] == new_address
        assert_unbound(witness)
        assert band.stored_key() is None
        assert_state_file(band, witness)

    # A real band must end bound to the key it was found with; the
    # emulator's is thrown away with it.
    again = key if witness is None else NEW_KEY
    client = open_link(band)
    try:
        assert_no_key(client)
        tap_to_bind(client, witness, hands, again)
        if witness is not None:
            assert_bound_to(witness, again)
            with pytest.raises(AuthRefused) as info:
                client.authenticate(key)
            assert hexs(info.value.reply) == "10 03 04"
            witness.wait_event("auth-failed", reason="wrong-key")
        client.authenticate(again)
        assert_authenticated(client)
        if witness is not None:
            assert witness.get("Authenticated") is True
    finally:
        band.disconnect(client.att)


@pytest.mark.person("button")
@pytest.mark.observes("Address", "Bound", "Events")
def test_owner_unbind_over_ble(band, hands, witness, target, key):
    """MB4/SAFE/BV-02: the owner's app unpairs the band (06 0B 00 01)

    Gadgetbridge "factory reset" from an authenticated link: the band
    forgets the key, takes a new address and drops the link.  On a real
    band (this resets it: its log and settings go) the authenticated
    link drops after the command, the next link finds no key (02 00 gets
    10 02 04), and the person's tap binds --auth-key again, which then
    authenticates: the band ends bound to it, as the suite found it.
    """
    client = open_link(band)
    try:
        client.authenticate(key)
        if witness is not None:
            old_address = witness.get("Address")
        client.att.write_command(CONFIGURATION.value_handle, FACTORY_RESET)
        if witness is not None:
            reset = witness.wait_event("reset")
            witness.wait_event("disconnected")
        # After the command, in order: the band drops the link instead
        # of answering.
        with pytest.raises(Disconnected):
            client.att.read(SOFTWARE_REVISION.value_handle)
    finally:
        # Until the band listens again (where it can tell).
        band.disconnect(client.att)
    if witness is not None:
        assert reset.details["address"] != old_address
        assert witness.get("Address") == (
            old_address if target.through_bluetoothd
            else reset.details["address"])
        assert_random_static(reset.details["address"])
        assert_unbound(witness)
        assert band.stored_key() is None
        assert_state_file(band, witness)
    client = open_link(band)
    try:
        bind_again(client, witness, hands, key)
    finally:
        band.disconnect(client.att)


@pytest.mark.observes("Address", "Bound", "Events")
def test_unauthenticated_unbind_ignored(band, witness, links, key):
    """MB4/SAFE/BI-01: a stranger's 06 0B 00 01 does not reset the band

    Anyone in radio range can connect; without the key their factory
    reset command is dropped and the owner keeps the band.  On a real
    band the link stays up (a read after the command is answered) and
    the owner's key (--auth-key) then authenticates that same link: a
    reset would have dropped it and forgotten the key.
    """
    client = links(band)
    if witness is not None:
        address = witness.get("Address")
    client.att.write_command(CONFIGURATION.value_handle, FACTORY_RESET)
    # ATT is in order: this answer means the command was handled.
    client.att.read(SOFTWARE_REVISION.value_handle)
    if witness is not None:
        witness.sync()
        assert "reset" not in witness.names()
        assert_bound_to(witness, key)
        assert witness.get("Address") == address
        assert band.stored_key() == key
        assert band.air_address() == address
    client.authenticate(key)
    assert_authenticated(client)


@pytest.mark.observes("Address", "Bound", "KeyId", "Authenticated")
@pytest.mark.restarts("stop")
def test_restart_keeps_binding(band, witness, restart_band, links, key):
    """MB4/SAFE/BV-03: the band keeps its pairing across a restart

    A band whose battery ran flat still belongs to its owner when it
    comes back: same address, same key.  The phone authenticates with
    the band's key and reads its serial number; the band restarts (on
    the emulator it is stopped and started again on its state directory
    with no key given, so the binding comes from what it stored; any
    other band the phone reboots with 05 on 00001531).  Then the phone
    reaches it at the same address, a new link's protected read is
    refused until the same key authenticates it, and it reads the same
    serial number.  With a witness the band reports the same Address
    and KeyId, Bound, and Authenticated false, then true.
    """
    client = links(band)
    client.authenticate(key)
    assert_authenticated(client)
    serial = client.att.read(SERIAL_NUMBER.value_handle)
    if witness is not None:
        address, key_id = witness.get("Address"), witness.get("KeyId")
        assert key_id == auth.key_id(key)
    band.disconnect(client.att)
    again = restart_band(band, "stop")
    if witness is not None:
        assert binding(witness) == (True, key_id)
        assert witness.get("Address") == address
        assert witness.get("Authenticated") is False
    client = links(again)
    assert_unauthorized_read(client.att, BATTERY.value_handle)
    client.authenticate(key)
    assert_authenticated(client)
    witnessed(witness, authenticated=True)
    assert client.att.read(SERIAL_NUMBER.value_handle) == serial


CORRUPT = [
    pytest.param(bytes(range(256)) * 4, None, id="binary"),
    pytest.param(b"", None, id="empty"),
    pytest.param(b"[band]\naddress = E1:23:45:67:89:AB\nser",
                 "E1:23:45:67:89:AB", id="truncated"),
    pytest.param(b"[band]\naddress = hello\nserial = 0123456789ab\n",
                 None, id="bad-address"),
    pytest.param(b"[band]\naddress = E1:23:45:67:89:AB\n"
                 b"serial = 0123456789ab\n[binding]\nkey = " + b"zz" * 16
                 + b"\n", "E1:23:45:67:89:AB", id="bad-key"),
    pytest.param(b"[band]\naddress = E1:23:45:67:89:AB\n"
                 b"serial = 0123456789ab\n[binding]\nkey = " + b"ab" * 15
                 + b"\n", "E1:23:45:67:89:AB", id="short-key"),
]


@pytest.mark.needs_control("Address", "Bound", "Prompt")
@pytest.mark.emulator_process("starts a band on a corrupt band.ini")
@pytest.mark.parametrize("content, named_address", CORRUPT)
def test_corrupt_state_starts_factory_new(start_band, control, tmp_path,
                                          content, named_address):
    """MB4/SAFE/BI-02: a corrupt band.ini makes a factory-new band

    Flash corruption (a torn write, a bit flip) must not brick the band
    or bind it to a key nobody has: it starts unbound with a new random
    static address and a valid state file.
    """
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    (state_dir / "band.ini").write_bytes(content)
    band = start_band(auth_key=None, state_dir=state_dir)
    assert_unbound(control)
    # The band's own address (band.ini): through bluetoothd Address is
    # the adapter's, which the band does not choose.
    address = band.identity()["address"]
    assert_random_static(address)
    if named_address:
        assert address != named_address
    assert_state_file(band, control)


PROTECTED = [pytest.param(c, id=c.name)
             for c in PROFILE.characteristics()
             if c.auth and ({"read", "write"} & set(c.properties)
                            or c.cccd_handle is not None)]
# Values a Gadgetbridge-like client writes, valid once authenticated
# (fact sheet §2.3, §2.5, §6, §7.1: 00 is a firmware "sync", unanswered).
WRITE_VALUES = {
    "heart-rate-control": bytes.fromhex("15 02 00"),
    "user-settings": bytes.fromhex("10 00 00 10 27 00 00"),
    "current-time": bytes.fromhex("e8 07 05 14 0a 1e 00 01 00 00 04"),
    "firmware-control": bytes.fromhex("00"),
}


def cccd_enable(char) -> bytes:
    return b"\x01\x00" if "notify" in char.properties else b"\x02\x00"


@pytest.mark.raw_att("raw ATT PDUs: the exact error responses")
@pytest.mark.parametrize("char", PROTECTED)
def test_protected_until_auth(band, links, char, key):
    """MB4/SAFE/BI-03: protected values are closed until Huami auth

    A stranger's phone connects to someone else's band: no reads,
    writes or subscriptions on auth = yes characteristics (ATT error
    0x08) until the link authenticates; turning a CCCD off is harmless
    and allowed.  Once authenticated, the time is written back as the
    band just gave it, so a real band keeps its clock.
    """
    client = links(band)
    att = client.att
    h = char.value_handle
    readable = "read" in char.properties
    writable = "write" in char.properties
    if writable:
        assert char.name in WRITE_VALUES, "add a valid value for this write"
    if readable:
        assert_unauthorized_read(att, h)
    if writable:
        assert raw(att, write_pdu(h, WRITE_VALUES[char.name])) == \
            hexs(error_pdu(Op.WRITE_REQ, h, UNAUTHORIZED))
    if char.cccd_handle is not None:
        c = char.cccd_handle
        assert raw(att, write_pdu(c, cccd_enable(char))) == \
            hexs(error_pdu(Op.WRITE_REQ, c, UNAUTHORIZED))
        assert raw(att, write_pdu(c, b"\x00\x00")) == "13"

    client.authenticate(key)
    value = None
    if readable:
        value = att.read(h)
        if char.value is not None:
            assert hexs(value) == hexs(char.value)
    if writable:
        again = value if char.name == "current-time" else \
            WRITE_VALUES[char.name]
        assert raw(att, write_pdu(h, again)) == "13"
    if char.cccd_handle is not None:
        c = char.cccd_handle
        assert raw(att, write_pdu(c, cccd_enable(char))) == "13"
        assert att.read(c) == cccd_enable(char)
        assert raw(att, write_pdu(c, b"\x00\x00")) == "13"


@pytest.mark.raw_att("raw Read Blob, Read By Type and Read Multiple")
def test_other_reads_do_not_leak(band, links):
    """MB4/SAFE/BI-04: Read Blob, Read By Type and Read Multiple are closed too

    A client that avoids plain Read (e.g. BlueZ reading a long value
    with Read Blob) must not get a protected value either.
    """
    att = links(band).att
    h = BATTERY.value_handle
    name = DEVICE_NAME.value_handle
    assert raw(att, struct.pack("<BHH", Op.READ_BLOB_REQ, h, 0)) == \
        hexs(error_pdu(Op.READ_BLOB_REQ, h, UNAUTHORIZED))
    by_type = (struct.pack("<BHH", Op.READ_BY_TYPE_REQ, 0x0001, 0xFFFF)
               + uuids.to_wire(BATTERY.uuid))
    assert raw(att, by_type) == \
        hexs(error_pdu(Op.READ_BY_TYPE_REQ, h, UNAUTHORIZED))
    assert raw(att, struct.pack("<BHH", 0x0E, name, h)) == \
        hexs(error_pdu(0x0E, h, UNAUTHORIZED))


@pytest.mark.observes("Authenticated", "PropertiesChanged")
def test_auth_ends_with_link(band, witness, key):
    """MB4/SAFE/BI-05: authentication does not survive a reconnect

    A phone that authenticated, lost the link and came back must run
    the handshake again; a different central cannot ride on it: the
    battery reads after auth, and on the new link it is refused with
    Insufficient Authorization.  Where there is a control plane,
    Authenticated also goes false with the link.
    """
    client = open_link(band)
    try:
        client.authenticate(key)
        witnessed(witness, authenticated=True)
        assert_authenticated(client)
    finally:
        band.disconnect(client.att)
    if witness is not None:
        witness.wait_property("Authenticated", False)
    client = open_link(band)
    try:
        assert_unauthorized_read(client.att, BATTERY.value_handle)
        witnessed(witness, authenticated=False)
    finally:
        band.disconnect(client.att)


# Where the power goes: the band is killed -9 at each of these moments.
KILL_POINTS = ("before-press", "press-in-flight", "after-press",
               "after-reply")
KILL_ROUNDS = 24
# Through bluetoothd a band's start (its application registered, an
# advertisement found by a scan) and each link take seconds: each point
# twice, so the test stays within its deadline.
KILL_ROUNDS_BLUETOOTHD = 8


def check_after_restart(band, control, allowed, round_no, point):
    """The restarted band holds one of the allowed bindings, and says so
    consistently in band.ini and on the control plane."""
    try:
        state = band.state()
    except configparser.Error as exc:
        pytest.fail(f"round {round_no} ({point}): band.ini unparseable: {exc}")
    key = (bytes.fromhex(state["binding"]["key"])
           if state.has_section("binding") else None)
    now = binding(control)
    assert now in allowed, (f"round {round_no} ({point}): {now}, "
                            f"allowed {allowed}")
    assert now == ((True, auth.key_id(key)) if key else (False, "")), \
        f"round {round_no} ({point}): band.ini disagrees with the band"
    assert control.get("Prompt") == ""
    assert_state_file(band, control)
    return now


@pytest.mark.needs_control("PressButton", "FactoryReset", "Prompt", "Bound",
                           "Events")
@pytest.mark.emulator_process("kill -9 and a restart on the state directory")
def test_kill_during_binding(start_band, control, band_button, tmp_path,
                             target):
    """MB4/SAFE/BI-06: power loss while binding leaves one binding or the other

    A band whose battery dies (kill -9) around the tap that confirms a
    pairing: it must start again, with band.ini intact and either the
    binding it had or the new one, never a mix or garbage.  Before the
    tap nothing may be stored; after 10 01 01 the new key must be.
    """
    rng = random.Random(20240520)
    state_dir = tmp_path / "state"
    band = start_band(auth_key=None, state_dir=state_dir)
    rounds = KILL_ROUNDS_BLUETOOTHD if target.through_bluetoothd \
        else KILL_ROUNDS
    for round_no in range(rounds):
        point = KILL_POINTS[round_no % len(KILL_POINTS)]
        if control.get("Bound"):
            control.factory_reset()
            control.wait_event("reset")
        before = binding(control)
        assert before == (False, "")
        key = rng.randbytes(16)
        new = (True, auth.key_id(key))
        client = open_link(band)
        try:
            client.send_bind(key)
            control.wait_event("prompt-shown", prompt="pair-confirm")
            if point == "press-in-flight":
                control.call_nowait("PressButton")
            elif point == "after-press":
                band_button.press()
            elif point == "after-reply":
                band_button.press()
                assert hexs(client.reply()) == "10 01 01"
            band.kill()
        finally:
            client.att.close()
        band = start_band(auth_key=None, state_dir=state_dir)
        allowed = {"before-press": [before],
                   "after-reply": [new]}.get(point, [before, new])
        check_after_restart(band, control, allowed, round_no, point)


@pytest.mark.needs_control("FactoryReset", "PressButton", "Address", "Bound")
@pytest.mark.emulator_process("kill -9 and a restart on the state directory")
def test_kill_after_factory_reset(start_band, control, band_button, tmp_path):
    """MB4/SAFE/BI-07: power loss right after a factory reset

    The reset rewrites address and binding together: after a kill -9 the
    band is either still the old one (old address, old key) or the new
    one (new address, no key), never the new address with the old key.
    """
    state_dir = tmp_path / "state"
    band = start_band(auth_key=TEST_KEY, state_dir=state_dir)
    for round_no in range(6):
        if not control.get("Bound"):
            client = open_link(band)
            try:
                tap_to_bind(client, control, band_button, TEST_KEY)
            finally:
                band.disconnect(client.att)
        # The band's own address (band.ini): through bluetoothd Address
        # is the adapter's, which a reset does not change.
        old = (band.identity()["address"], binding(control))
        if round_no % 2:
            control.call_nowait("FactoryReset")
        else:
            control.factory_reset()
        band.kill()
        band = start_band(auth_key=None, state_dir=state_dir)
        now = (band.identity()["address"], binding(control))
        assert now == old or (now[0] != old[0] and now[1] == (False, "")), \
            f"round {round_no}: before {old}, after restart {now}"
        assert_state_file(band, control)
