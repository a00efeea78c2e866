"""bandsim.harness.variant.unpack against GLib.Variant.unpack.

The harness reads every control-plane reply and signal with its own
unpack; a test that compares a value with a literal must see what
PyGObject would have given it.  Over arbitrary values of arbitrary
types (nested arrays, dicts, tuples, variants, maybes), and over
arbitrary bytes read as a value of a type (a non-normal serialisation,
as a peer on the bus may send), the two give equal values of the same
Python types.
"""

import atexit
import math
import shutil
import tempfile

import pytest
from gi.repository import GLib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from bandsim.harness.variant import unpack

pytestmark = [pytest.mark.timeout(120), pytest.mark.no_emulator]

HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="bandsim-hypothesis-")
atexit.register(shutil.rmtree, HYPOTHESIS_HOME, ignore_errors=True)
set_hypothesis_home_dir(HYPOTHESIS_HOME)
PROFILE = settings(derandomize=True, deadline=None, database=None,
                   max_examples=200,
                   suppress_health_check=[HealthCheck.too_slow])


def _ints(bits: int, signed: bool):
    if signed:
        return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    return st.integers(0, (1 << bits) - 1)


TEXT = st.text(st.characters(blacklist_categories=("Cs",),
                             blacklist_characters="\x00"), max_size=12)

LEAVES = {
    "b": st.booleans(),
    "y": _ints(8, False),
    "n": _ints(16, True),
    "q": _ints(16, False),
    "i": _ints(32, True),
    "u": _ints(32, False),
    "x": _ints(64, True),
    "t": _ints(64, False),
    "h": _ints(32, True),
    "d": st.floats(allow_nan=False),
    "s": TEXT,
    "o": st.sampled_from(["/", "/io/bandsim/band/7", "/a/b_c"]),
    "g": st.sampled_from(["", "a{sv}", "(yb)"]),
}
KEYS = ["s", "y", "u", "t", "o"]


def _typed(depth: int):
    """A strategy of (type string, value GLib.Variant accepts)."""
    leaf = st.sampled_from(sorted(LEAVES)).flatmap(
        lambda t: LEAVES[t].map(lambda v: (t, v)))
    if depth == 0:
        return leaf
    inner = _typed(depth - 1)
    return st.one_of(
        leaf,
        inner.flatmap(_array_of),
        st.tuples(st.sampled_from(KEYS), inner).flatmap(_dict_of),
        st.lists(inner, max_size=4).map(_tuple_of),
        inner.map(lambda tv: ("v", GLib.Variant(tv[0], tv[1]))),
        inner.flatmap(_maybe_of),
    )


def _array_of(element):
    t, v = element
    same = _values_of(t, v)
    return st.lists(same, max_size=6).map(lambda vs: ("a" + t, vs))


def _values_of(t, example):
    """More values of the type t (an array's elements share one type)."""
    if t in LEAVES:
        return LEAVES[t]
    return st.just(example)


def _dict_of(pair):
    key_type, (t, v) = pair
    return st.dictionaries(LEAVES[key_type], _values_of(t, v),
                           max_size=5).map(
        lambda d: ("a{" + key_type + t + "}", d))


def _tuple_of(members):
    return ("(" + "".join(t for t, _ in members) + ")",
            tuple(v for _, v in members))


def _maybe_of(element):
    t, v = element
    return st.sampled_from([v, None]).map(lambda x: ("m" + t, x))


def _shape(value):
    """A value with its Python types spelled out, for equality that also
    tells True from 1 and a list from a tuple."""
    if isinstance(value, dict):
        return ("dict", sorted((repr(_shape(k)), _shape(v))
                               for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_shape(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


@PROFILE
@given(_typed(3))
def test_same_as_glib(typed):
    type_string, value = typed
    variant = GLib.Variant(type_string, value)
    assert _shape(unpack(variant)) == _shape(variant.unpack())


TYPES = ["ay", "at", "au", "an", "ad", "ab", "as", "a{sv}", "(yb)",
         "aa{sv}", "a(ut)", "(sa{sv}as)", "mu", "v", "a{sy}", "ao"]


@PROFILE
@given(st.sampled_from(TYPES), st.binary(max_size=48))
def test_same_as_glib_over_any_bytes(type_string, data):
    """Bytes from an untrusted peer: a length no multiple of the element
    size, bad offsets, strings without their NUL."""
    variant = GLib.Variant.new_from_bytes(
        GLib.VariantType.new(type_string), GLib.Bytes.new(data), False)
    assert _shape(unpack(variant)) == _shape(variant.unpack())


def test_the_bands_settings_shape():
    """The shape the suite reads most: Settings, an a{sv} with an
    aa{sv} inside."""
    alarm = {"slot": GLib.Variant("y", 1), "enabled": GLib.Variant("b", True)}
    value = GLib.Variant("a{sv}", {
        "time-format": GLib.Variant("s", "24h"),
        "height-cm": GLib.Variant("u", 170),
        "tz": GLib.Variant("i", -4),
        "alarms": GLib.Variant("aa{sv}", [alarm]),
        "data": GLib.Variant("ay", b"\x01\x02"),
    })
    assert unpack(value) == {"time-format": "24h", "height-cm": 170,
                             "tz": -4, "alarms": [{"slot": 1,
                                                   "enabled": True}],
                             "data": [1, 2]}
