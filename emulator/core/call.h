/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "devevents.h"
#include "routine.h"
#include "services.h"

/* An incoming call (an alert of category 3, protocol §2.1): the band
 * rings until the wearer rejects it (device event 07, §9) or ignores it
 * (09) on the band, for which the control plane stands in, or the phone
 * ends it (docs/policies.md#calls). */
struct mb_call;

/* How a call stopped ringing (call-ended's how). */
enum mb_call_end {
	MB_CALL_END_REJECTED,
	MB_CALL_END_IGNORED,
	MB_CALL_END_PHONE,	  /* 0x2A06 00: the phone answered or hung up */
	MB_CALL_END_DISCONNECTED, /* the link to the phone ended */
	MB_CALL_END_COUNT
};

struct mb_call *mb_call_new(const struct mb_services *svc,
			    struct mb_routine *routine,
			    struct mb_devevents *devevents);
void mb_call_free(struct mb_call *call);

/* It rings (again, if another call came while one rang); caller is
 * copied. */
void mb_call_ring(struct mb_call *call, const char *caller);
/* false, and nothing sent, when no call rings. */
bool mb_call_end(struct mb_call *call, enum mb_call_end how);

bool mb_call_ringing(const struct mb_call *call);
const char *mb_call_caller(const struct mb_call *call);
