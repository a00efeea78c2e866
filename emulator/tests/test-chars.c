// SPDX-License-Identifier: GPL-2.0-or-later
/* The byte layouts of the characteristics the band gives meaning to
 * (protocol-miband4.md §2.4, §5, §6, §1), over ATT, with a fake clock. */
#include <string.h>

#include "harness.h"
#include "life.h"
#include "util.h"
#include "adv.h"
#include "tick.h"

static void test_current_time_read(void **state)
{
	struct fixture *f = *state;

	/* 2024-05-20 10:30:00, Monday, fractions 0, reason 0, tz 0. */
	xfer(f, PDU(0x0a, H_TIME, 0x00),
	     PDU(0x0b, 0xe8, 0x07, 0x05, 0x14, 0x0a, 0x1e, 0x00, 0x01, 0x00,
		 0x00, 0x00));
	/* The RTC runs on the injected clock, and only on it. */
	fixture_advance(f, 61500);
	xfer(f, PDU(0x0a, H_TIME, 0x00),
	     PDU(0x0b, 0xe8, 0x07, 0x05, 0x14, 0x0a, 0x1f, 0x01, 0x01, 0x80,
		 0x00, 0x00));
}

static void test_current_time_write(void **state)
{
	struct fixture *f = *state;

	/* The real read of protocol §6: 2026-01-31 23:04:05 Sat, tz -20. */
	xfer(f,
	     PDU(0x12, H_TIME, 0x00, 0xea, 0x07, 0x01, 0x1f, 0x17, 0x04, 0x05,
		 0x06, 0x00, 0x00, 0xec),
	     PDU(0x13));
	xfer(f, PDU(0x0a, H_TIME, 0x00),
	     PDU(0x0b, 0xea, 0x07, 0x01, 0x1f, 0x17, 0x04, 0x05, 0x06, 0x00,
		 0x00, 0xec));
	/* Across midnight and the month: the band works out the weekday. */
	fixture_advance(f, 3600 * 1000);
	xfer(f, PDU(0x0a, H_TIME, 0x00),
	     PDU(0x0b, 0xea, 0x07, 0x02, 0x01, 0x00, 0x04, 0x05, 0x07, 0x00,
		 0x00, 0xec));
	/* The 10-byte CTS form keeps the tz; a wrong weekday is not trusted. */
	xfer(f,
	     PDU(0x12, H_TIME, 0x00, 0xe8, 0x07, 0x02, 0x1d, 0x0c, 0x00, 0x00,
		 0x03, 0x00, 0x00),
	     PDU(0x13));
	xfer(f, PDU(0x0a, H_TIME, 0x00),
	     PDU(0x0b, 0xe8, 0x07, 0x02, 0x1d, 0x0c, 0x00, 0x00, 0x04, 0x00,
		 0x00, 0xec));
}

/* A Write Request of value to 2A2B that the band refuses with error. */
static void expect_time_refused(struct fixture *f, const uint8_t *value,
				size_t len, uint8_t error)
{
	uint8_t req[3 + 16] = { 0x12, H_TIME, 0x00 };

	assert_true(len <= 16);
	memcpy(req + 3, value, len);
	xfer(f, req, 3 + len, PDU(0x01, 0x12, H_TIME, 0x00, error));
}

#define TIME_REFUSED(error, ...) expect_time_refused(f, PDU(__VA_ARGS__), error)

static void test_current_time_bad_writes(void **state)
{
	struct fixture *f = *state;
	const uint8_t before[] = { 0x0b, 0xe8, 0x07, 0x05, 0x14, 0x0a,
				   0x1e, 0x00, 0x01, 0x00, 0x00, 0x00 };

	/* 9 and 12 bytes: neither the 11-byte form nor the 10-byte CTS one. */
	TIME_REFUSED(0x0d, 0xe8, 0x07, 0x05, 0x14, 0x0a, 0x1e, 0x00, 0x01,
		     0x00);
	TIME_REFUSED(0x0d, 0xe8, 0x07, 0x05, 0x14, 0x0a, 0x1e, 0x00, 0x01, 0x00,
		     0x00, 0x00, 0x00);
	/* Month 13, April 31, hour 24, weekday 8, tz +14:15. */
	TIME_REFUSED(0x13, 0xe8, 0x07, 0x0d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00,
		     0x00, 0x00);
	TIME_REFUSED(0x13, 0xe8, 0x07, 0x04, 0x1f, 0x00, 0x00, 0x00, 0x01, 0x00,
		     0x00, 0x00);
	TIME_REFUSED(0x13, 0xe8, 0x07, 0x04, 0x01, 0x18, 0x00, 0x00, 0x01, 0x00,
		     0x00, 0x00);
	TIME_REFUSED(0x13, 0xe8, 0x07, 0x04, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00,
		     0x00, 0x00);
	TIME_REFUSED(0x13, 0xe8, 0x07, 0x04, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00,
		     0x00, 0x39);
	/* 2A2B has no write-without-response: a command changes nothing. */
	xfer_silent(f, PDU(0x52, H_TIME, 0x00, 0xea, 0x07, 0x01, 0x1f, 0x17,
			   0x04, 0x05, 0x06, 0x00, 0x00, 0xec));
	xfer(f, PDU(0x0a, H_TIME, 0x00), before, sizeof(before));
}

static void test_battery_layout(void **state)
{
	struct fixture *f = *state;

	/* 0f, 81 %, not charging, A unset (1970-01-01 00:00:00, tz 0),
	 * B = boot time (2024-05-20 10:30:00, tz 0), level at B 81. */
	xfer(f, PDU(0x0a, H_BATTERY, 0x00),
	     PDU(0x0b, 0x0f, 0x51, 0x00, 0xb2, 0x07, 0x01, 0x01, 0x00, 0x00,
		 0x00, 0x00, 0xe8, 0x07, 0x05, 0x14, 0x0a, 0x1e, 0x00, 0x00,
		 0x51));
}

/* The realtime steps value a band shows after logging the minutes
 * [first, first + n) of the default life seed: the day's sum. */
static void steps_value(uint32_t first, unsigned int n, uint8_t out[13])
{
	uint32_t steps = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint8_t s[4];

		mb_life_sample(1, first + i, s);
		steps += s[2];
	}
	out[0] = 0x0c;
	mb_put_le32(out + 1, steps);
	mb_put_le32(out + 5, steps * 7 / 10);
	mb_put_le32(out + 9, steps / 25);
}

static void expect_steps_notify(struct fixture *f, unsigned int minutes)
{
	uint8_t pdu[16] = { 0x1b, H_STEPS, 0x00 };

	steps_value((uint32_t)(TEST_EPOCH_MS / 60000), minutes, pdu + 3);
	expect_out(f, pdu, sizeof(pdu));
}

static void test_steps_layout_and_minute_notify(void **state)
{
	struct fixture *f = *state;
	uint8_t rsp[14] = { 0x0b };

	xfer(f, PDU(0x0a, H_STEPS, 0x00),
	     PDU(0x0b, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
	/* Not subscribed: the minute passes in silence. */
	fixture_advance(f, 60000);
	expect_no_out(f);
	xfer(f, PDU(0x12, H_STEPS_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	fixture_advance(f, 59999);
	expect_no_out(f);
	fixture_advance(f, 1);
	expect_steps_notify(f, 2);
	expect_no_out(f);
	/* One per band minute, also when the clock jumps; each carries the
	 * day's total so far. */
	fixture_advance(f, 3 * 60000);
	for (unsigned int i = 3; i <= 5; i++)
		expect_steps_notify(f, i);
	expect_no_out(f);
	steps_value((uint32_t)(TEST_EPOCH_MS / 60000), 5, rsp + 1);
	xfer(f, PDU(0x0a, H_STEPS, 0x00), rsp, sizeof(rsp));
}

static void test_minutes_follow_rtc(void **state)
{
	struct fixture *f = *state;

	xfer(f, PDU(0x12, H_STEPS_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	/* Set the RTC to hh:mm:30: the band minute now ends 30 s later. */
	xfer(f,
	     PDU(0x12, H_TIME, 0x00, 0xe8, 0x07, 0x05, 0x14, 0x0a, 0x1e, 0x1e,
		 0x01, 0x00, 0x00, 0x00),
	     PDU(0x13));
	assert_int_equal(mb_band_next_deadline(f->band), TEST_EPOCH_MS + 30000);
	fixture_advance(f, 29999);
	expect_no_out(f);
	fixture_advance(f, 1);
	expect_steps_notify(f, 1);
	expect_no_out(f);
}

static void test_advertising_data(void **state)
{
	struct fixture *f = *state;
	uint8_t adv[31], scan[31];
	size_t adv_len, scan_len;
	static const uint8_t want_adv[] = {
		0x02, 0x01, 0x06, 0x1b, 0xff, 0x57, 0x01, 0x02,
		0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t want_scan[] = {
		0x10, 0x09, 'M',  'i',	' ',  'S',  'm',  'a', 'r',
		't',  ' ',  'B',  'a',	'n',  'd',  ' ',  '4', 0x07,
		0x16, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00,
	};

	mb_adv_build(mb_band_adv(f->band), mb_tick_steps(mb_band_tick(f->band)),
		     mb_hr_adv_byte(mb_band_hr(f->band)), adv, &adv_len, scan,
		     &scan_len);
	assert_int_equal(adv_len, sizeof(want_adv));
	assert_memory_equal(adv, want_adv, sizeof(want_adv));
	assert_int_equal(scan_len, sizeof(want_scan));
	assert_memory_equal(scan, want_scan, sizeof(want_scan));
	/* protocol §1: HR at index 7 of the manufacturer AD structure. */
	assert_int_equal(adv[3 + 7], 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T("MB4-UT/TIME/BV-01 read layout and RTC",
		  test_current_time_read),
		T("MB4-UT/TIME/BV-02 write then read", test_current_time_write),
		T("MB4-UT/TIME/BI-01 bad writes change nothing",
		  test_current_time_bad_writes),
		T("MB4-UT/BATT/BV-01 20-byte layout", test_battery_layout),
		T("MB4-UT/STEPS/BV-01 layout and minute notify",
		  test_steps_layout_and_minute_notify),
		T("MB4-UT/STEPS/BV-02 minutes follow the RTC",
		  test_minutes_follow_rtc),
		T("MB4-UT/ADV/BV-01 advertising data", test_advertising_data),
	};

	return cmocka_run_group_tests_name("chars", tests, NULL, NULL);
}
