// SPDX-License-Identifier: GPL-2.0-or-later
#include "fuzz-setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "band-fixture.h"
#include "crypto.h"
#include "state/inputs.h"

static bool zero_random(uint8_t *buf, size_t len, void *user_data)
{
	memset(buf, 0, len);
	return true;
}

struct mb_band *fuzz_band_open(const char *harness, bool bound,
			       const struct mb_clock *clock)
{
	static const struct mb_band_state states[] = {
		{ .address = { FIXTURE_ADDRESS }, .serial = FIXTURE_SERIAL },
		{ .address = { FIXTURE_ADDRESS },
		  .serial = FIXTURE_SERIAL,
		  .bound = true,
		  .key = { FIXTURE_KEY } },
	};
	const char *path = getenv("BANDSIM_FUZZ_PROFILE");
	/* The band refers to its profile for its whole life, and lives as
	 * long as the harness. */
	struct mb_profile *profile;
	struct mb_band *band = NULL;
	char *err = NULL;

	mb_crypto_set_random_source(zero_random, NULL);
	profile = state_profile_load(path ? path : BANDSIM_FUZZ_PROFILE, &err);
	if (profile)
		band = mb_band_new(profile, &states[bound], clock, &err);
	if (!band) {
		fprintf(stderr, "%s: %s\n", harness, err ? err : "no band");
		abort();
	}
	return band;
}
