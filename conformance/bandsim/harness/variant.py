"""GLib.Variant to Python values, as GLib.Variant.unpack() gives them.

PyGObject's unpack() walks a value one child at a time, through a GLib
call and a Python wrapper per child, finding each child's accessor from
its type string again: the band's Settings (some sixty entries) took 0.5
ms, an array of 500 bytes 0.9 ms (bench/bench_variant.py), and the suite
reads the control plane tens of thousands of times. Here a value in
normal form (every value GDBus hands over from a well-behaved peer) is
read from its serialised bytes in one go, by a reader planned once per
type string (the layout is GVariant's: alignment, framing offsets, a
variant's type after its value). A value not in normal form is left to
unpack(), which defines what such a value means. The result is the same
objects unpack() builds (bytes as a list of ints, a{..} as a dict, (..)
as a tuple); selftest/test_variant.py holds the two equal.
"""

import struct
import sys

from gi.repository import GLib

# Basic fixed-size types and their struct formats, read in the host's
# byte order, as GVariant serialises them (GDBus swaps a message from the
# other order as it reads it).
_NUMBERS = {"y": "B", "n": "h", "q": "H", "i": "i", "u": "I", "x": "q",
            "t": "Q", "h": "i", "d": "d"}
_STRINGS = frozenset("sog")


def unpack(value: GLib.Variant):
    """The Python value of a GLib.Variant, as value.unpack() gives it."""
    if not value.is_normal_form():
        return value.unpack()
    data = value.get_data_as_bytes().get_data() or b""
    return _type(value.get_type_string()).read(data, 0, len(data))


class _Type:
    """One complete type: its alignment, its fixed size (None when
    variable) and its reader read(data, start, end)."""

    __slots__ = ("align", "size", "read")


_types = {}


def _type(type_string: str) -> _Type:
    info = _types.get(type_string)
    if info is None:
        info = _types[type_string] = _build(type_string)
    return info


def _members(inner: str) -> list:
    """The complete types of a tuple's or dict entry's members."""
    members = []
    while inner:
        end = _type_end(inner, 0)
        members.append(inner[:end])
        inner = inner[end:]
    return members


def _type_end(text: str, i: int) -> int:
    """Index just past the complete type that starts at text[i]."""
    while text[i] in "am":
        i += 1
    if text[i] not in "({":
        return i + 1
    depth = 0
    while True:
        if text[i] in "({":
            depth += 1
        elif text[i] in ")}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1


def _offset_size(size: int) -> int:
    """Bytes per framing offset in a container of this many bytes."""
    if size > 0xFFFFFFFF:
        return 8
    if size > 0xFFFF:
        return 4
    if size > 0xFF:
        return 2
    return 1


def _offset(data: bytes, at: int, size: int) -> int:
    return int.from_bytes(data[at:at + size], sys.byteorder)


def _align(pos: int, align: int) -> int:
    return (pos + align - 1) & -align


def _build(t: str) -> _Type:
    info = _Type()
    first = t[0]
    if first in _NUMBERS:
        fmt = struct.Struct("=" + _NUMBERS[first])
        info.align = info.size = fmt.size
        unpack_from = fmt.unpack_from
        info.read = lambda data, start, end: unpack_from(data, start)[0]
    elif first == "b":
        info.align = info.size = 1
        info.read = lambda data, start, end: data[start] != 0
    elif first in _STRINGS:
        info.align, info.size = 1, None
        info.read = lambda data, start, end: data[start:end - 1].decode()
    elif first == "v":
        info.align, info.size = 8, None
        info.read = _read_variant
    elif first == "m":
        _maybe(info, _type(t[1:]))
    elif first == "a" and t[1] == "{":
        _array(info, _type(t[1:]), dict)
    elif first == "a":
        _array(info, _type(t[1:]), list, _NUMBERS.get(t[1:]))
    elif first in "({":
        _tuple(info, [_type(m) for m in _members(t[1:-1])],
               tuple if first == "(" else None)
    else:
        raise NotImplementedError("unsupported GVariant type " + t)
    return info


def _read_variant(data, start, end):
    zero = data.rindex(0, start, end)
    inner = data[zero + 1:end].decode()
    return _type(inner).read(data, start, zero)


def _maybe(info: _Type, element: _Type) -> None:
    info.align, info.size = element.align, None
    read = element.read
    if element.size is not None:
        info.read = lambda data, start, end: (
            read(data, start, end) if end > start else None)
    else:
        info.read = lambda data, start, end: (
            read(data, start, end - 1) if end > start else None)


def _array(info: _Type, element: _Type, kind, code=None) -> None:
    info.align, info.size = element.align, None
    read = element.read
    size = element.size
    if code == "B":
        info.read = lambda data, start, end: list(data[start:end])
        return
    if code is not None:
        numbers = struct.Struct("=" + code)
        info.read = lambda data, start, end: [
            n for (n,) in numbers.iter_unpack(data[start:end])]
        return
    if size is not None:
        def fixed(data, start, end):
            items = [read(data, pos, pos + size)
                     for pos in range(start, end, size)]
            return dict(items) if kind is dict else items
        info.read = fixed
        return
    align = element.align

    def framed(data, start, end):
        if end == start:
            return {} if kind is dict else []
        osize = _offset_size(end - start)
        last = start + _offset(data, end - osize, osize)
        items = []
        pos = start
        for at in range(last, end, osize):
            stop = start + _offset(data, at, osize)
            items.append(read(data, pos, stop))
            pos = _align(stop, align)
        return dict(items) if kind is dict else items
    info.read = framed


def _tuple(info: _Type, members: list, kind) -> None:
    """A tuple (kind tuple) or a dict entry (kind None: a pair)."""
    info.align = max([m.align for m in members], default=1)
    if all(m.size is not None for m in members):
        pos = 0
        for m in members:
            pos = _align(pos, m.align) + m.size
        info.size = _align(pos, info.align) if members else 1
    else:
        info.size = None
    plan = [(m.align, m.size, m.read, i == len(members) - 1)
            for i, m in enumerate(members)]

    def read_members(data, start, end):
        osize = _offset_size(end - start) if info.size is None else 0
        frame = end
        pos = start
        out = []
        for align, size, read, last in plan:
            pos = _align(pos - start, align) + start
            if size is not None:
                stop = pos + size
            elif last:
                stop = frame
            else:
                frame -= osize
                stop = start + _offset(data, frame, osize)
            out.append(read(data, pos, stop))
            pos = stop
        return tuple(out)
    info.read = read_members
