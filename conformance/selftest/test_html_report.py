"""The HTML report (bandsim.tools.htmlreport): its SVG plots as XML,
its pages from records, and what a real browser renders of the report
of a run with a failing fault scenario.

The browser is Debian's chromium, headless: it dumps the DOM it built
(outcome, rows of the timeline) and takes a screenshot whose size and
pixels are checked (a PNG read with zlib, no imaging library).  Without
chromium those tests are skipped and say so; CI installs it.
"""

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

from bandsim.protocol.values import NO_HEART_RATE
from bandsim.tools import htmlreport, report

CONFORMANCE = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
CHROMIUM = shutil.which("chromium")
BROWSER_TIMEOUT = 60
WINDOW = (1200, 900)
pytestmark = pytest.mark.timeout(30)


def polylines(svg: str) -> list:
    """Every polyline of an SVG (parsed as XML: a malformed one fails
    here) as its list of points."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [[tuple(map(float, p.split(","))) for p in
             line.get("points").split()]
            for line in root.iter(f"{SVG}polyline")]


# --------------------------------------------------------------- plots

@pytest.mark.no_emulator
def test_line_plot_has_a_point_for_each_value():
    svg = htmlreport.line_plot(
        [htmlreport.Series("a", [(0, 1), (1, 5), (2, 3)]),
         htmlreport.Series("empty", []),
         htmlreport.Series("b", [(0.5, 2), (1.5, 4)])],
        title="t <&> x", x_label="x", y_label="y", width=400, height=200)
    lines = polylines(svg)
    assert [len(points) for points in lines] == [3, 2]
    xs = [x for points in lines for x, _ in points]
    ys = [y for points in lines for _, y in points]
    assert all(0 <= x <= 400 for x in xs) and all(0 <= y <= 200 for y in ys)
    # The highest value is drawn highest (SVG's y grows downwards).
    assert lines[0][1][1] == min(ys)
    assert "t &lt;&amp;&gt; x" in svg


@pytest.mark.no_emulator
def test_line_plot_of_one_value_and_of_nothing():
    assert [len(p) for p in polylines(htmlreport.line_plot(
        [htmlreport.Series("one", [(3, 3)])], title="", x_label="",
        y_label=""))] == [1]
    assert polylines(htmlreport.line_plot(
        [htmlreport.Series("none", [])], title="", x_label="",
        y_label="")) == []


def minutes(kinds_steps_hr, start=1716200000):
    return [(start + 60 * i, bytes([kind, 10, steps, hr]))
            for i, (kind, steps, hr) in enumerate(kinds_steps_hr)]


@pytest.mark.no_emulator
def test_day_plot_draws_every_minute():
    """Steps: a point a minute; heart rate: a point a measured minute;
    the kinds: one rect per run of minutes of a kind."""
    day = minutes([(0x09, 0, 50)] * 30 + [(0x0B, 0, 48)] * 20
                  + [(0x03, 0, NO_HEART_RATE)] * 10
                  + [(0x01, 90, 110)] * 40)
    svg = htmlreport.day_plot(day, title="a day")
    steps, hr = polylines(svg)
    assert len(steps) == 100 and len(hr) == 90
    root = ET.fromstring(svg)
    kinds = [r.get("data-kind") for r in root.iter(f"{SVG}rect")
             if r.get("data-kind")]
    assert kinds == ["light-sleep", "deep-sleep", "not-worn", "activity"]
    with pytest.raises(ValueError):
        htmlreport.day_plot([])


# --------------------------------------------------------------- pages

def a_record(**changes) -> dict:
    record = {
        "schema": report.SCHEMA, "id": "MB4/DEMO/BI-01", "nodeid": "x",
        "test": "test_x", "param": None, "title": "a <b>title</b>",
        "description": "", "module": "test_x.py", "markers": {},
        "target": {"kind": "emu"}, "outcome": "failed",
        "reason": "assert <script>", "phases": {}, "start": "", "end": "",
        "duration": 0.5,
        "timeline": [
            {"t": 0.1, "source": "io.bandsim", "seq": 1,
             "name": "battery-changed", "details": {"level": 80}},
            {"t": 0.2, "source": "io.bandsim", "seq": 2,
             "name": "fault-fired", "details": {"id": 1}},
            {"t": 0.2, "source": "io.bandsim", "seq": 3,
             "name": "disconnected", "details": {}},
            {"t": 0.3, "source": "io.bandsim", "seq": 4,
             "name": "screen-changed", "details": {"screen": "time"}},
            {"t": 0.3, "source": "io.bandsim", "seq": 5,
             "name": "battery-changed", "details": {"level": 79}}],
        "property_changes": [{"t": 0.3, "source": "io.bandsim", "seq": 5,
                              "property": "Battery", "value": 79}],
        "pdus": {"sent": {}, "received": {},
                 "links": [{"link": "link-1", "t": 0.05, "sent": {},
                            "received": {}}]},
        "operations": {"count": 0, "by_name": {}, "slowest": []},
        "liveness": {"late": [], "busy": []},
        "captures": [], "transcripts": []}
    record.update(changes)
    assert report.check(record) == []
    return record


@pytest.mark.no_emulator
def test_timeline_marks_faults_disconnects_and_screens():
    rows = htmlreport.timeline_rows(a_record())
    assert [(r.kind, r.what) for r in rows] == [
        ("link", "link-1 opened"), ("event", "battery-changed"),
        ("fault", "fault-fired"), ("disconnect", "disconnected"),
        ("screen", "screen-changed"), ("event", "battery-changed"),
        ("property", "Battery")]


@pytest.mark.no_emulator
def test_pages_escape_and_list_failures_first(tmp_path):
    passed = a_record(id="MB4/DEMO/BV-01", outcome="passed", reason=None)
    report.write(tmp_path, passed)
    report.write(tmp_path, a_record())
    (tmp_path / "notes.json").write_text("[1, 2]")      # not a record
    written = htmlreport.build(tmp_path)
    assert [p.name for p in written] == [
        "index.html", "MB4_DEMO_BI-01.html", "MB4_DEMO_BV-01.html"]
    index = written[0].read_text()
    assert index.index("MB4/DEMO/BI-01") < index.index("MB4/DEMO/BV-01")
    page = written[1].read_text()
    assert "<script" not in page and "assert &lt;script&gt;" in page
    assert "a &lt;b&gt;title&lt;/b&gt;" in page
    assert page.count('<tr class="tl ') == 7
    # The battery-changed events make a plot (two points).
    assert '<polyline' in page and "battery-changed events" in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"',
                                      "")


@pytest.mark.no_emulator
def test_battery_events_are_plotted_over_band_time():
    def at(seconds, level):
        return {"t": 0.1, "source": "io.bandsim", "seq": level,
                "name": "battery-changed",
                "details": {"level": level, "charging": 0,
                            "at": 1716200000 + seconds}}

    # Two levels an hour apart, then one 9 hours later: the x values are
    # hours of band time, not the events' places (1, 2, 3).
    record = a_record(timeline=[at(0, 80), at(3600, 79), at(36000, 70)])
    points, label = htmlreport.battery_event_series(record)
    assert points == [(0.0, 80), (1.0, 79), (10.0, 70)]
    assert label.startswith("band time, h")
    # One event without band time: the order, and the axis says so.
    mixed = a_record(timeline=[at(0, 80), dict(at(60, 79), details={
        "level": 79})])
    points, label = htmlreport.battery_event_series(mixed)
    assert points == [(1, 80), (2, 79)] and "in order" in label


@pytest.mark.no_emulator
def test_main_names_a_missing_directory(tmp_path, capsys):
    assert htmlreport.main([str(tmp_path / "nope")]) == 2
    assert f"{tmp_path / 'nope'}: not a directory" in capsys.readouterr().err


# ------------------------------------------------- a run, in a browser

SAMPLE = '''
from bandsim.protocol.profile import DEFAULT_PATH, Profile

BATTERY = Profile.load(DEFAULT_PATH).characteristic("battery")


def test_reads_battery(band, control, authed, band_button):
    """MB4/DEMO/BV-01: the app reads the battery, a day apart

    A scenario that passes.
    """
    first = authed.read(BATTERY.value_handle)
    control.advance_clock(6 * 3600)
    band_button.press()
    later = authed.read(BATTERY.value_handle)
    assert later[1] < first[1]


def test_link_dropped_by_a_fault(band, control, authed):
    """MB4/DEMO/BI-01: the band drops the link the app still reads on

    A scenario that fails: the drops-idle-link preset ends the link.
    """
    authed.read(BATTERY.value_handle)
    control.advance_clock(3 * 3600)
    authed.read(BATTERY.value_handle)
    control.inject_fault("preset=drops-idle-link")
    control.advance_clock(31 * 60)
    control.wait_event("fault-fired")
    authed.read(BATTERY.value_handle)
'''


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory, emulator_binary):
    """A pytest run of SAMPLE with --bandsim-report: (result, DIR)."""
    work = tmp_path_factory.mktemp("html-sample")
    (work / "test_sample.py").write_text(textwrap.dedent(SAMPLE))
    out = work / "report"
    env = dict(os.environ, PYTHONPATH=str(CONFORMANCE),
               BANDSIM=str(emulator_binary))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p",
         "no:cacheprovider", "-q", "-rA", "test_sample.py",
         "--bandsim-report", str(out)],
        cwd=work, env=env, capture_output=True, text=True, timeout=90)
    return result, out


@pytest.mark.timeout(120)
def test_session_writes_the_pages(sample_report):
    result, out = sample_report
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"bandsim report: {out / 'index.html'} (2 scenarios)" in \
        result.stdout, result.stdout
    failing = json.loads((out / "MB4_DEMO_BI-01.json").read_text())
    assert failing["outcome"] == "failed"
    assert "fault-fired" in [e["name"] for e in failing["timeline"]]
    page = (out / "MB4_DEMO_BI-01.html").read_text()
    assert page.count('<tr class="tl k-fault') == 1
    assert page.count('<tr class="tl ') == expected_rows(failing)
    passing = (out / "MB4_DEMO_BV-01.html").read_text()
    assert "battery the app read" in passing
    assert 'class="tl k-screen' in passing


def expected_rows(record: dict) -> int:
    """What the timeline holds, counted from the record itself."""
    return (len(record["timeline"]) + len(record["property_changes"])
            + len(record["pdus"]["links"]) + len(record["liveness"]["late"]))


def chromium(*args, cwd):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium): "
                    "the report is not opened in a browser")
    result = subprocess.run(
        [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
         "--no-first-run", "--disable-extensions",
         f"--user-data-dir={cwd / 'chromium-profile'}", *args],
        cwd=cwd, capture_output=True, timeout=BROWSER_TIMEOUT)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout.decode("utf-8")


@pytest.mark.timeout(BROWSER_TIMEOUT * 3)
def test_chromium_renders_the_index(sample_report):
    _, out = sample_report
    dom = chromium("--dump-dom", (out / "index.html").as_uri(), cwd=out)
    rows = [line for line in dom.split("<tr ") if 'class="scenario' in line]
    assert len(rows) == 2
    assert 'class="scenario failed"' in rows[0] and "MB4/DEMO/BI-01" in \
        rows[0] and ">failed<" in rows[0]
    assert 'class="scenario passed"' in rows[1]


@pytest.mark.timeout(BROWSER_TIMEOUT * 3)
@pytest.mark.takes(2)
def test_chromium_renders_the_failing_scenario(sample_report):
    _, out = sample_report
    record = json.loads((out / "MB4_DEMO_BI-01.json").read_text())
    page = (out / "MB4_DEMO_BI-01.html").as_uri()
    dom = chromium("--dump-dom", page, cwd=out)
    assert '<span class="badge" id="outcome">failed</span>' in dom
    assert dom.count('<tr class="tl ') == expected_rows(record)
    assert dom.count('<tr class="tl k-fault') == 1
    # The battery as the app read it, twice, three hours of band time
    # apart: one plot, two points.
    assert dom.count("<svg") == 1
    assert 'aria-label="battery the app read' in dom
    points = re.findall(r'<polyline [^>]*points="([^"]*)"', dom)
    assert [len(p.split()) for p in points] == [2]
    shot = out / "failing.png"
    chromium(f"--screenshot={shot}",
             f"--window-size={WINDOW[0]},{WINDOW[1]}",
             "--hide-scrollbars", page, cwd=out)
    width, height, pixels = read_png(shot.read_bytes())
    assert (width, height) == WINDOW
    coloured = sum(1 for p in pixels if p[:3] != (255, 255, 255))
    # Text, the red badge, the reason's box and the plots: well past a
    # blank page's nothing, short of a page all ink.
    assert width * height // 50 < coloured < width * height * 9 // 10
    red = sum(1 for p in pixels if p[0] > 150 and p[1] < 80 and p[2] < 80)
    assert red > 100, "no red outcome badge in the screenshot"


def _none(row, prev, bpp):
    return row


def _sub(row, prev, bpp):
    for i in range(bpp, len(row)):
        row[i] = (row[i] + row[i - bpp]) & 0xFF
    return row


def _up(row, prev, bpp):
    return bytearray((x + b) & 0xFF for x, b in zip(row, prev))


def _average(row, prev, bpp):
    for i in range(len(row)):
        a = row[i - bpp] if i >= bpp else 0
        row[i] = (row[i] + (a + prev[i]) // 2) & 0xFF
    return row


def _paeth(row, prev, bpp):
    for i in range(len(row)):
        if i < bpp:
            row[i] = (row[i] + prev[i]) & 0xFF
            continue
        a, b, c = row[i - bpp], prev[i], prev[i - bpp]
        pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
        pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
        row[i] = (row[i] + pred) & 0xFF
    return row


# PNG's five filter types (PNG spec §9.2), a function each: the row
# decoded in place from the one above.
UNFILTER = (_none, _sub, _up, _average, _paeth)


def read_png(data: bytes):
    """(width, height, [pixel tuples]) of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, head = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour, _, _, interlace = head
    assert depth == 8 and colour in (2, 6) and interlace == 0, head
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    pixels, prev = [], bytes(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        row = UNFILTER[line[0]](bytearray(line[1:]), prev, bpp)
        pixels += [tuple(row[x:x + 3]) for x in range(0, stride, bpp)]
        prev = row
    return width, height, pixels
