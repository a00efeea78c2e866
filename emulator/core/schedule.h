/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

/* Band life on the band clock: the parts' deadlines (a confirm window, a
 * boot, a low-battery drop, the next minute), run in time order.  Ties go
 * to the timer added first. */
struct mb_sched;

struct mb_timer {
	/* Band ms when the part wants to run, UINT64_MAX for never. */
	uint64_t (*deadline)(const void *part);
	/* The deadline was reached; at is that deadline. */
	void (*run)(void *part, uint64_t at);
};

/* Defines const struct mb_timer name over a part's own deadline(const
 * part *) and run(part *, uint64_t at): the schedule calls through
 * void *, the part keeps its typed API. */
#define MB_TIMER(name, deadline_fn, run_fn)               \
	static uint64_t name##_deadline(const void *part) \
	{                                                 \
		return deadline_fn(part);                 \
	}                                                 \
	static void name##_run(void *part, uint64_t at)   \
	{                                                 \
		run_fn(part, at);                         \
	}                                                 \
	const struct mb_timer name = { name##_deadline, name##_run }

struct mb_sched *mb_sched_new(void);
void mb_sched_free(struct mb_sched *sched);
void mb_sched_add(struct mb_sched *sched, const struct mb_timer *timer,
		  void *part);

/* Runs every deadline due by now, one at a time, earliest first: what a
 * run does may move the others. */
void mb_sched_run(struct mb_sched *sched, uint64_t now);
uint64_t mb_sched_deadline(const struct mb_sched *sched);
