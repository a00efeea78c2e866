"""Client of the band's control plane, io.bandsim.Band1 on D-Bus.

Everything runs on a private GLib.MainContext that only this client
iterates, so no thread and no global main loop is involved.  Calls are
made asynchronously and the context is iterated until the reply or the
deadline: each blocking iteration is bounded by a timeout source on the
same context, so a wait ends the moment a message arrives and never
outlives its deadline.

Every event of the band's Events(a(sa{sv})) signals is recorded in
arrival order (the timeline); PropertiesChanged is recorded separately.  "The band" is
whoever owns its bus name right now (io.bandsim, or --control-name), so a
restarted band is followed and a second band on the bus is ignored.
wait_event() consumes one not yet consumed matching event, earliest
first, so two waits never return the same milestone.
"""

import math

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

from ..link.deadline import Deadline, as_deadline  # noqa: E402
from .variant import unpack  # noqa: E402

BUS_NAME = "io.bandsim"
OBJECT_PATH = "/io/bandsim/band"
INTERFACE = "io.bandsim.Band1"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
DEFAULT_TIMEOUT = 5.0


class ControlError(Exception):
    """A control call failed; name is the D-Bus error name if remote."""

    def __init__(self, message: str, name: str = None):
        self.name = name
        super().__init__(f"{name}: {message}" if name else message)


class Timeout(ControlError, TimeoutError):
    """Nothing arrived before the deadline."""


class Event:
    """One event of the band's Events signal.  Its details arrive as an
    a{sv} GLib.Variant and are unpacked the first time they are read:
    most events are only ever looked at by name, and unpacking a batch
    costs some 25 us an event in GLib's introspected unpack()."""

    __slots__ = ("seq", "name", "_details", "_variant")

    def __init__(self, seq: int, name: str, details: dict = None,
                 variant=None):
        self.seq = seq
        self.name = name
        if details is None and variant is None:
            details = {}
        self._details = details     # None until unpacked from variant
        self._variant = variant

    @property
    def details(self) -> dict:
        if self._details is None:
            self._details = unpack(self._variant)
            self._variant = None
        return self._details

    def __repr__(self) -> str:
        return f"Event(seq={self.seq}, name={self.name!r}, " \
            f"details={self.details!r})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Event):
            return NotImplemented
        return (self.seq, self.name, self.details) == \
            (other.seq, other.name, other.details)

    def matches(self, name: str, match: dict) -> bool:
        return self.name == name and all(
            key in self.details and self.details[key] == value
            for key, value in match.items())


def _detail_key(keyword: str) -> str:
    """Python keywords cannot hold '-': key_id=... matches "key-id"."""
    return keyword.replace("_", "-")


class PendingCall:
    """A call already sent; wait() returns its unpacked reply."""

    def __init__(self, client, method, on_done=None):
        self._client = client
        self.method = method
        self.cancellable = Gio.Cancellable()
        self.done = False
        self.result = None
        self.error = None
        self._on_done = on_done

    def complete(self, source, res):
        try:
            self.result = source.call_finish(res)
        except GLib.Error as exc:
            self.error = exc
        self.done = True
        if self._on_done is not None:
            self._on_done(self)

    def wait(self, timeout=None):
        self._wait(timeout)
        return unpack(self.result) if self.result is not None else ()

    def wait_variant(self, timeout=None):
        """Like wait(), but the reply as the GLib.Variant it came in, for
        large replies that unpack() would turn into lists of ints, one
        introspected object at a time."""
        self._wait(timeout)
        return self.result

    def _wait(self, timeout) -> None:
        deadline = as_deadline(timeout, self._client.timeout)
        try:
            self._client.iterate_until(lambda: self.done, deadline,
                                       f"reply to {self.method}")
        except Timeout:
            self.cancellable.cancel()
            raise
        if self.error is not None:
            if self.error.matches(Gio.io_error_quark(),
                                  Gio.IOErrorEnum.TIMED_OUT):
                raise Timeout(f"no reply to {self.method} within "
                              f"{deadline.seconds} s")
            raise _control_error(self.error)


def _control_error(exc: GLib.Error) -> ControlError:
    name = None
    if Gio.DBusError.is_remote_error(exc):
        name = Gio.DBusError.get_remote_error(exc)
        Gio.DBusError.strip_remote_error(exc)
    return ControlError(exc.message, name)


def without_lost_attempts(timeline: list, count: int) -> list:
    """timeline without the count ("connected", "disconnected") pairs
    that come last before its last "connected"."""
    kept = list(timeline)
    for _ in range(count):
        names = [event.name for event in kept]
        if "connected" not in names:
            break
        last = len(names) - 1 - names[::-1].index("connected")
        ends = [i for i in range(last) if names[i] == "disconnected"]
        starts = [i for i in range(ends[-1]) if names[i] == "connected"] \
            if ends else []
        if not starts:
            break
        del kept[ends[-1]]
        del kept[starts[-1]]
    return kept


class ControlClient:
    """One connection to a bus and the band object on it."""

    def __init__(self, address: str, name: str = BUS_NAME,
                 timeout: float = DEFAULT_TIMEOUT, path: str = OBJECT_PATH):
        """path: the band's object, OBJECT_PATH for a band of its own,
        band_path(K) for band K of a fleet (harness/fleet.py)."""
        self.address = address
        self.name = name
        self.path = path
        self.timeout = timeout
        self.timeline = []          # every Event, in arrival order
        self.batches = []           # (first seq, count) per Events signal
        self.property_changes = []  # (seq, property, value or None)
        self._seq = 0
        self._consumed = set()
        self._context = GLib.MainContext.new()
        self._subscriptions = []
        self._conn = None
        self._owner = None          # unique name of the band, when known
        self._connect(Deadline(timeout))

    # ---------------------------------------------------- main context

    def _with_context(self, start):
        """Run start() with our context as thread default, so the
        callbacks it registers are dispatched on it."""
        self._context.push_thread_default()
        try:
            return start()
        finally:
            self._context.pop_thread_default()

    def iterate_until(self, condition, deadline: Deadline, what: str) -> None:
        """Dispatch until condition() holds; Timeout at the deadline."""
        while not condition():
            if deadline.expired:
                self.drain()
                if condition():
                    return
                raise Timeout(f"no {what} within {deadline.seconds} s "
                              f"(events so far {self.names()})")
            self._iterate(deadline)

    def _iterate(self, deadline: Deadline) -> None:
        ms = max(1, math.ceil(deadline.remaining() * 1000))
        bound = GLib.timeout_source_new(ms)
        bound.set_callback(lambda *_: GLib.SOURCE_REMOVE)
        bound.attach(self._context)
        try:
            self._context.iteration(True)
        finally:
            bound.destroy()

    def drain(self) -> None:
        """Dispatch what has already arrived, without blocking."""
        while self._context.iteration(False):
            pass

    # ------------------------------------------------------ connection

    def _connect(self, deadline: Deadline) -> None:
        state = {}

        def done(_source, res):
            try:
                state["conn"] = Gio.DBusConnection.new_for_address_finish(res)
            except GLib.Error as exc:
                state["error"] = exc

        flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
                 | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
        cancellable = Gio.Cancellable()
        self._with_context(lambda: Gio.DBusConnection.new_for_address(
            self.address, flags, None, cancellable, done))
        try:
            self.iterate_until(lambda: state, deadline,
                               f"connection to {self.address}")
        except Timeout:
            cancellable.cancel()
            raise
        if "error" in state:
            raise _control_error(state["error"])
        self._conn = state["conn"]
        self._conn.set_exit_on_close(False)
        self._subscribe()
        # The match rules go out before this call on the same connection,
        # so once the bus answers it they are in force; signals that came
        # before the answer were dispatched before it, so the owner it
        # names is the latest.
        def take_owner(call):
            if call.result is not None:
                (self._owner,) = unpack(call.result)

        owner = self._call(None, "org.freedesktop.DBus",
                           "/org/freedesktop/DBus", "org.freedesktop.DBus",
                           "GetNameOwner", GLib.Variant("(s)", (self.name,)),
                           deadline, on_done=take_owner)
        try:
            owner.wait(deadline)
        except ControlError as exc:
            if exc.name != "org.freedesktop.DBus.Error.NameHasNoOwner":
                raise

    def _subscribe(self) -> None:
        # Signals count only from the current owner of the band's name,
        # so several bands can share a bus (--control-name).  The owner
        # changes when the band restarts; NameOwnerChanged from the bus
        # is dispatched in order with the band's own signals.
        def subscribe(sender, interface, member, path, arg0, callback):
            return self._with_context(lambda: self._conn.signal_subscribe(
                sender, interface, member, path, arg0,
                Gio.DBusSignalFlags.NONE, callback))

        self._subscriptions = [
            subscribe("org.freedesktop.DBus", "org.freedesktop.DBus",
                      "NameOwnerChanged", "/org/freedesktop/DBus", self.name,
                      self._on_owner_changed),
            subscribe(None, INTERFACE, "Events", self.path, None,
                      self._on_events),
            subscribe(None, PROPERTIES, "PropertiesChanged", self.path,
                      None, self._on_properties_changed),
        ]

    def _on_owner_changed(self, _conn, _sender, _path, _iface, _member,
                          params, *_user):
        name, _old, new = unpack(params)
        if name == self.name:
            self._owner = new or None

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _on_events(self, _conn, sender, _path, _iface, _member, params,
                   *_user):
        if sender != self._owner:
            return
        events = params.get_child_value(0)
        count = events.n_children()
        self.batches.append((self._seq + 1, count))
        for i in range(count):
            event = events.get_child_value(i)
            self.timeline.append(Event(
                self._next_seq(), event.get_child_value(0).get_string(),
                variant=event.get_child_value(1)))

    def _on_properties_changed(self, _conn, sender, _path, _iface, _member,
                               params, *_user):
        if sender != self._owner or \
                params.get_child_value(0).get_string() != INTERFACE:
            return
        _interface, changed, invalidated = unpack(params)
        seq = self._next_seq()
        for prop, value in changed.items():
            self.property_changes.append((seq, prop, value))
        for prop in invalidated:
            self.property_changes.append((seq, prop, None))

    def close(self) -> None:
        if self._conn is None:
            return
        for sub in self._subscriptions:
            self._conn.signal_unsubscribe(sub)
        self._subscriptions = []
        state = {}
        self._with_context(lambda: self._conn.close(
            None, lambda *_: state.setdefault("done", True)))
        try:
            self.iterate_until(lambda: state, Deadline(self.timeout),
                               "connection close")
        finally:
            self._conn = None

    @property
    def owner(self):
        """The unique name of the connection that owns the band's name
        (":1.5"), or None while nobody does."""
        return self._owner

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ----------------------------------------------------------- calls

    def _call(self, method_label, dest, path, interface, method, params,
              deadline: Deadline, on_done=None) -> PendingCall:
        pending = PendingCall(self, method_label or method, on_done)
        ms = max(1, math.ceil(deadline.remaining() * 1000))
        self._with_context(lambda: self._conn.call(
            dest, path, interface, method, params, None,
            Gio.DBusCallFlags.NO_AUTO_START, ms, pending.cancellable,
            pending.complete))
        return pending

    def call_nowait(self, method: str, signature: str = None, *args,
                    interface: str = INTERFACE, timeout=None) -> PendingCall:
        """Send a call and return once it is written to the bus socket.

        The reply is left to PendingCall.wait(), so a test can act (say,
        kill the band) while the call is still in flight.
        """
        deadline = as_deadline(timeout, self.timeout)
        params = GLib.Variant(signature, args) if signature else None
        pending = self._call(method, self.name, self.path, interface,
                             method, params, deadline)
        self._flush(deadline)
        return pending

    def _flush(self, deadline: Deadline) -> None:
        state = {}

        def done(conn, res):
            try:
                conn.flush_finish(res)
            except GLib.Error as exc:
                state["error"] = exc
            state["done"] = True

        self._with_context(lambda: self._conn.flush(None, done))
        self.iterate_until(lambda: state, deadline, "flush")
        if "error" in state:
            raise _control_error(state["error"])

    def call(self, method: str, signature: str = None, *args,
             interface: str = INTERFACE, timeout=None):
        """Call a band method; returns the unpacked reply tuple."""
        deadline = as_deadline(timeout, self.timeout)
        params = GLib.Variant(signature, args) if signature else None
        return self._call(method, self.name, self.path, interface, method,
                          params, deadline).wait(deadline)

    def press_button(self, timeout=None) -> None:
        self.call("PressButton", timeout=timeout)

    def long_press_button(self, timeout=None) -> None:
        self.call("LongPressButton", timeout=timeout)

    def factory_reset(self, timeout=None) -> None:
        self.call("FactoryReset", timeout=timeout)

    def reboot(self, timeout=None) -> None:
        self.call("Reboot", timeout=timeout)

    def advance_clock(self, seconds: float, timeout=None) -> None:
        self.call("AdvanceClock", "(d)", float(seconds), timeout=timeout)

    def set_battery(self, percent: int, timeout=None) -> None:
        """Set the level (0-100); the band's thresholds act at once."""
        self.call("SetBattery", "(u)", int(percent), timeout=timeout)

    def set_charging(self, charging: bool, timeout=None) -> None:
        """Put the band on the charger or take it off."""
        self.call("SetCharging", "(b)", bool(charging), timeout=timeout)

    def set_clock_rate(self, rate: float, timeout=None) -> None:
        """Band time = rate x wall time from now on (0 freezes it)."""
        self.call("SetClockRate", "(d)", float(rate), timeout=timeout)

    def battery(self, timeout=None) -> int:
        """Battery level in whole percent."""
        return self.get("Battery", timeout)

    def charging(self, timeout=None) -> bool:
        return self.get("Charging", timeout)

    def firmware(self, timeout=None) -> dict:
        """Firmware: slot, version, resources, font, watchface."""
        return dict(self.get("Firmware", timeout))

    def get_samples(self, from_ts: int, to_ts: int, timeout=None) -> list:
        """[(timestamp, 4 bytes)] the band holds with from <= ts < to.

        Ground truth from the flash log (docs/sync.md): deleted samples
        are included while still in flash; timestamps are band local
        Unix seconds.  A reply that does not pair up raises ControlError.
        """
        deadline = as_deadline(timeout, self.timeout)
        reply = self._call("GetSamples", self.name, self.path, INTERFACE,
                           "GetSamples",
                           GLib.Variant("(tt)", (int(from_ts), int(to_ts))),
                           deadline).wait_variant(deadline)
        if reply is None or reply.get_type_string() != "(atay)":
            raise ControlError(f"GetSamples replied "
                               f"{reply and reply.get_type_string()}, "
                               f"expected (atay)")
        stamps = unpack(reply.get_child_value(0))
        data = reply.get_child_value(1).get_data_as_bytes().get_data()
        if len(data) != 4 * len(stamps):
            raise ControlError(f"GetSamples gave {len(stamps)} timestamps "
                               f"and {len(data)} sample bytes")
        return [(ts, data[4 * i:4 * i + 4]) for i, ts in enumerate(stamps)]

    def settings(self, timeout=None) -> dict:
        """The property Settings: every setting by its key
        (docs/dbus/io.bandsim.Band1.md), "alarms" as a list of dicts of
        the slots in use, "tz" and "dst" as the RTC holds them."""
        return dict(self.get("Settings", timeout))

    def set_alarm_enabled(self, slot: int, enabled: bool,
                          timeout=None) -> None:
        """A tap on the band's alarm screen: the alarm in slot on or off,
        and device event 0A to the phone.  An unused slot raises
        ControlError named io.bandsim.Error.InvalidArgs."""
        self.call("SetAlarmEnabled", "(yb)", int(slot), bool(enabled),
                  timeout=timeout)

    def heart_rate(self, timeout=None) -> dict:
        """The property HeartRate: mode (the app's measurement running,
        "" for none), bpm and measured-at (band ms) of the last
        reading, 0 before the first."""
        return dict(self.get("HeartRate", timeout))

    def advertisement(self, timeout=None) -> dict:
        """The property Advertisement: "data" and "scan-response", the
        advertising data and scan response (bytes) the band builds now."""
        return {key: bytes(value) for key, value
                in dict(self.get("Advertisement", timeout)).items()}

    # ----------------------------------------- the band's own events

    def find_phone(self, start: bool = True, timeout=None) -> None:
        """The band's find-phone menu: start sends device event 08,
        stop 0F.  Without a phone connected, or starting twice, it
        raises ControlError named io.bandsim.Error.Failed."""
        self.call("FindPhone", "(b)", bool(start), timeout=timeout)

    def music_control(self, action: str, timeout=None) -> None:
        """The band's music screen: "play", "pause", "next",
        "previous", "volume-up", "volume-down", "open", "close" (device
        event FE <code>)."""
        self.call("MusicControl", "(s)", str(action), timeout=timeout)

    def set_silent_mode(self, on: bool, timeout=None) -> None:
        """The band's menu mutes the phone or not (device event 10)."""
        self.call("SetSilentMode", "(b)", bool(on), timeout=timeout)

    def inject_device_event(self, code: int, extra: bytes = b"",
                            timeout=None) -> None:
        """Any device event of fact sheet §9, with the bytes after its
        code; what the band's table refuses raises ControlError named
        io.bandsim.Error.InvalidArgs."""
        self.call("InjectDeviceEvent", "(yay)", int(code), bytes(extra),
                  timeout=timeout)

    def screen(self, timeout=None) -> dict:
        """The property Screen: what the band shows, "name" and the
        screen's fields (docs/policies.md#screen)."""
        return dict(self.get("Screen", timeout))

    def answer_call(self, how: str, timeout=None) -> None:
        """The wearer answers the call that rings on the band: "reject"
        (device event 07 to the phone) or "ignore" (09).  ControlError
        io.bandsim.Error.Failed when no call rings, InvalidArgs for
        another answer."""
        self.call("AnswerCall", "(s)", how, timeout=timeout)

    def start_workout(self, kind: str, timeout=None) -> None:
        """The wearer starts a workout on the band: "outdoor-run",
        "treadmill", "walking", "cycling", "exercise" or "pool-swim"
        (docs/workouts.md).  ControlError io.bandsim.Error.InvalidArgs
        for another kind, Failed if one runs or the band is off."""
        self.call("StartWorkout", "(s)", kind, timeout=timeout)

    def stop_workout(self, timeout=None) -> None:
        """The wearer stops the workout (Failed if none runs)."""
        self.call("StopWorkout", timeout=timeout)

    def workouts(self, timeout=None) -> list:
        """Ground truth: the workouts the band holds and has not deleted,
        oldest first, then the one running ("running": True).  Each a
        dict: id, kind, gps, start and end (Unix seconds, UTC; end 0
        while it runs), tz (quarter hours), cut, running, and track: a
        tuple a second, (offset_s, bpm, steps, distance_dm,
        has_position, lat_e7, lon_e7)."""
        (workouts,) = self.call("GetWorkouts", timeout=timeout)
        return [dict(w) for w in workouts]

    def acked_until(self, timeout=None) -> int:
        """Band local Unix seconds of the last deleted sample, 0 if none."""
        return self.get("AckedUntil", timeout)

    def stored_samples(self, timeout=None) -> int:
        """Samples the band holds and has not deleted."""
        return self.get("StoredSamples", timeout)

    # ---------------------------------------------------------- faults

    def inject_fault(self, spec: str, timeout=None) -> int:
        """Arm a fault (docs/faults.md): one fault line, or
        ``preset=NAME``; returns its id, which the ``fault-fired`` event
        carries.  A line the band cannot parse raises ControlError named
        io.bandsim.Error.InvalidArgs whose message starts with the key."""
        (fault_id,) = self.call("InjectFault", "(s)", str(spec),
                                timeout=timeout)
        return fault_id

    def clear_faults(self, timeout=None) -> None:
        """Disarm every fault."""
        self.call("ClearFaults", timeout=timeout)

    def faults(self, timeout=None) -> list:
        """The property Faults: [(id, spec)] of every fault still armed,
        spec as it was given."""
        return [(int(fault_id), spec)
                for fault_id, spec in self.get("Faults", timeout)]

    # ------------------------------------------------------ properties

    def get(self, prop: str, timeout=None):
        (value,) = self.call("Get", "(ss)", INTERFACE, prop,
                             interface=PROPERTIES, timeout=timeout)
        return value

    def get_all(self, timeout=None) -> dict:
        (values,) = self.call("GetAll", "(s)", INTERFACE,
                              interface=PROPERTIES, timeout=timeout)
        return dict(values)

    def get_all_variants(self, timeout=None) -> dict:
        """Every property as the GLib.Variant it came in, unpacked by
        nobody: {name: variant}.  Comparing two of them (equal()) costs
        a fraction of unpacking all of them, whose nested settings and
        firmware dicts are some 400 values (bandsim/oracles/snapshot.py
        compares before and after a step this way)."""
        deadline = as_deadline(timeout, self.timeout)
        reply = self._call("GetAll", self.name, self.path, PROPERTIES,
                           "GetAll", GLib.Variant("(s)", (INTERFACE,)),
                           deadline).wait_variant(deadline)
        if reply is None or reply.get_type_string() != "(a{sv})":
            raise ControlError(f"GetAll replied "
                               f"{reply and reply.get_type_string()}, "
                               f"expected (a{{sv}})")
        values = reply.get_child_value(0)
        found = {}
        for i in range(values.n_children()):
            entry = values.get_child_value(i)
            found[entry.get_child_value(0).get_string()] = \
                entry.get_child_value(1).get_variant()
        return found

    def wait_property(self, prop: str, value, timeout=None):
        """Wait until a property reads value (PropertiesChanged driven)."""
        deadline = as_deadline(timeout, self.timeout)
        while True:
            mark = self._seq
            current = self.get(prop, deadline)
            if current == value:
                return current
            self.iterate_until(
                lambda: any(seq > mark and name == prop
                            for seq, name, _ in self.property_changes),
                deadline, f"{prop} = {value!r} (reads {current!r})")

    def introspect(self, timeout=None) -> str:
        (xml,) = self.call("Introspect", interface=INTROSPECTABLE,
                           timeout=timeout)
        return xml

    # ---------------------------------------------------------- events

    def names(self):
        """Names of every event so far, in arrival order."""
        return [event.name for event in self.timeline]

    def wait_event(self, name: str, timeout=None, **match) -> Event:
        """Consume the earliest unconsumed event with this name and
        details (key_id=... matches the detail "key-id")."""
        deadline = as_deadline(timeout, self.timeout)
        wanted = {_detail_key(k): v for k, v in match.items()}
        found = []

        def look():
            for event in self.timeline:
                if (event.seq not in self._consumed
                        and event.matches(name, wanted)):
                    found.append(event)
                    return True
            return False

        self.iterate_until(look, deadline, f"event {name} {wanted or ''}")
        self._consumed.add(found[0].seq)
        return found[0]

    def forget_lost_attempts(self, count: int, timeout=None) -> None:
        """Drop the events of count link attempts that failed after the
        band had them, just before the link the caller now holds: a
        BlueZ central's retried connect shows the band "connected" and
        "disconnected" first.  Those are the transport's, not the
        scenario's; every other event is kept."""
        self.sync(timeout)
        self.timeline = without_lost_attempts(self.timeline, count)

    def forget_history(self) -> None:
        """Drop every event and property change recorded so far: a
        long run (a soak) would otherwise keep millions."""
        self.drain()
        self.timeline.clear()
        self.property_changes.clear()
        self._consumed.clear()

    def sync(self, timeout=None) -> None:
        """Record every event the band emitted before this call.

        A property read is served by the band's own main loop, so its
        reply leaves the band after any signal emitted before it.
        """
        self.get("State", timeout)
        self.drain()
