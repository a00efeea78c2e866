"""The band profile (profiles/*.ini) and the handle layout it implies.

The emulator builds its attribute table from the same file.  The layout
rules below mirror the emulator's so the suite can predict every handle
without asking the device: handles run on from 1, a service "handle" moves
the counter to its declaration, a characteristic "handle" moves it so the
VALUE lands there, and notify/indicate characteristics get a CCCD right
after their value.  Hints only ever move forward.
"""

import configparser
import functools
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import uuids
from .att import CCCD, CHARACTERISTIC, PRIMARY_SERVICE

PROFILE_NAME = "miband4.ini"


def _default_path() -> Path:
    """The Mi Band 4 profile: $BANDSIM_PROFILE; the checkout's, when this
    package lives in <repo>/conformance/; else where meson installed it
    (<prefix>/share/bandsim/profiles/), for this Python's prefix, then
    /usr/local and /usr.  The checkout's path when none exists, so an
    error names a file."""
    given = os.environ.get("BANDSIM_PROFILE")
    if given:
        return Path(given)
    checkout = Path(__file__).resolve().parents[3] / "profiles" / PROFILE_NAME
    candidates = [checkout] + [
        Path(prefix) / "share" / "bandsim" / "profiles" / PROFILE_NAME
        for prefix in (sys.prefix, "/usr/local", "/usr")]
    return next((c for c in candidates if c.is_file()), checkout)


DEFAULT_PATH = _default_path()

PROPERTY_BITS = {
    "read": 0x02,
    "write-without-response": 0x04,
    "write": 0x08,
    "notify": 0x10,
    "indicate": 0x20,
}


@dataclass
class Characteristic:
    name: str
    uuid: str
    properties: tuple
    auth: bool
    value: bytes = None          # None: dynamic or write-only
    handle_hint: int = None
    declaration_handle: int = 0
    value_handle: int = 0
    cccd_handle: int = None
    # Takes Prepare/Execute Write, of at most max_length bytes in all
    # (docs/policies.md#long-writes).
    long_write: bool = False
    max_length: int = 512

    @property
    def properties_byte(self) -> int:
        bits = 0
        for prop in self.properties:
            bits |= PROPERTY_BITS[prop]
        return bits

    @property
    def end_handle(self) -> int:
        return self.cccd_handle or self.value_handle


@dataclass
class Service:
    name: str
    uuid: str
    handle_hint: int = None
    characteristics: list = field(default_factory=list)
    declaration_handle: int = 0
    end_handle: int = 0


class Profile:
    """A parsed profile with every handle assigned."""

    def __init__(self, parser: configparser.ConfigParser, path=None):
        self.path = path
        self._parser = parser
        self.services = _parse_services(parser)
        _assign_handles(self.services)

    @classmethod
    def load(cls, path) -> "Profile":
        parser = configparser.ConfigParser(interpolation=None)
        with open(path, encoding="utf-8") as f:
            parser.read_file(f)
        return cls(parser, Path(path))

    def section(self, name: str):
        """A plain section such as "battery" or "device-info"."""
        return self._parser[name]

    def service(self, name: str) -> Service:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(f"no service {name!r}")

    def characteristic(self, name: str) -> Characteristic:
        for char in self.characteristics():
            if char.name == name:
                return char
        raise KeyError(f"no characteristic {name!r}")

    def characteristics(self):
        return [c for s in self.services for c in s.characteristics]

    def by_uuid(self, uuid: str) -> Characteristic:
        """The one characteristic with this UUID (some UUIDs appear twice)."""
        uuid = uuids.normalize(uuid)
        matches = [c for c in self.characteristics() if c.uuid == uuid]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} characteristics have UUID {uuid}")
        return matches[0]

    def attributes(self):
        """[(handle, attribute type)] for the whole table, in handle order.

        This is what a Find Information walk over 0x0001-0xffff returns.
        """
        table = []
        for service in self.services:
            table.append((service.declaration_handle, PRIMARY_SERVICE))
            for char in service.characteristics:
                table.append((char.declaration_handle, CHARACTERISTIC))
                table.append((char.value_handle, char.uuid))
                if char.cccd_handle is not None:
                    table.append((char.cccd_handle, CCCD))
        return table


@functools.lru_cache(maxsize=None)
def default_profile() -> Profile:
    """The checkout's own profile (DEFAULT_PATH), read once: what a
    client uses when it is given none."""
    return Profile.load(DEFAULT_PATH)


def _parse_services(parser):
    services = []
    for name in parser.sections():
        kind, _, label = name.partition(" ")
        section = parser[name]
        if kind == "service":
            services.append(Service(label, uuids.normalize(section["uuid"]),
                                    _handle(section)))
        elif kind == "characteristic":
            if not services:
                raise ValueError(f"[{name}] comes before any [service]")
            services[-1].characteristics.append(_characteristic(label, section))
    return services


def _characteristic(name, section) -> Characteristic:
    props = tuple(p.strip() for p in section["properties"].split(",")
                  if p.strip())
    unknown = [p for p in props if p not in PROPERTY_BITS]
    if unknown:
        raise ValueError(f"[characteristic {name}]: unknown properties {unknown}")
    value = section.get("value")
    return Characteristic(
        name=name,
        uuid=uuids.normalize(section["uuid"]),
        properties=props,
        auth=section.getboolean("auth", fallback=False),
        value=None if value is None else bytes.fromhex(value),
        handle_hint=_handle(section),
        long_write=section.getboolean("long-write", fallback=False),
        max_length=section.getint("max-length", fallback=512))


def _handle(section):
    text = section.get("handle")
    return None if text is None else int(text, 0)


def _assign_handles(services) -> None:
    next_handle = 1
    for service in services:
        if service.handle_hint is not None:
            next_handle = _jump(next_handle, service.handle_hint, service.name)
        service.declaration_handle = next_handle
        next_handle += 1
        for char in service.characteristics:
            if char.handle_hint is not None:
                next_handle = _jump(next_handle, char.handle_hint - 1, char.name)
            char.declaration_handle = next_handle
            char.value_handle = next_handle + 1
            next_handle += 2
            if {"notify", "indicate"} & set(char.properties):
                char.cccd_handle = next_handle
                next_handle += 1
        service.end_handle = next_handle - 1
    if next_handle - 1 > 0xFFFF:
        raise ValueError("profile needs more than 65535 handles")


def _jump(current: int, target: int, name: str) -> int:
    """A hint that would reuse a handle is a broken profile, not a layout."""
    if target < current:
        raise ValueError(f"handle hint on {name} goes back to {target:#06x}"
                         f" (next free is {current:#06x})")
    return target


def write_variant(out_path, settings: dict, base=DEFAULT_PATH,
                  section: str = "policy") -> Path:
    """A copy of the base profile with some `key = value` lines of one
    section replaced (comments and layout kept), for a band that differs
    only in a policy.  Every key must already be in that section."""
    lines = Path(base).read_text(encoding="utf-8").splitlines(keepends=True)
    left = dict(settings)
    current = None
    for i, line in enumerate(lines):
        text = line.strip()
        if text.startswith("[") and text.endswith("]"):
            current = text[1:-1].strip()
            continue
        key = text.split("=", 1)[0].strip() if "=" in text else None
        if current == section and key in left and not text.startswith("#"):
            lines[i] = f"{key} = {left.pop(key)}\n"
    if left:
        raise KeyError(f"[{section}] of {base} has no {sorted(left)}")
    out_path = Path(out_path)
    out_path.write_text("".join(lines), encoding="utf-8")
    return out_path
