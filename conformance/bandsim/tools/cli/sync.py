"""``sync --auth-key HEX``: fetch the activity log, as a phone app does.

Fetch rounds (``bandsim.clients.fetch``, docs/sync.md) from a cursor until the
band has nothing more: each round is announced, streamed, kept and then
acknowledged (``03``, the band deletes it) unless --no-ack.  The cursor
is band local time: --since, else the one saved in --state, else 100
days before the band's clock (Gadgetbridge's first sync), so a first
sync gets everything the band holds.

Then the workouts, as Gadgetbridge fetches them (a summary, then its
track, docs/workouts.md), from their own cursor: each is printed, and
with --out FILE they go next to the samples, a line each in
FILE-workouts.csv and, for one with the phone's positions, a GPX track
FILE-<start>.gpx.

--state FILE keeps the cursors (JSON) so the next sync is incremental;
--out FILE appends the samples as CSV with the columns of
fixtures/activity/*.csv.  Whatever fully arrived is kept even when a
later round fails; --plot FILE.svg draws what was synced (steps per
minute, heart rate, the kind of every minute: sleep, activity, not worn)
as a self-contained SVG (bandsim.tools.htmlreport.day_plot).  The
summary: days covered, samples, total steps, first and last sample.
"""

import argparse
import csv
import datetime
import json
import os
from pathlib import Path

from ...clients.fetch import (SYNC_TIMEOUT, FetchClient, SyncState,
                              WorkoutState)
from ...protocol import workouts as W
from ...link.base import AttClientError
from ...protocol.values import ValueFormatError, decode_time, local_datetime
from ..argtypes import add_seconds
from .common import CommandError, Progress, command, note, out, session

CSV_COLUMNS = ("timestamp", "local_time", "kind", "intensity", "steps",
               "heart_rate")
WORKOUT_COLUMNS = ("start_utc", "end_utc", "kind", "seconds", "steps",
                   "distance_m", "calories", "average_bpm", "positions")
FIRST_SYNC_DAYS = 100
FALLBACK_SINCE = datetime.datetime(2000, 1, 1)
STATE_VERSION = 1


def parse_since(text: str) -> datetime.datetime:
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an ISO 8601 time") from exc
    if when.tzinfo is not None:
        # The band keeps local time; a zone would say which one.
        when = when.replace(tzinfo=None)
    return when


def _since_type(text: str) -> datetime.datetime:
    try:
        return parse_since(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_parser(sub) -> None:
    p = command(sub, "sync", "fetch the activity log (one sample a minute) "
                             "and the workouts, and summarise them", run)
    p.add_argument("--since", type=_since_type, metavar="ISO",
                   help="band local time to fetch from, e.g. "
                        "2024-05-20T08:00 (default: the cursor in --state, "
                        f"else {FIRST_SYNC_DAYS} days before the band's "
                        "clock)")
    p.add_argument("--state", type=Path, metavar="FILE",
                   help="JSON file keeping the cursor between syncs")
    p.add_argument("--out", type=Path, metavar="FILE",
                   help="append the samples to this CSV file, the "
                        "workouts to FILE-workouts.csv, and write a GPX "
                        "per workout with positions")
    p.add_argument("--plot", type=Path, metavar="FILE.svg",
                   help="draw the synced minutes (steps, heart rate, "
                        "sleep and the other kinds) as an SVG, e.g. "
                        "--plot day.svg")
    p.add_argument("--no-ack", action="store_true",
                   help="leave the samples on the band (no 03)")
    add_seconds(p, "--max-time", "seconds the whole sync may take",
                SYNC_TIMEOUT)


# -------------------------------------------------------------- state

def load_state(path: Path):
    """The saved cursor (band local Unix seconds), or None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise CommandError(f"{path}: not a sync state file ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("cursor"), int):
        raise CommandError(f"{path}: not a sync state file (no cursor)")
    return data


def save_state(path: Path, previous, state: SyncState,
               wstate: WorkoutState = None) -> None:
    total = (previous or {}).get("samples", 0) + len(state.samples)
    data = {
        "version": STATE_VERSION,
        "cursor": state.cursor,
        "workout_cursor": (wstate.cursor if wstate is not None
                           else (previous or {}).get("workout_cursor")),
        "cursor_local": local_datetime(state.cursor).isoformat(
            timespec="minutes"),
        "samples": total,
        "synced_at": datetime.datetime.now(datetime.timezone.utc)
        .isoformat(timespec="seconds"),
    }
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def append_csv(path: Path, samples) -> None:
    new = not path.exists() or path.stat().st_size == 0
    with open(path, "a", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        if new:
            writer.writerow(CSV_COLUMNS)
        for sample in samples:
            kind, intensity, steps, heart_rate = sample.data
            writer.writerow((sample.ts, local_datetime(sample.ts).strftime(
                "%Y-%m-%dT%H:%M"), kind, intensity, steps, heart_rate))


def _utc(ts: int) -> str:
    return datetime.datetime.fromtimestamp(
        ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def workouts_path(out: Path, suffix: str) -> Path:
    """Next to the samples' CSV: day.csv -> day-workouts.csv."""
    return out.with_name(f"{out.stem}-{suffix}")


def append_workouts(out: Path, workouts) -> list:
    """A line a workout in OUT-workouts.csv, and a GPX for each with
    positions; the files written."""
    path = workouts_path(out, "workouts.csv")
    new = not path.exists() or path.stat().st_size == 0
    written = [path]
    with open(path, "a", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        if new:
            writer.writerow(WORKOUT_COLUMNS)
        for w in workouts:
            s = w.summary
            writer.writerow((_utc(s.start), _utc(s.end), w.kind, s.active_s,
                             s.steps, round(s.distance_m, 1),
                             round(s.calories, 1), s.avg_bpm,
                             len(w.positions())))
    for w in workouts:
        if w.positions():
            gpx = workouts_path(out, _utc(w.summary.start).replace(":", "")
                                + ".gpx")
            gpx.write_text(to_gpx(w), encoding="utf-8")
            written.append(gpx)
    return written


def to_gpx(w) -> str:
    """The track's positions with their time and heart rate, GPX 1.1
    with Garmin's TrackPointExtension, as Gadgetbridge exports it."""
    points = []
    for p in w.positions():
        hr = (f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{p.bpm}"
              f"</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions>"
              if p.bpm not in (None, 0, W.HR_NONE) else "")
        points.append(f'      <trkpt lat="{W.to_degrees(p.lat):.6f}" '
                      f'lon="{W.to_degrees(p.lon):.6f}"><time>'
                      f'{_utc(w.summary.start + p.offset)}</time>{hr}'
                      f'</trkpt>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<gpx version="1.1" creator="bandsim" '
            'xmlns="http://www.topografix.com/GPX/1/1" '
            'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/'
            'TrackPointExtension/v1">\n'
            f'  <trk><name>{w.kind} {_utc(w.summary.start)}</name><trkseg>\n'
            + "\n".join(points) + "\n  </trkseg></trk>\n</gpx>\n")


def write_plot(path: Path, samples) -> None:
    """The synced minutes as an SVG at path (whole or not at all); a
    note, and no file, when nothing was synced."""
    if not samples:
        note(f"bandsim: nothing synced, so no plot written to {path}")
        return
    from ..htmlreport import day_plot      # only when asked for
    first = local_datetime(samples[0].ts).strftime("%Y-%m-%d %H:%M")
    last = local_datetime(samples[-1].ts).strftime("%Y-%m-%d %H:%M")
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(day_plot(samples, title=f"Synced {first} .. {last}")
                       + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise CommandError(f"--plot {path}: {exc.strerror or exc}: give a "
                           f"file in a directory you can write") from exc


# ----------------------------------------------------------- progress

class RoundProgress:
    """fetch's progress(received, expected), one bar per round."""

    def __init__(self, client: FetchClient):
        self.client = client
        self.bar = None
        self.round = 0
        self._announcement = None

    def __call__(self, received: int, expected) -> None:
        if self.client.announced is not self._announcement:
            self.finish()
            self._announcement = self.client.announced
            self.round += 1
            label = "sync" if self.round == 1 else f"sync (round {self.round})"
            self.bar = Progress(label, "samples")
        self.bar.update(received, expected)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.finish()
            self.bar = None


# ------------------------------------------------------------ summary

def summary(samples) -> dict:
    days = sorted({local_datetime(s.ts).date() for s in samples})
    return {
        "samples": len(samples),
        "days": days,
        "steps": sum(s.data[2] for s in samples),
        "first": local_datetime(samples[0].ts) if samples else None,
        "last": local_datetime(samples[-1].ts) if samples else None,
    }


def _minute(when: datetime.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M")


def print_summary(state: SyncState, wstate, acked: bool, args) -> None:
    s = summary(state.samples)
    rounds = sum(1 for r in state.rounds if r.received)
    if not s["samples"]:
        out(f"Nothing new: the band has no samples from "
            f"{_minute(local_datetime(state.cursor))} on.")
    else:
        kept = ("acknowledged: the band deleted them" if acked
                else "left on the band (--no-ack)")
        out(f"Synced {s['samples']} samples in {rounds} "
            f"round{'s' if rounds != 1 else ''} ({kept}).")
        days = s["days"]
        span = (f"{days[0]}" if len(days) == 1
                else f"{days[0]} .. {days[-1]}")
        out(f"  days      {len(days)} ({span})")
        out(f"  samples   {s['samples']}")
        out(f"  steps     {s['steps']}")
        out(f"  first     {_minute(s['first'])}")
        out(f"  last      {_minute(s['last'])}")
    next_line = f"  next      {_minute(local_datetime(state.cursor))}"
    if args.state:
        next_line += f" (saved in {args.state})"
    out(next_line)
    if args.out and s["samples"]:
        out(f"  csv       {args.out}")
    workouts = wstate.workouts if wstate is not None else []
    out(f"Workouts: {len(workouts)}" + ("" if workouts else
                                        " (none new on the band)"))
    for w in workouts:
        s_ = w.summary
        out(f"  {_utc(s_.start)}  {w.kind:<11} {s_.active_s // 60:3d} min "
            f"{s_.steps:6d} steps {s_.distance_m / 1000:6.2f} km "
            f"{s_.avg_bpm:3d} bpm {len(w.positions()):5d} positions")
    if args.plot and s["samples"]:
        out(f"  plot      {args.plot}")


# -------------------------------------------------------------- run

def default_since(s) -> datetime.datetime:
    """FIRST_SYNC_DAYS before the band's clock (0x2A2B), or a date
    before any band when the clock cannot be read."""
    char = s.profile.characteristic("current-time")
    try:
        raw = s.link.read(char.value_handle)
        now = decode_time(raw[:7])
    except (AttClientError, ValueFormatError):
        return FALLBACK_SINCE
    return now - datetime.timedelta(days=FIRST_SYNC_DAYS)


def run(args) -> int:
    saved = load_state(args.state) if args.state else None
    with session(args) as s:
        if args.since is not None:
            since = args.since
        elif saved is not None:
            since = saved["cursor"]
        else:
            since = default_since(s)
        client = FetchClient(s.link, s.profile, timeout=args.timeout)
        client.enable_notifications()
        state = SyncState(since)
        wstate = None
        progress = RoundProgress(client)
        try:
            client.sync(state, ack=not args.no_ack, progress=progress,
                        timeout=args.max_time)
            progress.finish()
            wstate = WorkoutState((saved or {}).get("workout_cursor")
                                  or since)
            client.workouts(wstate, ack=not args.no_ack,
                            timeout=args.max_time)
        except BaseException:
            progress.finish()
            if state.samples:
                keep(args, saved, state, wstate)
                note(f"bandsim: kept the {len(state.samples)} samples of "
                     f"the rounds that completed")
            raise
        progress.finish()
    keep(args, saved, state, wstate)
    print_summary(state, wstate, not args.no_ack, args)
    return 0


def keep(args, saved, state: SyncState, wstate=None) -> None:
    if args.out and state.samples:
        append_csv(args.out, state.samples)
    if args.out and wstate is not None and wstate.workouts:
        append_workouts(args.out, wstate.workouts)
    if args.plot:
        write_plot(args.plot, state.samples)
    if args.state and (state.samples or saved is None
                       or (wstate is not None and wstate.workouts)
                       or saved["cursor"] != state.cursor):
        save_state(args.state, saved, state, wstate)
