// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: a fault plan (docs/faults.md, --faults FILE) as
 * state/inputs.c reads it, over the real profile.  A plan is armed whole,
 * one fault for every line that is neither blank nor a comment, or
 * refused with an error naming the file and a line of it; the spec the
 * plan lists for every armed fault arms again. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "band.h"
#include "fuzz-setup.h"
#include "state/inputs.h"
#include "fuzz-expect.h"

#define PLAN "faults.txt"

static uint64_t now_ms(void *user_data)
{
	return 1716201000000ull;
}

static const struct mb_clock fuzz_clock = { .now_ms = now_ms };
static struct mb_band *band;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	band = fuzz_band_open("fuzz-fault", false, &fuzz_clock);
	return 0;
}

/* What the plan's reader must arm, counted apart from it: lines with
 * something besides white space that do not start with '#'. */
static size_t fault_lines(const uint8_t *data, size_t size, size_t *lines)
{
	size_t faults = 0, i = 0;

	*lines = 0;
	while (i < size || (!*lines && !size)) {
		size_t end = i, a = i;

		while (end < size && data[end] != '\n')
			end++;
		(*lines)++;
		while (a < end && isspace(data[a]))
			a++;
		if (a < end && data[a] != '#')
			faults++;
		i = end + 1;
		if (end == size)
			break;
	}
	return faults;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mb_faults *faults = mb_band_faults(band);
	size_t lines, want = fault_lines(data, size, &lines), n;
	char *err = NULL, *end;
	unsigned int id;

	if (state_faults_parse((const char *)data, size, PLAN, band, &err)) {
		fuzz_expect(!err, "an armed plan has no error");
		n = mb_faults_count(faults);
		fuzz_expect(n == want, "every fault line of a plan is armed");
		for (size_t i = 0; i < n; i++) {
			const char *spec = mb_faults_spec(faults, i, &id);

			fuzz_expect(mb_faults_inject(faults, spec, &err),
				    "an armed fault's spec arms again");
		}
	} else {
		unsigned long line;

		fuzz_expect(err && !strncmp(err, PLAN ":", strlen(PLAN) + 1),
			    "a refused plan is named in the error");
		line = strtoul(err + strlen(PLAN) + 1, &end, 10);
		fuzz_expect(*end == ':' && line >= 1 && line <= lines,
			    "the error names a line of the plan");
	}
	free(err);
	mb_faults_clear(faults);
	return 0;
}
