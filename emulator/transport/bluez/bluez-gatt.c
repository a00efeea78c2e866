// SPDX-License-Identifier: GPL-2.0-or-later
#include "bluez-gatt.h"

#include <string.h>

#include "bluez-dbus.h"
#include "core/att.h"

#define SERVICE_IFACE "org.bluez.GattService1"
#define CHR_IFACE "org.bluez.GattCharacteristic1"
#define OM_IFACE "org.freedesktop.DBus.ObjectManager"

static const char introspection_xml[] =
	"<node>"
	" <interface name='org.freedesktop.DBus.ObjectManager'>"
	"  <method name='GetManagedObjects'>"
	"   <arg name='objects' type='a{oa{sa{sv}}}' direction='out'/>"
	"  </method>"
	"  <signal name='InterfacesAdded'>"
	"   <arg name='object' type='o'/>"
	"   <arg name='interfaces' type='a{sa{sv}}'/>"
	"  </signal>"
	"  <signal name='InterfacesRemoved'>"
	"   <arg name='object' type='o'/>"
	"   <arg name='interfaces' type='as'/>"
	"  </signal>"
	" </interface>"
	" <interface name='org.bluez.GattService1'>"
	"  <property name='UUID' type='s' access='read'/>"
	"  <property name='Primary' type='b' access='read'/>"
	"  <property name='Includes' type='ao' access='read'/>"
	"  <property name='Handle' type='q' access='readwrite'/>"
	" </interface>"
	" <interface name='org.bluez.GattCharacteristic1'>"
	"  <method name='ReadValue'>"
	"   <arg name='options' type='a{sv}' direction='in'/>"
	"   <arg name='value' type='ay' direction='out'/>"
	"  </method>"
	"  <method name='WriteValue'>"
	"   <arg name='value' type='ay' direction='in'/>"
	"   <arg name='options' type='a{sv}' direction='in'/>"
	"  </method>"
	"  <method name='StartNotify'/>"
	"  <method name='StopNotify'/>"
	"  <method name='Confirm'/>"
	"  <property name='UUID' type='s' access='read'/>"
	"  <property name='Service' type='o' access='read'/>"
	"  <property name='Value' type='ay' access='read'/>"
	"  <property name='Notifying' type='b' access='read'/>"
	"  <property name='Flags' type='as' access='read'/>"
	"  <property name='Handle' type='q' access='readwrite'/>"
	" </interface>"
	"</node>";

struct gatt_obj {
	struct bluez_gatt *g;
	char *path;
	const struct mb_profile_svc *svc; /* services */
	const struct mb_gatt_chr *chr;	  /* characteristics */
	const char *svc_path;		  /* characteristics */
	const struct gatt_obj *service;	  /* characteristics */
	uint16_t layout_handle;		  /* where the band's table has it */
	uint16_t request; /* what Handle asks bluetoothd for, 0 = any */
	uint16_t handle;  /* what bluetoothd said it assigned, 0 = not yet */
	GBytes *value;	  /* last value read or notified */
	guint reg_id;
};

struct bluez_gatt {
	GDBusConnection *conn;
	char *root;
	struct mb_band *band;
	struct bluez_bridge *bridge;
	const struct bluez_gatt_callbacks *cb;
	void *user_data;
	GDBusNodeInfo *info;
	guint om_id;
	bool hints;
	GPtrArray *objs; /* struct gatt_obj, services then their chrs */
	struct gatt_obj **by_chr; /* indexed by mb_gatt_chr.index */
};

static bool served_by_bluez(const struct mb_profile_svc *svc)
{
	return mb_uuid_is16(&svc->uuid, 0x1800) ||
	       mb_uuid_is16(&svc->uuid, 0x1801);
}

static uint16_t requested_handle(const struct gatt_obj *o)
{
	return o->g->hints ? o->request : 0;
}

static GVariant *flags_variant(const struct mb_gatt_chr *chr)
{
	static const struct {
		uint8_t bit;
		const char *flag;
	} map[] = {
		{ MB_PROP_READ, "read" },
		{ MB_PROP_WRITE_NO_RSP, "write-without-response" },
		{ MB_PROP_WRITE, "write" },
		{ MB_PROP_NOTIFY, "notify" },
		{ MB_PROP_INDICATE, "indicate" },
	};
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
	for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
		if (chr->def->props & map[i].bit)
			g_variant_builder_add(&b, "s", map[i].flag);
	return g_variant_builder_end(&b);
}

static GVariant *uuid_variant(const struct mb_uuid *u)
{
	char s[MB_UUID_STR_LEN];

	mb_uuid_to_string(u, s);
	return g_variant_new_string(s);
}

static GVariant *prop_handle(const struct gatt_obj *o)
{
	return g_variant_new_uint16(o->handle ? o->handle
					      : requested_handle(o));
}

static GVariant *prop_svc_uuid(const struct gatt_obj *o)
{
	return uuid_variant(&o->svc->uuid);
}

static GVariant *prop_primary(const struct gatt_obj *o)
{
	return g_variant_new_boolean(TRUE);
}

static GVariant *prop_includes(const struct gatt_obj *o)
{
	return g_variant_new_objv(NULL, 0);
}

static GVariant *prop_chr_uuid(const struct gatt_obj *o)
{
	return uuid_variant(&o->chr->def->uuid);
}

static GVariant *prop_service(const struct gatt_obj *o)
{
	return g_variant_new_object_path(o->svc_path);
}

static GVariant *prop_value(const struct gatt_obj *o)
{
	/* The variant holds the bytes: a later write may replace o->value
	 * while the reply is still queued. */
	return o->value ? g_variant_new_from_bytes(G_VARIANT_TYPE("ay"),
						   o->value, TRUE)
			: g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, "", 0,
						    1);
}

static GVariant *prop_notifying(const struct gatt_obj *o)
{
	return g_variant_new_boolean(
		bluez_bridge_notifying(o->g->bridge, o->chr));
}

static GVariant *prop_flags(const struct gatt_obj *o)
{
	return flags_variant(o->chr);
}

/* org.bluez.GattService1 and GattCharacteristic1, one row a property. */
static const struct gatt_prop {
	bool service;
	const char *name;
	GVariant *(*get)(const struct gatt_obj *o);
} gatt_props[] = {
	{ true, "Handle", prop_handle },
	{ true, "UUID", prop_svc_uuid },
	{ true, "Primary", prop_primary },
	{ true, "Includes", prop_includes },
	{ false, "Handle", prop_handle },
	{ false, "UUID", prop_chr_uuid },
	{ false, "Service", prop_service },
	{ false, "Value", prop_value },
	{ false, "Notifying", prop_notifying },
	{ false, "Flags", prop_flags },
};

static GVariant *get_prop(const struct gatt_obj *o, const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(gatt_props); i++)
		if (gatt_props[i].service == (o->svc != NULL) &&
		    !strcmp(gatt_props[i].name, name))
			return gatt_props[i].get(o);
	return NULL;
}

static GVariant *all_props(const struct gatt_obj *o)
{
	const GDBusInterfaceInfo *iface = g_dbus_node_info_lookup_interface(
		o->g->info, o->svc ? SERVICE_IFACE : CHR_IFACE);
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	for (size_t i = 0; iface->properties[i]; i++) {
		const char *name = iface->properties[i]->name;

		g_variant_builder_add(&b, "{sv}", name, get_prop(o, name));
	}
	return g_variant_builder_end(&b);
}

static void emit_changed(const struct gatt_obj *o, const char *name)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", name, get_prop(o, name));
	bluez_dbus_emit_changed(o->g->conn, o->path, CHR_IFACE, &b);
}

static void set_value(struct gatt_obj *o, const uint8_t *value, size_t len)
{
	if (o->value)
		g_bytes_unref(o->value);
	o->value = g_bytes_new(value, len);
}

/* Options bluetoothd passes with ReadValue and WriteValue. */
struct call_options {
	uint16_t offset;
	uint16_t mtu;
	const char *device;
	const char *type;
};

static void parse_options(GVariant *dict, struct call_options *opt)
{
	*opt = (struct call_options){ 0 };
	g_variant_lookup(dict, "offset", "q", &opt->offset);
	g_variant_lookup(dict, "mtu", "q", &opt->mtu);
	g_variant_lookup(dict, "device", "&o", &opt->device);
	g_variant_lookup(dict, "type", "&s", &opt->type);
}

static void return_att_error(GDBusMethodInvocation *inv, uint8_t err)
{
	char msg[8];

	/* bluetoothd turns the code in a Failed message back into the ATT
	 * error when it is an application error (0x80-0x9F), anything else
	 * into Unlikely Error. */
	g_snprintf(msg, sizeof(msg), "0x%02x", err);
	g_dbus_method_invocation_return_dbus_error(
		inv, bluez_bridge_error_name(err), msg);
}

/* Answers a call the band refused (true); false for err 0, which the
 * caller answers.  A request the band left unanswered (a silent band)
 * gets Unlikely Error: bluetoothd 5.66 cannot have a call left pending
 * when the link ends (in the VM it was gone from the system bus after
 * one), so the central's request fails at once where on the air it
 * would time out (docs/bluez.md). */
static bool refused(GDBusMethodInvocation *inv, uint8_t err)
{
	if (err)
		return_att_error(inv, err == BLUEZ_BRIDGE_NO_RESPONSE
					      ? MB_ATT_ERROR_UNLIKELY
					      : err);
	return err != 0;
}

/* Whether the call goes on to the band.  After the band hung up, until
 * bluetoothd has ended the link (seconds), nothing reaches the band: a
 * write is taken and dropped, as the air would lose it, and a read gets
 * Unlikely Error.  Neither can wait for the link's end: bluetoothd 5.66
 * cannot have a call left pending when the link ends (refused()). */
static bool ensure_link(struct bluez_gatt *g, const struct call_options *opt,
			bool write, GDBusMethodInvocation *inv)
{
	if (g->cb->link(opt->device, opt->mtu, g->user_data)) {
		if (!bluez_bridge_hung_up(g->bridge))
			return true;
		if (write)
			g_dbus_method_invocation_return_value(inv, NULL);
		else
			return_att_error(inv, MB_ATT_ERROR_UNLIKELY);
		return false;
	}
	g_dbus_method_invocation_return_dbus_error(
		inv, "org.bluez.Error.Failed",
		"the band has no link to this device");
	return false;
}

static void chr_read(struct gatt_obj *o, GVariant *params,
		     GDBusMethodInvocation *inv)
{
	struct call_options opt;
	g_autoptr(GVariant) dict = g_variant_get_child_value(params, 0);
	uint8_t buf[MB_ATT_MAX_VALUE_LEN];
	size_t len = 0;
	uint8_t err;

	parse_options(dict, &opt);
	if (!ensure_link(o->g, &opt, false, inv))
		return;
	err = bluez_bridge_read(o->g->bridge, o->chr, opt.offset, buf, &len);
	if (refused(inv, err))
		return;
	if (!opt.offset)
		set_value(o, buf, len);
	g_dbus_method_invocation_return_value(
		inv, g_variant_new("(@ay)",
				   g_variant_new_fixed_array(
					   G_VARIANT_TYPE_BYTE, buf, len, 1)));
}

static void write_replied(uint8_t err, void *user_data)
{
	GDBusMethodInvocation *inv = user_data;

	if (!refused(inv, err))
		g_dbus_method_invocation_return_value(inv, NULL);
}

static void chr_write(struct gatt_obj *o, GVariant *params,
		      GDBusMethodInvocation *inv)
{
	struct call_options opt;
	g_autoptr(GVariant) value = g_variant_get_child_value(params, 0);
	g_autoptr(GVariant) dict = g_variant_get_child_value(params, 1);
	gsize len;
	const uint8_t *v = g_variant_get_fixed_array(value, &len, 1);
	bool command;

	parse_options(dict, &opt);
	if (opt.offset) {
		/* bluetoothd joins the parts of a long write that continue
		 * each other and hands over the value whole (the bridge
		 * gives it to the band as queued writes); a part at an
		 * offset is one that did not continue the value, which the
		 * band refuses so at Execute Write
		 * (docs/policies.md#long-writes). */
		return_att_error(inv, MB_ATT_ERROR_INVALID_OFFSET);
		return;
	}
	/* Without "type" (older bluetoothd) the properties decide. */
	command = opt.type ? !strcmp(opt.type, "command")
			   : !(o->chr->def->props & MB_PROP_WRITE);
	if (!ensure_link(o->g, &opt, true, inv))
		return;
	bluez_bridge_write(o->g->bridge, o->chr, v, len, command, write_replied,
			   inv);
}

static void chr_notify(struct gatt_obj *o, bool on, GDBusMethodInvocation *inv)
{
	bool was = bluez_bridge_notifying(o->g->bridge, o->chr);
	uint8_t err;

	if (!o->chr->cccd_handle) {
		return_att_error(inv, MB_ATT_ERROR_REQUEST_NOT_SUPPORTED);
		return;
	}
	err = bluez_bridge_set_notify(o->g->bridge, o->chr, on);
	if (was != on)
		emit_changed(o, "Notifying");
	/* bluetoothd has already accepted the CCCD write (it ignores this
	 * reply); the refusal is still the band's answer. */
	if (!refused(inv, err))
		g_dbus_method_invocation_return_value(inv, NULL);
}

static void chr_start_notify(struct gatt_obj *o, GVariant *params,
			     GDBusMethodInvocation *inv)
{
	chr_notify(o, true, inv);
}

static void chr_stop_notify(struct gatt_obj *o, GVariant *params,
			    GDBusMethodInvocation *inv)
{
	chr_notify(o, false, inv);
}

static void chr_confirm(struct gatt_obj *o, GVariant *params,
			GDBusMethodInvocation *inv)
{
	bluez_bridge_confirm(o->g->bridge);
	g_dbus_method_invocation_return_value(inv, NULL);
}

/* org.bluez.GattCharacteristic1's methods. */
static const struct {
	const char *name;
	void (*call)(struct gatt_obj *o, GVariant *params,
		     GDBusMethodInvocation *inv);
} chr_methods[] = {
	{ "ReadValue", chr_read },	     { "WriteValue", chr_write },
	{ "StartNotify", chr_start_notify }, { "StopNotify", chr_stop_notify },
	{ "Confirm", chr_confirm },
};

static void method_call(GDBusConnection *conn, const gchar *sender,
			const gchar *path, const gchar *iface,
			const gchar *method, GVariant *params,
			GDBusMethodInvocation *inv, gpointer user_data)
{
	struct gatt_obj *o = user_data;
	struct bluez_gatt *g = o->g;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(chr_methods); i++)
		if (!strcmp(chr_methods[i].name, method))
			break;
	if (i < G_N_ELEMENTS(chr_methods))
		chr_methods[i].call(o, params, inv);
	else
		bluez_dbus_unknown_method(inv, method);
	if (g->cb->activity)
		g->cb->activity(g->user_data);
}

static GVariant *get_property(GDBusConnection *conn, const gchar *sender,
			      const gchar *path, const gchar *iface,
			      const gchar *name, GError **error,
			      gpointer user_data)
{
	return bluez_dbus_property(get_prop(user_data, name), name, error);
}

/* bluetoothd writes back the handle it assigned. */
static gboolean set_property(GDBusConnection *conn, const gchar *sender,
			     const gchar *path, const gchar *iface,
			     const gchar *name, GVariant *value, GError **error,
			     gpointer user_data)
{
	struct gatt_obj *o = user_data;

	if (strcmp(name, "Handle") ||
	    !g_variant_is_of_type(value, G_VARIANT_TYPE_UINT16)) {
		g_set_error(error, G_DBUS_ERROR,
			    G_DBUS_ERROR_PROPERTY_READ_ONLY, "%s is read-only",
			    name);
		return FALSE;
	}
	o->handle = g_variant_get_uint16(value);
	if (o->handle != requested_handle(o))
		g_debug("%s: bluetoothd put it at 0x%04x (band layout 0x%04x)",
			o->path, o->handle, o->layout_handle);
	return TRUE;
}

static const GDBusInterfaceVTable obj_vtable = {
	.method_call = method_call,
	.get_property = get_property,
	.set_property = set_property,
};

/* In profile order: bluetoothd builds its database in the order the
 * objects come, and handles follow from that order. */
static void om_call(GDBusConnection *conn, const gchar *sender,
		    const gchar *path, const gchar *iface, const gchar *method,
		    GVariant *params, GDBusMethodInvocation *inv,
		    gpointer user_data)
{
	struct bluez_gatt *g = user_data;
	GVariantBuilder b;

	if (strcmp(method, "GetManagedObjects")) {
		bluez_dbus_unknown_method(inv, method);
		return;
	}
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
	for (size_t i = 0; i < g->objs->len; i++) {
		const struct gatt_obj *o = g_ptr_array_index(g->objs, i);
		GVariantBuilder ifaces;

		g_variant_builder_init(&ifaces, G_VARIANT_TYPE("a{sa{sv}}"));
		g_variant_builder_add(&ifaces, "{s@a{sv}}",
				      o->svc ? SERVICE_IFACE : CHR_IFACE,
				      all_props(o));
		g_variant_builder_add(&b, "{oa{sa{sv}}}", o->path, &ifaces);
	}
	g_dbus_method_invocation_return_value(
		inv, g_variant_new("(a{oa{sa{sv}}})", &b));
}

static const GDBusInterfaceVTable om_vtable = { .method_call = om_call };

static void obj_free(gpointer p)
{
	struct gatt_obj *o = p;

	bluez_dbus_unexport(o->g->conn, &o->reg_id);
	g_clear_pointer(&o->value, g_bytes_unref);
	g_free(o->path);
	g_free(o);
}

/* The handles to ask for.  From the first service the profile pins on,
 * the band's own.  The services before it sit, in the band's table, where
 * bluetoothd has its GAP and GATT services: they are moved up as a block
 * to end just before the pinned one, keeping their layout.  Every handle
 * is then fixed, so a central that cached the table (BlueZ does, by the
 * Database Hash) finds the same one on every start of the emulator. */
static void place(struct bluez_gatt *g)
{
	const struct mb_gatt *gatt = mb_band_gatt(g->band);
	size_t first_pinned = g->objs->len;
	uint16_t shift = 0;

	for (size_t i = 0; i < g->objs->len; i++) {
		const struct gatt_obj *o = g_ptr_array_index(g->objs, i);

		if (o->svc && o->svc->handle) {
			first_pinned = i;
			break;
		}
	}
	if (first_pinned == g->objs->len)
		return; /* nothing pinned: bluetoothd places all */
	if (first_pinned > 0) {
		const struct gatt_obj *last = NULL;
		const struct mb_attr *a;

		for (size_t i = 0; i < first_pinned; i++) {
			const struct gatt_obj *o =
				g_ptr_array_index(g->objs, i);

			if (o->svc)
				last = o;
		}
		a = mb_gatt_lookup(gatt, last->layout_handle);
		if (a &&
		    a->end_handle < ((const struct gatt_obj *)g_ptr_array_index(
					     g->objs, first_pinned))
					    ->layout_handle)
			shift = (uint16_t)(((const struct gatt_obj *)
						    g_ptr_array_index(
							    g->objs,
							    first_pinned))
						   ->layout_handle -
					   1 - a->end_handle);
	}
	for (size_t i = 0; i < g->objs->len; i++) {
		struct gatt_obj *o = g_ptr_array_index(g->objs, i);

		o->request = (uint16_t)(o->layout_handle +
					(i < first_pinned ? shift : 0));
	}
}

static bool export_all(struct bluez_gatt *g, GError **error)
{
	const struct mb_gatt *gatt = mb_band_gatt(g->band);
	const struct mb_profile_svc *prev = NULL;
	struct gatt_obj *service = NULL;
	size_t n_svc = 0, n_chr = 0;

	for (size_t i = 0; i < mb_gatt_n_chrs(gatt); i++) {
		const struct mb_gatt_chr *chr = mb_gatt_chr(gatt, i);
		struct gatt_obj *o;

		if (served_by_bluez(chr->svc))
			continue;
		if (chr->svc != prev) {
			o = g_new0(struct gatt_obj, 1);
			o->g = g;
			o->svc = chr->svc;
			o->path = g_strdup_printf("%s/service%02zx", g->root,
						  n_svc++);
			/* The declaration is the attribute before the first
			 * characteristic's declaration. */
			o->layout_handle = (uint16_t)(chr->decl_handle - 1);
			g_ptr_array_add(g->objs, o);
			service = o;
			prev = chr->svc;
			n_chr = 0;
		}
		o = g_new0(struct gatt_obj, 1);
		o->g = g;
		o->chr = chr;
		o->service = service;
		o->svc_path = service->path;
		o->path =
			g_strdup_printf("%s/char%02zx", service->path, n_chr++);
		o->layout_handle = chr->value_handle;
		g_ptr_array_add(g->objs, o);
		g->by_chr[chr->index] = o;
	}
	place(g);
	for (size_t i = 0; i < g->objs->len; i++) {
		struct gatt_obj *o = g_ptr_array_index(g->objs, i);

		o->reg_id =
			bluez_dbus_export(g->conn, o->path, g->info,
					  o->svc ? SERVICE_IFACE : CHR_IFACE,
					  &obj_vtable, o, error);
		if (!o->reg_id)
			return false;
	}
	return true;
}

void bluez_gatt_free(struct bluez_gatt *g)
{
	if (!g)
		return;
	bluez_dbus_unexport(g->conn, &g->om_id);
	g_ptr_array_unref(g->objs);
	g_free(g->by_chr);
	g_clear_pointer(&g->info, g_dbus_node_info_unref);
	g_free(g->root);
	g_object_unref(g->conn);
	g_free(g);
}

struct bluez_gatt *bluez_gatt_new(GDBusConnection *conn, const char *root,
				  struct mb_band *band,
				  struct bluez_bridge *bridge,
				  const struct bluez_gatt_callbacks *cb,
				  void *user_data, GError **error)
{
	struct bluez_gatt *g = g_new0(struct bluez_gatt, 1);

	*g = (struct bluez_gatt){
		.conn = g_object_ref(conn),
		.root = g_strdup(root),
		.band = band,
		.bridge = bridge,
		.cb = cb,
		.user_data = user_data,
		.hints = true,
		.objs = g_ptr_array_new_with_free_func(obj_free),
		.by_chr = g_new0(struct gatt_obj *,
				 mb_gatt_n_chrs(mb_band_gatt(band)) + 1),
		.info = g_dbus_node_info_new_for_xml(introspection_xml, error),
	};
	if (g->info)
		g->om_id = bluez_dbus_export(conn, root, g->info, OM_IFACE,
					     &om_vtable, g, error);
	if (g->om_id && export_all(g, error))
		return g;
	bluez_gatt_free(g);
	return NULL;
}

void bluez_gatt_set_handle_hints(struct bluez_gatt *g, bool on)
{
	g->hints = on;
	for (size_t i = 0; i < g->objs->len; i++)
		((struct gatt_obj *)g_ptr_array_index(g->objs, i))->handle = 0;
}

unsigned int bluez_gatt_handles_moved(const struct bluez_gatt *g)
{
	unsigned int n = 0;

	for (size_t i = 0; i < g->objs->len; i++) {
		const struct gatt_obj *o = g_ptr_array_index(g->objs, i);

		/* Only where a handle was asked for: the rest is bluetoothd's. */
		n += o->handle && requested_handle(o) &&
		     o->handle != requested_handle(o);
	}
	return n;
}

void bluez_gatt_notify(struct bluez_gatt *g, const struct mb_gatt_chr *chr,
		       const uint8_t *value, size_t len)
{
	struct gatt_obj *o = g->by_chr[chr->index];

	if (!o)
		return;
	set_value(o, value, len);
	emit_changed(o, "Value");
}
