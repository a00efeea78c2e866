"""Bad input, everywhere: every characteristic of the profile gets every
class of bad input, and the band answers each exactly and changes
nothing.

The rows are generated from the profile the suite loads
(scenarios/helpers/badinput.py): a characteristic the profile gains
without a rule in the table fails BI-01 until it has one.  Each row
runs on a band bound to the suite's key, with ten minutes logged, on a
link of its own as a companion app leaves it (MTU 247 exchanged,
authenticated unless the row is about the time before, every CCCD the
link may enable enabled, so any stray notification is seen).  Around
the one bad PDU:

- the exact ATT response (or, for a Write Command, none: the next
  request's response comes first), the exact notifications (a Huami
  ``10 <cmd> <status>``, or none) and the exact control plane events;
- the band's state before and after, equal: its control plane
  properties, its activity log, every file of its state directory and
  every value and CCCD the link reads (bandsim/oracles/snapshot.py);
- then what was under way before the bad input (an announced sync, an
  upload, a challenge) still completes.

A row with steps before or after its PDU, on a factory-new band, or
excused a change (the screen) has a band of its own.  The others, all
but a few dozen, share a band in groups of SHARED_GROUP: a row that
passes has proved the band holds what it held before, so the next one
starts where a band of its own would; a row that fails takes the band
with it.  Run with ``--dist loadgroup`` a group stays on one worker, in
order (ci/test); one row alone, or with ``--bandsim-report``, still
gets a band of its own.

Any other band (a real one with ``--central l2cap``, the stand-in, an
emulator over the air) runs the rows that a shared band runs, on the
band bound to ``--auth-key``: the same PDU, the same exact response and
notifications, and every value and CCCD the link reads before and after
equal, but for what a band whose clock runs changes by itself (the
time, the battery, the day's steps: snapshot.RUNNING), whose
notifications are set aside too.  The control plane's events are
checked where there is a witness.  What needs a band the suite starts
(a factory-new band, steps around the PDU that read the control plane,
a screen the row may change) is skipped there with the reason.
Against a real band these rows are what tells where the emulator's
answers (docs/policies.md) differ from the band's.
"""

import zlib

import pytest

from bandsim.clients.auth import HuamiClient, encrypt
from bandsim.clients.fetch import FetchClient
from bandsim.clients.firmware import TYPE_WATCHFACE, FirmwareClient, Transfer
from bandsim.harness.suite import CLOCK_START, TEST_KEY
from bandsim.harness.targets import EMU
from bandsim.link.base import AttError
from bandsim.oracles import snapshot
from bandsim.protocol.profile import DEFAULT_PATH, Profile

from scenarios.helpers import badinput as table
from scenarios.helpers.pdus import hexs

# The profile every band of the suite runs (conftest.py: PROFILE_PATH).
PROFILE = Profile.load(DEFAULT_PATH)
ROWS = table.table(PROFILE)
DEVICE_NAME = PROFILE.characteristic("device-name")
LOGGED_MINUTES = 10
RAW_PDUS = pytest.mark.raw_att("raw and malformed ATT PDUs")
STATE = pytest.mark.observes("GetAll", "GetSamples", "Events")
# Every scenario here sends raw PDUs and reads the band's state before
# and after: on the emulator a band of its own (or its group's) with its
# control plane and state directory, elsewhere what the link reads.
pytestmark = [RAW_PDUS, STATE]


# Rows that only send their PDU, on a bound band, share one band in
# groups of this many (conftest.py: shared_band): each row proves the
# band holds what it held before, so the next starts where a band of its
# own would, and the band's start, bus and clock are paid once a group.
SHARED_GROUP = 32


def shareable(row) -> bool:
    """Nothing runs around the row's PDU and nothing it may change is
    excused from the before/after comparison."""
    return (row.band == table.BOUND and not row.setup and not row.then
            and row.screen is None and row.problem is None)


# Row id -> (group name, whether it is the group's last row).
GROUPS = {}


def rows(*kinds):
    """The rows of these kinds as parameters; the shareable ones marked
    with their group (pytest-xdist --dist loadgroup keeps a group on one
    worker, in order) and put in GROUPS."""
    chosen = [row for row in ROWS if row.kind in kinds]
    shared = [row for row in chosen if shareable(row)]
    for i, row in enumerate(shared):
        GROUPS[row.id] = (f"bad-input-{kinds[0]}-{i // SHARED_GROUP}",
                          i % SHARED_GROUP == SHARED_GROUP - 1
                          or i == len(shared) - 1)
    return [pytest.param(row, id=row.id,
                         marks=([pytest.mark.xdist_group(GROUPS[row.id][0])]
                                if row.id in GROUPS else []))
            for row in chosen]


# ------------------------------------------------------------- steps

class Context:
    """One row's band, control plane and link, and what its steps
    left for the next ones."""

    def __init__(self, band, control, link):
        self.band = band
        self.control = control
        self.link = link
        self.challenge = None
        self.fetch = None
        self.firmware = None
        self.started = False


def challenge(ctx):
    ctx.challenge = HuamiClient(ctx.link).request_random("A")


def answer(ctx):
    HuamiClient(ctx.link).send_answer(encrypt(TEST_KEY, ctx.challenge))
    assert ctx.control.get("Authenticated") is True


def fetch_announced(ctx):
    ctx.fetch = FetchClient(ctx.link)
    assert ctx.fetch.start(CLOCK_START).count == LOGGED_MINUTES


def fetch_send(ctx):
    assert len(ctx.fetch.stream()) == LOGGED_MINUTES


def fetch_done(ctx):
    fetch_announced(ctx)
    fetch_send(ctx)


def fw_announced(ctx):
    ctx.firmware = FirmwareClient(ctx.link)
    ctx.firmware.init(TYPE_WATCHFACE, len(table.WATCHFACE),
                      zlib.crc32(table.WATCHFACE))


def fw_started(ctx):
    fw_announced(ctx)
    ctx.firmware.start_data()
    ctx.started = True


def fw_upload(ctx):
    """The rest of the upload, verified: every byte the band took was
    the file's."""
    fw = ctx.firmware
    if not ctx.started:
        fw.start_data()
    size = len(table.WATCHFACE)
    fw.send_data(table.WATCHFACE, Transfer(TYPE_WATCHFACE, size, 0))
    fw.verify()


STEPS = {
    table.CHALLENGE: challenge,
    table.ANSWER: answer,
    table.FETCH_ANNOUNCED: fetch_announced,
    table.FETCH_SEND: fetch_send,
    table.FETCH_DONE: fetch_done,
    table.FW_ANNOUNCED: fw_announced,
    table.FW_STARTED: fw_started,
    table.FW_UPLOAD: fw_upload,
}


# --------------------------------------------------------------- a row

def subscribe_all(link, authed: bool) -> None:
    """Every CCCD this link may enable (before auth: the unprotected
    ones), so that nothing the band sends goes unseen."""
    for char in PROFILE.characteristics():
        if char.cccd_handle is not None and (authed or not char.auth):
            link.write(char.cccd_handle, table.cccd_value(char))


def log_minutes(control):
    control.advance_clock(LOGGED_MINUTES * 60)


def own_band(target) -> bool:
    """Whether the suite starts the rows' bands itself (--target emu, not
    the stand-in): then each has its control plane and state directory."""
    return target.kind == EMU and not target.stand_in


def not_own(row) -> str:
    """Why a row needs a band the suite starts, or "" for none."""
    if row.band != table.BOUND:
        return "a factory-new band"
    if row.setup or row.then:
        return "steps around its PDU that the control plane checks"
    if row.screen is not None:
        return "the band's screen, which the row may change"
    return ""


def band_for(request, row):
    """(band, control) of the row: a band of its own, or its group's
    shared one; on any other target the band, and its witness."""
    target = request.getfixturevalue("target")
    if not own_band(target):
        why = not_own(row)
        if why:
            pytest.skip(f"needs a band the suite starts: {why}")
        return (request.getfixturevalue("band"),
                request.getfixturevalue("witness"))
    group = GROUPS.get(row.id)
    if group is not None:
        name, last = group
        return request.getfixturevalue("shared_band")(name, log_minutes,
                                                      last=last)
    start_band = request.getfixturevalue("start_band")
    control = request.getfixturevalue("control")
    band = start_band(auth_key=None if row.band == table.NEW else TEST_KEY)
    log_minutes(control)
    return band, control


def open_link(band, row, key):
    link = band.connect()
    try:
        link.exchange_mtu(table.MTU)
        authed = row.link == table.AUTHED
        if authed:
            huami = HuamiClient(link)
            huami.enable_notifications()
            huami.authenticate(key)
        subscribe_all(link, authed)
    except BaseException:
        band.disconnect(link)
        raise
    return link


def send(link, row, running=frozenset()):
    """The row's PDU; (the response, or None for a command, and every
    notification the band sent for it, but those of the handles in
    running, which a band whose clock runs sends by itself)."""
    link.send_raw(row.pdu)
    answer_pdu = link.recv_raw() if row.answer is not None else None
    # ATT answers in order: once this read is answered the band has
    # handled the row's PDU and sent all it had to send for it.  A
    # response to a Write Command would come first and fail the read.
    assert link.read(DEVICE_NAME.value_handle) == b"Mi Smart Band 4"
    notes = [(handle, value) for _, handle, value in link.take_unsolicited()
             if handle not in running]
    return answer_pdu, notes


def run(request, row):
    if row.problem:
        pytest.fail(row.problem, pytrace=False)
    band, control = band_for(request, row)
    target = request.getfixturevalue("target")
    own = own_band(target)
    key = TEST_KEY if own else target.auth_key
    # A band the suite did not start: its clock runs, and all there is
    # to read is its link (and the events of its witness, if any).
    running = frozenset() if own else snapshot.running_handles(PROFILE)

    def state(link):
        return snapshot.take(control if own else None,
                             band.state_dir if own else None, link, PROFILE,
                             running_clock=not own)

    link = open_link(band, row, key)
    try:
        ctx = Context(band, control, link)
        for step in row.setup:
            STEPS[step](ctx)
        link.take_unsolicited()
        # A shared band's previous row proved what the band held at its
        # end, read over a link like this one: that is the "before", so
        # its link's hand-over to this row is held to "changes nothing"
        # too, and the band is read once a row instead of twice.
        shared = getattr(band, "shared", None)
        proven = shared.proven if shared is not None else None
        if proven is not None and proven[0] == row.link:
            before = proven[1]
        else:
            before = state(link)
        if shared is not None:
            shared.proven = None
        if control is not None:
            control.sync()
            mark = len(control.timeline)

        got, notes = send(link, row, running)

        if row.answer is not None:
            assert hexs(got) == hexs(row.answer), f"sent {hexs(row.pdu)}"
        assert [(h, hexs(v)) for h, v in notes] == \
            [(h, hexs(v)) for h, v in row.notifications], \
            f"notifications for {hexs(row.pdu)}"
        after = state(link)
        if row.screen is not None:
            assert after.properties.pop("Screen").unpack()["name"] == \
                row.screen
            before.properties.pop("Screen")
        changed = snapshot.differences(before, after)
        assert not changed, (f"{hexs(row.pdu)} changed the band:\n  "
                             + "\n  ".join(changed))
        if control is not None:
            control.sync()
            events = [event.name for event in control.timeline[mark:]]
            assert events == list(row.events), f"events for {hexs(row.pdu)}"
        for step in row.then:
            STEPS[step](ctx)
        if shared is not None:
            shared.proven = (row.link, after)
    finally:
        try:
            band.disconnect(link)
        except AttError:
            pass


# ----------------------------------------------------------- scenarios

@pytest.mark.parametrize("row", rows("empty", "short", "long", "range",
                                     "rule"))
def test_bad_values(request, row):
    """MB4/BAD/BI-01: a value that is empty, short, long or out of range

    Every writable characteristic of the profile, each of its commands
    and fields; what the fact sheet does not explain takes any write
    and keeps its value (docs/policies.md).  A characteristic without a
    rule in the table fails here.
    """
    run(request, row)


@pytest.mark.parametrize("row", rows("state"))
def test_commands_out_of_turn(request, row):
    """MB4/BAD/BI-02: a command the band cannot take now

    02 before a fetch start, an ack with nothing delivered, firmware
    data before 01 or 03 01, an answer without a challenge, a random
    number from a band without a key: the status of the fact sheet
    and the docs, nothing else.
    """
    run(request, row)


@pytest.mark.parametrize("row", rows("op", "oversize", "long-write"))
def test_wrong_att_operations(request, row):
    """MB4/BAD/BI-03: an ATT operation a characteristic does not have

    Writes to read-only values, reads of write-only ones, a Write
    Command where only Write Requests are allowed, a subscription where
    there is no CCCD, a Read Blob past the end, a write longer than
    ATT_MTU, Prepare Write.
    """
    run(request, row)


@pytest.mark.parametrize("row", rows("auth"))
def test_protected_before_auth(request, row):
    """MB4/BAD/BI-04: every protected characteristic before Huami auth

    Reads, Write Requests and CCCD enables get the profile's
    unauthorized-att-error; a Write Command is dropped without a word.
    """
    run(request, row)


@pytest.mark.parametrize("row", rows("cccd", "handle"))
def test_bad_cccds_and_handles(request, row):
    """MB4/BAD/BI-05: a bad CCCD value, a handle that is no characteristic

    1 or 3 bytes, 0x0004 or 0xFFFF, indications on a notify-only value;
    service declarations, the handle 0, a gap in the table, the handle
    past its end.
    """
    run(request, row)
