/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "workoutlog.h"

/* A workout on the wire (docs/workouts.md "On the wire"): the summary a
 * fetch of type 05 sends and the track a fetch of type 06 sends, in the
 * layouts Gadgetbridge parses for a Mi Band 4 (protocol fact sheet §4.3);
 * and the positions a phone sends in a workout. */

/* The summary's bytes (malloc'd), *len set. */
uint8_t *mb_workout_summary_encode(const struct mb_workout *w, size_t *len);
/* The track's bytes: 8-byte records a second, GPS (00) where the phone
 * gave a position, HR (01) where the band read one, steps (05) if steps;
 * malloc'd,
 * NULL with *len 0 for a workout without a second. */
uint8_t *mb_workout_track_encode(const struct mb_workout *w, bool steps,
				 size_t *len);

/* The totals a summary states, from the track. */
struct mb_workout_totals {
	uint32_t seconds, steps, distance_m, calories;
	uint8_t bpm_avg, bpm_max, bpm_min; /* 0: no reading */
};
void mb_workout_totals(const struct mb_workout *w,
		       struct mb_workout_totals *out);

/* The phone's GPS for a workout (GB's encodePhoneGpsPayload): 06, flags
 * u32 (0x40000 position, 0x1 a status byte follows), the status, then
 * longitude and latitude (degrees × 3,000,000), speed, altitude, the
 * fix's time and 7 bytes.  Sent as a chunked transfer of type 6 on
 * 00000020, or written whole on 0000000f. */
enum mb_gps_parse {
	MB_GPS_MALFORMED,
	MB_GPS_STATUS,	 /* a status only (searching, disabled) */
	MB_GPS_POSITION, /* *lon, *lat set */
};
enum mb_gps_parse mb_workout_gps_parse(const uint8_t *v, size_t len,
				       int32_t *lon, int32_t *lat);
