// SPDX-License-Identifier: GPL-2.0-or-later
/* The properties of io.bandsim.Band1: one getter each
 * (docs/dbus/io.bandsim.Band1.md). */
#include <string.h>

#include "control-private.h"
#include "core/fwinfo.h"

static GVariant *get_state(struct control *c)
{
	const char *power = mb_band_power(c->band);

	if (strcmp(power, "on"))
		return g_variant_new_string(power);
	return g_variant_new_string(mb_band_connected(c->band) ? "connected"
							       : "advertising");
}

static GVariant *get_prompt(struct control *c)
{
	return g_variant_new_string(mb_band_prompt(c->band));
}

static GVariant *get_bound(struct control *c)
{
	return g_variant_new_boolean(mb_band_state(c->band)->bound);
}

static GVariant *get_key_id(struct control *c)
{
	char buf[9];

	mb_band_state_key_id(mb_band_state(c->band), buf);
	return g_variant_new_string(buf);
}

static GVariant *get_address(struct control *c)
{
	char buf[18];

	mb_band_state_address(mb_band_state(c->band), buf);
	return g_variant_new_string(buf);
}

static GVariant *get_authenticated(struct control *c)
{
	return g_variant_new_boolean(mb_band_authenticated(c->band));
}

static GVariant *get_acked_until(struct control *c)
{
	return g_variant_new_uint64((guint64)mb_band_acked_minute(c->band) * 60);
}

static GVariant *get_battery(struct control *c)
{
	return g_variant_new_uint32(mb_band_battery_level(c->band));
}

static GVariant *get_charging(struct control *c)
{
	return g_variant_new_boolean(mb_band_charging(c->band));
}

static GVariant *get_firmware(struct control *c)
{
	const struct mb_firmware_info *fi = mb_band_firmware_info(c->band);
	GVariantBuilder b;
	char slot[2] = { fi->slot, '\0' };

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "slot", g_variant_new_string(slot));
	g_variant_builder_add(&b, "{sv}", "version",
			      g_variant_new_string(mb_band_software_revision(c->band)));
	g_variant_builder_add(&b, "{sv}", "resources", g_variant_new_string(fi->resources));
	g_variant_builder_add(&b, "{sv}", "font", g_variant_new_string(fi->font));
	g_variant_builder_add(&b, "{sv}", "watchface", g_variant_new_string(fi->watchface));
	return g_variant_builder_end(&b);
}

static GVariant *get_busy(struct control *c)
{
	return g_variant_new_string(mb_band_busy(c->band));
}

static GVariant *get_faults(struct control *c)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a(us)"));
	for (size_t i = 0; i < mb_band_n_faults(c->band); i++) {
		unsigned int id;
		const char *spec = mb_band_fault_spec(c->band, i, &id);

		g_variant_builder_add(&b, "(us)", id, spec);
	}
	return g_variant_builder_end(&b);
}

static GVariant *get_stored_samples(struct control *c)
{
	return g_variant_new_uint32((guint32)mb_band_stored_samples(c->band));
}

static GVariant *get_clock(struct control *c)
{
	return g_variant_new_uint64(c->host->now(c->host_data));
}

static const struct {
	const char *name;
	GVariant *(*get)(struct control *c);
} props[CONTROL_PROP_COUNT] = {
	[CONTROL_PROP_STATE] = { "State", get_state },
	[CONTROL_PROP_PROMPT] = { "Prompt", get_prompt },
	[CONTROL_PROP_BOUND] = { "Bound", get_bound },
	[CONTROL_PROP_KEY_ID] = { "KeyId", get_key_id },
	[CONTROL_PROP_ADDRESS] = { "Address", get_address },
	[CONTROL_PROP_AUTHENTICATED] = { "Authenticated", get_authenticated },
	[CONTROL_PROP_ACKED_UNTIL] = { "AckedUntil", get_acked_until },
	[CONTROL_PROP_BATTERY] = { "Battery", get_battery },
	[CONTROL_PROP_CHARGING] = { "Charging", get_charging },
	[CONTROL_PROP_FIRMWARE] = { "Firmware", get_firmware },
	[CONTROL_PROP_BUSY] = { "Busy", get_busy },
	[CONTROL_PROP_FAULTS] = { "Faults", get_faults },
	[CONTROL_PROP_STORED_SAMPLES] = { "StoredSamples", get_stored_samples },
	[CONTROL_PROP_CLOCK] = { "Clock", get_clock },
};

/* Every watched property. */
#define WATCHED (CONTROL_PROP_BIT(CONTROL_PROP_N_WATCHED) - 1)

GVariant *control_props_get(struct control *c, const char *name)
{
	for (size_t i = 0; i < CONTROL_PROP_COUNT; i++)
		if (!strcmp(props[i].name, name))
			return props[i].get(c);
	return NULL;
}

void control_props_init(struct control *c)
{
	for (size_t i = 0; i < CONTROL_PROP_N_WATCHED; i++)
		c->last[i] = g_variant_ref_sink(props[i].get(c));
}

void control_props_clear(struct control *c)
{
	for (size_t i = 0; i < CONTROL_PROP_N_WATCHED; i++) {
		if (c->last[i])
			g_variant_unref(c->last[i]);
		c->last[i] = NULL;
	}
}

void control_props_refresh(struct control *c, uint32_t set)
{
	GVariantBuilder changed;
	bool any = false;

	/* Every event and call compares them all. */
	set = WATCHED;
	g_variant_builder_init(&changed, G_VARIANT_TYPE("a{sv}"));
	for (size_t i = 0; i < CONTROL_PROP_N_WATCHED; i++) {
		GVariant *v;

		if (!(set & CONTROL_PROP_BIT(i)))
			continue;
		v = g_variant_ref_sink(props[i].get(c));
		if (g_variant_equal(v, c->last[i])) {
			g_variant_unref(v);
			continue;
		}
		g_variant_builder_add(&changed, "{sv}", props[i].name, v);
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

void control_props_event(struct control *c, enum mb_event_id id)
{
	control_props_refresh(c, WATCHED);
}
