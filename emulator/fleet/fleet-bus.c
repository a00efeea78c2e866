// SPDX-License-Identifier: GPL-2.0-or-later
/* io.bandsim.Fleet1 on /io/bandsim (docs/dbus/io.bandsim.Fleet1.md): the
 * fleet's list of bands and what can be done to one of them.  Each band
 * answers on its own object with io.bandsim.Band1 (control/). */
#include "fleet-bus.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "control/control.h"
#include "core/util.h"

#define ERROR_INVALID_ARGS "io.bandsim.Error.InvalidArgs"
#define ERROR_FAILED "io.bandsim.Error.Failed"
/* As Band1.AdvanceClock. */
#define MAX_ADVANCE_S (10.0 * 365 * 86400)

static const char introspection_xml[] =
	"<node>"
	"  <interface name='" FLEET_INTERFACE "'>"
	"    <method name='AddBand'>"
	"      <arg name='id' type='u' direction='out'/>"
	"      <arg name='path' type='o' direction='out'/>"
	"      <arg name='socket' type='s' direction='out'/>"
	"    </method>"
	"    <method name='AddBandWith'>"
	"      <arg name='options' type='a{sv}' direction='in'/>"
	"      <arg name='id' type='u' direction='out'/>"
	"      <arg name='path' type='o' direction='out'/>"
	"      <arg name='socket' type='s' direction='out'/>"
	"    </method>"
	"    <method name='RemoveBand'>"
	"      <arg name='id' type='u' direction='in'/>"
	"    </method>"
	"    <method name='KillBand'>"
	"      <arg name='id' type='u' direction='in'/>"
	"    </method>"
	"    <method name='StartBand'>"
	"      <arg name='id' type='u' direction='in'/>"
	"    </method>"
	"    <method name='AdvanceClock'>"
	"      <arg name='seconds' type='d' direction='in'/>"
	"    </method>"
	"    <property name='Bands' type='a(uosb)' access='read'/>"
	"    <property name='Count' type='u' access='read'/>"
	"  </interface>"
	"</node>";

struct fleet_bus {
	struct fleet *fleet;
	GDBusConnection *conn;
	GDBusNodeInfo *info;
	guint reg_id;
	guint changed_id;
};

static GVariant *bands_value(const struct fleet *f)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a(uosb)"));
	for (size_t i = 0; i < fleet_n_bands(f); i++) {
		struct fleet_band_info info;

		fleet_band(f, i, &info);
		g_variant_builder_add(&b, "(uosb)", info.id, info.path,
				      info.socket, info.running);
	}
	return g_variant_builder_end(&b);
}

static GVariant *count_value(const struct fleet *f)
{
	return g_variant_new_uint32((guint32)fleet_n_bands(f));
}

/* The properties, in the order PropertiesChanged lists them. */
static const struct {
	const char *name;
	GVariant *(*get)(const struct fleet *f);
} props[] = {
	{ "Bands", bands_value },
	{ "Count", count_value },
};

static gboolean send_changed(gpointer user_data)
{
	struct fleet_bus *fb = user_data;
	GVariantBuilder changed;

	fb->changed_id = 0;
	g_variant_builder_init(&changed, G_VARIANT_TYPE("a{sv}"));
	for (size_t i = 0; i < G_N_ELEMENTS(props); i++)
		g_variant_builder_add(&changed, "{sv}", props[i].name,
				      props[i].get(fb->fleet));
	g_dbus_connection_emit_signal(
		fb->conn, NULL, FLEET_OBJECT_PATH,
		"org.freedesktop.DBus.Properties", "PropertiesChanged",
		g_variant_new("(sa{sv}as)", FLEET_INTERFACE, &changed, NULL),
		NULL);
	return G_SOURCE_REMOVE;
}

/* Once per main-loop turn: the whole list goes out each time, and a
 * thousand bands added in one turn would send it a thousand times. */
static void on_changed(void *user_data)
{
	struct fleet_bus *fb = user_data;

	if (!fb->changed_id)
		fb->changed_id = g_idle_add(send_changed, fb);
}

/* A method's outcome: false with err (taken) as a Failed error. */
static void reply(GDBusMethodInvocation *inv, bool ok, char *err, GVariant *out)
{
	if (ok) {
		g_dbus_method_invocation_return_value(inv, out);
	} else {
		g_dbus_method_invocation_return_dbus_error(inv, ERROR_FAILED,
							   err);
		if (out)
			g_variant_unref(g_variant_ref_sink(out));
	}
	free(err);
}

/* AddBandWith's options: a band's own wearer and key, where the fleet's
 * would make it differ from a band `bandsim` runs alone (a test lent a
 * fleet's band: docs/conformance.md). */
static bool opt_life_seed(GVariant *v, struct fleet_band_opts *o)
{
	o->life_seed_set = true;
	o->life_seed = g_variant_get_uint64(v);
	return true;
}

static bool opt_auth_key(GVariant *v, struct fleet_band_opts *o)
{
	gsize n = 0;
	const void *key = g_variant_get_fixed_array(v, &n, 1);

	/* Empty: unbound, as from the box; else the key it was bound to. */
	if (n != 0 && n != sizeof(o->key))
		return false;
	o->key_set = true;
	o->bind_key = n != 0;
	if (n)
		memcpy(o->key, key, n);
	return true;
}

static const struct {
	const char *name;
	const char *type;
	const char *what; /* what a value must be, for the error */
	bool (*parse)(GVariant *v, struct fleet_band_opts *o);
} band_opts[] = {
	{ "life-seed", "t", "a uint64 (t)", opt_life_seed },
	{ "auth-key", "ay", "16 bytes, or none for an unbound band (ay)",
	  opt_auth_key },
};

static void unknown_band_opt(const char *key, char **err)
{
	GString *known = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(band_opts); i++)
		g_string_append_printf(known, "%s%s", i ? ", " : "",
				       band_opts[i].name);
	mb_set_error(err, "no band option %s (there are: %s)", key, known->str);
	g_string_free(known, TRUE);
}

/* false with *err naming the option that is not one, or not right. */
static bool parse_band_opts(GVariant *dict, struct fleet_band_opts *o,
			    char **err)
{
	GVariantIter it;
	const char *key;
	GVariant *v;

	g_variant_iter_init(&it, dict);
	while (g_variant_iter_next(&it, "{&sv}", &key, &v)) {
		size_t i;
		bool ok = false;

		for (i = 0; i < G_N_ELEMENTS(band_opts); i++)
			if (!strcmp(key, band_opts[i].name))
				break;
		if (i == G_N_ELEMENTS(band_opts))
			unknown_band_opt(key, err);
		else if (!g_variant_is_of_type(
				 v, G_VARIANT_TYPE(band_opts[i].type)) ||
			 !(ok = band_opts[i].parse(v, o)))
			mb_set_error(err, "%s must be %s", key,
				     band_opts[i].what);
		g_variant_unref(v);
		if (!ok)
			return false;
	}
	return true;
}

static void add_band(struct fleet_bus *fb, GVariant *args,
		     GDBusMethodInvocation *inv)
{
	struct fleet_band_opts opts = { 0 };
	char *err = NULL;
	unsigned int id = 0;
	GVariant *out = NULL;
	bool ok;

	if (args && g_variant_n_children(args) == 1) {
		GVariant *dict = g_variant_get_child_value(args, 0);

		ok = parse_band_opts(dict, &opts, &err);
		g_variant_unref(dict);
		if (!ok) {
			g_dbus_method_invocation_return_dbus_error(
				inv, ERROR_INVALID_ARGS, err);
			free(err);
			return;
		}
	}
	ok = fleet_add_with(fb->fleet, &opts, &id, &err);
	for (size_t i = 0; ok && i < fleet_n_bands(fb->fleet); i++) {
		struct fleet_band_info info;

		fleet_band(fb->fleet, i, &info);
		if (info.id == id)
			out = g_variant_new("(uos)", info.id, info.path,
					    info.socket);
	}
	reply(inv, ok, err, out);
}

/* RemoveBand, KillBand and StartBand: one band by its number. */
static const struct {
	const char *method;
	bool (*fn)(struct fleet *f, unsigned int id, char **err);
} by_id[] = {
	{ "RemoveBand", fleet_remove },
	{ "KillBand", fleet_kill },
	{ "StartBand", fleet_restart },
};

static void advance_clock(struct fleet_bus *fb, GVariant *args,
			  GDBusMethodInvocation *inv)
{
	char *err = NULL;
	double s;
	bool ok;

	g_variant_get(args, "(d)", &s);
	if (!isfinite(s) || s < 0 || s > MAX_ADVANCE_S) {
		g_dbus_method_invocation_return_dbus_error(
			inv, ERROR_INVALID_ARGS,
			"seconds must be between 0 and ten years");
		return;
	}
	/* Not in reply()'s arguments: err is set by the call. */
	ok = fleet_advance(fb->fleet, (uint64_t)llround(s * 1000.0), &err);
	reply(inv, ok, err, NULL);
}

static void method_call(GDBusConnection *conn, const char *sender,
			const char *path, const char *iface, const char *method,
			GVariant *params, GDBusMethodInvocation *inv,
			gpointer user_data)
{
	struct fleet_bus *fb = user_data;
	char *err = NULL;
	guint32 id;
	bool ok;

	if (!strcmp(method, "AddBand") || !strcmp(method, "AddBandWith")) {
		add_band(fb, params, inv);
		return;
	}
	if (!strcmp(method, "AdvanceClock")) {
		advance_clock(fb, params, inv);
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(by_id); i++) {
		if (strcmp(method, by_id[i].method))
			continue;
		g_variant_get(params, "(u)", &id);
		ok = by_id[i].fn(fb->fleet, id, &err);
		reply(inv, ok, err, NULL);
		return;
	}
	g_dbus_method_invocation_return_dbus_error(
		inv, "org.freedesktop.DBus.Error.UnknownMethod", method);
}

static GVariant *get_property(GDBusConnection *conn, const char *sender,
			      const char *path, const char *iface,
			      const char *name, GError **error,
			      gpointer user_data)
{
	struct fleet_bus *fb = user_data;

	for (size_t i = 0; i < G_N_ELEMENTS(props); i++)
		if (!strcmp(props[i].name, name))
			return props[i].get(fb->fleet);
	g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY,
		    "no property %s", name);
	return NULL;
}

static const GDBusInterfaceVTable vtable = {
	.method_call = method_call,
	.get_property = get_property,
};

struct fleet_bus *fleet_bus_new(struct fleet *fleet, GDBusConnection *conn,
				GError **error)
{
	struct fleet_bus *fb = g_new0(struct fleet_bus, 1);

	fb->fleet = fleet;
	fb->conn = g_object_ref(conn);
	fb->info = g_dbus_node_info_new_for_xml(introspection_xml, error);
	if (!fb->info)
		goto fail;
	fb->reg_id = g_dbus_connection_register_object(conn, FLEET_OBJECT_PATH,
						       fb->info->interfaces[0],
						       &vtable, fb, NULL,
						       error);
	if (!fb->reg_id)
		goto fail;
	fleet_set_changed_handler(fleet, on_changed, fb);
	return fb;
fail:
	fleet_bus_free(fb);
	return NULL;
}

void fleet_bus_free(struct fleet_bus *fb)
{
	if (!fb)
		return;
	fleet_set_changed_handler(fb->fleet, NULL, NULL);
	g_clear_handle_id(&fb->changed_id, g_source_remove);
	if (fb->reg_id)
		g_dbus_connection_unregister_object(fb->conn, fb->reg_id);
	if (fb->info)
		g_dbus_node_info_unref(fb->info);
	g_object_unref(fb->conn);
	g_free(fb);
}
