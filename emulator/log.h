/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* Messages go to stderr as "bandsim: LEVEL: text"; debug lines (every PDU
 * with -d) only when the level asks for them. */
void bandsim_log_init(GLogLevelFlags max_level);
/* Whether a message at level would be printed. */
bool bandsim_log_wants(GLogLevelFlags level);
/* A core debug callback (mb_debug_func_t) that logs at debug level. */
void bandsim_log_core(const char *line, void *user_data);
