/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* STATE_DIR/flash.img mapped shared: a record written to the mapping is in
 * the file even if the process is killed at once afterwards. */
#define STATE_FLASH_FILE "flash.img"

struct state_flash;

/* Maps the file, creating it erased (all 0xff) when missing or of another
 * size (*recreated says why, for a warning naming the file). */
struct state_flash *state_flash_new(const char *dir, size_t size,
				    char **recreated, char **err);
uint8_t *state_flash_mem(const struct state_flash *f);
void state_flash_free(struct state_flash *f);
