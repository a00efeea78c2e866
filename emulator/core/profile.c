// SPDX-License-Identifier: GPL-2.0-or-later
#include "profile.h"

#include "bandstate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"
#include "util.h"

struct mb_profile {
	char *filename;
	char *name;
	char *device_name;
	uint16_t appearance;
	struct mb_profile_device_info dis;
	struct mb_profile_adv adv;
	struct mb_policy policy;
	uint16_t mtu;
	unsigned int battery_level;
	bool battery_charging;
	struct mb_profile_svc *svcs;
	size_t n_svcs;
};

/* The Mi Band 4 values, used where a profile leaves a setting out. */
static const struct mb_policy default_policy = {
	.fetch_count_unit = MB_FETCH_COUNT_UNIT_SAMPLES,
	.fetch_ack_deletes = true,
	.unauthorized_att_error = 0x08,
	.refuse_other_key = true,
	.confirm_window_s = 30,
	.low_battery_drop_percent = 15,
	.low_battery_drop_pattern = MB_LOW_BATTERY_DROP_AT_TRANSFER_START,
	.low_battery_drop_after_s = 10,
	.reboot_below_percent = 0,
	.power_off_percent = 0,
	.power_on_percent = 2,
	.firmware_min_battery_percent = 20,
	.firmware_low_battery_status = 0x22,
	.firmware_interrupted = MB_FIRMWARE_INTERRUPTED_DISCARD,
	.flash_log_days = 14,
	.workout_log_kb = 256,
	.workout_auto = false,
	.workout_track_steps = true,
	.bond_slots = 4,
	.connection_interval_ms = 40,
	.packets_per_event = 6,
	.fetch_prepare_ms = 40,
	.notify_order = MB_NOTIFY_ORDER_RESPONSE_FIRST,
	.mtu_announce = MB_MTU_ANNOUNCE_PACED,
	.time_set_back = MB_TIME_SET_BACK_WAIT,
	.settings_error_status = 0x02,
	.settings_unknown = MB_SETTINGS_UNKNOWN_REFUSE,
	.settings_acknowledge = false,
	.alarm_snooze_min = 10,
	.alarm_snooze_times = 3,
	.dnd_silences = MB_DND_SILENCES_ALL_BUT_ALARMS,
	.hr_manual_measure_s = 10,
	.hr_continuous_period_ms = 1000,
	.hr_keepalive_timeout_s = 15,
	.hr_not_worn = MB_HR_NOT_WORN_ZERO,
	.hr_periodic_notify = true,
	.hr_sleep_interval_min = 1,
	.screen_on_s = 5,
	.screen_notice_s = 5,
	.screen_message_s = 10,
	.screen_alarm_s = 30,
	.screen_low_battery_percent = 10,
	.prepare_queue = 32,
	.chunk_max_bytes = 1024,
	.chunk_timeout_s = 10,
};

struct reader {
	struct mb_ini *ini;
	size_t sec;
	char **err;
};

#define FAIL(r, line, key, ...)                                            \
	do {                                                               \
		char *_m = mb_strdup_printf(__VA_ARGS__);                  \
		mb_set_error((r)->err, "%s:%u: [%s] %s: %s",               \
			     mb_ini_filename((r)->ini), line,              \
			     mb_ini_section_name((r)->ini, (r)->sec), key, \
			     _m);                                          \
		free(_m);                                                  \
	} while (0)

static bool get_uint(struct reader *r, const char *key, unsigned long min,
		     unsigned long max, bool required, unsigned long *out)
{
	unsigned int line;
	const char *v = mb_ini_get(r->ini, r->sec, key, &line);
	char *end;
	unsigned long n;

	if (!v) {
		if (required) {
			FAIL(r, line, key, "missing");
			return false;
		}
		return true;
	}
	errno = 0;
	n = strtoul(v, &end, 0);
	if (!*v || *end || errno || v[0] == '-') {
		FAIL(r, line, key, "'%s' is not a number", v);
		return false;
	}
	if (n < min || n > max) {
		FAIL(r, line, key, "%lu is out of range %lu..%lu", n, min, max);
		return false;
	}
	*out = n;
	return true;
}

/* Stores into an integer field of any width; the range check has already
 * made sure the value fits. */
static bool get_field(struct reader *r, const char *key, unsigned long min,
		      unsigned long max, void *field, size_t size)
{
	unsigned long v;

	switch (size) {
	case 1:
		v = *(uint8_t *)field;
		break;
	case 2:
		v = *(uint16_t *)field;
		break;
	default:
		v = *(unsigned int *)field;
		break;
	}
	if (!get_uint(r, key, min, max, false, &v))
		return false;
	switch (size) {
	case 1:
		*(uint8_t *)field = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)field = (uint16_t)v;
		break;
	default:
		*(unsigned int *)field = (unsigned int)v;
		break;
	}
	return true;
}

#define GET_UINT(r, key, min, max, field) \
	get_field(r, key, min, max, &(field), sizeof(field))

static bool get_bool(struct reader *r, const char *key, bool *out)
{
	unsigned int line;
	const char *v = mb_ini_get(r->ini, r->sec, key, &line);

	if (!v)
		return true;
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") ||
	    !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") ||
		 !strcmp(v, "0"))
		*out = false;
	else {
		FAIL(r, line, key, "'%s' is not yes or no", v);
		return false;
	}
	return true;
}

static bool get_choice(struct reader *r, const char *key,
		       const char *const *names, size_t n, int *out)
{
	unsigned int line;
	const char *v = mb_ini_get(r->ini, r->sec, key, &line);

	if (!v)
		return true;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v, names[i])) {
			*out = (int)i;
			return true;
		}
	}
	FAIL(r, line, key, "'%s' is not one of the known values", v);
	return false;
}

static bool get_string(struct reader *r, const char *key, bool required,
		       char **out)
{
	unsigned int line;
	const char *v = mb_ini_get(r->ini, r->sec, key, &line);

	if (!v) {
		if (required) {
			FAIL(r, line, key, "missing");
			return false;
		}
		return true;
	}
	free(*out);
	*out = mb_strdup(v);
	return true;
}

static bool get_hex(struct reader *r, const char *key, size_t min, size_t max,
		    uint8_t **out, size_t *out_len, bool *present)
{
	unsigned int line;
	const char *v = mb_ini_get(r->ini, r->sec, key, &line);

	if (present)
		*present = v != NULL;
	if (!v)
		return true;
	if (!mb_hex_parse(v, out, out_len)) {
		FAIL(r, line, key, "'%s' is not hex bytes", v);
		return false;
	}
	if (*out_len < min || *out_len > max) {
		FAIL(r, line, key, "%zu bytes, expected %zu..%zu", *out_len,
		     min, max);
		free(*out);
		*out = NULL;
		return false;
	}
	return true;
}

static bool get_uuid(struct reader *r, const char *key, struct mb_uuid *out)
{
	unsigned int line;
	const char *v = mb_ini_get(r->ini, r->sec, key, &line);

	if (!v) {
		FAIL(r, line, key, "missing");
		return false;
	}
	if (!mb_uuid_parse(v, out)) {
		FAIL(r, line, key,
		     "'%s' is not a UUID (128-bit or 4 hex digits)", v);
		return false;
	}
	return true;
}

static bool get_props(struct reader *r, uint8_t *out)
{
	static const struct {
		const char *name;
		uint8_t bit;
	} names[] = {
		{ "read", MB_PROP_READ },
		{ "write-without-response", MB_PROP_WRITE_NO_RSP },
		{ "write", MB_PROP_WRITE },
		{ "notify", MB_PROP_NOTIFY },
		{ "indicate", MB_PROP_INDICATE },
	};
	unsigned int line;
	const char *v = mb_ini_get(r->ini, r->sec, "properties", &line);
	char *copy, *tok, *save = NULL;
	bool ok = true;

	if (!v || !*v) {
		FAIL(r, line, "properties", "missing");
		return false;
	}
	*out = 0;
	copy = mb_strdup(v);
	for (tok = strtok_r(copy, ", ", &save); tok && ok;
	     tok = strtok_r(NULL, ", ", &save)) {
		size_t i;

		for (i = 0; i < MB_ARRAY_SIZE(names); i++)
			if (!strcmp(tok, names[i].name))
				break;
		if (i == MB_ARRAY_SIZE(names)) {
			FAIL(r, line, "properties", "unknown property '%s'",
			     tok);
			ok = false;
		} else if (*out & names[i].bit) {
			FAIL(r, line, "properties", "'%s' given twice", tok);
			ok = false;
		} else {
			*out |= names[i].bit;
		}
	}
	free(copy);
	return ok;
}

static bool read_profile(struct mb_profile *p, struct reader *r)
{
	unsigned long format = 0;

	if (!get_string(r, "name", true, &p->name) ||
	    !get_uint(r, "format", 1, 1, true, &format))
		return false;
	mb_ini_get(r->ini, r->sec, "description", NULL);
	return true;
}

static bool read_gap(struct mb_profile *p, struct reader *r)
{
	return get_string(r, "device-name", false, &p->device_name) &&
	       GET_UINT(r, "appearance", 0, 0xffff, p->appearance);
}

static bool read_device_info(struct mb_profile *p, struct reader *r)
{
	uint8_t *pnp = NULL;
	size_t len = 0;
	bool present;

	if (!get_string(r, "software-revision", false,
			&p->dis.software_revision) ||
	    !get_string(r, "hardware-revision", false,
			&p->dis.hardware_revision) ||
	    !get_string(r, "gps-version", false, &p->dis.gps_version) ||
	    !get_hex(r, "pnp-id", 7, 7, &pnp, &len, &present))
		return false;
	if (present)
		memcpy(p->dis.pnp_id, pnp, 7);
	free(pnp);
	/* The reply 10 0E 01 <ascii> carries at most 16 bytes of it. */
	if (strlen(p->dis.gps_version) > 16) {
		unsigned int line;

		mb_ini_get(r->ini, r->sec, "gps-version", &line);
		FAIL(r, line, "gps-version", "longer than 16 characters");
		return false;
	}
	return true;
}

static bool read_advertising(struct mb_profile *p, struct reader *r)
{
	struct mb_profile_adv *a = &p->adv;
	unsigned int line;
	uint8_t *mfr = NULL;
	size_t len = 0;
	bool present;

	if (!GET_UINT(r, "flags", 0, 0xff, a->flags) ||
	    !get_string(r, "local-name", false, &a->local_name) ||
	    !GET_UINT(r, "manufacturer-id", 0, 0xffff, a->manufacturer_id) ||
	    !GET_UINT(r, "heart-rate-offset", 0, 23, a->heart_rate_offset) ||
	    !GET_UINT(r, "interval-ms", 20, 10240, a->interval_ms) ||
	    !get_hex(r, "manufacturer-data", 0, 24, &mfr, &len, &present))
		return false;
	if (present) {
		memcpy(a->manufacturer_data, mfr, len);
		a->manufacturer_data_len = len;
	}
	free(mfr);
	if (mb_ini_get(r->ini, r->sec, "service-data-uuid", NULL) &&
	    !get_uuid(r, "service-data-uuid", &a->service_data_uuid))
		return false;
	/* Legacy advertising data is 31 bytes: the name goes to the scan
	 * response with the service data (2 + 15 + 8 bytes). */
	if (strlen(a->local_name) > 29 - 8) {
		mb_ini_get(r->ini, r->sec, "local-name", &line);
		FAIL(r, line, "local-name",
		     "longer than the scan response allows (21)");
		return false;
	}
	if (a->heart_rate_offset >= a->manufacturer_data_len &&
	    a->manufacturer_data_len) {
		mb_ini_get(r->ini, r->sec, "heart-rate-offset", &line);
		FAIL(r, line, "heart-rate-offset",
		     "past the end of manufacturer-data");
		return false;
	}
	return true;
}

static bool read_att(struct mb_profile *p, struct reader *r)
{
	/* Core Vol 3 Part F 3.2.8: ATT_MTU is at least 23, at most 517. */
	return GET_UINT(r, "mtu", 23, 517, p->mtu);
}

static bool read_battery(struct mb_profile *p, struct reader *r)
{
	return GET_UINT(r, "initial-level", 0, 100, p->battery_level) &&
	       get_bool(r, "initial-charging", &p->battery_charging);
}

static bool read_policy(struct mb_profile *p, struct reader *r)
{
	static const char *const units[] = { "samples", "packets", "bytes" };
	static const char *const drops[] = { "at-transfer-start",
					     "after-connected-s" };
	static const char *const interrupted[] = { "discard", "recovery" };
	static const char *const orders[] = { "response-first",
					      "notification-first" };
	static const char *const announce[] = { "paced", "on-subscribe",
						"off" };
	static const char *const set_back[] = { "wait", "relog" };
	static const char *const unknowns[] = { "refuse", "ignore" };
	static const char *const silences[] = { "all-but-alarms", "alerts" };
	static const char *const not_worn[] = { "zero", "silent" };
	struct mb_policy *pol = &p->policy;
	int unit = (int)pol->fetch_count_unit;
	int drop = (int)pol->low_battery_drop_pattern;
	int intr = (int)pol->firmware_interrupted;
	int order = (int)pol->notify_order;
	int mtu_announce = (int)pol->mtu_announce;
	int back = (int)pol->time_set_back;
	int unknown = (int)pol->settings_unknown;
	int silence = (int)pol->dnd_silences;
	int hr_not_worn = (int)pol->hr_not_worn;

	if (!get_choice(r, "fetch-count-unit", units, 3, &unit) ||
	    !get_bool(r, "fetch-ack-deletes", &pol->fetch_ack_deletes) ||
	    !GET_UINT(r, "unauthorized-att-error", 0x01, 0xff,
		      pol->unauthorized_att_error) ||
	    !get_bool(r, "refuse-other-key", &pol->refuse_other_key) ||
	    !GET_UINT(r, "confirm-window-s", 1, 3600, pol->confirm_window_s) ||
	    !GET_UINT(r, "low-battery-drop-percent", 0, 100,
		      pol->low_battery_drop_percent) ||
	    !get_choice(r, "low-battery-drop-pattern", drops, 2, &drop) ||
	    !GET_UINT(r, "low-battery-drop-after-s", 0, 86400,
		      pol->low_battery_drop_after_s) ||
	    !GET_UINT(r, "reboot-below-percent", 0, 100,
		      pol->reboot_below_percent) ||
	    !GET_UINT(r, "power-off-percent", 0, 100, pol->power_off_percent) ||
	    !GET_UINT(r, "power-on-percent", 0, 100, pol->power_on_percent) ||
	    !GET_UINT(r, "firmware-min-battery-percent", 0, 100,
		      pol->firmware_min_battery_percent) ||
	    !GET_UINT(r, "firmware-low-battery-status", 0, 0xff,
		      pol->firmware_low_battery_status) ||
	    !get_choice(r, "firmware-interrupted", interrupted, 2, &intr) ||
	    !GET_UINT(r, "flash-log-days", 1, 366, pol->flash_log_days) ||
	    !GET_UINT(r, "workout-log-kb", 8, 16384, pol->workout_log_kb) ||
	    !get_bool(r, "workout-auto", &pol->workout_auto) ||
	    !get_bool(r, "workout-track-steps", &pol->workout_track_steps) ||
	    !GET_UINT(r, "bond-slots", 0, MB_BONDS_MAX, pol->bond_slots) ||
	    !GET_UINT(r, "connection-interval-ms", 8, 4000,
		      pol->connection_interval_ms) ||
	    !GET_UINT(r, "packets-per-event", 1, 64, pol->packets_per_event) ||
	    !GET_UINT(r, "fetch-prepare-ms", 0, 10000, pol->fetch_prepare_ms) ||
	    !get_choice(r, "notification-order", orders, 2, &order) ||
	    !get_choice(r, "mtu-announce", announce, 3, &mtu_announce) ||
	    !get_choice(r, "time-set-back", set_back, 2, &back) ||
	    !GET_UINT(r, "settings-error-status", 0x02, 0xff,
		      pol->settings_error_status) ||
	    !get_choice(r, "settings-unknown-command", unknowns, 2, &unknown) ||
	    !get_bool(r, "settings-acknowledge", &pol->settings_acknowledge) ||
	    !GET_UINT(r, "alarm-snooze-min", 1, 60, pol->alarm_snooze_min) ||
	    !GET_UINT(r, "alarm-snooze-times", 0, 10,
		      pol->alarm_snooze_times) ||
	    !get_choice(r, "dnd-silences", silences, 2, &silence) ||
	    !GET_UINT(r, "hr-manual-measure-s", 1, 120,
		      pol->hr_manual_measure_s) ||
	    !GET_UINT(r, "hr-continuous-period-ms", 100, 60000,
		      pol->hr_continuous_period_ms) ||
	    !GET_UINT(r, "hr-keepalive-timeout-s", 1, 3600,
		      pol->hr_keepalive_timeout_s) ||
	    !get_choice(r, "hr-not-worn", not_worn, 2, &hr_not_worn) ||
	    !get_bool(r, "hr-periodic-notify", &pol->hr_periodic_notify) ||
	    !GET_UINT(r, "hr-sleep-interval-min", 1, 60,
		      pol->hr_sleep_interval_min) ||
	    !GET_UINT(r, "screen-on-s", 1, 3600, pol->screen_on_s) ||
	    !GET_UINT(r, "screen-notice-s", 1, 3600, pol->screen_notice_s) ||
	    !GET_UINT(r, "screen-message-s", 1, 3600, pol->screen_message_s) ||
	    !GET_UINT(r, "screen-alarm-s", 1, 3600, pol->screen_alarm_s) ||
	    !GET_UINT(r, "screen-low-battery-percent", 0, 100,
		      pol->screen_low_battery_percent) ||
	    !GET_UINT(r, "prepare-queue", 1, 255, pol->prepare_queue) ||
	    !GET_UINT(r, "chunk-max-bytes", 16, 65536, pol->chunk_max_bytes) ||
	    !GET_UINT(r, "chunk-timeout-s", 0, 3600, pol->chunk_timeout_s))
		return false;
	pol->hr_not_worn = (enum mb_hr_not_worn)hr_not_worn;
	pol->settings_unknown = (enum mb_settings_unknown)unknown;
	pol->dnd_silences = (enum mb_dnd_silences)silence;
	pol->notify_order = (enum mb_notify_order)order;
	pol->mtu_announce = (enum mb_mtu_announce)mtu_announce;
	pol->time_set_back = (enum mb_time_set_back)back;
	pol->fetch_count_unit = (enum mb_fetch_count_unit)unit;
	pol->low_battery_drop_pattern = (enum mb_low_battery_drop)drop;
	pol->firmware_interrupted = (enum mb_firmware_interrupted)intr;
	if (pol->power_on_percent <= pol->power_off_percent &&
	    pol->power_on_percent != 100) {
		unsigned int line;

		mb_ini_get(r->ini, r->sec, "power-on-percent", &line);
		FAIL(r, line, "power-on-percent",
		     "must be above power-off-percent");
		return false;
	}
	return true;
}

/* What [service NAME] and [characteristic NAME] both start with: the
 * name, the section's line, the handle's line (for errors about it), and a
 * description that is only for people. */
static void read_header(struct reader *r, const char *name, char **name_out,
			unsigned int *line, unsigned int *handle_line)
{
	*name_out = mb_strdup(name);
	*line = mb_ini_section_line(r->ini, r->sec);
	mb_ini_get(r->ini, r->sec, "description", NULL);
	mb_ini_get(r->ini, r->sec, "handle", handle_line);
}

static bool read_service(struct mb_profile *p, struct reader *r,
			 const char *name)
{
	struct mb_profile_svc *s;

	p->svcs = mb_realloc_n(p->svcs, p->n_svcs + 1, sizeof(*p->svcs));
	s = &p->svcs[p->n_svcs++];
	*s = (struct mb_profile_svc){ 0 };
	read_header(r, name, &s->name, &s->line, &s->handle_line);
	return get_uuid(r, "uuid", &s->uuid) &&
	       GET_UINT(r, "handle", 1, 0xffff, s->handle);
}

/* A long write is the Write Request made long (Core Vol 3 Part F 3.4.6):
 * a characteristic a Write Request cannot reach takes none. */
static bool long_write_ok(struct reader *r, const struct mb_profile_chr *c)
{
	unsigned int line;

	if (!c->long_write || c->props & MB_PROP_WRITE)
		return true;
	mb_ini_get(r->ini, r->sec, "long-write", &line);
	FAIL(r, line, "long-write", "needs the write property");
	return false;
}

static bool read_characteristic(struct mb_profile *p, struct reader *r,
				const char *name)
{
	struct mb_profile_svc *s;
	struct mb_profile_chr *c;

	if (!p->n_svcs) {
		mb_set_error(
			r->err,
			"%s:%u: [characteristic %s]: comes before any [service]",
			mb_ini_filename(r->ini),
			mb_ini_section_line(r->ini, r->sec), name);
		return false;
	}
	s = &p->svcs[p->n_svcs - 1];
	s->chrs = mb_realloc_n(s->chrs, s->n_chrs + 1, sizeof(*s->chrs));
	c = &s->chrs[s->n_chrs++];
	/* Core Vol 3 Part F 3.2.9: no attribute value is longer than 512. */
	*c = (struct mb_profile_chr){ .max_length = 512 };
	read_header(r, name, &c->name, &c->line, &c->handle_line);
	/* Value handle 1 would leave no room for its declaration. */
	return get_uuid(r, "uuid", &c->uuid) && get_props(r, &c->props) &&
	       get_bool(r, "auth", &c->auth) &&
	       get_bool(r, "long-write", &c->long_write) &&
	       GET_UINT(r, "max-length", 1, 512, c->max_length) &&
	       GET_UINT(r, "handle", 2, 0xffff, c->handle) &&
	       get_hex(r, "value", 0, 512, &c->value, &c->value_len,
		       &c->has_value) &&
	       long_write_ok(r, c);
}

typedef bool (*section_reader_t)(struct mb_profile *p, struct reader *r);

static const struct {
	const char *name;
	section_reader_t read;
} fixed_sections[] = {
	{ "profile", read_profile },
	{ "gap", read_gap },
	{ "device-info", read_device_info },
	{ "advertising", read_advertising },
	{ "att", read_att },
	{ "battery", read_battery },
	{ "policy", read_policy },
};

static bool read_section(struct mb_profile *p, struct reader *r)
{
	const char *name = mb_ini_section_name(r->ini, r->sec);

	for (size_t i = 0; i < MB_ARRAY_SIZE(fixed_sections); i++)
		if (!strcmp(name, fixed_sections[i].name))
			return fixed_sections[i].read(p, r);
	if (!strncmp(name, "service ", 8) && name[8])
		return read_service(p, r, name + 8);
	if (!strncmp(name, "characteristic ", 15) && name[15])
		return read_characteristic(p, r, name + 15);
	mb_set_error(r->err, "%s:%u: [%s]: unknown section",
		     mb_ini_filename(r->ini),
		     mb_ini_section_line(r->ini, r->sec), name);
	return false;
}

static void set_defaults(struct mb_profile *p)
{
	static const uint8_t pnp[7] = {
		0x01, 0x57, 0x01, 0x24, 0x00, 0x01, 0x01
	};

	p->device_name = mb_strdup("Mi Smart Band 4");
	p->dis.software_revision = mb_strdup("V1.0.9.70");
	p->dis.gps_version = mb_strdup("");
	p->dis.hardware_revision = mb_strdup("V0.25.19.5");
	memcpy(p->dis.pnp_id, pnp, sizeof(pnp));
	p->adv.flags = 0x06;
	p->adv.local_name = mb_strdup("Mi Smart Band 4");
	mb_uuid_from16(0xfee0, &p->adv.service_data_uuid);
	p->adv.manufacturer_id = 0x0157;
	p->adv.heart_rate_offset = 3;
	p->adv.interval_ms = 500;
	p->policy = default_policy;
	p->mtu = 247;
	p->battery_level = 81;
}

struct mb_profile *mb_profile_parse(const char *text, size_t len,
				    const char *filename, char **err)
{
	struct mb_ini *ini = mb_ini_parse(text, len, filename, err);
	struct mb_profile *p;
	struct reader r = { .ini = ini, .err = err };

	if (!ini)
		return NULL;
	p = mb_malloc0(sizeof(*p));
	p->filename = mb_strdup(mb_ini_filename(ini));
	set_defaults(p);
	if (mb_ini_find_section(ini, "profile") != 0) {
		mb_set_error(err, "%s:1: [profile]: must be the first section",
			     p->filename);
		goto fail;
	}
	for (r.sec = 0; r.sec < mb_ini_n_sections(ini); r.sec++) {
		if (!read_section(p, &r) ||
		    !mb_ini_check_unused(ini, r.sec, err))
			goto fail;
	}
	if (!p->n_svcs) {
		mb_set_error(err, "%s: no [service] sections", p->filename);
		goto fail;
	}
	mb_ini_free(ini);
	return p;
fail:
	mb_ini_free(ini);
	mb_profile_free(p);
	return NULL;
}

void mb_profile_free(struct mb_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_svcs; i++) {
		struct mb_profile_svc *s = &p->svcs[i];

		for (size_t k = 0; k < s->n_chrs; k++) {
			free(s->chrs[k].name);
			free(s->chrs[k].value);
		}
		free(s->chrs);
		free(s->name);
	}
	free(p->svcs);
	free(p->adv.local_name);
	free(p->dis.software_revision);
	free(p->dis.hardware_revision);
	free(p->dis.gps_version);
	free(p->device_name);
	free(p->name);
	free(p->filename);
	free(p);
}

const char *mb_profile_filename(const struct mb_profile *p)
{
	return p->filename;
}
const char *mb_profile_name(const struct mb_profile *p)
{
	return p->name;
}
size_t mb_profile_n_services(const struct mb_profile *p)
{
	return p->n_svcs;
}
const char *mb_profile_device_name(const struct mb_profile *p)
{
	return p->device_name;
}
uint16_t mb_profile_appearance(const struct mb_profile *p)
{
	return p->appearance;
}
uint16_t mb_profile_mtu(const struct mb_profile *p)
{
	return p->mtu;
}
unsigned int mb_profile_battery_level(const struct mb_profile *p)
{
	return p->battery_level;
}
bool mb_profile_battery_charging(const struct mb_profile *p)
{
	return p->battery_charging;
}

const struct mb_profile_svc *mb_profile_service(const struct mb_profile *p,
						size_t i)
{
	return i < p->n_svcs ? &p->svcs[i] : NULL;
}

const struct mb_profile_device_info *
mb_profile_device_info(const struct mb_profile *p)
{
	return &p->dis;
}

const struct mb_profile_adv *mb_profile_adv(const struct mb_profile *p)
{
	return &p->adv;
}

const struct mb_policy *mb_profile_policy(const struct mb_profile *p)
{
	return &p->policy;
}
