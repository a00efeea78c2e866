/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "band.h"
#include "clock.h"

/* The band a harness keeps across its inputs (fuzz-att, fuzz-fault,
 * fuzz-settings): the profile of $BANDSIM_FUZZ_PROFILE or the tree's, the
 * fixture's address and serial, bound to the fixture's key when bound, on
 * clock.  The random source gives zeros, so the challenge's answer can be
 * in a seed.  Aborts naming the harness when the band cannot be made. */
struct mb_band *fuzz_band_open(const char *harness, bool bound,
			       const struct mb_clock *clock);
