// SPDX-License-Identifier: GPL-2.0-or-later
#include "flash.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint8_t *array_sector(void *user_data, size_t sector, bool write)
{
	struct mb_flash *f = user_data;

	return f->mem + sector * MB_FLASH_SECTOR_SIZE;
}

static uint8_t *sparse_sector(void *user_data, size_t sector, bool write)
{
	struct mb_flash *f = user_data;

	/* Never written: it reads as erased (read_at()). */
	if (!f->sparse[sector] && write) {
		f->sparse[sector] = mb_malloc0(MB_FLASH_SECTOR_SIZE);
		memset(f->sparse[sector], 0xff, MB_FLASH_SECTOR_SIZE);
	}
	return f->sparse[sector];
}

static uint8_t *region_sector(void *user_data, size_t sector, bool write)
{
	struct mb_flash *f = user_data;

	return f->parent->sector_fn(f->parent->user_data, f->first + sector,
				    write);
}

static void init(struct mb_flash *f, size_t size, mb_flash_sector_fn fn,
		 void *user_data)
{
	*f = (struct mb_flash){
		.sector_fn = fn,
		.user_data = user_data,
		.size = size,
		.budget = SIZE_MAX,
		.erase_budget = SIZE_MAX,
	};
}

void mb_flash_init(struct mb_flash *f, uint8_t *mem, size_t size)
{
	init(f, size, array_sector, f);
	f->mem = mem;
}

void mb_flash_init_sparse(struct mb_flash *f, size_t size)
{
	init(f, size, sparse_sector, f);
	f->sparse = mb_malloc0(size / MB_FLASH_SECTOR_SIZE * sizeof(uint8_t *));
}

void mb_flash_init_region(struct mb_flash *f, struct mb_flash *parent,
			  size_t first, size_t n_sectors)
{
	init(f, n_sectors * MB_FLASH_SECTOR_SIZE, region_sector, f);
	f->parent = parent;
	f->first = first;
}

void mb_flash_init_with(struct mb_flash *f, size_t size, mb_flash_sector_fn fn,
			void *user_data)
{
	init(f, size, fn, user_data);
}

void mb_flash_release(struct mb_flash *f)
{
	if (f->sparse) {
		for (size_t i = 0; i < mb_flash_n_sectors(f); i++)
			free(f->sparse[i]);
		free(f->sparse);
		f->sparse = NULL;
	}
}

size_t mb_flash_n_sectors(const struct mb_flash *f)
{
	return f->size / MB_FLASH_SECTOR_SIZE;
}

/* The bytes at offset, or NULL where the sector reads as erased (never
 * written, or out of the backend's reach). */
static const uint8_t *read_at(const struct mb_flash *f, size_t offset)
{
	const uint8_t *s = f->sector_fn(f->user_data,
					offset / MB_FLASH_SECTOR_SIZE, false);

	return s ? s + offset % MB_FLASH_SECTOR_SIZE : NULL;
}

void mb_flash_erase(struct mb_flash *f, size_t sector)
{
	uint8_t *s;

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
	s = f->sector_fn(f->user_data, sector, true);
	if (s)
		memset(s, 0xff, MB_FLASH_SECTOR_SIZE);
}

void mb_flash_program(struct mb_flash *f, size_t offset, const uint8_t *data,
		      size_t len)
{
	uint8_t *s =
		f->sector_fn(f->user_data, offset / MB_FLASH_SECTOR_SIZE, true);

	if (!s)
		return;
	s += offset % MB_FLASH_SECTOR_SIZE;
	for (size_t i = 0; i < len; i++) {
		if (!f->budget)
			return;
		if (f->budget != SIZE_MAX)
			f->budget--;
		s[i] &= data[i];
	}
}

void mb_flash_read(const struct mb_flash *f, size_t offset, uint8_t *buf,
		   size_t len)
{
	const uint8_t *p = read_at(f, offset);

	if (p)
		memcpy(buf, p, len);
	else
		memset(buf, 0xff, len);
}

bool mb_flash_is_erased(const struct mb_flash *f, size_t offset, size_t len)
{
	const uint8_t *p = read_at(f, offset);

	for (size_t i = 0; p && i < len; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}
