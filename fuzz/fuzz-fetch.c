// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: the fetch protocol on 00000004 and the transfer it
 * drives on 00000005 (protocol §4.1, §4.3, docs/sync.md,
 * docs/workouts.md): activity, and the workouts the wearer records,
 * with band time, flow control and the link's MTU moving under it. */
#include "fuzz-band.h"

#include "util.h"

#define FETCH "00000004-0000-3512-2118-0009af100700"

static const struct fuzz_op ops[] = {
	{ FUZZ_OP_WRITE_CMD, FETCH },
	{ FUZZ_OP_WRITE_REQ, FETCH },
	{ FUZZ_OP_RUN_MINUTES, NULL },
	{ FUZZ_OP_CONGEST, NULL },
	{ FUZZ_OP_MTU, NULL },
	{ FUZZ_OP_RECONNECT, NULL },
	{ FUZZ_OP_AUTH, NULL },
	/* Workouts to fetch (types 05 and 06, docs/workouts.md). */
	{ FUZZ_OP_WORKOUT, NULL },
};

/* A transfer at the smallest MTU is over in well under a minute of band
 * time, and new minutes while it runs are what matter: a quarter of an
 * hour per record halves an input's time, and an hour is four records. */
static const struct fuzz_band_harness harness = {
	"fuzz-fetch",
	ops,
	MB_ARRAY_SIZE(ops),
	16,
};

FUZZ_BAND_HARNESS(harness)
