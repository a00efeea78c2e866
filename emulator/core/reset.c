// SPDX-License-Identifier: GPL-2.0-or-later
/* The factory reset across the parts it clears (reset.h). */
#include "reset.h"

#include <stdlib.h>

#include "util.h"

#include "auth.h"
#include "fetch.h"
#include "settings.h"
#include "sport.h"
#include "tick.h"

struct mb_reset {
	const struct mb_services *svc;
	struct mb_reset_parts p;
};

struct mb_reset *mb_reset_new(const struct mb_services *svc,
			      const struct mb_reset_parts *parts)
{
	struct mb_reset *r = mb_malloc0(sizeof(*r));

	r->svc = svc;
	r->p = *parts;
	return r;
}

void mb_reset_free(struct mb_reset *r)
{
	free(r);
}

bool mb_reset_run(struct mb_reset *r, char **err)
{
	struct mb_flashlog *log = mb_logstore_log(r->p.store);
	char addr[18];

	/* band.ini is the switch, and what goes with the owner is gone or
	 * marked before it is replaced: the settings are the factory's, the
	 * log holds a reset record, so that a band killed after the new
	 * owner is stored erases the log at its next start (logstore.c).
	 * Killed before, it is the old owner with the old log and, maybe,
	 * the factory's settings. */
	mb_flashlog_mark_reset(log, mb_identity_state(r->p.identity)->address);
	if (!mb_settings_reset(r->p.settings, err) ||
	    !mb_identity_reset(r->p.identity, err))
		return false;
	mb_auth_link_down(r->p.auth);
	mb_fetch_link_down(r->p.fetch);
	mb_sport_end(r->p.sport, MB_SPORT_END_RESET);
	/* The workouts first: the activity log's reset record goes last. */
	mb_workoutlog_clear(mb_logstore_workouts(r->p.store));
	mb_flashlog_clear(log);
	mb_tick_recount(r->p.tick);
	mb_band_state_address(mb_identity_state(r->p.identity), addr);
	mb_svc_emit_string(r->svc, MB_EVENT_RESET, "address", addr);
	mb_svc_drop_link(r->svc);
	return true;
}
