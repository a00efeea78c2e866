// SPDX-License-Identifier: GPL-2.0-or-later
/* Heart rate as byte vectors (protocol §2.3, §1, §4.2; docs/policies.md
 * "Heart rate"): the measurements an app starts on 0x2A39 and their
 * readings on 0x2A37 in band time, the minutes of the log that carry a
 * heart rate, the advertisement byte, the battery. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hr.h"
#include "life.h"
#include "util.h"

#define H_HR 0x19 /* 2a37 heart-rate measurement */
#define H_HR_CCC 0x1a
#define H_HR_CTRL 0x1c /* 2a39 */

#define SECOND 1000ull
#define MINUTE 60000ull

#define HR_WRITE(...) PDU(0x12, H_HR_CTRL, 0x00, __VA_ARGS__)
#define ATT_ERROR(code) PDU(0x01, 0x12, H_HR_CTRL, 0x00, code)

static void subscribe(struct fixture *f)
{
	xfer(f, PDU(0x12, H_HR_CCC, 0x00, 0x01, 0x00), PDU(0x13));
}

/* What the wearer's heart reads now (life.c), as the band must send. */
static uint8_t wearer_bpm(struct fixture *f)
{
	const struct mb_band *b = f->band;

	return mb_life_bpm(mb_tick_life_seed(mb_band_tick(b)),
			   mb_rtc_local_ms_at(mb_band_rtc(b), f->clock.now_ms));
}

static void expect_reading(struct fixture *f, uint8_t bpm)
{
	expect_out(f, PDU(0x1b, H_HR, 0x00, 0x00, bpm));
}

/* Band time to the start of the next minute the wearer spends doing
 * kind (the life model, seed 1), and that minute. */
static uint32_t advance_to_kind(struct fixture *f, uint8_t kind)
{
	uint64_t seed = mb_tick_life_seed(mb_band_tick(f->band));

	for (uint32_t m = (uint32_t)(f->clock.now_ms / MINUTE) + 1;; m++) {
		uint8_t s[MB_SAMPLE_LEN];

		mb_life_sample(seed, m, s);
		if (s[0] != kind)
			continue;
		/* Minute by minute: the events of a long stretch would not
		 * fit the fixture's record. */
		while (f->clock.now_ms < m * MINUTE) {
			fixture_advance(f, MINUTE - f->clock.now_ms % MINUTE);
			f->n_events = 0;
		}
		return m;
	}
}

/* ---- one-shot ----------------------------------------------------------- */

static void test_manual(void **state)
{
	struct fixture *f = *state;
	uint8_t bpm;

	subscribe(f);
	xfer(f, HR_WRITE(0x15, 0x02, 0x01), PDU(0x13));
	expect_events(f, "hr-started mode=manual", NULL);
	assert_int_equal(mb_hr_mode(mb_band_hr(f->band)), MB_HR_MODE_MANUAL);
	/* Nothing before the measuring time (hr-manual-measure-s = 10) is
	 * over in band time, then one reading: the wearer's. */
	fixture_advance(f, 10 * SECOND - 1);
	expect_no_out(f);
	fixture_advance(f, 1);
	bpm = wearer_bpm(f);
	assert_true(bpm >= 40 && bpm < 200);
	expect_reading(f, bpm);
	expect_no_out(f);
	assert_string_equal(f->events[0].name, "hr-measured");
	assert_int_equal(f->n_events, 2);
	assert_string_equal(f->events[1].name, "hr-stopped");
	assert_string_equal(f->events[1].detail, "mode=manual reason=done");
	assert_int_equal(mb_hr_last_bpm(mb_band_hr(f->band)), bpm);
	/* Then it has stopped: nothing more, nothing due. */
	assert_int_equal(mb_hr_deadline(mb_band_hr(f->band)), UINT64_MAX);
	fixture_advance(f, 30 * SECOND);
	expect_no_out(f);
}

/* ---- continuous ----------------------------------------------------------- */

static void test_continuous_keepalive(void **state)
{
	struct fixture *f = *state;

	subscribe(f);
	xfer(f, HR_WRITE(0x15, 0x01, 0x01), PDU(0x13));
	expect_events(f, "hr-started mode=continuous", NULL);
	/* A minute and a half with a keep-alive every 12 s (satcar77): a
	 * reading a second (hr-continuous-period-ms), every one the
	 * wearer's of that second. */
	for (unsigned int s = 1; s <= 90; s++) {
		if (s % 12 == 0)
			xfer(f, HR_WRITE(0x16), PDU(0x13));
		fixture_advance(f, SECOND);
		expect_reading(f, wearer_bpm(f));
		expect_no_out(f);
		f->n_events = 0;
	}
	assert_int_equal(mb_hr_mode(mb_band_hr(f->band)),
			 MB_HR_MODE_CONTINUOUS);
	xfer(f, HR_WRITE(0x15, 0x01, 0x00), PDU(0x13));
	expect_events(f, "hr-stopped mode=continuous reason=client", NULL);
	fixture_advance(f, 5 * SECOND);
	expect_no_out(f);
}

static void test_continuous_without_keepalive(void **state)
{
	struct fixture *f = *state;

	subscribe(f);
	xfer(f, HR_WRITE(0x15, 0x01, 0x01), PDU(0x13));
	f->n_events = 0;
	/* hr-keepalive-timeout-s = 15: readings at 1..14 s, none at 15. */
	for (unsigned int s = 1; s < 15; s++) {
		fixture_advance(f, SECOND);
		expect_reading(f, wearer_bpm(f));
	}
	f->n_events = 0;
	fixture_advance(f, SECOND);
	expect_no_out(f);
	expect_events(f, "hr-stopped mode=continuous reason=keepalive-late",
		      NULL);
	fixture_advance(f, 10 * SECOND);
	expect_no_out(f);
	/* A keep-alive after the stop starts nothing. */
	xfer(f, HR_WRITE(0x16), PDU(0x13));
	fixture_advance(f, 10 * SECOND);
	expect_no_out(f);
	expect_events(f, NULL);
}

/* ---- the habits of clients --------------------------------------------- */

static void test_harmless_habits(void **state)
{
	struct fixture *f = *state;

	subscribe(f);
	/* 15 02 00 before 15 02 01, 15 01 00 with nothing running, and a
	 * keep-alive with nothing to keep alive: taken, nothing happens. */
	xfer(f, HR_WRITE(0x15, 0x02, 0x00), PDU(0x13));
	xfer(f, HR_WRITE(0x15, 0x01, 0x00), PDU(0x13));
	xfer(f, HR_WRITE(0x16), PDU(0x13));
	expect_events(f, NULL);
	assert_int_equal(mb_hr_deadline(mb_band_hr(f->band)), UINT64_MAX);
	fixture_advance(f, 20 * SECOND);
	expect_no_out(f);
	/* ... and the measurement after them is whole. */
	xfer(f, HR_WRITE(0x15, 0x02, 0x01), PDU(0x13));
	fixture_advance(f, 10 * SECOND);
	expect_reading(f, wearer_bpm(f));
	/* 15 02 01 while a manual measurement runs goes on with it; the
	 * other mode takes over from it. */
	xfer(f, HR_WRITE(0x15, 0x01, 0x01), PDU(0x13));
	f->n_events = 0;
	xfer(f, HR_WRITE(0x15, 0x01, 0x01), PDU(0x13));
	expect_events(f, NULL);
	xfer(f, HR_WRITE(0x15, 0x02, 0x01), PDU(0x13));
	expect_events(f, "hr-stopped mode=continuous reason=client",
		      "hr-started mode=manual", NULL);
	/* A stop of the mode that is not running stops nothing. */
	xfer(f, HR_WRITE(0x15, 0x01, 0x00), PDU(0x13));
	xfer(f, HR_WRITE(0x15, 0x01, 0x01), PDU(0x13));
	f->n_events = 0;
	xfer(f, HR_WRITE(0x15, 0x02, 0x00), PDU(0x13));
	expect_events(f, NULL);
	assert_int_equal(mb_hr_mode(mb_band_hr(f->band)),
			 MB_HR_MODE_CONTINUOUS);
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;

	subscribe(f);
	/* 0x2A39 has no notify: the write's ATT error, a malformed event,
	 * and no measurement. */
	xfer(f, HR_WRITE(0x15, 0x02), ATT_ERROR(0x0d));
	expect_events(f, "malformed characteristic=2a39 command=0x15", NULL);
	xfer(f, HR_WRITE(0x15, 0x02, 0x01, 0x00), ATT_ERROR(0x0d));
	xfer(f, HR_WRITE(0x15, 0x01, 0x02), ATT_ERROR(0x13));
	xfer(f, HR_WRITE(0x16, 0x00), ATT_ERROR(0x0d));
	xfer(f, HR_WRITE(0x15), ATT_ERROR(0x0d));
	xfer(f, PDU(0x12, H_HR_CTRL, 0x00), ATT_ERROR(0x0d));
	assert_int_equal(mb_hr_mode(mb_band_hr(f->band)), MB_HR_MODE_NONE);
	assert_int_equal(mb_hr_deadline(mb_band_hr(f->band)), UINT64_MAX);
	fixture_advance(f, 20 * SECOND);
	expect_no_out(f);
	/* The settings of 0x2A39 are still the settings'. */
	f->n_events = 0;
	xfer(f, HR_WRITE(0x14, 0x0a), PDU(0x13));
	expect_events(f, "setting-changed key=hr-interval-min value=10", NULL);
	xfer(f, HR_WRITE(0x15, 0x00, 0x02), ATT_ERROR(0x13));
	/* 0x2A39 takes no Write Command (read, write): it starts nothing. */
	xfer_silent(f, PDU(0x52, H_HR_CTRL, 0x00, 0x15, 0x02, 0x01));
	assert_int_equal(mb_hr_mode(mb_band_hr(f->band)), MB_HR_MODE_NONE);
}

/* ---- off the wrist --------------------------------------------------------- */

static void test_not_worn(void **state)
{
	struct fixture *f = *state;

	advance_to_kind(f, MB_LIFE_KIND_NOT_WORN);
	fixture_advance(f, 2 * SECOND);
	assert_int_equal(wearer_bpm(f), MB_HR_NONE);
	subscribe(f);
	xfer(f, HR_WRITE(0x15, 0x02, 0x01), PDU(0x13));
	f->n_events = 0;
	/* hr-not-worn = zero: 00 00 at the end of the measuring time, no
	 * reading, and the measurement gives up. */
	fixture_advance(f, 10 * SECOND);
	expect_reading(f, 0x00);
	expect_events(f, "hr-stopped mode=manual reason=not-worn", NULL);
	xfer(f, HR_WRITE(0x15, 0x01, 0x01), PDU(0x13));
	f->n_events = 0;
	fixture_advance(f, SECOND);
	expect_reading(f, 0x00);
	expect_events(f, "hr-stopped mode=continuous reason=not-worn", NULL);
	expect_no_out(f);

	/* silent: nothing at all. */
	fixture_set_policy(f, "hr-not-worn", "silent");
	advance_to_kind(f, MB_LIFE_KIND_NOT_WORN);
	subscribe(f);
	xfer(f, HR_WRITE(0x15, 0x02, 0x01), PDU(0x13));
	f->n_events = 0;
	fixture_advance(f, 10 * SECOND);
	expect_no_out(f);
	expect_events(f, "hr-stopped mode=manual reason=not-worn", NULL);
}

/* ---- the link, the advertisement ------------------------------------------ */

static void test_link_and_advertisement(void **state)
{
	struct fixture *f = *state;
	struct mb_hr *hr = mb_band_hr(f->band);
	uint8_t bpm, adv[31], scan[31];
	size_t adv_len, scan_len;

	/* protocol §1: ff while nothing measures ... */
	assert_int_equal(mb_hr_adv_byte(hr), 0xff);
	xfer(f, HR_WRITE(0x15, 0x01, 0x01), PDU(0x13));
	assert_int_equal(mb_hr_adv_byte(hr), 0xff);
	/* ... the last reading while measuring, at index 7 of the
	 * manufacturer AD structure ... */
	fixture_advance(f, SECOND);
	bpm = wearer_bpm(f);
	assert_int_equal(mb_hr_adv_byte(hr), bpm);
	mb_adv_build(mb_band_adv(f->band), 0, mb_hr_adv_byte(hr), adv, &adv_len,
		     scan, &scan_len);
	assert_int_equal(adv[3 + 7], bpm);
	assert_int_equal(mb_hr_last_bpm(hr), bpm);
	assert_int_equal(mb_hr_last_at(hr), f->clock.now_ms);
	/* ... ff again once it stopped: the link ended. */
	f->n_events = 0;
	mb_band_disconnect(f->band);
	assert_true(f->n_events >= 1);
	assert_string_equal(f->events[0].name, "hr-stopped");
	assert_string_equal(f->events[0].detail,
			    "mode=continuous reason=disconnected");
	assert_int_equal(mb_hr_adv_byte(hr), 0xff);
	assert_int_equal(mb_hr_deadline(hr), UINT64_MAX);
}

/* ---- the log --------------------------------------------------------------- */

static struct mb_flashlog_sample last_logged(struct fixture *f)
{
	const struct mb_flashlog *log = mb_band_log(f->band);

	assert_true(mb_flashlog_count(log) > 0);
	return mb_flashlog_at(log, mb_flashlog_count(log) - 1);
}

/* The heart-rate byte of the last sample logged, and its minute. */
static uint8_t logged_hr(struct fixture *f, uint32_t *minute)
{
	struct mb_flashlog_sample s = last_logged(f);

	*minute = s.minute;
	return s.data[3];
}

static void test_log_interval(void **state)
{
	struct fixture *f = *state;
	uint64_t seed = mb_tick_life_seed(mb_band_tick(f->band));
	unsigned int measured = 0;

	/* A factory band measures nothing on its own. */
	for (int i = 0; i < 10; i++) {
		uint32_t m;

		fixture_advance(f, MINUTE);
		assert_int_equal(logged_hr(f, &m), MB_HR_NONE);
	}
	expect_no_out(f);
	expect_events(f, NULL);
	/* Every 5 minutes (14 05): the minutes of the day divisible by 5
	 * carry the wearer's rate, notified to a subscribed app as they are
	 * measured (hr-periodic-notify), the others none. */
	subscribe(f);
	xfer(f, HR_WRITE(0x14, 0x05), PDU(0x13));
	f->n_events = 0;
	for (int i = 0; i < 30; i++) {
		uint8_t s[MB_SAMPLE_LEN];
		uint32_t m;
		uint8_t hr;

		fixture_advance(f, MINUTE);
		hr = logged_hr(f, &m);
		mb_life_sample(seed, m, s);
		if (m % 5) {
			assert_int_equal(hr, MB_HR_NONE);
			expect_no_out(f);
			continue;
		}
		assert_int_equal(hr, s[3]);
		expect_reading(f, hr);
		measured++;
	}
	assert_int_equal(measured, 6);
	assert_int_equal(f->n_events, 6);
	assert_string_equal(f->events[0].name, "hr-measured");
	assert_memory_equal(f->events[0].detail, "mode=periodic bpm=", 18);
	/* Off the notifications: the log is the same, nothing is sent. */
	fixture_set_policy(f, "hr-periodic-notify", "no");
	subscribe(f);
	xfer(f, HR_WRITE(0x14, 0x01), PDU(0x13));
	fixture_advance(f, MINUTE);
	expect_no_out(f);
}

static void test_log_sleep_assist(void **state)
{
	struct fixture *f = *state;
	unsigned int asleep = 0;
	uint32_t m;

	/* Asleep without sleep assist: no heart rate. */
	advance_to_kind(f, MB_LIFE_KIND_LIGHT_SLEEP);
	fixture_advance(f, MINUTE);
	f->n_events = 0;
	assert_int_equal(logged_hr(f, &m), MB_HR_NONE);
	/* With it (15 00 01), every asleep minute (hr-sleep-interval-min
	 * = 1), in its own mode. */
	xfer(f, HR_WRITE(0x15, 0x00, 0x01), PDU(0x13));
	for (int i = 0; i < 60; i++) {
		struct mb_flashlog_sample s;

		fixture_advance(f, MINUTE);
		s = last_logged(f);
		if (s.data[0] == MB_LIFE_KIND_LIGHT_SLEEP ||
		    s.data[0] == MB_LIFE_KIND_DEEP_SLEEP) {
			assert_true(s.data[3] >= 45 && s.data[3] <= 60);
			asleep++;
		} else {
			assert_int_equal(s.data[3], MB_HR_NONE);
		}
	}
	assert_true(asleep >= 50);
	assert_true(f->n_events >= 1);
	assert_memory_equal(f->events[f->n_events - 1].detail, "mode=sleep",
			    10);
}

static void test_log_app_measurement(void **state)
{
	struct fixture *f = *state;
	uint64_t seed = mb_tick_life_seed(mb_band_tick(f->band));
	uint8_t s[MB_SAMPLE_LEN];
	uint32_t m;

	/* Interval off, a continuous measurement through a minute: that
	 * minute carries the wearer's rate, the next one none. */
	fixture_advance(f, MINUTE - f->clock.now_ms % MINUTE);
	xfer(f, HR_WRITE(0x15, 0x01, 0x01), PDU(0x13));
	for (int i = 0; i < 59; i++) {
		if (i % 10 == 9)
			xfer(f, HR_WRITE(0x16), PDU(0x13));
		fixture_advance(f, SECOND);
		f->n_events = 0;
	}
	xfer(f, HR_WRITE(0x15, 0x01, 0x00), PDU(0x13));
	fixture_advance(f, SECOND);
	mb_life_sample(seed, (uint32_t)(f->clock.now_ms / MINUTE) - 1, s);
	assert_int_not_equal(s[3], MB_HR_NONE);
	assert_int_equal(logged_hr(f, &m), s[3]);
	assert_int_equal(m, f->clock.now_ms / MINUTE - 1);
	fixture_advance(f, MINUTE);
	assert_int_equal(logged_hr(f, &m), MB_HR_NONE);
}

/* ---- the battery ---------------------------------------------------------- */

/* Two hours from 50 %: at rest the band pays 0.42 % (the base cost),
 * measuring continuously 1.04 % (the sensor and the minutes it logs with
 * their rate, battery.h) and the radio of the keep-alives; the level
 * shows the difference. */
static unsigned int two_hours(struct fixture *f, bool measuring)
{
	mb_power_set_level(mb_band_power(f->band), 50);
	if (measuring)
		xfer(f, HR_WRITE(0x15, 0x01, 0x01), PDU(0x13));
	for (unsigned int s = 0; s < 2 * 3600; s += 10) {
		if (measuring)
			xfer(f, HR_WRITE(0x16), PDU(0x13));
		fixture_advance(f, 10 * SECOND);
		f->n_events = 0;
	}
	assert_int_equal(mb_hr_mode(mb_band_hr(f->band)),
			 measuring ? MB_HR_MODE_CONTINUOUS : MB_HR_MODE_NONE);
	return mb_power_level(mb_band_power(f->band));
}

static void test_battery(void **state)
{
	struct fixture *f = *state;
	unsigned int rest = two_hours(f, false), measuring;

	/* The same two hours of the same wearer again. */
	fixture_set_policy(f, "hr-not-worn", "zero");
	measuring = two_hours(f, true);
	assert_int_equal(rest, 49);
	assert_int_equal(measuring, 48);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T("MB4-UT/HR/BV-01 one-shot: one reading after the measuring time",
		  test_manual),
		T("MB4-UT/HR/BV-02 continuous: a reading a second with keep-alive",
		  test_continuous_keepalive),
		T("MB4-UT/HR/BV-03 continuous stops when the keep-alive is late",
		  test_continuous_without_keepalive),
		T("MB4-UT/HR/BV-04 stop before start and a lone 16 are harmless",
		  test_harmless_habits),
		T("MB4-UT/HR/BI-01 malformed commands get ATT errors, start nothing",
		  test_malformed),
		T("MB4-UT/HR/BV-05 not worn: 00 00 or nothing, then it stops",
		  test_not_worn),
		T("MB4-UT/HR/BV-06 the link's end stops it; advertisement byte",
		  test_link_and_advertisement),
		T("MB4-UT/HR/BV-07 the all-day interval decides the logged minutes",
		  test_log_interval),
		T("MB4-UT/HR/BV-08 sleep assist measures the asleep minutes",
		  test_log_sleep_assist),
		T("MB4-UT/HR/BV-09 an app's measurement puts its minute in the log",
		  test_log_app_measurement),
		T("MB4-UT/HR/BV-10 measuring costs battery", test_battery),
	};

	return cmocka_run_group_tests_name("hr", tests, NULL, NULL);
}
