// SPDX-License-Identifier: GPL-2.0-or-later
#include "schedule.h"

#include <stdbool.h>
#include <stdlib.h>

#include "util.h"

/* The band's parts with deadlines; a fixed few. */
#define MAX_TIMERS 8

struct entry {
	const struct mb_timer *timer;
	void *part;
};

struct mb_sched {
	struct entry timers[MAX_TIMERS];
	size_t n;
};

struct mb_sched *mb_sched_new(void)
{
	return mb_malloc0(sizeof(struct mb_sched));
}

void mb_sched_free(struct mb_sched *sched)
{
	free(sched);
}

void mb_sched_add(struct mb_sched *sched, const struct mb_timer *timer,
		  void *part)
{
	/* The band adds its parts once, at creation: more is a bug. */
	if (sched->n == MAX_TIMERS)
		abort();
	sched->timers[sched->n++] = (struct entry){ timer, part };
}

static const struct entry *earliest(const struct mb_sched *sched, uint64_t *at)
{
	const struct entry *first = NULL;

	*at = UINT64_MAX;
	for (size_t i = 0; i < sched->n; i++) {
		uint64_t d =
			sched->timers[i].timer->deadline(sched->timers[i].part);

		if (d < *at) {
			*at = d;
			first = &sched->timers[i];
		}
	}
	return first;
}

void mb_sched_run(struct mb_sched *sched, uint64_t now)
{
	const struct entry *e;
	uint64_t at;

	while ((e = earliest(sched, &at)) && at <= now)
		e->timer->run(e->part, at);
}

uint64_t mb_sched_deadline(const struct mb_sched *sched)
{
	uint64_t at;

	earliest(sched, &at);
	return at;
}
