// SPDX-License-Identifier: GPL-2.0-or-later
/* A chip of the logs' ring from a fuzzer's input (fuzz-chip.h). */
#include "fuzz-chip.h"

#include <string.h>

#include "flash.h"
#include "util.h"

#define UNIT 16
#define UNITS_PER_SECTOR (MB_FLASH_SECTOR_SIZE / UNIT)

size_t fuzz_chip_fill(uint8_t *mem, const uint8_t *data, size_t size,
		      const char magic[4])
{
	size_t sectors;

	if (size < 2)
		return 0;
	sectors = 2 + (data[0] & 3);
	memset(mem, 0xff, sectors * MB_FLASH_SECTOR_SIZE);
	for (size_t off = 2; off + 2 + UNIT <= size; off += 2 + UNIT) {
		size_t u =
			mb_get_le16(data + off) % (sectors * UNITS_PER_SECTOR);

		memcpy(mem + u * UNIT, data + off + 2, UNIT);
	}
	/* The layout of core/flashring.c: a header <magic> <seq> <version>
	 * ff x4 <crc16 of 0..13>; a record 5a <type> <body> <crc16 of
	 * 1..13>. */
	for (size_t u = 0; u < sectors * UNITS_PER_SECTOR; u++) {
		uint8_t *p = mem + u * UNIT;

		if (u % UNITS_PER_SECTOR == 0 && data[1] & 1 &&
		    !memcmp(p, magic, 4))
			mb_put_le16(p + 14, mb_crc16(p, 14));
		else if (u % UNITS_PER_SECTOR && data[1] & 2 && p[0] == 0x5a)
			mb_put_le16(p + 14, mb_crc16(p + 1, 13));
	}
	return sectors;
}
