// SPDX-License-Identifier: GPL-2.0-or-later
/* Profile loading: the real profile lays out as the band, and every kind
 * of mistake is reported with file, line and field. */
#include <stdlib.h>
#include <string.h>

#include "gatt.h"
#include "harness.h"
#include "profile.h"
#include "state/inputs.h"

#define HEAD "[profile]\nname = t\nformat = 1\n"
#define SVC "[service s]\nuuid = 180d\n"

static void test_real_profile(void **state)
{
	char *err = NULL;
	struct mb_profile *p = state_profile_load(test_profile_path(), &err);
	struct mb_gatt *g;
	const struct mb_gatt_chr *c;
	size_t n_chrs = 0;

	assert_non_null(p);
	assert_string_equal(mb_profile_name(p), "miband4");
	assert_int_equal(mb_profile_n_services(p), 10);
	for (size_t i = 0; i < mb_profile_n_services(p); i++)
		n_chrs += mb_profile_service(p, i)->n_chrs;
	assert_int_equal(n_chrs, 43);
	assert_int_equal(mb_profile_mtu(p), 247);
	assert_int_equal(mb_profile_policy(p)->unauthorized_att_error, 0x08);
	assert_int_equal(mb_profile_policy(p)->confirm_window_s, 30);
	assert_int_equal(mb_profile_policy(p)->firmware_low_battery_status,
			 0x22);
	assert_int_equal(mb_profile_policy(p)->settings_error_status, 0x02);
	assert_int_equal(mb_profile_policy(p)->alarm_snooze_times, 3);
	assert_string_equal(mb_profile_device_info(p)->gps_version, "1.0.0.0");
	g = mb_gatt_new(p, &err);
	assert_non_null(g);
	assert_int_equal(mb_gatt_n_chrs(g), 43);
	c = mb_gatt_find_chr16(g, 0x2a2b);
	assert_non_null(c);
	assert_int_equal(c->value_handle, 0x61);
	assert_true(c->def->auth);
	/* 0x2A04 twice: GAP's PPCP comes first. */
	c = mb_gatt_find_chr16(g, 0x2a04);
	assert_int_equal(c->value_handle, 0x07);
	assert_int_equal(mb_gatt_attr(g, mb_gatt_n_attrs(g) - 1)->handle, 0x84);
	mb_gatt_free(g);
	mb_profile_free(p);
}

static void expect_error(const char *text, const char *want)
{
	char *err = NULL;
	struct mb_profile *p =
		mb_profile_parse(text, strlen(text), "t.ini", &err);
	struct mb_gatt *g = NULL;

	if (p) {
		g = mb_gatt_new(p, &err);
		mb_gatt_free(g);
		mb_profile_free(p);
	}
	assert_null(g);
	assert_non_null(err);
	if (strcmp(err, want))
		fail_msg("error:\n  got  '%s'\n  want '%s'", err, want);
	free(err);
}

static void test_errors_name_file_line_field(void **state)
{
	expect_error("[profile]\nname = t\n",
		     "t.ini:1: [profile] format: missing");
	expect_error(
		HEAD "[gap]\nappearance = 0x10000\n",
		"t.ini:5: [gap] appearance: 65536 is out of range 0..65535");
	expect_error(HEAD "[att]\nmtu = lots\n",
		     "t.ini:5: [att] mtu: 'lots' is not a number");
	expect_error(HEAD "[att]\nmtu = 22\n",
		     "t.ini:5: [att] mtu: 22 is out of range 23..517");
	expect_error(
		HEAD "[policy]\nfetch-ack-deletes = maybe\n",
		"t.ini:5: [policy] fetch-ack-deletes: 'maybe' is not yes or no");
	expect_error(
		HEAD "[policy]\nfetch-count-unit = minutes\n",
		"t.ini:5: [policy] fetch-count-unit: 'minutes' is not one of the known values");
	expect_error(
		HEAD "[policy]\ntime-set-back = rewind\n",
		"t.ini:5: [policy] time-set-back: 'rewind' is not one of the known values");
	expect_error(HEAD "[policy]\nconfirm-windw-s = 30\n",
		     "t.ini:5: [policy] confirm-windw-s: unknown key");
	expect_error(
		HEAD "[policy]\nsettings-unknown-command = shrug\n",
		"t.ini:5: [policy] settings-unknown-command: 'shrug' is not one of the known values");
	expect_error(
		HEAD "[policy]\nsettings-error-status = 0x01\n",
		"t.ini:5: [policy] settings-error-status: 1 is out of range 2..255");
	expect_error(
		HEAD "[policy]\nalarm-snooze-min = 0\n",
		"t.ini:5: [policy] alarm-snooze-min: 0 is out of range 1..60");
	expect_error(
		HEAD "[device-info]\ngps-version = 0123456789abcdefX\n",
		"t.ini:5: [device-info] gps-version: longer than 16 characters");
	expect_error(HEAD "[colours]\n", "t.ini:4: [colours]: unknown section");
	expect_error(HEAD
		     "[characteristic c]\nuuid = 2a37\nproperties = notify\n",
		     "t.ini:4: [characteristic c]: comes before any [service]");
	expect_error(
		HEAD SVC "[characteristic c]\nuuid = 2a3\nproperties = read\n",
		"t.ini:7: [characteristic c] uuid: '2a3' is not a UUID (128-bit or 4 hex digits)");
	expect_error(HEAD SVC "[characteristic c]\nuuid = 2a37\n",
		     "t.ini:6: [characteristic c] properties: missing");
	expect_error(
		HEAD SVC
		"[characteristic c]\nuuid = 2a37\nproperties = read, shout\n",
		"t.ini:8: [characteristic c] properties: unknown property 'shout'");
	expect_error(
		HEAD SVC
		"[characteristic c]\nuuid = 2a37\nproperties = read, read\n",
		"t.ini:8: [characteristic c] properties: 'read' given twice");
	expect_error(
		HEAD SVC
		"[characteristic c]\nuuid = 2a37\nproperties = read\nvalue = 0g\n",
		"t.ini:9: [characteristic c] value: '0g' is not hex bytes");
	expect_error(
		HEAD SVC
		"[characteristic c]\nuuid = 2a37\nproperties = read\nauth = sometimes\n",
		"t.ini:9: [characteristic c] auth: 'sometimes' is not yes or no");
	expect_error(
		HEAD SVC
		"[characteristic c]\nuuid = 2a37\nproperties = read\nhandle = 0x02\n",
		"t.ini:9: [characteristic c] handle: value handle 0x0002 is already taken (next free declaration is 0x0002)");
	expect_error(
		HEAD SVC "[service t]\nuuid = 180a\nhandle = 1\n",
		"t.ini:8: [service t] handle: 0x0001 is already taken (next free is 0x0002)");
	expect_error(
		HEAD SVC "uuid = 180a\n",
		"t.ini:6: [service s] uuid: duplicate key (first on line 5)");
	expect_error(
		HEAD SVC "[service s]\n",
		"t.ini:6: [service s]: duplicate section (first on line 4)");
	expect_error(HEAD "name2\n",
		     "t.ini:4: expected 'key = value', got 'name2'");
	expect_error(
		HEAD "  indented = 1\n",
		"t.ini:4: indented line (continuation lines are not supported)");
	expect_error("[gap]\n[profile]\nname = t\nformat = 1\n",
		     "t.ini:1: [profile]: must be the first section");
	expect_error(HEAD, "t.ini: no [service] sections");
	expect_error(
		HEAD
		"[advertising]\nmanufacturer-data = 01 02\nheart-rate-offset = 2\n",
		"t.ini:6: [advertising] heart-rate-offset: past the end of manufacturer-data");
}

static void test_missing_file(void **state)
{
	char *err = NULL;

	assert_null(state_profile_load("/nonexistent/p.ini", &err));
	assert_string_equal(err,
			    "/nonexistent/p.ini: No such file or directory");
	free(err);
}

static void test_minimal_profile_defaults(void **state)
{
	const char *text = HEAD SVC
		"[characteristic c]\nuuid = 2a37\nproperties = notify\n"
		"[characteristic d]\nuuid = 00000009-0000-3512-2118-0009af100700\n"
		"properties = read, write\nhandle = 0x10\nvalue = 01 02\n";
	char *err = NULL;
	struct mb_profile *p =
		mb_profile_parse(text, strlen(text), "t.ini", &err);
	struct mb_gatt *g = mb_gatt_new(p, &err);
	const struct mb_gatt_chr *c;

	assert_non_null(g);
	/* Defaults are the Mi Band 4's. */
	assert_int_equal(mb_profile_mtu(p), 247);
	assert_string_equal(mb_profile_device_name(p), "Mi Smart Band 4");
	c = mb_gatt_chr(g, 0);
	assert_int_equal(c->decl_handle, 2);
	assert_int_equal(c->value_handle, 3);
	assert_int_equal(c->cccd_handle, 4);
	c = mb_gatt_chr(g, 1);
	assert_int_equal(c->decl_handle, 0x0f);
	assert_int_equal(c->value_handle, 0x10);
	assert_int_equal(c->cccd_handle, 0);
	assert_int_equal(c->def->value_len, 2);
	assert_int_equal(mb_gatt_attr(g, 0)->end_handle, 0x10);
	mb_gatt_free(g);
	mb_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_profile),
		cmocka_unit_test(test_errors_name_file_line_field),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_minimal_profile_defaults),
	};

	return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
