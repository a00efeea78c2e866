/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings-model.h"

/* The settings commands as tables (docs/settings.md): a command is known
 * by its leading bytes; its whole length must lie in [min_len, max_len],
 * checked once in mb_settings_cmd_find(); its parser reads the fields of
 * a length it was given and checks each against its range.  The parsers
 * change only the values they are handed, so a refused command changes
 * nothing and the tables run without a band (tests, the fuzzer). */

/* What the command asks of the band besides new values. */
enum mb_settings_action {
	MB_SETTINGS_ACTION_SET,		  /* new values */
	MB_SETTINGS_ACTION_QUERY_ALARMS,  /* 10 0D 01 <the alarms> */
	MB_SETTINGS_ACTION_QUERY_GPS,	  /* 10 0E 01 <ascii> */
	MB_SETTINGS_ACTION_FACTORY_RESET, /* §10 */
	/* Known, valid, and nothing the settings keep: the alarm query of
	 * newer firmwares (docs/settings.md). */
	MB_SETTINGS_ACTION_ACCEPT,
	/* 06 14 00 <found>: the phone's answer to find phone (§9, §11),
	 * for the device events. */
	MB_SETTINGS_ACTION_FIND_PHONE_ACK,
};

#define MB_SETTINGS_PREFIX_MAX 5

struct mb_settings_cmd {
	uint8_t prefix[MB_SETTINGS_PREFIX_MAX];
	uint8_t prefix_len;
	uint8_t min_len;
	uint8_t max_len;
	enum mb_settings_action action;
	/* false: a field out of its range.  NULL: nothing to read. */
	bool (*parse)(const struct mb_settings_cmd *cmd,
		      struct mb_settings_values *next, const uint8_t *v,
		      size_t len);
	/* For the parsers shared by rows: the setting, and the wire byte of
	 * each of its values (index = the value). */
	enum mb_setting id;
	uint8_t codes[3];
	uint8_t n_codes;
};

/* The row for value, or NULL when no row's prefix matches (an unknown
 * command); *len_ok says whether its length is one the row takes. */
const struct mb_settings_cmd *
mb_settings_cmd_find(const struct mb_settings_cmd *cmds, size_t n,
		     const uint8_t *value, size_t len, bool *len_ok);

/* 00000003, the configuration commands (§11). */
extern const struct mb_settings_cmd mb_settings_config_cmds[];
extern const size_t mb_settings_config_n_cmds;
/* 00000008, user settings (§2.5). */
extern const struct mb_settings_cmd mb_settings_user_cmds[];
extern const size_t mb_settings_user_n_cmds;
/* 0x2A39, heart-rate control: what of it is a setting (§2.3); hr.c
 * takes the measurements first. */
extern const struct mb_settings_cmd mb_settings_hr_cmds[];
extern const size_t mb_settings_hr_n_cmds;

/* Parsers the tables share. */
/* A row whose one byte after the prefix (the variadic bytes) is the code
 * of one of a setting's two values, off and on (mb_settings_parse_code). */
#define MB_SETTINGS_CODE2_ROW(setting, off, on, ...)                    \
	{                                                               \
		{ __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }),    \
			sizeof((uint8_t[]){ __VA_ARGS__ }) + 1,         \
			sizeof((uint8_t[]){ __VA_ARGS__ }) + 1,         \
			MB_SETTINGS_ACTION_SET, mb_settings_parse_code, \
			setting, { off, on }, 2                         \
	}

/* v[len - 1] is one of cmd->codes. */
bool mb_settings_parse_code(const struct mb_settings_cmd *cmd,
			    struct mb_settings_values *next, const uint8_t *v,
			    size_t len);
/* v[len - 1] is 00 or 01; nothing kept. */
bool mb_settings_parse_flag(const struct mb_settings_cmd *cmd,
			    struct mb_settings_values *next, const uint8_t *v,
			    size_t len);
