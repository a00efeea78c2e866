/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/clock.h"

/* Band time: band_ms = start + rate * wall elapsed (monotonic) + advanced.
 * Rate 0 freezes it: only bandsim_clock_advance() moves it (tests).  It
 * never goes back. */
struct bandsim_clock {
	struct mb_clock clock;
	uint64_t start_band_ms;
	int64_t start_mono_us;
	double rate;
	uint64_t advanced_ms;
};

void bandsim_clock_init(struct bandsim_clock *c, uint64_t start_band_ms,
			double rate);
uint64_t bandsim_clock_now(const struct bandsim_clock *c);
void bandsim_clock_advance(struct bandsim_clock *c, uint64_t ms);
/* From now on band time runs k times wall time; no jump either way. */
void bandsim_clock_set_rate(struct bandsim_clock *c, double rate);
/* Wall milliseconds until band time reaches deadline (0 if passed);
 * false if it never will by itself (rate 0). */
bool bandsim_clock_wall_delay_ms(const struct bandsim_clock *c,
				 uint64_t deadline, unsigned int *delay);
