// SPDX-License-Identifier: GPL-2.0-or-later
/* bench-core: the band model alone, in process, no transport, no D-Bus.
 *   life:  simulate 30 band days (43200 minutes logged to flash)
 *   fetch: serve a 14-day log (20160 samples) at MTU 247: 01, 02, every
 *          notification built and handed to a send function, 03
 * Prints the median, min and max of R runs of each. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "band.h"
#include "band-fixture.h"
#include "crypto.h"
#include "flashlog.h"
#include "state/inputs.h"

struct fake_clock {
	struct mb_clock clock;
	uint64_t now;
};

static uint64_t fake_now(void *user_data)
{
	return ((struct fake_clock *)user_data)->now;
}

static size_t bytes_out, pdus_out;

static void count_send(const uint8_t *pdu, size_t len, void *user_data)
{
	bytes_out += len;
	pdus_out++;
}

static const struct mb_link_ops ops = { .send = count_send };

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* The process's CPU time: what bench/bench_ratio.py compares with the
 * emulator's own, which a busy machine does not stretch as it does the
 * wall time. */
static double cpu_s(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

/* A run that did not do its work has no time worth reporting. */
static void check(bool ok, const char *what, size_t samples)
{
	if (ok)
		return;
	fprintf(stderr, "bench-core: %s %zu samples\n", what, samples);
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct mb_band *new_band(const struct mb_profile *p,
				struct fake_clock *c)
{
	static const struct mb_band_state st = {
		.address = { FIXTURE_ADDRESS },
		.serial = FIXTURE_SERIAL,
		.bound = true,
		.key = { FIXTURE_KEY },
	};
	char *err = NULL;
	struct mb_band *b;

	c->clock.now_ms = fake_now;
	c->clock.user_data = c;
	c->now = 1716163200000ull; /* 2024-05-20 00:00 */
	b = mb_band_new(p, &st, &c->clock, &err);
	if (!b) {
		fprintf(stderr, "bench-core: %s\n", err);
		exit(1);
	}
	return b;
}

static void pdu(struct mb_band *b, const char *hex)
{
	uint8_t buf[64];
	size_t n = 0;
	unsigned int v;

	while (sscanf(hex, "%2x", &v) == 1) {
		buf[n++] = (uint8_t)v;
		hex += 2;
		while (*hex == ' ')
			hex++;
	}
	mb_link_receive(mb_band_link(b), buf, n);
}

/* Auth with a fixed challenge, subscribe, MTU 247: what a client does
 * before a sync.  The answer is AES-128-ECB(key, 0^16). */
static void prepare_link(struct mb_band *b)
{
	pdu(b, "02 f7 00");
	pdu(b, "12 69 00 01 00");
	pdu(b, "52 68 00 02 00");
	pdu(b,
	    "52 68 00 03 00 fd e4 fb ae 4a 09 e0 20 ef f7 22 96 9f 83 83 2b");
	pdu(b, "12 3f 00 01 00");
	pdu(b, "12 42 00 01 00");
}

static bool zero_random(uint8_t *buf, size_t len, void *user_data)
{
	memset(buf, 0, len);
	return true;
}

static void report(const char *what, double *t, int n, double units,
		   const char *unit)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%-6s median %8.3f ms  min %8.3f ms  max %8.3f ms  (%.0f %s/s at the median)\n",
	       what, t[n / 2] * 1e3, t[0] * 1e3, t[n - 1] * 1e3,
	       units / t[n / 2], unit);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : BANDSIM_BENCH_PROFILE;
	int runs = argc > 2 ? atoi(argv[2]) : 21;
	char *err = NULL;
	struct mb_profile *p = state_profile_load(path, &err);
	double *t = calloc((size_t)runs, sizeof(*t));
	double *cpu = calloc((size_t)runs, sizeof(*cpu));

	if (!p || runs < 1) {
		fprintf(stderr, "bench-core: %s\n",
			err ? err : "runs must be >= 1");
		return 1;
	}
	mb_crypto_set_random_source(zero_random, NULL);
	printf("bench-core: %d runs each, profile %s\n", runs, path);

	for (int r = 0; r < runs; r++) {
		struct fake_clock c;
		struct mb_band *b = new_band(p, &c);
		double t0 = now_s(), c0 = cpu_s();

		c.now += 30ull * 86400 * 1000;
		mb_band_run(b);
		t[r] = now_s() - t0;
		cpu[r] = cpu_s() - c0;
		check(mb_flashlog_count(mb_band_log(b)) >= 14 * 1440,
		      "the log holds only", mb_flashlog_count(mb_band_log(b)));
		mb_band_free(b);
	}
	report("life", t, runs, 30 * 1440, "band minutes");
	report("life-cpu", cpu, runs, 30 * 1440, "band minutes");

	for (int r = 0; r < runs; r++) {
		struct fake_clock c;
		struct mb_band *b = new_band(p, &c);
		double t0;

		c.now += 14ull * 86400 * 1000;
		mb_band_run(b);
		mb_band_connect(b, &ops, NULL);
		prepare_link(b);
		bytes_out = pdus_out = 0;
		t0 = now_s();
		pdu(b, "52 3e 00 01 01 e8 07 05 14 00 00 00 00");
		pdu(b, "52 3e 00 02");
		while (mb_band_next_deadline(b) <= c.now)
			mb_band_run(b);
		pdu(b, "52 3e 00 03");
		t[r] = now_s() - t0;
		check(mb_flashlog_stored(mb_band_log(b)) == 0, "the sync left",
		      mb_flashlog_stored(mb_band_log(b)));
		mb_band_free(b);
	}
	report("fetch", t, runs, 14 * 1440, "samples");
	printf("fetch: %zu PDUs, %zu bytes per run\n", pdus_out, bytes_out);
	free(t);
	free(cpu);
	mb_profile_free(p);
	return 0;
}
