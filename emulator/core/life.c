// SPDX-License-Identifier: GPL-2.0-or-later
#include "life.h"

#include <stdbool.h>

#include "prng.h"

#define MINUTES_PER_DAY 1440

/* One splitmix64 step from x: a good 64-bit mix, so that hash(seed,
 * day, minute) gives independent-looking numbers without any state. */
static uint64_t mix(uint64_t x)
{
	return mb_splitmix64(&x);
}

static uint64_t hash3(uint64_t seed, uint64_t a, uint64_t b)
{
	return mix(mix(mix(seed) ^ a) ^ (b * 0x100000001b3ull));
}

/* A number in [lo, hi] from hash h. */
static unsigned int pick(uint64_t h, unsigned int lo, unsigned int hi)
{
	return lo + (unsigned int)(h % (hi - lo + 1));
}

/* What a day looks like, drawn once per day. */
struct day_plan {
	unsigned int wake;   /* minute of day */
	unsigned int sleep;  /* minute of day the night starts */
	unsigned int shower; /* not worn, 15 min, after waking */
	bool workout;
	unsigned int workout_start;
	bool charging;
	unsigned int charge_start; /* 60 min on the charger */
};

static void plan_day(uint64_t seed, uint32_t day, struct day_plan *p)
{
	uint64_t h = hash3(seed, day, 0xd1);

	p->wake = pick(h, 390, 450);	     /* 06:30-07:30 */
	p->sleep = pick(h >> 8, 1350, 1410); /* 22:30-23:30 */
	p->shower = p->wake + pick(h >> 16, 20, 40);
	p->workout = (h >> 24) % 7 < 4;		      /* four days a week */
	p->workout_start = pick(h >> 32, 1050, 1140); /* 17:30-19:00 */
	p->charging = (h >> 40) % 4 == 0;	      /* every few days */
	p->charge_start = pick(h >> 48, 1230, 1290);  /* 20:30-21:30 */
}

static void put(uint8_t out[MB_SAMPLE_LEN], enum mb_life_kind kind,
		unsigned int intensity, unsigned int steps, unsigned int hr)
{
	out[0] = (uint8_t)kind;
	out[1] = (uint8_t)intensity;
	out[2] = (uint8_t)steps;
	out[3] = (uint8_t)hr;
}

/* Sleep in 90-minute cycles: light, deep, light; deep sleep shrinks in
 * the later cycles, as it does. */
static void sleep_minute(uint64_t h, unsigned int since, uint8_t out[4])
{
	unsigned int cycle = since / 90, pos = since % 90;
	unsigned int deep = cycle < 4 ? 35 - cycle * 7 : 7;
	bool is_deep = pos >= 20 && pos < 20 + deep;

	if (is_deep)
		put(out, MB_LIFE_KIND_DEEP_SLEEP, pick(h, 0, 4), 0,
		    pick(h >> 8, 45, 52));
	else
		put(out, MB_LIFE_KIND_LIGHT_SLEEP, pick(h, 2, 18), 0,
		    pick(h >> 8, 50, 60));
}

static void workout_minute(uint64_t h, unsigned int pos, uint8_t out[4])
{
	/* Warm up, run, cool down: heart rate 120 -> 170 -> 125. */
	unsigned int hr = pos < 5     ? 120 + pos * 6
			  : pos >= 40 ? 150 - (pos - 40) * 5
				      : pick(h, 150, 170);

	put(out, MB_LIFE_KIND_RUNNING, pick(h >> 8, 150, 230),
	    pick(h >> 16, 150, 175), hr);
}

static void day_minute(uint64_t seed, uint32_t minute, uint64_t h,
		       uint8_t out[4])
{
	/* Walking comes in bursts: a quarter hour is a walk with some
	 * probability, and then its first 5-15 minutes are walking. */
	uint32_t block = minute / 15;
	uint64_t bh = hash3(seed, block, 0xb1);
	unsigned int in_block = minute % 15;

	if (bh % 100 < 12 && in_block < pick(bh >> 8, 5, 15)) {
		put(out, MB_LIFE_KIND_ACTIVITY, pick(h, 60, 120),
		    pick(h >> 8, 80, 120), pick(h >> 16, 85, 110));
		return;
	}
	put(out, MB_LIFE_KIND_SEDENTARY, pick(h, 5, 30),
	    h >> 24 & 1 ? pick(h >> 8, 0, 10) : 0, pick(h >> 16, 60, 80));
}

void mb_life_sample(uint64_t seed, uint32_t minute, uint8_t out[MB_SAMPLE_LEN])
{
	uint32_t day = minute / MINUTES_PER_DAY;
	unsigned int t = minute % MINUTES_PER_DAY;
	uint64_t h = hash3(seed, minute, 0x5a);
	struct day_plan p;

	plan_day(seed, day, &p);
	if (t < p.wake) {
		struct day_plan prev;

		/* The night started yesterday evening. */
		plan_day(seed, day - 1, &prev);
		sleep_minute(h, MINUTES_PER_DAY - prev.sleep + t, out);
	} else if (t >= p.sleep) {
		sleep_minute(h, t - p.sleep, out);
	} else if (t >= p.shower && t < p.shower + 15) {
		put(out, MB_LIFE_KIND_NOT_WORN, 0, 0, MB_HR_NONE);
	} else if (p.workout && t >= p.workout_start &&
		   t < p.workout_start + 45) {
		workout_minute(h, t - p.workout_start, out);
	} else if (p.charging && t >= p.charge_start &&
		   t < p.charge_start + 60) {
		put(out, MB_LIFE_KIND_CHARGING, 0, 0, MB_HR_NONE);
	} else {
		day_minute(seed, minute, h, out);
	}
}

uint8_t mb_life_bpm(uint64_t seed, int64_t local_ms)
{
	uint64_t second = local_ms > 0 ? (uint64_t)local_ms / 1000 : 0;
	uint8_t sample[MB_SAMPLE_LEN];

	mb_life_sample(seed, (uint32_t)(second / 60), sample);
	if (sample[3] == MB_HR_NONE)
		return MB_HR_NONE;
	/* A reading is never exactly the minute's average. */
	return (uint8_t)(sample[3] + pick(hash3(seed, second, 0xb7), 0, 4) - 2);
}
