"""The fetch client against a scripted band, no emulator.

The link is conftest.py's scripted_link: the band's notifications are
queued before the client acts and what the client sent is read back and
compared byte for byte.  These pin down the
client's own rules (packet counter, announced count, saved cursor)
so a scenario failure can be blamed on the band, not on the client.
"""

import datetime
import socket
import struct

import pytest

from bandsim.clients.fetch import (FetchClient, FetchInterrupted,
                                   FetchProtocolError, FetchRefused,
                                   FetchTimeout, PacketCounterError, Sample,
                                   SyncState, TransferError)
from bandsim.protocol.values import encode_time, local_datetime, local_ts

CONTROL, DATA = 0x003E, 0x0041
T0 = datetime.datetime(2024, 5, 20, 10, 30)
TS0 = 1716201000


@pytest.fixture
def link(scripted_link):
    att, server = scripted_link(timeout=1.0)
    return FetchClient(att, timeout=1.0), server


def control(server, hex_value):
    server.notify(CONTROL, hex_value)


def announce(server, count, when=T0, tz=0):
    server.notify(CONTROL, bytes.fromhex("10 01 01")
                  + struct.pack("<I", count)
                  + encode_time(when, tz, True)[:7] + struct.pack("<b", tz))


def data(server, counter, samples):
    server.notify(DATA, bytes([counter % 256]) + b"".join(samples))


def sample(i):
    return bytes([0x01, i % 256, (i * 7) % 256, 0x50])


def half_a_transfer(server):
    """The band announces 8 samples and sends the first 4."""
    announce(server, 8)
    data(server, 0, [sample(0)] * 4)


def cmd(value_hex):
    return "52 3e 00 " + value_hex


def test_timestamps_round_trip():
    assert local_ts(T0) == TS0
    assert local_datetime(TS0) == T0
    assert encode_time(T0, 4).hex(" ") == "e8 07 05 14 0a 1e 00 04"
    assert encode_time(TS0 + 59, -20, True).hex(" ") == \
        "e8 07 05 14 0a 1e 3b 00 ec"


def test_enable_notifications_writes_both_cccds(link):
    fetch, server = link
    server.send(b"\x13")
    server.send(b"\x13")
    fetch.enable_notifications()
    assert server.sent() == ["12 3f 00 01 00", "12 42 00 01 00"]


def test_start_request_and_reply(link):
    fetch, server = link
    announce(server, 490, datetime.datetime(2024, 5, 20, 14, 17), tz=4)
    got = fetch.start(datetime.datetime(2024, 5, 20, 10, 30), tz=4)
    assert server.sent() == [cmd("01 01 e8 07 05 14 0a 1e 00 04")]
    assert (got.count, got.start, got.tz) == \
        (490, datetime.datetime(2024, 5, 20, 14, 17), 4)
    count, actual_start = got
    assert (count, actual_start) == (490, got.start)


def test_start_with_seconds_precision(link):
    fetch, server = link
    announce(server, 0)
    fetch.start(TS0 + 5, data_type=0x05, seconds_precision=True)
    assert server.sent() == [cmd("01 05 e8 07 05 14 0a 1e 05 00 00")]


@pytest.mark.parametrize("reply, error", [
    ("10 01 04", FetchRefused),
    ("10 01 02", FetchRefused),
    ("10 01 01 05 00 00 00 e8 07 05 14 0a 1e 00", FetchProtocolError),
    ("10 02 01", FetchProtocolError),
    ("10 01 01 05 00 00 00 e8 07 0d 14 0a 1e 00 00", FetchProtocolError),
], ids=["refused", "malformed", "short", "other-command", "month-13"])
def test_bad_start_replies(link, reply, error):
    fetch, server = link
    control(server, reply)
    with pytest.raises(error):
        fetch.start(T0)


def test_stream_times_samples_from_actual_start(link):
    fetch, server = link
    announce(server, 10, datetime.datetime(2024, 5, 20, 11, 0))
    data(server, 0, [sample(i) for i in range(4)])
    data(server, 1, [sample(i) for i in range(4, 8)])
    data(server, 2, [sample(i) for i in range(8, 10)])
    control(server, "10 02 01")
    fetch.start(T0)
    got = fetch.stream()
    base = TS0 + 30 * 60
    assert got == [Sample(base + 60 * i, sample(i)) for i in range(10)]
    assert server.sent() == [cmd("01 01 e8 07 05 14 0a 1e 00 00"), cmd("02")]
    assert fetch.last_transfer.sizes == [17, 17, 9]


def test_counter_wraps(link):
    fetch, server = link
    # Everything is queued before the client reads: room for 260 packets.
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    announce(server, 260)
    for i in range(260):
        data(server, i, [sample(i)])
    control(server, "10 02 01")
    fetch.start(T0)
    got = fetch.stream()
    assert [s.data for s in got] == [sample(i) for i in range(260)]
    assert fetch.last_transfer.counters[255:258] == [255, 0, 1]


@pytest.mark.parametrize("counters, expected, got, kind", [
    ([0, 1, 3], 2, 3, "skipped"),
    ([0, 1, 1], 2, 1, "repeated"),
    ([1], 0, 1, "skipped"),
])
def test_counter_gap_or_repeat_raises(link, counters, expected, got, kind):
    fetch, server = link
    announce(server, 12)
    for c in counters:
        data(server, c, [sample(c)] * 4)
    fetch.start(T0)
    with pytest.raises(PacketCounterError) as info:
        fetch.stream()
    assert (info.value.expected, info.value.got) == (expected, got)
    assert kind in str(info.value)


@pytest.mark.parametrize("count, end, message", [
    (9, "10 02 01", "after 4 of 9"),
    (3, None, "3 were announced"),
], ids=["short", "more-than-announced"])
def test_transfer_other_than_announced_raises(link, count, end, message):
    fetch, server = link
    announce(server, count)
    data(server, 0, [sample(0)] * 4)
    if end:
        control(server, end)
    fetch.start(T0)
    with pytest.raises(TransferError, match=message):
        fetch.stream()


def test_torn_sample_and_oversized_packet_raise(link):
    fetch, server = link
    announce(server, 8)
    server.notify(DATA, b"\x00" + bytes(6))
    fetch.start(T0)
    with pytest.raises(FetchProtocolError, match="not whole samples"):
        fetch.stream()
    announce(server, 8)
    data(server, 0, [sample(0)] * 5)     # 21 bytes at ATT_MTU 23
    fetch.start(T0)
    with pytest.raises(FetchProtocolError, match="exceeds ATT_MTU"):
        fetch.stream()


def test_end_with_failure_status(link):
    fetch, server = link
    announce(server, 4)
    control(server, "10 02 04")
    fetch.start(T0)
    with pytest.raises(FetchRefused) as info:
        fetch.stream()
    assert (info.value.command, info.value.status) == (0x02, 0x04)


def test_stale_data_before_reply_is_dropped(link):
    fetch, server = link
    data(server, 7, [sample(7)] * 4)
    data(server, 8, [sample(8)] * 4)
    announce(server, 1)
    data(server, 0, [sample(1)])
    control(server, "10 02 01")
    fetch.start(T0)
    assert fetch.stream() == [Sample(TS0, sample(1))]
    assert fetch.stale_packets == 2


def test_band_goes_quiet(link):
    fetch, server = link
    half_a_transfer(server)
    fetch.start(T0)
    with pytest.raises(FetchTimeout, match="4 samples received"):
        fetch.stream(timeout=0.1)


def test_link_lost_mid_transfer(link):
    fetch, server = link
    half_a_transfer(server)
    server.shutdown(socket.SHUT_WR)
    fetch.start(T0)
    with pytest.raises(FetchInterrupted) as info:
        fetch.stream()
    assert info.value.received == 4


def test_ack(link):
    fetch, server = link
    control(server, "10 03 01")
    fetch.ack()
    control(server, "10 03 04")
    with pytest.raises(FetchRefused):
        fetch.ack()
    assert server.sent() == [cmd("03"), cmd("03")]


def test_sync_rounds_and_cursor(link):
    """Round 1 brings 6 samples, round 2 asks from the last + 1 min and
    gets count 0: both acked, the cursor one minute past the last."""
    fetch, server = link
    start = datetime.datetime(2024, 5, 20, 10, 32)
    announce(server, 6, start)
    data(server, 0, [sample(i) for i in range(4)])
    data(server, 1, [sample(i) for i in range(4, 6)])
    control(server, "10 02 01")
    control(server, "10 03 01")
    announce(server, 0, datetime.datetime(2024, 5, 20, 10, 38))
    control(server, "10 03 01")
    state = SyncState(T0)
    got = fetch.sync(state)
    base = local_ts(start)
    assert got == state.samples == [Sample(base + 60 * i, sample(i))
                                    for i in range(6)]
    assert state.cursor == base + 6 * 60
    assert [(r.count, r.acked) for r in state.rounds] == [(6, True),
                                                          (0, True)]
    assert server.sent() == [cmd("01 01 e8 07 05 14 0a 1e 00 00"), cmd("02"),
                            cmd("03"), cmd("01 01 e8 07 05 14 0a 26 00 00"),
                            cmd("03")]


def test_sync_without_ack(link):
    fetch, server = link
    announce(server, 1)
    data(server, 0, [sample(0)])
    control(server, "10 02 01")
    announce(server, 0, T0 + datetime.timedelta(minutes=1))
    assert len(fetch.sync(T0, ack=False)) == 1
    assert "52 3e 00 03" not in server.sent()


def test_interrupted_round_is_not_saved(link):
    fetch, server = link
    half_a_transfer(server)
    server.shutdown(socket.SHUT_WR)
    state = SyncState(T0)
    with pytest.raises(FetchInterrupted):
        fetch.sync(state)
    assert (state.cursor, state.samples, state.rounds) == (TS0, [], [])


def test_progress_can_cut_a_transfer(link):
    fetch, server = link
    announce(server, 12)
    for c in range(3):
        data(server, c, [sample(c)] * 4)
    control(server, "10 02 01")
    seen = []

    class Cut(Exception):
        pass

    def progress(received, expected):
        seen.append((received, expected))
        if received == 8:
            raise Cut

    state = SyncState(T0)
    with pytest.raises(Cut):
        fetch.sync(state, progress=progress)
    assert seen == [(4, 12), (8, 12)]
    assert state.samples == []


def test_count_in_packets(link):
    """A profile with fetch-count-unit = packets: the count is checked
    against notifications, whatever each carries."""
    fetch, server = link
    fetch.count_unit = "packets"
    announce(server, 3)
    data(server, 0, [sample(i) for i in range(4)])
    data(server, 1, [sample(i) for i in range(4, 8)])
    data(server, 2, [sample(i) for i in range(8, 10)])
    control(server, "10 02 01")
    fetch.start(T0)
    assert len(fetch.stream()) == 10
    announce(server, 1)
    data(server, 0, [sample(0)])
    data(server, 1, [sample(1)])
    fetch.start(T0)
    with pytest.raises(TransferError, match="2 packets, 1 were announced"):
        fetch.stream()


def test_count_in_bytes(link):
    fetch, server = link
    fetch.count_unit = "bytes"
    announce(server, 8)
    data(server, 0, [sample(0), sample(1)])
    control(server, "10 02 01")
    fetch.start(T0)
    assert [s.data for s in fetch.stream()] == [sample(0), sample(1)]
    announce(server, 6)
    fetch.start(T0)
    with pytest.raises(FetchProtocolError, match="not whole samples"):
        fetch.stream()


# Never starts the emulator: one tier runs it (ci/test).
pytestmark = pytest.mark.no_emulator
