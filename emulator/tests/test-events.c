// SPDX-License-Identifier: GPL-2.0-or-later
/* The band's own events on 00000010 as byte vectors (protocol §9): the
 * table, a test's injected events, find phone and the phone's answer on
 * 00000003, music and silent mode from the band's menus, and the wearer
 * falling asleep, waking up and taking the band off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devevents.h"
#include "harness.h"
#include "life.h"

#define NOTIFY_ON PDU(0x12, H_EVENT_CCC, 0x00, 0x01, 0x00), PDU(0x13)
#define EVENT(...) PDU(0x1b, H_EVENT, 0x00, __VA_ARGS__)

static struct mb_devevents *dev(struct fixture *f)
{
	return mb_band_devevents(f->band);
}

/* "name details" of a recorded event. */
#define LINE                                              \
	(sizeof(((struct recorded_event *)0)->name) + 1 + \
	 sizeof(((struct recorded_event *)0)->detail))

/* The events recorded so far whose "name details" start with one of
 * prefixes, into out (at most n); how many. */
static size_t only(const struct fixture *f, const char *const *prefixes,
		   char out[][LINE], size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < f->n_events && k < n; i++) {
		for (const char *const *w = prefixes; *w; w++) {
			char got[LINE];

			snprintf(got, sizeof(got), "%s %s", f->events[i].name,
				 f->events[i].detail);
			if (strncmp(got, *w, strlen(*w)))
				continue;
			snprintf(out[k++], sizeof(out[0]), "%s%s%s",
				 f->events[i].name,
				 f->events[i].detail[0] ? " " : "",
				 f->events[i].detail);
		}
	}
	return k;
}

/* Every code of §9 goes out with the bytes the table gives it, and says
 * so in device-event. */
static void test_every_code(void **state)
{
	static const struct {
		uint8_t code;
		uint8_t extra[3];
		size_t len;
		const char *event;
	} rows[] = {
		{ 0x01, { 0 }, 0, "code=0x01 name=fell-asleep extra=" },
		{ 0x02, { 0 }, 0, "code=0x02 name=woke-up extra=" },
		{ 0x03, { 0 }, 0, "code=0x03 name=goal-reached extra=" },
		{ 0x04, { 0 }, 0, "code=0x04 name=button extra=" },
		{ 0x06, { 0 }, 0, "code=0x06 name=non-wear extra=" },
		{ 0x07, { 0 }, 0, "code=0x07 name=call-rejected extra=" },
		{ 0x08, { 0 }, 0, "code=0x08 name=find-phone-start extra=" },
		{ 0x09, { 0 }, 0, "code=0x09 name=call-ignored extra=" },
		{ 0x0a, { 0 }, 0, "code=0x0a name=alarm-toggled extra=" },
		{ 0x0b, { 0 }, 0, "code=0x0b name=button-long extra=" },
		{ 0x0e, { 0 }, 0, "code=0x0e name=tick-30min extra=" },
		{ 0x0f, { 0 }, 0, "code=0x0f name=find-phone-stop extra=" },
		{ 0x10, { 0x01 }, 1, "code=0x10 name=silent-mode extra=01" },
		{ 0x14,
		  { 0x00, 0x01, 0x08 },
		  3,
		  "code=0x14 name=workout-starting extra=00 01 08" },
		{ 0x16, { 0xf7, 0x00 }, 2, "code=0x16 name=mtu extra=f7 00" },
		{ 0x1a, { 0 }, 0, "code=0x1a name=alarm-changed extra=" },
		{ 0xfe, { 0xe0 }, 1, "code=0xfe name=music-control extra=e0" },
	};
	struct fixture *f = *state;

	xfer(f, NOTIFY_ON);
	for (size_t i = 0; i < MB_ARRAY_SIZE(rows); i++) {
		uint8_t want[3 + 1 + 3] = { 0x1b, H_EVENT, 0x00, rows[i].code };
		char ev[128];
		char *err = NULL;

		memcpy(want + 4, rows[i].extra, rows[i].len);
		assert_true(mb_devevents_inject(dev(f), rows[i].code,
						rows[i].extra, rows[i].len,
						&err));
		assert_null(err);
		expect_out(f, want, 4 + rows[i].len);
		snprintf(ev, sizeof(ev), "device-event %s sent=0x01",
			 rows[i].event);
		expect_events(f, ev, NULL);
	}
	/* Not subscribed: nothing goes out, and the event says so. */
	xfer(f, PDU(0x12, H_EVENT_CCC, 0x00, 0x00, 0x00), PDU(0x13));
	assert_true(mb_devevents_inject(dev(f), 0x04, NULL, 0, NULL));
	expect_no_out(f);
	expect_events(f, "device-event code=0x04 name=button extra= sent=0x00",
		      NULL);
}

/* A test's event the band does not have, or with the wrong bytes: an
 * error that says what is wrong, nothing sent. */
static void test_inject_refused(void **state)
{
	static const struct {
		uint8_t code;
		uint8_t extra[4];
		size_t len;
		const char *err;
	} rows[] = {
		{ 0x05, { 0 }, 0, "0x05 is not a device event of the band" },
		{ 0x04,
		  { 0x01 },
		  1,
		  "device event 0x04 (button) takes 0 bytes after its code, not 1" },
		{ 0x10,
		  { 0 },
		  0,
		  "device event 0x10 (silent-mode) takes 1 bytes after its code, not 0" },
		{ 0x10,
		  { 0x02 },
		  1,
		  "device event 0x10 (silent-mode): the bytes after the code are 00 (off) or 01 (on)" },
		{ 0xfe,
		  { 0x02 },
		  1,
		  "device event 0xfe (music-control): the bytes after the code are 00, 01, 03, 04, 05, 06, e0 or e1" },
		{ 0x16,
		  { 0x16, 0x00 },
		  2,
		  "device event 0x16 (mtu): the bytes after the code are the ATT_MTU, u16 LE, 23 to 517" },
		{ 0x14,
		  { 0x00, 0x02, 0x01 },
		  3,
		  "device event 0x14 (workout-starting): the bytes after the code are <byte> <needs GPS: 00 or 01> <workout type>" },
		{ 0xfe,
		  { 0x00, 0x00 },
		  2,
		  "device event 0xfe (music-control) takes 1 bytes after its code, not 2" },
	};
	struct fixture *f = *state;

	xfer(f, NOTIFY_ON);
	for (size_t i = 0; i < MB_ARRAY_SIZE(rows); i++) {
		char *err = NULL;

		assert_false(mb_devevents_inject(dev(f), rows[i].code,
						 rows[i].extra, rows[i].len,
						 &err));
		assert_string_equal(err, rows[i].err);
		free(err);
		expect_no_out(f);
		expect_events(f, NULL);
	}
}

/* Find phone from the band's menu, Gadgetbridge's answer 06 14 00 00
 * (§9, §11) and the band's stop; then satcar77's 06 14 00 01 ends it
 * from the phone's side, without 0F. */
static void test_find_phone(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;

	xfer(f, NOTIFY_ON);
	assert_false(mb_devevents_find_phone(dev(f), false, &err));
	assert_string_equal(err, "the band is not looking for the phone");
	free(err);
	err = NULL;
	assert_true(mb_devevents_find_phone(dev(f), true, NULL));
	expect_out(f, EVENT(0x08));
	expect_events(
		f,
		"device-event code=0x08 name=find-phone-start extra= sent=0x01",
		"find-phone state=started by=band", NULL);
	assert_false(mb_devevents_find_phone(dev(f), true, &err));
	assert_string_equal(err, "the band is looking for the phone already");
	free(err);
	/* The answer: a Write Command on 00000003, not answered itself. */
	xfer_silent(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x14, 0x00, 0x00));
	expect_events(f, "find-phone state=acknowledged by=phone", NULL);
	/* Again: nothing new. */
	xfer_silent(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x14, 0x00, 0x00));
	expect_events(f, NULL);
	assert_true(mb_devevents_finding_phone(dev(f)));
	assert_true(mb_devevents_find_phone(dev(f), false, NULL));
	expect_out(f, EVENT(0x0f));
	expect_events(
		f,
		"device-event code=0x0f name=find-phone-stop extra= sent=0x01",
		"find-phone state=stopped by=band", NULL);
	/* satcar77's 06 14 00 01 after the stop: taken, nothing changes. */
	xfer_silent(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x14, 0x00, 0x01));
	expect_events(f, NULL);
	assert_false(mb_devevents_finding_phone(dev(f)));
	/* The phone found: 06 14 00 01 while the band looks ends it. */
	assert_true(mb_devevents_find_phone(dev(f), true, NULL));
	expect_out(f, EVENT(0x08));
	f->n_events = 0;
	xfer_silent(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x14, 0x00, 0x01));
	expect_no_out(f);
	expect_events(f, "find-phone state=stopped by=phone", NULL);
	assert_false(mb_devevents_finding_phone(dev(f)));
}

/* A bad answer is refused as any bad setting, and changes nothing; the
 * link's end ends find phone; without a link there is none. */
static void test_find_phone_refused(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;

	xfer(f, NOTIFY_ON);
	xfer(f, PDU(0x12, H_CONFIG + 1, 0x00, 0x01, 0x00), PDU(0x13));
	assert_true(mb_devevents_find_phone(dev(f), true, NULL));
	expect_out(f, EVENT(0x08));
	f->n_events = 0;
	xfer(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x14, 0x00, 0x02),
	     PDU(0x1b, H_CONFIG, 0x00, 0x10, 0x06, 0x02));
	xfer(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x14, 0x00),
	     PDU(0x1b, H_CONFIG, 0x00, 0x10, 0x06, 0x02));
	assert_true(mb_devevents_finding_phone(dev(f)));
	f->n_events = 0;
	mb_band_disconnect(f->band);
	expect_events(f, "find-phone state=stopped by=disconnected",
		      "disconnected", NULL);
	assert_false(mb_devevents_find_phone(dev(f), true, &err));
	assert_string_equal(err, "no phone is connected");
	free(err);
	expect_events(f, NULL);
}

/* The music screen: FE and the action's code (§9, satcar77 on a real
 * Mi Band 4). */
static void test_music(void **state)
{
	static const struct {
		enum mb_music_action action;
		uint8_t code;
		const char *name;
	} rows[] = {
		{ MB_MUSIC_ACTION_PLAY, 0x00, "play" },
		{ MB_MUSIC_ACTION_PAUSE, 0x01, "pause" },
		{ MB_MUSIC_ACTION_NEXT, 0x03, "next" },
		{ MB_MUSIC_ACTION_PREVIOUS, 0x04, "previous" },
		{ MB_MUSIC_ACTION_VOLUME_UP, 0x05, "volume-up" },
		{ MB_MUSIC_ACTION_VOLUME_DOWN, 0x06, "volume-down" },
		{ MB_MUSIC_ACTION_OPEN, 0xe0, "open" },
		{ MB_MUSIC_ACTION_CLOSE, 0xe1, "close" },
	};
	struct fixture *f = *state;

	assert_int_equal(MB_ARRAY_SIZE(rows), MB_MUSIC_ACTION_COUNT);
	xfer(f, NOTIFY_ON);
	for (size_t i = 0; i < MB_ARRAY_SIZE(rows); i++) {
		char dev_ev[96], ev[64];

		mb_devevents_music(dev(f), rows[i].action);
		expect_out(f, EVENT(0xfe, rows[i].code));
		snprintf(
			dev_ev, sizeof(dev_ev),
			"device-event code=0xfe name=music-control extra=%02x sent=0x01",
			rows[i].code);
		snprintf(ev, sizeof(ev), "music-control action=%s",
			 rows[i].name);
		expect_events(f, dev_ev, ev, NULL);
		assert_string_equal(mb_music_action_name(rows[i].action),
				    rows[i].name);
	}
}

/* Silent mode from the band's menu: 10 01, 10 00; the phone then says
 * its state with 06 19 00 <on> (a setting). */
static void test_silent_mode(void **state)
{
	struct fixture *f = *state;

	xfer(f, NOTIFY_ON);
	mb_devevents_silent_mode(dev(f), true);
	expect_out(f, EVENT(0x10, 0x01));
	mb_devevents_silent_mode(dev(f), false);
	expect_out(f, EVENT(0x10, 0x00));
	expect_events(
		f, "device-event code=0x10 name=silent-mode extra=01 sent=0x01",
		"device-event code=0x10 name=silent-mode extra=00 sent=0x01",
		NULL);
}

#define NOTIFY_OFF PDU(0x12, H_EVENT_CCC, 0x00, 0x00, 0x00), PDU(0x13)

/* The device-event lines recorded since the last look, then forgets all. */
static size_t device_events(struct fixture *f, char out[][LINE], size_t n)
{
	static const char *const prefixes[] = { "device-event", NULL };
	size_t k = only(f, prefixes, out, n);

	f->n_events = 0;
	return k;
}

/* Device events enabled, and after the Write Response the MTU
 * announcement. */
static void subscribe_told(struct fixture *f)
{
	static const uint8_t req[] = { 0x12, H_EVENT_CCC, 0x00, 0x01, 0x00 };

	mb_link_receive(mb_band_link(f->band), req, sizeof(req));
	expect_out(f, PDU(0x13));
	expect_out(f, EVENT(0x16, 0xf7, 0x00));
	expect_no_out(f);
}

/* The phone comes back: a new link, authenticated; what the old one and
 * the handshake sent is forgotten. */
static void relink(struct fixture *f)
{
	mb_band_disconnect(f->band);
	fixture_connect(f);
	fixture_auth(f, test_key);
	f->n_out = f->next_out = 0;
	f->n_events = 0;
}

/* 16 <mtu u16>: the phone enables device events on a link still at
 * ATT_MTU 23 and hears, after its Write Response, the MTU the band takes;
 * once a link, and not after an MTU exchange.  The profile's default
 * announces at --pace real only (docs/policies.md#mtu-announce). */
static void test_mtu_announce(void **state)
{
	struct fixture *f = *state;
	char got[4][LINE];

	xfer(f, NOTIFY_ON);
	xfer(f, NOTIFY_OFF);
	mb_session_set_paced(mb_band_session(f->band), true);
	subscribe_told(f);
	assert_int_equal(device_events(f, got, 4), 1);
	assert_string_equal(
		got[0],
		"device-event code=0x16 name=mtu extra=f7 00 sent=0x01");
	/* Off and on again: the link was told already. */
	xfer(f, NOTIFY_OFF);
	xfer(f, NOTIFY_ON);
	/* A new link is told again. */
	relink(f);
	subscribe_told(f);
	/* One that exchanged the MTU first is not. */
	relink(f);
	xfer(f, PDU(0x02, 0xf7, 0x00), PDU(0x03, 0xf7, 0x00));
	xfer(f, NOTIFY_ON);
	assert_int_equal(device_events(f, got, 4), 0);

	fixture_set_policy(f, "mtu-announce", "on-subscribe");
	subscribe_told(f);
	fixture_set_policy(f, "mtu-announce", "off");
	mb_session_set_paced(mb_band_session(f->band), true);
	xfer(f, NOTIFY_ON);
}

/* What the wearer's sample says, independently of the band's table:
 * asleep in light or deep sleep, worn unless off the wrist or on the
 * charger (protocol §4.2). */
static bool asleep(uint8_t kind)
{
	return kind == MB_LIFE_KIND_LIGHT_SLEEP ||
	       kind == MB_LIFE_KIND_DEEP_SLEEP;
}

static bool worn(uint8_t kind)
{
	return kind != MB_LIFE_KIND_NOT_WORN && kind != MB_LIFE_KIND_CHARGING;
}

/* A day and a half of the wearer (seed 1): 01 when they fall asleep, 02
 * when they wake up, 06 when they take the band off (the shower), each
 * at the minute the sample's kind changes, and non-wear whenever worn
 * changes (the charger too, without 06). */
static void test_wearer(void **state)
{
	static const char *const names[] = { "device-event code=0x01",
					     "device-event code=0x02",
					     "device-event code=0x06",
					     "fell-asleep ",
					     "woke-up ",
					     "non-wear ",
					     NULL };
	struct fixture *f = *state;
	uint32_t m = (uint32_t)(TEST_EPOCH_MS / 60000);
	unsigned int sleeps = 0, wakes = 0, offs = 0, ons = 0;
	uint8_t prev[4];

	xfer(f, NOTIFY_ON);
	mb_life_sample(1, m - 1, prev);
	/* The first minute is the band's first look at the wearer. */
	fixture_advance(f, 30 * 60000);
	mb_life_sample(1, m + 29, prev);
	f->n_events = 0;
	f->n_out = f->next_out = 0;
	for (uint32_t i = m + 30; i < m + 36 * 60; i++) {
		char want[4][LINE], got[8][LINE];
		size_t n = 0, k;
		uint8_t s[4];

		mb_life_sample(1, i, s);
		if (asleep(prev[0]) != asleep(s[0])) {
			snprintf(
				want[n++], sizeof(want[0]),
				"device-event code=0x%02x name=%s extra= sent=0x01",
				asleep(s[0]) ? 0x01 : 0x02,
				asleep(s[0]) ? "fell-asleep" : "woke-up");
			snprintf(want[n++], sizeof(want[0]), "%s",
				 asleep(s[0]) ? "fell-asleep" : "woke-up");
			sleeps += asleep(s[0]);
			wakes += !asleep(s[0]);
		}
		if (worn(prev[0]) != worn(s[0])) {
			if (s[0] == MB_LIFE_KIND_NOT_WORN)
				snprintf(
					want[n++], sizeof(want[0]),
					"device-event code=0x06 name=non-wear extra= sent=0x01");
			snprintf(want[n++], sizeof(want[0]),
				 "non-wear worn=0x%02x", worn(s[0]));
			offs += !worn(s[0]);
			ons += worn(s[0]);
		}
		fixture_advance(f, 60000);
		k = only(f, names, got, MB_ARRAY_SIZE(got));
		if (k != n)
			fail_msg("minute %u: %zu events (%s), want %zu", i, k,
				 k ? got[0] : "", n);
		for (size_t j = 0; j < n; j++)
			assert_string_equal(got[j], want[j]);
		f->n_events = 0;
		f->n_out = f->next_out = 0;
		memcpy(prev, s, sizeof(prev));
	}
	/* A night and a shower happened. */
	assert_true(sleeps >= 1 && wakes >= 1 && offs >= 1 && ons >= 1);
}

/* A band that was off saw nothing: the first minute it runs again is
 * its first look, whatever the wearer did meanwhile. */
static void test_wearer_after_off(void **state)
{
	struct fixture *f = *state;
	struct mb_devevents *d = dev(f);

	xfer(f, NOTIFY_ON);
	mb_devevents_wearer(d, MB_LIFE_KIND_SEDENTARY);
	mb_devevents_wearer(d, MB_LIFE_KIND_LIGHT_SLEEP);
	expect_out(f, EVENT(0x01));
	f->n_events = 0;
	mb_devevents_wearer_unknown(d);
	mb_devevents_wearer(d, MB_LIFE_KIND_NOT_WORN);
	expect_no_out(f);
	expect_events(f, NULL);
	mb_devevents_wearer(d, MB_LIFE_KIND_ACTIVITY);
	expect_events(f, "non-wear worn=0x01", NULL);
	mb_devevents_wearer(d, MB_LIFE_KIND_CHARGING);
	expect_no_out(f);
	expect_events(f, "non-wear worn=0x00", NULL);
	/* From the charger to the table: still not worn, no 06. */
	mb_devevents_wearer(d, MB_LIFE_KIND_NOT_WORN);
	expect_no_out(f);
	expect_events(f, NULL);
	/* Straight from sleep off the wrist: 02, then 06. */
	mb_devevents_wearer(d, MB_LIFE_KIND_DEEP_SLEEP);
	f->n_events = 0;
	f->n_out = f->next_out = 0;
	mb_devevents_wearer(d, MB_LIFE_KIND_NOT_WORN);
	expect_out(f, EVENT(0x02));
	expect_out(f, EVENT(0x06));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T("MB4-UT/EVT/BV-02 every device event with its bytes",
		  test_every_code),
		T("MB4-UT/EVT/BI-01 an injected event the table refuses",
		  test_inject_refused),
		T("MB4-UT/EVT/BV-03 find phone, answered and stopped",
		  test_find_phone),
		T("MB4-UT/EVT/BI-02 find phone: bad answers, no link",
		  test_find_phone_refused),
		T("MB4-UT/EVT/BV-04 music control", test_music),
		T("MB4-UT/EVT/BV-05 silent mode from the band",
		  test_silent_mode),
		T("MB4-UT/EVT/BV-06 fell asleep, woke up, took it off",
		  test_wearer),
		T("MB4-UT/EVT/BV-07 the wearer after the band was off",
		  test_wearer_after_off),
		T("MB4-UT/EVT/BV-08 the MTU announced: 16 f7 00",
		  test_mtu_announce),
	};

	return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}
