/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "devevents.h"
#include "power.h"
#include "profile.h"
#include "rtc.h"
#include "schedule.h"
#include "services.h"
#include "settings.h"
#include "tick.h"

/* The band's routine (docs/settings.md "What the band does"): what it does
 * by itself, in band time, with the settings.  At every whole minute of
 * local time, after the minute's sample is logged: alarms ring (their
 * days or once, snooze repeating), the hourly chime, inactivity warnings
 * inside their windows, the step goal (device event 03).  Each is an
 * event, and so is every vibration, which do-not-disturb and the phone's
 * silent mode may hold back. */
struct mb_routine;

/* Why the band vibrates (the vibrate event's reason). */
enum mb_vibration {
	MB_VIBRATION_ALARM,
	MB_VIBRATION_ALERT, /* a notification or call (the alerts part) */
	MB_VIBRATION_CHIME,
	MB_VIBRATION_INACTIVITY,
	MB_VIBRATION_GOAL,
	MB_VIBRATION_CALL,	/* an incoming call rings (the alerts part) */
	MB_VIBRATION_FIND_BAND, /* 0x2A06 level 3: the wearer looks for it */
	MB_VIBRATION_COUNT
};

struct mb_routine *
mb_routine_new(const struct mb_services *svc, const struct mb_profile *profile,
	       const struct mb_rtc *rtc, const struct mb_power *power,
	       const struct mb_tick *tick, struct mb_settings *settings,
	       struct mb_devevents *devevents);
void mb_routine_free(struct mb_routine *routine);

/* The phone set the RTC: minutes follow its boundaries. */
void mb_routine_rtc_changed(struct mb_routine *routine);

/* The band vibrates for why, unless do-not-disturb or the phone's silent
 * mode keeps it still (docs/policies.md#dnd-silences); alarms always
 * ring.  The vibrate event says it did; false when it did not. */
bool mb_routine_vibrate(struct mb_routine *routine, enum mb_vibration why);

uint64_t mb_routine_deadline(const struct mb_routine *routine);
void mb_routine_run(struct mb_routine *routine, uint64_t at);

/* Its deadlines, for the band's schedule: after the tick's, so that the
 * minute's sample is there. */
extern const struct mb_timer mb_routine_timer;
