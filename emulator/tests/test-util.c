// SPDX-License-Identifier: GPL-2.0-or-later
/* UUIDs, dates, hex and crypto: the small pieces everything else
 * stands on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datetime.h"
#include "harness.h"
#include "bandstate.h"
#include "crypto.h"
#include "util.h"
#include "uuid.h"

static void test_uuid(void **state)
{
	struct mb_uuid u, v;
	uint8_t wire[16];
	char s[MB_UUID_STR_LEN];
	static const uint8_t huami9[16] = {
		0x00, 0x07, 0x10, 0xaf, 0x09, 0x00, 0x18, 0x21,
		0x12, 0x35, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00,
	};

	assert_true(mb_uuid_parse("0000FEE0-0000-1000-8000-00805f9b34fb", &u));
	assert_true(mb_uuid_is16(&u, 0xfee0));
	assert_int_equal(mb_uuid_to_wire(&u, wire), 2);
	assert_memory_equal(wire, ((uint8_t[]){ 0xe0, 0xfe }), 2);
	assert_true(mb_uuid_parse("00000009-0000-3512-2118-0009af100700", &u));
	assert_false(mb_uuid_to16(&u, NULL));
	assert_int_equal(mb_uuid_to_wire(&u, wire), 16);
	assert_memory_equal(wire, huami9, 16);
	assert_true(mb_uuid_from_wire(huami9, 16, &v));
	assert_true(mb_uuid_eq(&u, &v));
	mb_uuid_to_string(&v, s);
	assert_string_equal(s, "00000009-0000-3512-2118-0009af100700");
	assert_false(mb_uuid_from_wire(huami9, 4, &v));
	assert_false(mb_uuid_parse("0000fee0-0000-1000-8000-00805f9b34f", &u));
	assert_false(mb_uuid_parse("0000fee0+0000-1000-8000-00805f9b34fb", &u));
	assert_false(mb_uuid_parse("fee", &u));
	assert_false(mb_uuid_parse("feeg", &u));
}

static void test_datetime(void **state)
{
	struct mb_datetime dt;
	uint8_t wire[7];

	mb_datetime_from_epoch(0, &dt);
	assert_int_equal(dt.year, 1970);
	assert_int_equal(mb_weekday(0), 4);
	mb_datetime_from_epoch(951782400, &dt); /* 2000-02-29 */
	assert_int_equal(dt.month, 2);
	assert_int_equal(dt.day, 29);
	assert_int_equal(mb_weekday(951782400), 2);
	dt = (struct mb_datetime){ 2026, 1, 31, 23, 4, 5 };
	assert_int_equal(mb_datetime_to_epoch(&dt), 1769900645);
	assert_int_equal(mb_weekday(1769900645), 6);
	mb_datetime_put(wire, &dt);
	assert_memory_equal(
		wire, ((uint8_t[]){ 0xea, 0x07, 0x01, 0x1f, 0x17, 0x04, 0x05 }),
		7);
	assert_true(mb_datetime_valid(&dt));
	dt.month = 2;
	dt.day = 29;
	assert_false(mb_datetime_valid(&dt)); /* 2026 is no leap year */
	dt.year = 2024;
	assert_true(mb_datetime_valid(&dt));
	/* Every day for 400 years round-trips. */
	for (int64_t d = -1000; d < 146097; d += 7) {
		mb_datetime_from_epoch(d * 86400 + 3723, &dt);
		assert_int_equal(mb_datetime_to_epoch(&dt), d * 86400 + 3723);
	}
}

/* --history's spans: a whole number and one unit, nothing else. */
static void test_duration(void **state)
{
	static const struct {
		const char *text;
		bool ok;
		uint64_t ms;
	} cases[] = {
		{ "45s", true, 45000 },
		{ "90m", true, 5400000 },
		{ "36h", true, 129600000 },
		{ "3d", true, 259200000 },
		{ "0d", true, 0 },
		{ "014d", true, 1209600000 },
		{ "18446744073709551s", true, 18446744073709551000ull },
		{ "18446744073709552s", false, 0 },
		{ "99999999999999999999d", false, 0 },
		{ "", false, 0 },
		{ "3", false, 0 },
		{ "d", false, 0 },
		{ "3x", false, 0 },
		{ "3D", false, 0 },
		{ "-1d", false, 0 },
		{ "+1d", false, 0 },
		{ "1.5d", false, 0 },
		{ "3dd", false, 0 },
		{ " 3d", false, 0 },
		{ "3d ", false, 0 },
		{ "3 d", false, 0 },
	};

	for (size_t i = 0; i < MB_ARRAY_SIZE(cases); i++) {
		uint64_t ms = 7;

		print_message("%s\n", cases[i].text);
		assert_int_equal(mb_duration_parse(cases[i].text, &ms),
				 cases[i].ok);
		assert_int_equal(ms, cases[i].ok ? cases[i].ms : 7);
	}
}

static void test_hex(void **state)
{
	uint8_t *b;
	size_t n;
	char s[16];

	assert_true(mb_hex_parse("01 57 0A", &b, &n));
	assert_int_equal(n, 3);
	assert_memory_equal(b, ((uint8_t[]){ 0x01, 0x57, 0x0a }), 3);
	mb_hex_format(b, n, s, sizeof(s));
	assert_string_equal(s, "01 57 0a");
	free(b);
	assert_true(mb_hex_parse("", &b, &n));
	assert_int_equal(n, 0);
	free(b);
	assert_false(mb_hex_parse("015", &b, &n));
	assert_false(mb_hex_parse("0 1", &b, &n));
	assert_false(mb_hex_parse("zz", &b, &n));
}

static void test_crypto_known_answers(void **state)
{
	/* FIPS-197 Appendix C.1. */
	static const uint8_t key[16] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	};
	static const uint8_t pt[16] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	};
	static const uint8_t ct[16] = {
		0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
		0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a,
	};
	/* SHA-256("abc"), FIPS 180-2 B.1. */
	static const uint8_t abc[4] = { 0xba, 0x78, 0x16, 0xbf };
	uint8_t out[32], r1[16], r2[16];

	assert_int_equal(mb_crypto_aes128_ecb(key, pt, out), MB_CRYPTO_OK);
	assert_memory_equal(out, ct, 16);
	assert_int_equal(mb_crypto_sha256("abc", 3, out), MB_CRYPTO_OK);
	assert_memory_equal(out, abc, 4);
	assert_true(mb_crypto_equal(ct, ct, 16));
	assert_false(mb_crypto_equal(ct, pt, 16));
	/* The real generator: two draws differ. */
	assert_int_equal(mb_crypto_random(r1, 16), MB_CRYPTO_OK);
	assert_int_equal(mb_crypto_random(r2, 16), MB_CRYPTO_OK);
	assert_memory_not_equal(r1, r2, 16);
	assert_string_equal(mb_crypto_strerror(MB_CRYPTO_ERR_CIPHER),
			    "AES-128-ECB failed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_datetime),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_crypto_known_answers),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
