// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: updates over 00001531 (control) and 00001532 (data)
 * (protocol §7.1, docs/battery-firmware.md): whole recognisable files of
 * every type besides arbitrary bytes, the reboot into the new slot, a
 * state directory that may refuse the slot or firmware.ini. */
#include "fuzz-band.h"

#include "util.h"

#define FW_CONTROL "00001531-0000-3512-2118-0009af100700"
#define FW_DATA "00001532-0000-3512-2118-0009af100700"

static const struct fuzz_op ops[] = {
	{ FUZZ_OP_WRITE_REQ, FW_CONTROL },
	{ FUZZ_OP_WRITE_CMD, FW_CONTROL },
	{ FUZZ_OP_WRITE_CMD, FW_DATA },
	{ FUZZ_OP_UPLOAD, NULL },
	{ FUZZ_OP_RUN, NULL },
	{ FUZZ_OP_MTU, NULL },
	{ FUZZ_OP_RECONNECT, NULL },
	{ FUZZ_OP_AUTH, NULL },
	{ FUZZ_OP_STORE_FAIL, NULL },
};

static const struct fuzz_band_harness harness = {
	"fuzz-firmware",
	ops,
	MB_ARRAY_SIZE(ops),
};

FUZZ_BAND_HARNESS(harness)
