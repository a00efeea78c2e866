/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "core/bandstate.h"

/* STATE_DIR/band.ini: the band's address, serial and key (the text is
 * core/bandstate.h's), replaced atomically. */
#define STATE_BAND_FILE "band.ini"

/* Loads DIR/band.ini, or creates a factory-new band there when the file
 * is missing.  A corrupt file is named in *warning and replaced by a
 * factory-new band: the emulator never refuses to start over it. */
bool state_band_load(const char *dir, struct mb_band_state *s, char **warning,
		     char **err);
bool state_band_save(const char *dir, const struct mb_band_state *s,
		     char **err);
