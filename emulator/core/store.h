/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Files in the state directory are replaced atomically: write a temporary
 * file, fsync it, rename it over the old one, fsync the directory.  A
 * kill -9 at any point leaves the old content or the new, never a mix. */
bool mb_store_write_atomic(const char *dir, const char *name, const void *data,
			   size_t len, char **err);
/* Creates dir (and its parents) with mode 0700 if missing. */
bool mb_store_mkdir(const char *dir, char **err);
