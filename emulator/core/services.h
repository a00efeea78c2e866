/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chrs.h"
#include "events.h"
#include "hooks.h"
#include "util.h"

/* What the band hands each of its parts (docs/architecture.md rule 2): the
 * only way a part reaches the rest of the band.  A part never sees the
 * band itself, so it can be built, tested and fuzzed with any provider
 * of these few calls (compare BlueZ's btdev hooks).  data is the band. */
struct mb_services_ops {
	/* Band time, ms since the Unix epoch (the injected clock). */
	uint64_t (*now)(void *data);
	/* A notification on chr if the link subscribed to it; faults and a
	 * silenced link apply.  False if nothing went out. */
	bool (*notify)(enum mb_chr_id chr, const uint8_t *value, size_t len,
		       void *data);
	void (*emit)(const struct mb_event *ev, void *data);
	/* The fault hook for the triggers that are not a PDU (docs/faults.md):
	 * true if a fault fired; the band carried out what it meant. */
	bool (*fault)(enum mb_fault_trigger trigger, unsigned int level,
		      void *data);
	/* The band hangs up: the link loses its rights at once and gets no
	 * more data; the transport takes it down later. */
	void (*drop_link)(void *data);
	void (*debug)(const char *line, void *data);
};

struct mb_services {
	const struct mb_services_ops *ops;
	void *data;
};

uint64_t mb_svc_now(const struct mb_services *svc);
bool mb_svc_notify(const struct mb_services *svc, enum mb_chr_id chr,
		   const uint8_t *value, size_t len);
void mb_svc_emit(const struct mb_services *svc, const struct mb_event *ev);
/* An event with at most one detail. */
void mb_svc_emit_string(const struct mb_services *svc, enum mb_event_id id,
			const char *key, const char *value);
void mb_svc_emit_u32(const struct mb_services *svc, enum mb_event_id id,
		     const char *key, uint32_t value);
bool mb_svc_fault(const struct mb_services *svc, enum mb_fault_trigger trigger,
		  unsigned int level);
void mb_svc_drop_link(const struct mb_services *svc);
void mb_svc_debug(const struct mb_services *svc, const char *fmt, ...)
	MB_PRINTF(2, 3);
/* The band restarts: "reboot", then the link drops (protocol §10). */
void mb_svc_reboot(const struct mb_services *svc);
