// SPDX-License-Identifier: GPL-2.0-or-later
/* Huami auth and binding on 00000009 as byte vectors (docs/auth.md,
 * protocol §3.2, §10).  The fake random source hands out a0 a1 .. af for
 * the first challenge and b0 .. bf for the next; the expected answers were
 * computed independently (python3-cryptography, AES-128-ECB). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "auth.h"
#include "settings-text.h"

/* x0 x1 .. xf for the hex digit x */
#define SEQ16(x)                                                          \
	x##0, x##1, x##2, x##3, x##4, x##5, x##6, x##7, x##8, x##9, x##a, \
		x##b, x##c, x##d, x##e, x##f
#define RANDOM_A0 SEQ16(0xa)
#define RANDOM_B0 SEQ16(0xb)
/* AES-128-ECB(test_key, a0..af) and (test_key, b0..bf). */
#define ANSWER_A0                                                         \
	0xcf, 0x08, 0x6a, 0x82, 0xc0, 0xb7, 0x45, 0xa7, 0x49, 0xda, 0xab, \
		0xb2, 0x8a, 0x7a, 0x8d, 0xb3
#define ANSWER_B0                                                         \
	0xea, 0xb6, 0x82, 0x2f, 0xe3, 0x68, 0xd5, 0xbc, 0x98, 0x95, 0xfb, \
		0x25, 0x58, 0xb3, 0x8d, 0xde
/* The same with the other key, 10 11 .. 1f. */
#define WRONG_A0                                                          \
	0xc9, 0x11, 0xa3, 0x12, 0xec, 0x74, 0x9c, 0xaf, 0xcb, 0xf2, 0x95, \
		0x8e, 0xe4, 0x55, 0x12, 0x2b
#define OTHER_KEY SEQ16(0x1)

/* A command written (without response) to 00000009, and the
 * notification that answers it: 10 <command> <status> [payload]. */
#define AUTH_CMD(...) PDU(0x52, H_AUTH, 0x00, __VA_ARGS__)
#define AUTH_REPLY(...) PDU(0x1b, H_AUTH, 0x00, 0x10, __VA_ARGS__)

/* What a protected read looks like before and after auth. */
static void expect_protected(struct fixture *f, bool open)
{
	if (open) {
		const struct captured *c =
			xfer_any(f, PDU(0x0a, H_BATTERY, 0x00));

		assert_int_equal(c->pdu[0], 0x0b);
		expect_no_out(f);
	} else {
		xfer(f, PDU(0x0a, H_BATTERY, 0x00),
		     PDU(0x01, 0x0a, H_BATTERY, 0x00, 0x08));
	}
	assert_int_equal(mb_band_authenticated(f->band), open);
}

static void subscribe(struct fixture *f)
{
	xfer(f, PDU(0x12, H_AUTH_CCC, 0x00, 0x01, 0x00), PDU(0x13));
}

/* fixture_setup_bound and fixture_setup_new, then notifications on
 * 00000009, where every reply comes. */
static int setup_bound_subscribed(void **state)
{
	int r = fixture_setup_bound(state);

	subscribe(*state);
	return r;
}

static int setup_new_subscribed(void **state)
{
	int r = fixture_setup_new(state);

	subscribe(*state);
	return r;
}

static void test_variant_a(void **state)
{
	struct fixture *f = *state;

	expect_protected(f, false);
	xfer(f, AUTH_CMD(0x02, 0x00), AUTH_REPLY(0x02, 0x01, RANDOM_A0));
	xfer(f, AUTH_CMD(0x03, 0x00, ANSWER_A0), AUTH_REPLY(0x03, 0x01));
	expect_events(f, "auth-started variant=A", "auth-succeeded variant=A",
		      NULL);
	expect_protected(f, true);
}

static void test_variant_b(void **state)
{
	struct fixture *f = *state;

	/* Gadgetbridge's form; replies echo the command byte as sent. */
	xfer(f, AUTH_CMD(0x82, 0x00, 0x02, 0x01, 0x00),
	     AUTH_REPLY(0x82, 0x01, RANDOM_A0));
	xfer(f, AUTH_CMD(0x83, 0x00, ANSWER_A0), AUTH_REPLY(0x83, 0x01));
	expect_events(f, "auth-started variant=B", "auth-succeeded variant=B",
		      NULL);
	expect_protected(f, true);
	/* The short form works too. */
	xfer(f, AUTH_CMD(0x82, 0x00), AUTH_REPLY(0x82, 0x01, RANDOM_B0));
	xfer(f, AUTH_CMD(0x83, 0x00, ANSWER_B0), AUTH_REPLY(0x83, 0x01));
}

static void test_wrong_key(void **state)
{
	struct fixture *f = *state;

	xfer(f, AUTH_CMD(0x02, 0x00), AUTH_REPLY(0x02, 0x01, RANDOM_A0));
	xfer(f, AUTH_CMD(0x03, 0x00, WRONG_A0), AUTH_REPLY(0x03, 0x04));
	expect_events(f, "auth-started variant=A",
		      "auth-failed variant=A reason=wrong-key", NULL);
	expect_protected(f, false);
	/* The challenge is spent: the right answer to it now fails too. */
	xfer(f, AUTH_CMD(0x03, 0x00, ANSWER_A0), AUTH_REPLY(0x03, 0x04));
	expect_events(f, "auth-failed variant=A reason=no-challenge", NULL);
	expect_protected(f, false);
}

static void test_replay_and_stale(void **state)
{
	struct fixture *f = *state;

	/* An answer with nothing outstanding. */
	xfer(f, AUTH_CMD(0x03, 0x00, ANSWER_A0), AUTH_REPLY(0x03, 0x04));
	/* Stale: a second request voids the first challenge. */
	xfer(f, AUTH_CMD(0x02, 0x00), AUTH_REPLY(0x02, 0x01, RANDOM_A0));
	xfer(f, AUTH_CMD(0x02, 0x00), AUTH_REPLY(0x02, 0x01, RANDOM_B0));
	xfer(f, AUTH_CMD(0x03, 0x00, ANSWER_A0), AUTH_REPLY(0x03, 0x04));
	expect_protected(f, false);
	/* Success, then the same answer replayed: refused, still authed. */
	xfer(f, AUTH_CMD(0x02, 0x00),
	     AUTH_REPLY(0x02, 0x01, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6,
			0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf));
	f->n_events = 0;
	fixture_auth(f, test_key); /* d0..df, answered right */
	expect_out(f, AUTH_REPLY(0x03, 0x01));
	expect_no_out(f);
	expect_protected(f, true);
	mb_link_receive(mb_band_link(f->band), f->out[0].pdu, 0); /* nothing */
	f->n_events = 0;
	xfer(f, AUTH_CMD(0x03, 0x00, ANSWER_A0), AUTH_REPLY(0x03, 0x04));
	expect_events(f, "auth-failed variant=A reason=no-challenge", NULL);
	expect_protected(f, true);
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;

	xfer(f, AUTH_CMD(0x02, 0x00), AUTH_REPLY(0x02, 0x01, RANDOM_A0));
	f->n_events = 0;
	xfer(f, AUTH_CMD(0x02), AUTH_REPLY(0x02, 0x02));
	xfer(f, AUTH_CMD(0x02, 0x00, 0x00), AUTH_REPLY(0x02, 0x02));
	xfer(f, AUTH_CMD(0x82, 0x00, 0x02), AUTH_REPLY(0x82, 0x02));
	xfer(f,
	     AUTH_CMD(0x03, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
		      15),
	     AUTH_REPLY(0x03, 0x02));
	xfer(f,
	     AUTH_CMD(0x01, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
		      15),
	     AUTH_REPLY(0x01, 0x02));
	xfer(f, AUTH_CMD(0x05), AUTH_REPLY(0x05, 0x02));
	xfer(f, AUTH_CMD(0x81, 0x00), AUTH_REPLY(0x81, 0x02));
	/* An empty write has no command to answer. */
	xfer_silent(f, PDU(0x52, H_AUTH, 0x00));
	expect_events(
		f,
		"malformed characteristic=00000009-0000-3512-2118-0009af100700 command=0x02",
		"malformed characteristic=00000009-0000-3512-2118-0009af100700 command=0x02",
		"malformed characteristic=00000009-0000-3512-2118-0009af100700 command=0x82",
		"malformed characteristic=00000009-0000-3512-2118-0009af100700 command=0x03",
		"malformed characteristic=00000009-0000-3512-2118-0009af100700 command=0x01",
		"malformed characteristic=00000009-0000-3512-2118-0009af100700 command=0x05",
		"malformed characteristic=00000009-0000-3512-2118-0009af100700 command=0x81",
		NULL);
	/* None of that touched the outstanding challenge. */
	xfer(f, AUTH_CMD(0x03, 0x00, ANSWER_A0), AUTH_REPLY(0x03, 0x01));
	assert_false(f->state.bound == false);
	assert_int_equal(f->saves, 0);
}

static void test_not_bound(void **state)
{
	struct fixture *f = *state;

	xfer(f, AUTH_CMD(0x02, 0x00), AUTH_REPLY(0x02, 0x04));
	xfer(f, AUTH_CMD(0x03, 0x00, ANSWER_A0), AUTH_REPLY(0x03, 0x04));
	expect_events(f, "auth-failed variant=A reason=not-bound",
		      "auth-failed variant=A reason=no-challenge", NULL);
	expect_protected(f, false);
}

/* op on handle with n bytes of value, before auth: a request gets
 * Insufficient Authentication (the profile's 08), a command nothing. */
static void expect_refused(struct fixture *f, uint8_t op, uint16_t handle,
			   const uint8_t *value, size_t n)
{
	uint8_t req[3 + 2] = { op }, err[5] = { 0x01, op, 0x00, 0x00, 0x08 };

	mb_put_le16(req + 1, handle);
	if (n)
		memcpy(req + 3, value, n);
	mb_put_le16(err + 2, handle);
	if (op & 0x40)
		xfer_silent(f, req, 3 + n);
	else
		xfer(f, req, 3 + n, err, sizeof(err));
}

/* Every characteristic with auth = yes, every way in, before auth. */
static void test_protected_before_auth(void **state)
{
	struct fixture *f = *state;
	const struct mb_gatt *g = mb_band_gatt(f->band);
	unsigned int checked = 0;

	for (size_t i = 0; i < mb_gatt_n_chrs(g); i++) {
		const struct mb_gatt_chr *c = mb_gatt_chr(g, i);
		uint8_t on = c->def->props & MB_PROP_NOTIFY ? 0x01 : 0x02;
		uint8_t off[5] = { 0x12, 0x00, 0x00, 0x00, 0x00 };

		if (!c->def->auth)
			continue;
		checked++;
		if (c->def->props & MB_PROP_READ)
			expect_refused(f, 0x0a, c->value_handle, NULL, 0);
		if (c->def->props & MB_PROP_WRITE)
			expect_refused(f, 0x12, c->value_handle,
				       (const uint8_t[]){ 0x00 }, 1);
		if (c->def->props & MB_PROP_WRITE_NO_RSP)
			expect_refused(f, 0x52, c->value_handle,
				       (const uint8_t[]){ 0x06 }, 1);
		if (!c->cccd_handle)
			continue;
		expect_refused(f, 0x12, c->cccd_handle,
			       (const uint8_t[]){ on, 0x00 }, 2);
		/* Turning notifications off is always fine. */
		mb_put_le16(off + 1, c->cccd_handle);
		xfer(f, off, sizeof(off), PDU(0x13));
	}
	assert_int_equal(checked, 14);
	/* A protected value is not found by type either. */
	xfer(f, PDU(0x08, 0x01, 0x00, 0xff, 0xff, 0x2b, 0x2a),
	     PDU(0x01, 0x08, H_TIME, 0x00, 0x08));
	expect_events(f, NULL);
	assert_int_equal(f->saves, 0);
	assert_true(mb_band_state(f->band)->bound);
}

static void test_auth_lasts_for_the_link(void **state)
{
	struct fixture *f = *state;

	expect_protected(f, true);
	mb_band_disconnect(f->band);
	fixture_connect(f);
	expect_protected(f, false);
}

static void test_bind_with_tap(void **state)
{
	struct fixture *f = *state;

	assert_false(mb_auth_prompting(mb_band_auth(f->band)));
	xfer_silent(f, AUTH_CMD(0x01, 0x00, TEST_KEY));
	assert_true(mb_auth_prompting(mb_band_auth(f->band)));
	assert_int_equal(mb_band_busy(f->band), MB_BAND_BUSY_BIND);
	expect_events(f, "prompt-shown prompt=pair-confirm", NULL);
	/* Waiting is not answering. */
	fixture_advance(f, 29999);
	expect_no_out(f);
	mb_band_press_button(f->band);
	expect_out(f, AUTH_REPLY(0x01, 0x01));
	expect_no_out(f);
	expect_events(f, "button-pressed", "bound key-id=a8faed6a", NULL);
	assert_false(mb_auth_prompting(mb_band_auth(f->band)));
	assert_true(mb_band_state(f->band)->bound);
	assert_int_equal(f->saves, 1);
	assert_true(f->saved.bound);
	assert_memory_equal(f->saved.key, test_key, 16);
	/* Binding does not authenticate; auth with the new key does. */
	expect_protected(f, false);
	xfer(f, AUTH_CMD(0x02, 0x00), AUTH_REPLY(0x02, 0x01, RANDOM_A0));
	xfer(f, AUTH_CMD(0x03, 0x00, ANSWER_A0), AUTH_REPLY(0x03, 0x01));
	expect_protected(f, true);
}

static void test_bind_no_tap(void **state)
{
	struct fixture *f = *state;

	/* Flag 0x08 (Mi Band 2 style) is echoed the same way. */
	xfer_silent(f, AUTH_CMD(0x01, 0x08, TEST_KEY));
	fixture_advance(f, 29999);
	expect_no_out(f);
	fixture_advance(f, 1);
	expect_out(f, AUTH_REPLY(0x01, 0x04));
	expect_no_out(f);
	expect_events(f, "prompt-shown prompt=pair-confirm",
		      "prompt-timed-out prompt=pair-confirm",
		      "bind-refused reason=no-tap", NULL);
	assert_false(mb_auth_prompting(mb_band_auth(f->band)));
	assert_false(mb_band_state(f->band)->bound);
	assert_int_equal(f->saves, 0);
	/* A late tap is only a tap. */
	mb_band_press_button(f->band);
	expect_no_out(f);
	assert_false(mb_band_state(f->band)->bound);
}

static void test_bind_declined_and_busy(void **state)
{
	struct fixture *f = *state;

	xfer_silent(f, AUTH_CMD(0x01, 0x00, TEST_KEY));
	xfer(f, AUTH_CMD(0x01, 0x00, OTHER_KEY), AUTH_REPLY(0x01, 0x04));
	mb_band_long_press_button(f->band);
	expect_out(f, AUTH_REPLY(0x01, 0x04));
	expect_no_out(f);
	expect_events(f, "prompt-shown prompt=pair-confirm",
		      "bind-refused reason=busy", "button-long-pressed",
		      "prompt-declined prompt=pair-confirm",
		      "bind-refused reason=declined", NULL);
	assert_false(mb_band_state(f->band)->bound);
}

static void test_bind_cancelled_by_disconnect(void **state)
{
	struct fixture *f = *state;

	xfer_silent(f, AUTH_CMD(0x01, 0x00, TEST_KEY));
	mb_band_disconnect(f->band);
	assert_false(mb_auth_prompting(mb_band_auth(f->band)));
	expect_events(f, "prompt-shown prompt=pair-confirm",
		      "bind-refused reason=disconnected", "disconnected", NULL);
	fixture_advance(f, 60000);
	mb_band_press_button(f->band);
	assert_false(mb_band_state(f->band)->bound);
	assert_int_equal(f->saves, 0);
}

static void test_bind_not_stored(void **state)
{
	struct fixture *f = *state;

	f->fail_saves = true;
	xfer_silent(f, AUTH_CMD(0x01, 0x00, TEST_KEY));
	mb_band_press_button(f->band);
	expect_out(f, AUTH_REPLY(0x01, 0x04));
	expect_no_out(f);
	expect_events(f, "prompt-shown prompt=pair-confirm", "button-pressed",
		      "bind-refused reason=storage", NULL);
	assert_false(mb_band_state(f->band)->bound);
}

static void test_binding_conflict(void **state)
{
	struct fixture *f = *state;

	/* "Bound to another account": refused at once, key unchanged. */
	xfer(f, AUTH_CMD(0x01, 0x00, OTHER_KEY), AUTH_REPLY(0x01, 0x04));
	expect_events(f, "bind-refused reason=bound-to-other", NULL);
	assert_false(mb_auth_prompting(mb_band_auth(f->band)));
	assert_memory_equal(mb_band_state(f->band)->key, test_key, 16);
	/* The same key again is fine, and needs no tap. */
	xfer(f, AUTH_CMD(0x01, 0x00, TEST_KEY), AUTH_REPLY(0x01, 0x01));
	expect_events(f, NULL);
	assert_int_equal(f->saves, 0);
}

static void test_owner_unbinds(void **state)
{
	struct fixture *f = *state;
	char addr[18];

	/* From the authenticated owner: 06 0B 00 01 on 00000003. */
	xfer_silent(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x0b, 0x00, 0x01));
	/* The fake random source gave b0..b5 after the challenge a0..af. */
	expect_events(f, "reset address=F0:B1:B2:B3:B4:B5", NULL);
	mb_band_state_address(mb_band_state(f->band), addr);
	assert_string_equal(addr, "F0:B1:B2:B3:B4:B5");
	assert_false(mb_band_state(f->band)->bound);
	assert_int_equal(f->saves, 1);
	assert_false(f->saved.bound);
	assert_memory_equal(f->saved.address,
			    ((uint8_t[]){ 0xf0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5 }),
			    6);
	assert_string_equal(f->saved.serial, "86c5dfd5eff8");
	assert_int_equal(f->disconnects, 1);
	assert_false(mb_band_authenticated(f->band));
}

static void test_unauthenticated_cannot_unbind(void **state)
{
	struct fixture *f = *state;

	xfer_silent(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x0b, 0x00, 0x01));
	expect_events(f, NULL);
	assert_true(mb_band_state(f->band)->bound);
	assert_int_equal(f->disconnects, 0);
}

static void test_menu_reset_and_reboot(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;

	mb_band_reboot(f->band);
	expect_events(f, "reboot", NULL);
	assert_int_equal(f->disconnects, 1);
	assert_true(mb_band_state(f->band)->bound);
	mb_band_disconnect(f->band);
	f->n_events = 0;
	/* With no link, the reset is the band's alone. */
	assert_true(mb_band_factory_reset(f->band, &err));
	expect_events(f, "reset address=F0:B1:B2:B3:B4:B5", NULL);
	assert_int_equal(f->disconnects, 1);
	assert_false(mb_band_state(f->band)->bound);
	/* A failed save changes nothing. */
	f->fail_saves = true;
	assert_false(mb_band_factory_reset(f->band, &err));
	assert_string_equal(err, "disk full (test)");
	free(err);
	assert_int_equal(mb_band_state(f->band)->address[0], 0xf0);
}

/* What kill -9 leaves of a factory reset: band.ini as the store wrote
 * it, and the flash and the settings as they were at that moment, before
 * the erase. */
#define H_USER 0x4d /* 00000008 user settings */

static struct mb_band_state disk_state;
static uint8_t *disk_flash, *band_flash;
static size_t flash_size;
static char *disk_settings;

static bool snapshot_store(const struct mb_band_state *st, void *user_data,
			   char **err)
{
	struct fixture *f = user_data;

	disk_state = *st;
	memcpy(disk_flash, band_flash, flash_size);
	free(disk_settings);
	disk_settings = mb_settings_values_format(
		mb_settings_values(mb_band_settings(f->band)));
	return true;
}

/* The band started again from what the disk holds (on a copy: the
 * start may finish the reset). */
static size_t samples_after_restart(struct fixture *f,
				    const struct mb_band_state *st)
{
	char *err = NULL;
	struct mb_band *band =
		mb_band_new(f->profile, st, &f->clock.clock, &err);
	uint8_t *mem = mb_memdup(disk_flash, flash_size);
	size_t n;

	assert_non_null(band);
	mb_logstore_attach(mb_band_store(band), mem, NULL);
	n = mb_flashlog_count(mb_band_log(band));
	mb_band_free(band);
	free(mem);
	return n;
}

static void test_reset_killed_before_erase(void **state)
{
	struct fixture *f = *state;
	struct mb_band_state old = *mb_band_state(f->band);
	struct mb_settings_values factory;
	char *err = NULL, *factory_text;

	mb_settings_values_init(&factory);
	factory_text = mb_settings_values_format(&factory);
	flash_size = mb_logstore_size(mb_band_store(f->band));
	band_flash = malloc(flash_size);
	disk_flash = malloc(flash_size);
	memset(band_flash, 0xff, flash_size);
	mb_logstore_attach(mb_band_store(f->band), band_flash, NULL);
	fixture_advance(f, 10 * 60000);
	/* The owner's step goal (protocol §2.5): 10000. */
	xfer(f,
	     PDU(0x12, H_USER, 0x00, 0x10, 0x00, 0x00, 0x10, 0x27, 0x00, 0x00),
	     PDU(0x13));
	mb_identity_set_store(mb_band_identity(f->band), snapshot_store, f);
	assert_true(mb_band_factory_reset(f->band, &err));
	assert_int_equal(mb_flashlog_count(mb_band_log(f->band)), 0);
	/* Killed once the new owner was stored: the old owner's log goes
	 * at the next start. */
	assert_int_equal(samples_after_restart(f, &disk_state), 0);
	/* Killed just before: the old owner with its log. */
	assert_int_equal(samples_after_restart(f, &old), 10);
	/* The new owner never gets the old owner's settings: they were the
	 * factory's before band.ini was replaced. */
	assert_string_equal(disk_settings, factory_text);
	free(disk_settings);
	disk_settings = NULL;
	free(factory_text);
	mb_band_free(f->band);
	f->band = NULL;
	free(band_flash);
	free(disk_flash);
}

static void test_button_device_events(void **state)
{
	struct fixture *f = *state;

	mb_band_press_button(f->band);
	expect_no_out(f);
	xfer(f, PDU(0x12, H_EVENT_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	mb_band_press_button(f->band);
	expect_out(f, PDU(0x1b, 0x4a, 0x00, 0x04));
	mb_band_long_press_button(f->band);
	expect_out(f, PDU(0x1b, 0x4a, 0x00, 0x0b));
	expect_no_out(f);
}

#define A(name, fn, setup) CASE(name, fn, setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		A("MB4-UT/AUTH/BV-01 variant A", test_variant_a,
		  setup_bound_subscribed),
		A("MB4-UT/AUTH/BV-02 variant B echoes 82/83", test_variant_b,
		  setup_bound_subscribed),
		A("MB4-UT/AUTH/BI-01 wrong key", test_wrong_key,
		  setup_bound_subscribed),
		A("MB4-UT/AUTH/BI-02 replay and stale", test_replay_and_stale,
		  setup_bound_subscribed),
		A("MB4-UT/AUTH/BI-03 malformed", test_malformed,
		  setup_bound_subscribed),
		A("MB4-UT/AUTH/BI-04 band without key", test_not_bound,
		  setup_new_subscribed),
		A("MB4-UT/SAFE/BV-01 protected before auth",
		  test_protected_before_auth, fixture_setup_bound),
		A("MB4-UT/SAFE/BV-02 auth lasts for the link",
		  test_auth_lasts_for_the_link, fixture_setup),
		A("MB4-UT/PAIR/BV-01 bind with a tap", test_bind_with_tap,
		  setup_new_subscribed),
		A("MB4-UT/PAIR/BI-01 no tap", test_bind_no_tap,
		  setup_new_subscribed),
		A("MB4-UT/PAIR/BI-02 declined and busy",
		  test_bind_declined_and_busy, setup_new_subscribed),
		A("MB4-UT/PAIR/BI-03 cancelled by disconnect",
		  test_bind_cancelled_by_disconnect, setup_new_subscribed),
		A("MB4-UT/PAIR/BI-04 binding not stored", test_bind_not_stored,
		  setup_new_subscribed),
		A("MB4-UT/BIND/BI-01 bound to another key",
		  test_binding_conflict, setup_bound_subscribed),
		A("MB4-UT/BIND/BV-01 owner unbinds", test_owner_unbinds,
		  fixture_setup),
		A("MB4-UT/BIND/BI-02 stranger cannot unbind",
		  test_unauthenticated_cannot_unbind, fixture_setup_bound),
		A("MB4-UT/BIND/BV-02 menu reset and reboot",
		  test_menu_reset_and_reboot, fixture_setup),
		A("MB4-UT/BIND/BI-03 a reset killed half way leaves nothing of the old owner",
		  test_reset_killed_before_erase, fixture_setup),
		A("MB4-UT/EVT/BV-01 button device events",
		  test_button_device_events, fixture_setup),
	};

	return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
