/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash.h"

/* The workouts in flash (docs/workouts.md "In flash"): each workout a
 * start record, a record per second of its track (and one per position
 * the phone gave), and an end record, CRC'd 16-byte records in a ring of
 * sectors of their own, as the activity log's (flashlog.c); an ack
 * cursor; a recovery scan at open.  A RAM copy serves lookups; the
 * flash is what survives. */
struct mb_workoutlog;

/* One second of a workout's track. */
struct mb_workout_point {
	uint16_t offset_s;    /* since the workout's start */
	uint8_t bpm;	      /* MB_HR_NONE: no reading (off the wrist) */
	uint8_t steps;	      /* in this second */
	uint16_t distance_dm; /* in this second, decimetres */
	bool has_position;
	int32_t lat, lon; /* degrees × 3,000,000 (Huami's unit, §4.3) */
};

struct mb_workout {
	uint32_t id;	  /* the sequence number of its start record */
	uint8_t kind;	  /* enum mb_sport_kind (sport.h) */
	bool gps;	  /* the band asked the phone for GPS */
	uint32_t start_s; /* Unix seconds, UTC */
	uint32_t end_s;	  /* 0 while it runs */
	int8_t tz;	  /* quarter hours east of UTC at its start */
	bool cut;	  /* ended by the band going down, not the wearer */
	struct mb_workout_point *points;
	size_t n_points, points_cap;
};

/* The flash a region of workout sectors needs: kb rounded up to whole
 * sectors, at least two (the one written and the one erased next). */
size_t mb_workoutlog_size_for_kb(unsigned int kb);

/* Opens the log on flash, writing nothing.  A workout the band went
 * down in (no end record) is ended at its last second, marked cut.  *torn counts the
 * records a power cut left half written. */
struct mb_workoutlog *mb_workoutlog_open(struct mb_flash *flash,
					 unsigned int *torn);
void mb_workoutlog_free(struct mb_workoutlog *log);
/* Erases every sector (factory reset). */
void mb_workoutlog_clear(struct mb_workoutlog *log);

/* A workout starts; the one still running, if any, ends first.
 * Returns its id. */
uint32_t mb_workoutlog_begin(struct mb_workoutlog *log, uint8_t kind, bool gps,
			     uint32_t start_s, int8_t tz);
/* A second of the running workout (ignored without one). */
void mb_workoutlog_point(struct mb_workoutlog *log,
			 const struct mb_workout_point *p);
/* The phone's position for the last second logged. */
void mb_workoutlog_position(struct mb_workoutlog *log, int32_t lat,
			    int32_t lon);
void mb_workoutlog_end(struct mb_workoutlog *log, uint32_t end_s);
/* The running workout, NULL if none. */
const struct mb_workout *mb_workoutlog_running(const struct mb_workoutlog *log);

/* Deletes every finished workout up to and including id. */
void mb_workoutlog_ack(struct mb_workoutlog *log, uint32_t id);
uint32_t mb_workoutlog_acked(const struct mb_workoutlog *log);
/* Finished workouts not deleted, oldest first. */
size_t mb_workoutlog_count(const struct mb_workoutlog *log);
const struct mb_workout *mb_workoutlog_at(const struct mb_workoutlog *log,
					  size_t i);
