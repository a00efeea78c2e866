// SPDX-License-Identifier: GPL-2.0-or-later
/* The edge's files: band.ini, flash.img, firmware.ini, the profile and a
 * fault plan, read and replaced the way the emulator does it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "fwinfo.h"
#include "harness.h"
#include "state/bandfile.h"
#include "state/flashfile.h"
#include "state/inputs.h"
#include "state/settingsfile.h"
#include "state/state.h"
#include "state/store.h"
#include "util.h"
#include "fault.h"
#include "firmware.h"
#include "flashlog.h"
#include "identity.h"
#include "power.h"
#include "settings-text.h"

static void write_text(const char *dir, const char *name, const char *text)
{
	char *path = mb_strdup_printf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static char *read_text(const char *dir, const char *name)
{
	char *path = mb_strdup_printf("%s/%s", dir, name), *text = NULL,
	     *err = NULL;
	size_t len;

	assert_true(state_store_read_file(path, 1 << 20, &text, &len, &err));
	free(path);
	return text;
}

/* The same with a factory-new band (fixture_setup_new). */
static int band_setup(void **state)
{
	tmp_setup(state);
	return fixture_setup_new(state);
}

/* The same, bound and authenticated (fixture_setup). */
static int authed_setup(void **state)
{
	tmp_setup(state);
	return fixture_setup(state);
}

static int band_teardown(void **state)
{
	tmp_teardown(state);
	return fixture_teardown(state);
}

/* name in the case's directory. */
static char *in_tmp(const char *name)
{
	return mb_strdup_printf("%s/%s", tmp, name);
}

static void test_band_state_persists(void **state)
{
	char *sub = in_tmp("a/b");
	struct mb_band_state a, b;
	char *warning = NULL, *err = NULL;
	char id[9];

	assert_true(state_store_mkdir(sub, &err));
	assert_true(state_band_load(sub, &a, &warning, &err));
	assert_null(warning);
	assert_int_equal(a.address[0] & 0xc0, 0xc0);
	assert_int_equal(strlen(a.serial), 12);
	assert_false(a.bound);
	mb_band_state_key_id(&a, id);
	assert_string_equal(id, "");
	assert_true(state_band_load(sub, &b, &warning, &err));
	assert_memory_equal(&a, &b, sizeof(a));
	/* A binding survives a restart, byte for byte. */
	a.bound = true;
	memcpy(a.key, test_key, 16);
	assert_true(state_band_save(sub, &a, &err));
	assert_true(state_band_load(sub, &b, &warning, &err));
	assert_null(warning);
	assert_memory_equal(&a, &b, sizeof(a));
	mb_band_state_key_id(&b, id);
	/* hashlib.sha256(bytes.fromhex("00112233...ff")).hexdigest()[:8] */
	assert_string_equal(id, "a8faed6a");
	free(sub);
}

static void expect_corrupt(const char *text, const char *want_suffix)
{
	char *path = in_tmp(STATE_BAND_FILE);
	struct mb_band_state st;
	char *warning = NULL, *err = NULL, *want;

	write_text(tmp, STATE_BAND_FILE, text);
	assert_true(state_band_load(tmp, &st, &warning, &err));
	want = mb_strdup_printf("%s%s; starting factory-new", path,
				want_suffix);
	assert_non_null(warning);
	assert_string_equal(warning, want);
	assert_false(st.bound);
	/* It was replaced by a good, factory-new one. */
	free(warning);
	warning = NULL;
	assert_true(state_band_load(tmp, &st, &warning, &err));
	assert_null(warning);
	free(want);
	free(path);
}

static void test_band_state_corrupt(void **state)
{
	expect_corrupt(
		"[band]\naddress = 12:34:56:78:9A:BC\nserial = 86c5dfd5eff8\n",
		":2: [band] address: not a random static address");
	expect_corrupt("[band]\naddress = E1:34:56:78:9A:BC\nserial = 86C5\n",
		       ":3: [band] serial: not 12 lowercase hex digits");
	expect_corrupt(
		"[band]\naddress = E1:34:56:78:9A:BC\nserial = 86c5dfd5eff8\n"
		"[binding]\nkey = 0011\n",
		":5: [binding] key: not 16 hex bytes");
	expect_corrupt("garbage\n",
		       ":1: expected 'key = value', got 'garbage'");
	expect_corrupt("", ": no [band] section");
}

/* A replaced file is whole, private, and leaves no temporary behind. */
static void test_write_atomic(void **state)
{
	char *path = in_tmp("x.ini");
	char *partial = in_tmp(".x.ini.tmp");
	char *text, *err = NULL;
	struct stat st;

	assert_true(state_store_write_atomic(tmp, "x.ini", "one\n", 4, &err));
	assert_true(state_store_write_atomic(tmp, "x.ini", "two\n", 4, &err));
	text = read_text(tmp, "x.ini");
	assert_string_equal(text, "two\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_not_equal(access(partial, F_OK), 0);
	assert_false(
		state_store_write_atomic("/nonexistent", "x.ini", "", 0, &err));
	assert_string_equal(
		err, "/nonexistent/.x.ini.tmp: No such file or directory");
	free(err);
	free(text);
	free(partial);
	free(path);
}

/* The state directory and the parents it creates are the band's user's
 * alone (docs/threat-model.md): band.ini holds the key in clear. */
static void test_mkdir_private(void **state)
{
	char *outer = in_tmp("a"), *inner = in_tmp("a/b/c"), *err = NULL;
	const char *dirs[] = { outer, inner };
	mode_t old = umask(022);
	struct stat st;

	(void)state;
	assert_true(state_store_mkdir(inner, &err));
	assert_null(err);
	for (size_t i = 0; i < MB_ARRAY_SIZE(dirs); i++) {
		assert_int_equal(stat(dirs[i], &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_mode & 0777, 0700);
	}
	/* There already: left as it is, not an error. */
	assert_true(state_store_mkdir(inner, &err));
	assert_false(state_store_mkdir("/proc/self/no/such", &err));
	assert_non_null(err);
	free(err);
	umask(old);
	free(inner);
	free(outer);
}

static void test_read_file_errors(void **state)
{
	char *path = in_tmp("big"), *want;
	char *text = NULL, *err = NULL;
	size_t len;

	write_text(tmp, "big", "0123456789");
	assert_false(state_store_read_file(path, 9, &text, &len, &err));
	want = mb_strdup_printf("%s: larger than 9 bytes", path);
	assert_string_equal(err, want);
	free(err);
	err = NULL;
	assert_true(state_store_read_file(path, 10, &text, &len, &err));
	assert_int_equal(len, 10);
	assert_string_equal(text, "0123456789");
	free(text);
	assert_false(
		state_store_read_file("/nonexistent/f", 10, &text, &len, &err));
	assert_string_equal(err, "/nonexistent/f: No such file or directory");
	free(err);
	free(want);
	free(path);
}

/* flash.img: created erased, kept as written (each sector, whichever
 * was mapped last), started afresh when the profile needs another
 * size. */
static void test_flash_file(void **state)
{
	char *recreated = NULL, *err = NULL, *want, *path;
	struct state_flash *f =
		state_flash_new(tmp, 8192, 8192, &recreated, &err);
	struct stat st;

	assert_non_null(f);
	assert_null(recreated);
	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < 4096; i++)
			assert_int_equal(state_flash_sector(f, s, false)[i],
					 0xff);
	state_flash_sector(f, 0, true)[100] = 0x5a;
	state_flash_sector(f, 1, true)[7] = 0x11;
	state_flash_free(f);
	f = state_flash_new(tmp, 8192, 8192, &recreated, &err);
	assert_null(recreated);
	assert_int_equal(state_flash_sector(f, 0, false)[100], 0x5a);
	assert_int_equal(state_flash_sector(f, 1, false)[7], 0x11);
	assert_int_equal(state_flash_sector(f, 0, false)[101], 0xff);
	state_flash_free(f);
	f = state_flash_new(tmp, 4096, 4096, &recreated, &err);
	assert_non_null(f);
	want = mb_strdup_printf(
		"%s/flash.img: 8192 bytes, the profile needs 4096; starting with an empty log",
		tmp);
	assert_string_equal(recreated, want);
	assert_int_equal(state_flash_sector(f, 0, false)[100], 0xff);
	state_flash_free(f);
	path = mb_strdup_printf("%s/flash.img", tmp);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 4096);
	free(path);
	/* A chip of 12288 bytes whose first region is 4096: the file holds
	 * that region (a file of before the other region is one, kept with
	 * no warning); the rest reads as erased and comes, erased, when a
	 * sector of it is first written. */
	f = state_flash_new(tmp, 4096, 4096, &recreated, &err);
	state_flash_sector(f, 0, true)[9] = 0x42;
	state_flash_free(f);
	free(recreated);
	recreated = NULL;
	f = state_flash_new(tmp, 12288, 4096, &recreated, &err);
	assert_non_null(f);
	assert_null(recreated);
	assert_int_equal(state_flash_sector(f, 0, false)[9], 0x42);
	assert_null(state_flash_sector(f, 2, false));
	path = mb_strdup_printf("%s/flash.img", tmp);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 4096);
	state_flash_sector(f, 2, true)[5] = 0x17;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 12288);
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal(state_flash_sector(f, 1, false)[i], 0xff);
	assert_int_equal(state_flash_sector(f, 2, false)[5], 0x17);
	state_flash_free(f);
	free(path);
	assert_null(
		state_flash_new("/nonexistent", 4096, 4096, &recreated, &err));
	assert_string_equal(
		err, "/nonexistent/flash.img: No such file or directory");
	free(err);
	free(want);
	free(recreated);
}

/* --auth-key binds the stored band, once: the same key again leaves
 * band.ini as it is. */
static void test_load_band_with_key(void **state)
{
	char *sub = in_tmp("s");
	struct state *st = state_new(sub, NULL);
	struct mb_band_state a, b;
	char *warning = NULL, *err = NULL, *text;

	assert_non_null(st);
	assert_true(state_load_band(st, NULL, &a, &warning, &err));
	assert_false(a.bound);
	assert_true(state_load_band(st, test_key, &a, &warning, &err));
	assert_true(a.bound);
	assert_memory_equal(a.key, test_key, 16);
	assert_true(state_band_load(sub, &b, &warning, &err));
	assert_memory_equal(&a, &b, sizeof(a));
	text = read_text(sub, STATE_BAND_FILE);
	assert_non_null(strstr(
		text, "[binding]\nkey = 00112233445566778899aabbccddeeff\n"));
	assert_int_equal(chmod(sub, 0500), 0);
	assert_true(state_load_band(st, test_key, &b, &warning, &err));
	assert_null(err);
	assert_int_equal(chmod(sub, 0700), 0);
	assert_null(warning);
	state_free(st);
	mb_crypto_wipe(text, strlen(text));
	free(text);
	free(sub);
}

/* The band stores through the state directory: a factory reset replaces
 * band.ini; firmware.ini is read at start, and a bad one is named. */
static void test_band_store(void **state)
{
	struct fixture *f = *state;
	struct state *st = state_new(tmp, NULL);
	struct mb_band_state s;
	char *warning = NULL, *err = NULL, *want;

	write_text(tmp, MB_FIRMWARE_INFO_FILE,
		   "[firmware]\nslot = b\nversion = V1.0.9.99\n");
	state_attach_band(st, f->band, &warning);
	assert_null(warning);
	assert_int_equal(mb_firmware_info(mb_band_firmware(f->band))->slot,
			 'b');
	assert_string_equal(mb_firmware_version(mb_band_firmware(f->band)),
			    "V1.0.9.99");
	assert_true(mb_band_factory_reset(f->band, &err));
	assert_true(state_band_load(tmp, &s, &warning, &err));
	assert_memory_equal(s.address, mb_band_state(f->band)->address, 6);
	assert_false(s.bound);

	write_text(tmp, MB_FIRMWARE_INFO_FILE, "[firmware]\nslot = c\n");
	state_attach_band(st, f->band, &warning);
	want = mb_strdup_printf(
		"%s/firmware.ini:2: [firmware] slot: a or b; running the factory image",
		tmp);
	assert_string_equal(warning, want);
	mb_identity_set_store(mb_band_identity(f->band), NULL, NULL);
	mb_firmware_set_store(mb_band_firmware(f->band), NULL, NULL);
	state_free(st);
	free(want);
	free(warning);
}

static void expect_factory_settings(const struct mb_settings_values *v)
{
	struct mb_settings_values factory;

	mb_settings_values_init(&factory);
	for (int id = 0; id < MB_SETTING_COUNT; id++)
		assert_true(mb_settings_equal(v, &factory, id));
	assert_memory_equal(v->alarms, factory.alarms, sizeof(v->alarms));
}

/* settings.ini: missing is the factory settings, quietly; every change
 * replaces it; a corrupt one is named and the band starts with the
 * factory settings; a factory reset writes them. */
static void test_settings_file(void **state)
{
	struct fixture *f = *state;
	struct state *st = state_new(tmp, NULL);
	struct mb_settings_values v;
	char *warning = NULL, *err = NULL, *want, *text;
	char *path = in_tmp(MB_SETTINGS_FILE);

	state_attach_settings(st, f->band, &warning);
	assert_null(warning);
	expect_factory_settings(mb_settings_values(mb_band_settings(f->band)));
	assert_int_equal(access(path, F_OK), -1);
	free(path);
	/* 12 h, and an alarm at 06:30 every day (§11). */
	mb_link_receive(mb_band_link(f->band),
			PDU(0x52, H_CONFIG, 0x00, 0x06, 0x02, 0x00, 0x00));
	mb_link_receive(mb_band_link(f->band), PDU(0x52, H_CONFIG, 0x00, 0x02,
						   0x80, 0x06, 0x1e, 0x7f));
	state_settings_load(tmp, &v, &warning);
	assert_null(warning);
	assert_string_equal(mb_setting_desc(MB_SETTING_TIME_FORMAT)
				    ->choices[v.v[MB_SETTING_TIME_FORMAT]],
			    "12h");
	assert_int_equal(v.alarms[0].days, 0x7f);
	text = read_text(tmp, MB_SETTINGS_FILE);
	assert_non_null(strstr(text, "\n[alarm 0]\ntime = 06:30\n"
				     "days = every-day\nenabled = yes\n"));
	free(text);

	write_text(tmp, MB_SETTINGS_FILE,
		   "[settings]\nstep-goal = 9000\ntime-format = 13h\n");
	state_attach_settings(st, f->band, &warning);
	want = mb_strdup_printf("%s/settings.ini:3: [settings] time-format: "
				"not a valid value; starting with the factory "
				"settings",
				tmp);
	assert_string_equal(warning, want);
	expect_factory_settings(mb_settings_values(mb_band_settings(f->band)));
	free(warning);
	free(want);

	mb_link_receive(mb_band_link(f->band),
			PDU(0x52, H_CONFIG, 0x00, 0x06, 0x02, 0x00, 0x00));
	assert_true(mb_band_factory_reset(f->band, &err));
	warning = NULL;
	state_settings_load(tmp, &v, &warning);
	assert_null(warning);
	expect_factory_settings(&v);
	mb_settings_set_store(mb_band_settings(f->band), NULL, NULL);
	mb_identity_set_store(mb_band_identity(f->band), NULL, NULL);
	state_free(st);
}

/* flash.img becomes the band's activity log and keeps what it logs. */
static void test_attach_flash(void **state)
{
	struct fixture *f = *state;
	struct state *st = state_new(tmp, NULL);
	char *warning = NULL, *err = NULL;
	size_t logged;

	assert_true(state_attach_flash(st, f->band, &warning, &err));
	assert_null(warning);
	fixture_advance(f, 10 * 60000);
	logged = mb_flashlog_count(mb_band_log(f->band));
	assert_true(logged >= 10);
	assert_true(state_attach_flash(st, f->band, &warning, &err));
	assert_null(warning);
	assert_int_equal(mb_flashlog_count(mb_band_log(f->band)), logged);
	/* The mapping goes with the state: the band that uses it first. */
	mb_band_free(f->band);
	f->band = NULL;
	state_free(st);
}

/* --history makes a new band's past: a directory where a band has kept
 * its clock or its log is one that has lived (main.c refuses it). */
static void test_has_lived(void **state)
{
	struct fixture *f = *state;
	struct state *st = state_new(tmp, NULL);
	struct mb_time_state ts = { .band_ms = TEST_EPOCH_MS };
	const char *file = NULL;
	char *warning = NULL, *err = NULL, *path;

	/* band.ini alone (a band bound before it ever ran) has no past. */
	write_text(tmp, "band.ini", "");
	assert_false(state_has_lived(st, &file));
	assert_null(file);
	assert_true(state_save_time(st, &ts, &err));
	assert_true(state_has_lived(st, &file));
	assert_string_equal(file, "time.ini");
	path = in_tmp("time.ini");
	assert_int_equal(unlink(path), 0);
	free(path);
	assert_false(state_has_lived(st, &file));
	/* An empty log is a log: the band ran, if not for a minute. */
	assert_true(state_attach_flash(st, f->band, &warning, &err));
	assert_true(state_has_lived(st, &file));
	assert_string_equal(file, "flash.img");
	mb_band_free(f->band);
	f->band = NULL;
	state_free(st);
}

/* The file name of the case's directory, read whole. */
static uint8_t *read_bytes(const char *dir, const char *name, size_t *len)
{
	char *path = mb_strdup_printf("%s/%s", dir, name), *data = NULL,
	     *err = NULL;

	assert_true(state_store_read_file(path, 1 << 20, &data, len, &err));
	free(path);
	return (uint8_t *)data;
}

/* --history lives its span in one run of the band (app_live_history());
 * a person moves a band on in steps (bandsim ctl advance 3600, 72
 * times).  Either way the band holds the same three days: flash.img byte
 * for byte, and the battery. */
static void test_history_in_one_run(void **state)
{
	void *fixtures[2] = { NULL, NULL };
	struct state *st[2];
	char *dirs[2] = { in_tmp("at-once"), in_tmp("in-steps") };
	uint8_t *flash[2];
	size_t len[2];
	struct fixture *f[2];

	for (int i = 0; i < 2; i++) {
		char *warning = NULL, *err = NULL;

		assert_int_equal(fixture_setup_new(&fixtures[i]), 0);
		f[i] = fixtures[i];
		st[i] = state_new(dirs[i], &err);
		assert_non_null(st[i]);
		assert_true(
			state_attach_flash(st[i], f[i]->band, &warning, &err));
	}
	fixture_advance(f[0], 3 * 86400000ull);
	for (int h = 0; h < 72; h++)
		fixture_advance(f[1], 3600000);
	assert_int_equal(mb_flashlog_count(mb_band_log(f[0]->band)), 3 * 1440);
	assert_int_equal(mb_power_level(mb_band_power(f[0]->band)),
			 mb_power_level(mb_band_power(f[1]->band)));
	for (int i = 0; i < 2; i++) {
		mb_band_free(f[i]->band);
		f[i]->band = NULL;
		state_free(st[i]);
		flash[i] = read_bytes(dirs[i], "flash.img", &len[i]);
		fixture_teardown(&fixtures[i]);
		free(dirs[i]);
	}
	assert_int_equal(len[0], len[1]);
	assert_memory_equal(flash[0], flash[1], len[0]);
	free(flash[0]);
	free(flash[1]);
}

static void test_fault_plan(void **state)
{
	struct fixture *f = *state;
	char *path = in_tmp("faults.txt"), *want;
	char *err = NULL;

	write_text(tmp, "faults.txt",
		   "# a bad day for the phone\n\n  preset=stuck-syncing  \n");
	assert_true(state_faults_load(path, f->band, &err));
	assert_int_equal(mb_faults_count(mb_band_faults(f->band)), 1);
	write_text(tmp, "faults.txt",
		   "# a bad day for the phone\n"
		   "preset=stuck-syncing\n"
		   "trigger=notify action=explode\n"
		   "trigger=notify action=explode\n");
	assert_false(state_faults_load(path, f->band, &err));
	want = mb_strdup_printf("%s:3: action: 'explode' is not an action",
				path);
	assert_string_equal(err, want);
	free(err);
	err = NULL;
	assert_false(state_faults_load("/nonexistent/f", f->band, &err));
	assert_string_equal(err, "/nonexistent/f: No such file or directory");
	free(err);
	free(want);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_band_state_persists,
						tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_band_state_corrupt,
						tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_write_atomic, tmp_setup,
						tmp_teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_private, tmp_setup,
						tmp_teardown),
		cmocka_unit_test_setup_teardown(test_read_file_errors,
						tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_flash_file, tmp_setup,
						tmp_teardown),
		cmocka_unit_test_setup_teardown(test_load_band_with_key,
						tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_band_store, band_setup,
						band_teardown),
		cmocka_unit_test_setup_teardown(test_attach_flash, band_setup,
						band_teardown),
		cmocka_unit_test_setup_teardown(test_settings_file,
						authed_setup, band_teardown),
		cmocka_unit_test_setup_teardown(test_has_lived, band_setup,
						band_teardown),
		cmocka_unit_test_setup_teardown(test_history_in_one_run,
						tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_fault_plan, band_setup,
						band_teardown),
	};

	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
