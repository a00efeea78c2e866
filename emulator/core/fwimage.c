// SPDX-License-Identifier: GPL-2.0-or-later
#include "fwimage.h"

#include <stdio.h>
#include <string.h>

bool mb_fw_type_known(uint8_t type)
{
	switch (type) {
	case MB_FW_TYPE_FIRMWARE:
	case MB_FW_TYPE_FONT:
	case MB_FW_TYPE_RESOURCES:
	case MB_FW_TYPE_RESOURCES_COMPRESSED:
	case MB_FW_TYPE_WATCHFACE:
	case MB_FW_TYPE_FONT_LATIN:
		return true;
	}
	return false;
}

uint32_t mb_crc32(const uint8_t *p, size_t len)
{
	static uint32_t table[256];
	uint32_t crc = 0xffffffffu;

	if (!table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}

/* Offset of needle at a multiple of 4, or -1 (GB searches aligned). */
static long find_aligned(const uint8_t *data, size_t len, const void *needle,
			 size_t n)
{
	for (size_t off = 0; off + n <= len; off += 4)
		if (!memcmp(data + off, needle, n))
			return (long)off;
	return -1;
}

static bool identify_firmware(const uint8_t *d, size_t len, char *version,
			      size_t size)
{
	static const uint8_t header[16] = {
		0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x9c, 0xe3, 0x7d, 0x5c, 0x00, 0x04,
	};
	static const char name[16] = "Mi Smart Band 4"; /* with its NUL */
	static const char pattern[16] = "V%d.%d.%d.%d"; /* NUL-padded */
	long at;

	if (len < 32 || memcmp(d + 16, header, 16) ||
	    find_aligned(d, len, name, sizeof(name)) < 0)
		return false;
	at = find_aligned(d, len, pattern, sizeof(pattern));
	if (at >= 0 && (size_t)at + 16 + 8 <= len) {
		char v[9];

		memcpy(v, d + at + 16, 8);
		v[8] = '\0';
		/* Printable ASCII only, cut at the first NUL. */
		for (int i = 0; i < 8 && v[i]; i++)
			if (v[i] < 0x20 || v[i] > 0x7e)
				v[i] = '?';
		/* Trailing spaces pad the field as NULs do; firmware.ini, whose
		 * values are stripped, could not keep them. */
		for (size_t n = strlen(v); n && v[n - 1] == ' '; n--)
			v[n - 1] = '\0';
		snprintf(version, size, "V%s", v);
	}
	return true;
}

bool mb_fw_identify(uint8_t type, const uint8_t *d, size_t len, char *version,
		    size_t size)
{
	version[0] = '\0';
	switch (type) {
	case MB_FW_TYPE_FIRMWARE:
		return identify_firmware(d, len, version, size);
	case MB_FW_TYPE_RESOURCES:
	case MB_FW_TYPE_RESOURCES_COMPRESSED:
		if (len > 5 && !memcmp(d, "HMRES", 5)) {
			snprintf(version, size, "v%u", d[5]);
			return true;
		}
		if (len > 18 &&
		    (!memcmp(d + 9, "HMRES", 5) || !memcmp(d + 9, "NERES", 5) ||
		     !memcmp(d + 13, "NERES", 5))) {
			snprintf(version, size, "v%u",
				 !memcmp(d + 11, "RES", 3) ? d[14] : d[18]);
			return true;
		}
		return false;
	case MB_FW_TYPE_WATCHFACE:
		return len >= 6 && !memcmp(d, "HMDIAL", 6);
	case MB_FW_TYPE_FONT:
	case MB_FW_TYPE_FONT_LATIN:
		if (len > 10 && !memcmp(d, "NEZK", 4) &&
		    (d[10] == 0x03 || d[10] == 0x06)) {
			snprintf(version, size, "v%u", d[4]);
			return true;
		}
		return false;
	}
	return false;
}
