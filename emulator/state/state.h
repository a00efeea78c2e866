/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/band.h"
#include "core/timestate.h"

/* The state directory (--state-dir): what one band keeps across restarts
 * and kill -9 — band.ini (address, serial, key), time.ini (band time and
 * the RTC), settings.ini (what the companion app configured), flash.img
 * (the activity log), firmware.ini and the images it names.  The band
 * reaches it only through the persist and file-store functions it is
 * given here; nothing else in the emulator opens these files. */
struct state;

/* Creates dir (mode 0700) if missing. */
struct state *state_new(const char *dir, char **err);
/* Unmaps flash.img: only after the band that uses it is freed. */
void state_free(struct state *st);

/* A band has lived here: the directory holds its clock (time.ini) or
 * its activity log (flash.img), and *file says which.  A new band's past
 * (--history) is made only where there is none. */
bool state_has_lived(const struct state *st, const char **file);

/* band.ini (state/bandfile.h), bound to key (16 bytes) if key is not
 * NULL, as the official app leaves a band (--auth-key). */
bool state_load_band(struct state *st, const uint8_t *key,
		     struct mb_band_state *s, char **warning, char **err);

/* time.ini (state/timefile.h): false when there is none to go by (a bad
 * one is named in *warning). */
bool state_load_time(struct state *st, struct mb_time_state *s, char **warning);
bool state_save_time(struct state *st, const struct mb_time_state *s,
		     char **err);

/* Gives band its store — band.ini through the persist function,
 * firmware.ini and the slot images through the file store — and the
 * slots firmware.ini names.  A bad firmware.ini is named in *warning and
 * the band runs its factory image, as after a failed update. */
void state_attach_band(struct state *st, struct mb_band *band, char **warning);

/* settings.ini: the band's settings as kept, and its store for every
 * change.  A corrupt file is named in *warning and the band starts with
 * the factory settings. */
void state_attach_settings(struct state *st, struct mb_band *band,
			   char **warning);

/* flash.img as band's activity log.  *warning names a file of the wrong
 * size that was started afresh, or torn records that recovery dropped. */
bool state_attach_flash(struct state *st, struct mb_band *band, char **warning,
			char **err);
