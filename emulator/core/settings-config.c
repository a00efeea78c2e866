// SPDX-License-Identifier: GPL-2.0-or-later
/* 00000003: the configuration commands a companion app writes (protocol
 * §11; the bytes Gadgetbridge sends a Mi Band 4, GB-HuamiService and
 * GB-HuamiSupport set* / queueAlarm / requestAlarms; docs/settings.md). */
#include <string.h>

#include "settings-cmds.h"
#include "util.h"

/* hour, minute, hour, minute at p: a window of the day into the settings
 * start and end. */
static bool window(struct mb_settings_values *next, const uint8_t *p,
		   enum mb_setting start, enum mb_setting end)
{
	uint32_t s, e;

	if (!mb_setting_wire_time(p[0], p[1], &s) ||
	    !mb_setting_wire_time(p[2], p[3], &e))
		return false;
	next->v[start] = s;
	next->v[end] = e;
	return true;
}

/* 06 05 00 <on> [sh sm eh em] (lift wrist) and 06 0C 00 <on> sh sm eh em
 * (disconnect notification): off, on, or on within a window; "on" is on
 * with no window, 00:00-00:00 (GB-HuamiService
 * COMMAND_ENABLE_DISPLAY_ON_LIFT_WRIST).  cmd->id is the mode; its start
 * and end follow it. */
static bool parse_schedule(const struct mb_settings_cmd *cmd,
			   struct mb_settings_values *next, const uint8_t *v,
			   size_t len)
{
	enum mb_setting start = cmd->id + 1, end = cmd->id + 2;

	if (v[3] > 1 || (len != 4 && len != 8))
		return false;
	if (len == 8 && !window(next, v + 4, start, end))
		return false;
	next->v[cmd->id] = !v[3]					? 0
			   : len == 4 || next->v[start] == next->v[end] ? 1
									: 2;
	return true;
}

/* 06 17 00 <5 ASCII>, 06 1E 00 <10 ASCII>. */
static bool parse_text(const struct mb_settings_cmd *cmd,
		       struct mb_settings_values *next, const uint8_t *v,
		       size_t len)
{
	return mb_setting_set_text(next, cmd->id, (const char *)v + 3, len - 3);
}

/* 06 1A 00 <on> <bpm> (GB-HuamiSupport setHeartrateAlert). */
static bool parse_hr_alert(const struct mb_settings_cmd *cmd,
			   struct mb_settings_values *next, const uint8_t *v,
			   size_t len)
{
	if (v[3] > 1 || !mb_setting_valid(MB_SETTING_HR_ALERT_BPM, v[4]))
		return false;
	next->v[MB_SETTING_HR_ALERT] = v[3];
	next->v[MB_SETTING_HR_ALERT_BPM] = v[4];
	return true;
}

/* 06 21 00 <on> <4 ASCII digits> 00 (GB-HuamiSupport setPassword). */
static bool parse_password(const struct mb_settings_cmd *cmd,
			   struct mb_settings_values *next, const uint8_t *v,
			   size_t len)
{
	if (v[3] > 1 || v[8] ||
	    !mb_setting_set_text(next, MB_SETTING_PASSWORD_CODE,
				 (const char *)v + 4, 4))
		return false;
	next->v[MB_SETTING_PASSWORD] = v[3];
	return true;
}

/* 06 0B 00 01: the only value the factory reset takes. */
static bool parse_reset(const struct mb_settings_cmd *cmd,
			struct mb_settings_values *next, const uint8_t *v,
			size_t len)
{
	return v[3] == 0x01;
}

/* 08 <on> <minutes> 00 <sh sm eh em> <sh sm eh em>: two windows, the
 * second 00:00-00:00 when the app keeps no pause in the day
 * (GB-HuamiService INACTIVITY_WARNINGS_*). */
static bool parse_inactivity(const struct mb_settings_cmd *cmd,
			     struct mb_settings_values *next, const uint8_t *v,
			     size_t len)
{
	if (v[1] > 1 || v[3] ||
	    !mb_setting_valid(MB_SETTING_INACTIVITY_MINUTES, v[2]) ||
	    !window(next, v + 4, MB_SETTING_INACTIVITY_START,
		    MB_SETTING_INACTIVITY_END) ||
	    !window(next, v + 8, MB_SETTING_INACTIVITY_START2,
		    MB_SETTING_INACTIVITY_END2))
		return false;
	next->v[MB_SETTING_INACTIVITY] = v[1];
	next->v[MB_SETTING_INACTIVITY_MINUTES] = v[2];
	return true;
}

/* 09 82 off, 09 83 automatic, 09 81 sh sm eh em scheduled; bit 7 clear:
 * lifting the wrist still lights the screen (GB-HuamiSupport
 * setDoNotDisturb). */
static bool parse_dnd(const struct mb_settings_cmd *cmd,
		      struct mb_settings_values *next, const uint8_t *v,
		      size_t len)
{
	/* The mode's low bits: its value, and the length it comes with. */
	static const struct {
		uint8_t code;
		uint32_t mode;
		size_t len;
	} modes[] = { { 0x02, 0, 2 }, { 0x03, 1, 2 }, { 0x01, 2, 6 } };

	for (size_t i = 0; i < MB_ARRAY_SIZE(modes); i++) {
		if ((v[1] & 0x7f) != modes[i].code || len != modes[i].len)
			continue;
		if (len == 6 && !window(next, v + 2, MB_SETTING_DND_START,
					MB_SETTING_DND_END))
			return false;
		next->v[MB_SETTING_DND] = modes[i].mode;
		next->v[MB_SETTING_DND_LIFT_WRIST] = !(v[1] & 0x80);
		return true;
	}
	return false;
}

/* 02 <0x80 on | 0x40 no snooze | slot> <hour> <minute> <days>: days bit 0
 * Monday .. bit 6 Sunday, or 0x80 alone for once; 00 leaves the slot
 * unused (GB-HuamiSupport queueAlarm). */
static bool parse_alarm(const struct mb_settings_cmd *cmd,
			struct mb_settings_values *next, const uint8_t *v,
			size_t len)
{
	unsigned int slot = v[1] & 0x3f;
	uint32_t t;

	if (slot >= MB_ALARM_SLOTS || !mb_setting_wire_time(v[2], v[3], &t) ||
	    (v[4] & MB_ALARM_ONCE && v[4] != MB_ALARM_ONCE))
		return false;
	if (!v[4]) {
		memset(&next->alarms[slot], 0, sizeof(next->alarms[slot]));
		return true;
	}
	next->alarms[slot] = (struct mb_alarm){
		.enabled = v[1] & 0x80,
		.snooze = !(v[1] & 0x40),
		.hour = v[2],
		.minute = v[3],
		.days = v[4],
	};
	return true;
}

/* 0A <items u16> 00 <position of item 1> .. <position of item n>: bit 0
 * of the mask (the clock, always first, position 00) and one bit per
 * shown item; n is 5 in the fact sheet's form and 8 in what
 * Gadgetbridge sends a Mi Band 4 (GB-HuamiSupport setDisplayItemsOld). */
static bool parse_display_items(const struct mb_settings_cmd *cmd,
				struct mb_settings_values *next,
				const uint8_t *v, size_t len)
{
	size_t n = len - 4;
	uint16_t mask = mb_get_le16(v + 1);
	char order[9];

	if (v[3] || !(mask & 1) || mask >> (n + 1))
		return false;
	for (size_t i = 0; i < n; i++)
		order[i] = (char)('0' + (v[4 + i] <= 9 ? v[4 + i] : 0));
	order[n] = '\0';
	if (!mb_setting_set_text(next, MB_SETTING_DISPLAY_ORDER, order, n))
		return false;
	next->v[MB_SETTING_DISPLAY_ITEMS] = mask;
	return true;
}

/* 1A 00 off, 1A 02 from sunset, 1A 01 sh sm eh em scheduled
 * (GB-MiBand3Service COMMAND_NIGHT_MODE_*). */
static bool parse_night_mode(const struct mb_settings_cmd *cmd,
			     struct mb_settings_values *next, const uint8_t *v,
			     size_t len)
{
	if (v[1] > 2 || (v[1] == 1) != (len == 6))
		return false;
	if (len == 6 && !window(next, v + 2, MB_SETTING_NIGHT_MODE_START,
				MB_SETTING_NIGHT_MODE_END))
		return false;
	next->v[MB_SETTING_NIGHT_MODE] = v[1];
	return true;
}

/* FE 0B 00 00 off, FE 0B 00 01 sh sm eh em on within the window
 * (GB-HuamiService COMMAND_*_HOURLY_CHIME). */
static bool parse_chime(const struct mb_settings_cmd *cmd,
			struct mb_settings_values *next, const uint8_t *v,
			size_t len)
{
	if (v[3] > 1 || (v[3] == 1) != (len == 8))
		return false;
	if (len == 8 && !window(next, v + 4, MB_SETTING_HOURLY_CHIME_START,
				MB_SETTING_HOURLY_CHIME_END))
		return false;
	next->v[MB_SETTING_HOURLY_CHIME] = v[3];
	return true;
}

#define D(sub) 0x06, sub, 0x00
#define CODE(sub, setting, ...)                                           \
	{                                                                 \
		{ D(sub) }, 3, 4, 4, MB_SETTINGS_ACTION_SET,              \
			mb_settings_parse_code, setting, { __VA_ARGS__ }, \
			sizeof((uint8_t[]){ __VA_ARGS__ })                \
	}
#define ROW(p, plen, lo, hi, action, fn)                             \
	{                                                            \
		{ p }, plen, lo, hi, MB_SETTINGS_ACTION_##action, fn \
	}

const struct mb_settings_cmd mb_settings_config_cmds[] = {
	CODE(0x0a, MB_SETTING_DATE_DISPLAY, 0x00, 0x03),
	CODE(0x02, MB_SETTING_TIME_FORMAT, 0x00, 0x01),
	CODE(0x03, MB_SETTING_DISTANCE_UNIT, 0x00, 0x01),
	CODE(0x19, MB_SETTING_PHONE_SILENT, 0x00, 0x01),
	CODE(0x1f, MB_SETTING_HR_SHARING, 0x00, 0x01),
	CODE(0x06, MB_SETTING_GOAL_NOTIFICATION, 0x00, 0x01),
	CODE(0x0d, MB_SETTING_ROTATE_WRIST, 0x00, 0x01),
	CODE(0x16, MB_SETTING_SCREEN_UNLOCK, 0x00, 0x01),
	CODE(0x22, MB_SETTING_HR_ACTIVITY, 0x00, 0x01),
	CODE(0x01, MB_SETTING_CONNECTED_ADVERTISING, 0x00, 0x01),
	CODE(0x23, MB_SETTING_LIFT_WRIST_SENSITIVITY, 0x00, 0x01),
	{ { D(0x05) },
	  3,
	  4,
	  8,
	  MB_SETTINGS_ACTION_SET,
	  parse_schedule,
	  MB_SETTING_LIFT_WRIST },
	{ { D(0x0c) },
	  3,
	  8,
	  8,
	  MB_SETTINGS_ACTION_SET,
	  parse_schedule,
	  MB_SETTING_DISCONNECT_NOTIFY },
	{ { D(0x17) },
	  3,
	  8,
	  8,
	  MB_SETTINGS_ACTION_SET,
	  parse_text,
	  MB_SETTING_LANGUAGE },
	{ { D(0x1e) },
	  3,
	  13,
	  13,
	  MB_SETTINGS_ACTION_SET,
	  parse_text,
	  MB_SETTING_DATE_FORMAT },
	MB_SETTINGS_CODE2_ROW(MB_SETTING_DISPLAY_CALLER, 0x00, 0x01, D(0x10),
			      0x00),
	ROW(D(0x1a), 3, 5, 5, SET, parse_hr_alert),
	ROW(D(0x21), 3, 9, 9, SET, parse_password),
	ROW(D(0x14), 3, 4, 4, FIND_PHONE_ACK, mb_settings_parse_flag),
	ROW(D(0x0b), 3, 4, 4, FACTORY_RESET, parse_reset),
	ROW(0x08, 1, 12, 12, SET, parse_inactivity),
	ROW(0x09, 1, 2, 6, SET, parse_dnd),
	ROW(0x02, 1, 5, 5, SET, parse_alarm),
	ROW(0x0d, 1, 1, 1, QUERY_ALARMS, NULL),
	ROW(0x0e, 1, 1, 1, QUERY_GPS, NULL),
	{ { 0xff, 0x01, 0x00, 0x00, 0x00 }, 5, 5, 5, MB_SETTINGS_ACTION_ACCEPT },
	ROW(0x0a, 1, 9, 12, SET, parse_display_items),
	ROW(0x1a, 1, 2, 6, SET, parse_night_mode),
	{ { 0xfe, 0x0b, 0x00 }, 3, 4, 8, MB_SETTINGS_ACTION_SET, parse_chime },
	MB_SETTINGS_CODE2_ROW(MB_SETTING_STRESS_MONITORING, 0x00, 0x01, 0xfe,
			      0x06, 0x00),
	MB_SETTINGS_CODE2_ROW(MB_SETTING_WEAR_LOCATION, 0x02, 0x82, 0x20, 0x00,
			      0x00),
};
const size_t mb_settings_config_n_cmds = MB_ARRAY_SIZE(mb_settings_config_cmds);
