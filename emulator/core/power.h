/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "chrs.h"
#include "schedule.h"
#include "profile.h"
#include "rtc.h"
#include "services.h"

/* The battery and what it does to the band (docs/battery-firmware.md):
 * what a minute costs, when the band drops links, reboots, dies at 0 %
 * and comes back. */
struct mb_power;

/* Whether the band runs. */
enum mb_power_state {
	MB_POWER_STATE_ON,
	MB_POWER_STATE_OFF,	/* empty battery */
	MB_POWER_STATE_BOOTING, /* after a firmware update */
};

/* What the battery pays for besides the minute itself. */
enum mb_drain {
	MB_DRAIN_RADIO,
	MB_DRAIN_LOGGING,
	MB_DRAIN_SCREEN,
	MB_DRAIN_HR_SENSOR, /* units: seconds of measurement (hr.c) */
};

/* booted is called when a firmware boot (mb_power_boot) is over. */
struct mb_power *mb_power_new(const struct mb_services *svc,
			      const struct mb_profile *profile,
			      const struct mb_rtc *rtc,
			      void (*booted)(void *user_data), void *user_data);
void mb_power_free(struct mb_power *power);

enum mb_power_state mb_power_state(const struct mb_power *power);
/* "on", "off", "booting": the control plane's State when not on. */
const char *mb_power_state_name(enum mb_power_state state);
unsigned int mb_power_level(const struct mb_power *power);
bool mb_power_charging(const struct mb_power *power);

/* The control plane's battery: a level, a charger plugged in or not. */
void mb_power_set_level(struct mb_power *power, unsigned int percent);
void mb_power_set_plugged(struct mb_power *power, bool plugged);

void mb_power_use(struct mb_power *power, enum mb_drain what,
		  unsigned int units);
/* One band minute; sample is the wearer's (whether logged or not), its
 * heart rate only if the band measured one that minute (hr.c). */
void mb_power_minute(struct mb_power *power, const uint8_t sample[4]);
void mb_power_run(struct mb_power *power, uint64_t now);
uint64_t mb_power_deadline(const struct mb_power *power);
void mb_power_link_up(struct mb_power *power);
void mb_power_link_down(struct mb_power *power);
/* A transfer is about to start: true if the band dropped the link for
 * low battery instead. */
bool mb_power_refuse_transfer(struct mb_power *power);
/* Off for ms of band time, then on again (a firmware boot). */
void mb_power_boot(struct mb_power *power, uint64_t ms);
/* Band time and the RTC were restored after the part was made
 * (mb_band_resume()): the battery's boot time is taken again. */
void mb_power_time_restored(struct mb_power *power);

/* 00000006, read. */
extern const struct mb_chr_route mb_power_routes[];
extern const size_t mb_power_n_routes;

/* Its deadlines, for the band's schedule. */
extern const struct mb_timer mb_power_timer;
