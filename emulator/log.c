// SPDX-License-Identifier: GPL-2.0-or-later
#include "log.h"

#include <stdio.h>

static GLogLevelFlags log_max = G_LOG_LEVEL_MESSAGE;

static const char *level_name(GLogLevelFlags level)
{
	switch (level & G_LOG_LEVEL_MASK) {
	case G_LOG_LEVEL_ERROR:
		return "error";
	case G_LOG_LEVEL_CRITICAL:
		return "critical";
	case G_LOG_LEVEL_WARNING:
		return "warning";
	case G_LOG_LEVEL_MESSAGE:
		return "info";
	case G_LOG_LEVEL_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void log_handler(const gchar *domain, GLogLevelFlags level,
			const gchar *message, gpointer user_data)
{
	GLogLevelFlags l = level & G_LOG_LEVEL_MASK;

	/* GLib's levels grow numerically as they get less severe. */
	if (l > log_max)
		return;
	fprintf(stderr, "bandsim: %s: %s\n", level_name(level), message);
}

void bandsim_log_init(GLogLevelFlags max_level)
{
	log_max = max_level;
	g_log_set_default_handler(log_handler, NULL);
}

bool bandsim_log_wants(GLogLevelFlags level)
{
	return (level & G_LOG_LEVEL_MASK) <= log_max;
}

void bandsim_log_core(const char *line, void *user_data)
{
	g_debug("%s", line);
}
