// SPDX-License-Identifier: GPL-2.0-or-later
/* The flash chip and the logs on it (logstore.h). */
#include "logstore.h"

#include <stdlib.h>

#include "util.h"

struct mb_logstore {
	size_t log_size, workout_size;
	const struct mb_identity *identity;
	mb_logstore_open_fn open;
	void *open_data;
	struct mb_flash flash;
	/* The chip's two regions: the activity log first, so that a chip
	 * written before workouts existed keeps its log (state/flashfile.c
	 * grows it by the workouts' region). */
	struct mb_flash log_region, workout_region;
	struct mb_flashlog *log;
	struct mb_workoutlog *workouts;
};

static void open_logs(struct mb_logstore *s, unsigned int *torn)
{
	unsigned int torn_log = 0, torn_workouts = 0;

	mb_flash_init_region(&s->log_region, &s->flash, 0,
			     s->log_size / MB_FLASH_SECTOR_SIZE);
	mb_flash_init_region(&s->workout_region, &s->flash,
			     s->log_size / MB_FLASH_SECTOR_SIZE,
			     s->workout_size / MB_FLASH_SECTOR_SIZE);
	mb_flashlog_free(s->log);
	mb_workoutlog_free(s->workouts);
	s->log = mb_flashlog_open(&s->log_region, &torn_log);
	s->workouts = mb_workoutlog_open(&s->workout_region, &torn_workouts);
	/* A factory reset that stored its new owner and died before it
	 * erased the old owner's logs (mb_reset_run()). */
	if (mb_flashlog_reset_unfinished(
		    s->log, mb_identity_state(s->identity)->address)) {
		mb_workoutlog_clear(s->workouts);
		mb_flashlog_clear(s->log);
	}
	if (torn)
		*torn = torn_log + torn_workouts;
	s->open(s->log, s->workouts, s->open_data);
}

struct mb_logstore *mb_logstore_new(size_t log_size, size_t workout_size,
				    const struct mb_identity *identity,
				    mb_logstore_open_fn fn, void *user_data)
{
	struct mb_logstore *s = mb_malloc0(sizeof(*s));

	s->log_size = log_size;
	s->workout_size = workout_size;
	s->identity = identity;
	s->open = fn;
	s->open_data = user_data;
	mb_flash_init_sparse(&s->flash, log_size + workout_size);
	open_logs(s, NULL);
	return s;
}

void mb_logstore_free(struct mb_logstore *s)
{
	if (!s)
		return;
	mb_flashlog_free(s->log);
	mb_workoutlog_free(s->workouts);
	mb_flash_release(&s->flash);
	free(s);
}

size_t mb_logstore_size(const struct mb_logstore *s)
{
	return s->log_size + s->workout_size;
}

size_t mb_logstore_log_size(const struct mb_logstore *s)
{
	return s->log_size;
}

struct mb_flashlog *mb_logstore_log(const struct mb_logstore *s)
{
	return s->log;
}

struct mb_workoutlog *mb_logstore_workouts(const struct mb_logstore *s)
{
	return s->workouts;
}

void mb_logstore_attach(struct mb_logstore *s, uint8_t *mem, unsigned int *torn)
{
	mb_flash_release(&s->flash);
	mb_flash_init(&s->flash, mem, mb_logstore_size(s));
	open_logs(s, torn);
}

void mb_logstore_attach_with(struct mb_logstore *s, mb_flash_sector_fn fn,
			     void *user_data, unsigned int *torn)
{
	mb_flash_release(&s->flash);
	mb_flash_init_with(&s->flash, mb_logstore_size(s), fn, user_data);
	open_logs(s, torn);
}
