/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "core/timestate.h"

/* STATE_DIR/time.ini: where band time is and how it runs on, and the RTC
 * the phone set (core/timestate.h has the text), replaced atomically. */
#define STATE_TIME_FILE "time.ini"

/* Loads DIR/time.ini into *s: false when there is none to go by.  A file
 * that cannot be read or parsed is named in *warning ("path:line:
 * [section] key: problem"); the band then starts from the options and
 * its activity log, and the next write replaces the file. */
bool state_time_load(const char *dir, struct mb_time_state *s, char **warning);
bool state_time_save(const char *dir, const struct mb_time_state *s,
		     char **err);
