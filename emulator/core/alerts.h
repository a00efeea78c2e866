/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "alert-payload.h"
#include "call.h"
#include "chrs.h"
#include "devevents.h"
#include "profile.h"
#include "routine.h"
#include "schedule.h"
#include "services.h"

/* What the phone tells the wearer (docs/architecture.md "The band as
 * parts", docs/alerts.md): text alerts on 0x2A46 in every category of
 * protocol §2.1, the chunked transfers of 00000020 (§2.6: alerts and
 * calls, weather, the track playing), incoming calls that ring until the
 * wearer answers, find band on 0x2A06.  Each is an event; the band
 * vibrates through the routine, which DND and silent mode may keep
 * still.  None needs the key (§2.1). */
struct mb_alerts;

struct mb_alerts *mb_alerts_new(const struct mb_services *svc,
				const struct mb_policy *policy,
				struct mb_routine *routine,
				struct mb_devevents *devevents);
void mb_alerts_free(struct mb_alerts *alerts);

/* Who takes the phone's GPS, a chunked transfer of type 6 (the sport
 * mode: mb_sport_phone_gps()); false from fn: malformed. */
typedef bool (*mb_alerts_gps_fn)(void *user_data, const uint8_t *v, size_t len);
void mb_alerts_set_gps(struct mb_alerts *alerts, mb_alerts_gps_fn fn,
		       void *user_data);

extern const struct mb_chr_route mb_alerts_routes[];
extern const size_t mb_alerts_n_routes;

/* The link ended: a transfer under way is dropped, a call stops ringing,
 * find band stops. */
void mb_alerts_link_down(struct mb_alerts *alerts);

/* The wearer rejects (07) or ignores (09) the call that rings: false
 * when none does. */
bool mb_alerts_answer_call(struct mb_alerts *alerts, enum mb_call_end how);

/* Ground truth, for the control plane and tests. */
const struct mb_call *mb_alerts_call(const struct mb_alerts *alerts);
/* 3 while the band is being looked for (0x2A06), else 0. */
unsigned int mb_alerts_find_level(const struct mb_alerts *alerts);
/* The last alert shown, the weather and track kept: NULL before the
 * first. */
const struct mb_alert *mb_alerts_last(const struct mb_alerts *alerts);
const struct mb_weather *mb_alerts_weather(const struct mb_alerts *alerts);
const struct mb_music *mb_alerts_music(const struct mb_alerts *alerts);
/* A chunked transfer waits for its next chunk. */
bool mb_alerts_chunk_pending(const struct mb_alerts *alerts);

uint64_t mb_alerts_deadline(const struct mb_alerts *alerts);
void mb_alerts_run(struct mb_alerts *alerts, uint64_t at);

/* A transfer's time to its next chunk (chunk-timeout-s). */
extern const struct mb_timer mb_alerts_timer;
