// SPDX-License-Identifier: GPL-2.0-or-later
#include "flashfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

struct state_flash {
	uint8_t *mem;
	size_t size;
};

struct state_flash *state_flash_new(const char *dir, size_t size,
				    char **recreated, char **err)
{
	char *path = mb_strdup_printf("%s/%s", dir, STATE_FLASH_FILE);
	struct state_flash *f = NULL;
	struct stat st;
	bool fresh = false;
	uint8_t *mem;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	if ((size_t)st.st_size != size) {
		if (st.st_size)
			mb_set_error(
				recreated,
				"%s: %lld bytes, the profile needs %zu; starting with an empty log",
				path, (long long)st.st_size, size);
		if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)size) < 0)
			goto fail;
		fresh = true;
	}
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		goto fail;
	/* A new chip comes erased. */
	if (fresh)
		memset(mem, 0xff, size);
	f = mb_malloc0(sizeof(*f));
	f->mem = mem;
	f->size = size;
	goto out;
fail:
	mb_set_error(err, "%s: %s", path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return f;
}

uint8_t *state_flash_mem(const struct state_flash *f)
{
	return f->mem;
}

void state_flash_free(struct state_flash *f)
{
	if (!f)
		return;
	munmap(f->mem, f->size);
	free(f);
}
