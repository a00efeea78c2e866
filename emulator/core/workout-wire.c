// SPDX-License-Identifier: GPL-2.0-or-later
/* A workout on the wire (workout-wire.h; docs/workouts.md "On the
 * wire").  Layouts as Gadgetbridge's HuamiActivitySummaryParser (the
 * layout of versions below 512) and HuamiActivityDetailsParser read
 * them: little-endian, positions in degrees × 3,000,000. */
#include "workout-wire.h"

#include <stdlib.h>
#include <string.h>

#include "life.h"
#include "util.h"

/* bandsim's summary version: below 512, the layout GB reads for the
 * MB4; the MB4's own number is not on record (docs/workouts.md). */
#define SUMMARY_VERSION 0x0103
#define SUMMARY_LEN 0x7e
#define ALTITUDE_UNKNOWN (-20000)

/* Track records: type, seconds (mod 256), 6 bytes. */
#define RECORD_LEN 8
enum track_record {
	TRACK_GPS = 0x00,   /* Δlon, Δlat, Δalt: int16 each */
	TRACK_HR = 0x01,    /* bpm, 5 zero bytes ("new" format) */
	TRACK_STEPS = 0x05, /* bandsim's: steps u8, distance dm u16 */
};

/* The phone's position (GB HuamiSupport.encodePhoneGpsPayload). */
#define GPS_LEAD 0x06
#define GPS_FLAG_STATUS 0x00000001u
#define GPS_FLAG_POSITION 0x00040000u
#define GPS_POSITION_LEN 31 /* lon, lat, speed, alt, time, ff×4, 00 00 00 */

void mb_workout_totals(const struct mb_workout *w,
		       struct mb_workout_totals *out)
{
	uint32_t sum = 0, n = 0, dm = 0;

	memset(out, 0, sizeof(*out));
	out->seconds = (uint32_t)w->n_points;
	for (size_t i = 0; i < w->n_points; i++) {
		const struct mb_workout_point *p = &w->points[i];

		out->steps += p->steps;
		dm += p->distance_dm;
		if (p->bpm == MB_HR_NONE || !p->bpm)
			continue;
		sum += p->bpm;
		n++;
		if (p->bpm > out->bpm_max)
			out->bpm_max = p->bpm;
		if (!out->bpm_min || p->bpm < out->bpm_min)
			out->bpm_min = p->bpm;
	}
	out->distance_m = dm / 10;
	out->bpm_avg = n ? (uint8_t)((sum + n / 2) / n) : 0;
	/* As the day's totals count them (tick.c): 0.04 kcal a step. */
	out->calories = out->steps / 25;
}

static void put_f32(uint8_t *p, float v)
{
	uint32_t u;

	memcpy(&u, &v, sizeof(u));
	mb_put_le32(p, u);
}

/* The first position of the track: the base the GPS records move from
 * (0, 0 without one, as a band no phone gave GPS). */
static const struct mb_workout_point *first_fix(const struct mb_workout *w)
{
	for (size_t i = 0; i < w->n_points; i++)
		if (w->points[i].has_position)
			return &w->points[i];
	return NULL;
}

static void bounds(const struct mb_workout *w, int32_t out[4])
{
	bool any = false;

	memset(out, 0, 4 * sizeof(*out));
	for (size_t i = 0; i < w->n_points; i++) {
		const struct mb_workout_point *p = &w->points[i];

		if (!p->has_position)
			continue;
		if (!any || p->lat > out[0])
			out[0] = p->lat;
		if (!any || p->lat < out[1])
			out[1] = p->lat;
		if (!any || p->lon > out[2])
			out[2] = p->lon;
		if (!any || p->lon < out[3])
			out[3] = p->lon;
		any = true;
	}
}

uint8_t *mb_workout_summary_encode(const struct mb_workout *w, size_t *len)
{
	uint8_t *b = mb_malloc0(SUMMARY_LEN);
	const struct mb_workout_point *fix = first_fix(w);
	struct mb_workout_totals t;
	int32_t box[4];
	float metres, pace = 0, speed = 0;

	mb_workout_totals(w, &t);
	bounds(w, box);
	metres = (float)t.distance_m;
	if (t.seconds && t.distance_m) {
		speed = metres / (float)t.seconds;
		pace = (float)t.seconds / metres;
	}
	mb_put_le16(b + 0x00, SUMMARY_VERSION);
	mb_put_le16(b + 0x02, w->kind);
	mb_put_le32(b + 0x04, w->start_s);
	mb_put_le32(b + 0x08, w->end_s);
	mb_put_le32(b + 0x0c, (uint32_t)(fix ? fix->lon : 0));
	mb_put_le32(b + 0x10, (uint32_t)(fix ? fix->lat : 0));
	/* The band keeps no altitude. */
	mb_put_le32(b + 0x14, (uint32_t)ALTITUDE_UNKNOWN);
	put_f32(b + 0x18, metres);
	/* Ascent and descent 0; min and max altitude as GB hides them. */
	put_f32(b + 0x24, 100000.0f);
	put_f32(b + 0x28, -100000.0f);
	mb_put_le32(b + 0x2c, (uint32_t)box[0]);
	mb_put_le32(b + 0x30, (uint32_t)box[1]);
	mb_put_le32(b + 0x34, (uint32_t)box[2]);
	mb_put_le32(b + 0x38, (uint32_t)box[3]);
	mb_put_le32(b + 0x3c, t.steps);
	mb_put_le32(b + 0x40, t.seconds);
	put_f32(b + 0x44, (float)t.calories);
	put_f32(b + 0x48, speed);
	/* One pace for the whole workout: max and min alike (s/m). */
	put_f32(b + 0x4c, pace);
	put_f32(b + 0x50, pace);
	put_f32(b + 0x54, metres);
	/* 0x58..0x77: unknown, and the kind's block (swim, or the
	 * ascent/descent/flat split): all 0, as for a flat workout. */
	mb_put_le16(b + 0x78, t.bpm_avg);
	mb_put_le16(b + 0x7a,
		    (uint16_t)(t.distance_m ? t.seconds * 1000u / t.distance_m
					    : 0));
	mb_put_le16(b + 0x7c,
		    (uint16_t)(t.steps ? t.distance_m * 100u / t.steps : 0));
	*len = SUMMARY_LEN;
	return b;
}

struct track {
	uint8_t *b;
	size_t len, cap;
};

static void record(struct track *t, uint8_t type, uint16_t offset_s,
		   const uint8_t payload[6])
{
	if (t->len + RECORD_LEN > t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64 * RECORD_LEN;
		t->b = mb_realloc_n(t->b, t->cap, 1);
	}
	t->b[t->len] = type;
	t->b[t->len + 1] = (uint8_t)offset_s;
	memcpy(t->b + t->len + 2, payload, 6);
	t->len += RECORD_LEN;
}

/* A move from *at to the point's position: int16 steps, several
 * records at the same second for a longer one (docs/workouts.md). */
static void gps_records(struct track *t, const struct mb_workout_point *p,
			int32_t at[2])
{
	do {
		int32_t d[2];
		uint8_t payload[6] = { 0 };

		d[0] = p->lon - at[0];
		d[1] = p->lat - at[1];
		for (int i = 0; i < 2; i++) {
			if (d[i] > INT16_MAX)
				d[i] = INT16_MAX;
			if (d[i] < -INT16_MAX)
				d[i] = -INT16_MAX;
			at[i] += d[i];
		}
		mb_put_le16(payload, (uint16_t)(int16_t)d[0]);
		mb_put_le16(payload + 2, (uint16_t)(int16_t)d[1]);
		record(t, TRACK_GPS, p->offset_s, payload);
	} while (at[0] != p->lon || at[1] != p->lat);
}

uint8_t *mb_workout_track_encode(const struct mb_workout *w, bool steps,
				 size_t *len)
{
	const struct mb_workout_point *fix = first_fix(w);
	struct track t = { 0 };
	int32_t at[2] = { fix ? fix->lon : 0, fix ? fix->lat : 0 };

	for (size_t i = 0; i < w->n_points; i++) {
		const struct mb_workout_point *p = &w->points[i];
		uint8_t payload[6] = { 0 };

		if (p->has_position)
			gps_records(&t, p, at);
		if (p->bpm != MB_HR_NONE && p->bpm) {
			payload[0] = p->bpm;
			record(&t, TRACK_HR, p->offset_s, payload);
		}
		if (!steps)
			continue;
		memset(payload, 0, sizeof(payload));
		payload[0] = p->steps;
		mb_put_le16(payload + 1, p->distance_dm);
		record(&t, TRACK_STEPS, p->offset_s, payload);
	}
	*len = t.len;
	return t.b;
}

enum mb_gps_parse mb_workout_gps_parse(const uint8_t *v, size_t len,
				       int32_t *lon, int32_t *lat)
{
	uint32_t flags;
	size_t at = 5;

	if (len < 5 || v[0] != GPS_LEAD)
		return MB_GPS_MALFORMED;
	flags = mb_get_le32(v + 1);
	if (flags & ~(GPS_FLAG_STATUS | GPS_FLAG_POSITION))
		return MB_GPS_MALFORMED;
	if (flags & GPS_FLAG_STATUS)
		at++;
	if (!(flags & GPS_FLAG_POSITION))
		return len == at ? MB_GPS_STATUS : MB_GPS_MALFORMED;
	if (len != at + GPS_POSITION_LEN)
		return MB_GPS_MALFORMED;
	*lon = (int32_t)mb_get_le32(v + at);
	*lat = (int32_t)mb_get_le32(v + at + 4);
	/* ±180° and ±90° in units of 1/3,000,000 degree. */
	if (*lon < -540000000 || *lon > 540000000 || *lat < -270000000 ||
	    *lat > 270000000)
		return MB_GPS_MALFORMED;
	return MB_GPS_POSITION;
}
