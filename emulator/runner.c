// SPDX-License-Identifier: GPL-2.0-or-later
#include "runner.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

struct runner {
	struct mb_band *band;
	struct bandsim_clock *clock;
	int status_fd;
	char *tag;
	guint timer_id;
};

static void on_timer(gpointer user_data)
{
	struct runner *r = user_data;

	r->timer_id = 0;
	runner_kick(r);
}

void runner_kick(struct runner *r)
{
	unsigned int delay;

	mb_band_run(r->band);
	g_clear_handle_id(&r->timer_id, g_source_remove);
	/* A frozen clock reaches no deadline by itself. */
	if (bandsim_clock_wall_delay_ms(r->clock,
					mb_band_next_deadline(r->band), &delay))
		r->timer_id = g_timeout_add_once(delay, on_timer, r);
}

bool status_write_line(int fd, const char *line)
{
	size_t len = strlen(line), off = 0;

	while (off < len) {
		ssize_t n = write(fd, line + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	return true;
}

void runner_status(struct runner *r, const char *what)
{
	char *line;

	if (r->status_fd < 0)
		return;
	line = r->tag ? g_strdup_printf("%s %s\n", r->tag, what)
		      : g_strdup_printf("%s\n", what);
	if (!status_write_line(r->status_fd, line)) {
		/* The reader went away; status is best effort. */
		if (!r->tag)
			close(r->status_fd);
		r->status_fd = -1;
	}
	g_free(line);
}

struct runner *runner_new(struct mb_band *band, struct bandsim_clock *clock,
			  int status_fd, const char *tag)
{
	struct runner *r = g_new0(struct runner, 1);

	r->tag = g_strdup(tag);
	r->band = band;
	r->clock = clock;
	r->status_fd = status_fd;
	runner_kick(r);
	return r;
}

void runner_free(struct runner *r)
{
	if (!r)
		return;
	g_clear_handle_id(&r->timer_id, g_source_remove);
	if (r->status_fd >= 0 && !r->tag)
		close(r->status_fd);
	g_free(r->tag);
	g_free(r);
}
