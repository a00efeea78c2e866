/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chrs.h"
#include "devevents.h"
#include "power.h"
#include "profile.h"
#include "rtc.h"
#include "schedule.h"
#include "services.h"
#include "tick.h"
#include "workoutlog.h"

/* The band's sport mode (docs/workouts.md): a workout the wearer starts
 * on the band (the control plane stands for the menu), or that starts
 * when the wearer goes for a run (profile workout-auto).  While it runs
 * the band reads the wearer every second (heart rate, steps, distance)
 * into the workout's track in flash, with the positions a phone sends
 * on 0000000f; it ends on the wearer's word, when the run ends (auto),
 * or when the band goes off. */
struct mb_sport;

/* The MB4's workouts: the value is the kind a summary carries
 * (protocol fact sheet §4.3, docs/workouts.md#kinds). */
enum mb_sport_kind {
	MB_SPORT_NONE = 0,
	MB_SPORT_OUTDOOR_RUN = 1,
	MB_SPORT_TREADMILL = 2,
	MB_SPORT_WALKING = 3,
	MB_SPORT_CYCLING = 4,
	MB_SPORT_EXERCISE = 5,
	MB_SPORT_POOL_SWIM = 6,
};

/* "outdoor-run", "treadmill", ...; NULL for no MB4 kind. */
const char *mb_sport_kind_name(enum mb_sport_kind kind);
/* MB_SPORT_NONE for a name that is none. */
enum mb_sport_kind mb_sport_kind_from_name(const char *name);
/* The kinds, for a message that lists them: "outdoor-run, treadmill,
 * ...". */
const char *mb_sport_kind_names(void);
/* Outdoor kinds ask the phone for GPS (device event 14). */
bool mb_sport_kind_gps(enum mb_sport_kind kind);

/* Why a workout ended (the workout-ended event's reason). */
enum mb_sport_end {
	MB_SPORT_END_WEARER,	/* stopped on the band */
	MB_SPORT_END_RUN_OVER,	/* workout-auto: the wearer stopped running */
	MB_SPORT_END_POWER_OFF, /* the band went off */
	MB_SPORT_END_RESET,	/* a factory reset */
};

struct mb_sport *
mb_sport_new(const struct mb_services *svc, const struct mb_policy *policy,
	     const struct mb_rtc *rtc, const struct mb_power *power,
	     const struct mb_tick *tick, struct mb_devevents *devevents);
void mb_sport_free(struct mb_sport *sport);

/* The log workouts go to (the logstore's, reopened after a restart). */
void mb_sport_set_log(struct mb_sport *sport, struct mb_workoutlog *log);

/* The wearer starts a workout of kind: false with *err if one runs, the
 * band is off, or kind is none. */
bool mb_sport_start(struct mb_sport *sport, enum mb_sport_kind kind,
		    char **err);
/* The wearer stops it: false with *err if none runs. */
bool mb_sport_stop(struct mb_sport *sport, char **err);
/* The running workout's kind, MB_SPORT_NONE if none. */
enum mb_sport_kind mb_sport_running(const struct mb_sport *sport);
/* A running workout ends for reason (power off, reset). */
void mb_sport_end(struct mb_sport *sport, enum mb_sport_end reason);

/* The local minute that ended (tick.c): with workout-auto, a run the
 * wearer starts starts a workout at its end, and one that ends ends it. */
void mb_sport_minute(struct mb_sport *sport, uint32_t minute,
		     const uint8_t sample[4]);

uint64_t mb_sport_deadline(const struct mb_sport *sport);
void mb_sport_run(struct mb_sport *sport, uint64_t at);
extern const struct mb_timer mb_sport_timer;

/* The phone's GPS (workout-wire.h): a chunked transfer of type 6, or a
 * write on 0000000f.  False for bytes that are not one. */
bool mb_sport_phone_gps(struct mb_sport *sport, const uint8_t *v, size_t len);

/* 0000000f, write. */
extern const struct mb_chr_route mb_sport_routes[];
extern const size_t mb_sport_n_routes;
