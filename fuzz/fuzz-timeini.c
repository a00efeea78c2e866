// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: time.ini as the state directory may hold it after a
 * crash, an editor or a disk error (core/timestate.c; state/timefile.c
 * reads the file and hands its text here).  It is read, or refused with a
 * message naming the file; what is read is written back and read again
 * unchanged, and band time resumed from it never runs backwards. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-expect.h"
#include "timestate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct mb_time_state *a, const struct mb_time_state *b)
{
	return a->band_ms == b->band_ms && a->host_ms == b->host_ms &&
	       a->rate == b->rate && a->log_seq == b->log_seq &&
	       a->rtc.offset_ms == b->rtc.offset_ms && a->rtc.tz == b->rtc.tz &&
	       a->rtc.dst == b->rtc.dst;
}

/* Host clocks around the one written: set back, the same, run on (a
 * second, a day, ten years), and the ends of the range. */
static const int64_t host_steps[] = {
	INT64_MIN / 2, -86400000, -1, 0, 1000, 86400000, 315576000000,
};

static int64_t add_saturated(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mb_time_state s, back;
	char *err = NULL, *text, *again;
	uint64_t last = 0;

	if (!mb_time_state_parse((const char *)data, size, "time.ini", &s,
				 &err)) {
		fuzz_expect(err && !strncmp(err, "time.ini:", 9),
			    "a refused time.ini is named in the error");
		free(err);
		return 0;
	}
	fuzz_expect(!err, "a time.ini read has no error");
	fuzz_expect(isfinite(s.rate) && s.rate >= 0, "the rate is a rate");
	text = mb_time_state_format(&s);
	fuzz_expect(mb_time_state_parse(text, strlen(text), "time.ini", &back,
					&err),
		    "time.ini as written reads back");
	fuzz_expect(same(&s, &back), "time.ini reads back as written");
	again = mb_time_state_format(&back);
	fuzz_expect(!strcmp(text, again), "time.ini is written the same");
	for (size_t i = 0; i < sizeof(host_steps) / sizeof(host_steps[0]);
	     i++) {
		int64_t host = add_saturated(s.host_ms, host_steps[i]);
		uint64_t t = mb_time_state_resume(&s, host);

		fuzz_expect(t >= s.band_ms,
			    "band time resumes no earlier than written");
		fuzz_expect(t >= last, "band time never runs backwards");
		last = t;
	}
	free(again);
	free(text);
	return 0;
}
