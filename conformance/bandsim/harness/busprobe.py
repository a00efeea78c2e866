"""What one local user can do on a bus: run as that user, report as JSON.

The bus policy is about who asks, so these calls must come from another
process with another uid.  harness/buspolicy.py runs this file's source
as ``python3 -I -c SOURCE ADDRESS OPS`` under setpriv: it imports only
the standard library and GLib, so the user it runs as needs no access
to the repository.

OPS is a JSON list of steps:

- ``["call", destination, path, interface, member, signature, args]``:
  a method call (signature null for none);
- ``["set", destination, path, interface, property, type, value]``:
  Properties.Set of a value of that D-Bus type;
- ``["own", name]``: RequestName(name, DO_NOT_QUEUE).

stdout is one JSON list, a result per step: ``{"reply": [...]}`` (the
reply's values; RequestName's is [1] for primary owner) or ``{"error":
"org.freedesktop.DBus.Error.AccessDenied", "message": "..."}``.  A bus
that cannot be reached is ``{"connect": "message"}`` and exit status 2.
"""

import json
import sys

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

BUS = ("org.freedesktop.DBus", "/org/freedesktop/DBus",
       "org.freedesktop.DBus")
PROPERTIES = "org.freedesktop.DBus.Properties"
DO_NOT_QUEUE = 4
CALL_TIMEOUT_MS = 5000


def plain(value):
    """A reply's values as JSON can hold them."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return repr(value)


def _call(conn, destination, path, interface, member, params):
    try:
        reply = conn.call_sync(destination, path, interface, member, params,
                               None, Gio.DBusCallFlags.NO_AUTO_START,
                               CALL_TIMEOUT_MS, None)
    except GLib.Error as exc:
        name = Gio.DBusError.get_remote_error(exc) \
            if Gio.DBusError.is_remote_error(exc) else None
        Gio.DBusError.strip_remote_error(exc)
        return {"error": name or "local", "message": exc.message}
    return {"reply": plain(reply.unpack())}


def step(conn, op):
    kind, *rest = op
    if kind == "call":
        destination, path, interface, member, signature, args = rest
        params = GLib.Variant(signature, tuple(args)) if signature else None
        return _call(conn, destination, path, interface, member, params)
    if kind == "set":
        destination, path, interface, prop, vtype, value = rest
        params = GLib.Variant("(ssv)", (interface, prop,
                                        GLib.Variant(vtype, value)))
        return _call(conn, destination, path, PROPERTIES, "Set", params)
    if kind == "own":
        (name,) = rest
        return _call(conn, *BUS, "RequestName",
                     GLib.Variant("(su)", (name, DO_NOT_QUEUE)))
    raise ValueError(f"unknown step {kind!r}")


def main(argv):
    address, ops = argv[1], json.loads(argv[2])
    try:
        conn = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    except GLib.Error as exc:
        print(json.dumps({"connect": exc.message}))
        return 2
    print(json.dumps([step(conn, op) for op in ops]))
    conn.close_sync(None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
