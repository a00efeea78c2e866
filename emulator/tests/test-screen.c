// SPDX-License-Identifier: GPL-2.0-or-later
/* What the band shows (docs/policies.md#screen): the screen fed events
 * directly, those of every part (heart rate and alerts too), with its own
 * clock; then on a band, where it sees what the parts emit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "screen.h"
#include "util.h"

/* ---- a screen alone: its services are a clock and a list -------------- */

struct alone {
	struct mb_services svc;
	struct mb_policy pol;
	struct mb_screen *screen;
	uint64_t now;
	char seen[16][256]; /* screen-changed, as "name key=value ..." */
	size_t n_seen;
};

static uint64_t alone_now(void *data)
{
	return ((struct alone *)data)->now;
}

static bool alone_notify(enum mb_chr_id chr, const uint8_t *value, size_t len,
			 void *data)
{
	return false;
}

static void format_fields(char *out, size_t size, const struct mb_event *ev)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < ev->n_fields; i++) {
		const struct mb_event_field *f = &ev->fields[i];
		const char *sep = i ? " " : "";

		switch (f->type) {
		case MB_EVENT_TYPE_STRING:
			off += (size_t)snprintf(out + off, size - off,
						"%s%s=%s", sep, f->key, f->str);
			break;
		case MB_EVENT_TYPE_BYTE:
			off += (size_t)snprintf(out + off, size - off,
						"%s%s=%u", sep, f->key,
						f->byte);
			break;
		case MB_EVENT_TYPE_UINT32:
			off += (size_t)snprintf(out + off, size - off,
						"%s%s=%u", sep, f->key, f->u32);
			break;
		}
		assert_true(off < size);
	}
}

static void alone_emit(const struct mb_event *ev, void *data)
{
	struct alone *a = data;

	assert_int_equal(ev->id, MB_EVENT_SCREEN_CHANGED);
	assert_true(a->n_seen < MB_ARRAY_SIZE(a->seen));
	format_fields(a->seen[a->n_seen++], sizeof(a->seen[0]), ev);
}

static bool alone_fault(enum mb_fault_trigger trigger, unsigned int level,
			void *data)
{
	return false;
}

static void alone_drop(void *data)
{
}

static const struct mb_services_ops alone_ops = {
	.now = alone_now,
	.notify = alone_notify,
	.emit = alone_emit,
	.fault = alone_fault,
	.drop_link = alone_drop,
};

static int alone_setup(void **state)
{
	struct alone *a = calloc(1, sizeof(*a));

	a->svc = (struct mb_services){ &alone_ops, a };
	/* The Mi Band 4 profile's times (profiles/miband4.ini). */
	a->pol.screen_on_s = 5;
	a->pol.screen_notice_s = 5;
	a->pol.screen_message_s = 10;
	a->pol.screen_alarm_s = 30;
	a->pol.screen_low_battery_percent = 10;
	a->now = TEST_EPOCH_MS;
	a->screen = mb_screen_new(&a->svc, &a->pol);
	*state = a;
	return 0;
}

static int alone_teardown(void **state)
{
	struct alone *a = *state;

	mb_screen_free(a->screen);
	free(a);
	return 0;
}

/* The band emits ev: the screen sees it, and says so if it changed, as
 * the band does (band.c). */
static void see(struct alone *a, const struct mb_event *ev)
{
	if (mb_screen_see(a->screen, ev))
		mb_screen_announce(a->screen);
}

/* An event from "name" and up to three "key=value" (s), "key=#n" (u) or
 * "key=yn" (y) fields. */
static void feed(struct alone *a, enum mb_event_id id, ...)
{
	static char keys[MB_EVENT_MAX_FIELDS][32],
		values[MB_EVENT_MAX_FIELDS][200];
	struct mb_event ev;
	const char *spec;
	va_list ap;
	size_t i = 0;

	mb_event_init(&ev, id);
	va_start(ap, id);
	while ((spec = va_arg(ap, const char *))) {
		const char *eq = strchr(spec, '=');

		assert_non_null(eq);
		assert_true(i < MB_EVENT_MAX_FIELDS);
		snprintf(keys[i], sizeof(keys[i]), "%.*s", (int)(eq - spec),
			 spec);
		snprintf(values[i], sizeof(values[i]), "%s", eq + 1);
		if (values[i][0] == '#')
			mb_event_add_uint32(&ev, keys[i],
					    (uint32_t)atoi(values[i] + 1));
		else if (values[i][0] == 'y')
			mb_event_add_byte(&ev, keys[i],
					  (uint8_t)atoi(values[i] + 1));
		else
			mb_event_add_string(&ev, keys[i], values[i]);
		i++;
	}
	va_end(ap);
	see(a, &ev);
}

#define FEED(a, ev, ...) feed(a, MB_EVENT_##ev, ##__VA_ARGS__, NULL)

/* Band time passes; the screen runs at its deadlines on the way. */
static void pass(struct alone *a, uint64_t ms)
{
	uint64_t to = a->now + ms;

	while (mb_screen_deadline(a->screen) <= to) {
		a->now = mb_screen_deadline(a->screen);
		mb_screen_run(a->screen, a->now);
	}
	a->now = to;
}

/* The screen-changed events since the last call, then none. */
static void expect_seen(struct alone *a, ...)
{
	const char *want;
	size_t i = 0;
	va_list ap;

	va_start(ap, a);
	while ((want = va_arg(ap, const char *))) {
		if (i >= a->n_seen)
			fail_msg("missing screen-changed '%s'", want);
		if (strcmp(a->seen[i], want))
			fail_msg("screen-changed %zu: got '%s', want '%s'", i,
				 a->seen[i], want);
		i++;
	}
	va_end(ap);
	if (i != a->n_seen)
		fail_msg("unexpected screen-changed '%s'", a->seen[i]);
	a->n_seen = 0;
}

#define SEEN(a, ...) expect_seen(a, ##__VA_ARGS__, NULL)

static void test_tap_time_off(void **state)
{
	struct alone *a = *state;

	assert_int_equal(mb_screen_shown(a->screen), MB_SCREEN_OFF);
	assert_int_equal(mb_screen_deadline(a->screen), UINT64_MAX);
	FEED(a, BUTTON_PRESSED);
	SEEN(a, "screen=time");
	assert_int_equal(mb_screen_deadline(a->screen), a->now + 5000);
	/* Another tap keeps it on, and is no change. */
	pass(a, 3000);
	FEED(a, BUTTON_PRESSED);
	SEEN(a);
	pass(a, 4999);
	SEEN(a);
	pass(a, 1);
	SEEN(a, "screen=off");
	assert_int_equal(mb_screen_deadline(a->screen), UINT64_MAX);
	/* Events that show nothing change nothing. */
	FEED(a, CONNECTED);
	FEED(a, HR_STARTED, "mode=periodic");
	FEED(a, AUTH_FAILED, "variant=A", "reason=wrong-key");
	FEED(a, FETCH_STARTED, "type=y1", "count=#0");
	SEEN(a);
}

/* A message holds screen-message-s, then the time screen-on-s. */
static void test_message(void **state)
{
	struct alone *a = *state;
	size_t n;
	const struct mb_event_field *f;

	FEED(a, ALERT_RECEIVED, "category=sms", "title=Anna",
	     "text=Running late", "via=2a46");
	SEEN(a, "screen=message category=sms title=Anna text=Running late");
	f = mb_screen_fields(a->screen, &n);
	assert_int_equal(n, 3);
	assert_string_equal(f[1].key, "title");
	assert_string_equal(f[1].str, "Anna");
	pass(a, 9999);
	SEEN(a);
	pass(a, 1);
	SEEN(a, "screen=time");
	mb_screen_fields(a->screen, &n);
	assert_int_equal(n, 0);
	pass(a, 5000);
	SEEN(a, "screen=off");
	/* A second message while the first shows: shown again, its time
	 * from the second. */
	FEED(a, ALERT_RECEIVED, "category=sms", "title=A", "text=1");
	pass(a, 6000);
	FEED(a, ALERT_RECEIVED, "category=sms", "title=A", "text=1");
	pass(a, 9999);
	SEEN(a, "screen=message category=sms title=A text=1",
	     "screen=message category=sms title=A text=1");
	pass(a, 1);
	SEEN(a, "screen=time");
}

/* A call outranks a message: the message that comes during the call is
 * not shown; once the call ends, what is left of it is. */
static void test_call_outranks_message(void **state)
{
	struct alone *a = *state;

	FEED(a, CALL_RINGING, "caller=Bob");
	SEEN(a, "screen=call caller=Bob");
	FEED(a, ALERT_RECEIVED, "category=sms", "title=Anna", "text=Hi");
	SEEN(a);
	assert_int_equal(mb_screen_shown(a->screen), MB_SCREEN_CALL);
	/* A call holds until it ends, whatever the time. */
	pass(a, 4000);
	SEEN(a);
	FEED(a, CALL_ENDED, "how=rejected");
	SEEN(a, "screen=message category=sms title=Anna text=Hi");
	pass(a, 6000);
	SEEN(a, "screen=time");
	/* A message, then a call over it: the call shows at once. */
	FEED(a, ALERT_RECEIVED, "category=sms", "title=Anna", "text=Hi");
	FEED(a, CALL_RINGING, "caller=Bob");
	SEEN(a, "screen=message category=sms title=Anna text=Hi",
	     "screen=call caller=Bob");
	/* The message's time ran out under the call. */
	pass(a, 20000);
	FEED(a, CALL_ENDED, "how=phone");
	SEEN(a, "screen=time");
}

/* The ranks of docs/policies.md#screen: every screen put up over those
 * of lower rank shows at once; ended or run out from the top down, each
 * shows the next one still up. */
static void test_ranks(void **state)
{
	struct alone *a = *state;

	FEED(a, MUSIC_CONTROL, "action=open");
	FEED(a, FETCH_STARTED, "type=y1", "count=#3");
	FEED(a, BATTERY_CHANGED, "level=#30", "charging=y1");
	FEED(a, AUTH_FAILED, "variant=A", "reason=not-bound");
	FEED(a, HR_STARTED, "mode=manual");
	FEED(a, BATTERY_CHANGED, "level=#10", "charging=y0");
	FEED(a, ALERT_RECEIVED, "category=sms", "title=Anna", "text=Hi");
	FEED(a, FIND_PHONE, "state=started", "by=band");
	FEED(a, FIND_BAND, "level=y3");
	FEED(a, ALARM_RANG, "slot=y0", "ring=y1");
	FEED(a, CALL_RINGING, "caller=Bob");
	FEED(a, PROMPT_SHOWN, "prompt=pair-confirm");
	FEED(a, FIRMWARE_STARTED, "type=y0", "size=#1000");
	SEEN(a, "screen=music", "screen=syncing", "screen=charging level=30",
	     "screen=pair-first", "screen=heart-rate mode=manual",
	     "screen=low-battery level=10",
	     "screen=message category=sms title=Anna text=Hi",
	     "screen=find-phone state=started", "screen=find-band level=3",
	     "screen=alarm slot=0 ring=1", "screen=call caller=Bob",
	     "screen=pair-confirm", "screen=update");
	/* A lower one put up again under them is no change. */
	FEED(a, ALERT_RECEIVED, "category=sms", "title=Anna", "text=Hi");
	SEEN(a);
	FEED(a, FIRMWARE_VERIFIED, "type=y0", "version=V1.0.9.99");
	FEED(a, PROMPT_TIMED_OUT, "prompt=pair-confirm");
	FEED(a, CALL_ENDED, "how=rejected");
	SEEN(a, "screen=pair-confirm", "screen=call caller=Bob",
	     "screen=alarm slot=0 ring=1");
	/* The alarm's 30 s: message, low battery, pair first and charging
	 * ran out under it. */
	pass(a, 30000);
	SEEN(a, "screen=find-band level=3");
	FEED(a, FIND_BAND, "level=y0");
	FEED(a, FIND_PHONE, "state=stopped", "by=band");
	SEEN(a, "screen=find-phone state=started",
	     "screen=heart-rate mode=manual");
	FEED(a, HR_STOPPED, "mode=manual", "reason=done");
	pass(a, 5000);
	FEED(a, FETCH_COMPLETED, "count=#3");
	FEED(a, MUSIC_CONTROL, "action=close");
	SEEN(a, "screen=syncing", "screen=music", "screen=time");
}

/* Heart rate: a reading the wearer or the app asked for, its bpm as it
 * comes, the last one a notice's time after the stop; the band's own
 * measurements show nothing. */
static void test_heart_rate(void **state)
{
	struct alone *a = *state;

	FEED(a, HR_STARTED, "mode=manual");
	SEEN(a, "screen=heart-rate mode=manual");
	FEED(a, HR_MEASURED, "mode=periodic", "bpm=y60");
	SEEN(a);
	FEED(a, HR_MEASURED, "mode=manual", "bpm=y72");
	SEEN(a, "screen=heart-rate mode=manual bpm=72");
	FEED(a, HR_MEASURED, "mode=manual", "bpm=y72");
	SEEN(a);
	FEED(a, HR_STOPPED, "mode=manual", "reason=done");
	SEEN(a);
	pass(a, 4999);
	SEEN(a);
	pass(a, 1);
	SEEN(a, "screen=time");
	FEED(a, HR_STARTED, "mode=continuous");
	FEED(a, HR_MEASURED, "mode=continuous", "bpm=y80");
	FEED(a, HR_STOPPED, "mode=periodic", "reason=done");
	pass(a, 60000);
	SEEN(a, "screen=heart-rate mode=continuous",
	     "screen=heart-rate mode=continuous bpm=80");
	FEED(a, HR_STOPPED, "mode=continuous", "reason=keepalive-late");
	pass(a, 5000);
	SEEN(a, "screen=time");
}

/* The battery: low battery when the level falls to
 * screen-low-battery-percent (not below it again), charging when the
 * charger goes on, with the level as it rises; off the charger ends it. */
static void test_battery(void **state)
{
	struct alone *a = *state;

	FEED(a, BATTERY_CHANGED, "level=#12", "charging=y0");
	FEED(a, BATTERY_CHANGED, "level=#11", "charging=y0");
	SEEN(a);
	FEED(a, BATTERY_CHANGED, "level=#10", "charging=y0");
	SEEN(a, "screen=low-battery level=10");
	FEED(a, BATTERY_CHANGED, "level=#9", "charging=y0");
	SEEN(a);
	pass(a, 5000);
	SEEN(a, "screen=time");
	FEED(a, BATTERY_CHANGED, "level=#8", "charging=y0");
	pass(a, 5000);
	SEEN(a, "screen=off");
	FEED(a, BATTERY_CHANGED, "level=#8", "charging=y1");
	SEEN(a, "screen=charging level=8");
	FEED(a, BATTERY_CHANGED, "level=#9", "charging=y1");
	SEEN(a, "screen=charging level=9");
	/* Off the charger below the level: the warning again. */
	FEED(a, BATTERY_CHANGED, "level=#9", "charging=y0");
	SEEN(a, "screen=low-battery level=9");
	FEED(a, BATTERY_CHANGED, "level=#9", "charging=y1");
	SEEN(a, "screen=charging level=9");
	FEED(a, BATTERY_CHANGED, "level=#9", "charging=y0");
	FEED(a, BATTERY_CHANGED, "level=#9", "charging=y1");
	pass(a, 4999);
	SEEN(a, "screen=low-battery level=9", "screen=charging level=9");
	pass(a, 1);
	SEEN(a, "screen=time");
	/* While it charges the screen went: a new level shows nothing. */
	FEED(a, BATTERY_CHANGED, "level=#10", "charging=y1");
	SEEN(a);
}

/* The band's menus and the update: find phone as the phone answers it,
 * the music screen with what the phone plays, the update's percent. */
static void test_menus_and_update(void **state)
{
	struct alone *a = *state;

	FEED(a, FIND_PHONE, "state=started", "by=band");
	FEED(a, FIND_PHONE, "state=acknowledged", "by=phone");
	FEED(a, FIND_PHONE, "state=stopped", "by=phone");
	SEEN(a, "screen=find-phone state=started",
	     "screen=find-phone state=acknowledged", "screen=time");
	FEED(a, MUSIC_CONTROL, "action=open");
	FEED(a, MUSIC_CONTROL, "action=play");
	FEED(a, MUSIC_INFO, "state=playing", "track=Song", "artist=Band");
	FEED(a, MUSIC_CONTROL, "action=close");
	SEEN(a, "screen=music",
	     "screen=music state=playing track=Song artist=Band",
	     "screen=time");
	/* Music info without the music screen shows nothing. */
	FEED(a, MUSIC_INFO, "state=paused", "track=Song", "artist=Band");
	SEEN(a);
	FEED(a, FIRMWARE_STARTED, "type=y0", "size=#1000");
	FEED(a, FIRMWARE_PROGRESS, "percent=#0");
	FEED(a, FIRMWARE_PROGRESS, "percent=#57");
	/* A file refused while the update runs ends nothing. */
	FEED(a, FIRMWARE_FAILED, "reason=too-large");
	SEEN(a, "screen=update", "screen=update percent=0",
	     "screen=update percent=57");
	FEED(a, FIRMWARE_FAILED, "reason=interrupted");
	SEEN(a, "screen=time");
	FEED(a, ALARM_RANG, "slot=y2", "ring=y1");
	SEEN(a, "screen=alarm slot=2 ring=1");
	pass(a, 30000);
	SEEN(a, "screen=time");
}

/* Binding: the prompt until the tap; another client's key refused while
 * it waits ("busy") leaves it; "pair first" for a challenge asked of a
 * band without a key. */
static void test_binding(void **state)
{
	struct alone *a = *state;

	FEED(a, PROMPT_SHOWN, "prompt=pair-confirm");
	FEED(a, BIND_REFUSED, "reason=busy");
	FEED(a, BUTTON_PRESSED);
	SEEN(a, "screen=pair-confirm");
	FEED(a, BOUND, "key-id=a8faed6a");
	SEEN(a, "screen=time");
	FEED(a, PROMPT_SHOWN, "prompt=pair-confirm");
	FEED(a, BIND_REFUSED, "reason=disconnected");
	FEED(a, AUTH_FAILED, "variant=A", "reason=not-bound");
	SEEN(a, "screen=pair-confirm", "screen=time", "screen=pair-first");
	pass(a, 5000);
	SEEN(a, "screen=time");
}

/* Off, the band shows nothing whatever happens; it comes back showing
 * the time.  A restart starts from the time, everything gone. */
static void test_power(void **state)
{
	struct alone *a = *state;

	FEED(a, CALL_RINGING, "caller=Bob");
	FEED(a, POWER_OFF);
	FEED(a, BUTTON_PRESSED);
	SEEN(a, "screen=call caller=Bob", "screen=off");
	FEED(a, POWER_ON);
	SEEN(a, "screen=time");
	FEED(a, CALL_RINGING, "caller=Bob");
	FEED(a, REBOOT);
	SEEN(a, "screen=call caller=Bob", "screen=time");
	pass(a, 5000);
	SEEN(a, "screen=off");
}

/* A text longer than the screen keeps is cut, never inside a UTF-8
 * character; the D-Bus string stays valid. */
static void test_long_text(void **state)
{
	struct alone *a = *state;
	char text[400] = { 0 };
	size_t n;
	const struct mb_event_field *f;
	struct mb_event ev;

	/* "é" is two bytes, from an even offset: a cut at an odd length
	 * would fall inside one. */
	memcpy(text, "xy", 2);
	for (size_t i = 2; i + 2 < sizeof(text); i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	mb_event_init(&ev, MB_EVENT_ALERT_RECEIVED);
	mb_event_add_string(&ev, "title", "T");
	mb_event_add_string(&ev, "text", text);
	assert_true(mb_screen_see(a->screen, &ev));
	f = mb_screen_fields(a->screen, &n);
	assert_int_equal(n, 2);
	assert_true(strlen(f[1].str) < MB_SCREEN_TEXT_MAX);
	assert_true(strlen(f[1].str) >= MB_SCREEN_TEXT_MAX - 2);
	assert_int_equal(strlen(f[1].str) % 2, 0);
	assert_memory_equal(f[1].str, text, strlen(f[1].str));
}

/* ---- on a band ------------------------------------------------------- */

static const char *screen_of(struct fixture *f)
{
	return mb_screen_name(mb_screen_shown(mb_band_screen(f->band)));
}

/* A new client's key on a band without one: the prompt is shown after
 * the event that made it, and the tap that binds brings back the time,
 * which goes off in band time. */
static void test_band_pairing(void **state)
{
	struct fixture *f = *state;

	f->record_screen = true;
	xfer(f, PDU(0x12, H_AUTH_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	xfer(f, PDU(0x52, H_AUTH, 0x00, 0x02, 0x00),
	     PDU(0x1b, H_AUTH, 0x00, 0x10, 0x02, 0x04));
	expect_events(f, "auth-failed variant=A reason=not-bound",
		      "screen-changed screen=pair-first", NULL);
	assert_string_equal(screen_of(f), "pair-first");
	fixture_advance(f, 5000);
	expect_events(f, "screen-changed screen=time", NULL);
	xfer_silent(f, PDU(0x52, H_AUTH, 0x00, 0x01, 0x00, TEST_KEY));
	expect_events(f, "prompt-shown prompt=pair-confirm",
		      "screen-changed screen=pair-confirm", NULL);
	mb_band_press_button(f->band);
	expect_events(f, "button-pressed", "bound key-id=a8faed6a",
		      "screen-changed screen=time", NULL);
	fixture_advance(f, 4999);
	expect_events(f, NULL);
	fixture_advance(f, 1);
	expect_events(f, "screen-changed screen=off", NULL);
	assert_string_equal(screen_of(f), "off");
}

/* Find phone from the band's menu shows until it stops; the band's own
 * alarm shows screen-alarm-s. */
static void test_band_menus(void **state)
{
	struct fixture *f = *state;

	f->record_screen = true;
	assert_true(mb_devevents_find_phone(mb_band_devevents(f->band), true,
					    NULL));
	xfer_silent(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x14, 0x00, 0x00));
	expect_events(
		f,
		"device-event code=0x08 name=find-phone-start extra= sent=0x00",
		"find-phone state=started by=band",
		"screen-changed screen=find-phone state=started",
		"find-phone state=acknowledged by=phone",
		"screen-changed screen=find-phone state=acknowledged", NULL);
	mb_band_disconnect(f->band);
	expect_events(f, "find-phone state=stopped by=disconnected",
		      "screen-changed screen=time", "disconnected", NULL);
	fixture_advance(f, 5000);
	expect_events(f, "screen-changed screen=off", NULL);
}

int main(void)
{
#define A(name, fn) CASE(name, fn, alone_setup, alone_teardown)
	const struct CMUnitTest tests[] = {
		A("MB4-UT/SCREEN/BV-01 a tap shows the time, then off",
		  test_tap_time_off),
		A("MB4-UT/SCREEN/BV-02 a message, for its time", test_message),
		A("MB4-UT/SCREEN/BV-03 a call outranks a message",
		  test_call_outranks_message),
		A("MB4-UT/SCREEN/BV-04 every screen's rank", test_ranks),
		A("MB4-UT/SCREEN/BV-05 the heart-rate reading",
		  test_heart_rate),
		A("MB4-UT/SCREEN/BV-06 low battery and charging", test_battery),
		A("MB4-UT/SCREEN/BV-07 find phone, music, the update, an alarm",
		  test_menus_and_update),
		A("MB4-UT/SCREEN/BV-08 the pairing prompt and pair first",
		  test_binding),
		A("MB4-UT/SCREEN/BV-09 off shows nothing, a restart the time",
		  test_power),
		A("MB4-UT/SCREEN/BI-01 a long text cut at a character",
		  test_long_text),
		CASE("MB4-UT/SCREEN/BV-10 on a band: pair first, the prompt, off",
		     test_band_pairing, fixture_setup_new, fixture_teardown),
		T("MB4-UT/SCREEN/BV-11 on a band: find phone to the link's end",
		  test_band_menus),
	};

	return cmocka_run_group_tests_name("screen", tests, NULL, NULL);
}
