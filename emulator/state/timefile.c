// SPDX-License-Identifier: GPL-2.0-or-later
#include "timefile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "store.h"

/* time.ini is a dozen short lines: the limit only keeps a wrong file from
 * being read whole. */
#define MAX_TIME_FILE (1u << 16)

bool state_time_load(const char *dir, struct mb_time_state *s, char **warning)
{
	char *path = mb_strdup_printf("%s/%s", dir, STATE_TIME_FILE);
	char *text = NULL, *why = NULL;
	size_t len;
	bool ok = false;

	if (access(path, F_OK) < 0 && errno == ENOENT)
		goto out;
	ok = state_store_read_file(path, MAX_TIME_FILE, &text, &len, &why) &&
	     mb_time_state_parse(text, len, path, s, &why);
	if (!ok)
		mb_set_error(
			warning,
			"%s; band time from the options and the activity log",
			why);
out:
	free(why);
	free(text);
	free(path);
	return ok;
}

bool state_time_save(const char *dir, const struct mb_time_state *s, char **err)
{
	char *text = mb_time_state_format(s);
	bool ok = state_store_write_atomic(dir, STATE_TIME_FILE, text,
					   strlen(text), err);

	free(text);
	return ok;
}
