// SPDX-License-Identifier: GPL-2.0-or-later
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

static bool write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static size_t kill_after = SIZE_MAX;

void state_store_kill_after(size_t bytes)
{
	kill_after = bytes;
}

bool state_store_write_atomic(const char *dir, const char *name,
			      const void *data, size_t len, char **err)
{
	char *path = mb_strdup_printf("%s/%s", dir, name);
	char *tmp = mb_strdup_printf("%s/.%s.tmp", dir, name);
	bool ok = false;
	int fd, dfd;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		mb_set_error(err, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (kill_after != SIZE_MAX) {
		write_all(fd, data, len < kill_after ? len : kill_after);
		close(fd);
		mb_set_error(err, "%s: killed after %zu bytes (test)", tmp,
			     kill_after);
		goto out;
	}
	if (!write_all(fd, data, len) || fsync(fd) < 0) {
		mb_set_error(err, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		mb_set_error(err, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* The rename itself is durable only once the directory is synced. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	ok = true;
out:
	free(path);
	free(tmp);
	return ok;
}

bool state_store_mkdir(const char *dir, char **err)
{
	char *copy = mb_strdup(dir);
	bool ok = true;

	for (char *p = copy + 1; ok; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
			mb_set_error(err, "%s: %s", copy, strerror(errno));
			ok = false;
		}
		*p = c;
		if (!c)
			break;
	}
	free(copy);
	return ok;
}

bool state_store_read_file(const char *path, size_t max, char **out,
			   size_t *out_len, char **err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		mb_set_error(err, "%s: %s", path, strerror(errno));
		return false;
	}
	for (;;) {
		size_t n;

		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (len > max) {
			mb_set_error(err, "%s: larger than %zu bytes", path,
				     max);
			goto fail;
		}
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		mb_set_error(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return true;
fail:
	fclose(f);
	free(buf);
	return false;
}
