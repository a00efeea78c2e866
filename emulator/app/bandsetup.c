// SPDX-License-Identifier: GPL-2.0-or-later
#include "bandsetup.h"

#include <glib.h>
#include <stdlib.h>

#include "core/crypto.h"
#include "core/prng.h"
#include "core/util.h"
#include "log.h"
#include "state/inputs.h"
#include "core/flashlog.h"
#include "core/tick.h"

/* Prefixes an error from below with what it was about, for the user. */
static void explain(char **err, const char *what)
{
	char *e = *err;

	*err = mb_strdup_printf("%s%s", what, e);
	free(e);
}

static void warn(char *warning)
{
	if (!warning)
		return;
	g_warning("%s", warning);
	free(warning);
}

/* --random-seed: splitmix64 in place of getrandom(), so that a run can
 * be repeated byte for byte (captures, tests).  Never a real band's. */
static bool seeded_random(uint8_t *buf, size_t len, void *user_data)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)mb_splitmix64(user_data);
	return true;
}

void app_seed_random(const struct bandsim_options *opt)
{
	static uint64_t seed;

	if (!opt->random_seed_set)
		return;
	seed = opt->random_seed;
	mb_crypto_set_random_source(seeded_random, &seed);
	g_warning("--random-seed: challenges are predictable (tests and "
		  "captures only)");
}

struct mb_band *app_band_new(const struct bandsim_options *opt,
			     const struct mb_profile *profile,
			     struct state *state, struct bandtime *time,
			     char **err)
{
	struct mb_band_state bs;
	struct mb_band *band;
	char *warning = NULL;

	if (!state_load_band(state, opt->bind_key ? opt->key : NULL, &bs,
			     &warning, err)) {
		explain(err, "state: ");
		return NULL;
	}
	warn(warning);
	band = mb_band_new(profile, &bs, &bandtime_clock(time)->clock, err);
	mb_crypto_wipe(&bs, sizeof(bs));
	if (!band)
		return NULL;
	/* Only when debug lines are printed: the core formats a hexdump of
	 * every PDU for its callback, most of a fleet's CPU in a sync. */
	if (bandsim_log_wants(G_LOG_LEVEL_DEBUG))
		mb_band_set_debug(band, bandsim_log_core, NULL);
	mb_tick_set_life_seed(mb_band_tick(band), opt->life_seed);
	warning = NULL;
	state_attach_band(state, band, &warning);
	warn(warning);
	warning = NULL;
	state_attach_settings(state, band, &warning);
	warn(warning);
	if (opt->mutate) {
		mb_faults_set_mutate(mb_band_faults(band), opt->mutate_seed,
				     opt->mutate_rate);
		g_warning("--mutate %" G_GUINT64_FORMAT ":%g: the band changes "
			  "what it sends in a sync (docs/mutate.md)",
			  opt->mutate_seed, opt->mutate_rate);
	}
	if (opt->faults && !state_faults_load(opt->faults, band, err)) {
		mb_band_free(band);
		return NULL;
	}
	return band;
}

bool app_band_attach_flash(struct mb_band *band, struct state *state,
			   struct bandtime *time, char **err)
{
	char *warning = NULL;

	if (!state_attach_flash(state, band, &warning, err)) {
		explain(err, "activity log: ");
		return false;
	}
	warn(warning);
	g_info("activity log: %zu samples, %zu not yet synced",
	       mb_flashlog_count(mb_band_log(band)),
	       mb_flashlog_stored(mb_band_log(band)));
	bandtime_start(time, band);
	return true;
}

bool app_history_check(const struct bandsim_options *opt,
		       const struct mb_profile *profile, struct state *state,
		       char **err)
{
	unsigned int days = mb_profile_policy(profile)->flash_log_days;
	const char *file;

	if (!opt->history_ms)
		return true;
	/* Past what the log holds the oldest sectors would be erased as
	 * they are on a band worn that long: the user asked for samples
	 * the band cannot show. */
	if (opt->history_ms > (uint64_t)days * 86400000u) {
		mb_set_error(err,
			     "--history %s: the activity log holds %u days "
			     "(flash-log-days in %s); ask for at most %ud, or "
			     "give a --profile with more flash-log-days",
			     opt->history, days, opt->profile, days);
		return false;
	}
	if (state_has_lived(state, &file)) {
		mb_set_error(err,
			     "--history %s: a band has lived in %s already "
			     "(%s): --history gives a new band its past; give "
			     "an empty --state-dir, or leave out --history to "
			     "go on with this band",
			     opt->history, opt->state_dir, file);
		return false;
	}
	return true;
}
