// SPDX-License-Identifier: GPL-2.0-or-later
#include "state.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bandfile.h"
#include "core/fwinfo.h"
#include "core/util.h"
#include "flashfile.h"
#include "settingsfile.h"
#include "store.h"
#include "timefile.h"
#include "core/firmware.h"
#include "core/identity.h"

/* firmware.ini is five short keys. */
#define MAX_FIRMWARE_INFO (1u << 16)

struct state {
	char *dir;
	struct state_flash *flash;
};

struct state *state_new(const char *dir, char **err)
{
	struct state *st;

	if (!state_store_mkdir(dir, err))
		return NULL;
	st = mb_malloc0(sizeof(*st));
	st->dir = mb_strdup(dir);
	return st;
}

void state_free(struct state *st)
{
	if (!st)
		return;
	state_flash_free(st->flash);
	free(st->dir);
	free(st);
}

bool state_has_lived(const struct state *st, const char **file)
{
	static const char *const lived[] = { STATE_TIME_FILE,
					     STATE_FLASH_FILE };

	for (size_t i = 0; i < MB_ARRAY_SIZE(lived); i++) {
		char *path = mb_strdup_printf("%s/%s", st->dir, lived[i]);
		bool there = access(path, F_OK) == 0;

		free(path);
		if (there) {
			*file = lived[i];
			return true;
		}
	}
	return false;
}

bool state_load_band(struct state *st, const uint8_t *key,
		     struct mb_band_state *s, char **warning, char **err)
{
	if (!state_band_load(st->dir, s, warning, err))
		return false;
	if (!key || (s->bound && !memcmp(s->key, key, 16)))
		return true;
	s->bound = true;
	memcpy(s->key, key, 16);
	return state_band_save(st->dir, s, err);
}

bool state_load_time(struct state *st, struct mb_time_state *s, char **warning)
{
	return state_time_load(st->dir, s, warning);
}

bool state_save_time(struct state *st, const struct mb_time_state *s,
		     char **err)
{
	return state_time_save(st->dir, s, err);
}

static bool persist(const struct mb_band_state *s, void *user_data, char **err)
{
	const struct state *st = user_data;

	return state_band_save(st->dir, s, err);
}

static bool save_file(const char *name, const void *data, size_t len,
		      void *user_data, char **err)
{
	const struct state *st = user_data;

	return state_store_write_atomic(st->dir, name, data, len, err);
}

/* firmware.ini: which slot runs.  Missing: the factory image, quietly. */
static void load_firmware_info(const struct state *st, struct mb_band *band,
			       char **warning)
{
	char *path = mb_strdup_printf("%s/%s", st->dir, MB_FIRMWARE_INFO_FILE);
	struct mb_firmware_info fi;
	char *text = NULL, *err = NULL;
	size_t len;

	if (access(path, F_OK) == 0) {
		if (state_store_read_file(path, MAX_FIRMWARE_INFO, &text, &len,
					  &err) &&
		    mb_firmware_info_parse(text, len, path, &fi, &err))
			mb_firmware_set_info(mb_band_firmware(band), &fi);
		else
			mb_set_error(warning, "%s; running the factory image",
				     err);
	}
	free(text);
	free(err);
	free(path);
}

void state_attach_band(struct state *st, struct mb_band *band, char **warning)
{
	mb_identity_set_store(mb_band_identity(band), persist, st);
	mb_firmware_set_store(mb_band_firmware(band), save_file, st);
	load_firmware_info(st, band, warning);
}

static bool save_settings(const char *text, size_t len, void *user_data,
			  char **err)
{
	const struct state *st = user_data;

	return state_settings_save(st->dir, text, len, err);
}

void state_attach_settings(struct state *st, struct mb_band *band,
			   char **warning)
{
	struct mb_settings_values values;

	state_settings_load(st->dir, &values, warning);
	mb_settings_load(mb_band_settings(band), &values);
	mb_settings_set_store(mb_band_settings(band), save_settings, st);
}

bool state_attach_flash(struct state *st, struct mb_band *band, char **warning,
			char **err)
{
	struct state_flash *flash;
	unsigned int torn = 0;

	flash = state_flash_new(st->dir, mb_logstore_size(mb_band_store(band)),
				mb_logstore_log_size(mb_band_store(band)),
				warning, err);
	if (!flash)
		return false;
	mb_logstore_attach_with(mb_band_store(band), state_flash_sector, flash,
				&torn);
	/* The band now logs into the new file; the old one can go. */
	state_flash_free(st->flash);
	st->flash = flash;
	if (torn)
		mb_set_error(warning, "%s/%s: dropped %u torn record(s)",
			     st->dir, STATE_FLASH_FILE, torn);
	return true;
}
