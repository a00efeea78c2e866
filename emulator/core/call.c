// SPDX-License-Identifier: GPL-2.0-or-later
#include "call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert-payload.h"

static const struct {
	const char *name;
	bool answered; /* the wearer did it: the phone is told */
	enum mb_devevent event;
} ends[MB_CALL_END_COUNT] = {
	[MB_CALL_END_REJECTED] = { "rejected", true,
				   MB_DEVEVENT_CALL_REJECTED },
	[MB_CALL_END_IGNORED] = { "ignored", true, MB_DEVEVENT_CALL_IGNORED },
	[MB_CALL_END_PHONE] = { "phone", false, 0 },
	[MB_CALL_END_DISCONNECTED] = { "disconnected", false, 0 },
};

struct mb_call {
	const struct mb_services *svc;
	struct mb_routine *routine;
	struct mb_devevents *devevents;
	bool ringing;
	char caller[MB_ALERT_TITLE_MAX + 1];
};

struct mb_call *mb_call_new(const struct mb_services *svc,
			    struct mb_routine *routine,
			    struct mb_devevents *devevents)
{
	return MB_NEW(struct mb_call, .svc = svc, .routine = routine,
		      .devevents = devevents);
}

void mb_call_free(struct mb_call *call)
{
	free(call);
}

void mb_call_ring(struct mb_call *call, const char *caller)
{
	/* The caller comes from an alert's title, or its longer text when
	 * the title is empty: cut to what the band keeps, never inside a
	 * character (an event string is UTF-8; fuzz-gps found the cut). */
	mb_alert_text((const uint8_t *)caller, strlen(caller), call->caller,
		      sizeof(call->caller) - 1);
	call->ringing = true;
	mb_svc_emit_string(call->svc, MB_EVENT_CALL_RINGING, "caller",
			   call->caller);
	/* DND and silent mode keep the band still; it rings all the same. */
	mb_routine_vibrate(call->routine, MB_VIBRATION_CALL);
}

bool mb_call_end(struct mb_call *call, enum mb_call_end how)
{
	if (!call->ringing)
		return false;
	call->ringing = false;
	if (ends[how].answered)
		mb_devevents_send(call->devevents, ends[how].event);
	mb_svc_emit_string(call->svc, MB_EVENT_CALL_ENDED, "how",
			   ends[how].name);
	return true;
}

bool mb_call_ringing(const struct mb_call *call)
{
	return call->ringing;
}

const char *mb_call_caller(const struct mb_call *call)
{
	return call->ringing ? call->caller : "";
}
