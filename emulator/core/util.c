// SPDX-License-Identifier: GPL-2.0-or-later
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *mb_malloc0(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p)
		abort();
	return p;
}

void *mb_realloc_n(void *p, size_t n, size_t size)
{
	void *q;

	if (size && n > SIZE_MAX / size)
		abort();
	q = realloc(p, n && size ? n * size : 1);
	if (!q)
		abort();
	return q;
}

void *mb_memdup(const void *p, size_t len)
{
	void *q = mb_malloc0(len);

	if (len)
		memcpy(q, p, len);
	return q;
}

char *mb_strdup(const char *s)
{
	return s ? mb_memdup(s, strlen(s) + 1) : NULL;
}

char *mb_strdup_vprintf(const char *fmt, va_list ap)
{
	va_list aq;
	int n;
	char *s;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		abort();
	s = mb_malloc0((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *mb_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = mb_strdup_vprintf(fmt, ap);
	va_end(ap);
	return s;
}

void mb_set_error(char **err, const char *fmt, ...)
{
	va_list ap;

	if (!err || *err)
		return;
	va_start(ap, fmt);
	*err = mb_strdup_vprintf(fmt, ap);
	va_end(ap);
}

int mb_hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The units of mb_duration_parse(), in milliseconds. */
static const struct {
	char unit;
	uint64_t ms;
} duration_units[] = {
	{ 's', 1000 },
	{ 'm', 60 * 1000 },
	{ 'h', 60 * 60 * 1000 },
	{ 'd', 24 * 60 * 60 * 1000 },
};

bool mb_duration_parse(const char *s, uint64_t *ms)
{
	uint64_t n = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p == s || !*p || p[1])
		return false;
	for (size_t i = 0; i < MB_ARRAY_SIZE(duration_units); i++) {
		if (duration_units[i].unit != *p)
			continue;
		if (n > UINT64_MAX / duration_units[i].ms)
			return false;
		*ms = n * duration_units[i].ms;
		return true;
	}
	return false;
}

bool mb_hex_parse(const char *s, uint8_t **out, size_t *out_len)
{
	size_t cap = strlen(s) / 2 + 1, n = 0;
	uint8_t *buf = mb_malloc0(cap);
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (isspace((unsigned char)*s) || *s == ':') {
			if (hi >= 0)
				goto fail;
			continue;
		}
		v = mb_hex_nibble(*s);
		if (v < 0)
			goto fail;
		if (hi < 0) {
			hi = v;
			continue;
		}
		buf[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		goto fail;
	*out = buf;
	*out_len = n;
	return true;
fail:
	free(buf);
	return false;
}

void mb_hex_format(const uint8_t *p, size_t len, char *buf, size_t size)
{
	size_t off = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < len && off + 3 < size; i++)
		off += (size_t)snprintf(buf + off, size - off,
					i ? " %02x" : "%02x", p[i]);
}

void mb_hexdump(char dir, const uint8_t *p, size_t len, mb_debug_func_t fn,
		void *user_data)
{
	char line[16 * 3 + 8];

	if (!fn)
		return;
	for (size_t i = 0; i < len || i == 0; i += 16) {
		size_t n = len - i < 16 ? len - i : 16;
		int off = snprintf(line, sizeof(line), "%c ", i ? ' ' : dir);

		mb_hex_format(p + i, n, line + off, sizeof(line) - (size_t)off);
		fn(line, user_data);
		if (!len)
			break;
	}
}

uint16_t mb_crc16(const uint8_t *p, size_t len)
{
	/* A nibble at a time: the log computes one per record written and
	 * read, and a bit at a time was a tenth of a minute's tick. */
	static const uint16_t nibble[16] = {
		0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5, 0x60c6, 0x70e7,
		0x8108, 0x9129, 0xa14a, 0xb16b, 0xc18c, 0xd1ad, 0xe1ce, 0xf1ef,
	};
	uint16_t crc = 0xffff;

	while (len--) {
		crc = (uint16_t)(crc << 4 ^ nibble[(crc >> 12) ^ (*p >> 4)]);
		crc = (uint16_t)(crc << 4 ^
				 nibble[(crc >> 12) ^ (*p++ & 0x0f)]);
	}
	return crc;
}
