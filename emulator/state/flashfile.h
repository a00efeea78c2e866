/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* STATE_DIR/flash.img, the band's flash chip (core/flash.h).  A sector is
 * mapped shared while the band works on it: a record written to the
 * mapping is in the file even if the process is killed at once
 * afterwards.  One sector at a time is mapped, so what the process holds
 * of the chip is one page however much the log holds (docs/fleet.md);
 * the rest is the kernel's page cache, as a chip is outside the CPU. */
#define STATE_FLASH_FILE "flash.img"

struct state_flash;

/* Opens the file of a chip of size bytes, creating it erased (all 0xff)
 * to keep bytes (its first region) when missing or not the band's: less
 * than keep, more than size, or not whole sectors (*recreated says why,
 * for a warning naming the file).  What lies beyond the file reads as
 * erased; the file grows to a sector when it is first written. */
struct state_flash *state_flash_new(const char *dir, size_t size, size_t keep,
				    char **recreated, char **err);
/* The chip's backend (mb_flash_sector_fn): user_data is the
 * state_flash. */
uint8_t *state_flash_sector(void *user_data, size_t sector, bool write);
void state_flash_free(struct state_flash *f);
