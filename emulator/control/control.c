// SPDX-License-Identifier: GPL-2.0-or-later
#include "control.h"

#include <math.h>
#include <string.h>

#include "core/auth.h"
#include "core/fault.h"
#include "core/firmware.h"
#include "core/flashlog.h"
#include "core/identity.h"
#include "core/power.h"
#include "core/tick.h"
#include "core/fwinfo.h"

#define ERROR_INVALID_ARGS "io.bandsim.Error.InvalidArgs"
#define ERROR_FAILED "io.bandsim.Error.Failed"
/* Ten years of band time is more than any scenario needs. */
#define MAX_ADVANCE_S (10.0 * 365 * 86400)

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
	"    <property name='StoredSamples' type='u' access='read'/>"
	"    <property name='Clock' type='t' access='read'>"
	"      <annotation name='org.freedesktop.DBus.Property.EmitsChangedSignal' value='false'/>"
	"    </property>"
	"    <signal name='Event'>"
	"      <arg name='name' type='s'/>"
	"      <arg name='details' type='a{sv}'/>"
	"    </signal>"
	"  </interface>"
	"</node>";

/* Properties that announce their changes; Clock moves all the time and
 * is only read on demand. */
static const char *const watched[] = {
	"State", "Prompt", "Bound", "KeyId", "Address", "Authenticated",
	"AckedUntil", "Battery", "Charging", "Firmware", "Busy", "Faults",
};

struct control {
	struct mb_band *band;
	struct runner *runner;
	struct bandsim_clock *clock;
	GDBusConnection *conn;
	GDBusNodeInfo *info;
	guint reg_id;
	GVariant *last[G_N_ELEMENTS(watched)];
};

static GVariant *property_value(struct control *c, const char *name)
{
	const struct mb_band_state *st = mb_band_state(c->band);
	char buf[18];

	if (!strcmp(name, "State")) {
		enum mb_power_state power = mb_power_state(mb_band_power(c->band));

		if (power != MB_POWER_STATE_ON)
			return g_variant_new_string(mb_power_state_name(power));
		return g_variant_new_string(mb_link_connected(mb_band_link(c->band)) ? "connected"
								   : "advertising");
	}
	if (!strcmp(name, "Faults")) {
		GVariantBuilder b;

		g_variant_builder_init(&b, G_VARIANT_TYPE("a(us)"));
		for (size_t i = 0; i < mb_faults_count(mb_band_faults(c->band)); i++) {
			unsigned int id;
			const char *spec = mb_faults_spec(mb_band_faults(c->band), i, &id);

			g_variant_builder_add(&b, "(us)", id, spec);
		}
		return g_variant_builder_end(&b);
	}
	if (!strcmp(name, "Busy"))
		return g_variant_new_string(mb_band_busy_name(mb_band_busy(c->band)));
	if (!strcmp(name, "Battery"))
		return g_variant_new_uint32(mb_power_level(mb_band_power(c->band)));
	if (!strcmp(name, "Charging"))
		return g_variant_new_boolean(mb_power_charging(mb_band_power(c->band)));
	if (!strcmp(name, "Firmware")) {
		const struct mb_firmware_info *fi = mb_firmware_info(mb_band_firmware(c->band));
		GVariantBuilder b;
		char slot[2] = { fi->slot, '\0' };

		g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
		g_variant_builder_add(&b, "{sv}", "slot", g_variant_new_string(slot));
		g_variant_builder_add(&b, "{sv}", "version",
				      g_variant_new_string(mb_firmware_version(mb_band_firmware(c->band))));
		g_variant_builder_add(&b, "{sv}", "resources", g_variant_new_string(fi->resources));
		g_variant_builder_add(&b, "{sv}", "font", g_variant_new_string(fi->font));
		g_variant_builder_add(&b, "{sv}", "watchface", g_variant_new_string(fi->watchface));
		return g_variant_builder_end(&b);
	}
	if (!strcmp(name, "Prompt"))
		return g_variant_new_string(mb_auth_prompt(mb_band_auth(c->band)));
	if (!strcmp(name, "Bound"))
		return g_variant_new_boolean(st->bound);
	if (!strcmp(name, "KeyId")) {
		mb_band_state_key_id(st, buf);
		return g_variant_new_string(buf);
	}
	if (!strcmp(name, "Address")) {
		mb_band_state_address(st, buf);
		return g_variant_new_string(buf);
	}
	if (!strcmp(name, "Authenticated"))
		return g_variant_new_boolean(mb_band_authenticated(c->band));
	if (!strcmp(name, "AckedUntil"))
		return g_variant_new_uint64((guint64)mb_flashlog_acked_minute(mb_band_log(c->band)) * 60);
	if (!strcmp(name, "StoredSamples"))
		return g_variant_new_uint32((guint32)mb_flashlog_stored(mb_band_log(c->band)));
	if (!strcmp(name, "Clock"))
		return g_variant_new_uint64(bandsim_clock_now(c->clock));
	return NULL;
}

static void emit_properties_changed(struct control *c)
{
	GVariantBuilder changed;
	bool any = false;

	g_variant_builder_init(&changed, G_VARIANT_TYPE("a{sv}"));
	for (size_t i = 0; i < G_N_ELEMENTS(watched); i++) {
		GVariant *v = g_variant_ref_sink(property_value(c, watched[i]));

		if (c->last[i] && g_variant_equal(v, c->last[i])) {
			g_variant_unref(v);
			continue;
		}
		g_variant_builder_add(&changed, "{sv}", watched[i], v);
		if (c->last[i])
			g_variant_unref(c->last[i]);
		c->last[i] = v;
		any = true;
	}
	if (!any) {
		g_variant_builder_clear(&changed);
		return;
	}
	g_dbus_connection_emit_signal(c->conn, NULL, CONTROL_OBJECT_PATH,
				      "org.freedesktop.DBus.Properties",
				      "PropertiesChanged",
				      g_variant_new("(sa{sv}as)", CONTROL_INTERFACE,
						    &changed, NULL),
				      NULL);
}

void control_band_event(struct control *c, const struct mb_event *ev)
{
	GVariantBuilder details;

	if (!c)
		return;
	g_variant_builder_init(&details, G_VARIANT_TYPE("a{sv}"));
	for (size_t i = 0; i < ev->n_fields; i++) {
		const struct mb_event_field *f = &ev->fields[i];

		switch (f->type) {
		case MB_EVENT_TYPE_STRING:
			g_variant_builder_add(&details, "{sv}", f->key,
					      g_variant_new_string(f->str));
			break;
		case MB_EVENT_TYPE_BYTE:
			g_variant_builder_add(&details, "{sv}", f->key,
					      g_variant_new_byte(f->byte));
			break;
		case MB_EVENT_TYPE_UINT32:
			g_variant_builder_add(&details, "{sv}", f->key,
					      g_variant_new_uint32(f->u32));
			break;
		}
	}
	g_dbus_connection_emit_signal(c->conn, NULL, CONTROL_OBJECT_PATH,
				      CONTROL_INTERFACE, "Event",
				      g_variant_new("(sa{sv})", mb_event_name(ev->id), &details),
				      NULL);
	emit_properties_changed(c);
}

/* The samples in [from, to) of band local time, as (at, ay): a 30-day
 * window is 43200 samples, so they travel packed, not as structs. */
static GVariant *get_samples(struct control *c, guint64 from, guint64 to)
{
	GArray *ts = g_array_new(FALSE, FALSE, sizeof(guint64));
	GByteArray *data = g_byte_array_new();
	GVariant *r;

	for (size_t i = 0; i < mb_flashlog_count(mb_band_log(c->band)); i++) {
		const struct mb_flashlog_sample *s = mb_flashlog_at(mb_band_log(c->band), i);
		guint64 t = (guint64)s->minute * 60;

		if (t < from || t >= to)
			continue;
		g_array_append_val(ts, t);
		g_byte_array_append(data, s->data, 4);
	}
	r = g_variant_new("(@at@ay)",
			  g_variant_new_fixed_array(G_VARIANT_TYPE_UINT64, ts->data,
						    ts->len, sizeof(guint64)),
			  g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data->data,
						    data->len, 1));
	g_array_unref(ts);
	g_byte_array_unref(data);
	return r;
}

static void method_call(GDBusConnection *conn, const char *sender,
			const char *path, const char *iface,
			const char *method, GVariant *params,
			GDBusMethodInvocation *inv, gpointer user_data)
{
	struct control *c = user_data;
	char *err = NULL;

	if (!strcmp(method, "PressButton")) {
		mb_band_press_button(c->band);
	} else if (!strcmp(method, "LongPressButton")) {
		mb_band_long_press_button(c->band);
	} else if (!strcmp(method, "FactoryReset")) {
		if (!mb_band_factory_reset(c->band, &err)) {
			g_dbus_method_invocation_return_dbus_error(inv, ERROR_FAILED, err);
			free(err);
			return;
		}
	} else if (!strcmp(method, "Reboot")) {
		mb_band_reboot(c->band);
	} else if (!strcmp(method, "SetBattery")) {
		guint32 pct;

		g_variant_get(params, "(u)", &pct);
		if (pct > 100) {
			g_dbus_method_invocation_return_dbus_error(inv, ERROR_INVALID_ARGS,
				"percent must be 0..100");
			return;
		}
		mb_power_set_level(mb_band_power(c->band), pct);
	} else if (!strcmp(method, "SetCharging")) {
		gboolean on;

		g_variant_get(params, "(b)", &on);
		mb_power_set_plugged(mb_band_power(c->band), on);
	} else if (!strcmp(method, "SetClockRate")) {
		double k;

		g_variant_get(params, "(d)", &k);
		if (!isfinite(k) || k < 0 || k > 1e6) {
			g_dbus_method_invocation_return_dbus_error(inv, ERROR_INVALID_ARGS,
				"rate must be between 0 and 1000000");
			return;
		}
		bandsim_clock_set_rate(c->clock, k);
	} else if (!strcmp(method, "InjectFault")) {
		const char *spec;
		unsigned int id;

		g_variant_get(params, "(&s)", &spec);
		id = mb_faults_inject(mb_band_faults(c->band), spec, &err);
		if (!id) {
			g_dbus_method_invocation_return_dbus_error(inv, ERROR_INVALID_ARGS, err);
			free(err);
			return;
		}
		emit_properties_changed(c);
		g_dbus_method_invocation_return_value(inv, g_variant_new("(u)", id));
		return;
	} else if (!strcmp(method, "ClearFaults")) {
		mb_faults_clear(mb_band_faults(c->band));
		emit_properties_changed(c);
	} else if (!strcmp(method, "GetSamples")) {
		guint64 from, to;

		g_variant_get(params, "(tt)", &from, &to);
		g_dbus_method_invocation_return_value(inv, get_samples(c, from, to));
		return;
	} else if (!strcmp(method, "AdvanceClock")) {
		double s;

		g_variant_get(params, "(d)", &s);
		if (!isfinite(s) || s < 0 || s > MAX_ADVANCE_S) {
			g_dbus_method_invocation_return_dbus_error(inv, ERROR_INVALID_ARGS,
				"seconds must be between 0 and ten years");
			return;
		}
		bandsim_clock_advance(c->clock, (uint64_t)llround(s * 1000.0));
	}
	/* Whatever was due by the new band time happens before the reply,
	 * so its events reach the caller first. */
	runner_kick(c->runner);
	g_dbus_method_invocation_return_value(inv, NULL);
}

static GVariant *get_property(GDBusConnection *conn, const char *sender,
			      const char *path, const char *iface,
			      const char *name, GError **error,
			      gpointer user_data)
{
	return property_value(user_data, name);
}

static const GDBusInterfaceVTable vtable = {
	.method_call = method_call,
	.get_property = get_property,
};

GDBusConnection *control_connect_bus(const struct control_options *opt,
				     GError **error)
{
	GDBusConnection *conn;

	if (opt->address)
		return g_dbus_connection_new_for_address_sync(opt->address,
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

static bool own_name(GDBusConnection *conn, const char *name, GError **error)
{
	GVariant *r;
	guint32 code;

	/* Flag 4: DBUS_NAME_FLAG_DO_NOT_QUEUE.  Owned before READY=1, so a
	 * client that saw READY can call at once. */
	r = g_dbus_connection_call_sync(conn, "org.freedesktop.DBus",
					"/org/freedesktop/DBus",
					"org.freedesktop.DBus", "RequestName",
					g_variant_new("(su)", name, 4u),
					G_VARIANT_TYPE("(u)"),
					G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
	if (!r)
		return false;
	g_variant_get(r, "(u)", &code);
	g_variant_unref(r);
	if (code != 1) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
			    "the name %s is already owned on this bus (another band? use --control-name)",
			    name);
		return false;
	}
	return true;
}

struct control *control_new(struct mb_band *band, struct runner *runner,
			    struct bandsim_clock *clock,
			    const struct control_options *opt, GError **error)
{
	struct control *c = g_new0(struct control, 1);

	c->band = band;
	c->runner = runner;
	c->clock = clock;
	c->conn = control_connect_bus(opt, error);
	if (!c->conn)
		goto fail;
	c->info = g_dbus_node_info_new_for_xml(introspection_xml, error);
	if (!c->info)
		goto fail;
	c->reg_id = g_dbus_connection_register_object(c->conn, CONTROL_OBJECT_PATH,
						      c->info->interfaces[0],
						      &vtable, c, NULL, error);
	if (!c->reg_id || !own_name(c->conn, opt->name, error))
		goto fail;
	for (size_t i = 0; i < G_N_ELEMENTS(watched); i++)
		c->last[i] = g_variant_ref_sink(property_value(c, watched[i]));
	return c;
fail:
	control_free(c);
	return NULL;
}

void control_free(struct control *c)
{
	if (!c)
		return;
	if (c->reg_id)
		g_dbus_connection_unregister_object(c->conn, c->reg_id);
	for (size_t i = 0; i < G_N_ELEMENTS(watched); i++)
		if (c->last[i])
			g_variant_unref(c->last[i]);
	if (c->info)
		g_dbus_node_info_unref(c->info);
	if (c->conn) {
		g_dbus_connection_flush_sync(c->conn, NULL, NULL);
		g_object_unref(c->conn);
	}
	g_free(c);
}
