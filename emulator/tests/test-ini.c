// SPDX-License-Identifier: GPL-2.0-or-later
/* The INI reader every profile and state file goes through: values and
 * their lines, case folding, the errors that name file, line and field,
 * and files of thousands of keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ini.h"
#include "util.h"

static struct mb_ini *parse(const char *text, char **err)
{
	return mb_ini_parse(text, strlen(text), "t.ini", err);
}

static void test_values_and_lines(void **state)
{
	char *err = NULL;
	struct mb_ini *ini = parse("# comment\n"
				   "[band]\n"
				   "Name = Mi Smart Band 4\n"
				   "serial: 1234\r\n"
				   "\n"
				   "[power]\n"
				   "level = 50\n",
				   &err);
	unsigned int line = 0;
	long band, power;

	(void)state;
	assert_non_null(ini);
	assert_null(err);
	assert_int_equal(mb_ini_n_sections(ini), 2);
	band = mb_ini_find_section(ini, "band");
	power = mb_ini_find_section(ini, "power");
	assert_int_equal(band, 0);
	assert_int_equal(power, 1);
	assert_int_equal(mb_ini_find_section(ini, "Band"), -1);
	assert_int_equal(mb_ini_section_line(ini, power), 6);
	/* Keys are lower-cased when read, as configparser does. */
	assert_string_equal(mb_ini_get(ini, band, "name", &line),
			    "Mi Smart Band 4");
	assert_int_equal(line, 3);
	assert_string_equal(mb_ini_get(ini, band, "serial", &line), "1234");
	assert_int_equal(line, 4);
	/* A key of another section is not this one's; a missing key
	 * points at its section's header. */
	assert_null(mb_ini_get(ini, band, "level", &line));
	assert_int_equal(line, 2);
	assert_string_equal(mb_ini_key_name(ini, power, 0), "level");
	mb_ini_free(ini);
}

static void test_errors_name_file_line_field(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} bad[] = {
		{ "[a]\nk = 1\nK = 2\n",
		  "t.ini:3: [a] k: duplicate key (first on line 2)" },
		{ "[a]\n[b]\n[a]\n",
		  "t.ini:3: [a]: duplicate section (first on line 1)" },
		{ "k = 1\n", "t.ini:1: key outside of any [section]" },
		{ "[a]\n  k = 1\n",
		  "t.ini:2: indented line (continuation lines are not supported)" },
		{ "[a\n", "t.ini:1: malformed section header '[a'" },
		{ "[a]\nk\n", "t.ini:2: expected 'key = value', got 'k'" },
	};

	(void)state;
	for (size_t i = 0; i < MB_ARRAY_SIZE(bad); i++) {
		char *err = NULL;

		assert_null(parse(bad[i].text, &err));
		assert_non_null(err);
		assert_string_equal(err, bad[i].err);
		free(err);
	}
}

static void test_unused_key_is_reported(void **state)
{
	char *err = NULL;
	struct mb_ini *ini = parse("[a]\nx = 1\ntypo = 2\ny = 3\n", &err);

	(void)state;
	assert_non_null(ini);
	assert_non_null(mb_ini_get(ini, 0, "x", NULL));
	assert_non_null(mb_ini_get(ini, 0, "y", NULL));
	assert_false(mb_ini_check_unused(ini, 0, &err));
	assert_string_equal(err, "t.ini:3: [a] typo: unknown key");
	free(err);
	mb_ini_free(ini);
}

/* Thousands of keys and sections: every one found with its line, a
 * duplicate at the end still caught, in time linear in the file (the
 * unit test's own timeout would catch a quadratic reader only at far
 * larger sizes; the fuzzers' rate is where that shows). */
static void test_many_keys(void **state)
{
	enum { KEYS = 5000, SECTIONS = 300 };
	size_t cap = (KEYS + SECTIONS) * 32, len = 0;
	char *text = malloc(cap), *err = NULL, name[32];
	struct mb_ini *ini;
	unsigned int line;

	(void)state;
	len += (size_t)snprintf(text + len, cap - len, "[keys]\n");
	for (int i = 0; i < KEYS; i++)
		len += (size_t)snprintf(text + len, cap - len, "k%d = %d\n", i,
					i * 7);
	for (int i = 0; i < SECTIONS; i++)
		len += (size_t)snprintf(text + len, cap - len, "[s%d]\n", i);
	ini = mb_ini_parse(text, len, "t.ini", &err);
	assert_non_null(ini);
	assert_int_equal(mb_ini_n_keys(ini, 0), KEYS);
	assert_int_equal(mb_ini_n_sections(ini), 1 + SECTIONS);
	for (int i = KEYS - 1; i >= 0; i--) {
		char want[16];

		snprintf(name, sizeof(name), "k%d", i);
		snprintf(want, sizeof(want), "%d", i * 7);
		assert_string_equal(mb_ini_get(ini, 0, name, &line), want);
		assert_int_equal(line, 2 + i);
	}
	for (int i = 0; i < SECTIONS; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		assert_int_equal(mb_ini_find_section(ini, name), 1 + i);
	}
	assert_null(mb_ini_get(ini, 0, "k5000", NULL));
	assert_true(mb_ini_check_unused(ini, 0, &err));
	mb_ini_free(ini);

	/* The same file with k0 again at its end. */
	len = (size_t)snprintf(text, cap, "[keys]\n");
	for (int i = 0; i < KEYS; i++)
		len += (size_t)snprintf(text + len, cap - len, "k%d = %d\n", i,
					i);
	len += (size_t)snprintf(text + len, cap - len, "k0 = again\n");
	assert_null(mb_ini_parse(text, len, "t.ini", &err));
	{
		char want[64];

		snprintf(want, sizeof(want),
			 "t.ini:%d: [keys] k0: duplicate key", KEYS + 2);
		assert_non_null(strstr(err, want));
	}
	free(err);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_and_lines),
		cmocka_unit_test(test_errors_name_file_line_field),
		cmocka_unit_test(test_unused_key_is_reported),
		cmocka_unit_test(test_many_keys),
	};

	return cmocka_run_group_tests_name("ini", tests, NULL, NULL);
}
