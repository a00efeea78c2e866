/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gatt.h"
#include "services.h"

/* A band that misbehaves on purpose (--mutate SEED[:RATE],
 * docs/mutate.md): a structured fuzzer of the *client*.  It changes the
 * Huami payloads of a sync as they go out, within the protocol's
 * grammar: lengths, packet counters, the announced count and time,
 * status codes, sample bytes, notification order, an end reply sent
 * twice or not at all.  Each change is an event, mutated {kind, chr,
 * offset, was, value}, and the changes follow from SEED and what the
 * band sends, so a run repeats byte for byte.  Nothing the band keeps
 * changes: only what crosses the link. */
enum mb_mutation {
	MB_MUTATION_SHORT,	 /* one byte less */
	MB_MUTATION_LONG,	 /* a zero byte more */
	MB_MUTATION_COUNTER,	 /* an activity packet's counter moved */
	MB_MUTATION_COUNT,	 /* the count of 10 01 01 off by one */
	MB_MUTATION_TIMESTAMP,	 /* a field of 10 01 01's time out of range */
	MB_MUTATION_STATUS,	 /* a reply's status not 01 */
	MB_MUTATION_SAMPLE,	 /* a sample byte replaced */
	MB_MUTATION_ORDER,	 /* a packet held back behind the next */
	MB_MUTATION_END_TWICE,	 /* 10 02 01 sent twice */
	MB_MUTATION_END_MISSING, /* 10 02 01 not sent */
	MB_MUTATION_COUNT_OF
};

const char *mb_mutation_name(enum mb_mutation m);

/* How a value goes on towards the link (the fault plan's notify). */
typedef bool (*mb_mutate_send_fn)(const struct mb_gatt_chr *chr,
				  const uint8_t *value, size_t len,
				  void *user_data);

struct mb_mutate;

/* rate: the chance, 0 to 1, that a notification of the sync (fetch
 * control, activity data) is changed. */
struct mb_mutate *mb_mutate_new(const struct mb_services *svc,
				const struct mb_gatt *gatt, uint64_t seed,
				double rate);
void mb_mutate_free(struct mb_mutate *m);

/* A notification on chr, changed or not, sent through send (none, once
 * or twice); what the last send returned, true when none was due. */
bool mb_mutate_notify(struct mb_mutate *m, const struct mb_gatt_chr *chr,
		      const uint8_t *value, size_t len, mb_mutate_send_fn send,
		      void *user_data);

/* The link went: a packet held back goes with it. */
void mb_mutate_link_down(struct mb_mutate *m);
