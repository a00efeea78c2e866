// SPDX-License-Identifier: GPL-2.0-or-later
/* The properties of io.bandsim.Band1: one getter each, and which of them
 * a band event can change, so that an event costs only the properties it
 * concerns (docs/dbus/io.bandsim.Band1.md). */
#include <string.h>

#include "control-private.h"
#include "core/fwinfo.h"
#include "core/fault.h"
#include "core/auth.h"
#include "core/firmware.h"
#include "core/flashlog.h"
#include "core/hr.h"
#include "core/power.h"
#include "core/tick.h"
#include "core/screen.h"
#include "core/settings.h"

static GVariant *get_state(struct control *c)
{
	enum mb_power_state power = mb_power_state(mb_band_power(c->band));

	if (power != MB_POWER_STATE_ON)
		return g_variant_new_string(mb_power_state_name(power));
	return g_variant_new_string(mb_link_connected(mb_band_link(c->band))
					    ? "connected"
					    : "advertising");
}

static GVariant *get_prompt(struct control *c)
{
	return g_variant_new_string(mb_auth_prompt(mb_band_auth(c->band)));
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

/* The centrals the band keeps bonds for, oldest first: address and
 * "public" or "random"; never the keys. */
static GVariant *get_bonds(struct control *c)
{
	const struct mb_band_state *st = mb_band_state(c->band);
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a(ss)"));
	for (size_t i = 0; i < st->n_bonds; i++) {
		char peer[18];

		mb_bond_peer(&st->bonds[i], peer);
		g_variant_builder_add(&b, "(ss)", peer,
				      st->bonds[i].peer_random ? "random"
							       : "public");
	}
	return g_variant_builder_end(&b);
}

/* What centrals see: the band's own address, or the one the transport
 * puts it at (docs/bluez.md). */
static GVariant *get_address(struct control *c)
{
	char buf[18];

	if (!c->host->air_address || !c->host->air_address(c->host_data, buf))
		mb_band_state_address(mb_band_state(c->band), buf);
	return g_variant_new_string(buf);
}

static GVariant *get_authenticated(struct control *c)
{
	return g_variant_new_boolean(mb_band_authenticated(c->band));
}

static GVariant *get_acked_until(struct control *c)
{
	return g_variant_new_uint64(
		(guint64)mb_flashlog_acked_minute(mb_band_log(c->band)) * 60);
}

static GVariant *get_battery(struct control *c)
{
	return g_variant_new_uint32(mb_power_level(mb_band_power(c->band)));
}

static GVariant *get_charging(struct control *c)
{
	return g_variant_new_boolean(mb_power_charging(mb_band_power(c->band)));
}

static GVariant *get_firmware(struct control *c)
{
	const struct mb_firmware_info *fi =
		mb_firmware_info(mb_band_firmware(c->band));
	GVariantBuilder b;
	char slot[2] = { fi->slot, '\0' };

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "slot", g_variant_new_string(slot));
	g_variant_builder_add(&b, "{sv}", "version",
			      g_variant_new_string(mb_firmware_version(
				      mb_band_firmware(c->band))));
	g_variant_builder_add(&b, "{sv}", "resources",
			      g_variant_new_string(fi->resources));
	g_variant_builder_add(&b, "{sv}", "font",
			      g_variant_new_string(fi->font));
	g_variant_builder_add(&b, "{sv}", "watchface",
			      g_variant_new_string(fi->watchface));
	return g_variant_builder_end(&b);
}

/* docs/dbus/io.bandsim.Band1.md: Busy. */
static const char *const busy_names[] = {
	[MB_BAND_BUSY_NONE] = "",
	[MB_BAND_BUSY_BIND] = "bind",
	[MB_BAND_BUSY_FETCH] = "fetch",
	[MB_BAND_BUSY_FIRMWARE] = "firmware",
};

static GVariant *get_busy(struct control *c)
{
	return g_variant_new_string(busy_names[mb_band_busy(c->band)]);
}

static GVariant *get_faults(struct control *c)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a(us)"));
	for (size_t i = 0; i < mb_faults_count(mb_band_faults(c->band)); i++) {
		unsigned int id;
		const char *spec =
			mb_faults_spec(mb_band_faults(c->band), i, &id);

		g_variant_builder_add(&b, "(us)", id, spec);
	}
	return g_variant_builder_end(&b);
}

/* docs/dbus/io.bandsim.Band1.md: Settings.  Each setting as its kind
 * reads best: yes/no as b, numbers as u, the rest as the text the
 * settings file holds. */
static GVariant *setting_variant(const struct mb_settings_values *v,
				 enum mb_setting id)
{
	char text[MB_SETTING_TEXT_MAX + 16];

	switch (mb_setting_desc(id)->kind) {
	case MB_SETTING_KIND_BOOL:
		return g_variant_new_boolean(v->v[id]);
	case MB_SETTING_KIND_UINT:
		return g_variant_new_uint32(v->v[id]);
	case MB_SETTING_KIND_CHOICE:
	case MB_SETTING_KIND_TIME:
	case MB_SETTING_KIND_DATE:
	case MB_SETTING_KIND_TEXT:
		break;
	}
	mb_setting_format(v, id, text, sizeof(text));
	return g_variant_new_string(text);
}

static GVariant *alarm_variant(unsigned int slot, const struct mb_alarm *a)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "slot",
			      g_variant_new_byte((guint8)slot));
	g_variant_builder_add(&b, "{sv}", "enabled",
			      g_variant_new_boolean(a->enabled));
	g_variant_builder_add(&b, "{sv}", "snooze",
			      g_variant_new_boolean(a->snooze));
	g_variant_builder_add(&b, "{sv}", "hour", g_variant_new_byte(a->hour));
	g_variant_builder_add(&b, "{sv}", "minute",
			      g_variant_new_byte(a->minute));
	g_variant_builder_add(&b, "{sv}", "days",
			      g_variant_new_byte(a->days & MB_ALARM_EVERY_DAY));
	g_variant_builder_add(&b, "{sv}", "once",
			      g_variant_new_boolean(a->days == MB_ALARM_ONCE));
	return g_variant_builder_end(&b);
}

/* An event's detail as D-Bus carries it: in the Event signal's details
 * and in the properties that show an event's fields (Screen). */
GVariant *control_field_value(const struct mb_event_field *f)
{
	switch (f->type) {
	case MB_EVENT_TYPE_STRING:
		return g_variant_new_string(f->str);
	case MB_EVENT_TYPE_BYTE:
		return g_variant_new_byte(f->byte);
	case MB_EVENT_TYPE_UINT32:
		break;
	}
	return g_variant_new_uint32(f->u32);
}

static GVariant *get_settings(struct control *c)
{
	const struct mb_settings *s = mb_band_settings(c->band);
	const struct mb_settings_values *v = mb_settings_values(s);
	GVariantBuilder b, alarms;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	for (int id = 0; id < MB_SETTING_COUNT; id++)
		g_variant_builder_add(&b, "{sv}", mb_setting_desc(id)->key,
				      setting_variant(v, id));
	g_variant_builder_init(&alarms, G_VARIANT_TYPE("aa{sv}"));
	for (unsigned int i = 0; i < MB_ALARM_SLOTS; i++)
		if (v->alarms[i].days)
			g_variant_builder_add_value(
				&alarms, alarm_variant(i, &v->alarms[i]));
	g_variant_builder_add(&b, "{sv}", "alarms",
			      g_variant_builder_end(&alarms));
	/* The RTC's, shown here (protocol §6). */
	g_variant_builder_add(&b, "{sv}", "tz",
			      g_variant_new_int32(mb_settings_tz(s)));
	g_variant_builder_add(&b, "{sv}", "dst",
			      g_variant_new_byte(mb_settings_dst(s)));
	return g_variant_builder_end(&b);
}

/* docs/dbus/io.bandsim.Band1.md: Screen.  What the band shows: its name
 * and its fields, as screen-changed has them. */
static GVariant *get_screen(struct control *c)
{
	const struct mb_screen *screen = mb_band_screen(c->band);
	const struct mb_event_field *f;
	GVariantBuilder b;
	size_t n;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(
		&b, "{sv}", "name",
		g_variant_new_string(mb_screen_name(mb_screen_shown(screen))));
	f = mb_screen_fields(screen, &n);
	for (size_t i = 0; i < n; i++)
		g_variant_builder_add(&b, "{sv}", f[i].key,
				      control_field_value(&f[i]));
	return g_variant_builder_end(&b);
}

static GVariant *get_stored_samples(struct control *c)
{
	return g_variant_new_uint32(
		(guint32)mb_flashlog_stored(mb_band_log(c->band)));
}

static GVariant *get_clock(struct control *c)
{
	return g_variant_new_uint64(c->host->now(c->host_data));
}

/* docs/dbus/io.bandsim.Band1.md: HeartRate. */
static GVariant *get_heart_rate(struct control *c)
{
	const struct mb_hr *hr = mb_band_hr(c->band);
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(
		&b, "{sv}", "mode",
		g_variant_new_string(mb_hr_mode_name(mb_hr_mode(hr))));
	g_variant_builder_add(&b, "{sv}", "bpm",
			      g_variant_new_byte(mb_hr_last_bpm(hr)));
	g_variant_builder_add(&b, "{sv}", "measured-at",
			      g_variant_new_uint64(mb_hr_last_at(hr)));
	return g_variant_builder_end(&b);
}

/* What the band puts on air (protocol §1), as it would now. */
static GVariant *get_advertisement(struct control *c)
{
	uint8_t data[31], rsp[31];
	size_t data_len, rsp_len;
	GVariantBuilder b;

	mb_adv_build(mb_band_adv(c->band), mb_tick_steps(mb_band_tick(c->band)),
		     mb_hr_adv_byte(mb_band_hr(c->band)), data, &data_len, rsp,
		     &rsp_len);
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "data",
			      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE,
							data, data_len, 1));
	g_variant_builder_add(&b, "{sv}", "scan-response",
			      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE,
							rsp, rsp_len, 1));
	return g_variant_builder_end(&b);
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
	[CONTROL_PROP_SETTINGS] = { "Settings", get_settings },
	[CONTROL_PROP_SCREEN] = { "Screen", get_screen },
	[CONTROL_PROP_BONDS] = { "Bonds", get_bonds },
	[CONTROL_PROP_STORED_SAMPLES] = { "StoredSamples", get_stored_samples },
	[CONTROL_PROP_CLOCK] = { "Clock", get_clock },
	[CONTROL_PROP_HEART_RATE] = { "HeartRate", get_heart_rate },
	[CONTROL_PROP_ADVERTISEMENT] = { "Advertisement", get_advertisement },
};

#define P(name) CONTROL_PROP_BIT(CONTROL_PROP_##name)

/* The radio (every PDU) and the screen (every tap) take battery without
 * an event of their own; the band reports the level only at its minute
 * (battery-changed).  A level the drain took shows at whichever flush
 * comes first, so every flush compares Battery. */
#define DRAINED P(BATTERY)

/* What each event can have changed, in three parts.  The events of one
 * main-loop turn go out together (control_flush), and what they changed
 * is compared once, after the last of them:
 *  - now: by the time the band emits it;
 *  - after: what the band changes right after emitting it, maybe only
 *    in a later turn: compared at this flush and again at the next (or
 *    at the next InjectFault or ClearFaults);
 *  - for the link: what the band may change without any event from
 *    then on; every flush compares it until the link has ended. */

/* The link's end (a hang-up, also a factory reset): the link's auth goes
 * first, then a binding waiting for a tap (bind-refused), a transfer
 * (fetch-aborted), an update (firmware-failed), then the link itself
 * (disconnected); each of these events finds what went before it. */
#define LINK_END (P(STATE) | P(AUTHENTICATED) | P(PROMPT) | P(BUSY))
/* A factory reset forgets the key and draws the new address before it
 * ends the link's binding and transfer. */
#define RESET_FIRST (P(BOUND) | P(KEY_ID) | P(ADDRESS) | P(BONDS))
/* Once an image is verified, 05 on 00001531 may at any time switch slots
 * and reboot into it, and drop the link, without an event of its own. */
#define REBOOTED (P(STATE) | P(AUTHENTICATED) | P(BUSY) | P(FIRMWARE))

static const struct {
	uint32_t now;
	uint32_t after;
	uint32_t for_link;
	bool ends_link;
} event_props[MB_EVENT_COUNT] = {
	[MB_EVENT_CONNECTED] = { .now = P(STATE) },
	[MB_EVENT_DISCONNECTED] = { .now = LINK_END, .ends_link = true },
	[MB_EVENT_BUTTON_PRESSED] = { 0 },
	[MB_EVENT_BUTTON_LONG_PRESSED] = { 0 },
	/* An update cut short is dropped before; the link after. */
	[MB_EVENT_REBOOT] = { .now = P(BUSY), .after = P(AUTHENTICATED) },
	[MB_EVENT_RESET] = { .now = LINK_END | RESET_FIRST | P(ACKED_UNTIL),
			     .after = P(AUTHENTICATED) },
	[MB_EVENT_POWER_OFF] = { .now = P(STATE), .after = P(AUTHENTICATED) },
	[MB_EVENT_POWER_ON] = { .now = P(STATE) },
	[MB_EVENT_LOW_BATTERY_DROP] = { .after = P(AUTHENTICATED) },
	[MB_EVENT_BATTERY_CHANGED] = { .now = P(BATTERY) | P(CHARGING) },
	/* A fault used up is disarmed before.  Faults fire on the reply
	 * notification of a command, after the command changed the band (a
	 * transfer announced or ended, samples deleted).  "disconnect"
	 * drops the link after. */
	[MB_EVENT_FAULT_FIRED] = { .now = P(FAULTS) | P(BUSY) | P(ACKED_UNTIL),
				   .after = P(AUTHENTICATED) },
	[MB_EVENT_MUTATED] = { 0 },
	[MB_EVENT_MALFORMED] = { 0 },
	[MB_EVENT_AUTH_STARTED] = { 0 },
	/* The owner may set the time zone on 0x2A2B from now on, which is
	 * no event of its own. */
	[MB_EVENT_AUTH_SUCCEEDED] = { .now = P(AUTHENTICATED),
				      .for_link = P(SETTINGS) },
	[MB_EVENT_AUTH_FAILED] = { 0 },
	[MB_EVENT_PROMPT_SHOWN] = { .now = P(PROMPT) | P(BUSY) },
	[MB_EVENT_PROMPT_DECLINED] = { .now = P(PROMPT) | P(BUSY) },
	[MB_EVENT_PROMPT_TIMED_OUT] = { .now = P(PROMPT) | P(BUSY) },
	[MB_EVENT_BIND_REFUSED] = { .now = LINK_END | RESET_FIRST },
	/* The key is stored before; the prompt closes after. */
	[MB_EVENT_BOUND] = { .now = P(BOUND) | P(KEY_ID),
			     .after = P(PROMPT) | P(BUSY) },
	[MB_EVENT_FETCH_STARTED] = { .now = P(BUSY) },
	/* The transfer is dropped after. */
	[MB_EVENT_FETCH_ABORTED] = { .now = LINK_END | RESET_FIRST,
				     .after = P(BUSY) },
	[MB_EVENT_FETCH_COMPLETED] = { .now = P(BUSY) },
	[MB_EVENT_FETCH_ACKED] = { .now = P(ACKED_UNTIL) },
	[MB_EVENT_FIRMWARE_STARTED] = { .now = P(BUSY) },
	/* A resource, font or watchface is installed after; firmware waits
	 * for 05. */
	[MB_EVENT_FIRMWARE_VERIFIED] = { .after = P(FIRMWARE) | P(BUSY),
					 .for_link = REBOOTED },
	/* What was received is dropped after. */
	[MB_EVENT_FIRMWARE_FAILED] = { .now = LINK_END, .after = P(BUSY) },
	/* The slot switched at 05; the boot ends here. */
	[MB_EVENT_FIRMWARE_INSTALLED] = { .now = P(FIRMWARE) },
	[MB_EVENT_SETTING_CHANGED] = { .now = P(SETTINGS) },
	/* Settings show the RTC's tz and DST byte. */
	[MB_EVENT_TIME_SET] = { .now = P(SETTINGS) },
	[MB_EVENT_UNKNOWN_COMMAND] = { 0 },
	/* A one-time alarm turns itself off after (setting-changed). */
	[MB_EVENT_ALARM_RANG] = { 0 },
	[MB_EVENT_HOURLY_CHIME] = { 0 },
	[MB_EVENT_INACTIVITY_WARNING] = { 0 },
	[MB_EVENT_GOAL_REACHED] = { 0 },
	[MB_EVENT_VIBRATE] = { 0 },
	[MB_EVENT_HR_STARTED] = { .now = P(HEART_RATE) },
	[MB_EVENT_HR_MEASURED] = { .now = P(HEART_RATE) },
	[MB_EVENT_HR_STOPPED] = { .now = P(HEART_RATE) },
	[MB_EVENT_DEVICE_EVENT] = { 0 },
	[MB_EVENT_FIND_PHONE] = { 0 },
	[MB_EVENT_MUSIC_CONTROL] = { 0 },
	[MB_EVENT_FELL_ASLEEP] = { 0 },
	[MB_EVENT_WOKE_UP] = { 0 },
	[MB_EVENT_NON_WEAR] = { 0 },
	[MB_EVENT_SCREEN_CHANGED] = { .now = P(SCREEN) },
	[MB_EVENT_FIRMWARE_PROGRESS] = { 0 },
	[MB_EVENT_PAIRED] = { .now = P(BONDS) },
	[MB_EVENT_PAIRING_FAILED] = { 0 },
	[MB_EVENT_ENCRYPTED] = { 0 },
	/* Another key: the band drops the link after. */
	[MB_EVENT_ENCRYPTION_FAILED] = { .after = LINK_END },
};

GVariant *control_props_get(struct control *c, const char *name)
{
	for (size_t i = 0; i < CONTROL_PROP_COUNT; i++)
		if (!strcmp(props[i].name, name))
			return props[i].get(c);
	return NULL;
}

bool control_props_check(const GDBusInterfaceInfo *iface, GError **error)
{
	for (size_t p = 0; iface->properties && iface->properties[p]; p++) {
		const char *name = iface->properties[p]->name;
		size_t i;

		for (i = 0; i < CONTROL_PROP_COUNT; i++)
			if (!strcmp(props[i].name, name))
				break;
		if (i == CONTROL_PROP_COUNT) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
				    "no getter for %s", name);
			return false;
		}
	}
	return true;
}

void control_props_init(struct control *c)
{
	for (size_t i = 0; i < CONTROL_PROP_N_WATCHED; i++)
		c->last[i] = g_variant_ref_sink(props[i].get(c));
	c->pending = 0;
	c->for_link = 0;
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

	set |= c->pending | c->for_link | DRAINED;
	c->pending = 0;
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
	g_dbus_connection_emit_signal(
		c->conn, NULL, c->path, "org.freedesktop.DBus.Properties",
		"PropertiesChanged",
		g_variant_new("(sa{sv}as)", CONTROL_INTERFACE, &changed, NULL),
		NULL);
}

void control_props_event(struct control *c, enum mb_event_id id)
{
	/* An event this table does not know may have changed anything. */
	if (id >= MB_EVENT_COUNT) {
		c->dirty |= CONTROL_PROP_BIT(CONTROL_PROP_N_WATCHED) - 1;
		return;
	}
	c->dirty |= event_props[id].now | event_props[id].after;
	c->after |= event_props[id].after;
	c->for_link |= event_props[id].for_link;
	/* What the link could change is compared once more, at this flush. */
	if (event_props[id].ends_link) {
		c->dirty |= c->for_link;
		c->for_link = 0;
	}
}

void control_props_flush(struct control *c, uint32_t set)
{
	uint32_t after = c->after;

	set |= c->dirty;
	c->dirty = 0;
	c->after = 0;
	control_props_refresh(c, set);
	c->pending = after;
}
