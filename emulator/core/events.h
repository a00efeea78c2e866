/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A protocol milestone, for the control plane's Event signal
 * (docs/dbus/io.bandsim.Band1.md).  Plain C: the D-Bus layer turns it
 * into (s, a{sv}). */
enum mb_event_type {
	MB_EVENT_TYPE_STRING,
	MB_EVENT_TYPE_BYTE,
	MB_EVENT_TYPE_UINT32,
};

struct mb_event_field {
	const char *key;
	enum mb_event_type type;
	const char *str;
	uint8_t byte;
	uint32_t u32;
};

#define MB_EVENT_MAX_FIELDS 4

struct mb_event {
	const char *name;
	struct mb_event_field fields[MB_EVENT_MAX_FIELDS];
	size_t n_fields;
};

typedef void (*mb_event_func_t)(const struct mb_event *event, void *user_data);

void mb_event_init(struct mb_event *ev, const char *name);
void mb_event_add_string(struct mb_event *ev, const char *key, const char *value);
void mb_event_add_byte(struct mb_event *ev, const char *key, uint8_t value);
void mb_event_add_uint32(struct mb_event *ev, const char *key, uint32_t value);
/* The value of key, or NULL (tests). */
const struct mb_event_field *mb_event_field(const struct mb_event *ev,
					    const char *key);
