// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: arbitrary text as a profile.  It must either load and
 * lay out, or fail with a message naming the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gatt.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	struct mb_profile *p =
		mb_profile_parse((const char *)data, size, "fuzz.ini", &err);
	struct mb_gatt *g = NULL;

	if (p) {
		g = mb_gatt_new(p, &err);
		mb_gatt_free(g);
		mb_profile_free(p);
	}
	if (!g && (!err || strncmp(err, "fuzz.ini", 8)))
		abort();
	free(err);
	return 0;
}
