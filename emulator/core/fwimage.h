/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Firmware file types of the 01 command (protocol §7.1). */
enum mb_fw_type {
	MB_FW_TYPE_FIRMWARE = 0x00,
	MB_FW_TYPE_FONT = 0x01,
	MB_FW_TYPE_RESOURCES = 0x02,
	MB_FW_TYPE_RESOURCES_COMPRESSED = 0x82,
	MB_FW_TYPE_WATCHFACE = 0x08,
	MB_FW_TYPE_FONT_LATIN = 0x0b,
};

bool mb_fw_type_known(uint8_t type);
/* Recognises a file as its type by the rules of protocol §7.2 and reads
 * its version ("V1.0.9.99" for firmware, "v80" for resources and
 * fonts, "" when the format carries none).  False: not such a file. */
bool mb_fw_identify(uint8_t type, const uint8_t *data, size_t len,
		    char *version, size_t size);
/* zlib / IEEE 802.3 CRC-32, what the 01 command announces. */
uint32_t mb_crc32(const uint8_t *p, size_t len);
