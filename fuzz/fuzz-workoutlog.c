// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: the workouts' recovery scan over arbitrary flash
 * (core/workoutlog.c; docs/workouts.md "In flash"): what a power cut, a
 * worn chip or a stranger's flash.img leaves in the workouts' region.
 * The input is fuzz-flash.c's:
 *
 *   <chip> <flags> (<unit le16> <16 bytes>)...
 *
 * a region of 2 to 5 erased sectors (chip bits 0 and 1) with 16-byte
 * units set: unit 0 of a sector is its header, units 1 to 255 its
 * record slots.  Flags bit 0 gives every header with the magic its right
 * CRC, bit 1 every record with the marker; bits 2 to 4 are workouts
 * recorded after the open (up to 96 seconds each, enough for two
 * sectors to wrap; the last one running),
 * and chip bit 2 acknowledges the first of them.  Opening twice gives
 * the same workouts; after that, a reopen recovers exactly the workouts
 * the band had (the one running ended, cut). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flash.h"
#include "fuzz-chip.h"
#include "fuzz-expect.h"
#include "util.h"
#include "workoutlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_workout(const struct mb_workout *a, const struct mb_workout *b)
{
	if (a->id != b->id || a->kind != b->kind || a->gps != b->gps ||
	    a->start_s != b->start_s || a->end_s != b->end_s ||
	    a->tz != b->tz || a->cut != b->cut || a->n_points != b->n_points)
		return false;
	for (size_t i = 0; i < a->n_points; i++) {
		const struct mb_workout_point *x = &a->points[i],
					      *y = &b->points[i];

		if (x->offset_s != y->offset_s || x->bpm != y->bpm ||
		    x->steps != y->steps || x->distance_dm != y->distance_dm ||
		    x->has_position != y->has_position ||
		    (x->has_position && (x->lat != y->lat || x->lon != y->lon)))
			return false;
	}
	return true;
}

/* b is a reopen of a: what ran in a ended in b, cut. */
static bool same_log(const struct mb_workoutlog *a,
		     const struct mb_workoutlog *b)
{
	size_t n = mb_workoutlog_count(a);

	if (mb_workoutlog_acked(a) != mb_workoutlog_acked(b) ||
	    mb_workoutlog_running(b) ||
	    mb_workoutlog_count(b) != n + (mb_workoutlog_running(a) ? 1 : 0))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!same_workout(mb_workoutlog_at(a, i),
				  mb_workoutlog_at(b, i)))
			return false;
	return true;
}

static void record(struct mb_workoutlog *log, uint32_t start, size_t seconds,
		   bool end)
{
	mb_workoutlog_begin(log, (uint8_t)(1 + seconds % 6), seconds & 1, start,
			    (int8_t)(seconds % 9 - 4));
	for (size_t s = 0; s < seconds; s++) {
		struct mb_workout_point p = { .offset_s = (uint16_t)s,
					      .bpm = (uint8_t)(100 + s),
					      .steps = (uint8_t)(s % 4),
					      .distance_dm = (uint16_t)s };

		mb_workoutlog_point(log, &p);
		if (s % 5 == 2)
			mb_workoutlog_position(log, (int32_t)(s * 1000),
					       -(int32_t)s);
	}
	if (end)
		mb_workoutlog_end(log, start + (uint32_t)seconds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t mem[FUZZ_CHIP_MAX_SECTORS * MB_FLASH_SECTOR_SIZE];
	struct mb_workoutlog *log, *again;
	struct mb_flash flash;
	size_t sectors, workouts;
	unsigned int torn;

	sectors = fuzz_chip_fill(mem, data, size, "MBWK");
	if (!sectors)
		return 0;
	mb_flash_init(&flash, mem, sectors * MB_FLASH_SECTOR_SIZE);
	log = mb_workoutlog_open(&flash, &torn);
	fuzz_expect(!mb_workoutlog_running(log),
		    "a workout the band went down in is ended at the open");
	again = mb_workoutlog_open(&flash, NULL);
	fuzz_expect(same_log(log, again), "opening twice gives the same log");
	mb_workoutlog_free(again);
	workouts = data[1] >> 2 & 7;
	for (size_t i = 0; i < workouts; i++) {
		record(log, 1700000000u + (uint32_t)i * 7200,
		       (size_t)(i * 37 % 97), i + 1 < workouts);
		if (i == 0 && data[0] & 4 && mb_workoutlog_count(log))
			mb_workoutlog_ack(log, mb_workoutlog_at(log, 0)->id);
	}
	again = mb_workoutlog_open(&flash, NULL);
	fuzz_expect(same_log(log, again),
		    "a reopen recovers the workouts the band had");
	mb_workoutlog_free(again);
	mb_workoutlog_free(log);
	return 0;
}
