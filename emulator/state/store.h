/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The file primitives of the edge; the core opens no file (docs/architecture.md
 * rule 1).  Files in the state directory are replaced atomically: write a
 * temporary file, fsync it, rename it over the old one, fsync the
 * directory.  A kill -9 at any point leaves the old content or the new,
 * never a mix. */
bool state_store_write_atomic(const char *dir, const char *name,
			      const void *data, size_t len, char **err);
/* Tests simulate kill -9 in the middle of a replacement: the next
 * replacements write only this many bytes of the temporary file and stop
 * there, as a killed process would (no rename, no clean-up), failing.
 * SIZE_MAX (the default) turns it off. */
void state_store_kill_after(size_t bytes);
/* Creates dir (and its parents) with mode 0700 if missing. */
bool state_store_mkdir(const char *dir, char **err);
/* Reads a whole file (at most max bytes) into a NUL-terminated buffer;
 * errors are "path: why". */
bool state_store_read_file(const char *path, size_t max, char **out,
			   size_t *out_len, char **err);
