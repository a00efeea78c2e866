// SPDX-License-Identifier: GPL-2.0-or-later
#include "settingsfile.h"

#include <stdlib.h>
#include <unistd.h>

#include "core/settings-text.h"
#include "core/util.h"
#include "store.h"

/* Far more than a settings.ini ever holds. */
#define MAX_SETTINGS_FILE (1u << 20)

void state_settings_load(const char *dir, struct mb_settings_values *values,
			 char **warning)
{
	char *path = mb_strdup_printf("%s/%s", dir, MB_SETTINGS_FILE);
	char *text = NULL, *why = NULL;
	size_t len;

	mb_settings_values_init(values);
	if (access(path, F_OK) == 0 &&
	    (!state_store_read_file(path, MAX_SETTINGS_FILE, &text, &len,
				    &why) ||
	     !mb_settings_values_parse(text, len, path, values, &why))) {
		mb_settings_values_init(values);
		mb_set_error(warning, "%s; starting with the factory settings",
			     why);
	}
	free(why);
	free(text);
	free(path);
}

bool state_settings_save(const char *dir, const char *text, size_t len,
			 char **err)
{
	return state_store_write_atomic(dir, MB_SETTINGS_FILE, text, len, err);
}
