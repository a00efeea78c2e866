/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the control plane's own files; not for the rest of the
 * emulator. */

#include <stdbool.h>
#include <stdint.h>

#include "control.h"

#define CONTROL_ERROR_INVALID_ARGS "io.bandsim.Error.InvalidArgs"
#define CONTROL_ERROR_FAILED "io.bandsim.Error.Failed"
/* Events in one Events signal at most: a month of band life is ~750. */
#define CONTROL_MAX_BATCH 1024

/* Every property of io.bandsim.Band1.  Those before
 * CONTROL_PROP_N_WATCHED announce their changes, in this order, in
 * PropertiesChanged; the others move all the time and are only read on
 * demand. */
enum control_prop {
	CONTROL_PROP_STATE,
	CONTROL_PROP_PROMPT,
	CONTROL_PROP_BOUND,
	CONTROL_PROP_KEY_ID,
	CONTROL_PROP_ADDRESS,
	CONTROL_PROP_AUTHENTICATED,
	CONTROL_PROP_ACKED_UNTIL,
	CONTROL_PROP_BATTERY,
	CONTROL_PROP_CHARGING,
	CONTROL_PROP_FIRMWARE,
	CONTROL_PROP_BUSY,
	CONTROL_PROP_FAULTS,
	CONTROL_PROP_SETTINGS,
	CONTROL_PROP_HEART_RATE,
	CONTROL_PROP_SCREEN,
	CONTROL_PROP_BONDS,
	CONTROL_PROP_N_WATCHED,
	CONTROL_PROP_STORED_SAMPLES = CONTROL_PROP_N_WATCHED,
	CONTROL_PROP_CLOCK,
	CONTROL_PROP_ADVERTISEMENT,
	CONTROL_PROP_COUNT,
};

/* A set of watched properties. */
#define CONTROL_PROP_BIT(p) (1u << (p))

struct control {
	struct mb_band *band;
	const struct control_host *host;
	void *host_data;
	GDBusConnection *conn;
	char *path; /* of the band's object */
	GDBusNodeInfo *info;
	guint reg_id;
	/* The value of each watched property as last announced. */
	GVariant *last[CONTROL_PROP_N_WATCHED];
	/* What the band may have changed after its last event, compared at
	 * the next one; and what it may change without an event until the
	 * link ends, compared at every event (control-props.c). */
	uint32_t pending;
	uint32_t for_link;
	/* Since the last Events signal: the events, what they can have
	 * changed, and what the band may change after them (control_flush);
	 * the idle source that sends them. */
	GVariantBuilder *events;
	size_t n_events;
	uint32_t dirty;
	uint32_t after;
	guint flush_id;
};

/* control.c */
/* An event's field (or the screen's) as a D-Bus value: s, y or u. */
GVariant *control_field_value(const struct mb_event_field *f);

/* control-props.c */
/* Every property of the introspection data has a getter. */
bool control_props_check(const GDBusInterfaceInfo *iface, GError **error);
/* The property's value now (floating), or NULL for a name not on
 * io.bandsim.Band1. */
GVariant *control_props_get(struct control *c, const char *name);
/* Remembers every watched property as announced (at start). */
void control_props_init(struct control *c);
void control_props_clear(struct control *c);
/* Compares the properties in the set, and those the band may have
 * changed since its last event, with what was last announced; emits one
 * PropertiesChanged with those that differ. */
void control_props_refresh(struct control *c, uint32_t props);
/* The band emitted ev: notes what it can have changed, for the next
 * control_props_flush(). */
void control_props_event(struct control *c, enum mb_event_id id);
/* Compares what the events since the last flush can have changed, and
 * the set; what the band may change after them is compared again at the
 * next flush. */
void control_props_flush(struct control *c, uint32_t set);

/* control.c */
/* Sends the events queued since the last flush as one Events signal,
 * then PropertiesChanged for them and for the set. */
void control_flush(struct control *c, uint32_t props);

/* control-methods.c */
/* Every method of the introspection data has a row, with the same
 * arguments. */
bool control_methods_check(const GDBusInterfaceInfo *iface, GError **error);
void control_methods_call(struct control *c, const char *method, GVariant *args,
			  GDBusMethodInvocation *inv);
