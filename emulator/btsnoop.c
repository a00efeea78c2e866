// SPDX-License-Identifier: GPL-2.0-or-later
#include "btsnoop.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

/* btsnoop: big-endian; datalink 1002 = HCI UART (H4); timestamps in
 * microseconds since 0000-01-01, the Unix epoch at 0x00dcddb30f2f8000. */
#define BTSNOOP_DATALINK_H4 1002u
#define BTSNOOP_EPOCH_US 0x00dcddb30f2f8000ull
#define FLAG_RECEIVED 0x01
#define FLAG_EVENT 0x02
#define H4_ACL 0x02
#define H4_EVENT 0x04
#define CONN_HANDLE 0x0001
#define ATT_CID 0x0004

struct btsnoop {
	FILE *f;
	uint64_t last_us;
};

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static void record(struct btsnoop *b, uint32_t flags, const uint8_t *pkt,
		   size_t len, uint64_t band_ms)
{
	uint8_t h[24];
	/* Band time in µs; packets of one band millisecond keep their
	 * order one microsecond apart. */
	uint64_t us = band_ms * 1000;

	if (!b)
		return;
	if (us <= b->last_us)
		us = b->last_us + 1;
	b->last_us = us;
	put_be32(h, (uint32_t)len);
	put_be32(h + 4, (uint32_t)len);
	put_be32(h + 8, flags);
	put_be32(h + 12, 0);
	put_be64(h + 16, us + BTSNOOP_EPOCH_US);
	fwrite(h, 1, sizeof(h), b->f);
	fwrite(pkt, 1, len, b->f);
	/* Written through, so a capture survives a kill. */
	fflush(b->f);
}

void btsnoop_close(struct btsnoop *b)
{
	if (!b)
		return;
	if (b->f)
		fclose(b->f);
	g_free(b);
}

struct btsnoop *btsnoop_open(const char *path, GError **error)
{
	static const uint8_t header[16] = { 'b', 't',  's',  'n', 'o', 'o',
					    'p', '\0', 0,    0,	  0,   1,
					    0,	 0,    0x03, 0xea };
	struct btsnoop *b = g_new0(struct btsnoop, 1);
	int e;

	b->f = fopen(path, "wb");
	if (b->f && fwrite(header, 1, sizeof(header), b->f) == sizeof(header)) {
		/* A band killed before its first packet still leaves a
		 * valid file. */
		fflush(b->f);
		return b;
	}
	e = errno;
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "%s: %s", path,
		    g_strerror(e));
	btsnoop_close(b);
	return NULL;
}

void btsnoop_att(struct btsnoop *b, bool from_central, const uint8_t *pdu,
		 size_t len, uint64_t band_ms)
{
	uint8_t pkt[1 + 4 + 4 + 1024];

	if (len > 1024)
		len = 1024;
	pkt[0] = H4_ACL;
	/* Handle with PB = 10 (first automatically flushable). */
	pkt[1] = CONN_HANDLE & 0xff;
	pkt[2] = ((CONN_HANDLE >> 8) & 0x0f) | 0x20;
	pkt[3] = (uint8_t)((len + 4) & 0xff);
	pkt[4] = (uint8_t)((len + 4) >> 8);
	pkt[5] = (uint8_t)(len & 0xff);
	pkt[6] = (uint8_t)(len >> 8);
	pkt[7] = ATT_CID & 0xff;
	pkt[8] = ATT_CID >> 8;
	memcpy(pkt + 9, pdu, len);
	record(b, from_central ? FLAG_RECEIVED : 0, pkt, 9 + len, band_ms);
}

void btsnoop_connected(struct btsnoop *b, uint64_t band_ms)
{
	/* LE Meta, LE Connection Complete: success, handle 1, role
	 * peripheral, the central's address unknown (public 00:..:00),
	 * interval 30 ms, latency 0, timeout 4 s, accuracy 0. */
	const uint8_t pkt[] = { H4_EVENT,
				0x3e,
				19,
				0x01,
				0x00,
				CONN_HANDLE & 0xff,
				CONN_HANDLE >> 8,
				0x01,
				0x00,
				0,
				0,
				0,
				0,
				0,
				0,
				0x18,
				0x00,
				0x00,
				0x00,
				0x90,
				0x01,
				0x00 };

	record(b, FLAG_RECEIVED | FLAG_EVENT, pkt, sizeof(pkt), band_ms);
}

void btsnoop_disconnected(struct btsnoop *b, uint64_t band_ms)
{
	/* Disconnection Complete: success, handle 1, reason 0x13 (remote
	 * user terminated connection). */
	const uint8_t pkt[] = {
		H4_EVENT,	  0x05, 4, 0x00, CONN_HANDLE & 0xff,
		CONN_HANDLE >> 8, 0x13
	};

	record(b, FLAG_RECEIVED | FLAG_EVENT, pkt, sizeof(pkt), band_ms);
}
