// SPDX-License-Identifier: GPL-2.0-or-later
#include "flash.h"

#include <string.h>

void mb_flash_init(struct mb_flash *f, uint8_t *mem, size_t size)
{
	f->mem = mem;
	f->size = size;
	f->budget = SIZE_MAX;
	f->erase_budget = SIZE_MAX;
}

size_t mb_flash_n_sectors(const struct mb_flash *f)
{
	return f->size / MB_FLASH_SECTOR_SIZE;
}

void mb_flash_erase(struct mb_flash *f, size_t sector)
{
	if (f->budget != SIZE_MAX) {
		/* An erase interrupted by power loss is modelled as not
		 * having started: the sector keeps its old content. */
		if (!f->budget)
			return;
	}
	if (f->erase_budget != SIZE_MAX) {
		if (!f->erase_budget)
			return;
		f->erase_budget--;
	}
	memset(f->mem + sector * MB_FLASH_SECTOR_SIZE, 0xff,
	       MB_FLASH_SECTOR_SIZE);
}

void mb_flash_program(struct mb_flash *f, size_t offset, const uint8_t *data,
		      size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!f->budget)
			return;
		if (f->budget != SIZE_MAX)
			f->budget--;
		f->mem[offset + i] &= data[i];
	}
}

bool mb_flash_is_erased(const struct mb_flash *f, size_t offset, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (f->mem[offset + i] != 0xff)
			return false;
	return true;
}
