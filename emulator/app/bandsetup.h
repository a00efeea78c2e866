/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "bandtime.h"
#include "core/band.h"
#include "options.h"
#include "state/state.h"

/* --random-seed: every band of the process draws its challenges and
 * addresses from one seeded generator. */
void app_seed_random(const struct bandsim_options *opt);

/* The band as the options and the state directory make it: band.ini
 * (bound to --auth-key), the wearer (--life-seed), debug output, its
 * store, firmware.ini, settings.ini and the fault plan (--faults), on the
 * clock of time.  Warnings are logged; NULL with *err as the message
 * bandsim exits with. */
struct mb_band *app_band_new(const struct bandsim_options *opt,
			     const struct mb_profile *profile,
			     struct state *state, struct bandtime *time,
			     char **err);
/* flash.img as the band's activity log, then its time as time.ini left
 * it (bandtime_start()); false with *err as above. */
bool app_band_attach_flash(struct mb_band *band, struct state *state,
			   struct bandtime *time, char **err);

/* --history on this profile and state directory: the profile's flash
 * log holds that much (flash-log-days) and no band has lived in the
 * directory (state_has_lived()): its past is not --history's to make.
 * False with *err as above. */
bool app_history_check(const struct bandsim_options *opt,
		       const struct mb_profile *profile, struct state *state,
		       char **err);
