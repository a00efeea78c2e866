// SPDX-License-Identifier: GPL-2.0-or-later
/* Alerts as byte vectors (docs/alerts.md, protocol §2.1, §2.6, §9): text
 * alerts on 0x2A46 in every category, chunked transfers reassembled or
 * dropped with their reason, calls that ring until the wearer answers,
 * find band, DND, and none of it needs the key. */
#include <string.h>

#include "alerts.h"
#include "harness.h"

#define H_ALERT_LEVEL 0x1f /* 0x2A06 */
#define H_NEW_ALERT 0x22   /* 0x2A46 */
#define H_CHUNKED 0x5e	   /* 00000020 */

/* A Write Request on 0x2A46, answered 13. */
#define ALERT(...) xfer(f, PDU(0x12, H_NEW_ALERT, 0x00, __VA_ARGS__), PDU(0x13))
/* One chunk, a Write Command on 00000020 (§2.6): 00 <flags|type> <i>. */
#define CHUNK(flags_type, index, ...)                                      \
	xfer_silent(f, PDU(0x52, H_CHUNKED, 0x00, 0x00, flags_type, index, \
			   __VA_ARGS__))
#define FIRST 0x00
#define MIDDLE 0x40
#define LAST 0x80
#define SINGLE 0xc0
#define LEVEL(l) xfer_silent(f, PDU(0x52, H_ALERT_LEVEL, 0x00, l))

static void events_on(struct fixture *f)
{
	xfer(f, PDU(0x12, H_EVENT_CCC, 0x00, 0x01, 0x00), PDU(0x13));
}

static void test_categories(void **state)
{
	static const struct {
		uint8_t wire;
		const char *event;
	} rows[] = {
		{ 0x00, "alert-received category=simple title=T text=x "
			"via=new-alert" },
		{ 0x01, "alert-received category=email title=T text=x "
			"via=new-alert" },
		{ 0x02, "alert-received category=news title=T text=x "
			"via=new-alert" },
		{ 0x04, "alert-received category=missed-call title=T text=x "
			"via=new-alert" },
		{ 0x05, "alert-received category=sms title=T text=x "
			"via=new-alert" },
		{ 0x06, "alert-received category=voice-mail title=T text=x "
			"via=new-alert" },
		{ 0x07, "alert-received category=schedule title=T text=x "
			"via=new-alert" },
		{ 0x08, "alert-received category=high-priority title=T "
			"text=x via=new-alert" },
		{ 0x09, "alert-received category=instant-message title=T "
			"text=x via=new-alert" },
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < MB_ARRAY_SIZE(rows); i++) {
		uint8_t req[] = { 0x12, H_NEW_ALERT, 0x00, rows[i].wire,
				  0x01, 'T',	     0x00, 'x' };

		xfer(f, req, sizeof(req), PDU(0x13));
		expect_events(
			f, rows[i].event,
			"vibrate reason=alert pattern=200,150,200 duration-ms=550",
			NULL);
		assert_int_equal(
			mb_alerts_last(mb_band_alerts(f->band))->category,
			rows[i].wire);
	}
	/* Huami's custom category with an app icon (amazfish writes
	 * fa 01 0b <app> 00 <title> 0a 0a <body>). */
	ALERT(0xfa, 0x01, 0x0b, 'R', 'P', 'M', 0x00, 'O', 'K', '\n', '\n', 'd',
	      'o', 'n', 'e');
	expect_events(
		f,
		"alert-received category=app title=RPM text=OK\n\ndone "
		"via=new-alert",
		"vibrate reason=alert pattern=200,150,200 duration-ms=550",
		NULL);
	assert_int_equal(mb_alerts_last(mb_band_alerts(f->band))->icon, 0x0b);
	/* satcar77: <category> 01 <phone>, or <phone> 0a 0a 0a <text>. */
	ALERT(0x05, 0x01, '5', '5', '5', '\n', '\n', '\n', 'h', 'i');
	expect_events(
		f,
		"alert-received category=sms title=555 text=hi "
		"via=new-alert",
		"vibrate reason=alert pattern=200,150,200 duration-ms=550",
		NULL);
	ALERT(0x04, 0x01, '5', '5', '5');
	expect_events(
		f,
		"alert-received category=missed-call title=555 "
		"text= via=new-alert",
		"vibrate reason=alert pattern=200,150,200 duration-ms=550",
		NULL);
}

static void test_call_rejected(void **state)
{
	struct fixture *f = *state;
	struct mb_alerts *a = mb_band_alerts(f->band);

	events_on(f);
	ALERT(0x03, 0x01, 'B', 'o', 'b');
	expect_events(
		f, "call-ringing caller=Bob",
		"vibrate reason=call pattern=600,400,600,400,600,400,600,400,600,400,600,400,600,400,600,400,600,400,600 duration-ms=9600",
		NULL);
	assert_true(mb_call_ringing(mb_alerts_call(a)));
	assert_string_equal(mb_call_caller(mb_alerts_call(a)), "Bob");
	/* It rings until the wearer answers: band time changes nothing. */
	fixture_advance(f, 60000);
	assert_true(mb_call_ringing(mb_alerts_call(a)));
	f->n_events = 0;
	assert_true(mb_alerts_answer_call(a, MB_CALL_END_REJECTED));
	expect_out(f, PDU(0x1b, H_EVENT, 0x00, 0x07));
	expect_no_out(f);
	expect_events(
		f, "device-event code=0x07 name=call-rejected extra= sent=0x01",
		"call-ended how=rejected", NULL);
	assert_false(mb_call_ringing(mb_alerts_call(a)));
	/* Nothing rings now: nothing to answer, nothing sent. */
	assert_false(mb_alerts_answer_call(a, MB_CALL_END_IGNORED));
	expect_no_out(f);
	expect_events(f, NULL);
}

/* A call with no title rings with its text as the caller,
 * cut to the title's 64 bytes: never inside a character (fuzz-gps found
 * a cut through a three-byte one, an event string that was not UTF-8). */
static void test_call_caller_cut_on_a_character(void **state)
{
	struct fixture *f = *state;
	struct mb_alerts *a = mb_band_alerts(f->band);
	uint8_t req[3 + 3 + 63 + 4] = { 0x12, H_NEW_ALERT, 0x00,
					0x03, 0x01,	   0x00 };
	char want[64];

	memset(req + 6, 'a', 63);
	memcpy(req + 6 + 63,
	       "\xe2\x82\xac"
	       "b",
	       4); /* "€b" */
	memset(want, 'a', 63);
	want[63] = '\0';
	xfer(f, PDU(0x02, 0xf7, 0x00), PDU(0x03, 0xf7, 0x00)); /* MTU 247 */
	xfer(f, req, sizeof(req), PDU(0x13));
	assert_true(mb_call_ringing(mb_alerts_call(a)));
	assert_string_equal(mb_call_caller(mb_alerts_call(a)), want);
}

static void test_chunked_call_ignored(void **state)
{
	struct fixture *f = *state;
	struct mb_alerts *a = mb_band_alerts(f->band);

	events_on(f);
	/* Type 0 in one chunk: a call from "Alice Smith" (§2.6). */
	CHUNK(SINGLE | 0, 0, 0x03, 0x01, 'A', 'l', 'i', 'c', 'e', ' ', 'S', 'm',
	      'i', 't', 'h', 0x00);
	expect_events(
		f, "call-ringing caller=Alice Smith",
		"vibrate reason=call pattern=600,400,600,400,600,400,600,400,600,400,600,400,600,400,600,400,600,400,600 duration-ms=9600",
		NULL);
	assert_true(mb_alerts_answer_call(a, MB_CALL_END_IGNORED));
	expect_out(f, PDU(0x1b, H_EVENT, 0x00, 0x09));
	expect_events(
		f, "device-event code=0x09 name=call-ignored extra= sent=0x01",
		"call-ended how=ignored", NULL);
	/* The phone ends a call with 0x2A06 00 (Gadgetbridge). */
	CHUNK(SINGLE | 0, 0, 0x03, 0x01, 'B', 'o', 'b');
	f->n_events = 0;
	LEVEL(0x00);
	expect_events(f, "call-ended how=phone", "find-band level=0", NULL);
	expect_no_out(f);
}

/* The first, middle and last chunks of one alert, 17 bytes of payload
 * each at MTU 23, as satcar77 cuts them (§2.6). */
static void send_three_chunks(struct fixture *f, uint8_t type)
{
	CHUNK(FIRST | type, 0, 0x05, 0x01, 'M', 'u', 'm', 0x00, 'A', 'r', 'e',
	      ' ', 'y', 'o', 'u', ' ', 'c', 'o', 'm');
	CHUNK(MIDDLE | type, 1, 'i', 'n', 'g', ' ', 'h', 'o', 'm', 'e', ' ',
	      'f', 'o', 'r', ' ', 't', 'e', 'a', ' ');
	CHUNK(LAST | type, 2, 't', 'o', 'n', 'i', 'g', 'h', 't', '?');
}

#define THREE_CHUNKS                                                 \
	"alert-received category=sms title=Mum text=Are you coming " \
	"home for tea tonight? via=chunked"

static void test_chunked_alert(void **state)
{
	struct fixture *f = *state;

	send_three_chunks(f, 0);
	expect_events(
		f, THREE_CHUNKS,
		"vibrate reason=alert pattern=200,150,200 duration-ms=550",
		NULL);
	assert_false(mb_alerts_chunk_pending(mb_band_alerts(f->band)));
	/* GB's layout: <title> 00 <text> 00 <app> 00; the app is not shown. */
	CHUNK(SINGLE | 0, 0, 0xfa, 0x01, 0x0b, 'J', 'o', 0x00, 'H', 'i', 0x00,
	      'S', 'i', 'g', 0x00);
	expect_events(
		f,
		"alert-received category=app title=Jo text=Hi "
		"via=chunked",
		"vibrate reason=alert pattern=200,150,200 duration-ms=550",
		NULL);
}

static void test_weather_kept(void **state)
{
	struct fixture *f = *state;
	const struct mb_weather *w;

	assert_null(mb_alerts_weather(mb_band_alerts(f->band)));
	/* Gadgetbridge's current weather: 02 <time> <tz> <cond> <temp>
	 * <text> 00. */
	CHUNK(SINGLE | 1, 0, 0x02, 0x28, 0x22, 0x4b, 0x66, 0x00, 0x01, 0x15,
	      'S', 'u', 'n', 'n', 'y', 0x00);
	expect_events(f, "weather-received text=21\u00b0 Sunny", NULL);
	/* The forecast, over two chunks; the band keeps the last. */
	CHUNK(FIRST | 1, 0, 0x01, 0x28, 0x22, 0x4b, 0x66, 0x00, 0x02, 0x01,
	      0x01, 0x18, 0xf6);
	CHUNK(LAST | 1, 1, 'R', 'a', 'i', 'n', 0x00, 0x01, 0x01, 0x10, 0x08);
	expect_events(f, "weather-received text=24\u00b0/-10\u00b0 Rain", NULL);
	w = mb_alerts_weather(mb_band_alerts(f->band));
	assert_non_null(w);
	assert_int_equal(w->kind, 0x01);
	assert_string_equal(w->text, "24\u00b0/-10\u00b0 Rain");
}

static void test_music_kept(void **state)
{
	struct fixture *f = *state;
	const struct mb_music *m;

	/* Gadgetbridge's layout: flags 0x1f: state, artist, album, track,
	 * duration. */
	CHUNK(FIRST | 3, 0, 0x1f, 0x01, 0x00, 0x3c, 0x00, 'A', 'B', 'B', 'A',
	      0x00, 'G', 'o', 'l', 'd', 0x00, 'S', 'O');
	CHUNK(LAST | 3, 1, 'S', 0x00, 0xb4, 0x00);
	expect_events(f, "music-info state=playing track=SOS artist=ABBA",
		      NULL);
	m = mb_alerts_music(mb_band_alerts(f->band));
	assert_non_null(m);
	assert_string_equal(m->album, "Gold");
	assert_int_equal(m->position_s, 60);
	assert_int_equal(m->duration_s, 180);
	/* Paused, nothing else. */
	CHUNK(SINGLE | 3, 0, 0x01, 0x00, 0x00, 0x00, 0x00);
	expect_events(f, "music-info state=paused track= artist=", NULL);
}

static void test_find_band(void **state)
{
	struct fixture *f = *state;
	struct mb_alerts *a = mb_band_alerts(f->band);

	LEVEL(0x03);
	expect_events(
		f, "find-band level=3",
		"vibrate reason=find-band pattern=600,400,600,400,600,400,600,400,600,400,600,400,600,400,600,400,600,400,600 duration-ms=9600",
		NULL);
	/* It goes on until level 0, however long. */
	fixture_advance(f, 5 * 60000);
	assert_int_equal(mb_alerts_find_level(a), 3);
	f->n_events = 0;
	LEVEL(0x00);
	expect_events(f, "find-band level=0", NULL);
	assert_int_equal(mb_alerts_find_level(a), 0);
	/* 1 (message) and 2 (phone call) vibrate once. */
	LEVEL(0x01);
	expect_events(
		f, "find-band level=1",
		"vibrate reason=alert pattern=200,150,200 duration-ms=550",
		NULL);
	LEVEL(0x02);
	expect_events(
		f, "find-band level=2",
		"vibrate reason=call pattern=600,400,600,400,600,400,600,400,600,400,600,400,600,400,600,400,600,400,600 duration-ms=9600",
		NULL);
	assert_int_equal(mb_alerts_find_level(a), 0);
	expect_no_out(f);
}

static void test_dnd(void **state)
{
	struct fixture *f = *state;

	/* The phone is on silent (§11 06 19 00 01). */
	xfer_silent(f, PDU(0x52, H_CONFIG, 0x00, 0x06, 0x19, 0x00, 0x01));
	expect_events(f, "setting-changed key=phone-silent value=yes", NULL);
	ALERT(0x05, 0x01, 'T', 0x00, 'x');
	expect_events(f,
		      "alert-received category=sms title=T text=x "
		      "via=new-alert",
		      NULL);
	ALERT(0x03, 0x01, 'B', 'o', 'b');
	expect_events(f, "call-ringing caller=Bob", NULL);
	/* Find band is not an alert: it vibrates through. */
	LEVEL(0x03);
	expect_events(
		f, "find-band level=3",
		"vibrate reason=find-band pattern=600,400,600,400,600,400,600,400,600,400,600,400,600,400,600,400,600,400,600 duration-ms=9600",
		NULL);
}

static void test_link_down(void **state)
{
	struct fixture *f = *state;

	ALERT(0x03, 0x01, 'B', 'o', 'b');
	LEVEL(0x03);
	CHUNK(FIRST | 0, 0, 0x05, 0x01, 'M');
	f->n_events = 0;
	mb_band_disconnect(f->band);
	expect_events(f, "chunk-dropped type=0x00 reason=disconnected",
		      "call-ended how=disconnected", "find-band level=0",
		      "disconnected", NULL);
	/* A chunk after the link came back continues nothing. */
	fixture_connect(f);
	f->n_events = 0;
	CHUNK(LAST | 0, 1, 'u', 'm');
	expect_events(f, "chunk-dropped type=0x00 reason=out-of-order", NULL);
	assert_false(mb_alerts_chunk_pending(mb_band_alerts(f->band)));
}

static void test_no_key(void **state)
{
	struct fixture *f = *state;

	/* Bound, not authenticated (§2.1: satcar77 reports alerts, calls
	 * and music work without the key). */
	events_on(f);
	ALERT(0x05, 0x01, 'T', 0x00, 'x');
	CHUNK(SINGLE | 3, 0, 0x01, 0x01, 0x00, 0x00, 0x00);
	CHUNK(SINGLE | 0, 0, 0x03, 0x01, 'B', 'o', 'b');
	LEVEL(0x03);
	expect_events(
		f,
		"alert-received category=sms title=T text=x "
		"via=new-alert",
		"vibrate reason=alert pattern=200,150,200 duration-ms=550",
		"music-info state=playing track= artist=",
		"call-ringing caller=Bob",
		"vibrate reason=call pattern=600,400,600,400,600,400,600,400,600,400,600,400,600,400,600,400,600,400,600 duration-ms=9600",
		"find-band level=3",
		"vibrate reason=find-band pattern=600,400,600,400,600,400,600,400,600,400,600,400,600,400,600,400,600,400,600 duration-ms=9600",
		NULL);
	assert_true(mb_alerts_answer_call(mb_band_alerts(f->band),
					  MB_CALL_END_REJECTED));
	expect_out(f, PDU(0x1b, H_EVENT, 0x00, 0x07));
}

static void test_new_alert_refused(void **state)
{
	struct fixture *f = *state;

	/* Shorter than <category> <count>; the custom category without its
	 * icon: Invalid Attribute Value Length.  A category of none of
	 * §2.1's: Value Not Allowed.  Nothing is shown. */
	xfer(f, PDU(0x12, H_NEW_ALERT, 0x00, 0x05),
	     PDU(0x01, 0x12, H_NEW_ALERT, 0x00, 0x0d));
	xfer(f, PDU(0x12, H_NEW_ALERT, 0x00),
	     PDU(0x01, 0x12, H_NEW_ALERT, 0x00, 0x0d));
	xfer(f, PDU(0x12, H_NEW_ALERT, 0x00, 0xfa, 0x01),
	     PDU(0x01, 0x12, H_NEW_ALERT, 0x00, 0x0d));
	xfer(f, PDU(0x12, H_NEW_ALERT, 0x00, 0x0a, 0x01, 'x'),
	     PDU(0x01, 0x12, H_NEW_ALERT, 0x00, 0x13));
	xfer(f, PDU(0x12, H_NEW_ALERT, 0x00, 0xff, 0x01, 'x'),
	     PDU(0x01, 0x12, H_NEW_ALERT, 0x00, 0x13));
	expect_events(f, NULL);
	assert_null(mb_alerts_last(mb_band_alerts(f->band)));
	/* The read value is the profile's. */
	xfer(f, PDU(0x0a, H_NEW_ALERT, 0x00), PDU(0x0b, 0x05));
}

static void test_out_of_order(void **state)
{
	struct fixture *f = *state;

	/* Chunk 1 before chunk 0: a continuation of nothing. */
	CHUNK(MIDDLE | 0, 1, 'a');
	expect_events(f, "chunk-dropped type=0x00 reason=out-of-order", NULL);
	/* 0, then 2: dropped once; the rest of it goes without a word. */
	CHUNK(FIRST | 0, 0, 0x05, 0x01, 'M');
	CHUNK(MIDDLE | 0, 2, 'u');
	CHUNK(LAST | 0, 3, 'm');
	expect_events(f, "chunk-dropped type=0x00 reason=out-of-order", NULL);
	/* Another type in the middle of one. */
	CHUNK(FIRST | 0, 0, 0x05, 0x01, 'M');
	CHUNK(LAST | 3, 1, 'u');
	expect_events(f, "chunk-dropped type=0x00 reason=out-of-order", NULL);
	/* The next transfer is whole again. */
	send_three_chunks(f, 0);
	expect_events(
		f, THREE_CHUNKS,
		"vibrate reason=alert pattern=200,150,200 duration-ms=550",
		NULL);
}

static void test_missing_last(void **state)
{
	struct fixture *f = *state;

	/* A new transfer before the last chunk of the one under way. */
	CHUNK(FIRST | 0, 0, 0x05, 0x01, 'M');
	CHUNK(SINGLE | 0, 0, 0x05, 0x01, 'T', 0x00, 'x');
	expect_events(
		f, "chunk-dropped type=0x00 reason=missing-last",
		"alert-received category=sms title=T text=x via=chunked",
		"vibrate reason=alert pattern=200,150,200 duration-ms=550",
		NULL);
	/* No last chunk at all: dropped after chunk-timeout-s of band
	 * time, not before. */
	CHUNK(FIRST | 1, 0, 0x02);
	fixture_advance(f, 9999);
	expect_events(f, NULL);
	assert_true(mb_alerts_chunk_pending(mb_band_alerts(f->band)));
	fixture_advance(f, 1);
	expect_events(f, "chunk-dropped type=0x01 reason=timeout", NULL);
	assert_false(mb_alerts_chunk_pending(mb_band_alerts(f->band)));
	/* Each chunk gives the next its full time. */
	CHUNK(FIRST | 0, 0, 0x05, 0x01);
	fixture_advance(f, 9000);
	CHUNK(MIDDLE | 0, 1, 'T', 0x00);
	fixture_advance(f, 9000);
	CHUNK(LAST | 0, 2, 'x');
	expect_events(
		f, "alert-received category=sms title=T text=x via=chunked",
		"vibrate reason=alert pattern=200,150,200 duration-ms=550",
		NULL);
}

static void test_too_long(void **state)
{
	struct fixture *f = *state;

	fixture_set_policy(f, "chunk-max-bytes", "20");
	CHUNK(FIRST | 0, 0, 0x05, 0x01, 'M', 'u', 'm', 0x00, 'A', 'r', 'e', ' ',
	      'y', 'o', 'u', ' ', 'c', 'o', 'm');
	CHUNK(MIDDLE | 0, 1, 'i', 'n', 'g', ' ', 'h');
	expect_events(f, "chunk-dropped type=0x00 reason=too-long", NULL);
	CHUNK(LAST | 0, 2, 'o', 'm', 'e');
	expect_events(f, NULL);
	/* Twenty bytes in all still fit. */
	CHUNK(FIRST | 0, 0, 0x05, 0x01, 'M', 'u', 'm', 0x00, 'A', 'r', 'e', ' ',
	      'y', 'o', 'u', ' ', 'c', 'o', 'm');
	CHUNK(LAST | 0, 1, 'e', '?', '!');
	expect_events(
		f,
		"alert-received category=sms title=Mum text=Are you "
		"come?! via=chunked",
		"vibrate reason=alert pattern=200,150,200 duration-ms=550",
		NULL);
}

static void test_malformed_chunks(void **state)
{
	struct fixture *f = *state;

	CHUNK(FIRST | 0, 0, 0x05, 0x01, 'M');
	/* Not chunks: they change nothing, not even the transfer. */
	xfer_silent(f, PDU(0x52, H_CHUNKED, 0x00, 0x00, 0x40));
	xfer_silent(f, PDU(0x52, H_CHUNKED, 0x00));
	xfer_silent(f, PDU(0x52, H_CHUNKED, 0x00, 0x01, 0x40, 0x01, 'x'));
	expect_events(f, "chunk-dropped type=0xff reason=malformed",
		      "chunk-dropped type=0xff reason=malformed",
		      "chunk-dropped type=0xff reason=malformed", NULL);
	CHUNK(LAST | 0, 1, 'u', 'm');
	expect_events(
		f,
		"alert-received category=sms title=Mum text= "
		"via=chunked",
		"vibrate reason=alert pattern=200,150,200 duration-ms=550",
		NULL);
	/* Whole, but a type no part takes (Gadgetbridge's 2, reminders). */
	CHUNK(SINGLE | 2, 0, 0x0b, 0x00);
	expect_events(f, "chunk-dropped type=0x02 reason=unknown-type", NULL);
	/* Whole, but not an alert, a track or the weather. */
	CHUNK(SINGLE | 0, 0, 0x42, 0x01, 'x');
	CHUNK(SINGLE | 0, 0, 0x05);
	CHUNK(SINGLE | 1, 0);
	CHUNK(SINGLE | 3, 0);
	expect_events(f, "chunk-dropped type=0x00 reason=malformed",
		      "chunk-dropped type=0x00 reason=malformed",
		      "chunk-dropped type=0x01 reason=malformed",
		      "chunk-dropped type=0x03 reason=malformed", NULL);
	assert_string_equal(mb_alerts_last(mb_band_alerts(f->band))->title,
			    "Mum");
}

static void test_text(void **state)
{
	struct fixture *f = *state;

	/* Bytes that are no UTF-8 become '?', control characters a space;
	 * UTF-8 stays as it is ("Zoë"). */
	ALERT(0x05, 0x01, 'Z', 'o', 0xc3, 0xab, 0x00, 'a', 0xff, 'b', 0x07, 'c',
	      0xc3, '\n', 'd');
	expect_events(
		f,
		"alert-received category=sms title=Zo\u00eb text=a?b "
		"c?\nd via=new-alert",
		"vibrate reason=alert pattern=200,150,200 duration-ms=550",
		NULL);
}

static void test_alert_level_malformed(void **state)
{
	struct fixture *f = *state;

	xfer_silent(f, PDU(0x52, H_ALERT_LEVEL, 0x00, 0x04));
	xfer_silent(f, PDU(0x52, H_ALERT_LEVEL, 0x00, 0x03, 0x00));
	xfer_silent(f, PDU(0x52, H_ALERT_LEVEL, 0x00));
	expect_events(f, "malformed characteristic=2a06",
		      "malformed characteristic=2a06",
		      "malformed characteristic=2a06", NULL);
	assert_int_equal(mb_alerts_find_level(mb_band_alerts(f->band)), 0);
}

#define B(name, fn) CASE(name, fn, fixture_setup_bound, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T("MB4-UT/ALERT/BV-01 every category on 0x2A46",
		  test_categories),
		T("MB4-UT/ALERT/BV-02 a call rings until it is rejected: 07",
		  test_call_rejected),
		T("MB4-UT/ALERT/BV-03 a chunked call ignored: 09; the phone "
		  "ends one",
		  test_chunked_call_ignored),
		T("MB4-UT/FUZZ/BI-11 a caller cut to 64 bytes on a character",
		  test_call_caller_cut_on_a_character),
		T("MB4-UT/ALERT/BV-04 a chunked alert reassembled",
		  test_chunked_alert),
		T("MB4-UT/ALERT/BV-05 weather kept", test_weather_kept),
		T("MB4-UT/ALERT/BV-06 music info kept", test_music_kept),
		T("MB4-UT/ALERT/BV-07 find band until level 0", test_find_band),
		T("MB4-UT/ALERT/BV-08 silent mode keeps the band still, not "
		  "the alert",
		  test_dnd),
		T("MB4-UT/ALERT/BV-09 the link ends: transfer, call, find band",
		  test_link_down),
		B("MB4-UT/ALERT/BV-10 no key needed", test_no_key),
		T("MB4-UT/ALERT/BI-01 0x2A46 refuses what it cannot show",
		  test_new_alert_refused),
		T("MB4-UT/ALERT/BI-02 out-of-order chunks dropped",
		  test_out_of_order),
		T("MB4-UT/ALERT/BI-03 a missing last chunk: dropped",
		  test_missing_last),
		T("MB4-UT/ALERT/BI-04 an oversize transfer dropped",
		  test_too_long),
		T("MB4-UT/ALERT/BI-05 malformed chunks and payloads",
		  test_malformed_chunks),
		T("MB4-UT/ALERT/BI-06 text that is no UTF-8", test_text),
		T("MB4-UT/ALERT/BI-07 0x2A06 takes one level byte",
		  test_alert_level_malformed),
	};

	return cmocka_run_group_tests_name("alerts", tests, NULL, NULL);
}
