/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A NOR flash chip: erased bytes read 0xff, programming can only clear
 * bits, a sector must be erased before it is written again.  Its bytes
 * are a sector at a time, wherever the chip's backend keeps them: a byte
 * array (tests, fuzzers), sectors in RAM allocated as they are first
 * written (a band before its state file is attached), or the state
 * file, a sector mapped at a time (state/flashfile.c).  Nothing is
 * resident for a sector no one looks at, which keeps a fleet's idle
 * bands small (docs/fleet.md). */
#define MB_FLASH_SECTOR_SIZE 4096

/* The bytes of a sector, to read (write false) or to change in place;
 * valid until the next call.  NULL: the backend cannot reach it (the
 * sector reads as erased and takes no writes). */
typedef uint8_t *(*mb_flash_sector_fn)(void *user_data, size_t sector,
				       bool write);

struct mb_flash {
	mb_flash_sector_fn sector_fn;
	void *user_data;
	uint8_t *mem;		 /* the byte array of mb_flash_init() */
	uint8_t **sparse;	 /* the sectors of mb_flash_init_sparse() */
	struct mb_flash *parent; /* of mb_flash_init_region() */
	size_t first;		 /* its first sector there */
	size_t size;		 /* a multiple of MB_FLASH_SECTOR_SIZE */
	/* Tests simulate power loss: after this many more bytes are
	 * programmed, nothing more reaches the chip.  SIZE_MAX = off. */
	size_t budget;
	/* The same for sector erases: this many more are done. */
	size_t erase_budget;
};

/* Over size bytes at mem, which the caller keeps. */
void mb_flash_init(struct mb_flash *f, uint8_t *mem, size_t size);
/* Erased, in RAM, a sector allocated when first written;
 * mb_flash_release() frees them. */
void mb_flash_init_sparse(struct mb_flash *f, size_t size);
/* n_sectors of parent from sector first on: a region of the same chip
 * (the activity log's, the workouts'), with budgets of its own. */
void mb_flash_init_region(struct mb_flash *f, struct mb_flash *parent,
			  size_t first, size_t n_sectors);
/* Over a backend's sectors. */
void mb_flash_init_with(struct mb_flash *f, size_t size, mb_flash_sector_fn fn,
			void *user_data);
void mb_flash_release(struct mb_flash *f);

size_t mb_flash_n_sectors(const struct mb_flash *f);
void mb_flash_erase(struct mb_flash *f, size_t sector);
/* NOR semantics: each byte becomes old & new.  Within one sector. */
void mb_flash_program(struct mb_flash *f, size_t offset, const uint8_t *data,
		      size_t len);
/* Copies len bytes at offset, within one sector, into buf. */
void mb_flash_read(const struct mb_flash *f, size_t offset, uint8_t *buf,
		   size_t len);
bool mb_flash_is_erased(const struct mb_flash *f, size_t offset, size_t len);
