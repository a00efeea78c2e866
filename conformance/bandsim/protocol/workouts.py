"""Workouts on the wire (docs/workouts.md; fact sheet §4.3, §9): the
summary a fetch of type 05 brings, the track of type 06, device event 14,
the status on 0000000f, and the phone's GPS for a workout.

Layouts as Gadgetbridge's HuamiActivitySummaryParser (versions below 512,
the layout it reads for a Mi Band 4) and HuamiActivityDetailsParser read
them: little-endian; positions in degrees × 3,000,000; the track is 8-byte
records of type, seconds (mod 256) and 6 bytes.
"""

import struct
from dataclasses import dataclass, field

from .values import ValueFormatError

# Fetch types (protocol §4.3).
TYPE_SUMMARY = 0x05
TYPE_TRACK = 0x06

# (name, summary kind, device event 14's type, asks the phone for GPS):
# the summary numbers kinds as HuamiSportsActivityType, event 14 as
# HuamiWorkoutTrackActivityType.
KINDS = (
    ("outdoor-run", 0x01, 0x01, True),
    ("treadmill", 0x02, 0x02, False),
    ("walking", 0x03, 0x04, True),
    ("cycling", 0x04, 0x03, True),
    ("exercise", 0x05, 0x0B, False),
    ("pool-swim", 0x06, 0x05, False),
)
KIND_NAMES = tuple(k[0] for k in KINDS)
SUMMARY_KIND = {k[0]: k[1] for k in KINDS}
KIND_OF_SUMMARY = {k[1]: k[0] for k in KINDS}
EVENT_TYPE = {k[0]: k[2] for k in KINDS}
NEEDS_GPS = {k[0]: k[3] for k in KINDS}

# 0000000f: 11 <status> (GB HuamiWorkoutStatus).
STATUS_PREFIX = 0x11
STATUS_START = 0x02
STATUS_END = 0x05

DEGREE = 3_000_000          # positions: degrees × DEGREE
ALTITUDE_UNKNOWN = -20000
SUMMARY_LEN = 0x7E          # the layout below version 512
NEW_LAYOUT_VERSION = 512

RECORD_LEN = 8
RECORD_GPS = 0x00
RECORD_HR = 0x01
RECORD_STEPS = 0x05          # bandsim's (workout-track-steps)
HR_NONE = 0xFF

# The phone's GPS (GB HuamiSupport.encodePhoneGpsPayload).
GPS_LEAD = 0x06
GPS_FLAG_STATUS = 0x00000001
GPS_FLAG_POSITION = 0x00040000
GPS_ACQUIRED = 0x01
GPS_SEARCHING = 0x02
GPS_DISABLED = 0x04


def to_units(degrees: float) -> int:
    """Degrees as the band counts them (× 3,000,000, toward zero)."""
    return int(degrees * DEGREE)


def to_degrees(units: int) -> float:
    return round(units / DEGREE, 6)


# ------------------------------------------------------------ summary

@dataclass
class Summary:
    """A type-05 summary, the fields Gadgetbridge reads for an MB4."""
    version: int
    kind: int
    start: int              # Unix seconds, UTC
    end: int
    base_lon: int           # degrees × DEGREE
    base_lat: int
    base_alt: int           # metres, ALTITUDE_UNKNOWN if none
    distance_m: float
    steps: int
    active_s: int
    calories: float
    max_speed: float        # m/s
    max_pace: float         # s/m
    min_pace: float
    avg_bpm: int
    pace_per_km: int        # s
    stride_cm: int
    raw: bytes

    @property
    def kind_name(self) -> str:
        return KIND_OF_SUMMARY.get(self.kind, f"kind-{self.kind}")


def parse_summary(data: bytes) -> Summary:
    """The joined packets of a type-05 transfer; ValueFormatError for
    anything Gadgetbridge could not read as an MB4 summary."""
    if len(data) < SUMMARY_LEN:
        raise ValueFormatError(f"summary of {len(data)} bytes, "
                               f"{SUMMARY_LEN} needed")
    version, kind, start, end, lon, lat, alt = struct.unpack_from(
        "<hHIIiii", data, 0)
    if version >= NEW_LAYOUT_VERSION:
        raise ValueFormatError(f"summary version {version}: the layout of "
                               f"newer bands, not an MB4's")
    (distance,) = struct.unpack_from("<f", data, 0x18)
    steps, active, calories, max_speed, max_pace, min_pace = \
        struct.unpack_from("<iiffff", data, 0x3C)
    avg_bpm, pace_km, stride = struct.unpack_from("<hhh", data, 0x78)
    return Summary(version, kind, start, end, lon, lat, alt, distance,
                   steps, active, calories, max_speed, max_pace, min_pace,
                   avg_bpm, pace_km, stride, bytes(data))


# -------------------------------------------------------------- track

@dataclass
class TrackPoint:
    """One second of a track: offset from the workout's start."""
    offset: int
    bpm: int = None
    steps: int = None
    distance_dm: int = None
    lon: int = None         # degrees × DEGREE
    lat: int = None

    @property
    def has_position(self) -> bool:
        return self.lon is not None


@dataclass
class Track:
    points: list = field(default_factory=list)
    unknown: list = field(default_factory=list)   # (type, offset, bytes)


def parse_track(data: bytes, base_lon: int = 0, base_lat: int = 0) -> Track:
    """The joined packets of a type-06 transfer.

    Seconds are counted from the record's seconds byte modulo 256, a
    step back being a wrap (a record a second at least); records at the
    same second make one point.  GPS records move from the summary's
    base.  ValueFormatError for a length that is not whole records.
    """
    if len(data) % RECORD_LEN:
        raise ValueFormatError(f"track of {len(data)} bytes, not whole "
                               f"{RECORD_LEN}-byte records")
    track = Track()
    offset = last = None
    lon, lat = base_lon, base_lat
    for i in range(0, len(data), RECORD_LEN):
        kind, second = data[i], data[i + 1]
        body = data[i + 2:i + RECORD_LEN]
        if last is None:
            offset = second
        else:
            offset += (second - last) % 256
        last = second
        if not track.points or track.points[-1].offset != offset:
            track.points.append(TrackPoint(offset))
        point = track.points[-1]
        if kind == RECORD_GPS:
            dlon, dlat, _dalt = struct.unpack("<hhh", body)
            lon += dlon
            lat += dlat
            point.lon, point.lat = lon, lat
        elif kind == RECORD_HR:
            point.bpm = body[0]
        elif kind == RECORD_STEPS:
            point.steps = body[0]
            (point.distance_dm,) = struct.unpack_from("<H", body, 1)
        else:
            track.unknown.append((kind, offset, bytes(body)))
    return track


# ------------------------------------------------------- the phone's GPS

def gps_payload(lon: float = None, lat: float = None, speed: float = 0.0,
                altitude_m: float = 0.0, time_ms: int = 0,
                status: int = None) -> bytes:
    """What Gadgetbridge sends the band in a workout: a position (in
    degrees), a status (GPS_ACQUIRED, ...), or both.  As GB computes it,
    the speed is cut to whole m/s before × 10."""
    flags = 0
    tail = b""
    if status is not None:
        flags |= GPS_FLAG_STATUS
        tail += bytes([status])
    if lon is not None:
        flags |= GPS_FLAG_POSITION
        tail += struct.pack("<iiiiq", to_units(lon), to_units(lat),
                            int(speed) * 10, int(altitude_m * 100), time_ms)
        tail += b"\xff\xff\xff\xff\x00\x00\x00"
    return bytes([GPS_LEAD]) + struct.pack("<I", flags) + tail


# --------------------------------------------------------- a workout

@dataclass
class Workout:
    """A workout as a phone holds it after a sync: the summary and the
    track, the start as the band announced it (local Unix seconds)."""
    announced_start: int
    summary: Summary
    track: Track

    @property
    def kind(self) -> str:
        return self.summary.kind_name

    def positions(self) -> list:
        return [p for p in self.track.points if p.has_position]

