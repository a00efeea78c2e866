/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* STATE_DIR/flash.img mapped shared: a record written to the mapping is in
 * the file even if the process is killed at once afterwards. */
struct flash_file {
	uint8_t *mem;
	size_t size;
};

/* Maps the file, creating it erased (all 0xff) when missing or of another
 * size (*recreated says why, for a warning naming the file). */
bool flash_file_open(struct flash_file *f, const char *dir, size_t size,
		     char **recreated, GError **error);
void flash_file_close(struct flash_file *f);
