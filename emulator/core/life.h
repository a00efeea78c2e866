/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

/* The person wearing the band (docs/sync.md "Band life").  A minute's
 * sample depends only on the seed and the minute, so any minute can be
 * computed on its own, in any order, with the same result. */

/* protocol §4.2 kinds (after & 0x0f). */
enum mb_life_kind {
	MB_LIFE_KIND_SEDENTARY = 0x00,
	MB_LIFE_KIND_ACTIVITY = 0x01,
	MB_LIFE_KIND_RUNNING = 0x02,
	MB_LIFE_KIND_NOT_WORN = 0x03,
	MB_LIFE_KIND_CHARGING = 0x06,
	MB_LIFE_KIND_LIGHT_SLEEP = 0x09,
	MB_LIFE_KIND_DEEP_SLEEP = 0x0b,
};

#define MB_SAMPLE_LEN 4
#define MB_HR_NONE 0xff

/* minute: band local minutes since the epoch.  out: kind, intensity,
 * steps, heart rate. */
void mb_life_sample(uint64_t seed, uint32_t minute, uint8_t out[MB_SAMPLE_LEN]);

/* The wearer's heart rate at band local time local_ms (ms since the
 * epoch) as the sensor reads it: the minute's rate, give or take 2 bpm
 * from one second to the next; MB_HR_NONE while the band is off the
 * wrist (not worn, charging).  Whether a minute's rate is logged is not
 * the wearer's business: the heart-rate part decides (hr.c). */
uint8_t mb_life_bpm(uint64_t seed, int64_t local_ms);
