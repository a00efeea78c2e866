// SPDX-License-Identifier: GPL-2.0-or-later
/* The workouts in flash: a workout's records and their recovery, power
 * loss at every byte of a record, a band that went down mid-workout,
 * the ack cursor across restarts and erased sectors, the ring, and the
 * chip's two regions kept apart. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test-chip.h"
#include "flash.h"
#include "flashlog.h"
#include "workoutlog.h"
#include "util.h"

#define SECTORS 4
#define SIZE (SECTORS * MB_FLASH_SECTOR_SIZE)
/* Records a sector holds: (4096 - 16) / 16. */
#define PER_SECTOR 255

TEST_CHIP(struct mb_workoutlog, mb_workoutlog_open, mb_workoutlog_free, SIZE)

static struct mb_workout_point point(uint16_t s)
{
	return (struct mb_workout_point){ .offset_s = s,
					  .bpm = (uint8_t)(120 + s % 40),
					  .steps = (uint8_t)(s % 4),
					  .distance_dm =
						  (uint16_t)(s % 4 * 7) };
}

/* A workout of n seconds from start_s, ended. */
static uint32_t workout(struct mb_workoutlog *log, uint32_t start_s,
			unsigned int n)
{
	uint32_t id = mb_workoutlog_begin(log, 1, true, start_s, 4);

	for (unsigned int i = 0; i < n; i++) {
		struct mb_workout_point p = point((uint16_t)i);

		mb_workoutlog_point(log, &p);
	}
	mb_workoutlog_end(log, start_s + n);
	return id;
}

static void expect_track(const struct mb_workout *w, unsigned int n)
{
	assert_int_equal(w->n_points, n);
	for (unsigned int i = 0; i < n; i++) {
		struct mb_workout_point want = point((uint16_t)i);

		assert_int_equal(w->points[i].offset_s, want.offset_s);
		assert_int_equal(w->points[i].bpm, want.bpm);
		assert_int_equal(w->points[i].steps, want.steps);
		assert_int_equal(w->points[i].distance_dm, want.distance_dm);
	}
}

static void test_workout_survives_reopen(void **state)
{
	struct chip *c = chip_new();
	unsigned int torn = 99;
	const struct mb_workout *w;

	reopen(c, &torn);
	assert_int_equal(torn, 0);
	assert_int_equal(mb_workoutlog_count(c->log), 0);
	workout(c->log, 1700000000, 300); /* crosses a sector */
	mb_workoutlog_begin(c->log, 3, false, 1700001000, -8);
	mb_workoutlog_position(c->log, 1, 2); /* no second yet: nothing */
	mb_workoutlog_point(c->log, &(struct mb_workout_point){ .bpm = 99 });
	mb_workoutlog_position(c->log, 524000000, 134000000);
	mb_workoutlog_end(c->log, 1700001001);
	reopen(c, &torn);
	assert_int_equal(torn, 0);
	assert_int_equal(mb_workoutlog_count(c->log), 2);
	w = mb_workoutlog_at(c->log, 0);
	assert_int_equal(w->start_s, 1700000000);
	assert_int_equal(w->end_s, 1700000300);
	assert_int_equal(w->kind, 1);
	assert_true(w->gps);
	assert_int_equal(w->tz, 4);
	assert_false(w->cut);
	expect_track(w, 300);
	w = mb_workoutlog_at(c->log, 1);
	assert_int_equal(w->kind, 3);
	assert_int_equal(w->tz, -8);
	assert_int_equal(w->n_points, 1);
	assert_true(w->points[0].has_position);
	assert_int_equal(w->points[0].lat, 524000000);
	assert_int_equal(w->points[0].lon, 134000000);
	assert_null(mb_workoutlog_running(c->log));
	chip_free(c);
}

/* The band went down in a workout: at the next start it is a finished
 * one, cut, ending at its last second. */
static void test_down_mid_workout(void **state)
{
	struct chip *c = chip_new();
	const struct mb_workout *w;

	reopen(c, NULL);
	mb_workoutlog_begin(c->log, 2, false, 1700000000, 0);
	for (uint16_t i = 0; i < 42; i++) {
		struct mb_workout_point p = point(i);

		mb_workoutlog_point(c->log, &p);
	}
	assert_non_null(mb_workoutlog_running(c->log));
	assert_int_equal(mb_workoutlog_count(c->log), 0);
	reopen(c, NULL);
	assert_null(mb_workoutlog_running(c->log));
	assert_int_equal(mb_workoutlog_count(c->log), 1);
	w = mb_workoutlog_at(c->log, 0);
	assert_true(w->cut);
	assert_int_equal(w->end_s, 1700000042);
	expect_track(w, 42);
	/* Nothing was written for it: a second start comes to the same. */
	reopen(c, NULL);
	assert_int_equal(mb_workoutlog_count(c->log), 1);
	assert_int_equal(mb_workoutlog_at(c->log, 0)->end_s, 1700000042);
	chip_free(c);
}

/* Power goes after k bytes of a second's record, for every k: the torn
 * record is dropped, the seconds before it kept, the workout ended. */
static void test_power_loss_every_byte(void **state)
{
	for (size_t k = 0; k <= 16; k++) {
		struct chip *c = chip_new();
		struct mb_workout_point p = point(10);
		unsigned int torn = 0;
		const struct mb_workout *w;

		reopen(c, NULL);
		mb_workoutlog_begin(c->log, 1, true, 1700000000, 0);
		for (uint16_t i = 0; i < 10; i++) {
			struct mb_workout_point q = point(i);

			mb_workoutlog_point(c->log, &q);
		}
		c->flash.budget = k;
		mb_workoutlog_point(c->log, &p);
		c->flash.budget = SIZE_MAX;
		reopen(c, &torn);
		assert_int_equal(mb_workoutlog_count(c->log), 1);
		w = mb_workoutlog_at(c->log, 0);
		/* All 16 bytes: the record is whole; fewer: torn (0 bytes
		 * leave the slot erased). */
		assert_int_equal(w->n_points, k == 16 ? 11 : 10);
		assert_int_equal(torn, k > 0 && k < 16 ? 1 : 0);
		assert_true(w->cut);
		/* It goes on after the torn slot. */
		workout(c->log, 1700001000, 3);
		assert_int_equal(mb_workoutlog_count(reopen(c, NULL)), 2);
		chip_free(c);
	}
}

/* What each kind of record leaves when power goes after k of its bytes,
 * for every k: the record is there whole or not at all (the marker goes
 * last), and what the band recovers is one of the two logs it had. */
enum kind_cut { CUT_START, CUT_POSITION, CUT_END, CUT_ACK, CUT_COUNT };

static void write_kind(struct mb_workoutlog *log, enum kind_cut kind,
		       uint32_t first)
{
	switch (kind) {
	case CUT_START:
		mb_workoutlog_begin(log, 2, false, 1700009000, 0);
		break;
	case CUT_POSITION:
		mb_workoutlog_position(log, 40215000, 157560000);
		break;
	case CUT_END:
		mb_workoutlog_end(log, 1700000003);
		break;
	case CUT_ACK:
		mb_workoutlog_ack(log, first);
		break;
	case CUT_COUNT:
		break;
	}
}

static void test_power_loss_every_kind(void **state)
{
	for (int kind = 0; kind < CUT_COUNT; kind++) {
		for (size_t k = 0; k <= 16; k++) {
			struct chip *c = chip_new();
			struct mb_workout_point p = point(0);
			unsigned int torn = 0;
			uint32_t first;

			reopen(c, NULL);
			first = workout(c->log, 1699990000, 4);
			mb_workoutlog_begin(c->log, 1, true, 1700000000, 0);
			mb_workoutlog_point(c->log, &p);
			if (kind == CUT_ACK || kind == CUT_START)
				mb_workoutlog_end(c->log, 1700000001);
			c->flash.budget = k;
			write_kind(c->log, (enum kind_cut)kind, first);
			c->flash.budget = SIZE_MAX;
			reopen(c, &torn);
			assert_int_equal(torn, k > 0 && k < 16 ? 1 : 0);
			switch ((enum kind_cut)kind) {
			case CUT_START:
				/* The new one is there only whole (and, never
				 * ended, cut at its start). */
				assert_int_equal(mb_workoutlog_count(c->log),
						 k == 16 ? 3 : 2);
				assert_false(mb_workoutlog_at(c->log, 1)->cut);
				break;
			case CUT_POSITION:
				assert_int_equal(mb_workoutlog_count(c->log),
						 2);
				assert_int_equal(mb_workoutlog_at(c->log, 1)
							 ->points[0]
							 .has_position,
						 k == 16);
				break;
			case CUT_END:
				assert_int_equal(mb_workoutlog_count(c->log),
						 2);
				/* Cut at its last second without its end. */
				assert_int_equal(
					mb_workoutlog_at(c->log, 1)->cut,
					k != 16);
				assert_int_equal(
					mb_workoutlog_at(c->log, 1)->end_s,
					k == 16 ? 1700000003 : 1700000001);
				break;
			case CUT_ACK:
				assert_int_equal(mb_workoutlog_count(c->log),
						 k == 16 ? 1 : 2);
				assert_int_equal(mb_workoutlog_acked(c->log),
						 k == 16 ? first : 0);
				break;
			case CUT_COUNT:
				break;
			}
			/* It goes on after the torn slot. */
			workout(c->log, 1700100000, 2);
			assert_int_equal(mb_workoutlog_count(reopen(c, NULL)),
					 mb_workoutlog_count(c->log));
			chip_free(c);
		}
	}
}

static void test_ack_survives(void **state)
{
	struct chip *c = chip_new();
	uint32_t first, second;

	reopen(c, NULL);
	first = workout(c->log, 1700000000, 5);
	second = workout(c->log, 1700000100, 5);
	mb_workoutlog_ack(c->log, first);
	assert_int_equal(mb_workoutlog_count(c->log), 1);
	assert_int_equal(mb_workoutlog_at(c->log, 0)->id, second);
	reopen(c, NULL);
	assert_int_equal(mb_workoutlog_count(c->log), 1);
	assert_int_equal(mb_workoutlog_acked(c->log), first);
	/* An ack does not take a workout that runs. */
	mb_workoutlog_begin(c->log, 1, true, 1700000200, 0);
	mb_workoutlog_ack(c->log, UINT32_MAX - 1);
	assert_int_equal(mb_workoutlog_count(c->log), 0);
	assert_non_null(mb_workoutlog_running(c->log));
	chip_free(c);
}

/* The ring: a full region erases its oldest sector; a workout that
 * started there is gone whole, the cursor is carried to the new sector
 * so that nothing deleted comes back. */
static void test_ring(void **state)
{
	struct chip *c = chip_new();
	uint32_t a, b;

	reopen(c, NULL);
	a = workout(c->log, 1700000000, PER_SECTOR - 2); /* sector 0 */
	b = workout(c->log, 1700010000, 10);		 /* sector 1 */
	mb_workoutlog_ack(c->log, b);
	assert_int_equal(mb_workoutlog_count(c->log), 0);
	(void)a;
	/* Four sectors' worth: sector 0 is erased, then sector 1, which
	 * held the cursor and this workout's start. */
	workout(c->log, 1700020000, PER_SECTOR * 4);
	reopen(c, NULL);
	assert_int_equal(mb_workoutlog_acked(c->log), b);
	/* That workout outgrew the region: its start was erased. */
	assert_int_equal(mb_workoutlog_count(c->log), 0);
	workout(c->log, 1700030000, 20);
	reopen(c, NULL);
	assert_int_equal(mb_workoutlog_count(c->log), 1);
	assert_int_equal(mb_workoutlog_at(c->log, 0)->start_s, 1700030000);
	chip_free(c);
}

/* One chip, two regions: each log sees and erases only its own. */
static void test_regions(void **state)
{
	struct chip *c = chip_new();
	struct mb_flash act, wk;
	struct mb_flashlog *log;
	struct mb_workoutlog *wl;

	mb_flash_init_region(&act, &c->flash, 0, 2);
	mb_flash_init_region(&wk, &c->flash, 2, 2);
	log = mb_flashlog_open(&act, NULL);
	wl = mb_workoutlog_open(&wk, NULL);
	mb_flashlog_append(log, 1000, (const uint8_t[]){ 1, 2, 3, 4 });
	workout(wl, 1700000000, 3);
	mb_workoutlog_clear(wl);
	mb_workoutlog_free(wl);
	mb_flashlog_free(log);
	log = mb_flashlog_open(&act, NULL);
	wl = mb_workoutlog_open(&wk, NULL);
	assert_int_equal(mb_flashlog_count(log), 1);
	assert_int_equal(mb_workoutlog_count(wl), 0);
	assert_true(
		mb_flash_is_erased(&c->flash, 2 * MB_FLASH_SECTOR_SIZE, 16));
	mb_workoutlog_free(wl);
	mb_flashlog_free(log);
	chip_free(c);
}

/* Bytes no band wrote (another log's sector, noise) are not workouts. */
static void test_foreign_bytes(void **state)
{
	struct chip *c = chip_new();

	for (size_t i = 0; i < SIZE; i++)
		c->mem[i] = (uint8_t)(i * 131 + 7);
	reopen(c, NULL);
	assert_int_equal(mb_workoutlog_count(c->log), 0);
	workout(c->log, 1700000000, 4);
	assert_int_equal(mb_workoutlog_count(reopen(c, NULL)), 1);
	chip_free(c);
}

/* ---- what fuzz-workoutlog found (fuzz/regressions/workoutlog/) -------- */

static void put_header(uint8_t *mem, size_t sector, uint32_t seq)
{
	uint8_t *h = mem + sector * MB_FLASH_SECTOR_SIZE;

	memcpy(h, "MBWK", 4);
	mb_put_le32(h + 4, seq);
	mb_put_le16(h + 8, 1);
	memset(h + 10, 0xff, 4);
	mb_put_le16(h + 14, mb_crc16(h, 14));
}

static void put_record(uint8_t *mem, size_t sector, size_t slot, uint8_t type,
		       uint32_t seq, const uint8_t body[8])
{
	uint8_t *r = mem + sector * MB_FLASH_SECTOR_SIZE + 16 + slot * 16;

	r[0] = 0x5a;
	r[1] = type;
	mb_put_le32(r + 2, seq);
	memcpy(r + 6, body, 8);
	mb_put_le16(r + 14, mb_crc16(r + 1, 13));
}

/* A start record numbered 0 (the band numbers from 1) was a workout of
 * id 0, which the empty ack cursor (0) took at the next start. */
static void test_seq_zero_is_foreign(void **state)
{
	struct chip *c = chip_new();
	const uint8_t start[8] = { 0xa0, 0x9a, 0x0e, 0x6b, 1, 1, 0, 0xff };
	unsigned int torn = 0;

	put_header(c->mem, 0, 1);
	put_record(c->mem, 0, 0, 0x11, 0, start);
	reopen(c, &torn);
	assert_int_equal(torn, 1);
	assert_int_equal(mb_workoutlog_count(c->log), 0);
	chip_free(c);
}

/* An ack record naming 0xffffffff made the next id 0 (the counter
 * wrapped), and a reopen deleted every workout after it. */
static void test_ack_beyond_the_numbers(void **state)
{
	struct chip *c = chip_new();
	const uint8_t ack[8] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};
	unsigned int torn = 0;
	uint32_t id;

	put_header(c->mem, 0, 1);
	put_record(c->mem, 0, 0, 0x15, 3, ack);
	reopen(c, &torn);
	assert_int_equal(torn, 1);
	assert_int_equal(mb_workoutlog_acked(c->log), 0);
	id = workout(c->log, 1700000000, 5);
	assert_true(id >= 1);
	assert_int_equal(mb_workoutlog_count(reopen(c, NULL)), 1);
	chip_free(c);
}

/* An ack record ahead of every number on flash (5000, the records 1 to
 * 3): the workouts recorded next were numbered below it, and a reopen
 * took them as deleted. */
static void test_ack_ahead_of_the_numbers(void **state)
{
	struct chip *c = chip_new();
	const uint8_t ack[8] = { 0x88, 0x13, 0, 0, 0xff, 0xff, 0xff, 0xff };

	put_header(c->mem, 0, 1);
	put_record(c->mem, 0, 0, 0x15, 3, ack);
	reopen(c, NULL);
	assert_int_equal(mb_workoutlog_acked(c->log), 5000);
	assert_true(workout(c->log, 1700000000, 5) > 5000);
	assert_int_equal(mb_workoutlog_count(reopen(c, NULL)), 1);
	chip_free(c);
}

/* An ack just as the counter ran out renewed the log, then wrote the
 * cursor of a workout the renewal had erased: every later workout had a
 * smaller id and went at the next start. */
static void test_ack_when_the_counter_is_spent(void **state)
{
	struct chip *c = chip_new();
	const uint8_t point[8] = { 0, 0, 100, 0, 0, 0, 0xff, 0xff };
	uint32_t id;

	put_header(c->mem, 0, 1);
	put_record(c->mem, 0, 0, 0x12, 0x7ffffffcu, point);
	reopen(c, NULL);
	id = workout(c->log, 1700000000, 0);
	mb_workoutlog_ack(c->log, id);
	assert_int_equal(mb_workoutlog_acked(c->log), 0);
	workout(c->log, 1700007200, 37);
	reopen(c, NULL);
	assert_int_equal(mb_workoutlog_count(c->log), 1);
	assert_int_equal(mb_workoutlog_at(c->log, 0)->start_s, 1700007200);
	chip_free(c);
}

/* The open wrote an end record for a workout the band went down in: in
 * a full sector that erased the oldest one, and the workouts in it, so
 * that a start lost what the band had.  Opening writes nothing now. */
static void test_open_writes_nothing(void **state)
{
	struct chip *c = chip_new();
	uint8_t *before = malloc(SIZE);

	reopen(c, NULL);
	workout(c->log, 1700000000, 10);
	mb_workoutlog_begin(c->log, 1, true, 1700001000, 0);
	/* The rest of the first sector and all of the next three: the
	 * last one ends full. */
	for (uint16_t i = 0; i < PER_SECTOR * 4 - 12 - 1; i++) {
		struct mb_workout_point p = point(i);

		mb_workoutlog_point(c->log, &p);
	}
	memcpy(before, c->mem, SIZE);
	reopen(c, NULL);
	assert_memory_equal(before, c->mem, SIZE);
	assert_int_equal(mb_workoutlog_count(c->log), 2);
	assert_false(mb_workoutlog_at(c->log, 0)->cut);
	assert_true(mb_workoutlog_at(c->log, 1)->cut);
	assert_int_equal(mb_workoutlog_at(c->log, 1)->n_points,
			 PER_SECTOR * 4 - 13);
	assert_int_equal(mb_workoutlog_count(reopen(c, NULL)), 2);
	free(before);
	chip_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workout_survives_reopen),
		cmocka_unit_test(test_down_mid_workout),
		cmocka_unit_test(test_power_loss_every_byte),
		cmocka_unit_test(test_power_loss_every_kind),
		cmocka_unit_test(test_ack_survives),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_regions),
		cmocka_unit_test(test_foreign_bytes),
		/* What fuzz-workoutlog found (docs/fuzzing.md). */
		CASE("MB4-UT/FUZZ/BI-06 a workout start numbered 0",
		     test_seq_zero_is_foreign, NULL, NULL),
		CASE("MB4-UT/FUZZ/BI-07 a workout ack of 0xffffffff",
		     test_ack_beyond_the_numbers, NULL, NULL),
		CASE("MB4-UT/FUZZ/BI-08 a workout ack ahead of the numbers",
		     test_ack_ahead_of_the_numbers, NULL, NULL),
		CASE("MB4-UT/FUZZ/BI-09 a workout ack as the counter runs out",
		     test_ack_when_the_counter_is_spent, NULL, NULL),
		CASE("MB4-UT/FUZZ/BI-10 opening the workouts writes nothing",
		     test_open_writes_nothing, NULL, NULL),
	};

	return cmocka_run_group_tests_name("workoutlog", tests, NULL, NULL);
}
