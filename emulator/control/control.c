// SPDX-License-Identifier: GPL-2.0-or-later
/* io.bandsim.Band1 on the bus: the object, its name, the Event signal;
 * methods in control-methods.c, properties in control-props.c. */
#include "control-private.h"

#include <string.h>

static const char introspection_xml[] =
	"<node>"
	"  <interface name='" CONTROL_INTERFACE "'>"
	"    <method name='PressButton'/>"
	"    <method name='LongPressButton'/>"
	"    <method name='FactoryReset'/>"
	"    <method name='Reboot'/>"
	"    <method name='AdvanceClock'>"
	"      <arg name='seconds' type='d' direction='in'/>"
	"    </method>"
	"    <method name='SetBattery'>"
	"      <arg name='percent' type='u' direction='in'/>"
	"    </method>"
	"    <method name='SetCharging'>"
	"      <arg name='charging' type='b' direction='in'/>"
	"    </method>"
	"    <method name='SetClockRate'>"
	"      <arg name='rate' type='d' direction='in'/>"
	"    </method>"
	"    <method name='InjectFault'>"
	"      <arg name='spec' type='s' direction='in'/>"
	"      <arg name='id' type='u' direction='out'/>"
	"    </method>"
	"    <method name='ClearFaults'/>"
	"    <method name='SetAlarmEnabled'>"
	"      <arg name='slot' type='y' direction='in'/>"
	"      <arg name='enabled' type='b' direction='in'/>"
	"    </method>"
	"    <method name='FindPhone'>"
	"      <arg name='start' type='b' direction='in'/>"
	"    </method>"
	"    <method name='MusicControl'>"
	"      <arg name='action' type='s' direction='in'/>"
	"    </method>"
	"    <method name='SetSilentMode'>"
	"      <arg name='on' type='b' direction='in'/>"
	"    </method>"
	"    <method name='InjectDeviceEvent'>"
	"      <arg name='code' type='y' direction='in'/>"
	"      <arg name='extra' type='ay' direction='in'/>"
	"    </method>"
	"    <method name='AnswerCall'>"
	"      <arg name='how' type='s' direction='in'/>"
	"    </method>"
	"    <method name='StartWorkout'>"
	"      <arg name='kind' type='s' direction='in'/>"
	"    </method>"
	"    <method name='StopWorkout'/>"
	"    <method name='GetWorkouts'>"
	"      <arg name='workouts' type='aa{sv}' direction='out'/>"
	"    </method>"
	"    <method name='GetSamples'>"
	"      <arg name='from' type='t' direction='in'/>"
	"      <arg name='to' type='t' direction='in'/>"
	"      <arg name='timestamps' type='at' direction='out'/>"
	"      <arg name='samples' type='ay' direction='out'/>"
	"    </method>"
	"    <property name='State' type='s' access='read'/>"
	"    <property name='Prompt' type='s' access='read'/>"
	"    <property name='Bound' type='b' access='read'/>"
	"    <property name='KeyId' type='s' access='read'/>"
	"    <property name='Address' type='s' access='read'/>"
	"    <property name='Authenticated' type='b' access='read'/>"
	"    <property name='Busy' type='s' access='read'/>"
	"    <property name='Faults' type='a(us)' access='read'/>"
	"    <property name='AckedUntil' type='t' access='read'/>"
	"    <property name='Battery' type='u' access='read'/>"
	"    <property name='Charging' type='b' access='read'/>"
	"    <property name='Firmware' type='a{sv}' access='read'/>"
	"    <property name='Settings' type='a{sv}' access='read'/>"
	"    <property name='HeartRate' type='a{sv}' access='read'/>"
	"    <property name='Screen' type='a{sv}' access='read'/>"
	"    <property name='Bonds' type='a(ss)' access='read'/>"
	"    <property name='StoredSamples' type='u' access='read'/>"
	"    <property name='Clock' type='t' access='read'>"
	"      <annotation name='org.freedesktop.DBus.Property.EmitsChangedSignal' value='false'/>"
	"    </property>"
	"    <property name='Advertisement' type='a{sv}' access='read'>"
	"      <annotation name='org.freedesktop.DBus.Property.EmitsChangedSignal' value='false'/>"
	"    </property>"
	"    <signal name='Events'>"
	"      <arg name='events' type='a(sa{sv})'/>"
	"    </signal>"
	"  </interface>"
	"</node>";

void control_flush(struct control *c, uint32_t props)
{
	if (c->flush_id) {
		g_source_remove(c->flush_id);
		c->flush_id = 0;
	}
	if (c->events) {
		GVariant *events = g_variant_builder_end(c->events);

		g_variant_builder_unref(c->events);
		c->events = NULL;
		c->n_events = 0;
		g_dbus_connection_emit_signal(c->conn, NULL, c->path,
					      CONTROL_INTERFACE, "Events",
					      g_variant_new_tuple(&events, 1),
					      NULL);
	} else if (!props) {
		return;
	}
	control_props_flush(c, props);
}

/* After the turn in which the band emitted events. */
static gboolean flush_idle(gpointer user_data)
{
	struct control *c = user_data;

	c->flush_id = 0;
	control_flush(c, 0);
	return G_SOURCE_REMOVE;
}

/* The events of one main-loop turn go out as one signal: a day of band
 * life brings ~25 events, and AdvanceClock over a month sent ~1,200
 * messages, which cost the band four times its own work
 * (docs/benchmarks.md). */
void control_band_event(struct control *c, const struct mb_event *ev)
{
	GVariant *fields[MB_EVENT_MAX_FIELDS], *event[2];

	if (!c)
		return;
	if (!c->events)
		c->events = g_variant_builder_new(G_VARIANT_TYPE("a(sa{sv})"));
	/* Built from the values, not through format strings: this runs for
	 * every event of a month of band life. */
	for (size_t i = 0; i < ev->n_fields; i++)
		fields[i] = g_variant_new_dict_entry(
			g_variant_new_string(ev->fields[i].key),
			g_variant_new_variant(
				control_field_value(&ev->fields[i])));
	event[0] = g_variant_new_string(mb_event_name(ev->id));
	event[1] = g_variant_new_array(G_VARIANT_TYPE("{sv}"), fields,
				       ev->n_fields);
	g_variant_builder_add_value(c->events, g_variant_new_tuple(event, 2));
	control_props_event(c, ev->id);
	/* Years of band life in one AdvanceClock would hold every event
	 * until the turn ends (a kilobyte each): past a month's, they go
	 * out in more than one signal. */
	if (++c->n_events >= CONTROL_MAX_BATCH) {
		control_flush(c, 0);
		return;
	}
	if (!c->flush_id)
		c->flush_id =
			g_idle_add_full(G_PRIORITY_HIGH, flush_idle, c, NULL);
}

static void method_call(GDBusConnection *conn, const char *sender,
			const char *path, const char *iface, const char *method,
			GVariant *params, GDBusMethodInvocation *inv,
			gpointer user_data)
{
	control_methods_call(user_data, method, params, inv);
}

static GVariant *get_property(GDBusConnection *conn, const char *sender,
			      const char *path, const char *iface,
			      const char *name, GError **error,
			      gpointer user_data)
{
	return control_props_get(user_data, name);
}

static const GDBusInterfaceVTable vtable = {
	.method_call = method_call,
	.get_property = get_property,
};

bool control_is_well_known_name(const char *name)
{
	return g_dbus_is_name(name) && !g_dbus_is_unique_name(name);
}

GDBusConnection *control_connect_bus(const struct control_options *opt,
				     GError **error)
{
	GDBusConnection *conn;

	if (opt->address)
		return g_dbus_connection_new_for_address_sync(
			opt->address,
			G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
				G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
			NULL, NULL, error);
	conn = g_bus_get_sync(opt->bus && !strcmp(opt->bus, "system")
				      ? G_BUS_TYPE_SYSTEM
				      : G_BUS_TYPE_SESSION,
			      NULL, error);
	/* A bus that goes away must not take the band with it. */
	if (conn)
		g_dbus_connection_set_exit_on_close(conn, FALSE);
	return conn;
}

bool control_own_name(GDBusConnection *conn, const char *name, GError **error)
{
	GVariant *r;
	guint32 code;

	/* Flag 4: DBUS_NAME_FLAG_DO_NOT_QUEUE.  Owned before READY=1, so a
	 * client that saw READY can call at once. */
	r = g_dbus_connection_call_sync(
		conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
		"org.freedesktop.DBus", "RequestName",
		g_variant_new("(su)", name, 4u), G_VARIANT_TYPE("(u)"),
		G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
	if (!r)
		return false;
	g_variant_get(r, "(u)", &code);
	g_variant_unref(r);
	if (code != 1) {
		g_set_error(
			error, G_IO_ERROR, G_IO_ERROR_EXISTS,
			"the name %s is already owned on this bus (another band? use --control-name)",
			name);
		return false;
	}
	return true;
}

/* The interface, parsed once: a fleet registers it for every band. */
static GDBusNodeInfo *node_info(GError **error)
{
	static GDBusNodeInfo *info;

	if (info)
		return g_dbus_node_info_ref(info);
	info = g_dbus_node_info_new_for_xml(introspection_xml, error);
	/* The tables and the introspection data cannot disagree. */
	if (info && (!control_methods_check(info->interfaces[0], error) ||
		     !control_props_check(info->interfaces[0], error)))
		g_clear_pointer(&info, g_dbus_node_info_unref);
	return info ? g_dbus_node_info_ref(info) : NULL;
}

struct control *control_new_at(struct mb_band *band,
			       const struct control_host *host, void *host_data,
			       GDBusConnection *conn, const char *path,
			       GError **error)
{
	struct control *c = g_new0(struct control, 1);

	c->band = band;
	c->host = host;
	c->host_data = host_data;
	c->conn = g_object_ref(conn);
	c->path = g_strdup(path);
	c->info = node_info(error);
	if (!c->info)
		goto fail;
	c->reg_id = g_dbus_connection_register_object(c->conn, c->path,
						      c->info->interfaces[0],
						      &vtable, c, NULL, error);
	if (!c->reg_id)
		goto fail;
	control_props_init(c);
	return c;
fail:
	control_free(c);
	return NULL;
}

struct control *control_new(struct mb_band *band,
			    const struct control_host *host, void *host_data,
			    const struct control_options *opt, GError **error)
{
	GDBusConnection *conn = control_connect_bus(opt, error);
	struct control *c;

	if (!conn)
		return NULL;
	c = control_new_at(band, host, host_data, conn, CONTROL_OBJECT_PATH,
			   error);
	g_object_unref(conn);
	if (c && !control_own_name(c->conn, opt->name, error)) {
		control_free(c);
		return NULL;
	}
	return c;
}

void control_flush_events(struct control *c)
{
	if (c)
		control_flush(c, 0);
}

void control_free(struct control *c)
{
	if (!c)
		return;
	/* The last events (a hang-up at shutdown) still go out. */
	if (c->conn && c->reg_id)
		control_flush(c, 0);
	if (c->reg_id)
		g_dbus_connection_unregister_object(c->conn, c->reg_id);
	if (c->events)
		g_variant_builder_unref(c->events);
	control_props_clear(c);
	if (c->info)
		g_dbus_node_info_unref(c->info);
	if (c->conn) {
		g_dbus_connection_flush_sync(c->conn, NULL, NULL);
		g_object_unref(c->conn);
	}
	g_free(c->path);
	g_free(c);
}
