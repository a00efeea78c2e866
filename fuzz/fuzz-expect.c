// SPDX-License-Identifier: GPL-2.0-or-later
#include "fuzz-expect.h"

#include <stdio.h>
#include <stdlib.h>

void fuzz_expect(bool ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz: invariant broken: %s\n", what);
	abort();
}
