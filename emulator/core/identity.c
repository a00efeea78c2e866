// SPDX-License-Identifier: GPL-2.0-or-later
#include "identity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "ini.h"
#include "store.h"
#include "util.h"

bool mb_identity_generate(struct mb_identity *id)
{
	uint8_t serial[6];

	if (RAND_bytes(id->address, sizeof(id->address)) != 1 ||
	    RAND_bytes(serial, sizeof(serial)) != 1)
		return false;
	/* Core Vol 6 Part B 1.3.2.1: a random static address has its two
	 * most significant bits set, and not all other bits 0 or 1. */
	id->address[0] |= 0xc0;
	if (id->address[5] == 0x00 || id->address[5] == 0xff)
		id->address[5] = 0x5a;
	for (int i = 0; i < 6; i++)
		snprintf(id->serial + 2 * i, 3, "%02x", serial[i]);
	return true;
}

void mb_identity_address_string(const struct mb_identity *id, char buf[18])
{
	const uint8_t *a = id->address;

	snprintf(buf, 18, "%02X:%02X:%02X:%02X:%02X:%02X", a[0], a[1], a[2],
		 a[3], a[4], a[5]);
}

static bool parse_address(const char *s, uint8_t out[6])
{
	unsigned int v[6];
	char tail;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)v[i];
	return (out[0] & 0xc0) == 0xc0;
}

static bool parse_serial(const char *s)
{
	if (strlen(s) != 12)
		return false;
	for (int i = 0; i < 12; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool read_identity(const char *path, struct mb_identity *id, char **err)
{
	struct mb_ini *ini = mb_ini_load(path, err);
	const char *addr, *serial;
	unsigned int line;
	long sec;
	bool ok = false;

	if (!ini)
		return false;
	sec = mb_ini_find_section(ini, "identity");
	if (sec < 0) {
		mb_set_error(err, "%s: no [identity] section", path);
		goto out;
	}
	addr = mb_ini_get(ini, (size_t)sec, "address", &line);
	if (!addr || !parse_address(addr, id->address)) {
		mb_set_error(err, "%s:%u: [identity] address: not a random static address",
			     path, line);
		goto out;
	}
	serial = mb_ini_get(ini, (size_t)sec, "serial", &line);
	if (!serial || !parse_serial(serial)) {
		mb_set_error(err, "%s:%u: [identity] serial: not 12 lowercase hex digits",
			     path, line);
		goto out;
	}
	memcpy(id->serial, serial, 13);
	ok = true;
out:
	mb_ini_free(ini);
	return ok;
}

bool mb_identity_save(const char *state_dir, const struct mb_identity *id,
		      char **err)
{
	char addr[18];
	char *text;
	bool ok;

	mb_identity_address_string(id, addr);
	text = mb_strdup_printf("# bandsim band identity; replaced atomically.\n"
				"[identity]\naddress = %s\nserial = %s\n",
				addr, id->serial);
	ok = mb_store_write_atomic(state_dir, MB_IDENTITY_FILE, text,
				   strlen(text), err);
	free(text);
	return ok;
}

bool mb_identity_load(const char *state_dir, struct mb_identity *id,
		      char **warning, char **err)
{
	char *path = mb_strdup_printf("%s/%s", state_dir, MB_IDENTITY_FILE);
	char *why = NULL;
	bool ok;

	if (access(path, F_OK) == 0) {
		if (read_identity(path, id, &why)) {
			free(path);
			return true;
		}
		mb_set_error(warning, "%s; starting factory-new", why);
		free(why);
	}
	free(path);
	if (!mb_identity_generate(id)) {
		mb_set_error(err, "RAND_bytes failed");
		return false;
	}
	ok = mb_identity_save(state_dir, id, err);
	return ok;
}
