// SPDX-License-Identifier: GPL-2.0-or-later
#include "uuid.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

/* 00000000-0000-1000-8000-00805f9b34fb */
static const uint8_t sig_base[16] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
	0x80, 0x00, 0x00, 0x80, 0x5f, 0x9b, 0x34, 0xfb,
};

void mb_uuid_from16(uint16_t v, struct mb_uuid *out)
{
	memcpy(out->b, sig_base, 16);
	out->b[2] = v >> 8;
	out->b[3] = v & 0xff;
}

bool mb_uuid_to16(const struct mb_uuid *u, uint16_t *out)
{
	if (u->b[0] || u->b[1] || memcmp(u->b + 4, sig_base + 4, 12))
		return false;
	if (out)
		*out = (uint16_t)(u->b[2] << 8 | u->b[3]);
	return true;
}

bool mb_uuid_eq(const struct mb_uuid *a, const struct mb_uuid *b)
{
	return !memcmp(a->b, b->b, 16);
}

bool mb_uuid_is16(const struct mb_uuid *u, uint16_t v)
{
	uint16_t w;

	return mb_uuid_to16(u, &w) && w == v;
}

/* Accepts the 36-character form, or 4 hex digits for a SIG 16-bit UUID. */
bool mb_uuid_parse(const char *s, struct mb_uuid *out)
{
	size_t len = strlen(s);
	int n = 0;

	if (len == 4) {
		int v = 0;

		for (int i = 0; i < 4; i++) {
			int x = mb_hex_nibble(s[i]);

			if (x < 0)
				return false;
			v = v << 4 | x;
		}
		mb_uuid_from16((uint16_t)v, out);
		return true;
	}
	if (len != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
			continue;
		}
		hi = mb_hex_nibble(s[i]);
		lo = mb_hex_nibble(s[++i]);
		if (hi < 0 || lo < 0 || i == 8 || i == 13 || i == 18 || i == 23)
			return false;
		out->b[n++] = (uint8_t)(hi << 4 | lo);
	}
	return n == 16;
}

void mb_uuid_to_string(const struct mb_uuid *u, char buf[MB_UUID_STR_LEN])
{
	const uint8_t *b = u->b;

	snprintf(buf, MB_UUID_STR_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

size_t mb_uuid_to_wire(const struct mb_uuid *u, uint8_t out[16])
{
	uint16_t v;

	if (mb_uuid_to16(u, &v)) {
		mb_put_le16(out, v);
		return 2;
	}
	for (int i = 0; i < 16; i++)
		out[i] = u->b[15 - i];
	return 16;
}

bool mb_uuid_from_wire(const uint8_t *p, size_t len, struct mb_uuid *out)
{
	if (len == 2) {
		mb_uuid_from16(mb_get_le16(p), out);
		return true;
	}
	if (len != 16)
		return false;
	for (int i = 0; i < 16; i++)
		out->b[i] = p[15 - i];
	return true;
}
