/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "settings-model.h"

/* STATE_DIR/settings.ini as text: [settings] with one key per setting
 * (settings-model.c's keys and value forms) and one [alarm N] section per
 * slot in use.  Reading and replacing the file is the edge's
 * (state/settingsfile.h). */
#define MB_SETTINGS_FILE "settings.ini"

/* false with *err as "name:line: [section] key: problem"; values is then
 * whatever was read so far (the caller starts over from defaults).  A key
 * left out keeps its factory value. */
bool mb_settings_values_parse(const char *text, size_t len, const char *name,
			      struct mb_settings_values *values, char **err);
char *mb_settings_values_format(const struct mb_settings_values *values);
