// SPDX-License-Identifier: GPL-2.0-or-later
#include "events.h"

#include <stdlib.h>
#include <string.h>

void mb_event_init(struct mb_event *ev, const char *name)
{
	memset(ev, 0, sizeof(*ev));
	ev->name = name;
}

static struct mb_event_field *add(struct mb_event *ev, const char *key)
{
	/* Fields are fixed at compile time; overflowing is a bug. */
	if (ev->n_fields == MB_EVENT_MAX_FIELDS)
		abort();
	ev->fields[ev->n_fields].key = key;
	return &ev->fields[ev->n_fields++];
}

void mb_event_add_string(struct mb_event *ev, const char *key, const char *value)
{
	struct mb_event_field *f = add(ev, key);

	f->type = MB_EVENT_TYPE_STRING;
	f->str = value;
}

void mb_event_add_byte(struct mb_event *ev, const char *key, uint8_t value)
{
	struct mb_event_field *f = add(ev, key);

	f->type = MB_EVENT_TYPE_BYTE;
	f->byte = value;
}

void mb_event_add_uint32(struct mb_event *ev, const char *key, uint32_t value)
{
	struct mb_event_field *f = add(ev, key);

	f->type = MB_EVENT_TYPE_UINT32;
	f->u32 = value;
}

const struct mb_event_field *mb_event_field(const struct mb_event *ev,
					    const char *key)
{
	for (size_t i = 0; i < ev->n_fields; i++)
		if (!strcmp(ev->fields[i].key, key))
			return &ev->fields[i];
	return NULL;
}
