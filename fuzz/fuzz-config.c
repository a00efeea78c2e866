// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: the configuration characteristics through the whole
 * band (router, auth, the fault hook, then the settings part): 00000003
 * (protocol §11), user settings 00000008, the heart-rate control point
 * 0x2A39 and chunked transfer 00000020 (docs/fuzzing.md).  fuzz-settings.c
 * drives the settings part alone, fuzz-alerts.c the alerts. */
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
	"fuzz-config",
	ops,
	MB_ARRAY_SIZE(ops),
};

FUZZ_BAND_HARNESS(harness)
