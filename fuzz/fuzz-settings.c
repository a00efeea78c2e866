// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: the settings characteristics — configuration
 * 00000003 (protocol §11: factory reset today), user settings 00000008,
 * the heart-rate control point 0x2A39 and chunked transfer 00000020.  The
 * last three have no part of their own yet (docs/fuzzing.md): their
 * writes go through the router, auth and the fault hook to the profile's
 * value, and reach the parsers as soon as parts answer them. */
#include "fuzz-band.h"

#include "util.h"

#define CONFIG "00000003-0000-3512-2118-0009af100700"
#define USER_SETTINGS "00000008-0000-3512-2118-0009af100700"
#define HR_CONTROL "00002a39-0000-1000-8000-00805f9b34fb"
#define CHUNKED "00000020-0000-3512-2118-0009af100700"

static const struct fuzz_op ops[] = {
	{ FUZZ_OP_WRITE_CMD, CONFIG },
	{ FUZZ_OP_WRITE_REQ, USER_SETTINGS },
	{ FUZZ_OP_WRITE_REQ, HR_CONTROL },
	{ FUZZ_OP_WRITE_CMD, CHUNKED },
	{ FUZZ_OP_RUN, NULL },
	{ FUZZ_OP_RECONNECT, NULL },
	{ FUZZ_OP_AUTH, NULL },
	{ FUZZ_OP_STORE_FAIL, NULL },
	{ FUZZ_OP_PRESS, NULL },
};

static const struct fuzz_band_harness harness = {
	"fuzz-settings",
	ops,
	MB_ARRAY_SIZE(ops),
};

FUZZ_BAND_HARNESS(harness)
