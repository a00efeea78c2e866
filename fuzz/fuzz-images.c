// SPDX-License-Identifier: GPL-2.0-or-later
#include "fuzz-images.h"

#include <string.h>

#include "fwimage.h"
#include "util.h"

/* Filler, then bytes 16..31 the Mi Band 4 header, the band's name and the
 * version pattern 4-byte aligned, and 8 version bytes NUL-padded. */
static size_t build_firmware(uint8_t *out, const uint8_t *version, size_t len)
{
	static const uint8_t header[16] = {
		0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x9c, 0xe3, 0x7d, 0x5c, 0x00, 0x04,
	};

	memset(out, 0xa5, 72);
	memcpy(out + 16, header, sizeof(header));
	memcpy(out + 32, "Mi Smart Band 4", 16);
	memset(out + 48, 0, 24);
	memcpy(out + 48, "V%d.%d.%d.%d", 12);
	memcpy(out + 64, version, len < 8 ? len : 8);
	return 72;
}

static uint8_t version_byte(const uint8_t *version, size_t len)
{
	return len ? version[0] : 80;
}

/* HMRES, the version at [5]. */
static size_t build_resources(uint8_t *out, const uint8_t *version, size_t len)
{
	memset(out, 0x5a, 16);
	memcpy(out, "HMRES", 5);
	out[5] = version_byte(version, len);
	return 16;
}

/* Type 0x82: HMRES at 9, the version at [14]. */
static size_t build_resources_compressed(uint8_t *out, const uint8_t *version,
					 size_t len)
{
	memset(out, 0, 24);
	memcpy(out + 9, "HMRES", 5);
	out[14] = version_byte(version, len);
	return 24;
}

/* NEZK, the version at [4], kind 03 at [10]. */
static size_t build_font(uint8_t *out, const uint8_t *version, size_t len)
{
	memset(out, 0x3c, 16);
	memcpy(out, "NEZK", 4);
	out[4] = version_byte(version, len);
	out[10] = 0x03;
	return 16;
}

static size_t build_watchface(uint8_t *out, const uint8_t *version, size_t len)
{
	memset(out, 0xc3, 16);
	memcpy(out, "HMDIAL", 6);
	return 16;
}

const struct fuzz_image_type fuzz_image_types[] = {
	{ MB_FW_TYPE_FIRMWARE, build_firmware },
	{ MB_FW_TYPE_FONT, build_font },
	{ MB_FW_TYPE_FONT_LATIN, build_font },
	{ MB_FW_TYPE_RESOURCES, build_resources },
	{ MB_FW_TYPE_RESOURCES_COMPRESSED, build_resources_compressed },
	{ MB_FW_TYPE_WATCHFACE, build_watchface },
	/* No such type: 01 is refused. */
	{ 0x07, build_watchface },
};
const size_t fuzz_n_image_types = MB_ARRAY_SIZE(fuzz_image_types);
