// SPDX-License-Identifier: GPL-2.0-or-later
/* Settings as byte vectors (docs/settings.md, protocol §11, §2.5, §2.3):
 * every command sets its value, malformed ones change nothing, the band
 * answers its queries and acts on the settings in band time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "life.h"
#include "settings-cmds.h"
#include "settings-text.h"
#include "util.h"

#define H_CONFIG_CCC 0x3c
#define H_USER 0x4d /* 00000008 */
#define H_USER_CCC 0x4e
#define H_HR_CTRL 0x1c /* 2a39 */

/* The value of key as the settings file and events show it. */
static void setting_text(struct fixture *f, const char *key, char *buf,
			 size_t size)
{
	const struct mb_settings_values *v =
		mb_settings_values(mb_band_settings(f->band));
	enum mb_setting id = mb_setting_find(key);
	unsigned int slot;

	if (sscanf(key, "alarm-%u", &slot) == 1) {
		assert_true(slot < MB_ALARM_SLOTS);
		mb_alarm_format(&v->alarms[slot], buf, size);
		return;
	}
	if (id == MB_SETTING_COUNT)
		fail_msg("no setting %s", key);
	mb_setting_format(v, id, buf, size);
}

static void expect_setting(struct fixture *f, const char *key, const char *want)
{
	char got[MB_ALARM_TEXT_MAX];

	setting_text(f, key, got, sizeof(got));
	if (strcmp(got, want))
		fail_msg("%s: got '%s', want '%s'", key, got, want);
}

/* A recorded event, by its whole text. */
/* The vibrate events of docs/policies.md#vibration. */
#define VIBRATE_ALARM                                                           \
	"vibrate reason=alarm pattern=600,400,600,400,600,400,600,400,600,400," \
	"600,400,600,400,600,400,600,400,600 duration-ms=9600"
#define VIBRATE_ALERT "vibrate reason=alert pattern=200,150,200 duration-ms=550"
#define VIBRATE_CHIME "vibrate reason=chime pattern=300 duration-ms=300"
#define VIBRATE_INACTIVITY \
	"vibrate reason=inactivity pattern=400,200,400,200,400 duration-ms=1600"
#define VIBRATE_GOAL \
	"vibrate reason=goal pattern=150,100,150,100,150,100,600 duration-ms=1350"

static bool has_event(const struct fixture *f, const char *want)
{
	for (size_t i = 0; i < f->n_events; i++) {
		char got[sizeof(f->events[0].name) + 1 +
			 sizeof(f->events[0].detail)];

		snprintf(got, sizeof(got), "%s%s%s", f->events[i].name,
			 f->events[i].detail[0] ? " " : "",
			 f->events[i].detail);
		if (!strcmp(got, want))
			return true;
	}
	return false;
}

/* value as a Write Command to 00000003 (what 00000003 takes). */
static void config(struct fixture *f, const uint8_t *value, size_t len)
{
	uint8_t pdu[3 + 32] = { 0x52, H_CONFIG, 0x00 };

	assert_true(len <= 32);
	memcpy(pdu + 3, value, len);
	mb_link_receive(mb_band_link(f->band), pdu, 3 + len);
}

#define CONFIG(...) config(f, PDU(__VA_ARGS__))

/* ------------------------------------------------ every command's value */

struct row {
	const char *name;
	uint8_t bytes[16];
	size_t len;
	const char *key;
	const char *value;
};

#define ROW(k, v, ...)                                                         \
	{                                                                      \
#__VA_ARGS__, { __VA_ARGS__ },                                 \
				sizeof((const uint8_t[]){ __VA_ARGS__ }), k, v \
	}

/* One command each, and the value it leaves (§11; GB-HuamiService). */
static const struct row config_rows[] = {
	ROW("date-display", "time", 0x06, 0x0a, 0x00, 0x00),
	ROW("date-display", "date-time", 0x06, 0x0a, 0x00, 0x03),
	ROW("time-format", "12h", 0x06, 0x02, 0x00, 0x00),
	ROW("distance-unit", "imperial", 0x06, 0x03, 0x00, 0x01),
	ROW("lift-wrist", "off", 0x06, 0x05, 0x00, 0x00),
	ROW("lift-wrist", "on", 0x06, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00),
	ROW("lift-wrist", "scheduled", 0x06, 0x05, 0x00, 0x01, 0x08, 0x00, 0x14,
	    0x1e),
	ROW("lift-wrist-end", "20:30", 0x06, 0x05, 0x00, 0x01, 0x08, 0x00, 0x14,
	    0x1e),
	ROW("lift-wrist-sensitivity", "sensitive", 0x06, 0x23, 0x00, 0x01),
	ROW("language", "de_DE", 0x06, 0x17, 0x00, 'd', 'e', '_', 'D', 'E'),
	ROW("date-format", "dd.MM.yyyy", 0x06, 0x1e, 0x00, 'd', 'd', '.', 'M',
	    'M', '.', 'y', 'y', 'y', 'y'),
	ROW("phone-silent", "yes", 0x06, 0x19, 0x00, 0x01),
	ROW("hr-sharing", "yes", 0x06, 0x1f, 0x00, 0x01),
	ROW("display-caller", "no", 0x06, 0x10, 0x00, 0x00, 0x00),
	ROW("goal-notification", "no", 0x06, 0x06, 0x00, 0x00),
	ROW("rotate-wrist", "yes", 0x06, 0x0d, 0x00, 0x01),
	ROW("screen-unlock", "yes", 0x06, 0x16, 0x00, 0x01),
	ROW("connected-advertising", "yes", 0x06, 0x01, 0x00, 0x01),
	ROW("hr-activity-monitoring", "yes", 0x06, 0x22, 0x00, 0x01),
	ROW("hr-alert-bpm", "120", 0x06, 0x1a, 0x00, 0x01, 0x78),
	ROW("disconnect-notification", "on", 0x06, 0x0c, 0x00, 0x01, 0x00, 0x00,
	    0x00, 0x00),
	ROW("password-code", "4321", 0x06, 0x21, 0x00, 0x01, '4', '3', '2', '1',
	    0x00),
	ROW("night-mode", "scheduled", 0x1a, 0x01, 0x15, 0x00, 0x06, 0x00),
	ROW("night-mode", "sunset", 0x1a, 0x02),
	ROW("stress-monitoring", "yes", 0xfe, 0x06, 0x00, 0x01),
	ROW("inactivity-minutes", "45", 0x08, 0x01, 0x2d, 0x00, 0x09, 0x00,
	    0x0c, 0x00, 0x0e, 0x00, 0x12, 0x00),
	ROW("inactivity-end2", "18:00", 0x08, 0x01, 0x2d, 0x00, 0x09, 0x00,
	    0x0c, 0x00, 0x0e, 0x00, 0x12, 0x00),
	ROW("dnd", "scheduled", 0x09, 0x81, 0x17, 0x00, 0x07, 0x00),
	ROW("dnd-start", "23:00", 0x09, 0x81, 0x17, 0x00, 0x07, 0x00),
	ROW("dnd", "automatic", 0x09, 0x03),
	ROW("dnd-lift-wrist", "yes", 0x09, 0x03),
	ROW("dnd", "off", 0x09, 0x82),
	ROW("display-items", "75", 0x0a, 0x4b, 0x00, 0x00, 0x01, 0x02, 0x06,
	    0x03, 0x07, 0x04, 0x05, 0x08),
	ROW("display-order", "12637458", 0x0a, 0x4b, 0x00, 0x00, 0x01, 0x02,
	    0x06, 0x03, 0x07, 0x04, 0x05, 0x08),
	ROW("display-order", "12345", 0x0a, 0x3f, 0x00, 0x00, 0x01, 0x02, 0x03,
	    0x04, 0x05),
	ROW("hourly-chime", "yes", 0xfe, 0x0b, 0x00, 0x01, 0x09, 0x00, 0x15,
	    0x00),
	ROW("hourly-chime-start", "09:00", 0xfe, 0x0b, 0x00, 0x01, 0x09, 0x00,
	    0x15, 0x00),
	ROW("wear-location", "right", 0x20, 0x00, 0x00, 0x82),
	ROW("alarm-1", "07:30 mon,tue,wed,thu,fri on snooze", 0x02, 0x81, 0x07,
	    0x1e, 0x1f),
	ROW("alarm-9", "06:05 once off", 0x02, 0x49, 0x06, 0x05, 0x80),
	ROW("alarm-9", "unused", 0x02, 0x09, 0x06, 0x05, 0x00),
};

static void test_config_commands(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < MB_ARRAY_SIZE(config_rows); i++) {
		const struct row *r = &config_rows[i];

		config(f, r->bytes, r->len);
		/* No reply: §11 shows answers to queries only. */
		expect_no_out(f);
		expect_setting(f, r->key, r->value);
		f->n_events = 0;
	}
}

static void test_change_events(void **state)
{
	struct fixture *f = *state;

	CONFIG(0x06, 0x02, 0x00, 0x00);
	expect_events(f, "setting-changed key=time-format value=12h", NULL);
	/* The same value again changes nothing and says nothing. */
	CONFIG(0x06, 0x02, 0x00, 0x00);
	expect_events(f, NULL);
	CONFIG(0x09, 0x81, 0x17, 0x00, 0x07, 0x00);
	expect_events(f, "setting-changed key=dnd value=scheduled",
		      "setting-changed key=dnd-start value=23:00",
		      "setting-changed key=dnd-end value=07:00", NULL);
	CONFIG(0x02, 0x83, 0x06, 0x00, 0x60);
	expect_events(
		f, "setting-changed key=alarm-3 value=06:00 sat,sun on snooze",
		NULL);
}

/* ---------------------------------------------------- 0008 and 0x2A39 */

static void test_user_settings(void **state)
{
	struct fixture *f = *state;

	/* §2.5: 1985-07-14, female, 172 cm, 61.5 kg (12300 x 5 g), id
	 * 0x12345678; Write Requests, answered 13 and nothing else. */
	xfer(f,
	     PDU(0x12, H_USER, 0x00, 0x4f, 0x00, 0x00, 0xc1, 0x07, 0x07, 0x0e,
		 0x01, 0xac, 0x00, 0x0c, 0x30, 0x78, 0x56, 0x34, 0x12),
	     PDU(0x13));
	expect_setting(f, "birth-date", "1985-07-14");
	expect_setting(f, "sex", "female");
	expect_setting(f, "height-cm", "172");
	expect_setting(f, "weight-g", "61500");
	expect_setting(f, "user-id", "305419896");
	xfer(f,
	     PDU(0x12, H_USER, 0x00, 0x10, 0x00, 0x00, 0x10, 0x27, 0x00, 0x00),
	     PDU(0x13));
	expect_setting(f, "step-goal", "10000");
	xfer(f, PDU(0x12, H_USER, 0x00, 0x20, 0x00, 0x00, 0x82), PDU(0x13));
	expect_setting(f, "wear-location", "right");
	/* 0x2A39: the all-day interval and sleep assist are settings; a
	 * measurement is the heart-rate part's (test-hr.c) and changes
	 * none. */
	xfer(f, PDU(0x12, H_HR_CTRL, 0x00, 0x14, 0x0a), PDU(0x13));
	expect_setting(f, "hr-interval-min", "10");
	xfer(f, PDU(0x12, H_HR_CTRL, 0x00, 0x15, 0x00, 0x01), PDU(0x13));
	expect_setting(f, "sleep-assist", "yes");
	f->n_events = 0;
	xfer(f, PDU(0x12, H_HR_CTRL, 0x00, 0x15, 0x02, 0x00), PDU(0x13));
	xfer(f, PDU(0x12, H_HR_CTRL, 0x00, 0x16), PDU(0x13));
	expect_events(f, NULL);
}

/* ------------------------------------------------------------- queries */

static void test_queries(void **state)
{
	struct fixture *f = *state;

	xfer(f, PDU(0x12, H_CONFIG_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	/* No alarm in use: the count at [8] is 0. */
	xfer(f, PDU(0x52, H_CONFIG, 0x00, 0x0d),
	     PDU(0x1b, H_CONFIG, 0x00, 0x10, 0x0d, 0x01, 0x00, 0x00, 0x00, 0x00,
		 0x00, 0x00));
	CONFIG(0x02, 0x80, 0x07, 0x00, 0x7f);
	CONFIG(0x02, 0x43, 0x08, 0x00, 0x80);
	CONFIG(0x02, 0x09, 0x09, 0x00, 0x01);
	expect_no_out(f);
	/* GB-HuamiSupport decodeAndUpdateAlarmStatus: one byte per alarm
	 * in use, slot | 0x10 when on. */
	xfer(f, PDU(0x52, H_CONFIG, 0x00, 0x0d),
	     PDU(0x1b, H_CONFIG, 0x00, 0x10, 0x0d, 0x01, 0x00, 0x00, 0x00, 0x00,
		 0x00, 0x03, 0x10, 0x03, 0x09));
	/* The GPS version is the profile's. */
	xfer(f, PDU(0x52, H_CONFIG, 0x00, 0x0e),
	     PDU(0x1b, H_CONFIG, 0x00, 0x10, 0x0e, 0x01, '1', '.', '0', '.',
		 '0', '.', '0'));
	/* The alarm query of newer firmwares is taken, not answered. */
	xfer_silent(f, PDU(0x52, H_CONFIG, 0x00, 0xff, 0x01, 0x00, 0x00, 0x00));
}

/* ---------------------------------------------------------- bad input */

struct bad {
	const char *what;
	uint8_t bytes[16];
	size_t len;
};

#define BAD(what, ...)                                           \
	{                                                        \
		what, { __VA_ARGS__ },                           \
			sizeof((const uint8_t[]){ __VA_ARGS__ }) \
	}

static const struct bad bad_config[] = {
	BAD("short", 0x06, 0x0a, 0x00),
	BAD("short, one byte", 0x06),
	BAD("long", 0x06, 0x0a, 0x00, 0x03, 0x00),
	BAD("not a date display", 0x06, 0x0a, 0x00, 0x02),
	BAD("not 12/24 h", 0x06, 0x02, 0x00, 0x02),
	BAD("lift wrist at 24:00", 0x06, 0x05, 0x00, 0x01, 0x18, 0x00, 0x01,
	    0x00),
	BAD("lift wrist of 6 bytes", 0x06, 0x05, 0x00, 0x01, 0x00, 0x00),
	BAD("language not ll_CC", 0x06, 0x17, 0x00, 'E', 'N', '_', 'u', 's'),
	BAD("date format unknown", 0x06, 0x1e, 0x00, 'y', 'y', 'y', 'y', '-',
	    'M', 'M', '-', 'd', 'd'),
	BAD("hr alert at 20 bpm", 0x06, 0x1a, 0x00, 0x01, 0x14),
	BAD("password digit 5", 0x06, 0x21, 0x00, 0x01, '1', '2', '3', '5',
	    0x00),
	BAD("factory reset 02", 0x06, 0x0b, 0x00, 0x02),
	BAD("inactivity threshold 0", 0x08, 0x01, 0x00, 0x00, 0x09, 0x00, 0x0c,
	    0x00, 0x00, 0x00, 0x00, 0x00),
	BAD("inactivity minute 60", 0x08, 0x01, 0x3c, 0x00, 0x09, 0x3c, 0x0c,
	    0x00, 0x00, 0x00, 0x00, 0x00),
	BAD("dnd mode 84", 0x09, 0x84),
	BAD("dnd scheduled without times", 0x09, 0x81),
	BAD("alarm slot 10", 0x02, 0x8a, 0x07, 0x00, 0x01),
	BAD("alarm at 07:60", 0x02, 0x80, 0x07, 0x3c, 0x01),
	BAD("alarm once and monday", 0x02, 0x80, 0x07, 0x00, 0x81),
	BAD("query with a byte more", 0x0d, 0x00),
	BAD("display items without the clock", 0x0a, 0x02, 0x00, 0x00, 0x01,
	    0x02, 0x03, 0x04, 0x05),
	BAD("display items twice in one place", 0x0a, 0x03, 0x00, 0x00, 0x01,
	    0x01, 0x03, 0x04, 0x05),
	BAD("night mode 03", 0x1a, 0x03),
	BAD("chime on without times", 0xfe, 0x0b, 0x00, 0x01),
	BAD("wear location 03", 0x20, 0x00, 0x00, 0x03),
};

static const struct bad bad_user[] = {
	BAD("user info month 13", 0x4f, 0x00, 0x00, 0xc1, 0x07, 0x0d, 0x0e,
	    0x01, 0xac, 0x00, 0x0c, 0x30, 0x78, 0x56, 0x34, 0x12),
	BAD("user info sex 3", 0x4f, 0x00, 0x00, 0xc1, 0x07, 0x07, 0x0e, 0x03,
	    0xac, 0x00, 0x0c, 0x30, 0x78, 0x56, 0x34, 0x12),
	BAD("user info 15 bytes", 0x4f, 0x00, 0x00, 0xc1, 0x07, 0x07, 0x0e,
	    0x01, 0xac, 0x00, 0x0c, 0x30, 0x78, 0x56, 0x34),
	BAD("goal 0", 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00),
	BAD("goal with a tail", 0x10, 0x00, 0x00, 0x10, 0x27, 0x00, 0x01),
};

static void expect_unchanged(struct fixture *f,
			     const struct mb_settings_values *before,
			     const char *what)
{
	const struct mb_settings_values *now =
		mb_settings_values(mb_band_settings(f->band));

	for (int id = 0; id < MB_SETTING_COUNT; id++)
		if (!mb_settings_equal(before, now, id))
			fail_msg("%s changed %s", what,
				 mb_setting_desc(id)->key);
	if (memcmp(before->alarms, now->alarms, sizeof(now->alarms)))
		fail_msg("%s changed an alarm", what);
}

static void test_bad_commands(void **state)
{
	struct fixture *f = *state;
	const struct mb_settings_values before =
		*mb_settings_values(mb_band_settings(f->band));

	xfer(f, PDU(0x12, H_CONFIG_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	xfer(f, PDU(0x12, H_USER_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	for (size_t i = 0; i < MB_ARRAY_SIZE(bad_config); i++) {
		const struct bad *b = &bad_config[i];
		char ev[128];

		config(f, b->bytes, b->len);
		/* 10 <cmd> <settings-error-status> (docs/policies.md). */
		expect_out(f,
			   PDU(0x1b, H_CONFIG, 0x00, 0x10, b->bytes[0], 0x02));
		expect_no_out(f);
		snprintf(ev, sizeof(ev),
			 "malformed characteristic=%s command=0x%02x",
			 mb_chr_uuid(MB_CHR_CONFIG), b->bytes[0]);
		if (!has_event(f, ev) || f->n_events != 1)
			fail_msg("%s: no malformed event alone", b->what);
		f->n_events = 0;
		expect_unchanged(f, &before, b->what);
	}
	for (size_t i = 0; i < MB_ARRAY_SIZE(bad_user); i++) {
		const struct bad *b = &bad_user[i];
		uint8_t pdu[3 + 16] = { 0x12, H_USER, 0x00 };

		memcpy(pdu + 3, b->bytes, b->len);
		mb_link_receive(mb_band_link(f->band), pdu, 3 + b->len);
		expect_out(f, PDU(0x13));
		expect_out(f, PDU(0x1b, H_USER, 0x00, 0x10, b->bytes[0], 0x02));
		expect_no_out(f);
		f->n_events = 0;
		expect_unchanged(f, &before, b->what);
	}
	/* No command byte: a Write Request is told so, a Write Command
	 * gets nothing (docs/policies.md). */
	xfer(f, PDU(0x12, H_USER, 0x00), PDU(0x01, 0x12, H_USER, 0x00, 0x0d));
	xfer_silent(f, PDU(0x52, H_CONFIG, 0x00));
	assert_int_equal(f->n_events, 0);
	expect_unchanged(f, &before, "empty");
	/* 0x2A39 has no notify: the write's own ATT error. */
	xfer(f, PDU(0x12, H_HR_CTRL, 0x00, 0x14, 0x3d),
	     PDU(0x01, 0x12, H_HR_CTRL, 0x00, 0x13));
	xfer(f, PDU(0x12, H_HR_CTRL, 0x00, 0x14),
	     PDU(0x01, 0x12, H_HR_CTRL, 0x00, 0x0d));
	xfer(f, PDU(0x12, H_HR_CTRL, 0x00, 0x15, 0x00, 0x02),
	     PDU(0x01, 0x12, H_HR_CTRL, 0x00, 0x13));
	expect_unchanged(f, &before, "0x2A39");
}

/* Every row of every table, cut short and one byte too long: each gets
 * the failure status (0x2A39: the ATT error) and changes nothing. */
static void test_every_command_length(void **state)
{
	static const struct {
		const struct mb_settings_cmd *cmds;
		const size_t *n;
		uint8_t handle;
	} tables[] = {
		{ mb_settings_config_cmds, &mb_settings_config_n_cmds,
		  H_CONFIG },
		{ mb_settings_user_cmds, &mb_settings_user_n_cmds, H_USER },
		{ mb_settings_hr_cmds, &mb_settings_hr_n_cmds, H_HR_CTRL },
	};
	struct fixture *f = *state;
	const struct mb_settings_values before =
		*mb_settings_values(mb_band_settings(f->band));

	xfer(f, PDU(0x12, H_CONFIG_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	xfer(f, PDU(0x12, H_USER_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	for (size_t t = 0; t < MB_ARRAY_SIZE(tables); t++) {
		for (size_t i = 0; i < *tables[t].n; i++) {
			const struct mb_settings_cmd *c = &tables[t].cmds[i];
			const size_t lens[] = { c->min_len - 1,
						(size_t)c->max_len + 1 };

			for (size_t k = 0; k < 2; k++) {
				uint8_t pdu[3 + 32] = {
					tables[t].handle == H_CONFIG ? 0x52
								     : 0x12,
					tables[t].handle, 0x00
				};
				size_t len = lens[k];

				if (!len)
					continue;
				memcpy(pdu + 3, c->prefix,
				       len < c->prefix_len ? len
							   : c->prefix_len);
				mb_link_receive(mb_band_link(f->band), pdu,
						3 + len);
				if (tables[t].handle == H_HR_CTRL) {
					expect_out(f, PDU(0x01, 0x12, H_HR_CTRL,
							  0x00, 0x0d));
				} else {
					if (tables[t].handle == H_USER)
						expect_out(f, PDU(0x13));
					expect_out(f,
						   PDU(0x1b, tables[t].handle,
						       0x00, 0x10, c->prefix[0],
						       0x02));
				}
				expect_no_out(f);
				f->n_events = 0;
				expect_unchanged(f, &before, "a wrong length");
			}
		}
	}
}

static void test_unknown_commands(void **state)
{
	struct fixture *f = *state;

	xfer(f, PDU(0x12, H_CONFIG_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	/* refuse (the profile's): the error status, and the bytes told. */
	xfer(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x99, 0x00, 0x01),
	     PDU(0x1b, H_CONFIG, 0x00, 0x10, 0x06, 0x02));
	expect_events(f,
		      "unknown-command characteristic="
		      "00000003-0000-3512-2118-0009af100700 "
		      "bytes=06 99 00 01 length=4",
		      NULL);
	xfer(f, PDU(0x12, H_HR_CTRL, 0x00, 0x17, 0x01), PDU(0x13));
	expect_events(f,
		      "unknown-command characteristic=2a39 bytes=17 01 "
		      "length=2",
		      NULL);
	/* ignore: no reply, the event all the same. */
	fixture_set_policy(f, "settings-unknown-command", "ignore");
	xfer(f, PDU(0x12, H_CONFIG_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	xfer_silent(f, PDU(0x52, H_CONFIG, 0x00, 0x77));
	expect_events(f,
		      "unknown-command characteristic="
		      "00000003-0000-3512-2118-0009af100700 bytes=77 length=1",
		      NULL);
}

static void test_acknowledge_policy(void **state)
{
	struct fixture *f = *state;

	fixture_set_policy(f, "settings-acknowledge", "yes");
	xfer(f, PDU(0x12, H_CONFIG_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	xfer(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x02, 0x00, 0x00),
	     PDU(0x1b, H_CONFIG, 0x00, 0x10, 0x06, 0x01));
	/* The same value is as valid as a new one. */
	xfer(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x02, 0x00, 0x00),
	     PDU(0x1b, H_CONFIG, 0x00, 0x10, 0x06, 0x01));
	fixture_set_policy(f, "settings-error-status", "0x04");
	xfer(f, PDU(0x12, H_CONFIG_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	xfer(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x02, 0x00, 0x07),
	     PDU(0x1b, H_CONFIG, 0x00, 0x10, 0x06, 0x04));
	/* No acknowledgement under the profile's policy. */
	xfer_silent(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x02, 0x00, 0x00));
}

/* -------------------------------------------------------------- storage */

struct store {
	char text[8192];
	unsigned int saves;
	bool fail;
};

static bool store_text(const char *text, size_t len, void *user_data,
		       char **err)
{
	struct store *st = user_data;

	if (st->fail) {
		*err = mb_strdup("disk full (test)");
		return false;
	}
	assert_true(len < sizeof(st->text));
	memcpy(st->text, text, len + 1);
	st->saves++;
	return true;
}

static void test_store(void **state)
{
	struct fixture *f = *state;
	struct store st = { .fail = true };
	struct mb_settings_values back;
	char *err = NULL;

	mb_settings_set_store(mb_band_settings(f->band), store_text, &st);
	xfer(f, PDU(0x12, H_CONFIG_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	/* Not stored: not taken, and the app is told. */
	xfer(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x02, 0x00, 0x00),
	     PDU(0x1b, H_CONFIG, 0x00, 0x10, 0x06, 0x02));
	expect_setting(f, "time-format", "24h");
	st.fail = false;
	CONFIG(0x06, 0x02, 0x00, 0x00);
	CONFIG(0x02, 0xc4, 0x05, 0x2d, 0x80);
	assert_int_equal(st.saves, 2);
	/* What was stored reads back as the band's values. */
	assert_true(mb_settings_values_parse(st.text, strlen(st.text), "s.ini",
					     &back, &err));
	expect_unchanged(f, &back, "the stored text");
	expect_setting(f, "alarm-4", "05:45 once on");
}

static void test_file_errors(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		{ "[settings]\ntime-format = 25h\n",
		  "s.ini:2: [settings] time-format: not a valid value" },
		{ "[settings]\n\nstep-goal = 0\n",
		  "s.ini:3: [settings] step-goal: not a valid value" },
		{ "[settings]\ncolour = red\n",
		  "s.ini:2: [settings] colour: unknown key" },
		{ "[alarm 3]\ntime = 07:61\ndays = once\nenabled = yes\n"
		  "snooze = no\n",
		  "s.ini:2: [alarm 3] time: not HH:MM" },
		{ "[alarm 3]\ntime = 07:00\ndays = mon,mon\nenabled = yes\n"
		  "snooze = no\n",
		  "s.ini:3: [alarm 3] days: not once, every-day or days as "
		  "mon,tue,..." },
		{ "[alarm 3]\ntime = 07:00\n",
		  "s.ini:1: [alarm 3] days: missing" },
		{ "[alarm 10]\n", "s.ini:1: [alarm 10]: unknown section" },
		{ "[settings\n", NULL },
	};
	struct mb_settings_values v;

	for (size_t i = 0; i < MB_ARRAY_SIZE(cases); i++) {
		char *err = NULL;

		assert_false(mb_settings_values_parse(cases[i].text,
						      strlen(cases[i].text),
						      "s.ini", &v, &err));
		assert_non_null(err);
		if (cases[i].err)
			assert_string_equal(err, cases[i].err);
		free(err);
	}
}

/* ----------------------------------------------------- the band acting */

/* Minutes of band life, one at a time. */
static void minutes(struct fixture *f, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		fixture_advance(f, 60000);
}

static void test_alarm_rings_at_its_time(void **state)
{
	struct fixture *f = *state;

	/* The band starts Monday 2024-05-20 10:30:00 local (tz 0).  An
	 * alarm at 10:35 on Mondays, with snooze; one at 10:35 on Tuesdays
	 * does not ring. */
	CONFIG(0x02, 0x80, 0x0a, 0x23, 0x01);
	CONFIG(0x02, 0x81, 0x0a, 0x23, 0x02);
	f->n_events = 0;
	minutes(f, 4);
	expect_events(f, NULL);
	minutes(f, 1);
	expect_events(f, "alarm-rang slot=0x00 ring=0x01", VIBRATE_ALARM, NULL);
	/* Snooze: every 10 minutes, three more times (the profile's). */
	for (int ring = 2; ring <= 4; ring++) {
		char want[48];

		minutes(f, 9);
		expect_events(f, NULL);
		minutes(f, 1);
		snprintf(want, sizeof(want), "alarm-rang slot=0x00 ring=0x%02x",
			 ring);
		expect_events(f, want, VIBRATE_ALARM, NULL);
	}
	minutes(f, 30);
	expect_events(f, NULL);
}

static void test_alarm_once_and_no_snooze(void **state)
{
	struct fixture *f = *state;

	xfer(f, PDU(0x12, H_EVENT_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	/* Once, no snooze, at 10:32. */
	CONFIG(0x02, 0xc2, 0x0a, 0x20, 0x80);
	f->n_events = 0;
	minutes(f, 2);
	/* It rings, turns itself off and tells the app (§9 1A). */
	expect_out(f, PDU(0x1b, H_EVENT, 0x00, 0x1a));
	expect_no_out(f);
	expect_events(
		f, "alarm-rang slot=0x02 ring=0x01", VIBRATE_ALARM,
		"setting-changed key=alarm-2 value=10:32 once off",
		"device-event code=0x1a name=alarm-changed extra= sent=0x01",
		NULL);
	/* A day later it does not ring again. */
	minutes(f, 24 * 60);
	assert_false(has_event(f, "alarm-rang slot=0x02 ring=0x01"));
}

static void test_dnd_keeps_chime_not_alarm(void **state)
{
	struct fixture *f = *state;

	/* DND 10:00-12:00, the chime from 08:00 to 22:00, an alarm 11:00. */
	CONFIG(0x09, 0x81, 0x0a, 0x00, 0x0c, 0x00);
	CONFIG(0xfe, 0x0b, 0x00, 0x01, 0x08, 0x00, 0x16, 0x00);
	CONFIG(0x02, 0xc5, 0x0b, 0x00, 0x7f);
	f->n_events = 0;
	minutes(f, 30);
	/* The chime is due, and kept still; the alarm rings through. */
	expect_events(f, "alarm-rang slot=0x05 ring=0x01", VIBRATE_ALARM,
		      "hourly-chime hour=11", NULL);
	/* After DND the chime vibrates. */
	minutes(f, 60);
	expect_events(f, "hourly-chime hour=12", VIBRATE_CHIME, NULL);
	/* Alerts: DND and the phone's silent mode keep the band still. */
	assert_true(mb_routine_vibrate(mb_band_routine(f->band),
				       MB_VIBRATION_ALERT));
	expect_events(f, VIBRATE_ALERT, NULL);
	CONFIG(0x06, 0x19, 0x00, 0x01);
	f->n_events = 0;
	assert_false(mb_routine_vibrate(mb_band_routine(f->band),
					MB_VIBRATION_ALERT));
	assert_true(mb_routine_vibrate(mb_band_routine(f->band),
				       MB_VIBRATION_ALARM));
	expect_events(f, VIBRATE_ALARM, NULL);
}

static void test_inactivity_window(void **state)
{
	struct fixture *f = *state;
	/* Band local minute of 10:30 on the test day. */
	const uint32_t first = (uint32_t)(TEST_EPOCH_MS / 60000);
	unsigned int want = 0, got = 0;

	/* Threshold 1 minute, windows 10:40-11:00 and 11:30-11:40: one
	 * warning per sedentary minute inside them, none outside. */
	CONFIG(0x08, 0x01, 0x01, 0x00, 0x0a, 0x28, 0x0b, 0x00, 0x0b, 0x1e, 0x0b,
	       0x28);
	f->n_events = 0;
	for (uint32_t m = first; m < first + 90; m++) {
		uint8_t s[4];
		uint32_t t = m % 1440;

		mb_life_sample(1, m, s);
		if (s[0] == MB_LIFE_KIND_SEDENTARY &&
		    ((t >= 640 && t < 660) || (t >= 690 && t < 700)))
			want++;
		fixture_advance(f, 60000);
		got += has_event(f, "inactivity-warning minutes=1");
		if (has_event(f, "inactivity-warning minutes=1"))
			assert_true(has_event(f, VIBRATE_INACTIVITY));
		f->n_events = 0;
	}
	assert_true(want > 0);
	assert_int_equal(got, want);
}

static void test_goal_reached(void **state)
{
	struct fixture *f = *state;
	uint32_t m = (uint32_t)(TEST_EPOCH_MS / 60000), steps = 0;
	uint8_t s[4];
	char want[64];

	xfer(f, PDU(0x12, H_EVENT_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	/* A goal of 200 steps, passed in some minute of the wearer's. */
	xfer(f,
	     PDU(0x12, H_USER, 0x00, 0x10, 0x00, 0x00, 0xc8, 0x00, 0x00, 0x00),
	     PDU(0x13));
	f->n_events = 0;
	for (;;) {
		mb_life_sample(1, m++, s);
		steps += s[2];
		fixture_advance(f, 60000);
		if (steps >= 200)
			break;
		expect_events(f, NULL);
		f->n_out = f->next_out = 0;
	}
	snprintf(want, sizeof(want), "goal-reached steps=%u goal=200", steps);
	expect_events(
		f, want,
		"device-event code=0x03 name=goal-reached extra= sent=0x01",
		VIBRATE_GOAL, NULL);
	/* The steps notification of the minute, then device event 03. */
	f->next_out = f->n_out - 1;
	expect_out(f, PDU(0x1b, H_EVENT, 0x00, 0x03));
	/* Once a day. */
	minutes(f, 120);
	assert_false(has_event(f, VIBRATE_GOAL));
}

static void test_alarm_toggle_on_band(void **state)
{
	struct fixture *f = *state;
	struct mb_settings *s = mb_band_settings(f->band);
	char *err = NULL;

	xfer(f, PDU(0x12, H_EVENT_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	assert_false(mb_settings_set_alarm_enabled(s, 4, true, &err));
	assert_string_equal(err, "alarm 4 is not in use");
	free(err);
	CONFIG(0x02, 0x84, 0x07, 0x00, 0x1f);
	f->n_events = 0;
	assert_true(mb_settings_set_alarm_enabled(s, 4, false, NULL));
	/* §9 0A: the app reads the alarms again. */
	expect_out(f, PDU(0x1b, H_EVENT, 0x00, 0x0a));
	expect_events(
		f,
		"setting-changed key=alarm-4 value=07:00 "
		"mon,tue,wed,thu,fri off snooze",
		"device-event code=0x0a name=alarm-toggled extra= sent=0x01",
		NULL);
}

static void test_factory_reset_clears(void **state)
{
	struct fixture *f = *state;

	CONFIG(0x06, 0x02, 0x00, 0x00);
	CONFIG(0x02, 0x84, 0x07, 0x00, 0x1f);
	f->n_events = 0;
	CONFIG(0x06, 0x0b, 0x00, 0x01);
	expect_setting(f, "time-format", "24h");
	expect_setting(f, "alarm-4", "unused");
	assert_true(has_event(f, "setting-changed key=time-format value=24h"));
	assert_true(has_event(f, "setting-changed key=alarm-4 value=unused"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T("MB4-UT/SET/BV-01 every configuration command sets its value",
		  test_config_commands),
		T("MB4-UT/SET/BV-02 a change is an event, the same value none",
		  test_change_events),
		T("MB4-UT/SET/BV-03 user settings and heart-rate control",
		  test_user_settings),
		T("MB4-UT/SET/BV-04 alarm and GPS version queries",
		  test_queries),
		T("MB4-UT/SET/BI-01 malformed commands change nothing",
		  test_bad_commands),
		T("MB4-UT/SET/BI-02 unknown commands are events",
		  test_unknown_commands),
		T("MB4-UT/SET/BI-04 every command cut short or too long",
		  test_every_command_length),
		T("MB4-UT/SET/BV-05 acknowledge and error status policies",
		  test_acknowledge_policy),
		T("MB4-UT/SET/BV-06 stored before taken", test_store),
		T("MB4-UT/SET/BI-03 settings file errors name file, line, field",
		  test_file_errors),
		T("MB4-UT/SET/BV-07 an alarm rings at its time, then snoozes",
		  test_alarm_rings_at_its_time),
		T("MB4-UT/SET/BV-08 a one-time alarm turns itself off",
		  test_alarm_once_and_no_snooze),
		T("MB4-UT/SET/BV-09 DND keeps the chime still, not alarms",
		  test_dnd_keeps_chime_not_alarm),
		T("MB4-UT/SET/BV-10 inactivity warnings inside their windows",
		  test_inactivity_window),
		T("MB4-UT/SET/BV-11 the goal reached is device event 03",
		  test_goal_reached),
		T("MB4-UT/SET/BV-12 an alarm toggled on the band is event 0A",
		  test_alarm_toggle_on_band),
		T("MB4-UT/SET/BV-13 factory reset restores the settings",
		  test_factory_reset_clears),
	};

	return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
