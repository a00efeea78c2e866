/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "chrs.h"
#include "life.h"
#include "power.h"
#include "profile.h"
#include "rtc.h"
#include "schedule.h"
#include "services.h"
#include "settings.h"
#include "tick.h"

/* The heart-rate part (protocol §2.3; docs/policies.md#heart-rate): the
 * measurements an app starts on 0x2A39 and their readings `00 <bpm>` on
 * 0x2A37, in band time; the band's own readings (the all-day interval,
 * sleep assist), which decide the minutes of the activity log that carry
 * a heart rate; the advertisement's heart-rate byte.  Values are the
 * wearer's (life.c) at that moment. */
struct mb_hr;

/* What is measuring: an app's measurement, or the band on its own. */
enum mb_hr_mode {
	MB_HR_MODE_NONE,
	MB_HR_MODE_MANUAL,     /* 15 02 01: one reading, then it stops */
	MB_HR_MODE_CONTINUOUS, /* 15 01 01: readings while 16 keeps coming */
	MB_HR_MODE_SLEEP,      /* sleep assist (15 00 01), asleep minutes */
	MB_HR_MODE_PERIODIC,   /* the all-day interval (14 <minutes>) */
};

/* Why a measurement ended (the hr-stopped event's reason). */
enum mb_hr_stop {
	MB_HR_STOP_DONE,	   /* a manual measurement read its value */
	MB_HR_STOP_CLIENT,	   /* 15 0x 00, or the other mode started */
	MB_HR_STOP_KEEPALIVE_LATE, /* no 16 within hr-keepalive-timeout-s */
	MB_HR_STOP_NOT_WORN,	   /* nothing on the wrist to read */
	MB_HR_STOP_DISCONNECTED,   /* the app's link ended */
	MB_HR_STOP_POWER_OFF,	   /* the band went off */
};

/* "manual", "continuous", "sleep", "periodic"; "" for none. */
const char *mb_hr_mode_name(enum mb_hr_mode mode);
const char *mb_hr_stop_name(enum mb_hr_stop reason);

/* All must outlive the part: tick is the wearer, settings keep the
 * interval and sleep assist (and answer the 0x2A39 commands that are
 * settings). */
struct mb_hr *mb_hr_new(const struct mb_services *svc,
			const struct mb_policy *policy,
			const struct mb_rtc *rtc, struct mb_power *power,
			const struct mb_tick *tick,
			struct mb_settings *settings);
void mb_hr_free(struct mb_hr *hr);

/* Which of the band's own schedules reads a heart rate in local minute
 * minute of a wearer doing kind (protocol §4.2): sleep assist every
 * sleep_interval_min asleep minutes, else the all-day interval (minutes
 * of the local day divisible by it); MB_HR_MODE_NONE if neither.  Pure,
 * so that bandsim-life prints what a band with those settings logs. */
enum mb_hr_mode mb_hr_scheduled(uint32_t interval_min, bool sleep_assist,
				unsigned int sleep_interval_min,
				uint32_t minute, uint8_t kind);

/* The minute that ended (tick.c): keeps sample[3], the wearer's rate, if
 * the band measured one in it (an app's measurement read it, or the
 * band's own schedule did: that reading is emitted and, by policy,
 * notified), else sets it to MB_HR_NONE. */
void mb_hr_minute(struct mb_hr *hr, uint32_t minute,
		  uint8_t sample[MB_SAMPLE_LEN]);

/* The app's link ended: its measurement stops. */
void mb_hr_link_down(struct mb_hr *hr);

/* The running app measurement, if any. */
enum mb_hr_mode mb_hr_mode(const struct mb_hr *hr);
/* The last reading of any mode, and when (band ms); 0 before the first. */
uint8_t mb_hr_last_bpm(const struct mb_hr *hr);
uint64_t mb_hr_last_at(const struct mb_hr *hr);
/* protocol §1: the last reading while an app measurement runs, else
 * 0xff. */
uint8_t mb_hr_adv_byte(const struct mb_hr *hr);

/* Band ms of the next reading or keep-alive check, UINT64_MAX if none. */
uint64_t mb_hr_deadline(const struct mb_hr *hr);
void mb_hr_run(struct mb_hr *hr, uint64_t at);

/* 0x2A39, write. */
extern const struct mb_chr_route mb_hr_routes[];
extern const size_t mb_hr_n_routes;

/* Its deadlines, for the band's schedule. */
extern const struct mb_timer mb_hr_timer;
