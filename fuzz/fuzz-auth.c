// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: Huami auth and binding on 00000009 (protocol §3.2,
 * §10), from any start state of fuzz-band.h, with the button, band time
 * and a state directory that may refuse the key. */
#include "fuzz-band.h"

#include "util.h"

#define AUTH "00000009-0000-3512-2118-0009af100700"

static const struct fuzz_op ops[] = {
	{ FUZZ_OP_WRITE_CMD, AUTH },  { FUZZ_OP_WRITE_REQ, AUTH },
	{ FUZZ_OP_PRESS, NULL },      { FUZZ_OP_LONG_PRESS, NULL },
	{ FUZZ_OP_RUN, NULL },	      { FUZZ_OP_RECONNECT, NULL },
	{ FUZZ_OP_STORE_FAIL, NULL }, { FUZZ_OP_AUTH, NULL },
};

static const struct fuzz_band_harness harness = {
	"fuzz-auth",
	ops,
	MB_ARRAY_SIZE(ops),
};

FUZZ_BAND_HARNESS(harness)
