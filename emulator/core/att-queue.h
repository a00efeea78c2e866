/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The prepare queue of one link (Core Vol 3 Part F 3.4.6): the parts of
 * long writes, in the order the Prepare Write Requests came, until an
 * Execute Write writes or cancels them.  Bounded: the ATT server answers
 * Prepare Queue Full when it is full (docs/policies.md#long-writes). */
struct mb_att_queue;

struct mb_att_queue *mb_att_queue_new(size_t max);
void mb_att_queue_free(struct mb_att_queue *q);

bool mb_att_queue_full(const struct mb_att_queue *q);
size_t mb_att_queue_len(const struct mb_att_queue *q);
/* Keeps a copy of value; the caller checked the queue is not full. */
void mb_att_queue_add(struct mb_att_queue *q, uint16_t handle, uint16_t offset,
		      const uint8_t *value, size_t len);
void mb_att_queue_clear(struct mb_att_queue *q);

/* The handles the queue holds parts for, each once, in the order of their
 * first part; returns how many (at most n are stored). */
size_t mb_att_queue_handles(const struct mb_att_queue *q, uint16_t *out,
			    size_t n);
/* The whole value queued for handle, into buf: 0, or Invalid Offset when
 * a part does not continue the parts before it (the first starts at 0:
 * the band replaces a value whole), Invalid Attribute Value Length when
 * they add up to more than max bytes. */
uint8_t mb_att_queue_assemble(const struct mb_att_queue *q, uint16_t handle,
			      uint8_t *buf, size_t max, size_t *len);
