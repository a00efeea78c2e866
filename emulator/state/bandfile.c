// SPDX-License-Identifier: GPL-2.0-or-later
#include "bandfile.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/util.h"
#include "store.h"

/* Far more than a band.ini ever holds: the limit only keeps a wrong file
 * from being read whole. */
#define MAX_BAND_FILE (16u << 20)

bool state_band_save(const char *dir, const struct mb_band_state *s, char **err)
{
	char *text = mb_band_state_format(s);
	bool ok = state_store_write_atomic(dir, STATE_BAND_FILE, text,
					   strlen(text), err);

	mb_crypto_wipe(text, strlen(text));
	free(text);
	return ok;
}

static bool read_state(const char *path, struct mb_band_state *s, char **err)
{
	char *text = NULL;
	size_t len;
	bool ok;

	if (!state_store_read_file(path, MAX_BAND_FILE, &text, &len, err))
		return false;
	ok = mb_band_state_parse(text, len, path, s, err);
	mb_crypto_wipe(text, len);
	free(text);
	return ok;
}

bool state_band_load(const char *dir, struct mb_band_state *s, char **warning,
		     char **err)
{
	char *path = mb_strdup_printf("%s/%s", dir, STATE_BAND_FILE);
	char *why = NULL;

	if (access(path, F_OK) == 0) {
		if (read_state(path, s, &why)) {
			free(path);
			return true;
		}
		mb_set_error(warning, "%s; starting factory-new", why);
		free(why);
	}
	free(path);
	if (!mb_band_state_init(s)) {
		mb_set_error(err, "the random number generator failed");
		return false;
	}
	return state_band_save(dir, s, err);
}
