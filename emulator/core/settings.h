/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "chrs.h"
#include "devevents.h"
#include "profile.h"
#include "rtc.h"
#include "services.h"
#include "settings-model.h"

/* The settings part (docs/settings.md): what a companion app writes on
 * 00000003 (protocol §11), 00000008 (§2.5) and, of the heart-rate control
 * point, 0x2A39 (§2.3).  Every command is parsed field by field from a
 * table (settings-cmds.h); a malformed or out-of-range one is answered
 * with the policy's failure status and changes nothing; an unknown one is
 * an event naming its bytes.  A change is stored through the injected
 * store before it counts, and announced as setting-changed.  Only the
 * authenticated owner gets here (the characteristics are protected). */
struct mb_settings;

/* The band's factory reset (06 0B 00 01); false with *err if the band
 * could not store its new state. */
typedef bool (*mb_settings_reset_func_t)(void *user_data, char **err);
/* Stores the text of settings.ini (settings-text.h); false with *err
 * when it could not. */
typedef bool (*mb_settings_store_func_t)(const char *text, size_t len,
					 void *user_data, char **err);

/* profile, rtc and devevents must outlive the part. */
struct mb_settings *
mb_settings_new(const struct mb_services *svc, const struct mb_profile *profile,
		const struct mb_rtc *rtc, struct mb_devevents *devevents,
		mb_settings_reset_func_t reset, void *user_data);
void mb_settings_free(struct mb_settings *settings);

/* Without a store nothing is written and every change holds. */
void mb_settings_set_store(struct mb_settings *settings,
			   mb_settings_store_func_t fn, void *user_data);
/* What the band kept (at start): no store, no event. */
void mb_settings_load(struct mb_settings *settings,
		      const struct mb_settings_values *values);
const struct mb_settings_values *
mb_settings_values(const struct mb_settings *settings);

/* The time zone and DST byte as the RTC holds them (§6); the settings
 * view shows them, the RTC keeps them. */
int8_t mb_settings_tz(const struct mb_settings *settings);
uint8_t mb_settings_dst(const struct mb_settings *settings);

/* Factory values, stored (factory reset, §10). */
bool mb_settings_reset(struct mb_settings *settings, char **err);
/* A tap on the band's alarm screen: slot on or off, stored, and device
 * event 0A so that the app reads the alarms again (§9).  false with *err
 * for a slot not in use or a change that could not be stored. */
bool mb_settings_set_alarm_enabled(struct mb_settings *settings,
				   unsigned int slot, bool enabled, char **err);
/* A one-time alarm rang: it turns itself off, and device event 1A tells
 * the app (docs/settings.md). */
void mb_settings_alarm_done(struct mb_settings *settings, unsigned int slot);

/* The settings of 0x2A39 (14 <minutes>, 15 00 <on>; §2.3): the
 * heart-rate part owns the characteristic and hands over what is not a
 * measurement.  0 or the ATT error of a refusal; unknown bytes are
 * taken, with an unknown-command event. */
uint8_t mb_settings_write_hr(struct mb_settings *settings, const uint8_t *value,
			     size_t len);

/* 00000003 and 00000008, write. */
extern const struct mb_chr_route mb_settings_routes[];
extern const size_t mb_settings_n_routes;
