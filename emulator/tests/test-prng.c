// SPDX-License-Identifier: GPL-2.0-or-later
/* The one pseudo-random generator: the wearer and --random-seed both
 * depend on its exact sequence (fixtures, repeatable captures). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "prng.h"

static void test_splitmix64_reference(void **state)
{
	/* Vigna's splitmix64.c from seed 0, and from 1234567. */
	static const uint64_t from0[] = {
		0xe220a8397b1dcdafull,
		0x6e789e6aa1b965f4ull,
		0x06c45d188009454full,
	};
	static const uint64_t from1234567[] = {
		0x599ed017fb08fc85ull,
		0x2c73f08458540fa5ull,
		0x883ebce5a3f27c77ull,
	};
	uint64_t s = 0;

	for (size_t i = 0; i < 3; i++)
		assert_true(mb_splitmix64(&s) == from0[i]);
	s = 1234567;
	for (size_t i = 0; i < 3; i++)
		assert_true(mb_splitmix64(&s) == from1234567[i]);
	assert_true(s == 1234567 + 3 * 0x9e3779b97f4a7c15ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_splitmix64_reference),
	};

	return cmocka_run_group_tests_name("prng", tests, NULL, NULL);
}
