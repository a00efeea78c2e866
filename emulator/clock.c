// SPDX-License-Identifier: GPL-2.0-or-later
#include "clock.h"

#include <glib.h>

static uint64_t real_now_ms(void *user_data)
{
	const struct bandsim_clock *c = user_data;
	int64_t elapsed = g_get_monotonic_time() - c->start_mono_us;

	return c->start_band_ms + (uint64_t)((double)elapsed / 1000.0 * c->rate);
}

void bandsim_clock_init(struct bandsim_clock *c, uint64_t start_band_ms,
			double rate)
{
	c->clock.now_ms = real_now_ms;
	c->clock.user_data = c;
	c->start_band_ms = start_band_ms;
	c->start_mono_us = g_get_monotonic_time();
	c->rate = rate > 0 ? rate : 1.0;
}

unsigned int bandsim_clock_wall_delay_ms(const struct bandsim_clock *c,
					 uint64_t deadline)
{
	uint64_t now = real_now_ms((void *)c);
	double wall;

	if (deadline <= now)
		return 0;
	wall = (double)(deadline - now) / c->rate;
	return wall > 86400000.0 ? 86400000u : (unsigned int)(wall + 0.999);
}
