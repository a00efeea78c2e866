// SPDX-License-Identifier: GPL-2.0-or-later
#include "settings-model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "util.h"

static const char *const date_displays[] = { "time", "date-time" };
static const char *const time_formats[] = { "12h", "24h" };
static const char *const units[] = { "metric", "imperial" };
static const char *const schedules[] = { "off", "on", "scheduled" };
static const char *const sensitivities[] = { "normal", "sensitive" };
static const char *const night_modes[] = { "off", "scheduled", "sunset" };
static const char *const dnd_modes[] = { "off", "automatic", "scheduled" };
static const char *const wrists[] = { "left", "right" };
static const char *const sexes[] = { "male", "female", "other" };

/* GB-HuamiSupport setDateFormat: the three patterns GB offers. */
static bool date_format_valid(const char *s)
{
	static const char *const formats[] = { "MM/dd/yyyy", "dd.MM.yyyy",
					       "dd/MM/yyyy" };

	for (size_t i = 0; i < MB_ARRAY_SIZE(formats); i++)
		if (!strcmp(s, formats[i]))
			return true;
	return false;
}

/* §11 06 17: a locale as "ll_CC" (GB-HuamiSupport setLanguage). */
static bool language_valid(const char *s)
{
	return strlen(s) == 5 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' &&
	       s[1] <= 'z' && s[2] == '_' && s[3] >= 'A' && s[3] <= 'Z' &&
	       s[4] >= 'A' && s[4] <= 'Z';
}

/* A Mi Band 4 password: four digits, each 1-4 (GB MiBand4Coordinator,
 * NUMBERS_4_DIGITS_1_TO_4). */
static bool password_valid(const char *s)
{
	if (strlen(s) != 4)
		return false;
	for (int i = 0; i < 4; i++)
		if (s[i] < '1' || s[i] > '4')
			return false;
	return true;
}

/* The positions of display items 1..n (n from 5 to 8), each once. */
static bool order_valid(const char *s)
{
	size_t n = strlen(s);
	unsigned int seen = 0;

	if (n < 5 || n > 8)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		if (s[i] < '1' || d > n || seen & 1u << d)
			return false;
		seen |= 1u << d;
	}
	return true;
}

#define BOOL(k, d)                                               \
	{                                                        \
		.key = k, .kind = MB_SETTING_KIND_BOOL, .def = d \
	}
#define UINT(k, lo, hi, d)                                                    \
	{                                                                     \
		.key = k, .kind = MB_SETTING_KIND_UINT, .min = lo, .max = hi, \
		.def = d                                                      \
	}
#define CHOICE(k, c, d)                                                 \
	{                                                               \
		.key = k, .kind = MB_SETTING_KIND_CHOICE, .choices = c, \
		.n_choices = MB_ARRAY_SIZE(c), .def = d                 \
	}
#define TIME(k, h, m)                                                     \
	{                                                                 \
		.key = k, .kind = MB_SETTING_KIND_TIME, .def = h * 60 + m \
	}
#define TEXT(k, check, d)                                                    \
	{                                                                    \
		.key = k, .kind = MB_SETTING_KIND_TEXT, .text_valid = check, \
		.def_text = d                                                \
	}

/* Keys, ranges and the factory values (docs/settings.md). */
static const struct mb_setting_desc descs[MB_SETTING_COUNT] = {
	[MB_SETTING_DATE_DISPLAY] = CHOICE("date-display", date_displays, 1),
	[MB_SETTING_TIME_FORMAT] = CHOICE("time-format", time_formats, 1),
	[MB_SETTING_DATE_FORMAT] =
		TEXT("date-format", date_format_valid, "MM/dd/yyyy"),
	[MB_SETTING_DISTANCE_UNIT] = CHOICE("distance-unit", units, 0),
	[MB_SETTING_LANGUAGE] = TEXT("language", language_valid, "en_US"),
	[MB_SETTING_LIFT_WRIST] = CHOICE("lift-wrist", schedules, 1),
	[MB_SETTING_LIFT_WRIST_START] = TIME("lift-wrist-start", 0, 0),
	[MB_SETTING_LIFT_WRIST_END] = TIME("lift-wrist-end", 0, 0),
	[MB_SETTING_LIFT_WRIST_SENSITIVITY] =
		CHOICE("lift-wrist-sensitivity", sensitivities, 0),
	[MB_SETTING_ROTATE_WRIST] = BOOL("rotate-wrist", 0),
	[MB_SETTING_DISPLAY_CALLER] = BOOL("display-caller", 1),
	[MB_SETTING_GOAL_NOTIFICATION] = BOOL("goal-notification", 1),
	[MB_SETTING_SCREEN_UNLOCK] = BOOL("screen-unlock", 0),
	[MB_SETTING_CONNECTED_ADVERTISING] = BOOL("connected-advertising", 0),
	[MB_SETTING_PHONE_SILENT] = BOOL("phone-silent", 0),
	[MB_SETTING_HR_SHARING] = BOOL("hr-sharing", 0),
	[MB_SETTING_HR_ACTIVITY] = BOOL("hr-activity-monitoring", 0),
	[MB_SETTING_HR_ALERT] = BOOL("hr-alert", 0),
	[MB_SETTING_HR_ALERT_BPM] = UINT("hr-alert-bpm", 80, 200, 150),
	[MB_SETTING_DISCONNECT_NOTIFY] =
		CHOICE("disconnect-notification", schedules, 0),
	[MB_SETTING_DISCONNECT_NOTIFY_START] =
		TIME("disconnect-notification-start", 0, 0),
	[MB_SETTING_DISCONNECT_NOTIFY_END] =
		TIME("disconnect-notification-end", 0, 0),
	[MB_SETTING_PASSWORD] = BOOL("password", 0),
	[MB_SETTING_PASSWORD_CODE] =
		TEXT("password-code", password_valid, "1234"),
	[MB_SETTING_NIGHT_MODE] = CHOICE("night-mode", night_modes, 0),
	[MB_SETTING_NIGHT_MODE_START] = TIME("night-mode-start", 16, 0),
	[MB_SETTING_NIGHT_MODE_END] = TIME("night-mode-end", 7, 0),
	[MB_SETTING_STRESS_MONITORING] = BOOL("stress-monitoring", 0),
	[MB_SETTING_INACTIVITY] = BOOL("inactivity", 0),
	[MB_SETTING_INACTIVITY_MINUTES] =
		UINT("inactivity-minutes", 1, 120, 60),
	[MB_SETTING_INACTIVITY_START] = TIME("inactivity-start", 6, 0),
	[MB_SETTING_INACTIVITY_END] = TIME("inactivity-end", 22, 0),
	[MB_SETTING_INACTIVITY_START2] = TIME("inactivity-start2", 0, 0),
	[MB_SETTING_INACTIVITY_END2] = TIME("inactivity-end2", 0, 0),
	[MB_SETTING_DND] = CHOICE("dnd", dnd_modes, 0),
	[MB_SETTING_DND_LIFT_WRIST] = BOOL("dnd-lift-wrist", 0),
	[MB_SETTING_DND_START] = TIME("dnd-start", 1, 0),
	[MB_SETTING_DND_END] = TIME("dnd-end", 6, 0),
	[MB_SETTING_DISPLAY_ITEMS] = UINT("display-items", 1, 0x1ff, 0x1ff),
	[MB_SETTING_DISPLAY_ORDER] =
		TEXT("display-order", order_valid, "12345678"),
	[MB_SETTING_HOURLY_CHIME] = BOOL("hourly-chime", 0),
	[MB_SETTING_HOURLY_CHIME_START] = TIME("hourly-chime-start", 8, 0),
	[MB_SETTING_HOURLY_CHIME_END] = TIME("hourly-chime-end", 22, 0),
	[MB_SETTING_WEAR_LOCATION] = CHOICE("wear-location", wrists, 0),
	[MB_SETTING_BIRTH_DATE] = { .key = "birth-date",
				    .kind = MB_SETTING_KIND_DATE,
				    .def = 19900101 },
	[MB_SETTING_SEX] = CHOICE("sex", sexes, 2),
	[MB_SETTING_HEIGHT_CM] = UINT("height-cm", 50, 250, 170),
	[MB_SETTING_WEIGHT_G] = UINT("weight-g", 10000, 300000, 70000),
	[MB_SETTING_USER_ID] = UINT("user-id", 0, UINT32_MAX, 0),
	[MB_SETTING_STEP_GOAL] = UINT("step-goal", 1, 65535, 8000),
	[MB_SETTING_HR_INTERVAL] = UINT("hr-interval-min", 0, 60, 0),
	[MB_SETTING_SLEEP_ASSIST] = BOOL("sleep-assist", 0),
};

const struct mb_setting_desc *mb_setting_desc(enum mb_setting id)
{
	return id < MB_SETTING_COUNT ? &descs[id] : NULL;
}

enum mb_setting mb_setting_find(const char *key)
{
	int id;

	for (id = 0; id < MB_SETTING_COUNT; id++)
		if (!strcmp(descs[id].key, key))
			break;
	return (enum mb_setting)id;
}

/* Zero-padded, so that two equal texts are equal bytes. */
static void copy_text(char *dst, const char *src, size_t len)
{
	if (len >= MB_SETTING_TEXT_MAX)
		len = MB_SETTING_TEXT_MAX - 1;
	memset(dst, 0, MB_SETTING_TEXT_MAX);
	memcpy(dst, src, len);
}

void mb_settings_values_init(struct mb_settings_values *values)
{
	memset(values, 0, sizeof(*values));
	for (int id = 0; id < MB_SETTING_COUNT; id++) {
		values->v[id] = descs[id].def;
		if (descs[id].def_text)
			copy_text(values->text[id], descs[id].def_text,
				  strlen(descs[id].def_text));
	}
}

static bool date_valid(uint32_t v)
{
	struct mb_datetime dt = { .year = (uint16_t)(v / 10000),
				  .month = (uint8_t)(v / 100 % 100),
				  .day = (uint8_t)(v % 100) };

	return v <= 99991231 && dt.year >= 1900 && mb_datetime_valid(&dt);
}

bool mb_setting_valid(enum mb_setting id, uint32_t v)
{
	const struct mb_setting_desc *d = mb_setting_desc(id);

	if (!d)
		return false;
	switch (d->kind) {
	case MB_SETTING_KIND_BOOL:
		return v <= 1;
	case MB_SETTING_KIND_UINT:
		return v >= d->min && v <= d->max;
	case MB_SETTING_KIND_CHOICE:
		return v < d->n_choices;
	case MB_SETTING_KIND_TIME:
		return v < 24 * 60;
	case MB_SETTING_KIND_DATE:
		return date_valid(v);
	case MB_SETTING_KIND_TEXT:
		return false;
	}
	return false;
}

bool mb_setting_set_text(struct mb_settings_values *values, enum mb_setting id,
			 const char *text, size_t len)
{
	char buf[MB_SETTING_TEXT_MAX] = { 0 };

	if (id >= MB_SETTING_COUNT || descs[id].kind != MB_SETTING_KIND_TEXT ||
	    len >= MB_SETTING_TEXT_MAX || memchr(text, '\0', len))
		return false;
	copy_text(buf, text, len);
	if (!descs[id].text_valid(buf))
		return false;
	memcpy(values->text[id], buf, sizeof(buf));
	return true;
}

void mb_setting_format(const struct mb_settings_values *values,
		       enum mb_setting id, char *buf, size_t size)
{
	const struct mb_setting_desc *d = &descs[id];
	uint32_t v = values->v[id];

	switch (d->kind) {
	case MB_SETTING_KIND_BOOL:
		snprintf(buf, size, "%s", v ? "yes" : "no");
		break;
	case MB_SETTING_KIND_UINT:
		snprintf(buf, size, "%u", v);
		break;
	case MB_SETTING_KIND_CHOICE:
		snprintf(buf, size, "%s",
			 v < d->n_choices ? d->choices[v] : "");
		break;
	case MB_SETTING_KIND_TIME:
		snprintf(buf, size, "%02u:%02u", v / 60 % 100, v % 60);
		break;
	case MB_SETTING_KIND_DATE:
		snprintf(buf, size, "%04u-%02u-%02u", v / 10000 % 10000,
			 v / 100 % 100, v % 100);
		break;
	case MB_SETTING_KIND_TEXT:
		snprintf(buf, size, "%s", values->text[id]);
		break;
	}
}

static bool parse_uint(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoull(s, &end, 10);
	if (*end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_value(const struct mb_setting_desc *d, const char *s,
			uint32_t *v)
{
	unsigned int a, b, c;
	char tail;

	switch (d->kind) {
	case MB_SETTING_KIND_BOOL:
		*v = !strcmp(s, "yes");
		return *v || !strcmp(s, "no");
	case MB_SETTING_KIND_UINT:
		return parse_uint(s, v);
	case MB_SETTING_KIND_CHOICE:
		for (size_t i = 0; i < d->n_choices; i++)
			if (!strcmp(s, d->choices[i])) {
				*v = (uint32_t)i;
				return true;
			}
		return false;
	case MB_SETTING_KIND_TIME:
		if (strlen(s) != 5 ||
		    sscanf(s, "%2u:%2u%c", &a, &b, &tail) != 2 || a > 23 ||
		    b > 59)
			return false;
		*v = a * 60 + b;
		return true;
	case MB_SETTING_KIND_DATE:
		if (strlen(s) != 10 ||
		    sscanf(s, "%4u-%2u-%2u%c", &a, &b, &c, &tail) != 3)
			return false;
		*v = a * 10000 + b * 100 + c;
		return true;
	case MB_SETTING_KIND_TEXT:
		return false;
	}
	return false;
}

bool mb_setting_parse(struct mb_settings_values *values, enum mb_setting id,
		      const char *text)
{
	uint32_t v;

	if (id >= MB_SETTING_COUNT)
		return false;
	if (descs[id].kind == MB_SETTING_KIND_TEXT)
		return mb_setting_set_text(values, id, text, strlen(text));
	if (!parse_value(&descs[id], text, &v) || !mb_setting_valid(id, v))
		return false;
	values->v[id] = v;
	return true;
}

bool mb_settings_equal(const struct mb_settings_values *a,
		       const struct mb_settings_values *b, enum mb_setting id)
{
	if (descs[id].kind == MB_SETTING_KIND_TEXT)
		return !strcmp(a->text[id], b->text[id]);
	return a->v[id] == b->v[id];
}

static const char *const day_names[] = { "mon", "tue", "wed", "thu",
					 "fri", "sat", "sun" };

void mb_alarm_days_format(uint8_t days, char *buf, size_t size)
{
	size_t off = 0;

	if (days == MB_ALARM_ONCE || days == MB_ALARM_EVERY_DAY || !days) {
		snprintf(buf, size, "%s",
			 days == MB_ALARM_ONCE ? "once"
			 : days		       ? "every-day"
					       : "none");
		return;
	}
	buf[0] = '\0';
	for (int i = 0; i < 7 && off < size; i++)
		if (days & 1u << i)
			off += (size_t)snprintf(buf + off, size - off, "%s%s",
						off ? "," : "", day_names[i]);
}

bool mb_alarm_days_parse(const char *text, uint8_t *days)
{
	const char *p = text;

	if (!strcmp(text, "once") || !strcmp(text, "every-day")) {
		*days = text[0] == 'o' ? MB_ALARM_ONCE : MB_ALARM_EVERY_DAY;
		return true;
	}
	*days = 0;
	while (*p) {
		size_t i;

		for (i = 0; i < 7; i++)
			if (!strncmp(p, day_names[i], 3) &&
			    (p[3] == ',' || !p[3]))
				break;
		if (i == 7 || *days & 1u << i)
			return false;
		*days |= (uint8_t)(1u << i);
		p += p[3] ? 4 : 3;
	}
	return *days != 0 && p[-1] != ',';
}

void mb_alarm_format(const struct mb_alarm *alarm, char *buf, size_t size)
{
	char days[32];

	if (!alarm->days) {
		snprintf(buf, size, "unused");
		return;
	}
	mb_alarm_days_format(alarm->days, days, sizeof(days));
	snprintf(buf, size, "%02u:%02u %s %s%s", alarm->hour, alarm->minute,
		 days, alarm->enabled ? "on" : "off",
		 alarm->snooze ? " snooze" : "");
}

bool mb_setting_wire_time(uint8_t hour, uint8_t minute, uint32_t *out)
{
	if (hour > 23 || minute > 59)
		return false;
	*out = hour * 60u + minute;
	return true;
}

bool mb_setting_in_window(uint32_t t, uint32_t start, uint32_t end)
{
	if (start <= end)
		return t >= start && t < end;
	return t >= start || t < end;
}
