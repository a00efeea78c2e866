// SPDX-License-Identifier: GPL-2.0-or-later
#include "chunked.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* protocol §2.6, as Gadgetbridge and satcar77 write them: the first of
 * several carries no flag, the ones after it 0x40, the last 0x80 alone,
 * a transfer of one both ("weird but true", Gadgetbridge says). */
#define FLAG_MIDDLE 0x40
#define FLAG_LAST 0x80
#define FLAGS (FLAG_MIDDLE | FLAG_LAST)
#define FLAGS_FIRST 0x00
#define FLAGS_SINGLE (FLAG_MIDDLE | FLAG_LAST)
#define HEADER 3
#define NO_TYPE 0xff

enum chunk_state {
	CHUNK_W4_FIRST, /* no transfer */
	CHUNK_W4_NEXT,	/* a transfer waits for chunk `next` */
	CHUNK_W4_NEW,	/* a transfer was dropped: the rest of its chunks
			 * are let go without a word until a first chunk */
};

struct mb_chunked {
	enum chunk_state state;
	uint8_t type;
	uint8_t next; /* the index the next chunk must carry (wraps) */
	size_t len, max;
	uint8_t buf[];
};

static const char *const drop_names[MB_CHUNK_DROP_COUNT] = {
	[MB_CHUNK_DROP_MALFORMED] = "malformed",
	[MB_CHUNK_DROP_OUT_OF_ORDER] = "out-of-order",
	[MB_CHUNK_DROP_MISSING_LAST] = "missing-last",
	[MB_CHUNK_DROP_TIMEOUT] = "timeout",
	[MB_CHUNK_DROP_TOO_LONG] = "too-long",
	[MB_CHUNK_DROP_DISCONNECTED] = "disconnected",
	[MB_CHUNK_DROP_UNKNOWN_TYPE] = "unknown-type",
};

const char *mb_chunk_drop_name(enum mb_chunk_drop reason)
{
	return reason < MB_CHUNK_DROP_COUNT ? drop_names[reason] : "unknown";
}

struct mb_chunked *mb_chunked_new(size_t max_bytes)
{
	struct mb_chunked *c = mb_malloc0(sizeof(*c) + max_bytes);

	c->max = max_bytes;
	return c;
}

void mb_chunked_free(struct mb_chunked *c)
{
	free(c);
}

static void drop(struct mb_chunked *c, enum mb_chunk_drop reason, uint8_t type,
		 enum chunk_state then, struct mb_chunk_result *out)
{
	out->dropped = true;
	out->reason = reason;
	out->dropped_type = type;
	c->state = then;
	c->len = 0;
}

/* Appends a chunk's payload; false (and the transfer dropped) past the
 * bound. */
static bool append(struct mb_chunked *c, const uint8_t *p, size_t n,
		   struct mb_chunk_result *out)
{
	if (n > c->max - c->len) {
		drop(c, MB_CHUNK_DROP_TOO_LONG, c->type, CHUNK_W4_NEW, out);
		return false;
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	return true;
}

/* A first chunk (or one alone) starts a transfer; one still waiting never
 * got its last chunk.  Its index is where the count starts. */
static void first(struct mb_chunked *c, uint8_t type, uint8_t index, bool last,
		  const uint8_t *p, size_t n, struct mb_chunk_result *out)
{
	if (c->state == CHUNK_W4_NEXT)
		drop(c, MB_CHUNK_DROP_MISSING_LAST, c->type, CHUNK_W4_FIRST,
		     out);
	c->state = CHUNK_W4_NEXT;
	c->type = type;
	c->next = (uint8_t)(index + 1);
	c->len = 0;
	if (!append(c, p, n, out) || !last)
		return;
	c->state = CHUNK_W4_FIRST;
	out->done = true;
}

static void next(struct mb_chunked *c, uint8_t type, uint8_t index, bool last,
		 const uint8_t *p, size_t n, struct mb_chunk_result *out)
{
	switch (c->state) {
	case CHUNK_W4_NEW:
		/* The rest of a transfer already dropped. */
		if (last)
			c->state = CHUNK_W4_FIRST;
		return;
	case CHUNK_W4_FIRST:
		drop(c, MB_CHUNK_DROP_OUT_OF_ORDER, type,
		     last ? CHUNK_W4_FIRST : CHUNK_W4_NEW, out);
		return;
	case CHUNK_W4_NEXT:
		break;
	}
	if (type != c->type || index != c->next) {
		drop(c, MB_CHUNK_DROP_OUT_OF_ORDER, c->type,
		     last ? CHUNK_W4_FIRST : CHUNK_W4_NEW, out);
		return;
	}
	c->next++;
	if (!append(c, p, n, out)) {
		if (last)
			c->state = CHUNK_W4_FIRST;
		return;
	}
	if (!last)
		return;
	c->state = CHUNK_W4_FIRST;
	out->done = true;
}

void mb_chunked_write(struct mb_chunked *c, const uint8_t *v, size_t len,
		      struct mb_chunk_result *out)
{
	uint8_t flags, type;

	*out = (struct mb_chunk_result){ .dropped_type = NO_TYPE };
	/* Not a chunk: it changes nothing, not even a transfer under way. */
	if (len < HEADER || v[0] != 0x00) {
		out->dropped = true;
		out->reason = MB_CHUNK_DROP_MALFORMED;
		return;
	}
	flags = v[1] & FLAGS;
	type = v[1] & (uint8_t)~FLAGS;
	if (flags == FLAGS_FIRST || flags == FLAGS_SINGLE)
		first(c, type, v[2], flags == FLAGS_SINGLE, v + HEADER,
		      len - HEADER, out);
	else
		next(c, type, v[2], flags == FLAG_LAST, v + HEADER,
		     len - HEADER, out);
}

bool mb_chunked_abort(struct mb_chunked *c, enum mb_chunk_drop reason,
		      struct mb_chunk_result *out)
{
	bool pending = c->state == CHUNK_W4_NEXT;

	*out = (struct mb_chunk_result){ .dropped_type = NO_TYPE };
	if (pending)
		drop(c, reason, c->type, CHUNK_W4_FIRST, out);
	c->state = CHUNK_W4_FIRST;
	return pending;
}

bool mb_chunked_pending(const struct mb_chunked *c)
{
	return c->state == CHUNK_W4_NEXT;
}

uint8_t mb_chunked_type(const struct mb_chunked *c)
{
	return c->type;
}

const uint8_t *mb_chunked_data(const struct mb_chunked *c, size_t *len)
{
	*len = c->len;
	return c->buf;
}
