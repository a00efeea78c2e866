/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a companion app configures on the band (protocol §11, §2.5, §2.3;
 * docs/settings.md): plain values, one row of a table per setting, so the
 * command parsers, the settings file, the control plane and the
 * setting-changed event all read and write them the same way.  No
 * behaviour lives here: the settings part (settings.c) keeps them, the
 * routine (routine.c) acts on them. */
enum mb_setting {
	/* 0x0003, 06 xx: the screen and the clock face */
	MB_SETTING_DATE_DISPLAY,
	MB_SETTING_TIME_FORMAT,
	MB_SETTING_DATE_FORMAT,
	MB_SETTING_DISTANCE_UNIT,
	MB_SETTING_LANGUAGE,
	MB_SETTING_LIFT_WRIST,
	MB_SETTING_LIFT_WRIST_START,
	MB_SETTING_LIFT_WRIST_END,
	MB_SETTING_LIFT_WRIST_SENSITIVITY,
	MB_SETTING_ROTATE_WRIST,
	MB_SETTING_DISPLAY_CALLER,
	MB_SETTING_GOAL_NOTIFICATION,
	MB_SETTING_SCREEN_UNLOCK,
	MB_SETTING_CONNECTED_ADVERTISING,
	MB_SETTING_PHONE_SILENT,
	MB_SETTING_HR_SHARING,
	MB_SETTING_HR_ACTIVITY,
	MB_SETTING_HR_ALERT,
	MB_SETTING_HR_ALERT_BPM,
	MB_SETTING_DISCONNECT_NOTIFY,
	MB_SETTING_DISCONNECT_NOTIFY_START,
	MB_SETTING_DISCONNECT_NOTIFY_END,
	MB_SETTING_PASSWORD,
	MB_SETTING_PASSWORD_CODE,
	/* 0x0003, the other commands */
	MB_SETTING_NIGHT_MODE,
	MB_SETTING_NIGHT_MODE_START,
	MB_SETTING_NIGHT_MODE_END,
	MB_SETTING_STRESS_MONITORING,
	MB_SETTING_INACTIVITY,
	MB_SETTING_INACTIVITY_MINUTES,
	MB_SETTING_INACTIVITY_START,
	MB_SETTING_INACTIVITY_END,
	MB_SETTING_INACTIVITY_START2,
	MB_SETTING_INACTIVITY_END2,
	MB_SETTING_DND,
	MB_SETTING_DND_LIFT_WRIST,
	MB_SETTING_DND_START,
	MB_SETTING_DND_END,
	MB_SETTING_DISPLAY_ITEMS,
	MB_SETTING_DISPLAY_ORDER,
	MB_SETTING_HOURLY_CHIME,
	MB_SETTING_HOURLY_CHIME_START,
	MB_SETTING_HOURLY_CHIME_END,
	MB_SETTING_WEAR_LOCATION,
	/* 0x0008 (§2.5) */
	MB_SETTING_BIRTH_DATE,
	MB_SETTING_SEX,
	MB_SETTING_HEIGHT_CM,
	MB_SETTING_WEIGHT_G,
	MB_SETTING_USER_ID,
	MB_SETTING_STEP_GOAL,
	/* 0x2A39 (§2.3) */
	MB_SETTING_HR_INTERVAL,
	MB_SETTING_SLEEP_ASSIST,
	MB_SETTING_COUNT
};

/* How a setting is held and shown. */
enum mb_setting_kind {
	MB_SETTING_KIND_BOOL,	/* 0 or 1; "yes" / "no" */
	MB_SETTING_KIND_UINT,	/* min .. max; decimal */
	MB_SETTING_KIND_CHOICE, /* an index into choices; its name */
	MB_SETTING_KIND_TIME,	/* minutes of the day; "HH:MM" */
	MB_SETTING_KIND_DATE,	/* yyyymmdd; "YYYY-MM-DD" */
	MB_SETTING_KIND_TEXT,	/* a short string its check accepts */
};

#define MB_SETTING_TEXT_MAX 16

struct mb_setting_desc {
	const char *key; /* "time-format": the file, D-Bus and events */
	enum mb_setting_kind kind;
	uint32_t min, max; /* UINT */
	const char *const *choices;
	size_t n_choices;
	bool (*text_valid)(const char *text); /* TEXT */
	uint32_t def;
	const char *def_text;
};

/* The alarm slots (GB-HuamiSupport queueAlarm; 10 on a Mi Band 4,
 * GB MiBand4Coordinator via HuamiCoordinator.getAlarmSlotCount). */
#define MB_ALARM_SLOTS 10
/* Day mask: bit 0 Monday .. bit 6 Sunday, or this bit alone: once. */
#define MB_ALARM_ONCE 0x80
#define MB_ALARM_EVERY_DAY 0x7f

struct mb_alarm {
	bool enabled;
	bool snooze;
	uint8_t hour;
	uint8_t minute;
	uint8_t days; /* 0: the slot is not in use */
};

struct mb_settings_values {
	uint32_t v[MB_SETTING_COUNT];
	char text[MB_SETTING_COUNT][MB_SETTING_TEXT_MAX];
	struct mb_alarm alarms[MB_ALARM_SLOTS];
};

const struct mb_setting_desc *mb_setting_desc(enum mb_setting id);
/* The id of key, or MB_SETTING_COUNT. */
enum mb_setting mb_setting_find(const char *key);

/* A factory-new band's settings. */
void mb_settings_values_init(struct mb_settings_values *values);

/* Whether v is in the range of setting id (not for TEXT). */
bool mb_setting_valid(enum mb_setting id, uint32_t v);
/* Sets a TEXT setting; false (nothing changed) if its check refuses. */
bool mb_setting_set_text(struct mb_settings_values *values, enum mb_setting id,
			 const char *text, size_t len);

/* The value as text, the form of the settings file and the
 * setting-changed event. */
void mb_setting_format(const struct mb_settings_values *values,
		       enum mb_setting id, char *buf, size_t size);
/* The value of text; false if it is not one of setting id. */
bool mb_setting_parse(struct mb_settings_values *values, enum mb_setting id,
		      const char *text);

bool mb_settings_equal(const struct mb_settings_values *a,
		       const struct mb_settings_values *b, enum mb_setting id);

/* "07:30 mon,tue,wed,thu,fri on snooze", "06:00 once off", "unused". */
#define MB_ALARM_TEXT_MAX 64
void mb_alarm_format(const struct mb_alarm *alarm, char *buf, size_t size);
/* "mon,tue", "every-day", "once" */
void mb_alarm_days_format(uint8_t days, char *buf, size_t size);
bool mb_alarm_days_parse(const char *text, uint8_t *days);

/* Minutes of day of a time the wire carries as hour, minute; false when
 * either is out of range. */
bool mb_setting_wire_time(uint8_t hour, uint8_t minute, uint32_t *out);
/* Whether minute of day t is in [start, end), across midnight when
 * start > end; start == end is an empty window. */
bool mb_setting_in_window(uint32_t t, uint32_t start, uint32_t end);
