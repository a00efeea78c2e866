// SPDX-License-Identifier: GPL-2.0-or-later
#include "att-queue.h"

#include <stdlib.h>
#include <string.h>

#include "att.h"
#include "util.h"

/* One Prepare Write Request's part of a value. */
struct part {
	uint16_t handle;
	uint16_t offset;
	uint8_t *value;
	size_t len;
};

struct mb_att_queue {
	size_t max, n;
	struct part parts[];
};

struct mb_att_queue *mb_att_queue_new(size_t max)
{
	struct mb_att_queue *q =
		mb_malloc0(sizeof(*q) + max * sizeof(q->parts[0]));

	q->max = max;
	return q;
}

void mb_att_queue_free(struct mb_att_queue *q)
{
	if (!q)
		return;
	mb_att_queue_clear(q);
	free(q);
}

bool mb_att_queue_full(const struct mb_att_queue *q)
{
	return q->n >= q->max;
}

size_t mb_att_queue_len(const struct mb_att_queue *q)
{
	return q->n;
}

void mb_att_queue_add(struct mb_att_queue *q, uint16_t handle, uint16_t offset,
		      const uint8_t *value, size_t len)
{
	struct part *p;

	if (q->n >= q->max)
		return;
	p = &q->parts[q->n++];
	*p = (struct part){ handle, offset, mb_malloc0(len ? len : 1), len };
	if (len)
		memcpy(p->value, value, len);
}

void mb_att_queue_clear(struct mb_att_queue *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->parts[i].value);
	q->n = 0;
}

size_t mb_att_queue_handles(const struct mb_att_queue *q, uint16_t *out,
			    size_t n)
{
	size_t found = 0;

	for (size_t i = 0; i < q->n; i++) {
		size_t k;

		for (k = 0; k < found && k < n; k++)
			if (out[k] == q->parts[i].handle)
				break;
		if (k < found)
			continue;
		if (found < n)
			out[found] = q->parts[i].handle;
		found++;
	}
	return found;
}

uint8_t mb_att_queue_assemble(const struct mb_att_queue *q, uint16_t handle,
			      uint8_t *buf, size_t max, size_t *len)
{
	size_t have = 0;

	for (size_t i = 0; i < q->n; i++) {
		const struct part *p = &q->parts[i];

		if (p->handle != handle)
			continue;
		if (p->offset != have)
			return MB_ATT_ERROR_INVALID_OFFSET;
		if (p->len > max - have)
			return MB_ATT_ERROR_INVALID_VALUE_LEN;
		memcpy(buf + have, p->value, p->len);
		have += p->len;
	}
	*len = have;
	return 0;
}
