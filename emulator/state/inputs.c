// SPDX-License-Identifier: GPL-2.0-or-later
#include "inputs.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store.h"
#include "core/fault.h"

/* A profile is a few kB; a fault plan a few lines.  The limits only keep
 * a wrong file from being read whole. */
#define MAX_PROFILE (16u << 20)
#define MAX_FAULT_PLAN (1u << 20)

struct mb_profile *state_profile_load(const char *path, char **err)
{
	struct mb_profile *p;
	char *text;
	size_t len;

	if (!state_store_read_file(path, MAX_PROFILE, &text, &len, err))
		return NULL;
	p = mb_profile_parse(text, len, path, err);
	free(text);
	return p;
}

/* The line without leading and trailing white space, in place. */
static char *strip(char *line)
{
	char *end = line + strlen(line);

	while (isspace((unsigned char)*line))
		line++;
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return line;
}

bool state_faults_parse(const char *text, size_t len, const char *name,
			struct mb_band *band, char **err)
{
	const char *nul = memchr(text, '\0', len);
	char *copy, *why = NULL, *next;
	size_t n = 0;
	bool ok = true;

	/* The lines read end at a NUL: what follows it would be left out of
	 * the plan without a word. */
	if (nul) {
		for (const char *c = text; c <= nul; c++)
			n += c == text || c[-1] == '\n';
		mb_set_error(err, "%s:%zu: NUL byte in text", name, n);
		return false;
	}
	copy = mb_malloc0(len + 1);
	memcpy(copy, text, len);
	for (char *line = copy; ok && line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		n++;
		line = strip(line);
		if (!*line || *line == '#')
			continue;
		if (!mb_faults_inject(mb_band_faults(band), line, &why)) {
			mb_set_error(err, "%s:%zu: %s", name, n, why);
			free(why);
			ok = false;
		}
	}
	free(copy);
	return ok;
}

bool state_faults_load(const char *path, struct mb_band *band, char **err)
{
	char *text = NULL;
	size_t len;
	bool ok;

	if (!state_store_read_file(path, MAX_FAULT_PLAN, &text, &len, err))
		return false;
	ok = state_faults_parse(text, len, path, band, err);
	free(text);
	return ok;
}
