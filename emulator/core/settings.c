// SPDX-License-Identifier: GPL-2.0-or-later
#include "settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "att.h"
#include "huami.h"
#include "services.h"
#include "settings-cmds.h"
#include "settings-text.h"

/* What became of a command. */
enum result {
	RESULT_DONE,	 /* a valid setting or command, taken */
	RESULT_ANSWERED, /* a query answered, the reset done */
	RESULT_UNKNOWN,	 /* no row knows it */
	RESULT_LENGTH,	 /* known, of a length it never has */
	RESULT_REFUSED,	 /* a field out of range, or not stored */
};

/* One characteristic the settings answer on: its commands, and the
 * channel its replies go out on (NULL: 0x2A39 has no notify). */
struct channel {
	enum mb_chr_id chr;
	const struct mb_settings_cmd *cmds;
	const size_t *n_cmds;
};

static const struct channel config_channel = { MB_CHR_CONFIG,
					       mb_settings_config_cmds,
					       &mb_settings_config_n_cmds };
static const struct channel user_channel = { MB_CHR_USER_SETTINGS,
					     mb_settings_user_cmds,
					     &mb_settings_user_n_cmds };
static const struct channel hr_channel = { MB_CHR_HR_CONTROL,
					   mb_settings_hr_cmds,
					   &mb_settings_hr_n_cmds };

struct mb_settings {
	const struct mb_services *svc;
	const struct mb_policy *pol;
	const char *gps_version;
	const struct mb_rtc *rtc;
	struct mb_devevents *devevents;
	struct mb_huami *config;
	struct mb_huami *user;
	mb_settings_reset_func_t reset;
	void *reset_data;
	mb_settings_store_func_t store;
	void *store_data;
	struct mb_settings_values values;
};

struct mb_settings *
mb_settings_new(const struct mb_services *svc, const struct mb_profile *profile,
		const struct mb_rtc *rtc, struct mb_devevents *devevents,
		mb_settings_reset_func_t reset, void *user_data)
{
	struct mb_settings *s = MB_NEW(
		struct mb_settings, .svc = svc,
		.pol = mb_profile_policy(profile),
		.gps_version = mb_profile_device_info(profile)->gps_version,
		.rtc = rtc, .devevents = devevents, .reset = reset,
		.reset_data = user_data);

	s->config = mb_huami_new(svc, MB_CHR_CONFIG, NULL, 0);
	s->user = mb_huami_new(svc, MB_CHR_USER_SETTINGS, NULL, 0);
	mb_settings_values_init(&s->values);
	return s;
}

void mb_settings_free(struct mb_settings *settings)
{
	if (!settings)
		return;
	mb_huami_free(settings->config);
	mb_huami_free(settings->user);
	free(settings);
}

void mb_settings_set_store(struct mb_settings *settings,
			   mb_settings_store_func_t fn, void *user_data)
{
	settings->store = fn;
	settings->store_data = user_data;
}

void mb_settings_load(struct mb_settings *settings,
		      const struct mb_settings_values *values)
{
	settings->values = *values;
}

const struct mb_settings_values *
mb_settings_values(const struct mb_settings *settings)
{
	return &settings->values;
}

int8_t mb_settings_tz(const struct mb_settings *settings)
{
	return mb_rtc_tz(settings->rtc);
}

uint8_t mb_settings_dst(const struct mb_settings *settings)
{
	return mb_rtc_dst(settings->rtc);
}

/* ---- changes: stored first, then announced ------------------------------ */

static void announce(const struct mb_settings *s, const char *key,
		     const char *value)
{
	struct mb_event ev;

	mb_event_init(&ev, MB_EVENT_SETTING_CHANGED);
	mb_event_add_string(&ev, "key", key);
	mb_event_add_string(&ev, "value", value);
	mb_svc_emit(s->svc, &ev);
}

static void announce_changes(const struct mb_settings *s,
			     const struct mb_settings_values *old)
{
	for (int id = 0; id < MB_SETTING_COUNT; id++) {
		char v[MB_SETTING_TEXT_MAX + 16];

		if (mb_settings_equal(old, &s->values, id))
			continue;
		mb_setting_format(&s->values, id, v, sizeof(v));
		announce(s, mb_setting_desc(id)->key, v);
	}
	for (unsigned int i = 0; i < MB_ALARM_SLOTS; i++) {
		char key[16], v[MB_ALARM_TEXT_MAX];

		if (!memcmp(&old->alarms[i], &s->values.alarms[i],
			    sizeof(old->alarms[i])))
			continue;
		snprintf(key, sizeof(key), "alarm-%u", i);
		mb_alarm_format(&s->values.alarms[i], v, sizeof(v));
		announce(s, key, v);
	}
}

static bool same(const struct mb_settings_values *a,
		 const struct mb_settings_values *b)
{
	for (int id = 0; id < MB_SETTING_COUNT; id++)
		if (!mb_settings_equal(a, b, id))
			return false;
	return !memcmp(a->alarms, b->alarms, sizeof(a->alarms));
}

/* The band never claims a setting it would have forgotten after a
 * restart: what cannot be stored is not taken. */
static bool commit(struct mb_settings *s, const struct mb_settings_values *next,
		   char **err)
{
	struct mb_settings_values old = s->values;
	char *text;
	bool ok;

	if (same(&old, next))
		return true;
	text = mb_settings_values_format(next);
	ok = !s->store || s->store(text, strlen(text), s->store_data, err);
	free(text);
	if (!ok)
		return false;
	s->values = *next;
	announce_changes(s, &old);
	return true;
}

bool mb_settings_reset(struct mb_settings *settings, char **err)
{
	struct mb_settings_values next;

	mb_settings_values_init(&next);
	return commit(settings, &next, err);
}

bool mb_settings_set_alarm_enabled(struct mb_settings *settings,
				   unsigned int slot, bool enabled, char **err)
{
	struct mb_settings_values next = settings->values;

	if (slot >= MB_ALARM_SLOTS || !next.alarms[slot].days) {
		mb_set_error(err, "alarm %u is not in use", slot);
		return false;
	}
	next.alarms[slot].enabled = enabled;
	if (!commit(settings, &next, err))
		return false;
	mb_devevents_send(settings->devevents, MB_DEVEVENT_ALARM_TOGGLED);
	return true;
}

void mb_settings_alarm_done(struct mb_settings *settings, unsigned int slot)
{
	struct mb_settings_values next = settings->values;
	char *err = NULL;

	if (slot >= MB_ALARM_SLOTS || next.alarms[slot].days != MB_ALARM_ONCE ||
	    !next.alarms[slot].enabled)
		return;
	next.alarms[slot].enabled = false;
	if (!commit(settings, &next, &err)) {
		mb_svc_debug(settings->svc, "alarm %u not stored: %s", slot,
			     err);
		free(err);
		return;
	}
	mb_devevents_send(settings->devevents, MB_DEVEVENT_ALARM_CHANGED);
}

/* ---- commands ------------------------------------------------------------ */

/* 10 0D 01 <5 bytes> <count> <slot | 0x10 when on>...: the layout
 * Gadgetbridge reads (GB-HuamiSupport decodeAndUpdateAlarmStatus: the
 * count at [8], one byte per alarm in use from [9]).  What [3..7] hold is
 * not on record; the band sends zeros (docs/settings.md). */
static void query_alarms(const struct mb_settings *s)
{
	uint8_t payload[6 + MB_ALARM_SLOTS] = { 0 };
	size_t n = 0;

	for (uint8_t i = 0; i < MB_ALARM_SLOTS; i++) {
		const struct mb_alarm *a = &s->values.alarms[i];

		if (a->days)
			payload[6 + n++] =
				(uint8_t)(i | (a->enabled ? 0x10 : 0));
	}
	payload[5] = (uint8_t)n;
	mb_huami_reply(s->config, 0x0d, MB_HUAMI_STATUS_SUCCESS, payload,
		       6 + n);
}

static void query_gps(const struct mb_settings *s)
{
	mb_huami_reply(s->config, 0x0e, MB_HUAMI_STATUS_SUCCESS,
		       (const uint8_t *)s->gps_version, strlen(s->gps_version));
}

static void factory_reset(struct mb_settings *s)
{
	char *err = NULL;

	if (s->reset && !s->reset(s->reset_data, &err)) {
		mb_svc_debug(s->svc, "factory reset failed: %s", err);
		free(err);
	}
}

/* "what an app sent that the band does not know": the first bytes as
 * hex, and the whole length. */
#define UNKNOWN_BYTES_SHOWN 32

static void unknown(const struct mb_settings *s, enum mb_chr_id chr,
		    const uint8_t *v, size_t len)
{
	char hex[3 * UNKNOWN_BYTES_SHOWN + 1];
	struct mb_event ev;

	mb_hex_format(v, len < UNKNOWN_BYTES_SHOWN ? len : UNKNOWN_BYTES_SHOWN,
		      hex, sizeof(hex));
	mb_event_init(&ev, MB_EVENT_UNKNOWN_COMMAND);
	mb_event_add_string(&ev, "characteristic", mb_chr_uuid(chr));
	mb_event_add_string(&ev, "bytes", hex);
	mb_event_add_uint32(&ev, "length", (uint32_t)len);
	mb_svc_emit(s->svc, &ev);
}

static void malformed(const struct mb_settings *s, enum mb_chr_id chr,
		      uint8_t command)
{
	struct mb_event ev;

	mb_event_init(&ev, MB_EVENT_MALFORMED);
	mb_event_add_string(&ev, "characteristic", mb_chr_uuid(chr));
	mb_event_add_byte(&ev, "command", command);
	mb_svc_emit(s->svc, &ev);
}

static enum result run(struct mb_settings *s, const struct channel *ch,
		       const uint8_t *v, size_t len)
{
	struct mb_settings_values next = s->values;
	const struct mb_settings_cmd *c;
	char *err = NULL;
	bool len_ok;

	c = mb_settings_cmd_find(ch->cmds, *ch->n_cmds, v, len, &len_ok);
	if (!c) {
		unknown(s, ch->chr, v, len);
		return RESULT_UNKNOWN;
	}
	if (!len_ok || (c->parse && !c->parse(c, &next, v, len))) {
		malformed(s, ch->chr, v[0]);
		return len_ok ? RESULT_REFUSED : RESULT_LENGTH;
	}
	switch (c->action) {
	case MB_SETTINGS_ACTION_SET:
		if (commit(s, &next, &err))
			return RESULT_DONE;
		mb_svc_debug(s->svc, "setting not stored: %s", err);
		free(err);
		malformed(s, ch->chr, v[0]);
		return RESULT_REFUSED;
	case MB_SETTINGS_ACTION_ACCEPT:
		return RESULT_DONE;
	case MB_SETTINGS_ACTION_FIND_PHONE_ACK:
		mb_devevents_find_phone_ack(s->devevents, v[len - 1]);
		return RESULT_DONE;
	case MB_SETTINGS_ACTION_QUERY_ALARMS:
		query_alarms(s);
		return RESULT_ANSWERED;
	case MB_SETTINGS_ACTION_QUERY_GPS:
		query_gps(s);
		return RESULT_ANSWERED;
	case MB_SETTINGS_ACTION_FACTORY_RESET:
		factory_reset(s);
		return RESULT_ANSWERED;
	}
	return RESULT_DONE;
}

/* A Huami command characteristic answers on itself (§2.2); what a valid
 * setting and an unknown command get is policy (docs/policies.md). */
static void answer(const struct mb_settings *s, const struct mb_huami *h,
		   enum result r, uint8_t command)
{
	switch (r) {
	case RESULT_DONE:
		if (s->pol->settings_acknowledge)
			mb_huami_reply(h, command, MB_HUAMI_STATUS_SUCCESS,
				       NULL, 0);
		break;
	case RESULT_UNKNOWN:
		if (s->pol->settings_unknown == MB_SETTINGS_UNKNOWN_IGNORE)
			break;
		/* fall through */
	case RESULT_LENGTH:
	case RESULT_REFUSED:
		mb_huami_reply(h, command, s->pol->settings_error_status, NULL,
			       0);
		break;
	case RESULT_ANSWERED:
		break;
	}
}

/* An empty write has no command byte to answer to: a Write Request learns
 * it from its response, as on every Huami command characteristic
 * (docs/policies.md); a Write Command gets nothing. */
static uint8_t write_config(void *part, const uint8_t *value, size_t len,
			    bool command)
{
	struct mb_settings *s = part;

	if (!len)
		return MB_ATT_ERROR_INVALID_VALUE_LEN;
	answer(s, s->config, run(s, &config_channel, value, len), value[0]);
	return 0;
}

static uint8_t write_user(void *part, const uint8_t *value, size_t len,
			  bool command)
{
	struct mb_settings *s = part;

	if (!len)
		return MB_ATT_ERROR_INVALID_VALUE_LEN;
	answer(s, s->user, run(s, &user_channel, value, len), value[0]);
	return 0;
}

/* 0x2A39 has no notify: a refusal is the write's ATT error, and what the
 * settings do not know is taken (docs/policies.md#settings). */
uint8_t mb_settings_write_hr(struct mb_settings *settings, const uint8_t *value,
			     size_t len)
{
	if (!len)
		return MB_ATT_ERROR_INVALID_VALUE_LEN;
	switch (run(settings, &hr_channel, value, len)) {
	case RESULT_LENGTH:
		return MB_ATT_ERROR_INVALID_VALUE_LEN;
	case RESULT_REFUSED:
		return MB_ATT_ERROR_VALUE_NOT_ALLOWED;
	case RESULT_DONE:
	case RESULT_ANSWERED:
	case RESULT_UNKNOWN:
		break;
	}
	return 0;
}

const struct mb_chr_route mb_settings_routes[] = {
	{ MB_CHR_CONFIG, NULL, write_config },
	{ MB_CHR_USER_SETTINGS, NULL, write_user },
};
const size_t mb_settings_n_routes = MB_ARRAY_SIZE(mb_settings_routes);
