// SPDX-License-Identifier: GPL-2.0-or-later
/* What the fuzzers found (docs/fuzzing.md "What the fuzzers found"): each
 * input, as bytes, and what the band must do with it.  The input itself
 * is kept in fuzz/regressions/<harness>/, which ci/test replays. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "fault.h"
#include "state/inputs.h"

/* fuzz-fault: a NUL byte ended the plan's text, and the lines after it
 * were left out without a word (regressions/fault/nul-byte). */
static void test_fault_plan_nul(void **state)
{
	static const char plan[] = "preset=stuck-syncing\n"
				   "\0trigger=connect action=disconnect\n";
	struct fixture *f = *state;
	char *err = NULL;

	assert_false(state_faults_parse(plan, sizeof(plan) - 1, "faults.txt",
					f->band, &err));
	assert_string_equal(err, "faults.txt:2: NUL byte in text");
	free(err);
	/* Refused whole: nothing of it is armed. */
	assert_int_equal(mb_faults_count(mb_band_faults(f->band)), 0);
	err = NULL;
	assert_false(state_faults_parse("\0\x08\xff\x1c", 4, "faults.txt",
					f->band, &err));
	assert_string_equal(err, "faults.txt:1: NUL byte in text");
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T("MB4-UT/FUZZ/BI-01 a NUL byte in a fault plan",
		  test_fault_plan_nul),
	};

	return cmocka_run_group_tests_name("fuzz-finds", tests, NULL, NULL);
}
