// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: the alerts through the whole band (router, the fault
 * hook, the ATT server's prepare queue, then core/alerts.c): text alerts
 * on 0x2A46 by Write Request and by queued writes, the chunked transfers
 * of 00000020 and their reassembly, 0x2A06, and the wearer's answer to a
 * call (docs/fuzzing.md, docs/alerts.md). */
#include "fuzz-band.h"

#include "util.h"

#define NEW_ALERT "00002a46-0000-1000-8000-00805f9b34fb"
#define ALERT_LEVEL "00002a06-0000-1000-8000-00805f9b34fb"
#define CHUNKED "00000020-0000-3512-2118-0009af100700"
#define CURRENT_TIME "00002a2b-0000-1000-8000-00805f9b34fb"

static const struct fuzz_op ops[] = {
	{ FUZZ_OP_WRITE_CMD, CHUNKED },
	{ FUZZ_OP_WRITE_REQ, NEW_ALERT },
	{ FUZZ_OP_LONG_WRITE, NEW_ALERT },
	{ FUZZ_OP_PREPARE, NEW_ALERT },
	{ FUZZ_OP_EXECUTE, NULL },
	{ FUZZ_OP_WRITE_CMD, ALERT_LEVEL },
	{ FUZZ_OP_ANSWER_CALL, NULL },
	{ FUZZ_OP_RUN, NULL },
	{ FUZZ_OP_RECONNECT, NULL },
	{ FUZZ_OP_MTU, NULL },
	/* A protected characteristic that takes no long write. */
	{ FUZZ_OP_PREPARE, CURRENT_TIME },
	{ FUZZ_OP_AUTH, NULL },
};

static const struct fuzz_band_harness harness = {
	"fuzz-alerts",
	ops,
	MB_ARRAY_SIZE(ops),
};

FUZZ_BAND_HARNESS(harness)
