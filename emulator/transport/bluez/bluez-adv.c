// SPDX-License-Identifier: GPL-2.0-or-later
#include "bluez-adv.h"

#include <string.h>

#include "bluez-dbus.h"
#include "core/util.h"
#include "core/adv.h"
#include "core/hr.h"
#include "core/tick.h"

#define ADV_IFACE "org.bluez.LEAdvertisement1"

static const char introspection_xml[] =
	"<node>"
	" <interface name='org.bluez.LEAdvertisement1'>"
	"  <method name='Release'/>"
	"  <property name='Type' type='s' access='read'/>"
	"  <property name='LocalName' type='s' access='read'/>"
	"  <property name='ManufacturerData' type='a{qv}' access='read'/>"
	"  <property name='ServiceData' type='a{sv}' access='read'/>"
	"  <property name='Discoverable' type='b' access='read'/>"
	" </interface>"
	"</node>";

/* AD types (Core Supplement Part A 1). */
#define AD_COMPLETE_NAME 0x09
#define AD_SERVICE_DATA16 0x16
#define AD_MANUFACTURER 0xff

struct bluez_adv {
	GDBusConnection *conn;
	char *path;
	struct mb_band *band;
	void (*released)(struct bluez_adv *a, void *user_data);
	void *user_data;
	GDBusNodeInfo *info;
	guint reg_id;
	unsigned int parts;
	/* What the band advertises now. */
	char name[32];
	uint16_t company;
	uint8_t mfr[31];
	size_t mfr_len;
	char svc_uuid[MB_UUID_STR_LEN];
	uint8_t svc[31];
	size_t svc_len;
};

/* Walks the band's AD structures (advertising data, then scan
 * response) into the properties bluetoothd takes. */
static void parse_ad(struct bluez_adv *a, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len && p[i] && i + 1 + p[i] <= len;
	     i += 1 + p[i]) {
		const uint8_t *d = p + i + 2;
		size_t n = p[i] - 1u;
		struct mb_uuid u;

		switch (p[i + 1]) {
		case AD_COMPLETE_NAME:
			n = n < sizeof(a->name) - 1 ? n : sizeof(a->name) - 1;
			memcpy(a->name, d, n);
			a->name[n] = 0;
			break;
		case AD_MANUFACTURER:
			if (n < 2)
				break;
			a->company = mb_get_le16(d);
			a->mfr_len = n - 2;
			memcpy(a->mfr, d + 2, a->mfr_len);
			break;
		case AD_SERVICE_DATA16:
			if (n < 2)
				break;
			mb_uuid_from16(mb_get_le16(d), &u);
			mb_uuid_to_string(&u, a->svc_uuid);
			a->svc_len = n - 2;
			memcpy(a->svc, d + 2, a->svc_len);
			break;
		default:
			/* Flags: bluetoothd writes its own. */
			break;
		}
	}
}

static void read_band(struct bluez_adv *a)
{
	uint8_t adv[31], rsp[31];
	size_t adv_len, rsp_len;

	mb_adv_build(mb_band_adv(a->band), mb_tick_steps(mb_band_tick(a->band)),
		     mb_hr_adv_byte(mb_band_hr(a->band)), adv, &adv_len, rsp,
		     &rsp_len);
	a->mfr_len = a->svc_len = 0;
	parse_ad(a, adv, adv_len);
	parse_ad(a, rsp, rsp_len);
}

static GVariant *bytes(const uint8_t *p, size_t len)
{
	return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, p, len, 1);
}

static GVariant *prop_type(const struct bluez_adv *a)
{
	return g_variant_new_string("peripheral");
}

static GVariant *prop_local_name(const struct bluez_adv *a)
{
	return g_variant_new_string(a->name);
}

static GVariant *prop_discoverable(const struct bluez_adv *a)
{
	return g_variant_new_boolean(TRUE);
}

static GVariant *prop_manufacturer_data(const struct bluez_adv *a)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{qv}"));
	if ((a->parts & BLUEZ_ADV_MANUFACTURER) && a->mfr_len)
		g_variant_builder_add(&b, "{qv}", a->company,
				      bytes(a->mfr, a->mfr_len));
	return g_variant_builder_end(&b);
}

static GVariant *prop_service_data(const struct bluez_adv *a)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	if ((a->parts & BLUEZ_ADV_SERVICE_DATA) && a->svc_len)
		g_variant_builder_add(&b, "{sv}", a->svc_uuid,
				      bytes(a->svc, a->svc_len));
	return g_variant_builder_end(&b);
}

/* org.bluez.LEAdvertisement1, one row a property. */
static const struct {
	const char *name;
	GVariant *(*get)(const struct bluez_adv *a);
} adv_props[] = {
	{ "Type", prop_type },
	{ "LocalName", prop_local_name },
	{ "Discoverable", prop_discoverable },
	{ "ManufacturerData", prop_manufacturer_data },
	{ "ServiceData", prop_service_data },
};

static GVariant *get_prop(const struct bluez_adv *a, const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(adv_props); i++)
		if (!strcmp(adv_props[i].name, name))
			return adv_props[i].get(a);
	return NULL;
}

static void method_call(GDBusConnection *conn, const gchar *sender,
			const gchar *path, const gchar *iface,
			const gchar *method, GVariant *params,
			GDBusMethodInvocation *inv, gpointer user_data)
{
	struct bluez_adv *a = user_data;

	if (strcmp(method, "Release")) {
		bluez_dbus_unknown_method(inv, method);
		return;
	}
	g_dbus_method_invocation_return_value(inv, NULL);
	/* bluetoothd dropped it (a connection, the adapter going away). */
	if (a->released)
		a->released(a, a->user_data);
}

static GVariant *get_property(GDBusConnection *conn, const gchar *sender,
			      const gchar *path, const gchar *iface,
			      const gchar *name, GError **error,
			      gpointer user_data)
{
	return bluez_dbus_property(get_prop(user_data, name), name, error);
}

static const GDBusInterfaceVTable vtable = {
	.method_call = method_call,
	.get_property = get_property,
};

void bluez_adv_free(struct bluez_adv *a)
{
	if (!a)
		return;
	bluez_dbus_unexport(a->conn, &a->reg_id);
	g_clear_pointer(&a->info, g_dbus_node_info_unref);
	g_object_unref(a->conn);
	g_free(a->path);
	g_free(a);
}

struct bluez_adv *bluez_adv_new(GDBusConnection *conn, const char *path,
				struct mb_band *band, unsigned int parts,
				void (*released)(struct bluez_adv *a,
						 void *user_data),
				void *user_data, GError **error)
{
	struct bluez_adv *a = g_new0(struct bluez_adv, 1);

	*a = (struct bluez_adv){ .conn = g_object_ref(conn),
				 .path = g_strdup(path),
				 .band = band,
				 .released = released,
				 .user_data = user_data,
				 .parts = parts };
	read_band(a);
	a->info = g_dbus_node_info_new_for_xml(introspection_xml, error);
	if (a->info)
		a->reg_id = bluez_dbus_export(conn, path, a->info, ADV_IFACE,
					      &vtable, a, error);
	if (a->reg_id)
		return a;
	bluez_adv_free(a);
	return NULL;
}

const char *bluez_adv_path(const struct bluez_adv *a)
{
	return a->path;
}

void bluez_adv_set_parts(struct bluez_adv *a, unsigned int parts)
{
	a->parts = parts;
}

void bluez_adv_update(struct bluez_adv *a)
{
	struct bluez_adv old = *a;
	GVariantBuilder b;
	bool changed = false;

	read_band(a);
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	if ((a->parts & BLUEZ_ADV_MANUFACTURER) &&
	    (old.mfr_len != a->mfr_len || old.company != a->company ||
	     memcmp(old.mfr, a->mfr, a->mfr_len))) {
		g_variant_builder_add(&b, "{sv}", "ManufacturerData",
				      get_prop(a, "ManufacturerData"));
		changed = true;
	}
	if ((a->parts & BLUEZ_ADV_SERVICE_DATA) &&
	    (old.svc_len != a->svc_len ||
	     memcmp(old.svc, a->svc, a->svc_len))) {
		g_variant_builder_add(&b, "{sv}", "ServiceData",
				      get_prop(a, "ServiceData"));
		changed = true;
	}
	if (!changed) {
		g_variant_builder_clear(&b);
		return;
	}
	bluez_dbus_emit_changed(a->conn, a->path, ADV_IFACE, &b);
}
