// SPDX-License-Identifier: GPL-2.0-or-later
#include "fwinfo.h"

#include <stdio.h>
#include <string.h>

#include "ini.h"
#include "util.h"

void mb_firmware_info_init(struct mb_firmware_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	fi->slot = 'a';
}

static bool get(struct mb_ini *ini, size_t sec, const char *key, char *out,
		size_t size, const char *file, char **err)
{
	unsigned int line;
	const char *v = mb_ini_get(ini, sec, key, &line);

	if (!v)
		return true;
	if (strlen(v) >= size) {
		mb_set_error(err, "%s:%u: [firmware] %s: too long", file, line,
			     key);
		return false;
	}
	snprintf(out, size, "%s", v);
	return true;
}

bool mb_firmware_info_parse(const char *text, size_t len, const char *file,
			    struct mb_firmware_info *fi, char **err)
{
	struct mb_ini *ini = mb_ini_parse(text, len, file, err);
	char slot[4] = "a";
	unsigned int line;
	long sec;
	bool ok;

	mb_firmware_info_init(fi);
	if (!ini)
		return false;
	sec = mb_ini_find_section(ini, "firmware");
	ok = sec >= 0;
	if (!ok)
		mb_set_error(err, "%s: no [firmware] section", file);
	ok = ok &&
	     get(ini, (size_t)sec, "slot", slot, sizeof(slot), file, err) &&
	     get(ini, (size_t)sec, "version", fi->version, sizeof(fi->version),
		 file, err) &&
	     get(ini, (size_t)sec, "resources", fi->resources,
		 sizeof(fi->resources), file, err) &&
	     get(ini, (size_t)sec, "font", fi->font, sizeof(fi->font), file,
		 err) &&
	     get(ini, (size_t)sec, "watchface", fi->watchface,
		 sizeof(fi->watchface), file, err);
	if (ok && strcmp(slot, "a") && strcmp(slot, "b")) {
		mb_ini_get(ini, (size_t)sec, "slot", &line);
		mb_set_error(err, "%s:%u: [firmware] slot: a or b", file, line);
		ok = false;
	}
	fi->slot = slot[0];
	mb_ini_free(ini);
	return ok;
}

char *mb_firmware_info_format(const struct mb_firmware_info *fi)
{
	return mb_strdup_printf(
		"# bandsim firmware slots; replaced atomically.\n"
		"[firmware]\nslot = %c\nversion = %s\nresources = %s\n"
		"font = %s\nwatchface = %s\n",
		fi->slot, fi->version, fi->resources, fi->font, fi->watchface);
}
