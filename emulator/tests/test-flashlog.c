// SPDX-License-Identifier: GPL-2.0-or-later
/* The flash log: NOR semantics, records, recovery after power loss at
 * every byte of a record write, the ring, the ack cursor; and the life
 * model it records. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test-chip.h"
#include "flash.h"
#include "flashlog.h"
#include "life.h"
#include "util.h"

#define SECTORS 4
#define SIZE (SECTORS * MB_FLASH_SECTOR_SIZE)

TEST_CHIP(struct mb_flashlog, mb_flashlog_open, mb_flashlog_free, SIZE)

static int chip_setup(void **state)
{
	*state = chip_new();
	return 0;
}

static int chip_teardown(void **state)
{
	chip_free(*state);
	return 0;
}

static void sample_for(uint32_t minute, uint8_t out[4])
{
	out[0] = (uint8_t)minute;
	out[1] = (uint8_t)(minute >> 8);
	out[2] = 0x5a;
	out[3] = 0xa5;
}

static void append_n(struct mb_flashlog *log, uint32_t first, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		uint8_t s[4];

		sample_for(first + i, s);
		mb_flashlog_append(log, first + i, s);
	}
}

/* The log holds exactly minutes [first, first + n), in order. */
static void expect_minutes(const struct mb_flashlog *log, uint32_t first,
			   unsigned int n)
{
	assert_int_equal(mb_flashlog_count(log), n);
	for (unsigned int i = 0; i < n; i++) {
		struct mb_flashlog_sample s = mb_flashlog_at(log, i);
		uint8_t want[4];

		sample_for(first + i, want);
		assert_int_equal(s.minute, first + i);
		assert_memory_equal(s.data, want, 4);
		if (i)
			assert_int_equal(s.seq,
					 mb_flashlog_at(log, i - 1).seq + 1);
	}
}

static void test_nor_semantics(void **state)
{
	struct chip *c = *state;

	mb_flash_program(&c->flash, 10, (const uint8_t[]){ 0x0f }, 1);
	mb_flash_program(&c->flash, 10, (const uint8_t[]){ 0xf5 }, 1);
	/* Bits only go from 1 to 0 until an erase. */
	assert_int_equal(c->mem[10], 0x05);
	assert_false(mb_flash_is_erased(&c->flash, 0, 16));
	mb_flash_erase(&c->flash, 0);
	assert_true(mb_flash_is_erased(&c->flash, 0, MB_FLASH_SECTOR_SIZE));
}

static void test_append_and_reopen(void **state)
{
	struct chip *c = *state;
	unsigned int torn = 99;

	reopen(c, &torn);
	assert_int_equal(torn, 0);
	assert_int_equal(mb_flashlog_count(c->log), 0);
	append_n(c->log, 1000, 300); /* crosses a sector */
	reopen(c, &torn);
	assert_int_equal(torn, 0);
	expect_minutes(c->log, 1000, 300);
	assert_int_equal(mb_flashlog_at(c->log, 0).seq, 1);
	/* Appending goes on where it stopped. */
	append_n(c->log, 1300, 5);
	expect_minutes(reopen(c, NULL), 1000, 305);
}

/* Power is lost after k bytes of a record write, for every k: the torn
 * record is dropped, everything before it kept, and the log goes on. */
static void test_power_loss_every_byte(void **state)
{
	for (size_t k = 0; k <= MB_FLASHLOG_RECORD_SIZE; k++) {
		struct chip *c = chip_new();
		unsigned int torn = 0;
		uint8_t s[4];

		append_n(reopen(c, NULL), 500, 10);
		c->flash.budget = k;
		sample_for(510, s);
		mb_flashlog_append(c->log, 510, s);
		c->flash.budget = SIZE_MAX;
		reopen(c, &torn);
		if (k == MB_FLASHLOG_RECORD_SIZE) {
			/* The whole record made it. */
			assert_int_equal(torn, 0);
			expect_minutes(c->log, 500, 11);
		} else {
			assert_int_equal(torn, k ? 1 : 0);
			expect_minutes(c->log, 500, 10);
		}
		/* The next record lands in a clean slot and is kept. */
		sample_for(k == MB_FLASHLOG_RECORD_SIZE ? 511 : 510, s);
		mb_flashlog_append(c->log,
				   k == MB_FLASHLOG_RECORD_SIZE ? 511 : 510, s);
		reopen(c, &torn);
		expect_minutes(c->log, 500,
			       k == MB_FLASHLOG_RECORD_SIZE ? 12 : 11);
		chip_free(c);
	}
}

/* The same for a sector header: a cut while starting a new sector. */
static void test_power_loss_new_sector(void **state)
{
	for (size_t k = 0;
	     k <= MB_FLASHLOG_HEADER_SIZE + MB_FLASHLOG_RECORD_SIZE; k++) {
		struct chip *c = chip_new();
		uint8_t s[4];
		unsigned int full = MB_FLASHLOG_RECORDS_PER_SECTOR;

		append_n(reopen(c, NULL), 0, full);
		c->flash.budget = k;
		sample_for(full, s);
		mb_flashlog_append(c->log, full, s);
		c->flash.budget = SIZE_MAX;
		reopen(c, NULL);
		expect_minutes(c->log, 0,
			       k == MB_FLASHLOG_HEADER_SIZE +
						       MB_FLASHLOG_RECORD_SIZE
				       ? full + 1
				       : full);
		append_n(c->log,
			 mb_flashlog_at(c->log, mb_flashlog_count(c->log) - 1)
					 .minute +
				 1,
			 3);
		assert_int_equal(mb_flashlog_count(reopen(c, NULL)),
				 k == MB_FLASHLOG_HEADER_SIZE +
							 MB_FLASHLOG_RECORD_SIZE
					 ? full + 4
					 : full + 3);
		chip_free(c);
	}
}

/* The same for an ack record: the cursor is the old one or the new one. */
static void test_power_loss_ack_record(void **state)
{
	for (size_t k = 0; k <= MB_FLASHLOG_RECORD_SIZE; k++) {
		struct chip *c = chip_new();
		uint32_t seq5;

		append_n(reopen(c, NULL), 500, 10);
		seq5 = mb_flashlog_at(c->log, 4).seq;
		c->flash.budget = k;
		mb_flashlog_ack(c->log, seq5);
		c->flash.budget = SIZE_MAX;
		reopen(c, NULL);
		expect_minutes(c->log, 500, 10);
		assert_int_equal(mb_flashlog_acked_seq(c->log),
				 k == MB_FLASHLOG_RECORD_SIZE ? seq5 : 0);
		assert_int_equal(mb_flashlog_stored(c->log),
				 k == MB_FLASHLOG_RECORD_SIZE ? 5 : 10);
		chip_free(c);
	}
}

static const uint8_t owner_a[6] = { 0xe1, 0x01, 0x02, 0x03, 0x04, 0x05 };
static const uint8_t owner_b[6] = { 0xe1, 0x01, 0x02, 0x03, 0x04, 0x06 };

/* A factory reset's record, cut at every byte: until it is whole there
 * is no reset (the new owner is stored only after it), and the samples
 * before it are kept either way. */
static void test_power_loss_reset_record(void **state)
{
	for (size_t k = 0; k <= MB_FLASHLOG_RECORD_SIZE; k++) {
		struct chip *c = chip_new();
		unsigned int torn = 0;

		append_n(reopen(c, NULL), 500, 10);
		c->flash.budget = k;
		mb_flashlog_mark_reset(c->log, owner_a);
		c->flash.budget = SIZE_MAX;
		reopen(c, &torn);
		expect_minutes(c->log, 500, 10);
		assert_int_equal(torn,
				 k && k < MB_FLASHLOG_RECORD_SIZE ? 1 : 0);
		/* Whole: the band that now has another address finishes the
		 * reset; the old owner's band keeps its log. */
		assert_int_equal(mb_flashlog_reset_unfinished(c->log, owner_b),
				 k == MB_FLASHLOG_RECORD_SIZE);
		assert_false(mb_flashlog_reset_unfinished(c->log, owner_a));
		/* A sample after it: the reset did not happen. */
		append_n(c->log, 510, 1);
		assert_false(
			mb_flashlog_reset_unfinished(reopen(c, NULL), owner_b));
		assert_int_equal(mb_flashlog_count(c->log), 11);
		assert_int_equal(mb_flashlog_at(c->log, 10).minute, 510);
		chip_free(c);
	}
}

/* A clear cut short after any number of sector erases leaves the reset
 * record, so the next start finishes it. */
static void test_power_loss_during_clear(void **state)
{
	unsigned int per = MB_FLASHLOG_RECORDS_PER_SECTOR;

	for (size_t j = 0; j <= SECTORS; j++) {
		struct chip *c = chip_new();

		append_n(reopen(c, NULL), 0, 2 * per + 10);
		mb_flashlog_mark_reset(c->log, owner_a);
		c->flash.erase_budget = j;
		mb_flashlog_clear(c->log);
		c->flash.erase_budget = SIZE_MAX;
		reopen(c, NULL);
		if (j < SECTORS) {
			assert_true(
				mb_flashlog_reset_unfinished(c->log, owner_b));
		} else {
			assert_false(
				mb_flashlog_reset_unfinished(c->log, owner_b));
			assert_int_equal(mb_flashlog_count(c->log), 0);
		}
		chip_free(c);
	}
}

static void test_ring_wraps(void **state)
{
	struct chip *c = *state;
	unsigned int per = MB_FLASHLOG_RECORDS_PER_SECTOR;
	unsigned int n = per * SECTORS + 10;

	append_n(reopen(c, NULL), 0, n);
	/* The oldest sector went to make room: what is left is the newest,
	 * unbroken. */
	expect_minutes(c->log, per, n - per);
	expect_minutes(reopen(c, NULL), per, n - per);
	append_n(c->log, n, per * 2);
	expect_minutes(c->log, per * 3, n + per * 2 - per * 3);
	expect_minutes(reopen(c, NULL), per * 3, n + per * 2 - per * 3);
}

static void test_ack_cursor_survives(void **state)
{
	struct chip *c = *state;
	struct mb_flashlog *log = reopen(c, NULL);
	uint32_t seq10;

	append_n(log, 100, 20);
	seq10 = mb_flashlog_at(log, 9).seq;
	assert_int_equal(mb_flashlog_stored(log), 20);
	mb_flashlog_ack(log, seq10);
	assert_int_equal(mb_flashlog_stored(log), 10);
	assert_int_equal(mb_flashlog_acked_minute(log), 109);
	/* Going back is not a thing. */
	mb_flashlog_ack(log, seq10 - 5);
	assert_int_equal(mb_flashlog_acked_seq(log), seq10);
	append_n(log, 120, 2);
	log = reopen(c, NULL);
	assert_int_equal(mb_flashlog_acked_seq(log), seq10);
	assert_int_equal(mb_flashlog_acked_minute(log), 109);
	assert_int_equal(mb_flashlog_stored(log), 12);
	/* New sequence numbers never reuse old ones (ack record too). */
	append_n(log, 122, 1);
	assert_true(mb_flashlog_at(log, mb_flashlog_count(log) - 1).seq >
		    seq10 + 12);
	mb_flashlog_clear(log);
	assert_int_equal(mb_flashlog_count(log), 0);
	assert_int_equal(mb_flashlog_acked_seq(log), 0);
	assert_int_equal(mb_flashlog_count(reopen(c, NULL)), 0);
}

static void test_garbage_flash(void **state)
{
	struct chip *c = *state;

	for (size_t i = 0; i < SIZE; i++)
		c->mem[i] = (uint8_t)(i * 7919 >> 3);
	assert_int_equal(mb_flashlog_count(reopen(c, NULL)), 0);
	append_n(c->log, 7, 3);
	expect_minutes(reopen(c, NULL), 7, 3);
}

static void test_capacity(void **state)
{
	/* 14 days: 20160 samples in 80 sectors of 255, plus a spare. */
	assert_int_equal(mb_flashlog_size_for_days(14),
			 81 * MB_FLASH_SECTOR_SIZE);
	assert_int_equal(mb_flashlog_size_for_days(1),
			 7 * MB_FLASH_SECTOR_SIZE);
}

static void test_crc16(void **state)
{
	assert_int_equal(mb_crc16((const uint8_t *)"123456789", 9), 0x29b1);
}

/* The wearer: deterministic, and looking like a person. */
static void test_life_model(void **state)
{
	/* 2024-05-20 (a Monday) and the days after, band local time. */
	uint32_t day0 = 1716163200 / 60;
	unsigned int kinds[16] = { 0 }, hr_bad = 0, steps = 0;
	uint8_t a[4], b[4];

	for (uint32_t m = day0; m < day0 + 7 * 1440; m++) {
		unsigned int t = (m - day0) % 1440;

		mb_life_sample(1, m, a);
		mb_life_sample(1, m, b);
		assert_memory_equal(a, b, 4);
		kinds[a[0] & 0x0f]++;
		steps += a[2];
		switch (a[0]) {
		case MB_LIFE_KIND_DEEP_SLEEP:
		case MB_LIFE_KIND_LIGHT_SLEEP:
			hr_bad += a[3] < 45 || a[3] > 60 || a[2];
			/* Asleep only at night. */
			hr_bad += t > 8 * 60 && t < 22 * 60;
			break;
		case MB_LIFE_KIND_RUNNING:
			hr_bad += a[3] < 120 || a[3] > 170;
			break;
		case MB_LIFE_KIND_NOT_WORN:
		case MB_LIFE_KIND_CHARGING:
			hr_bad += a[3] != MB_HR_NONE || a[2];
			break;
		default:
			hr_bad += a[3] == MB_HR_NONE;
			break;
		}
	}
	assert_int_equal(hr_bad, 0);
	assert_true(kinds[MB_LIFE_KIND_DEEP_SLEEP] > 7 * 60);
	assert_true(kinds[MB_LIFE_KIND_LIGHT_SLEEP] > 7 * 120);
	assert_true(kinds[MB_LIFE_KIND_RUNNING] >= 45);
	assert_true(kinds[MB_LIFE_KIND_NOT_WORN] >= 7 * 15);
	assert_true(kinds[MB_LIFE_KIND_ACTIVITY] > 7 * 60);
	/* A person walks thousands of steps a day, not millions. */
	assert_true(steps / 7 > 4000 && steps / 7 < 30000);
	/* Another seed, another person. */
	{
		unsigned int same = 0;

		for (uint32_t m = day0; m < day0 + 1440; m++) {
			mb_life_sample(1, m, a);
			mb_life_sample(2, m, b);
			same += !memcmp(a, b, 4);
		}
		assert_true(same < 1440 / 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nor_semantics, chip_setup,
						chip_teardown),
		cmocka_unit_test_setup_teardown(test_append_and_reopen,
						chip_setup, chip_teardown),
		cmocka_unit_test(test_power_loss_every_byte),
		cmocka_unit_test(test_power_loss_new_sector),
		cmocka_unit_test(test_power_loss_ack_record),
		cmocka_unit_test(test_power_loss_reset_record),
		cmocka_unit_test(test_power_loss_during_clear),
		cmocka_unit_test_setup_teardown(test_ring_wraps, chip_setup,
						chip_teardown),
		cmocka_unit_test_setup_teardown(test_ack_cursor_survives,
						chip_setup, chip_teardown),
		cmocka_unit_test_setup_teardown(test_garbage_flash, chip_setup,
						chip_teardown),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_crc16),
		cmocka_unit_test(test_life_model),
	};

	return cmocka_run_group_tests_name("flashlog", tests, NULL, NULL);
}
