/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/settings-model.h"

/* STATE_DIR/settings.ini: what a companion app configured (the text is
 * core/settings-text.h's), replaced atomically on every change.  The
 * time zone is not in it: it belongs to the RTC. */

/* The settings kept in DIR; a factory-new band's when the file is
 * missing.  A corrupt file is named in *warning (file, line, field) and
 * the band starts with the factory settings: it never refuses to start
 * over it, and the file stays until the next change replaces it. */
void state_settings_load(const char *dir, struct mb_settings_values *values,
			 char **warning);
bool state_settings_save(const char *dir, const char *text, size_t len,
			 char **err);
