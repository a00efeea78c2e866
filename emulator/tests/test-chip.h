/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdlib.h>
#include <string.h>

#include "flash.h"

/* The tests of the logs kept on the flash ring (flashlog, workoutlog)
 * work on a chip of `size` erased bytes in RAM and the log opened on
 * it: TEST_CHIP(log type, its open, its free, size) defines struct chip
 * (mem, the bytes a test tears or flips; flash; log), chip_new(),
 * chip_free() and reopen(), which opens the log again from what the
 * chip holds, as the band does at start. */
#define TEST_CHIP(log_type, log_open, log_free, size)               \
	struct chip {                                               \
		uint8_t *mem;                                       \
		struct mb_flash flash;                              \
		log_type *log;                                      \
	};                                                          \
                                                                    \
	static struct chip *chip_new(void)                          \
	{                                                           \
		struct chip *c = calloc(1, sizeof(*c));             \
                                                                    \
		c->mem = malloc(size);                              \
		memset(c->mem, 0xff, size);                         \
		mb_flash_init(&c->flash, c->mem, size);             \
		return c;                                           \
	}                                                           \
                                                                    \
	static void chip_free(struct chip *c)                       \
	{                                                           \
		log_free(c->log);                                   \
		free(c->mem);                                       \
		free(c);                                            \
	}                                                           \
                                                                    \
	static log_type *reopen(struct chip *c, unsigned int *torn) \
	{                                                           \
		log_free(c->log);                                   \
		c->log = log_open(&c->flash, torn);                 \
		return c->log;                                      \
	}
