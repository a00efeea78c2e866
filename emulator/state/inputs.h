/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "core/band.h"
#include "core/profile.h"

/* Files the emulator is started from and never writes: the profile
 * (--profile) and a fault plan (--faults).  The core parses their text;
 * errors name the file, the line and the key. */

/* NULL with *err as "FILE: why" or "FILE:LINE: [section] key: problem". */
struct mb_profile *state_profile_load(const char *path, char **err);

/* Arms the faults of a plan (docs/faults.md): one fault line each,
 * blank lines and '#' comments skipped.  Stops at the first bad line:
 * false with *err as "FILE:LINE: key: problem" (or "FILE: why"). */
bool state_faults_load(const char *path, struct mb_band *band, char **err);
/* The same for the plan's text, read from name (which errors name); a
 * NUL byte in it is refused at its line, as in the INI files. */
bool state_faults_parse(const char *text, size_t len, const char *name,
			struct mb_band *band, char **err);
