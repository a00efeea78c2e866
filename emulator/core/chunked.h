/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reassembly of the chunked transfers on 00000020 (protocol §2.6): each
 * write is 00 <flags | type> <index> <payload>; 0x80 marks the last
 * chunk, 0x40 one that continues a transfer, 0xC0 a transfer of one.  One
 * transfer at a time, bounded; what goes wrong drops the transfer with a
 * reason (docs/policies.md#chunked-transfers). */
struct mb_chunked;

/* Why a transfer, or one write, was dropped (chunk-dropped's reason). */
enum mb_chunk_drop {
	MB_CHUNK_DROP_MALFORMED,    /* not a chunk: short, or byte 0 not 00 */
	MB_CHUNK_DROP_OUT_OF_ORDER, /* not the next index, another type, or
				     * a continuation of nothing */
	MB_CHUNK_DROP_MISSING_LAST, /* a new transfer began first */
	MB_CHUNK_DROP_TIMEOUT,	    /* the next chunk did not come */
	MB_CHUNK_DROP_TOO_LONG,	    /* more than chunk-max-bytes */
	MB_CHUNK_DROP_DISCONNECTED, /* the link ended before the last */
	MB_CHUNK_DROP_UNKNOWN_TYPE, /* whole, but no part takes its type */
	MB_CHUNK_DROP_COUNT
};

const char *mb_chunk_drop_name(enum mb_chunk_drop reason);

/* What one write did: it may end one transfer and complete another (a
 * transfer of one after a transfer that never got its last chunk). */
struct mb_chunk_result {
	bool dropped;
	enum mb_chunk_drop reason;
	uint8_t dropped_type; /* 0xff: the write carried none */
	bool done;	      /* mb_chunked_data() holds a whole transfer */
};

struct mb_chunked *mb_chunked_new(size_t max_bytes);
void mb_chunked_free(struct mb_chunked *c);

void mb_chunked_write(struct mb_chunked *c, const uint8_t *v, size_t len,
		      struct mb_chunk_result *out);
/* The transfer under way is dropped (the link ended, its time ran out):
 * false if none was. */
bool mb_chunked_abort(struct mb_chunked *c, enum mb_chunk_drop reason,
		      struct mb_chunk_result *out);
/* Whether a transfer waits for its next chunk. */
bool mb_chunked_pending(const struct mb_chunked *c);

/* The whole transfer the last write completed, until the next write. */
uint8_t mb_chunked_type(const struct mb_chunked *c);
const uint8_t *mb_chunked_data(const struct mb_chunked *c, size_t *len);
