// SPDX-License-Identifier: GPL-2.0-or-later
#include "settings-text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"
#include "util.h"

#define FAIL(err, ini, sec, line, key, what)                                \
	mb_set_error(err, "%s:%u: [%s] %s: %s", mb_ini_filename(ini), line, \
		     mb_ini_section_name(ini, sec), key, what)

static bool read_settings(struct mb_ini *ini, size_t sec,
			  struct mb_settings_values *values, char **err)
{
	for (int id = 0; id < MB_SETTING_COUNT; id++) {
		const char *key = mb_setting_desc(id)->key;
		unsigned int line;
		const char *v = mb_ini_get(ini, sec, key, &line);

		if (v && !mb_setting_parse(values, id, v)) {
			FAIL(err, ini, sec, line, key, "not a valid value");
			return false;
		}
	}
	return mb_ini_check_unused(ini, sec, err);
}

/* One [alarm N]: every key is needed, there is no half an alarm. */
static bool read_alarm(struct mb_ini *ini, size_t sec, unsigned int slot,
		       struct mb_settings_values *values, char **err)
{
	static const char *const keys[] = { "time", "days", "enabled",
					    "snooze" };
	struct mb_alarm a = { 0 };
	const char *v[MB_ARRAY_SIZE(keys)];
	unsigned int line[MB_ARRAY_SIZE(keys)], h, m;
	char tail;

	for (size_t i = 0; i < MB_ARRAY_SIZE(keys); i++) {
		v[i] = mb_ini_get(ini, sec, keys[i], &line[i]);
		if (!v[i]) {
			FAIL(err, ini, sec, mb_ini_section_line(ini, sec),
			     keys[i], "missing");
			return false;
		}
	}
	if (strlen(v[0]) != 5 ||
	    sscanf(v[0], "%2u:%2u%c", &h, &m, &tail) != 2 || h > 23 || m > 59) {
		FAIL(err, ini, sec, line[0], keys[0], "not HH:MM");
		return false;
	}
	a.hour = (uint8_t)h;
	a.minute = (uint8_t)m;
	if (!mb_alarm_days_parse(v[1], &a.days)) {
		FAIL(err, ini, sec, line[1], keys[1],
		     "not once, every-day or days as mon,tue,...");
		return false;
	}
	for (size_t i = 2; i < 4; i++) {
		if (strcmp(v[i], "yes") && strcmp(v[i], "no")) {
			FAIL(err, ini, sec, line[i], keys[i], "yes or no");
			return false;
		}
	}
	a.enabled = !strcmp(v[2], "yes");
	a.snooze = !strcmp(v[3], "yes");
	values->alarms[slot] = a;
	return mb_ini_check_unused(ini, sec, err);
}

static bool alarm_slot(const char *name, unsigned int *slot)
{
	char tail;

	return sscanf(name, "alarm %u%c", slot, &tail) == 1 &&
	       *slot < MB_ALARM_SLOTS && !strncmp(name, "alarm ", 6) &&
	       name[6] >= '0' && name[6] <= '9' && strlen(name) == 7;
}

bool mb_settings_values_parse(const char *text, size_t len, const char *name,
			      struct mb_settings_values *values, char **err)
{
	struct mb_ini *ini = mb_ini_parse(text, len, name, err);
	bool ok = true;

	mb_settings_values_init(values);
	if (!ini)
		return false;
	for (size_t sec = 0; ok && sec < mb_ini_n_sections(ini); sec++) {
		const char *sname = mb_ini_section_name(ini, sec);
		unsigned int slot;

		if (!strcmp(sname, "settings")) {
			ok = read_settings(ini, sec, values, err);
		} else if (alarm_slot(sname, &slot)) {
			ok = read_alarm(ini, sec, slot, values, err);
		} else {
			mb_set_error(err, "%s:%u: [%s]: unknown section", name,
				     mb_ini_section_line(ini, sec), sname);
			ok = false;
		}
	}
	mb_ini_free(ini);
	return ok;
}

char *mb_settings_values_format(const struct mb_settings_values *values)
{
	size_t cap = 8192, off;
	char *out = mb_malloc0(cap);

	off = (size_t)snprintf(
		out, cap,
		"# bandsim settings; replaced atomically, do not edit while running.\n"
		"[settings]\n");
	for (int id = 0; id < MB_SETTING_COUNT; id++) {
		char v[MB_SETTING_TEXT_MAX + 16];

		mb_setting_format(values, id, v, sizeof(v));
		off += (size_t)snprintf(out + off, cap - off, "%s = %s\n",
					mb_setting_desc(id)->key, v);
	}
	for (unsigned int i = 0; i < MB_ALARM_SLOTS; i++) {
		const struct mb_alarm *a = &values->alarms[i];
		char days[32];

		if (!a->days)
			continue;
		mb_alarm_days_format(a->days, days, sizeof(days));
		off += (size_t)snprintf(
			out + off, cap - off,
			"\n[alarm %u]\ntime = %02u:%02u\ndays = %s\nenabled = %s\nsnooze = %s\n",
			i, a->hour, a->minute, days, a->enabled ? "yes" : "no",
			a->snooze ? "yes" : "no");
	}
	/* Every setting and ten alarms fit with room to spare. */
	if (off >= cap)
		abort();
	return out;
}
