/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MB_EXPORT __attribute__((visibility("default")))
#define MB_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Wire byte order is little-endian throughout (protocol-miband4.md); never
 * cast wire buffers to structs. */
static inline uint16_t mb_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t mb_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void mb_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static inline void mb_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/* Allocation that cannot return NULL: the emulator aborts on OOM. */
void *mb_malloc0(size_t size);
/* p resized to n elements of size bytes each (what grew is not cleared). */
void *mb_realloc_n(void *p, size_t n, size_t size);
/* A new object of type from designated initialisers, the rest zero:
 * MB_NEW(struct mb_rtc, .svc = svc).  A part's constructor in one place. */
#define MB_NEW(type, ...) \
	((type *)mb_memdup(&(type){ __VA_ARGS__ }, sizeof(type)))
void *mb_memdup(const void *p, size_t len);
char *mb_strdup(const char *s);
char *mb_strdup_printf(const char *fmt, ...) MB_PRINTF(1, 2);
char *mb_strdup_vprintf(const char *fmt, va_list ap) MB_PRINTF(1, 0);

/* Sets *err (if err is non-NULL and still unset) to a newly allocated
 * message.  Errors that reach a user name file, line and field. */
void mb_set_error(char **err, const char *fmt, ...) MB_PRINTF(2, 3);

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xffff, no reflection (the one
 * Gadgetbridge uses, protocol §7.2; check value 0x29b1). */
uint16_t mb_crc16(const uint8_t *p, size_t len);

/* The value of one hex digit, or -1. */
int mb_hex_nibble(char c);

/* "01 57 0a" or "01570a" -> bytes; false on odd digits or junk. */
bool mb_hex_parse(const char *s, uint8_t **out, size_t *out_len);
/* bytes -> "01 57 0a" into buf (3 * len bytes needed). */
void mb_hex_format(const uint8_t *p, size_t len, char *buf, size_t size);

/* "90m", "36h", "3d": a whole number of seconds, minutes, hours or days
 * (s, m, h, d) -> *ms.  False for anything else (no unit, a sign, a
 * fraction, a space, more than fits in 64 bits of milliseconds). */
bool mb_duration_parse(const char *s, uint64_t *ms);

/* Hexdump for debug output: calls fn once per line, prefixed by dir. */
typedef void (*mb_debug_func_t)(const char *line, void *user_data);
void mb_hexdump(char dir, const uint8_t *p, size_t len, mb_debug_func_t fn,
		void *user_data);
