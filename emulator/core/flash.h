/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A NOR flash chip over a byte array (heap memory, or a shared mapping of
 * the state file): erased bytes read 0xff, programming can only clear
 * bits, a sector must be erased before it is written again. */
#define MB_FLASH_SECTOR_SIZE 4096

struct mb_flash {
	uint8_t *mem;
	size_t size; /* a multiple of MB_FLASH_SECTOR_SIZE */
	/* Tests simulate power loss: after this many more bytes are
	 * programmed, nothing more reaches the chip.  SIZE_MAX = off. */
	size_t budget;
	/* The same for sector erases: this many more are done. */
	size_t erase_budget;
};

void mb_flash_init(struct mb_flash *f, uint8_t *mem, size_t size);
size_t mb_flash_n_sectors(const struct mb_flash *f);
void mb_flash_erase(struct mb_flash *f, size_t sector);
/* NOR semantics: each byte becomes old & new. */
void mb_flash_program(struct mb_flash *f, size_t offset, const uint8_t *data,
		      size_t len);
bool mb_flash_is_erased(const struct mb_flash *f, size_t offset, size_t len);
