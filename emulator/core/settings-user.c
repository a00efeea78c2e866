// SPDX-License-Identifier: GPL-2.0-or-later
/* 00000008, the user settings (protocol §2.5), and what of the
 * heart-rate control point 0x2A39 is a setting (§2.3). */
#include "settings-cmds.h"
#include "util.h"

/* 4F 00 00 <birth year u16> <month> <day> <sex> <height cm u16>
 * <weight kg x 200 u16> <user id u32> (GB-HuamiSupport setUserInfo). */
static bool parse_user_info(const struct mb_settings_cmd *cmd,
			    struct mb_settings_values *next, const uint8_t *v,
			    size_t len)
{
	uint32_t birth = mb_get_le16(v + 3) * 10000u + v[5] * 100u + v[6];
	/* The weight travels in units of 5 g. */
	uint32_t grams = mb_get_le16(v + 10) * 5u;

	if (!mb_setting_valid(MB_SETTING_BIRTH_DATE, birth) ||
	    !mb_setting_valid(MB_SETTING_SEX, v[7]) ||
	    !mb_setting_valid(MB_SETTING_HEIGHT_CM, mb_get_le16(v + 8)) ||
	    !mb_setting_valid(MB_SETTING_WEIGHT_G, grams))
		return false;
	next->v[MB_SETTING_BIRTH_DATE] = birth;
	next->v[MB_SETTING_SEX] = v[7];
	next->v[MB_SETTING_HEIGHT_CM] = mb_get_le16(v + 8);
	next->v[MB_SETTING_WEIGHT_G] = grams;
	next->v[MB_SETTING_USER_ID] = mb_get_le32(v + 12);
	return true;
}

/* 10 00 00 <steps u16> 00 00 (GB-HuamiService
 * COMMAND_SET_FITNESS_GOAL_START / _END). */
static bool parse_goal(const struct mb_settings_cmd *cmd,
		       struct mb_settings_values *next, const uint8_t *v,
		       size_t len)
{
	if (v[5] || v[6] ||
	    !mb_setting_valid(MB_SETTING_STEP_GOAL, mb_get_le16(v + 3)))
		return false;
	next->v[MB_SETTING_STEP_GOAL] = mb_get_le16(v + 3);
	return true;
}

const struct mb_settings_cmd mb_settings_user_cmds[] = {
	{ { 0x4f, 0x00, 0x00 },
	  3,
	  16,
	  16,
	  MB_SETTINGS_ACTION_SET,
	  parse_user_info },
	{ { 0x10, 0x00, 0x00 }, 3, 7, 7, MB_SETTINGS_ACTION_SET, parse_goal },
	/* GB-HuamiSupport setWearLocation writes it here. */
	MB_SETTINGS_CODE2_ROW(MB_SETTING_WEAR_LOCATION, 0x02, 0x82, 0x20, 0x00,
			      0x00),
};
const size_t mb_settings_user_n_cmds = MB_ARRAY_SIZE(mb_settings_user_cmds);

/* 14 <minutes>: the all-day interval, 0 off. */
static bool parse_interval(const struct mb_settings_cmd *cmd,
			   struct mb_settings_values *next, const uint8_t *v,
			   size_t len)
{
	if (!mb_setting_valid(MB_SETTING_HR_INTERVAL, v[1]))
		return false;
	next->v[MB_SETTING_HR_INTERVAL] = v[1];
	return true;
}

/* The all-day interval and sleep assist are kept here; the measurements
 * (continuous, one-shot, the keep-alive) are the heart-rate part's
 * (hr.c), which owns 0x2A39 and hands these over. */
const struct mb_settings_cmd mb_settings_hr_cmds[] = {
	{ { 0x14 }, 1, 2, 2, MB_SETTINGS_ACTION_SET, parse_interval },
	MB_SETTINGS_CODE2_ROW(MB_SETTING_SLEEP_ASSIST, 0x00, 0x01, 0x15, 0x00),
};
const size_t mb_settings_hr_n_cmds = MB_ARRAY_SIZE(mb_settings_hr_cmds);
