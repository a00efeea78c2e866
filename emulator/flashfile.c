// SPDX-License-Identifier: GPL-2.0-or-later
#include "flashfile.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static bool fail(GError **error, const char *path)
{
	int e = errno;

	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "%s: %s", path,
		    g_strerror(e));
	return false;
}

bool flash_file_open(struct flash_file *f, const char *dir, size_t size,
		     char **recreated, GError **error)
{
	char *path = g_build_filename(dir, "flash.img", NULL);
	struct stat st;
	bool fresh = false, ok = false;
	int fd;

	f->mem = NULL;
	f->size = size;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fail(error, path);
		goto out;
	}
	if ((size_t)st.st_size != size) {
		if (st.st_size)
			*recreated = g_strdup_printf("%s: %lld bytes, the profile needs %zu; starting with an empty log",
						     path, (long long)st.st_size, size);
		if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)size) < 0) {
			fail(error, path);
			goto out;
		}
		fresh = true;
	}
	f->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f->mem == MAP_FAILED) {
		f->mem = NULL;
		fail(error, path);
		goto out;
	}
	/* A new chip comes erased. */
	if (fresh)
		memset(f->mem, 0xff, size);
	ok = true;
out:
	if (fd >= 0)
		close(fd);
	g_free(path);
	return ok;
}

void flash_file_close(struct flash_file *f)
{
	if (f->mem)
		munmap(f->mem, f->size);
	f->mem = NULL;
}
