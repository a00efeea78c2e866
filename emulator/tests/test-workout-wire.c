// SPDX-License-Identifier: GPL-2.0-or-later
/* A workout on the wire (core/workout-wire.c; docs/workouts.md "On the
 * wire"): the summary's fields at Gadgetbridge's offsets, the track's
 * records, and the phone's GPS payload, good and bad. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "life.h"
#include "util.h"
#include "workout-wire.h"
#include "workoutlog.h"

static float f32_at(const uint8_t *p)
{
	uint32_t u = mb_get_le32(p);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* Three seconds: 2 steps of 7 dm each a second, 150/152/154 bpm, a fix
 * at the first and the third second 40000 units apart. */
static struct mb_workout three_seconds(struct mb_workout_point pts[3])
{
	for (uint16_t i = 0; i < 3; i++)
		pts[i] = (struct mb_workout_point){
			.offset_s = i,
			.bpm = (uint8_t)(150 + 2 * i),
			.steps = 2,
			.distance_dm = 14,
		};
	pts[0].has_position = true;
	pts[0].lon = 40215000;
	pts[0].lat = 157560000;
	pts[2].has_position = true;
	pts[2].lon = 40215000 + 40000;
	pts[2].lat = 157560000 - 10;
	return (struct mb_workout){ .id = 7,
				    .kind = 1,
				    .gps = true,
				    .start_s = 1700000000,
				    .end_s = 1700000003,
				    .points = pts,
				    .n_points = 3 };
}

static void test_summary_offsets(void **state)
{
	struct mb_workout_point pts[3];
	struct mb_workout w = three_seconds(pts);
	size_t len;
	uint8_t *b = mb_workout_summary_encode(&w, &len);

	assert_int_equal(len, 0x7e);
	assert_int_equal(mb_get_le16(b + 0x00), 0x0103);
	assert_int_equal(mb_get_le16(b + 0x02), 1);
	assert_int_equal(mb_get_le32(b + 0x04), 1700000000);
	assert_int_equal(mb_get_le32(b + 0x08), 1700000003);
	assert_int_equal(mb_get_le32(b + 0x0c), 40215000);
	assert_int_equal(mb_get_le32(b + 0x10), 157560000);
	assert_int_equal((int32_t)mb_get_le32(b + 0x14), -20000);
	/* 6 steps of 0.7 m: 4 m (whole metres of 42 dm). */
	assert_true(f32_at(b + 0x18) == 4.0f);
	assert_true(f32_at(b + 0x24) == 100000.0f);
	assert_true(f32_at(b + 0x28) == -100000.0f);
	assert_int_equal(mb_get_le32(b + 0x2c), 157560000);	 /* max lat */
	assert_int_equal(mb_get_le32(b + 0x30), 157560000 - 10); /* min */
	assert_int_equal(mb_get_le32(b + 0x34), 40255000);	 /* max lon */
	assert_int_equal(mb_get_le32(b + 0x38), 40215000);
	assert_int_equal(mb_get_le32(b + 0x3c), 6);
	assert_int_equal(mb_get_le32(b + 0x40), 3);
	assert_int_equal(mb_get_le16(b + 0x78), 152);
	assert_int_equal(mb_get_le16(b + 0x7a), 750); /* 3 s over 4 m */
	assert_int_equal(mb_get_le16(b + 0x7c), 66);  /* 4 m over 6 steps */
	free(b);
}

static void test_track_records(void **state)
{
	struct mb_workout_point pts[3];
	struct mb_workout w = three_seconds(pts);
	size_t len;
	uint8_t *b = mb_workout_track_encode(&w, true, &len);
	/* Second 0: GPS (no move from the base), HR, steps; 1: HR, steps;
	 * 2: GPS twice (40000 units east is more than an int16), HR,
	 * steps. */
	static const uint8_t want[][8] = {
		{ 0x00, 0, 0, 0, 0, 0, 0, 0 },
		{ 0x01, 0, 150, 0, 0, 0, 0, 0 },
		{ 0x05, 0, 2, 14, 0, 0, 0, 0 },
		{ 0x01, 1, 152, 0, 0, 0, 0, 0 },
		{ 0x05, 1, 2, 14, 0, 0, 0, 0 },
		{ 0x00, 2, 0xff, 0x7f, 0xf6, 0xff, 0, 0 },
		{ 0x00, 2, 0x41, 0x1c, 0x00, 0x00, 0, 0 },
		{ 0x01, 2, 154, 0, 0, 0, 0, 0 },
		{ 0x05, 2, 2, 14, 0, 0, 0, 0 },
	};

	assert_int_equal(len, sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	free(b);
	b = mb_workout_track_encode(&w, false, &len);
	assert_int_equal(len, 6 * 8); /* without the steps records */
	free(b);
	w.n_points = 0;
	assert_null(mb_workout_track_encode(&w, true, &len));
	assert_int_equal(len, 0);
}

/* GB's payload: 06, flags, [status], lon, lat, speed, altitude, time,
 * ff ff ff ff 00 00 00. */
static size_t gps(uint8_t *out, uint32_t flags, int32_t lon, int32_t lat)
{
	size_t n = 0;

	out[n++] = 0x06;
	mb_put_le32(out + n, flags);
	n += 4;
	if (flags & 1)
		out[n++] = 0x01;
	if (flags & 0x40000) {
		mb_put_le32(out + n, (uint32_t)lon);
		mb_put_le32(out + n + 4, (uint32_t)lat);
		memset(out + n + 8, 0, 16);
		memcpy(out + n + 24, "\xff\xff\xff\xff\x00\x00\x00", 7);
		n += 31;
	}
	return n;
}

static void test_gps_payloads(void **state)
{
	uint8_t v[64];
	int32_t lon = 0, lat = 0;
	size_t n;

	n = gps(v, 0x40001, 40215000, 157560000);
	assert_int_equal(n, 37);
	assert_int_equal(mb_workout_gps_parse(v, n, &lon, &lat),
			 MB_GPS_POSITION);
	assert_int_equal(lon, 40215000);
	assert_int_equal(lat, 157560000);
	n = gps(v, 0x40000, -540000000, -270000000);
	assert_int_equal(mb_workout_gps_parse(v, n, &lon, &lat),
			 MB_GPS_POSITION);
	n = gps(v, 0x1, 0, 0);
	assert_int_equal(mb_workout_gps_parse(v, n, &lon, &lat), MB_GPS_STATUS);
	/* Cut, one too long, another lead, unknown flags, off the globe. */
	n = gps(v, 0x40001, 1, 1);
	assert_int_equal(mb_workout_gps_parse(v, n - 1, &lon, &lat),
			 MB_GPS_MALFORMED);
	assert_int_equal(mb_workout_gps_parse(v, n + 1, &lon, &lat),
			 MB_GPS_MALFORMED);
	assert_int_equal(mb_workout_gps_parse(v, 4, &lon, &lat),
			 MB_GPS_MALFORMED);
	v[0] = 0x07;
	assert_int_equal(mb_workout_gps_parse(v, n, &lon, &lat),
			 MB_GPS_MALFORMED);
	n = gps(v, 0x40002, 1, 1);
	assert_int_equal(mb_workout_gps_parse(v, n, &lon, &lat),
			 MB_GPS_MALFORMED);
	n = gps(v, 0x40000, 1, 270000001);
	assert_int_equal(mb_workout_gps_parse(v, n, &lon, &lat),
			 MB_GPS_MALFORMED);
}

/* The totals a summary states: no reading counts for no average. */
static void test_totals(void **state)
{
	struct mb_workout_point pts[2] = {
		{ .offset_s = 0,
		  .bpm = MB_HR_NONE,
		  .steps = 1,
		  .distance_dm = 7 },
		{ .offset_s = 1, .bpm = 0, .steps = 2, .distance_dm = 14 },
	};
	struct mb_workout w = { .points = pts, .n_points = 2 };
	struct mb_workout_totals t;

	mb_workout_totals(&w, &t);
	assert_int_equal(t.seconds, 2);
	assert_int_equal(t.steps, 3);
	assert_int_equal(t.distance_m, 2);
	assert_int_equal(t.bpm_avg, 0);
	assert_int_equal(t.bpm_max, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_offsets),
		cmocka_unit_test(test_track_records),
		cmocka_unit_test(test_gps_payloads),
		cmocka_unit_test(test_totals),
	};

	return cmocka_run_group_tests_name("workout-wire", tests, NULL, NULL);
}
