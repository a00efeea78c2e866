"""The report as pages a person reads: DIR/index.html and a page per
scenario, from the JSON files ``--bandsim-report DIR`` leaves
(bandsim.tools.report).

    python3 -m bandsim.tools.htmlreport DIR      # (re)build the pages

The pytest session writes them itself when it ends (conformance/
conftest.py).  Every page is static and whole: inline CSS, inline SVG,
no script, nothing fetched, so it opens from a CI artifact or a mail.

index.html is a table of the scenarios, the ones that did not pass
first: ID, title, outcome, time.  A scenario's page (the JSON file's
name with .html) has its outcome and reason, then

- plots: the sync's progress (activity samples the band sent, from its
  capture, over band time: bandsim's captures are stamped with band
  time) and the battery (the level the app read from the capture over
  band time, and the control plane's battery-changed events over the
  band time each carries);
- the timeline: the control plane's events, property changes, the
  links the suite opened and the operations that overran their
  deadlines, in the test's time (seconds from its start), faults,
  disconnects and screen changes marked;
- the PDUs of every capture, decoded as the transcript tool decodes
  them (bandsim.tools.transcript: the characteristic by name, the
  value's fields), with a few values spelled out (battery, activity
  data, steps, Huami replies), in band time.

day_plot() draws a synced day (steps, heart rate, the kind of every
minute) for ``bandsim sync --plot FILE.svg``.
"""

import argparse
import datetime
import html
import json
import math
import os
import sys
from pathlib import Path
from typing import List, NamedTuple, Optional, Sequence, Tuple

from ..protocol.values import (NO_HEART_RATE, SAMPLE_KINDS, ValueFormatError,
                               decode_battery, decode_steps, local_datetime)
from . import report, transcript

INDEX = "index.html"
PAGE_SUFFIX = ".html"
# Shown first: what a reader opens the report for.
OUTCOME_ORDER = ("failed", "error", "skipped", "passed")
# A page stays readable (and Chromium quick) with a year of band life.
MAX_TIMELINE_ROWS = 20000
MAX_PDU_ROWS = 5000
# Band time that moved less than this during a sync stood still (a
# frozen clock: the capture spaces packets 1 µs apart): the plot is
# then over the packets' order.
STILL_US = 1_000_000
FETCH_SAMPLE_SIZE = 4

# What the timeline marks an event as: one row each, by name.
EVENT_KINDS = {
    "fault-fired": "fault",
    "mutated": "fault",
    "disconnected": "disconnect",
    "low-battery-drop": "disconnect",
    "power-off": "disconnect",
    "reboot": "disconnect",
    "reset": "disconnect",
    "screen-changed": "screen",
    "connected": "link",
}
ROW_KINDS = ("event", "fault", "disconnect", "screen", "link", "property",
             "late")

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d1d1f;
background:#fff}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 .4em}
table{border-collapse:collapse;margin:.3em 0}
th,td{border:1px solid #d0d0d7;padding:.2em .5em;text-align:left;
vertical-align:top}
th{background:#eef0f4}td.num{text-align:right;font-variant-numeric:
tabular-nums}
code,pre,td.mono{font-family:ui-monospace,monospace;font-size:12.5px}
pre.reason{background:#fff2f2;border:1px solid #e0a0a0;padding:.6em;
white-space:pre-wrap;max-height:30em;overflow:auto}
.badge{display:inline-block;padding:.1em .6em;border-radius:.8em;
font-weight:600;color:#fff}
.passed .badge,.badge.passed{background:#2e7d32}
.failed .badge,.badge.failed{background:#c62828}
.error .badge,.badge.error{background:#ad1457}
.skipped .badge,.badge.skipped{background:#757575}
tr.failed td,tr.error td{background:#fff0f0}
tr.k-fault td{background:#fff3cd}tr.k-disconnect td{background:#fde2e2}
tr.k-screen td{background:#e8f0fe}tr.k-link td{background:#e6f4ea}
tr.k-property td{color:#555}tr.k-late td{background:#fbd5d5}
.kind{font-weight:600}.note{color:#555}
.counts span{margin-right:1.2em}
svg{background:#fafbfc;border:1px solid #d0d0d7;margin:.3em 1em .3em 0}
svg text{font:11px system-ui,sans-serif;fill:#333}
svg .axis{stroke:#555;stroke-width:1}svg .grid{stroke:#e2e4e8}
svg .s0{stroke:#1565c0}svg .s1{stroke:#c62828}svg .s2{stroke:#2e7d32}
svg polyline{fill:none;stroke-width:1.6}
"""
# The plots' own colours, inside each SVG too: a plot saved on its own
# (sync --plot) has no page around it.
SERIES_COLOURS = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a")
KIND_COLOURS = {
    "sedentary": "#cfd8dc", "activity": "#66bb6a", "running": "#2e7d32",
    "not-worn": "#ffffff", "charging": "#ffca28", "light-sleep": "#90caf9",
    "deep-sleep": "#1565c0",
}
OTHER_KIND_COLOUR = "#bdbdbd"


class ReportError(ValueError):
    """A report directory that cannot be rendered; the message names
    it and what to do."""


# ---------------------------------------------------------------- SVG

class Series(NamedTuple):
    label: str
    points: Sequence[Tuple[float, float]]


def _nice_ticks(lo: float, hi: float, count: int = 5) -> List[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    ticks, t = [], first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _num(value: float) -> str:
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.3g}"


def _range(values, fixed=None) -> Tuple[float, float]:
    if fixed is not None:
        return fixed
    lo, hi = min(values), max(values)
    if lo == hi:
        return lo - 1, hi + 1
    return lo, hi


def line_plot(series: Sequence[Series], *, title: str, x_label: str,
              y_label: str, width: int = 720, height: int = 240,
              y_range: Tuple[float, float] = None,
              x_range: Tuple[float, float] = None, x_ticks=None,
              x_format=_num) -> str:
    """An SVG line plot: one polyline per series with as many points as
    it has (a series with none draws nothing); axes with ticks."""
    left, right, top, bottom = 56, 16, 26, 42
    drawn = [s for s in series if s.points]
    xs = [x for s in drawn for x, _ in s.points] or [0.0]
    ys = [y for s in drawn for _, y in s.points] or [0.0]
    x0, x1 = _range(xs, x_range)
    y0, y1 = _range(ys, y_range)
    pw, ph = width - left - right, height - top - bottom

    def sx(x):
        return left + (x - x0) / (x1 - x0) * pw

    def sy(y):
        return top + ph - (y - y0) / (y1 - y0) * ph

    out = [_svg_open(width, height, title)]
    out.append(f'<text x="{left}" y="16" font-weight="600">'
               f'{_e(title)}</text>')
    for t in _nice_ticks(y0, y1):
        y = sy(t)
        out.append(f'<line class="grid" stroke="#e2e4e8" x1="{left}" '
                   f'x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" '
                   f'text-anchor="end">{_e(_num(t))}</text>')
    for t in (x_ticks if x_ticks is not None else _nice_ticks(x0, x1)):
        x = sx(t)
        out.append(f'<line class="axis" stroke="#555" x1="{x:.1f}" '
                   f'x2="{x:.1f}" y1="{top + ph}" y2="{top + ph + 4}"/>')
        out.append(f'<text x="{x:.1f}" y="{top + ph + 16}" '
                   f'text-anchor="middle">{_e(x_format(t))}</text>')
    out.append(f'<line class="axis" stroke="#555" x1="{left}" x2="{left}" '
               f'y1="{top}" y2="{top + ph}"/>')
    out.append(f'<line class="axis" stroke="#555" x1="{left}" '
               f'x2="{left + pw}" y1="{top + ph}" y2="{top + ph}"/>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{height - 6}" '
               f'text-anchor="middle">{_e(x_label)}</text>')
    out.append(f'<text transform="translate(14 {top + ph / 2:.1f}) '
               f'rotate(-90)" text-anchor="middle">{_e(y_label)}</text>')
    for i, s in enumerate(series):
        if not s.points:
            continue
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        pts = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in s.points)
        out.append(f'<polyline class="s{i % 3}" stroke="{colour}" '
                   f'fill="none" data-series="{_e(s.label)}" '
                   f'points="{pts}"><title>{_e(s.label)}</title>'
                   f'</polyline>')
        if len(s.points) <= 60:
            for x, y in s.points:
                out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" '
                           f'r="2.2" fill="{colour}"/>')
    if len(drawn) > 1:
        for i, s in enumerate(series):
            colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
            x = left + 8 + i * 180
            out.append(f'<text x="{x}" y="{top + 12}" fill="{colour}">'
                       f'&#9632; {_e(s.label)}</text>')
    out.append("</svg>")
    return "".join(out)


def _svg_open(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'font-family="sans-serif" font-size="11" '
            f'aria-label="{_e(title)}">')


def _hr(value: int) -> Optional[int]:
    return None if value in (0, NO_HEART_RATE) else value


def day_plot(samples, title: str = "Synced day", width: int = 960) -> str:
    """An SVG of synced minutes (Sample(ts, data) or (ts, 4 bytes)):
    steps per minute, heart rate (minutes with a reading), and a strip
    with the kind of every minute (sleep, activity, not worn, ...)."""
    minutes = sorted((int(ts), bytes(data)) for ts, data in samples)
    if not minutes:
        raise ValueError("no samples to plot")
    t0 = minutes[0][0]
    steps = [((ts - t0) / 60, d[2]) for ts, d in minutes]
    hr = [((ts - t0) / 60, _hr(d[3])) for ts, d in minutes]
    hr = [(x, y) for x, y in hr if y is not None]
    span = max(steps[-1][0], 1)
    start = local_datetime(t0)

    def clock(x):
        return (start + datetime.timedelta(minutes=x)).strftime("%H:%M")

    # Ticks on whole hours, about six of them.
    every = next(h for h in (1, 2, 3, 4, 6, 12, 24, 48, 168)
                 if h * 60 * 6 >= span)
    offset = (-(start.minute + 60 * start.hour) % (every * 60))
    ticks = [x for x in range(offset, int(span) + 1, every * 60)]
    axis = dict(x_range=(0, span), x_ticks=ticks, x_format=clock)
    first = local_datetime(t0).strftime("%Y-%m-%d %H:%M")
    last = local_datetime(minutes[-1][0]).strftime("%Y-%m-%d %H:%M")
    label = f"band local time, {first} .. {last}"
    panels = [
        line_plot([Series("steps per minute", steps)],
                  title=f"{title}: steps per minute "
                        f"({sum(d[2] for _, d in minutes)} steps)",
                  x_label=label, y_label="steps", width=width,
                  height=200, **axis),
        line_plot([Series("heart rate", hr)],
                  title=f"heart rate ({len(hr)} of {len(minutes)} minutes "
                        f"measured)",
                  x_label=label, y_label="bpm", width=width, height=200,
                  **axis,
                  y_range=(30, 200) if not hr else None),
    ]
    # The kinds strip: one rect per run of minutes of the same kind.
    strip_h, left, pw = 70, 56, width - 56 - 16
    parts = ['<g transform="translate(0 400)">',
             f'<text x="{left}" y="16" font-weight="600">what the band '
             f'logged (kind of each minute)</text>']
    runs = []
    for ts, d in minutes:
        kind = SAMPLE_KINDS.get(d[0], f"0x{d[0]:02x}")
        x = (ts - t0) / 60
        if runs and runs[-1][0] == kind:
            runs[-1][2] = x + 1
        else:
            runs.append([kind, x, x + 1])
    total = span + 1
    for kind, a, b in runs:
        colour = KIND_COLOURS.get(kind, OTHER_KIND_COLOUR)
        parts.append(f'<rect class="kind" data-kind="{_e(kind)}" '
                     f'x="{left + a / total * pw:.1f}" y="24" '
                     f'width="{max((b - a) / total * pw, 0.5):.1f}" '
                     f'height="22" fill="{colour}" stroke="none">'
                     f'<title>{_e(kind)} from {clock(a)} to {clock(b)}'
                     f'</title></rect>')
    parts.append(f'<rect x="{left}" y="24" width="{pw}" height="22" '
                 f'fill="none" stroke="#555"/>')
    used = sorted({kind for kind, _, _ in runs})
    for i, kind in enumerate(used):
        x = left + i * 120
        colour = KIND_COLOURS.get(kind, OTHER_KIND_COLOUR)
        parts.append(f'<rect x="{x}" y="54" width="10" height="10" '
                     f'fill="{colour}" stroke="#555"/>'
                     f'<text x="{x + 14}" y="63">{_e(kind)}</text>')
    parts.append("</g>")
    height = 400 + strip_h
    body = "".join(_inner(p, 0 if i == 0 else 200 * i)
                   for i, p in enumerate(panels))
    return (_svg_open(width, height, title) + body + "".join(parts)
            + "</svg>")


def _inner(svg: str, dy: int) -> str:
    """A plot's SVG as a group shifted down by dy."""
    inner = svg[svg.index(">") + 1:-len("</svg>")]
    return f'<g transform="translate(0 {dy})">{inner}</g>'


# -------------------------------------------------------------- pages

def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head>"
            f"<body>{body}</body></html>\n")


def _secs(value) -> str:
    return "" if value is None else f"{value:.3f}"


def page_name(json_name: str) -> str:
    return json_name[:-len(".json")] + PAGE_SUFFIX


def load_records(directory) -> List[Tuple[str, dict]]:
    """(file name, record) of every scenario JSON in DIR, by name; a
    file that is not a record is left out (ReportError when DIR is not
    a directory)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ReportError(f"{directory}: not a directory: give the DIR "
                          f"that --bandsim-report wrote")
    found = []
    for path in sorted(directory.glob("*.json")):
        if path.name.endswith(report.TRANSCRIPT_SUFFIX):
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("schema") == report.SCHEMA:
            found.append((path.name, record))
    return found


def _sort_key(item):
    _, record = item
    outcome = record.get("outcome")
    rank = OUTCOME_ORDER.index(outcome) if outcome in OUTCOME_ORDER \
        else len(OUTCOME_ORDER)
    return rank, record.get("id", ""), record.get("param") or ""


def render_index(records: List[Tuple[str, dict]]) -> str:
    counts = {o: 0 for o in OUTCOME_ORDER}
    for _, r in records:
        counts[r.get("outcome")] = counts.get(r.get("outcome"), 0) + 1
    rows = []
    for name, r in sorted(records, key=_sort_key):
        outcome = r.get("outcome", "?")
        shown = r["id"] + (f" [{r['param']}]" if r.get("param") else "")
        reason = (r.get("reason") or "").splitlines()
        rows.append(
            f'<tr class="scenario {_e(outcome)}">'
            f'<td><a href="{_e(page_name(name))}">{_e(shown)}</a></td>'
            f'<td>{_e(r.get("title", ""))}</td>'
            f'<td class="outcome"><span class="badge">{_e(outcome)}</span>'
            f'</td><td class="num">{_secs(r.get("duration"))}</td>'
            f'<td class="mono">{_e(r.get("test", ""))}</td>'
            f'<td>{_e(reason[0][:160] if reason else "")}</td></tr>')
    summary = "".join(f'<span class="{o}"><span class="badge">{n} {o}'
                      f'</span></span>' for o, n in counts.items() if n)
    body = (f"<h1>bandsim conformance report</h1>"
            f'<p class="counts">{summary}</p>'
            f'<p class="note">{len(records)} scenarios; the ones that did '
            f"not pass first.</p>"
            "<table id=\"scenarios\"><thead><tr><th>ID</th><th>scenario</th>"
            "<th>outcome</th><th>time (s)</th><th>test</th><th>reason</th>"
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    return _page("bandsim report", body)


# ------------------------------------------------------------ timeline

class Row(NamedTuple):
    t: Optional[float]
    order: int
    kind: str
    source: str
    what: str
    details: str


def _details(details) -> str:
    if isinstance(details, dict):
        return ", ".join(f"{k}={_value(v)}" for k, v in details.items())
    return _value(details)


def _value(value) -> str:
    if isinstance(value, dict):
        return "{" + _details(value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


def timeline_rows(record: dict) -> List[Row]:
    """The rows of a scenario's timeline: every event, property change,
    link and late operation of the record, in the test's time."""
    rows = []
    for e in record.get("timeline", []):
        rows.append(Row(e.get("t"), e.get("seq", 0),
                        EVENT_KINDS.get(e.get("name"), "event"),
                        e.get("source", ""), e.get("name", ""),
                        _details(e.get("details", {}))))
    for c in record.get("property_changes", []):
        rows.append(Row(c.get("t"), c.get("seq", 0), "property",
                        c.get("source", ""), c.get("property", ""),
                        _value(c.get("value"))))
    for link in record.get("pdus", {}).get("links", []):
        counts = ", ".join(f"{k} {n}" for k, n in link.get("sent", {})
                           .items())
        rows.append(Row(link.get("t"), 0, "link", "suite",
                        f"{link.get('link')} opened",
                        f"sent: {counts}" if counts else ""))
    for op in record.get("liveness", {}).get("late", []):
        rows.append(Row(op.get("t"), 0, "late", "suite",
                        f"{op.get('name')} overran its deadline",
                        f"took {op.get('duration', 0):.3f} s of "
                        f"{op.get('budget', 0):.3f} s, {op.get('outcome')}"
                        f" {op.get('error') or ''}".strip()))
    rows.sort(key=lambda r: (r.t if r.t is not None else -1.0,
                             0 if r.kind != "property" else 1, r.order))
    return rows


def _timeline_html(record: dict) -> str:
    rows = timeline_rows(record)
    counts = {k: sum(1 for r in rows if r.kind == k) for k in ROW_KINDS}
    shown = rows[:MAX_TIMELINE_ROWS]
    out = [f'<p class="counts">{len(rows)} rows: ' + "".join(
        f'<span>{n} {k}</span>' for k, n in counts.items() if n) + "</p>"]
    if len(rows) > len(shown):
        out.append(f'<p class="note">the first {len(shown)} shown</p>')
    out.append('<table id="timeline"><thead><tr><th>t (s)</th><th>kind</th>'
               '<th>band</th><th>what</th><th>details</th></tr></thead>'
               '<tbody>')
    for r in shown:
        out.append(f'<tr class="tl k-{r.kind}"><td class="num">{_secs(r.t)}'
                   f'</td><td class="kind">{r.kind}</td><td>{_e(r.source)}'
                   f'</td><td>{_e(r.what)}</td><td class="mono">'
                   f'{_e(r.details)}</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


# ---------------------------------------------------------------- PDUs

def _meaning(entry, pdu: Optional[bytes]) -> str:
    """What a PDU's value says, where the suite knows its layout."""
    chr_name = entry.fields.get("chr")
    if pdu is None or chr_name is None or len(pdu) < 3:
        return ""
    value = pdu[3:] if entry.op in ("NOTIFICATION", "INDICATION",
                                    "WRITE_REQ", "WRITE_CMD") else pdu[1:]
    try:
        if chr_name == "battery" and entry.op in ("READ_RSP",
                                                  "NOTIFICATION"):
            return f"battery {decode_battery(value)}"
        if chr_name == "realtime-steps" and entry.op in ("READ_RSP",
                                                         "NOTIFICATION"):
            return str(decode_steps(value))
    except ValueFormatError:
        return ""
    if chr_name == "activity-data" and entry.op == "NOTIFICATION" and value:
        n = (len(value) - 1) // FETCH_SAMPLE_SIZE
        return f"packet {value[0]}: {n} samples"
    if value[:1] == b"\x10" and len(value) >= 3 and \
            entry.op == "NOTIFICATION":
        status = {1: "success"}.get(value[2], f"status {value[2]:#04x}")
        return f"reply to command {value[1]:#04x}: {status}"
    return ""


def _pdu_time(ts: int, t0: int) -> str:
    return f"{(ts - t0) / 1000:.3f}"


def _captures(directory: Path, record: dict):
    """(capture name, transcript or None, [TimedEntry], error or None)."""
    for name in record.get("captures", []):
        path = directory / name
        if not path.exists():
            yield name, None, [], "the capture is not in the directory"
            continue
        try:
            made, entries = transcript.timed_entries(path)
        except transcript.TranscriptError as exc:
            yield name, None, [], str(exc)
            continue
        yield name, made, entries, None


def _pdus_html(name: str, made, entries, error) -> str:
    out = [f'<h3>{_e(name)}</h3>']
    if error:
        return out[0] + f'<p class="note">{_e(error)}</p>'
    if not entries:
        return out[0] + '<p class="note">no links in this capture</p>'
    t0 = entries[0].timestamp_us
    start = datetime.datetime.fromtimestamp(
        t0 / 1e6, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    out.append(f'<p class="note">{len(entries)} entries, band time from '
               f'{start}' + "".join(f"; {_e(n)}" for n in made.notes)
               + "</p>")
    out.append('<table class="pdus"><thead><tr><th>band ms</th><th>link</th>'
               '<th>direction</th><th>PDU</th><th>characteristic</th>'
               '<th>fields</th><th>meaning</th></tr></thead><tbody>')
    for te in entries[:MAX_PDU_ROWS]:
        e = te.entry
        fields = {k: v for k, v in e.fields.items() if k != "chr"}
        kind = "k-disconnect" if e.op == transcript.LINK_DOWN else \
            "k-link" if e.op == transcript.LINK_UP else ""
        out.append(f'<tr class="pdu {kind}"><td class="num">'
                   f'{_pdu_time(te.timestamp_us, t0)}</td><td>{e.link}</td>'
                   f'<td>{_e(e.dir)}</td><td>{_e(e.op)}</td>'
                   f'<td>{_e(e.fields.get("chr", ""))}</td>'
                   f'<td class="mono">{_e(_details(fields))}</td>'
                   f'<td>{_e(_meaning(e, te.pdu))}</td></tr>')
    out.append("</tbody></table>")
    if len(entries) > MAX_PDU_ROWS:
        out.append(f'<p class="note">the first {MAX_PDU_ROWS} of '
                   f'{len(entries)} shown; the transcript has them all</p>')
    return "".join(out)


# --------------------------------------------------------------- plots

def sync_series(entries) -> Tuple[List[Tuple[float, float]], str]:
    """(points, x label) of a capture's sync: activity samples the band
    sent, running total, over band time in seconds from the first
    packet, or over the packets' order when band time stood still."""
    got = [(te.timestamp_us, (len(te.pdu) - 4) // FETCH_SAMPLE_SIZE)
           for te in entries
           if te.entry.op == "NOTIFICATION" and te.pdu is not None
           and te.entry.fields.get("chr") == "activity-data"
           and len(te.pdu) > 4]
    if not got:
        return [], ""
    still = got[-1][0] - got[0][0] < STILL_US
    points, total = [], 0
    for i, (ts, n) in enumerate(got):
        total += n
        x = i + 1 if still else (ts - got[0][0]) / 1e6
        points.append((x, total))
    label = ("activity packets in order (band time stood still)" if still
             else "band time, s from the first activity packet")
    return points, label


def battery_read_series(entries) -> List[Tuple[float, float]]:
    """Battery levels the app read or was notified, over band time (s
    from the capture's start)."""
    if not entries:
        return []
    t0 = entries[0].timestamp_us
    points = []
    for te in entries:
        if te.entry.fields.get("chr") != "battery" or te.pdu is None:
            continue
        if te.entry.op == "READ_RSP":
            value = te.pdu[1:]
        elif te.entry.op == "NOTIFICATION":
            value = te.pdu[3:]
        else:
            continue
        try:
            level = decode_battery(value).level
        except ValueFormatError:
            continue
        points.append(((te.timestamp_us - t0) / 1e6, level))
    return points


def battery_event_series(record: dict) -> Tuple[List[Tuple[float, float]],
                                                str]:
    """The control plane's battery-changed levels and the x axis's
    label: over band time (hours from the first event) when every event
    carries it (``at``), else by the event's place in the timeline (a
    record of a band without it)."""
    events = [e["details"] for e in record.get("timeline", [])
              if e.get("name") == "battery-changed"
              and isinstance(e.get("details", {}).get("level"),
                             (int, float))]
    if events and all(isinstance(d.get("at"), int) for d in events):
        t0 = min(d["at"] for d in events)
        return ([((d["at"] - t0) / 3600, d["level"]) for d in events],
                "band time, h from the first battery-changed event")
    return ([(i + 1, d["level"]) for i, d in enumerate(events)],
            "the bands' events in order (no band time in them)")


def _battery_plot(points, name: str, once: str, title: str,
                  x_label: str) -> str:
    """A battery series as a plot of its levels; one level as a line of
    text (a plot of one point says nothing); none as nothing."""
    if len(points) == 1:
        return f'<p class="note">{once}: {int(points[0][1])} %</p>'
    if not points:
        return ""
    return line_plot([Series(name, points)], title=title, x_label=x_label,
                     y_label="%", y_range=(0, 100))


def _plots_html(record: dict, captures) -> str:
    out = []
    for name, _, entries, _ in captures:
        points, label = sync_series(entries)
        if points:
            out.append(line_plot(
                [Series("samples received", points)],
                title=f"sync progress ({name}): {int(points[-1][1])} "
                      f"samples", x_label=label, y_label="samples"))
        out.append(_battery_plot(
            battery_read_series(entries), "battery read",
            f"the app read the battery once ({_e(name)})",
            f"battery the app read ({name})",
            "band time, s from the capture's start"))
    events, events_label = battery_event_series(record)
    out.append(_battery_plot(
        events, "battery-changed", "one battery-changed event",
        f"battery, {len(events)} battery-changed events"
        + (f" ({int(events[0][1])} % .. {int(events[-1][1])} %)"
           if events else ""), events_label))
    out = [part for part in out if part]
    if not out:
        return '<p class="note">nothing to plot: no sync or battery ' \
               'reading in this scenario</p>'
    return '<div class="plots">' + "".join(out) + "</div>"


def render_scenario(record: dict, directory) -> str:
    directory = Path(directory)
    outcome = record.get("outcome", "?")
    shown = record["id"] + (f" [{record['param']}]" if record.get("param")
                            else "")
    captures = list(_captures(directory, record))
    body = [f'<p><a href="{INDEX}">&larr; all scenarios</a></p>',
            f'<h1 class="{_e(outcome)}">{_e(shown)}: {_e(record.get("title"))}'
            f' <span class="badge" id="outcome">{_e(outcome)}</span></h1>']
    if record.get("reason"):
        body.append(f'<pre class="reason" id="reason">'
                    f'{_e(record["reason"])}</pre>')
    if record.get("description"):
        body.append("".join(f"<p>{_e(p)}</p>" for p in
                            record["description"].split("\n\n")))
    phases = ", ".join(f"{p} {v.get('outcome')} {v.get('duration', 0):.3f} s"
                       for p, v in record.get("phases", {}).items())
    files = [f'<a href="{_e(n)}">{_e(n)}</a>' for n in
             [report.file_name(record["id"], record.get("param"))]
             + record.get("captures", []) + record.get("transcripts", [])]
    logs = [Path(c).with_suffix(".log").name for c in
            record.get("captures", [])]
    files += [f'<a href="{_e(n)}">{_e(n)}</a>' for n in logs
              if (directory / n).exists()]
    meta = [("test", record.get("nodeid")), ("started", record.get("start")),
            ("time", f"{record.get('duration', 0):.3f} s ({phases})"),
            ("target", _details(record.get("target", {}))),
            ("markers", _details(record.get("markers", {})))]
    body.append('<table class="meta">' + "".join(
        f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in meta)
        + f"<tr><th>files</th><td>{' '.join(files)}</td></tr></table>")
    body.append("<h2>Plots</h2>" + _plots_html(record, captures))
    body.append("<h2>Timeline</h2>" + _timeline_html(record))
    body.append("<h2>PDUs</h2>")
    pdus = record.get("pdus", {})
    for key in ("sent", "received"):
        counts = ", ".join(f"{k} {n}" for k, n in pdus.get(key, {}).items())
        body.append(f"<p>the suite {key}: {_e(counts or 'none')}</p>")
    if not captures:
        body.append('<p class="note">no capture: the suite captures the '
                    'emulators it starts</p>')
    for capture in captures:
        body.append(_pdus_html(*capture))
    slow = record.get("operations", {}).get("slowest", [])
    if slow:
        body.append("<h2>Slowest operations</h2><table><tr><th>t (s)</th>"
                    "<th>operation</th><th>took (s)</th><th>budget (s)</th>"
                    "<th>outcome</th></tr>" + "".join(
                        f'<tr><td class="num">{_secs(o.get("t"))}</td>'
                        f'<td>{_e(o.get("name"))}</td><td class="num">'
                        f'{_secs(o.get("duration"))}</td><td class="num">'
                        f'{_secs(o.get("budget"))}</td><td>'
                        f'{_e(o.get("outcome"))} {_e(o.get("error"))}</td>'
                        f"</tr>" for o in slow) + "</table>")
    return _page(f"{shown} {outcome}", "".join(body))


# --------------------------------------------------------------- build

def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def build(directory) -> List[Path]:
    """index.html and every scenario's page in DIR; the paths written,
    the index first."""
    directory = Path(directory)
    records = load_records(directory)
    written = [directory / INDEX]
    _write(written[0], render_index(records))
    for name, record in records:
        path = directory / page_name(name)
        _write(path, render_scenario(record, directory))
        written.append(path)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m bandsim.tools.htmlreport",
        description="Write DIR/index.html and one page per scenario from "
                    "the JSON files of --bandsim-report DIR.",
        epilog="example: python3 -m bandsim.tools.htmlreport report/ && "
               "xdg-open report/index.html")
    parser.add_argument("directory", metavar="DIR", type=Path)
    args = parser.parse_args(argv)
    try:
        written = build(args.directory)
    except (ReportError, OSError) as exc:
        print(f"htmlreport: {exc}", file=sys.stderr)
        return 2
    if len(written) == 1:
        print(f"htmlreport: {args.directory} has no scenario records "
              f"(*.json of --bandsim-report); wrote an empty "
              f"{written[0]}", file=sys.stderr)
    print(f"{written[0]} ({len(written) - 1} scenario pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
