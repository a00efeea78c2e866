// SPDX-License-Identifier: GPL-2.0-or-later
/* The band as a fuzzer of its client (mutate.h). */
#include "mutate.h"

#include <stdlib.h>
#include <string.h>

#include "att.h"
#include "chrs.h"
#include "events.h"
#include "prng.h"
#include "util.h"

/* 10 01 01 <count u32> <time 8>: where its fields are. */
#define START_COUNT 3
#define START_TIME 7
#define START_LEN 15
#define END_REPLY_LEN 3

static const char *const names[] = {
	[MB_MUTATION_SHORT] = "short",
	[MB_MUTATION_LONG] = "long",
	[MB_MUTATION_COUNTER] = "counter",
	[MB_MUTATION_COUNT] = "count",
	[MB_MUTATION_TIMESTAMP] = "timestamp",
	[MB_MUTATION_STATUS] = "status",
	[MB_MUTATION_SAMPLE] = "sample",
	[MB_MUTATION_ORDER] = "order",
	[MB_MUTATION_END_TWICE] = "end-twice",
	[MB_MUTATION_END_MISSING] = "end-missing",
};

const char *mb_mutation_name(enum mb_mutation m)
{
	return (size_t)m < MB_ARRAY_SIZE(names) ? names[m] : "?";
}

/* What each characteristic's values may become.  A reply's status is
 * moved to another the protocol has (02 malformed, 04 refused, 05). */
static const enum mb_mutation data_kinds[] = {
	MB_MUTATION_SHORT,  MB_MUTATION_LONG,  MB_MUTATION_COUNTER,
	MB_MUTATION_SAMPLE, MB_MUTATION_ORDER,
};
static const enum mb_mutation start_kinds[] = {
	MB_MUTATION_SHORT,     MB_MUTATION_LONG,   MB_MUTATION_COUNT,
	MB_MUTATION_TIMESTAMP, MB_MUTATION_STATUS,
};
static const enum mb_mutation end_kinds[] = {
	MB_MUTATION_SHORT,     MB_MUTATION_LONG,	MB_MUTATION_STATUS,
	MB_MUTATION_END_TWICE, MB_MUTATION_END_MISSING,
};
static const enum mb_mutation reply_kinds[] = {
	MB_MUTATION_SHORT,
	MB_MUTATION_LONG,
	MB_MUTATION_STATUS,
};
static const uint8_t other_status[] = { 0x02, 0x04, 0x05 };
/* Fields of the time, year u16 first, and a value each cannot have. */
static const struct {
	uint8_t offset, value;
} bad_fields[] = {
	{ 2, 13 }, /* month */
	{ 3, 32 }, /* day */
	{ 4, 24 }, /* hour */
	{ 5, 60 }, /* minute */
};
/* A counter one ahead (a gap), two ahead, or one back (a repeat). */
static const uint8_t counter_steps[] = { 0x01, 0x02, 0xff };

struct mb_mutate {
	const struct mb_services *svc;
	const struct mb_gatt_chr *control, *data;
	uint64_t state;
	uint64_t threshold; /* a draw below it mutates */
	/* A data packet held back (order), sent after the next one. */
	uint8_t held[MB_ATT_MAX_VALUE_LEN];
	size_t held_len;
};

struct mb_mutate *mb_mutate_new(const struct mb_services *svc,
				const struct mb_gatt *gatt, uint64_t seed,
				double rate)
{
	struct mb_mutate *m = mb_malloc0(sizeof(*m));

	m->svc = svc;
	m->control = mb_chr_resolve(gatt, MB_CHR_FETCH_CONTROL);
	m->data = mb_chr_resolve(gatt, MB_CHR_ACTIVITY_DATA);
	m->state = seed;
	if (rate >= 1.0)
		m->threshold = UINT64_MAX;
	else if (rate > 0.0)
		m->threshold = (uint64_t)(rate * 18446744073709551616.0);
	return m;
}

void mb_mutate_free(struct mb_mutate *m)
{
	free(m);
}

void mb_mutate_link_down(struct mb_mutate *m)
{
	m->held_len = 0;
}

static uint64_t draw(struct mb_mutate *m, uint64_t n)
{
	return mb_splitmix64(&m->state) % n;
}

static void emit(struct mb_mutate *m, enum mb_mutation kind,
		 const struct mb_gatt_chr *chr, size_t offset, uint8_t was,
		 uint8_t value)
{
	struct mb_event ev;

	mb_event_init(&ev, MB_EVENT_MUTATED);
	mb_event_add_string(&ev, "kind", mb_mutation_name(kind));
	mb_event_add_string(&ev, "chr",
			    chr == m->data ? "activity-data" : "fetch-control");
	mb_event_add_uint32(&ev, "offset", (uint32_t)offset);
	mb_event_add_byte(&ev, "was", was);
	mb_event_add_byte(&ev, "value", value);
	mb_svc_emit(m->svc, &ev);
}

/* The kinds that fit this value, or 0 of them: only a sync's values. */
static size_t kinds_for(const struct mb_mutate *m,
			const struct mb_gatt_chr *chr, const uint8_t *v,
			size_t len, const enum mb_mutation **kinds)
{
	if (chr == m->data && len > 1) {
		*kinds = data_kinds;
		return MB_ARRAY_SIZE(data_kinds);
	}
	if (chr != m->control || len < END_REPLY_LEN || v[0] != 0x10)
		return 0;
	if (v[1] == 0x01 && v[2] == 0x01 && len >= START_LEN) {
		*kinds = start_kinds;
		return MB_ARRAY_SIZE(start_kinds);
	}
	if (v[1] == 0x02 && v[2] == 0x01) {
		*kinds = end_kinds;
		return MB_ARRAY_SIZE(end_kinds);
	}
	*kinds = reply_kinds;
	return MB_ARRAY_SIZE(reply_kinds);
}

/* Sends a held packet before whatever goes next. */
static void flush(struct mb_mutate *m, mb_mutate_send_fn send, void *data)
{
	size_t len = m->held_len;

	m->held_len = 0;
	if (len)
		send(m->data, m->held, len, data);
}

bool mb_mutate_notify(struct mb_mutate *m, const struct mb_gatt_chr *chr,
		      const uint8_t *value, size_t len, mb_mutate_send_fn send,
		      void *data)
{
	const enum mb_mutation *kinds;
	uint8_t v[MB_ATT_MAX_VALUE_LEN];
	size_t n = kinds_for(m, chr, value, len, &kinds), at;
	enum mb_mutation kind;
	bool sent;

	if (!n || mb_splitmix64(&m->state) >= m->threshold || len > sizeof(v)) {
		/* A held packet goes after the next data packet. */
		if (chr != m->data || !m->held_len) {
			flush(m, send, data);
			return send(chr, value, len, data);
		}
		sent = send(chr, value, len, data);
		flush(m, send, data);
		return sent;
	}
	memcpy(v, value, len);
	kind = kinds[draw(m, n)];
	switch (kind) {
	case MB_MUTATION_SHORT:
		emit(m, kind, chr, len - 1, v[len - 1], 0x00);
		len--;
		break;
	case MB_MUTATION_LONG:
		if (len == sizeof(v))
			break;
		v[len++] = 0x00;
		emit(m, kind, chr, len - 1, 0x00, 0x00);
		break;
	case MB_MUTATION_COUNTER:
		v[0] = (uint8_t)(value[0] +
				 counter_steps[draw(
					 m, MB_ARRAY_SIZE(counter_steps))]);
		emit(m, kind, chr, 0, value[0], v[0]);
		break;
	case MB_MUTATION_COUNT:
		at = START_COUNT;
		v[at] = (uint8_t)(value[at] + (draw(m, 2) ? 1 : 0xff));
		emit(m, kind, chr, at, value[at], v[at]);
		break;
	case MB_MUTATION_TIMESTAMP:
		/* month, day, hour or minute out of its range: a time no
		 * clock shows, which a client must refuse (a time merely
		 * moved is a real band's gap, which no client can tell). */
		at = draw(m, MB_ARRAY_SIZE(bad_fields));
		v[START_TIME + bad_fields[at].offset] = bad_fields[at].value;
		at = START_TIME + bad_fields[at].offset;
		emit(m, kind, chr, at, value[at], v[at]);
		break;
	case MB_MUTATION_STATUS:
		v[2] = other_status[draw(m, MB_ARRAY_SIZE(other_status))];
		emit(m, kind, chr, 2, value[2], v[2]);
		break;
	case MB_MUTATION_SAMPLE:
		at = 1 + draw(m, len - 1);
		v[at] = (uint8_t)(value[at] ^ (1 + draw(m, 255)));
		emit(m, kind, chr, at, value[at], v[at]);
		break;
	case MB_MUTATION_ORDER:
		/* One held at a time: a second one goes out as it is. */
		emit(m, kind, chr, 0, value[0], value[0]);
		if (m->held_len)
			break;
		memcpy(m->held, v, len);
		m->held_len = len;
		return true;
	case MB_MUTATION_END_TWICE:
		emit(m, kind, chr, 0, value[0], value[0]);
		flush(m, send, data);
		send(chr, v, len, data);
		return send(chr, v, len, data);
	case MB_MUTATION_END_MISSING:
		emit(m, kind, chr, 0, value[0], value[0]);
		flush(m, send, data);
		return true;
	case MB_MUTATION_COUNT_OF:
		break;
	}
	if (chr == m->data && m->held_len) {
		sent = send(chr, v, len, data);
		flush(m, send, data);
		return sent;
	}
	flush(m, send, data);
	return send(chr, v, len, data);
}
