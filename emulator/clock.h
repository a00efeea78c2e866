/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

#include "core/clock.h"

/* Band time from the wall clock: band_ms = start + rate * elapsed, where
 * elapsed is monotonic, so band time never jumps back. */
struct bandsim_clock {
	struct mb_clock clock;
	uint64_t start_band_ms;
	int64_t start_mono_us;
	double rate;
};

void bandsim_clock_init(struct bandsim_clock *c, uint64_t start_band_ms,
			double rate);
/* Wall milliseconds until band time reaches deadline (0 if passed). */
unsigned int bandsim_clock_wall_delay_ms(const struct bandsim_clock *c,
					 uint64_t deadline);
