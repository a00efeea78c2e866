// SPDX-License-Identifier: GPL-2.0-or-later
#include "clock.h"

#include <glib.h>

uint64_t bandsim_clock_now(const struct bandsim_clock *c)
{
	int64_t elapsed;

	/* Frozen (the suite's clock): the core asks for the time at every
	 * step of its minute tick, and a clock read is a system call here. */
	if (c->rate == 0)
		return c->start_band_ms + c->advanced_ms;
	elapsed = g_get_monotonic_time() - c->start_mono_us;

	return c->start_band_ms + c->advanced_ms +
	       (uint64_t)((double)elapsed / 1000.0 * c->rate);
}

static uint64_t clock_now_ms(void *user_data)
{
	return bandsim_clock_now(user_data);
}

void bandsim_clock_init(struct bandsim_clock *c, uint64_t start_band_ms,
			double rate)
{
	c->clock.now_ms = clock_now_ms;
	c->clock.user_data = c;
	c->start_band_ms = start_band_ms;
	c->start_mono_us = g_get_monotonic_time();
	c->rate = rate >= 0 ? rate : 1.0;
	c->advanced_ms = 0;
}

void bandsim_clock_advance(struct bandsim_clock *c, uint64_t ms)
{
	c->advanced_ms += ms;
}

bool bandsim_clock_wall_delay_ms(const struct bandsim_clock *c,
				 uint64_t deadline, unsigned int *delay)
{
	uint64_t now = bandsim_clock_now(c);
	double wall;

	if (deadline <= now) {
		*delay = 0;
		return true;
	}
	if (c->rate == 0)
		return false;
	wall = (double)(deadline - now) / c->rate;
	*delay = wall > 86400000.0 ? 86400000u : (unsigned int)(wall + 0.999);
	return true;
}

void bandsim_clock_set_rate(struct bandsim_clock *c, double rate)
{
	uint64_t now = bandsim_clock_now(c);

	c->start_band_ms = now;
	c->advanced_ms = 0;
	c->start_mono_us = g_get_monotonic_time();
	c->rate = rate;
}
