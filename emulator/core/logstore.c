// SPDX-License-Identifier: GPL-2.0-or-later
/* The flash chip and the log on it (logstore.h). */
#include "logstore.h"

#include <stdlib.h>

#include "util.h"

struct mb_logstore {
	size_t size;
	const struct mb_identity *identity;
	mb_logstore_open_fn open;
	void *open_data;
	struct mb_flash flash;
	struct mb_flashlog *log;
};

static void open_log(struct mb_logstore *s, unsigned int *torn)
{
	mb_flashlog_free(s->log);
	s->log = mb_flashlog_open(&s->flash, torn);
	/* A factory reset that stored its new owner and died before it
	 * erased the old owner's log (mb_reset_run()). */
	if (mb_flashlog_reset_unfinished(
		    s->log, mb_identity_state(s->identity)->address))
		mb_flashlog_clear(s->log);
	s->open(s->log, s->open_data);
}

struct mb_logstore *mb_logstore_new(size_t size,
				    const struct mb_identity *identity,
				    mb_logstore_open_fn fn, void *user_data)
{
	struct mb_logstore *s = mb_malloc0(sizeof(*s));

	s->size = size;
	s->identity = identity;
	s->open = fn;
	s->open_data = user_data;
	mb_flash_init_sparse(&s->flash, size);
	open_log(s, NULL);
	return s;
}

void mb_logstore_free(struct mb_logstore *s)
{
	if (!s)
		return;
	mb_flashlog_free(s->log);
	mb_flash_release(&s->flash);
	free(s);
}

size_t mb_logstore_size(const struct mb_logstore *s)
{
	return s->size;
}

struct mb_flashlog *mb_logstore_log(const struct mb_logstore *s)
{
	return s->log;
}

void mb_logstore_attach(struct mb_logstore *s, uint8_t *mem, unsigned int *torn)
{
	mb_flash_release(&s->flash);
	mb_flash_init(&s->flash, mem, s->size);
	open_log(s, torn);
}

void mb_logstore_attach_with(struct mb_logstore *s, mb_flash_sector_fn fn,
			     void *user_data, unsigned int *torn)
{
	mb_flash_release(&s->flash);
	mb_flash_init_with(&s->flash, s->size, fn, user_data);
	open_log(s, torn);
}
