/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "clock.h"
#include "core/band.h"

/* Runs band life on the GLib main loop: one timer for the band's next
 * deadline, re-armed whenever something may have moved it.  Also writes
 * the machine-readable status lines of --ready-fd. */
struct runner;

/* status_fd is the runner's to close, unless tag is given: then it is a
 * fleet's, shared by its bands, and each line starts with the tag
 * ("band/3 CONNECTED=1"). */
struct runner *runner_new(struct mb_band *band, struct bandsim_clock *clock,
			  int status_fd, const char *tag);
void runner_free(struct runner *r);

/* Something happened (a PDU, a control call): run what is due, re-arm. */
void runner_kick(struct runner *r);
/* Writes "WHAT\n" to the status fd, if any. */
void runner_status(struct runner *r, const char *what);
/* All of line to fd (EINTR retried); false when the reader is gone. */
bool status_write_line(int fd, const char *line);
