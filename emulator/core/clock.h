/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

/* The band's only source of time (docs/architecture.md rule 1).  now_ms is band
 * time in milliseconds since the Unix epoch: the real clock scales wall
 * time, tests and AdvanceClock move a virtual one.  It never goes back. */
struct mb_clock {
	uint64_t (*now_ms)(void *user_data);
	void *user_data;
};
