// SPDX-License-Identifier: GPL-2.0-or-later
#include "bandstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "ini.h"
#include "util.h"

bool mb_band_state_new_address(struct mb_band_state *s)
{
	if (mb_crypto_random(s->address, sizeof(s->address)) != MB_CRYPTO_OK)
		return false;
	/* Core Vol 6 Part B 1.3.2.1: a random static address has its two
	 * most significant bits set, and its other bits not all 0 or all 1. */
	s->address[0] |= 0xc0;
	if (s->address[5] == 0x00 || s->address[5] == 0xff)
		s->address[5] = 0x5a;
	return true;
}

bool mb_band_state_init(struct mb_band_state *s)
{
	uint8_t serial[6];

	memset(s, 0, sizeof(*s));
	if (!mb_band_state_new_address(s) ||
	    mb_crypto_random(serial, sizeof(serial)) != MB_CRYPTO_OK)
		return false;
	for (int i = 0; i < 6; i++)
		snprintf(s->serial + 2 * i, 3, "%02x", serial[i]);
	return true;
}

static void format_address(const uint8_t a[6], char buf[18])
{
	snprintf(buf, 18, "%02X:%02X:%02X:%02X:%02X:%02X", a[0], a[1], a[2],
		 a[3], a[4], a[5]);
}

void mb_band_state_address(const struct mb_band_state *s, char buf[18])
{
	format_address(s->address, buf);
}

void mb_bond_peer(const struct mb_bond *b, char buf[18])
{
	format_address(b->peer, buf);
}

const struct mb_bond *mb_band_state_bond(const struct mb_band_state *s,
					 const uint8_t peer[6],
					 bool peer_random)
{
	for (size_t i = 0; i < s->n_bonds; i++)
		if (!memcmp(s->bonds[i].peer, peer, 6) &&
		    s->bonds[i].peer_random == peer_random)
			return &s->bonds[i];
	return NULL;
}

void mb_band_state_key_id(const struct mb_band_state *s, char buf[9])
{
	uint8_t digest[32];

	buf[0] = '\0';
	if (!s->bound || mb_crypto_sha256(s->key, 16, digest) != MB_CRYPTO_OK)
		return;
	snprintf(buf, 9, "%02x%02x%02x%02x", digest[0], digest[1], digest[2],
		 digest[3]);
}

/* "E1:23:45:67:89:AB", either case. */
static bool parse_hex_address(const char *s, uint8_t out[6])
{
	unsigned int v[6];
	char tail;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)v[i];
	return true;
}

static bool parse_address(const char *s, uint8_t out[6])
{
	return parse_hex_address(s, out) && (out[0] & 0xc0) == 0xc0;
}

static bool is_lower_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool read_key(const char *name, struct mb_ini *ini,
		     struct mb_band_state *s, char **err)
{
	long sec = mb_ini_find_section(ini, "binding");
	unsigned int line;
	const char *v;
	uint8_t *key = NULL;
	size_t len = 0;

	if (sec < 0)
		return true;
	v = mb_ini_get(ini, (size_t)sec, "key", &line);
	if (!v || !mb_hex_parse(v, &key, &len) || len != 16) {
		free(key);
		mb_set_error(err, "%s:%u: [binding] key: not 16 hex bytes",
			     name, line);
		return false;
	}
	memcpy(s->key, key, 16);
	mb_crypto_wipe(key, 16);
	free(key);
	s->bound = true;
	return true;
}

/* [bonds]: bond-1, bond-2, ... oldest first, each "ADDRESS public KEY"
 * or "ADDRESS random KEY" (an address cannot be a key name: ':' ends a
 * key in this format, as in configparser), and for a key of LE legacy
 * pairing " legacy EDIV RAND" (4 and 16 hex digits). */
static bool parse_legacy(const char *ediv, const char *rand, struct mb_bond *b)
{
	char *end;

	if (!is_lower_hex(ediv, 4) || !is_lower_hex(rand, 16))
		return false;
	b->legacy = true;
	b->ediv = (uint16_t)strtoul(ediv, &end, 16);
	b->rand = (uint64_t)strtoull(rand, &end, 16);
	return true;
}

static bool read_bonds(const char *name, struct mb_ini *ini,
		       struct mb_band_state *s, char **err)
{
	long sec = mb_ini_find_section(ini, "bonds");
	size_t n;

	if (sec < 0)
		return true;
	n = mb_ini_n_keys(ini, (size_t)sec);
	for (size_t k = 0; k < n; k++) {
		const char *key = mb_ini_key_name(ini, (size_t)sec, k);
		unsigned int line;
		const char *v = mb_ini_get(ini, (size_t)sec, key, &line);
		struct mb_bond *b = &s->bonds[s->n_bonds];
		char want[32], peer[18] = "", type[8] = "", hex[40] = "";
		char kind[8] = "", ediv[8] = "", rand[24] = "";
		uint8_t *ltk = NULL;
		size_t len = 0;
		char tail;
		int n_fields;
		bool ok;

		snprintf(want, sizeof(want), "bond-%zu", k + 1);
		if (k == MB_BONDS_MAX || strcmp(key, want)) {
			mb_set_error(
				err,
				"%s:%u: [bonds] %s: expected %s (at most %d bonds, oldest first)",
				name, line, key, want, MB_BONDS_MAX);
			return false;
		}
		n_fields = sscanf(v, "%17s %7s %39s %7s %7s %23s %c", peer,
				  type, hex, kind, ediv, rand, &tail);
		ok = (n_fields == 3 ||
		      (n_fields == 6 && !strcmp(kind, "legacy") &&
		       parse_legacy(ediv, rand, b))) &&
		     parse_hex_address(peer, b->peer) &&
		     (!strcmp(type, "public") || !strcmp(type, "random")) &&
		     mb_hex_parse(hex, &ltk, &len) && len == 16;
		if (ok) {
			memcpy(b->ltk, ltk, 16);
			b->peer_random = !strcmp(type, "random");
		}
		if (ltk)
			mb_crypto_wipe(ltk, len);
		free(ltk);
		mb_crypto_wipe(hex, sizeof(hex));
		if (!ok) {
			mb_set_error(
				err,
				"%s:%u: [bonds] %s: not \"ADDRESS public|random KEY [legacy EDIV RAND]\" (KEY: 16 hex bytes, EDIV 4 and RAND 16 hex digits)",
				name, line, key);
			return false;
		}
		s->n_bonds++;
	}
	return true;
}

bool mb_band_state_parse(const char *text, size_t len, const char *name,
			 struct mb_band_state *s, char **err)
{
	struct mb_ini *ini = mb_ini_parse(text, len, name, err);
	const char *v;
	unsigned int line;
	long sec;
	bool ok = false;

	if (!ini)
		return false;
	memset(s, 0, sizeof(*s));
	sec = mb_ini_find_section(ini, "band");
	if (sec < 0) {
		mb_set_error(err, "%s: no [band] section", name);
		goto out;
	}
	v = mb_ini_get(ini, (size_t)sec, "address", &line);
	if (!v || !parse_address(v, s->address)) {
		mb_set_error(
			err,
			"%s:%u: [band] address: not a random static address",
			name, line);
		goto out;
	}
	v = mb_ini_get(ini, (size_t)sec, "serial", &line);
	if (!v || !is_lower_hex(v, 12)) {
		mb_set_error(
			err,
			"%s:%u: [band] serial: not 12 lowercase hex digits",
			name, line);
		goto out;
	}
	memcpy(s->serial, v, 13);
	ok = read_key(name, ini, s, err) && read_bonds(name, ini, s, err);
out:
	mb_ini_free(ini);
	return ok;
}

char *mb_band_state_format(const struct mb_band_state *s)
{
	char addr[18], key[33] = "";
	char *text, *bonds = mb_strdup(""), *next;

	mb_band_state_address(s, addr);
	for (int i = 0; s->bound && i < 16; i++)
		snprintf(key + 2 * i, 3, "%02x", s->key[i]);
	for (size_t i = 0; i < s->n_bonds; i++) {
		char peer[18], ltk[33];

		mb_bond_peer(&s->bonds[i], peer);
		for (int k = 0; k < 16; k++)
			snprintf(ltk + 2 * k, 3, "%02x", s->bonds[i].ltk[k]);
		char legacy[40] = "";

		if (s->bonds[i].legacy)
			snprintf(legacy, sizeof(legacy), " legacy %04x %016llx",
				 s->bonds[i].ediv,
				 (unsigned long long)s->bonds[i].rand);
		next = mb_strdup_printf("%s%sbond-%zu = %s %s %s%s\n", bonds,
					i ? "" : "\n[bonds]\n", i + 1, peer,
					s->bonds[i].peer_random ? "random"
								: "public",
					ltk, legacy);
		mb_crypto_wipe(ltk, sizeof(ltk));
		mb_crypto_wipe(bonds, strlen(bonds));
		free(bonds);
		bonds = next;
	}
	text = mb_strdup_printf(
		"# bandsim band state; replaced atomically, do not edit while running.\n"
		"[band]\naddress = %s\nserial = %s\n%s%s%s%s",
		addr, s->serial, s->bound ? "\n[binding]\nkey = " : "", key,
		s->bound ? "\n" : "", bonds);
	mb_crypto_wipe(key, sizeof(key));
	mb_crypto_wipe(bonds, strlen(bonds));
	free(bonds);
	return text;
}
