// SPDX-License-Identifier: GPL-2.0-or-later
#include "flashfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/flash.h"
#include "core/util.h"

struct state_flash {
	char *path;
	size_t size;
	/* What the file holds: the chip's first bytes.  The rest reads as
	 * erased and is added, erased, when it is first written to: a
	 * band that never records a workout never writes its region, and a
	 * fleet of ten thousand writes no 2.6 GB of 0xff at its start. */
	size_t file_size;
	/* The sector mapped now, or MAP_FAILED. */
	uint8_t *window;
	size_t window_sector;
	bool warned; /* a failed mapping is said once */
};

/* A new chip comes erased: 0xff written a sector at a time, through the
 * file, not a mapping, so that nothing of it stays in the process. */
static bool erase_file(int fd, size_t from, size_t size)
{
	uint8_t sector[MB_FLASH_SECTOR_SIZE];

	memset(sector, 0xff, sizeof(sector));
	if (ftruncate(fd, (off_t)from) < 0)
		return false;
	for (size_t off = from; off < size; off += sizeof(sector)) {
		size_t done = 0;

		while (done < sizeof(sector)) {
			ssize_t n = pwrite(fd, sector + done,
					   sizeof(sector) - done,
					   (off_t)(off + done));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return false;
			done += (size_t)n;
		}
	}
	return true;
}

struct state_flash *state_flash_new(const char *dir, size_t size, size_t keep,
				    char **recreated, char **err)
{
	struct state_flash *f = mb_malloc0(sizeof(*f));
	struct stat st;
	int fd;

	f->path = mb_strdup_printf("%s/%s", dir, STATE_FLASH_FILE);
	f->size = size;
	f->window = MAP_FAILED;
	fd = open(f->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	f->file_size = (size_t)st.st_size;
	/* Its first region whole, and whole sectors of the rest: the
	 * band's (a file of before the workouts' region is one). */
	if (f->file_size < keep || f->file_size > size ||
	    f->file_size % MB_FLASH_SECTOR_SIZE) {
		if (st.st_size)
			mb_set_error(
				recreated,
				"%s: %lld bytes, the profile needs %zu; starting with an empty log",
				f->path, (long long)st.st_size, size);
		if (!erase_file(fd, 0, keep))
			goto fail;
		f->file_size = keep;
	}
	close(fd);
	return f;
fail:
	mb_set_error(err, "%s: %s", f->path, strerror(errno));
	if (fd >= 0)
		close(fd);
	state_flash_free(f);
	return NULL;
}

static bool grow(struct state_flash *f, size_t to)
{
	int fd = open(f->path, O_RDWR | O_CLOEXEC);
	bool ok = fd >= 0 && erase_file(fd, f->file_size, to);

	if (fd >= 0)
		close(fd);
	if (!ok) {
		if (!f->warned)
			fprintf(stderr,
				"bandsim: %s: cannot grow to %zu bytes: %s\n",
				f->path, to, strerror(errno));
		f->warned = true;
		return false;
	}
	f->file_size = to;
	return true;
}

uint8_t *state_flash_sector(void *user_data, size_t sector, bool write)
{
	struct state_flash *f = user_data;
	uint8_t *mem;
	int fd;

	if (f->window != MAP_FAILED && f->window_sector == sector)
		return f->window;
	if ((sector + 1) * MB_FLASH_SECTOR_SIZE > f->file_size) {
		/* Beyond what the file holds: erased; written, the file
		 * grows to it, erased. */
		if (!write || !grow(f, (sector + 1) * MB_FLASH_SECTOR_SIZE))
			return NULL;
	}
	/* The file is opened only to map the next sector (once every 255
	 * minutes of band life): a fleet of ten thousand bands holds one fd
	 * a band, its socket, not two. */
	fd = open(f->path, O_RDWR | O_CLOEXEC);
	mem = fd < 0 ? MAP_FAILED
		     : mmap(NULL, MB_FLASH_SECTOR_SIZE, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd,
			    (off_t)(sector * MB_FLASH_SECTOR_SIZE));
	if (fd >= 0)
		close(fd);
	if (mem == MAP_FAILED) {
		/* The chip is out of reach: the band reads it as erased and
		 * its writes are lost, as with a dead chip. */
		if (!f->warned)
			fprintf(stderr, "bandsim: %s: sector %zu: %s\n",
				f->path, sector, strerror(errno));
		f->warned = true;
		return NULL;
	}
	if (f->window != MAP_FAILED)
		munmap(f->window, MB_FLASH_SECTOR_SIZE);
	f->window = mem;
	f->window_sector = sector;
	(void)write;
	return mem;
}

void state_flash_free(struct state_flash *f)
{
	if (!f)
		return;
	if (f->window != MAP_FAILED)
		munmap(f->window, MB_FLASH_SECTOR_SIZE);
	free(f->path);
	free(f);
}
