"""``python3 -m bandsim`` end to end against the emulator on its socket.

Each test starts its own band (clock frozen at CLOCK_START, moved only
by AdvanceClock) on a private bus, as process.BandProcess and
bus.PrivateBus do for the scenarios.  sync, pair and watch run as
subprocesses with PYTHONPATH=conformance, exactly as a person runs
them; the rest call cli.main() in-process (same code, faster).  What
the band logged (GetSamples), stored (band.ini) and installed
(Firmware) is the oracle.  The BlueZ scan is checked with a stand-in
for BleakScanner.discover: there is no Bluetooth here.
"""

import csv
import datetime
import io
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bandsim.clients.auth import key_id
from bandsim.harness.control import ControlClient
from bandsim.harness.process import BandProcess
from bandsim.harness.suite import CLOCK_START, OTHER_KEY, TEST_KEY
from bandsim.link.deadline import Deadline, read_until
from bandsim.protocol.profile import DEFAULT_PATH
from bandsim.protocol.values import local_datetime
from bandsim.tools.cli import build_parser, main, scan as scan_command
from bandsim.tools.cli.common import CommandError, Progress

REPO = Path(__file__).resolve().parents[2]
FIRMWARE = REPO / "fixtures" / "firmware"
ACTIVITY_FIXTURE = REPO / "fixtures" / "activity" / \
    "seed1-2024-05-20-3days.csv"
KEY = TEST_KEY.hex()
MINUTE, HOUR, DAY = 60, 3600, 86400
FOREVER = 1 << 63
CLI_TIMEOUT = 10.0


# ------------------------------------------------------------ fixtures

@pytest.fixture
def start(bus, emulator_binary, tmp_path):
    """start(auth_key=TEST_KEY) -> a running BandProcess."""
    binary = emulator_binary
    bands = []

    def start_(auth_key=TEST_KEY):
        workdir = tmp_path / f"band{len(bands)}"
        workdir.mkdir()
        band = BandProcess(binary, DEFAULT_PATH, workdir,
                           control_address=bus, clock_rate=0,
                           clock_start=CLOCK_START, auth_key=auth_key)
        bands.append(band)
        band.start()
        return band

    yield start_
    for band in bands:
        if band.started and not band.stopped:
            assert band.stop() == 0, band.log_tail()


@pytest.fixture
def ctl(bus):
    client = ControlClient(bus)
    yield client
    client.close()


def target(band, key=KEY):
    """The words for a band: its socket and, unless key is None, the key
    to use."""
    words = ["--socket", str(band.socket_path)]
    return words if key is None else words + ["--auth-key", key]


def run_main(capsys, *argv):
    """cli.main in-process: (exit status, stdout, stderr)."""
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def popen(*argv, merge=False, sigint_ignored=False):
    """The CLI as a subprocess; sigint_ignored starts it as a shell
    script's background job is (``... &`` without job control): with
    SIGINT ignored."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "conformance"))
    command = [sys.executable, "-m", "bandsim", *[str(a) for a in argv]]
    if sigint_ignored:
        command = ["sh", "-c", "trap '' INT; exec \"$@\"", "sh", *command]
    return subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge else subprocess.PIPE)


def run_cli(*argv):
    proc = popen(*argv)
    try:
        out, err = proc.communicate(timeout=CLI_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return proc.returncode, out.decode(), err.decode()


class Output:
    """A subprocess's stdout, read against deadlines."""

    def __init__(self, proc):
        self.proc = proc
        self.raw = bytearray()

    @property
    def text(self) -> str:
        return self.raw.decode()

    def wait_for(self, needle: str, timeout: float = 5.0,
                 count: int = 1) -> None:
        """Until needle occurs count times in the output."""
        wanted = needle.encode()
        read_until(self.proc.stdout.fileno(), self.raw,
                   lambda raw: raw.count(wanted) >= count, Deadline(timeout),
                   AssertionError,
                   quiet=lambda raw: f"no {needle!r} within {timeout} s; "
                                     f"output so far: {raw.decode()!r}",
                   closed=lambda raw: f"output ended before {needle!r}: "
                                      f"{raw.decode()!r}")

    def finish(self, timeout: float = 5.0) -> int:
        try:
            rest, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            raise
        self.raw += rest
        return self.proc.returncode


def summary_fields(out: str) -> dict:
    fields = {}
    for line in out.splitlines():
        if line.startswith("  "):
            key, _, value = line.strip().partition(" ")
            fields[key] = value.strip()
    return fields


def csv_rows(path: Path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def expected_rows(samples):
    return [[str(ts), local_datetime(ts).strftime("%Y-%m-%dT%H:%M"),
             *(str(b) for b in data)] for ts, data in samples]


# ---------------------------------------------------------------- sync

def test_sync_summary_csv_and_incremental_state(start, ctl, tmp_path):
    band = start()
    ctl.advance_clock(DAY + HOUR)
    truth = ctl.get_samples(0, FOREVER)
    assert len(truth) == 1500
    state, out_csv = tmp_path / "state.json", tmp_path / "samples.csv"

    code, out, err = run_cli("sync", *target(band),
                             "--state", state, "--out", out_csv)
    assert code == 0, err
    fields = summary_fields(out)
    assert fields["samples"] == "1500"
    assert fields["steps"] == str(sum(data[2] for _, data in truth))
    assert fields["days"] == "2 (2024-05-20 .. 2024-05-21)"
    assert fields["first"] == "2024-05-20 10:30"
    assert fields["last"] == "2024-05-21 11:29"
    # Not a terminal: plain progress lines, the last at 100 %.
    assert "sync: 1500/1500 samples (100 %)" in err.splitlines()
    assert "\r" not in err
    rows = csv_rows(out_csv)
    assert rows[0] == csv_rows(ACTIVITY_FIXTURE)[0]
    assert rows[1:] == expected_rows(truth)
    saved = json.loads(state.read_text())
    assert saved["cursor"] == truth[-1][0] + MINUTE
    assert ctl.acked_until() == truth[-1][0]

    # The next sync starts at the saved cursor: only the new half hour.
    ctl.advance_clock(HOUR / 2)
    code, out, err = run_cli("sync", *target(band),
                             "--state", state, "--out", out_csv)
    assert code == 0, err
    truth = ctl.get_samples(0, FOREVER)
    fields = summary_fields(out)
    assert fields["samples"] == "30"
    assert fields["first"] == "2024-05-21 11:30"
    assert csv_rows(out_csv)[1:] == expected_rows(truth)
    assert json.loads(state.read_text())["samples"] == 1530


def test_sync_plot_draws_every_minute(start, ctl, tmp_path):
    """--plot: an SVG (XML) with a point a minute for the steps, one a
    measured minute for the heart rate, and the night's sleep."""
    import xml.etree.ElementTree as ET
    svg_ns = "{http://www.w3.org/2000/svg}"
    band = start()
    ctl.advance_clock(DAY)
    truth = ctl.get_samples(0, FOREVER)
    plot = tmp_path / "day.svg"
    code, out, err = run_cli("sync", *target(band), "--plot", plot)
    assert code == 0, err
    assert summary_fields(out)["plot"] == str(plot)
    root = ET.fromstring(plot.read_text())
    lines = {line.get("data-series"): line.get("points").split()
             for line in root.iter(f"{svg_ns}polyline")}
    assert len(lines["steps per minute"]) == len(truth) == 1440
    measured = sum(1 for _, d in truth if d[3] not in (0, 0xFF))
    assert len(lines.get("heart rate", [])) == measured
    kinds = {r.get("data-kind") for r in root.iter(f"{svg_ns}rect")}
    assert {"light-sleep", "deep-sleep", "activity"} <= kinds


def test_sync_plot_in_a_missing_directory(start, ctl, tmp_path, capsys):
    band = start()
    ctl.advance_clock(HOUR)
    code, _, err = run_main(capsys, "sync", *target(band), "--plot",
                            tmp_path / "no" / "day.svg")
    assert code == 1
    assert f"--plot {tmp_path / 'no' / 'day.svg'}: No such file" in err


def test_sync_since_without_ack(start, ctl, capsys):
    band = start()
    ctl.advance_clock(2 * HOUR)
    code, out, err = run_main(capsys, "sync", *target(band), "--since",
                              "2024-05-20T11:00", "--no-ack")
    assert code == 0, err
    assert summary_fields(out)["samples"] == "90"
    assert "left on the band" in out
    assert ctl.acked_until() == 0 and ctl.stored_samples() == 120


def test_sync_with_nothing_new(start, capsys):
    band = start()
    code, out, err = run_main(capsys, "sync", *target(band))
    assert code == 0, err
    assert out.startswith("Nothing new")


# ---------------------------------------------------------------- pair

def test_pair_waits_for_the_tap(start, ctl):
    band = start(auth_key=None)
    proc = popen("pair", *target(band), merge=True)
    output = Output(proc)
    output.wait_for("Tap the band to confirm")
    ctl.press_button()
    assert output.finish() == 0, output.text
    assert f"Bound: the band keeps key {key_id(TEST_KEY)}" in output.text
    assert "Authenticated" in output.text
    assert band.stored_key() == TEST_KEY
    assert ctl.get("KeyId") == key_id(TEST_KEY)


def test_pair_with_the_bound_key_needs_no_tap(start, capsys):
    band = start()
    code, out, err = run_main(capsys, "pair", *target(band))
    assert code == 0, err
    assert "already bound" in out and "Tap" not in out


def test_pair_refused_by_a_band_bound_to_another_key(start, capsys):
    band = start()
    code, out, err = run_main(capsys, "pair", *target(band, OTHER_KEY.hex()))
    assert code == 1
    assert "binding refused (Huami status 0x04 to 01)" in err
    assert "reset the band" in err          # what to do about it
    assert band.stored_key() == TEST_KEY


def test_pair_without_a_tap_times_out(start, ctl, capsys):
    band = start(auth_key=None)
    code, out, err = run_main(capsys, "pair", *target(band), "--wait", "0.4")
    assert code == 1
    assert "Tap the band to confirm" in out
    assert "no tap within 0.4 s" in err
    band.wait_status("DISCONNECTED=1")
    assert ctl.get("Bound") is False and ctl.get("Prompt") == ""


# ---------------------------------------------------------------- scan

def test_scan_reads_name_address_and_revision(start, capsys):
    band = start()
    code, out, err = run_main(capsys, "scan", *target(band, None))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Mi Smart Band 4"
    assert f"  address   {band.identity()['address']} (from System ID)" \
        in lines
    assert "  software  V1.0.9.70" in lines


class Adv:
    def __init__(self, name, rssi, service_data, manufacturer_data):
        self.local_name = name
        self.rssi = rssi
        self.service_data = service_data
        self.manufacturer_data = manufacturer_data


def test_bluez_scan_lists_bands_from_advertising(capsys):
    seen = {}

    async def discover(timeout, return_adv, **kwargs):
        seen.update(timeout=timeout, return_adv=return_adv, **kwargs)
        fee0 = "0000fee0-0000-1000-8000-00805f9b34fb"
        hr = bytes.fromhex("02 00 00 48") + bytes(20)
        none = bytes.fromhex("02 00 00 ff") + bytes(20)
        return {
            "E1:00:00:00:00:01": (None, Adv("Mi Smart Band 4", -70,
                                            {fee0: (4321).to_bytes(4,
                                                                   "little")},
                                            {0x0157: none})),
            "E1:00:00:00:00:02": (None, Adv("Mi Smart Band 4", -40,
                                            {fee0: (12).to_bytes(4,
                                                                 "little")},
                                            {0x0157: hr})),
            "00:11:22:33:44:55": (None, Adv("Speaker", -30, {}, {})),
        }

    args = build_parser().parse_args(["scan", "--adapter", "hci1",
                                      "--duration", "0.2"])
    assert scan_command.scan_bluez(args, discover) == 0
    out = capsys.readouterr().out.splitlines()
    assert seen == {"timeout": 0.2, "return_adv": True, "adapter": "hci1"}
    assert out[1].split() == ["E1:00:00:00:00:02", "-40", "12", "72", "Mi",
                              "Smart", "Band", "4"]
    assert out[2].split()[:4] == ["E1:00:00:00:00:01", "-70", "4321", "-"]
    assert len(out) == 3

    async def nothing(timeout, return_adv, **kwargs):
        return {}
    with pytest.raises(CommandError, match="no Mi Smart Band 4 heard"):
        scan_command.scan_bluez(args, nothing)


# -------------------------------------------------------------- update

def test_update_resources_then_firmware(start, ctl, capsys):
    band = start()
    code, out, err = run_main(capsys, "update", FIRMWARE / "mb4-res-v80.res",
                              *target(band))
    assert code == 0, err
    assert "resources v80" in out and "update: 32768/32768 bytes (100 %)" \
        in err
    assert ctl.firmware()["resources"] == "v80"

    code, out, err = run_main(capsys, "update",
                              FIRMWARE / "mb4-fw-1.0.9.99.fw", *target(band))
    assert code == 0, err
    assert "the band reboots into firmware V1.0.9.99" in out
    ctl.advance_clock(10.5)
    ctl.wait_event("firmware-installed", version="V1.0.9.99")


def test_update_refuses_what_it_does_not_recognise(start, capsys):
    band = start()
    code, _, err = run_main(capsys, "update",
                            FIRMWARE / "corrupt-no-name.fw", *target(band))
    assert code == 1 and "not a Mi Band 4 firmware" in err
    code, _, err = run_main(capsys, "update", FIRMWARE / "mb4-res-v80.res",
                            *target(band), "--type", "firmware")
    assert code == 1 and "looks like resources, not firmware" in err


# --------------------------------------------------------------- watch

def test_watch_prints_events_steps_and_battery(start, ctl):
    band = start()
    proc = popen("watch", *target(band), "--duration", "20", merge=True)
    output = Output(proc)
    output.wait_for("watching")
    assert "battery  81 %, not charging" in output.text
    ctl.press_button()
    output.wait_for("event    button pressed (04)")
    # The band notifies the day's steps once a band minute.
    steps_lines = output.text.count("steps    ")
    ctl.advance_clock(MINUTE)
    output.wait_for("steps    ", count=steps_lines + 1)
    proc.send_signal(signal.SIGINT)
    assert output.finish() == 0, output.text
    assert "stopped" in output.text


def test_watch_shows_music_and_the_screen(start, ctl, bus):
    """With --band-control, watch also prints what the band shows; the
    music screen's buttons are decoded."""
    band = start()
    proc = popen("watch", *target(band), "--band-control", bus,
                 "--duration", "20", merge=True)
    output = Output(proc)
    output.wait_for("watching")
    assert "screen   off" in output.text
    ctl.music_control("open")
    output.wait_for("event    music control: open (fe e0)")
    output.wait_for("screen   music")
    ctl.set_battery(10)
    output.wait_for("screen   low-battery level=10")
    proc.send_signal(signal.SIGINT)
    assert output.finish() == 0, output.text


def test_watch_stops_on_sigint_though_started_ignoring_it(start):
    """Python leaves an inherited SIGINT ignore in place; watch, stopped
    by Ctrl-C, takes SIGINT back, or a script's `watch ... &` could only
    be killed.  Exit 0 well before --duration is the stop."""
    band = start()
    proc = popen("watch", *target(band), "--auth-key", KEY, "--duration",
                 "20", merge=True, sigint_ignored=True)
    output = Output(proc)
    output.wait_for("watching")
    proc.send_signal(signal.SIGINT)
    assert output.finish() == 0, output.text


# -------------------------------------------------------------- errors

def test_no_band(tmp_path, capsys):
    code, _, err = run_main(capsys, "sync", "--socket", tmp_path / "x.sock",
                            "--auth-key", KEY)
    assert code == 1 and err.startswith("bandsim: no band at ")


def test_refused_auth_names_the_huami_status(start, capsys):
    band = start()
    code, _, err = run_main(capsys, "sync", *target(band, OTHER_KEY.hex()))
    assert code == 1
    assert "auth refused: wrong key (Huami status 0x04 to 03)" in err
    assert "give --auth-key the key it was paired with" in err


def test_an_unpaired_band_says_pair_first(start, capsys):
    band = start(auth_key=None)
    code, _, err = run_main(capsys, "watch", *target(band))
    assert code == 1
    assert "the band has no key (Huami status 0x04 to 02)" in err
    assert "run `pair` first" in err


def test_a_silent_band_times_out(tmp_path, capsys):
    path = tmp_path / "silent.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server.bind(str(path))
    server.listen(1)        # connects, never answers
    try:
        deadline = Deadline(2.0)
        code, _, err = run_main(capsys, "scan", "--socket", path,
                                "--timeout", "0.2")
        assert not deadline.expired
    finally:
        server.close()
    assert code == 1 and err.startswith("bandsim: timed out:")


def test_usage_errors_exit_2(capsys):
    code, _, err = run_main(capsys, "sync", "--auth-key", KEY)
    assert code == 2 and "--socket PATH" in err
    with pytest.raises(SystemExit) as info:
        main(["sync", "--socket", "x", "--auth-key", "00"])
    assert info.value.code == 2


def test_discover_as_ci_demo_runs_it(start, capsys):
    band = start()
    code, out, err = run_main(capsys, "discover", *target(band))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:3] == [f"connected to {band.socket_path}, ATT_MTU 247",
                         "authenticated (Huami auth, variant A)",
                         "0x0001 service 1800"]
    assert "      'Mi Smart Band 4'" in lines


# ------------------------------------------------------------ progress

class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal():
    term = Terminal()
    bar = Progress("sync", "samples", stream=term, width=10)
    for done in (0, 30, 60, 60, 120):
        bar.update(done, 120)
    bar.finish()
    frames = term.getvalue().split("\r")[1:]
    assert frames[0].startswith("sync [..........]   0 % 0/120")
    assert frames[-1] == "sync [##########] 100 % 120/120 samples\n"
    assert len(frames) == 4                  # an unchanged frame is skipped


def test_progress_lines_elsewhere():
    log = io.StringIO()
    bar = Progress("update", "bytes", stream=log)
    for done in range(0, 1001, 50):
        bar.update(done, 1000)
    bar.finish()
    assert [line.rsplit("(", 1)[1] for line in
            log.getvalue().splitlines()] == ["25 %)", "50 %)", "75 %)",
                                             "100 %)"]


def test_sync_workouts_csv_and_gpx(start, ctl, tmp_path):
    """sync fetches the workouts after the samples: printed, a line each
    in OUT-workouts.csv, and a GPX for the one with the phone's
    positions (each trkpt at its second, with its heart rate)."""
    from bandsim.clients.auth import HuamiClient
    from bandsim.clients.sport import SportClient
    import xml.etree.ElementTree as ET

    band = start()
    ctl.start_workout("treadmill")
    ctl.advance_clock(5 * MINUTE)
    ctl.stop_workout()
    ctl.start_workout("outdoor-run")
    att = band.connect()
    att.exchange_mtu(247)
    huami = HuamiClient(att)
    huami.enable_notifications()
    huami.authenticate(TEST_KEY)
    sport = SportClient(att)
    for i in range(3):
        ctl.advance_clock(1)
        sport.send_gps(13.4 + i * 0.001, 52.5 + i * 0.001)
        sport.settle()
    att.close()
    ctl.advance_clock(60)
    ctl.stop_workout()
    truth = ctl.workouts()
    out_csv = tmp_path / "day.csv"
    code, out, err = run_cli("sync", *target(band), "--out", out_csv)
    assert code == 0, err
    assert "Workouts: 2" in out.splitlines()
    rows = csv_rows(tmp_path / "day-workouts.csv")
    assert rows[0][:4] == ["start_utc", "end_utc", "kind", "seconds"]
    assert [(r[2], r[3], r[8]) for r in rows[1:]] == \
        [("treadmill", "300", "0"), ("outdoor-run", "63", "3")]
    gpx = list(tmp_path.glob("day-*.gpx"))
    assert len(gpx) == 1
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    points = ET.parse(gpx[0]).getroot().findall(".//g:trkpt", ns)
    assert [(float(p.get("lat")), float(p.get("lon"))) for p in points] == \
        [(52.5, 13.4), (52.501, 13.401), (52.502, 13.402)]
    start_s = int(truth[1]["start"])
    assert [p.find("g:time", ns).text for p in points] == [
        datetime.datetime.fromtimestamp(start_s + i, datetime.timezone.utc)
        .strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(3)]
    assert all(p.find(".//{*}hr") is not None for p in points)
    assert ctl.workouts() == []
