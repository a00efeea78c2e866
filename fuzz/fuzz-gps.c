// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: the phone's GPS in a workout through the whole band
 * (docs/workouts.md "The phone's GPS"): positions written whole on
 * 0000000f and sent as chunked transfers of type 6 on 00000020, while
 * the wearer starts and stops workouts and band time runs; then what
 * the band keeps must encode (the summary and track a fetch sends). */
#include "fuzz-band.h"

#include "util.h"

#define WORKOUT "0000000f-0000-3512-2118-0009af100700"
#define CHUNKED "00000020-0000-3512-2118-0009af100700"

static const struct fuzz_op ops[] = {
	{ FUZZ_OP_WRITE_CMD, WORKOUT }, { FUZZ_OP_WRITE_CMD, CHUNKED },
	{ FUZZ_OP_WORKOUT, NULL },	{ FUZZ_OP_RUN, NULL },
	{ FUZZ_OP_MTU, NULL },		{ FUZZ_OP_RECONNECT, NULL },
	{ FUZZ_OP_AUTH, NULL },
};

static const struct fuzz_band_harness harness = {
	"fuzz-gps",
	ops,
	MB_ARRAY_SIZE(ops),
};

FUZZ_BAND_HARNESS(harness)
