// SPDX-License-Identifier: GPL-2.0-or-later
/* Band time across restarts (docs/sync.md "Band time"): time.ini as text
 * and as a file, torn at every byte; a band started again on what a
 * killed one left, as the edge starts it (app/bandtime.c); the phone
 * setting the clock back (docs/policies.md#time-set-back). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "battery.h"
#include "harness.h"
#include "state/store.h"
#include "state/timefile.h"
#include "util.h"
#include "flashlog.h"
#include "rtc.h"
#include "timestate.h"

#define MINUTE 60000ull
#define HOUR (60 * MINUTE)
/* The host's wall clock when a test band starts: some other year. */
#define HOST_MS 1796176500000ll
#define EPOCH_MINUTE ((uint32_t)(TEST_EPOCH_MS / MINUTE))

static const struct mb_time_state kept_example = {
	.band_ms = TEST_EPOCH_MS + 2 * HOUR,
	.host_ms = HOST_MS,
	.rate = 0.25,
	.log_seq = 121,
	.rtc = { .offset_ms = -5 * HOUR, .tz = -20, .dst = 0x01 },
};

static void expect_same(const struct mb_time_state *a,
			const struct mb_time_state *b)
{
	assert_int_equal(a->band_ms, b->band_ms);
	assert_int_equal(a->host_ms, b->host_ms);
	assert_true(a->rate == b->rate);
	assert_int_equal(a->log_seq, b->log_seq);
	assert_int_equal(a->rtc.offset_ms, b->rtc.offset_ms);
	assert_int_equal(a->rtc.tz, b->rtc.tz);
	assert_int_equal(a->rtc.dst, b->rtc.dst);
}

/* ---- the state directory ------------------------------------------------- */

static void write_bytes(const char *name, const char *data, size_t len)
{
	char *path = mb_strdup_printf("%s/%s", tmp, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	free(path);
}

static void test_round_trip(void **state)
{
	char *text = mb_time_state_format(&kept_example), *err = NULL;
	struct mb_time_state back, loaded;
	char *warning = NULL, *path;

	assert_true(
		mb_time_state_parse(text, strlen(text), "t.ini", &back, &err));
	expect_same(&back, &kept_example);
	assert_true(state_time_save(tmp, &kept_example, &err));
	assert_true(state_time_load(tmp, &loaded, &warning));
	assert_null(warning);
	expect_same(&loaded, &kept_example);
	/* No file: nothing to go by, and nothing to complain about. */
	path = mb_strdup_printf("%s/%s", tmp, STATE_TIME_FILE);
	assert_int_equal(unlink(path), 0);
	assert_false(state_time_load(tmp, &loaded, &warning));
	assert_null(warning);
	free(path);
	free(text);
}

/* The good file with one line replaced (or removed, with ""). */
static char *with_line(const char *line, const char *replacement)
{
	char *text = mb_time_state_format(&kept_example), *out;
	char *at = strstr(text, line);
	char *end;

	assert_non_null(at);
	end = strchr(at, '\n') + 1;
	out = mb_strdup_printf("%.*s%s%s", (int)(at - text), text, replacement,
			       end);
	free(text);
	return out;
}

static void expect_refused(const char *line, const char *replacement,
			   const char *want)
{
	char *text = with_line(line, replacement), *path, *full;
	struct mb_time_state s;
	char *err = NULL, *warning = NULL;

	assert_false(
		mb_time_state_parse(text, strlen(text), "t.ini", &s, &err));
	if (strcmp(err, want))
		fail_msg("error:\n  got  '%s'\n  want '%s'", err, want);
	/* From the state directory, the same error names the file. */
	write_bytes("time.ini", text, strlen(text));
	path = mb_strdup_printf("%s/time.ini", tmp);
	full = mb_strdup_printf(
		"%s%s; band time from the options and the activity log", path,
		want + strlen("t.ini"));
	assert_false(state_time_load(tmp, &s, &warning));
	assert_string_equal(warning, full);
	free(full);
	free(path);
	free(warning);
	free(err);
	free(text);
}

static void test_bad_file(void **state)
{
	expect_refused(
		"band-ms", "band-ms = soon\n",
		"t.ini:3: [clock] band-ms: 'soon' is not a whole number from 0 to 9007199254740992");
	expect_refused(
		"band-ms", "band-ms = -1\n",
		"t.ini:3: [clock] band-ms: '-1' is not a whole number from 0 to 9007199254740992");
	expect_refused("host-ms", "", "t.ini:2: [clock] host-ms: missing");
	expect_refused(
		"rate", "rate = fast\n",
		"t.ini:5: [clock] rate: 'fast' is not a rate from 0 to 1000000");
	expect_refused(
		"rate", "rate = nan\n",
		"t.ini:5: [clock] rate: 'nan' is not a rate from 0 to 1000000");
	expect_refused(
		"tz", "tz = 57\n",
		"t.ini:8: [rtc] tz: '57' is not a whole number from -48 to 56");
	expect_refused(
		"dst", "dst = 256\n",
		"t.ini:9: [rtc] dst: '256' is not a whole number from 0 to 255");
	expect_refused(
		"seq", "seq = 4294967296\n",
		"t.ini:11: [log] seq: '4294967296' is not a whole number from 0 to 4294967295");
	expect_refused("dst", "dst = 1\ncolour = blue\n",
		       "t.ini:10: [rtc] colour: unknown key");
	expect_refused("[log]", "[logbook]\n",
		       "t.ini:10: [logbook]: unknown section");
	expect_refused(
		"[end]", "",
		"t.ini: no [end] line: cut short, or not a file bandsim wrote");
	expect_refused("[log]", "", "t.ini: no [log] section");
}

/* A write killed at every byte of the new file: time.ini keeps the old
 * time; the next write replaces it and leaves no temporary file. */
static void test_torn_write_keeps_old(void **state)
{
	struct mb_time_state old = kept_example, next = kept_example, got;
	char *text, *err = NULL, *warning = NULL;
	char *partial = mb_strdup_printf("%s/.time.ini.tmp", tmp);
	size_t len;

	next.band_ms += HOUR;
	next.rtc.tz = 4;
	text = mb_time_state_format(&next);
	len = strlen(text);
	assert_true(state_time_save(tmp, &old, &err));
	for (size_t k = 0; k <= len; k++) {
		state_store_kill_after(k);
		assert_false(state_time_save(tmp, &next, &err));
		state_store_kill_after(SIZE_MAX);
		free(err);
		err = NULL;
		assert_int_equal(access(partial, F_OK), 0);
		assert_true(state_time_load(tmp, &got, &warning));
		assert_null(warning);
		expect_same(&got, &old);
	}
	assert_true(state_time_save(tmp, &next, &err));
	assert_true(state_time_load(tmp, &got, &warning));
	expect_same(&got, &next);
	assert_int_not_equal(access(partial, F_OK), 0);
	free(partial);
	free(text);
}

/* time.ini itself cut short at any byte (a file system that lost the end
 * of it): refused, never read as another time, up to the [end] line. */
static void test_cut_file_is_refused(void **state)
{
	char *text = mb_time_state_format(&kept_example);
	size_t len = strlen(text), whole = len - strlen("[end]\n");
	struct mb_time_state got;

	for (size_t k = 0; k <= len; k++) {
		char *warning = NULL;
		bool ok;

		write_bytes("time.ini", text, k);
		ok = state_time_load(tmp, &got, &warning);
		/* "[end]" without its newline is the whole file. */
		if (k >= whole + strlen("[end]")) {
			assert_true(ok);
			expect_same(&got, &kept_example);
		} else {
			assert_false(ok);
			assert_non_null(warning);
		}
		free(warning);
	}
	free(text);
}

static void test_resume(void **state)
{
	struct mb_time_state s = kept_example;

	/* Frozen: wherever the host's clock is. */
	s.rate = 0;
	assert_int_equal(mb_time_state_resume(&s, HOST_MS + 5000), s.band_ms);
	/* Running: on by the host's clock at its rate, as a real RTC runs on
	 * through a crash. */
	s.rate = 60;
	assert_int_equal(mb_time_state_resume(&s, HOST_MS + 10000),
			 s.band_ms + 600000);
	/* The host's clock set back meanwhile: never earlier than written. */
	assert_int_equal(mb_time_state_resume(&s, HOST_MS - HOUR), s.band_ms);
}

/* ---- a band started again ------------------------------------------------ */

/* The flash the bands of a test share: what kill -9 leaves on disk. */
static uint8_t *flash;

static int band_setup(void **state)
{
	struct fixture *f;

	fixture_setup(state);
	f = *state;
	flash = malloc(mb_logstore_size(mb_band_store(f->band)));
	memset(flash, 0xff, mb_logstore_size(mb_band_store(f->band)));
	mb_logstore_attach(mb_band_store(f->band), flash, NULL);
	return 0;
}

static int band_teardown(void **state)
{
	struct fixture *f = *state;

	/* The band maps the flash: it goes first. */
	mb_band_free(f->band);
	f->band = NULL;
	free(flash);
	return fixture_teardown(state);
}

/* What time.ini holds now, frozen clock. */
static struct mb_time_state kept_now(struct fixture *f)
{
	struct mb_time_state s;

	mb_band_time_state(f->band, HOST_MS, 0, &s);
	return s;
}

/* The band killed and started again as the edge starts it
 * (app/bandtime.c): the clock where kept says band time is at host_ms,
 * the same flash, the RTC restored, band time past the last minute
 * logged since kept was written.  The killed band wrote nothing more. */
static void restart(struct fixture *f, const struct mb_time_state *kept,
		    int64_t host_ms)
{
	struct mb_time_state start = *kept;
	uint64_t floor;
	char *err = NULL;

	mb_band_free(f->band);
	start.band_ms = mb_time_state_resume(kept, host_ms);
	f->clock.now_ms = start.band_ms;
	f->band = mb_band_new(f->profile, &f->state, &f->clock.clock, &err);
	assert_non_null(f->band);
	mb_logstore_attach(mb_band_store(f->band), flash, NULL);
	floor = mb_band_restore_time(f->band, &start);
	if (floor > f->clock.now_ms)
		f->clock.now_ms = floor;
	mb_band_resume(f->band);
	fixture_connect(f);
	fixture_auth(f, test_key);
	f->n_out = f->next_out = 0;
}

/* The log holds n samples, one a minute from first, in order. */
static void expect_minutes(struct fixture *f, uint32_t first, unsigned int n)
{
	const struct mb_flashlog *log = mb_band_log(f->band);

	assert_int_equal(mb_flashlog_count(log), n);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(mb_flashlog_at(log, i).minute, first + i);
}

/* The sequence of issue 13: two hours ahead, kill -9, start again; the
 * next hour must follow the first two. */
static void test_kill_and_restart(void **state)
{
	struct fixture *f = *state;
	struct mb_time_state kept;

	fixture_advance(f, 2 * HOUR);
	kept = kept_now(f);
	/* Dead for five seconds of wall time; the clock is frozen. */
	restart(f, &kept, HOST_MS + 5000);
	assert_int_equal(mb_band_now_ms(f->band), TEST_EPOCH_MS + 2 * HOUR);
	fixture_advance(f, HOUR);
	expect_minutes(f, EPOCH_MINUTE, 180);
}

/* time.ini written before the band logged its last hours, or lost: the
 * last minute in the log is the floor under band time. */
static void test_log_is_the_floor(void **state)
{
	struct fixture *f = *state;
	struct mb_time_state stale = kept_now(f), lost = { 0 };

	fixture_advance(f, 2 * HOUR);
	restart(f, &stale, HOST_MS);
	assert_int_equal(mb_band_now_ms(f->band), TEST_EPOCH_MS + 2 * HOUR);
	/* Band life goes on from there: the two hours it moved over were
	 * not lived a second time. */
	assert_int_equal(mb_band_next_deadline(f->band),
			 TEST_EPOCH_MS + 2 * HOUR + MINUTE);
	fixture_advance(f, HOUR);
	expect_minutes(f, EPOCH_MINUTE, 180);
	/* No file: --clock-start (or the host's clock) back at the start;
	 * the log alone puts band time after its last minute. */
	lost.band_ms = TEST_EPOCH_MS;
	restart(f, &lost, HOST_MS);
	assert_int_equal(mb_band_now_ms(f->band), TEST_EPOCH_MS + 3 * HOUR);
	fixture_advance(f, HOUR);
	expect_minutes(f, EPOCH_MINUTE, 240);
}

static struct mb_time_state stored;
static bool fail_store;

static bool store_rtc(const struct mb_rtc_state *next, void *user_data,
		      char **err)
{
	if (fail_store) {
		*err = mb_strdup("disk full (test)");
		return false;
	}
	mb_band_time_state(user_data, HOST_MS, 0, &stored);
	stored.rtc = *next;
	return true;
}

/* protocol §6: 2026-01-31 23:04:05, DST byte 01, tz -20. */
#define TIME_WRITTEN \
	0xea, 0x07, 0x01, 0x1f, 0x17, 0x04, 0x05, 0x06, 0x00, 0x01, 0xec

static void test_rtc_survives_restart(void **state)
{
	/* Battery info bytes 11-18 (protocol §5): 2026-01-31 23:14:05,
	 * tz -20. */
	static const uint8_t boot[] = { 0xea, 0x07, 0x01, 0x1f,
					0x17, 0x0e, 0x05, 0xec };
	struct fixture *f = *state;
	const struct captured *c;

	fail_store = false;
	mb_rtc_set_store(mb_band_rtc(f->band), store_rtc, f->band);
	xfer(f, PDU(0x12, H_TIME, 0x00, TIME_WRITTEN), PDU(0x13));
	assert_int_equal(stored.rtc.tz, -20);
	fixture_advance(f, 10 * 60000);
	/* AdvanceClock writes time.ini (app/bandtime.c). */
	stored = kept_now(f);
	restart(f, &stored, HOST_MS);
	/* Ten minutes on, the time zone and the DST byte as written. */
	xfer(f, PDU(0x0a, H_TIME, 0x00),
	     PDU(0x0b, 0xea, 0x07, 0x01, 0x1f, 0x17, 0x0e, 0x05, 0x06, 0x00,
		 0x01, 0xec));
	/* The battery's B, the last unplug taken as boot time, is the
	 * restart in the band's restored local time and zone, not the
	 * clock before the RTC came back. */
	c = xfer_any(f, PDU(0x0a, H_BATTERY, 0x00));
	assert_int_equal(c->len, 1 + MB_BATTERY_INFO_LEN);
	assert_memory_equal(c->pdu + 1 + 11, boot, sizeof(boot));
}

static void test_rtc_store_fails(void **state)
{
	struct fixture *f = *state;

	fail_store = true;
	mb_rtc_set_store(mb_band_rtc(f->band), store_rtc, f->band);
	xfer(f, PDU(0x12, H_TIME, 0x00, TIME_WRITTEN),
	     PDU(0x01, 0x12, H_TIME, 0x00, 0x0e));
	xfer(f, PDU(0x0a, H_TIME, 0x00),
	     PDU(0x0b, 0xe8, 0x07, 0x05, 0x14, 0x0a, 0x1e, 0x00, 0x01, 0x00,
		 0x00, 0x00));
}

/* 2024-05-20 11:00:00, tz 0: half an hour back from 11:30. */
#define TIME_1100 \
	0xe8, 0x07, 0x05, 0x14, 0x0b, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00

static void set_back(struct fixture *f)
{
	fail_store = false;
	mb_rtc_set_store(mb_band_rtc(f->band), store_rtc, f->band);
	fixture_advance(f, HOUR);
	expect_minutes(f, EPOCH_MINUTE, 60);
	xfer(f, PDU(0x12, H_TIME, 0x00, TIME_1100), PDU(0x13));
}

static void test_set_back_waits(void **state)
{
	struct fixture *f = *state;
	const struct mb_flashlog *log;

	set_back(f);
	/* Killed right away: the band comes back at 11:00 as set, not at
	 * its last logged minute. */
	restart(f, &stored, HOST_MS);
	assert_int_equal(mb_rtc_local_ms(mb_band_rtc(f->band)),
			 (int64_t)(TEST_EPOCH_MS + HOUR / 2));
	/* 11:00 to 12:00: only the minutes past 11:29 are new. */
	fixture_advance(f, HOUR);
	log = mb_band_log(f->band);
	assert_int_equal(mb_flashlog_count(log), 90);
	expect_minutes(f, EPOCH_MINUTE, 90);
}

static void test_set_back_relogs(void **state)
{
	struct fixture *f = *state;
	const struct mb_flashlog *log;

	fixture_set_policy(f, "time-set-back", "relog");
	mb_logstore_attach(mb_band_store(f->band), flash, NULL);
	set_back(f);
	fixture_advance(f, HOUR);
	log = mb_band_log(f->band);
	assert_int_equal(mb_flashlog_count(log), 120);
	/* 10:30 .. 11:29, then 11:00 .. 11:59 again. */
	for (unsigned int i = 0; i < 60; i++) {
		assert_int_equal(mb_flashlog_at(log, i).minute,
				 EPOCH_MINUTE + i);
		assert_int_equal(mb_flashlog_at(log, 60 + i).minute,
				 EPOCH_MINUTE + 30 + i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE("MB4-UT/TIME/BV-04 time.ini round trip", test_round_trip,
		     tmp_setup, tmp_teardown),
		CASE("MB4-UT/TIME/BI-03 a bad time.ini names its line and field",
		     test_bad_file, tmp_setup, tmp_teardown),
		CASE("MB4-UT/TIME/BI-04 a write torn at every byte keeps the old time",
		     test_torn_write_keeps_old, tmp_setup, tmp_teardown),
		CASE("MB4-UT/TIME/BI-05 time.ini cut at every byte is refused",
		     test_cut_file_is_refused, tmp_setup, tmp_teardown),
		CASE("MB4-UT/TIME/BV-05 band time runs on by the host's clock",
		     test_resume, NULL, NULL),
		CASE("MB4-UT/TIME/BV-06 kill -9 and a restart keep band time",
		     test_kill_and_restart, band_setup, band_teardown),
		CASE("MB4-UT/TIME/BV-07 the last logged minute is the floor",
		     test_log_is_the_floor, band_setup, band_teardown),
		CASE("MB4-UT/TIME/BV-08 the RTC, tz and DST byte survive a restart",
		     test_rtc_survives_restart, band_setup, band_teardown),
		CASE("MB4-UT/TIME/BI-06 an RTC write that cannot be stored is refused",
		     test_rtc_store_fails, band_setup, band_teardown),
		CASE("MB4-UT/TIME/BV-09 set back: the band waits past its last minute",
		     test_set_back_waits, band_setup, band_teardown),
		CASE("MB4-UT/TIME/BV-10 set back: relog logs the minutes again",
		     test_set_back_relogs, band_setup, band_teardown),
	};

	return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
