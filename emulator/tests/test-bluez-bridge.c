// SPDX-License-Identifier: GPL-2.0-or-later
/* The BlueZ transport's bridge: bluetoothd's ReadValue / WriteValue /
 * StartNotify calls as the ATT PDUs the band answers, without a bus. */
#include <stdlib.h>
#include <string.h>

#include "att.h"
#include "crypto.h"
#include "fault.h"
#include "harness.h"
#include "transport/bluez/bluez-bridge.h"

#define AUTH_UUID "00000009-0000-3512-2118-0009af100700"
#define STEPS_UUID "00000007-0000-3512-2118-0009af100700"
#define CONFIG_UUID "00000003-0000-3512-2118-0009af100700"
#define SWREV_UUID "00002a28-0000-1000-8000-00805f9b34fb"
#define FW_CONTROL_UUID "00001531-0000-3512-2118-0009af100700"
#define TIME_UUID "00002a2b-0000-1000-8000-00805f9b34fb"

/* What reached bluetoothd, in order: a notification, or (chr NULL) a
 * write's reply with its ATT error in value[0]. */
struct seen {
	const struct mb_gatt_chr *chr;
	uint8_t value[512];
	size_t len;
};

struct bridge_fixture {
	struct fixture *f;
	struct bluez_bridge *b;
	struct seen seen[64];
	size_t n_seen;
	unsigned int disconnects;
};

static void expect_prefix(const uint8_t *got, const uint8_t *want, size_t len)
{
	assert_memory_equal(got, want, len);
}

static void on_notify(const struct mb_gatt_chr *chr, const uint8_t *value,
		      size_t len, bool indication, void *user_data)
{
	struct bridge_fixture *bf = user_data;
	struct seen *s = &bf->seen[bf->n_seen++];

	assert_true(bf->n_seen <= 64);
	assert_false(indication);
	s->chr = chr;
	s->len = len;
	memcpy(s->value, value, len);
}

static void on_reply(uint8_t err, void *user_data)
{
	struct bridge_fixture *bf = user_data;
	struct seen *s = &bf->seen[bf->n_seen++];

	assert_true(bf->n_seen <= 64);
	s->chr = NULL;
	s->value[0] = err;
	s->len = 1;
}

/* WriteValue: the reply comes exactly once; returns its error. */
static uint8_t write(struct bridge_fixture *bf, const struct mb_gatt_chr *chr,
		     const uint8_t *value, size_t len, bool command)
{
	size_t before = bf->n_seen, replies = 0;
	uint8_t err = 0;

	bluez_bridge_write(bf->b, chr, value, len, command, on_reply, bf);
	for (size_t i = before; i < bf->n_seen; i++) {
		if (!bf->seen[i].chr) {
			replies++;
			err = bf->seen[i].value[0];
		}
	}
	assert_int_equal(replies, 1);
	return err;
}

/* Asserts seen[i] is the reply with err. */
static void expect_reply(struct bridge_fixture *bf, size_t i, uint8_t err)
{
	assert_true(i < bf->n_seen);
	assert_null(bf->seen[i].chr);
	assert_int_equal(bf->seen[i].value[0], err);
}

static void on_disconnect(void *user_data)
{
	((struct bridge_fixture *)user_data)->disconnects++;
}

static const struct bluez_bridge_ops ops = {
	.notify = on_notify,
	.disconnect = on_disconnect,
};

static int setup(void **state)
{
	struct bridge_fixture *bf = calloc(1, sizeof(*bf));

	assert_int_equal(fixture_setup_bound((void **)&bf->f), 0);
	/* The bridge brings its own link. */
	mb_band_disconnect(bf->f->band);
	bf->b = bluez_bridge_new(bf->f->band, &ops, bf);
	assert_true(bluez_bridge_link_up(bf->b));
	*state = bf;
	return 0;
}

static int teardown(void **state)
{
	struct bridge_fixture *bf = *state;

	bluez_bridge_free(bf->b);
	fixture_teardown((void **)&bf->f);
	free(bf);
	return 0;
}

/* Variant A through the bridge.  00000009 takes Write Commands: no
 * response on air, and the call's reply once the band took the write. */
static void authenticate(struct bridge_fixture *bf)
{
	const struct mb_gatt_chr *auth = chr_by_uuid(bf->f, AUTH_UUID);
	uint8_t random[16], answer[18] = { 0x03, 0x00 };

	assert_int_equal(bluez_bridge_set_notify(bf->b, auth, true), 0);
	next_random(bf->f, random);
	assert_int_equal(write(bf, auth, PDU(0x02, 0x00), true), 0);
	/* 10 02 01 and the challenge, then the reply. */
	assert_int_equal(bf->n_seen, 2);
	assert_ptr_equal(bf->seen[0].chr, auth);
	assert_int_equal(bf->seen[0].len, 19);
	expect_prefix(bf->seen[0].value, PDU(0x10, 0x02, 0x01));
	assert_memory_equal(bf->seen[0].value + 3, random, 16);
	expect_reply(bf, 1, 0);
	assert_int_equal(mb_crypto_aes128_ecb(test_key, random, answer + 2),
			 MB_CRYPTO_OK);
	assert_int_equal(write(bf, auth, answer, sizeof(answer), true), 0);
	assert_int_equal(bf->n_seen, 4);
	expect_prefix(bf->seen[2].value, PDU(0x10, 0x03, 0x01));
	assert_true(mb_band_authenticated(bf->f->band));
	bf->n_seen = 0;
}

static void test_read(void **state)
{
	struct bridge_fixture *bf = *state;
	const struct mb_gatt_chr *swrev = chr_by_uuid(bf->f, SWREV_UUID);
	uint8_t buf[512];
	size_t len = 0;

	assert_int_equal(bluez_bridge_read(bf->b, swrev, 0, buf, &len), 0);
	assert_int_equal(len, 9);
	assert_memory_equal(buf, "V1.0.9.70", 9);
	/* bluetoothd's Read Blob: the value from the offset on. */
	assert_int_equal(bluez_bridge_read(bf->b, swrev, 5, buf, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "9.70", 4);
	assert_int_equal(bluez_bridge_read(bf->b, swrev, 9, buf, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(bluez_bridge_read(bf->b, swrev, 10, buf, &len),
			 MB_ATT_ERROR_INVALID_OFFSET);
}

/* Values longer than ATT_MTU - 1 come whole, by Read Blob. */
static void test_long_read(void **state)
{
	struct bridge_fixture *bf = *state;
	const struct mb_gatt_chr *battery =
		chr_by_uuid(bf->f, "00000006-0000-3512-2118-0009af100700");
	uint8_t buf[512];
	size_t len = 0;

	authenticate(bf);
	bluez_bridge_set_mtu(bf->b, 23);
	assert_int_equal(mb_att_mtu(mb_link_att(mb_band_link(bf->f->band))),
			 23);
	assert_int_equal(bluez_bridge_read(bf->b, battery, 0, buf, &len), 0);
	/* protocol §5: 20 bytes, level at byte 1. */
	assert_int_equal(len, 20);
	assert_int_equal(buf[1], 81);
	bluez_bridge_set_mtu(bf->b, 247);
	assert_int_equal(mb_att_mtu(mb_link_att(mb_band_link(bf->f->band))),
			 247);
}

static void test_refusals(void **state)
{
	struct bridge_fixture *bf = *state;
	const struct mb_gatt_chr *steps = chr_by_uuid(bf->f, STEPS_UUID);
	const struct mb_gatt_chr *config = chr_by_uuid(bf->f, CONFIG_UUID);
	const struct mb_gatt_chr *hr_control =
		chr_by_uuid(bf->f, "00002a39-0000-1000-8000-00805f9b34fb");
	uint8_t buf[512];
	size_t len;

	/* Protected before auth: Insufficient Authorization, as on air. */
	assert_int_equal(bluez_bridge_read(bf->b, steps, 0, buf, &len),
			 MB_ATT_ERROR_AUTHORIZATION);
	assert_int_equal(write(bf, hr_control, PDU(0x15, 0x01, 0x01), false),
			 MB_ATT_ERROR_AUTHORIZATION);
	/* A Write Request where the band takes only commands. */
	assert_int_equal(write(bf, config, PDU(0x06, 0x02, 0x00, 0x01), false),
			 MB_ATT_ERROR_WRITE_NOT_PERMITTED);
	assert_string_equal(bluez_bridge_error_name(MB_ATT_ERROR_AUTHORIZATION),
			    "org.bluez.Error.NotAuthorized");
	assert_string_equal(
		bluez_bridge_error_name(MB_ATT_ERROR_INVALID_VALUE_LEN),
		"org.bluez.Error.InvalidValueLength");
	assert_string_equal(
		bluez_bridge_error_name(MB_ATT_ERROR_INVALID_OFFSET),
		"org.bluez.Error.InvalidOffset");
	assert_string_equal(
		bluez_bridge_error_name(MB_ATT_ERROR_WRITE_NOT_PERMITTED),
		"org.bluez.Error.NotPermitted");
	assert_string_equal(
		bluez_bridge_error_name(MB_ATT_ERROR_REQUEST_NOT_SUPPORTED),
		"org.bluez.Error.NotSupported");
	assert_string_equal(bluez_bridge_error_name(MB_ATT_ERROR_UNLIKELY),
			    "org.bluez.Error.Failed");
	/* Nothing was sent on behalf of the refused calls: their replies. */
	assert_int_equal(bf->n_seen, 2);
}

/* bluetoothd takes the CCCD write itself: an enable the band refused
 * before auth takes effect once the link is authenticated. */
static void test_notify_before_auth(void **state)
{
	struct bridge_fixture *bf = *state;
	const struct mb_gatt_chr *steps = chr_by_uuid(bf->f, STEPS_UUID);

	assert_int_equal(bluez_bridge_set_notify(bf->b, steps, true),
			 MB_ATT_ERROR_AUTHORIZATION);
	assert_true(bluez_bridge_notifying(bf->b, steps));
	assert_int_equal(
		mb_att_ccc(mb_link_att(mb_band_link(bf->f->band)), steps), 0);
	authenticate(bf);
	assert_int_equal(mb_att_ccc(mb_link_att(mb_band_link(bf->f->band)),
				    steps),
			 MB_CCC_NOTIFY);
	/* The minute tick notifies the day's steps (protocol §2.4). */
	fixture_advance(bf->f, 60 * 1000);
	assert_true(bf->n_seen >= 1);
	assert_ptr_equal(bf->seen[bf->n_seen - 1].chr, steps);
	assert_int_equal(bf->seen[bf->n_seen - 1].len, 13);
	/* Off: the band stops. */
	assert_int_equal(bluez_bridge_set_notify(bf->b, steps, false), 0);
	assert_int_equal(
		mb_att_ccc(mb_link_att(mb_band_link(bf->f->band)), steps), 0);
}

/* A bonded central's CCCDs live on in bluetoothd: a new link gets them. */
static void test_relink_keeps_subscriptions(void **state)
{
	struct bridge_fixture *bf = *state;
	const struct mb_gatt_chr *auth = chr_by_uuid(bf->f, AUTH_UUID);

	assert_int_equal(bluez_bridge_set_notify(bf->b, auth, true), 0);
	bluez_bridge_link_down(bf->b);
	assert_false(mb_link_connected(mb_band_link(bf->f->band)));
	assert_true(bluez_bridge_link_up(bf->b));
	assert_int_equal(mb_att_ccc(mb_link_att(mb_band_link(bf->f->band)),
				    auth),
			 MB_CCC_NOTIFY);
	/* A second link_up is the same link. */
	assert_true(bluez_bridge_link_up(bf->b));
	assert_true(bluez_bridge_linked(bf->b));
}

/* The band hangs up (factory reset from the owner): the bridge asks the
 * transport to, after the call. */
static void test_band_hangs_up(void **state)
{
	struct bridge_fixture *bf = *state;
	const struct mb_gatt_chr *config = chr_by_uuid(bf->f, CONFIG_UUID);

	authenticate(bf);
	assert_int_equal(bf->disconnects, 0);
	assert_int_equal(write(bf, config, PDU(0x06, 0x0b, 0x00, 0x01), true),
			 0);
	assert_int_equal(bf->disconnects, 1);
	assert_false(mb_band_state(bf->f->band)->bound);
	/* Until bluetoothd ended the link, what the central still sends
	 * never reaches the band: no answer, no notification. */
	assert_true(bluez_bridge_hung_up(bf->b));
	bf->n_seen = 0;
	assert_int_equal(write(bf, config, PDU(0x06, 0x0b, 0x00, 0x01), true),
			 MB_ATT_ERROR_UNLIKELY);
	assert_int_equal(bf->n_seen, 1); /* the call's reply, nothing else */
	assert_int_equal(bf->disconnects, 1);
	/* Calls after the link went get Unlikely Error, not a crash. */
	bluez_bridge_link_down(bf->b);
	assert_false(bluez_bridge_hung_up(bf->b));
	assert_int_equal(write(bf, config, PDU(0x06), true),
			 MB_ATT_ERROR_UNLIKELY);
}

/* A band that leaves a request unanswered (a fault swallowed it) gives
 * no ATT code, and the bridge says so: not the Unlikely Error of a
 * response that answers something else. */
static void test_silent_band(void **state)
{
	struct bridge_fixture *bf = *state;
	const struct mb_gatt_chr *time = chr_by_uuid(bf->f, TIME_UUID);
	const char *line = "trigger=write chr=current-time action=silence";
	char *err = NULL;
	uint8_t value[11] = { 0xe8, 0x07, 5, 20, 7, 0, 0, 1, 0, 0, 4 };
	uint8_t buf[MB_ATT_MAX_VALUE_LEN];
	size_t len = 0;

	authenticate(bf);
	assert_int_not_equal(
		mb_faults_inject(mb_band_faults(bf->f->band), line, &err), 0);
	assert_null(err);
	assert_int_equal(write(bf, time, value, sizeof(value), false),
			 BLUEZ_BRIDGE_NO_RESPONSE);
	/* Silent for the rest of the link: a read is left unanswered too. */
	assert_int_equal(bluez_bridge_read(bf->b, time, 0, buf, &len),
			 BLUEZ_BRIDGE_NO_RESPONSE);
}

/* A Write Request and the notification it raises (03 01 on 00001531
 * with no update announced: 10 03 04) reach bluetoothd in the band's
 * order: the reply first, or with notification-first the notification. */
static void start_without_init(struct bridge_fixture *bf, bool response_first)
{
	const struct mb_gatt_chr *fw = chr_by_uuid(bf->f, FW_CONTROL_UUID);

	bf->n_seen = 0;
	assert_int_equal(write(bf, fw, PDU(0x03, 0x01), false), 0);
	assert_int_equal(bf->n_seen, 2);
	expect_reply(bf, response_first ? 0 : 1, 0);
	assert_ptr_equal(bf->seen[response_first ? 1 : 0].chr, fw);
	expect_prefix(bf->seen[response_first ? 1 : 0].value,
		      PDU(0x10, 0x03, 0x04));
}

static void test_order_follows_the_band(void **state)
{
	struct bridge_fixture *bf = *state;

	authenticate(bf);
	assert_int_equal(bluez_bridge_set_notify(
				 bf->b, chr_by_uuid(bf->f, FW_CONTROL_UUID),
				 true),
			 0);
	start_without_init(bf, true);
	/* The same band with the other policy, behind a new bridge. */
	bluez_bridge_free(bf->b);
	fixture_set_policy(bf->f, "notification-order", "notification-first");
	mb_band_disconnect(bf->f->band);
	bf->b = bluez_bridge_new(bf->f->band, &ops, bf);
	assert_true(bluez_bridge_link_up(bf->b));
	bf->n_seen = 0;
	authenticate(bf);
	assert_int_equal(bluez_bridge_set_notify(
				 bf->b, chr_by_uuid(bf->f, FW_CONTROL_UUID),
				 true),
			 0);
	start_without_init(bf, false);
}

/* bluetoothd joins a client's Prepare Writes and calls WriteValue with
 * the whole value: the band gets it as Prepare Writes and an Execute
 * Write (docs/policies.md#long-writes), and the call's reply is the
 * Execute Write's. */
static void test_long_write(void **state)
{
	struct bridge_fixture *bf = *state;
	const struct mb_gatt_chr *new_alert = chr_by_uuid(bf->f, "2a46");
	const struct mb_gatt_chr *time = chr_by_uuid(bf->f, "2a2b");
	static const uint8_t alert[] = "\x05\x01"
				       "Ann\0See you at the station at 6 pm";
	uint8_t big[300] = { 0x05, 0x01 };

	bluez_bridge_set_mtu(bf->b, 23);
	bf->f->n_events = 0;
	assert_int_equal(write(bf, new_alert, alert, sizeof(alert) - 1, false),
			 0);
	expect_events(
		bf->f,
		"alert-received category=sms title=Ann text=See you at "
		"the station at 6 pm via=new-alert",
		"vibrate reason=alert pattern=200,150,200 duration-ms=550",
		NULL);
	assert_int_equal(
		mb_att_prepared(mb_link_att(mb_band_link(bf->f->band))), 0);
	/* What the band's ATT server refuses, for the whole value: longer
	 * than max-length; a characteristic that takes no long writes. */
	memset(big + 2, 'a', sizeof(big) - 2);
	assert_int_equal(write(bf, new_alert, big, sizeof(big), false),
			 MB_ATT_ERROR_INVALID_VALUE_LEN);
	expect_events(bf->f, NULL);
	bf->n_seen = 0;
	authenticate(bf);
	bf->f->n_events = 0;
	assert_int_equal(write(bf, time, big, 30, false),
			 MB_ATT_ERROR_REQUEST_NOT_SUPPORTED);
	assert_int_equal(
		mb_att_prepared(mb_link_att(mb_band_link(bf->f->band))), 0);
	expect_events(bf->f, NULL);
}

/* bluetoothd sends a BlueZ central (which sets Multiple Handle Value
 * Notifications in its Client Supported Features) every notification as
 * opcode 0x23, 4 bytes of header a value, and cuts what does not fit:
 * through the bridge the band fills ATT_MTU - 5, not ATT_MTU - 3. */
static void test_notifications_fit_multiple(void **state)
{
	struct bridge_fixture *bf = *state;
	struct mb_link *link = mb_band_link(bf->f->band);

	bluez_bridge_set_mtu(bf->b, 247);
	assert_int_equal(mb_link_mtu(link), 247);
	assert_int_equal(mb_link_notify_max(link), 247 - 5);
	bluez_bridge_set_mtu(bf->b, 23);
	assert_int_equal(mb_link_notify_max(link), 23 - 5);
}

#define B(name, fn) CASE(name, fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		B("MB4-UT/BLUEZ/BV-01 ReadValue with offsets", test_read),
		B("MB4-UT/BLUEZ/BV-02 long values by Read Blob, MTU from options",
		  test_long_read),
		B("MB4-UT/BLUEZ/BI-01 refusals and their org.bluez.Error names",
		  test_refusals),
		B("MB4-UT/BLUEZ/BV-03 notify enabled before auth applies after it",
		  test_notify_before_auth),
		B("MB4-UT/BLUEZ/BV-04 subscriptions survive a new link",
		  test_relink_keeps_subscriptions),
		B("MB4-UT/BLUEZ/BV-05 band-initiated disconnect",
		  test_band_hangs_up),
		B("MB4-UT/BLUEZ/BV-08 a request the band leaves unanswered",
		  test_silent_band),
		B("MB4-UT/BLUEZ/BV-06 a write's reply keeps the band's notification order",
		  test_order_follows_the_band),
		B("MB4-UT/BLUEZ/BV-07 a long WriteValue as queued writes",
		  test_long_write),
		B("MB4-UT/BLUEZ/BV-09 notifications fit bluetoothd's Multiple Handle Value Notification",
		  test_notifications_fit_multiple),
	};

	return cmocka_run_group_tests_name("bluez-bridge", tests, NULL, NULL);
}
