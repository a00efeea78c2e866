/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the phone's alerts say, read from their bytes: a text alert on
 * 0x2A46 or in a type-0 chunked transfer, the track of a type-3 one, the
 * weather of a type-1 one (protocol §2.1, §2.6; docs/alerts.md has the
 * layouts and where each comes from).  Text leaves here as valid UTF-8
 * without control characters, so that it can be an event's string and
 * a D-Bus string whatever a client wrote. */

/* Alert Notification categories (Bluetooth SIG, as Gadgetbridge's
 * AlertCategory), and Huami's custom one that carries an app icon. */
enum mb_alert_category {
	MB_ALERT_CATEGORY_SIMPLE,
	MB_ALERT_CATEGORY_EMAIL,
	MB_ALERT_CATEGORY_NEWS,
	MB_ALERT_CATEGORY_CALL, /* an incoming call: it rings */
	MB_ALERT_CATEGORY_MISSED_CALL,
	MB_ALERT_CATEGORY_SMS,
	MB_ALERT_CATEGORY_VOICE_MAIL,
	MB_ALERT_CATEGORY_SCHEDULE,
	MB_ALERT_CATEGORY_HIGH_PRIORITY,
	MB_ALERT_CATEGORY_INSTANT_MESSAGE,
	MB_ALERT_CATEGORY_APP, /* 0xFA: Huami's custom, with an icon */
	MB_ALERT_CATEGORY_COUNT
};

#define MB_ALERT_TITLE_MAX 64
#define MB_ALERT_TEXT_MAX 256

struct mb_alert {
	enum mb_alert_category category;
	uint8_t icon; /* MB_ALERT_CATEGORY_APP only */
	char title[MB_ALERT_TITLE_MAX + 1];
	char text[MB_ALERT_TEXT_MAX + 1];
};

/* "sms", "incoming-call", ...: the alert-received event's category. */
const char *mb_alert_category_name(enum mb_alert_category c);

enum mb_alert_parse {
	MB_ALERT_PARSE_OK,
	MB_ALERT_PARSE_SHORT,	 /* shorter than its header */
	MB_ALERT_PARSE_CATEGORY, /* a category none of the table's */
};

/* <category> <count> [<icon>] <title> 00 <text> [00 ...]
 * (docs/policies.md#alerts). */
enum mb_alert_parse mb_alert_parse(const uint8_t *v, size_t len,
				   struct mb_alert *out);

/* A type-3 transfer, Gadgetbridge's layout: <flags> [<state> 00 <position
 * u16>] [artist 00] [album 00] [track 00] [<duration u16>]. */
enum mb_music_state {
	MB_MUSIC_STATE_NONE, /* flags without 0x01 */
	MB_MUSIC_STATE_PAUSED,
	MB_MUSIC_STATE_PLAYING,
};

#define MB_MUSIC_FIELD_MAX 64

struct mb_music {
	enum mb_music_state state;
	uint16_t position_s;
	uint16_t duration_s;
	char artist[MB_MUSIC_FIELD_MAX + 1];
	char album[MB_MUSIC_FIELD_MAX + 1];
	char track[MB_MUSIC_FIELD_MAX + 1];
};

const char *mb_music_state_name(enum mb_music_state s);
/* false for an empty payload; fields cut short read as far as they go. */
bool mb_music_parse(const uint8_t *v, size_t len, struct mb_music *out);

/* A type-1 transfer: its first byte says what it is (Gadgetbridge's 02
 * current, 01 forecast, 04 air quality); text is what the band shows of
 * it ("21° Sunny", "24°/12° Sunny", "AQI 35"), empty for a kind the
 * table does not know. */
#define MB_WEATHER_TEXT_MAX 96

struct mb_weather {
	uint8_t kind;
	char text[MB_WEATHER_TEXT_MAX + 1];
};

/* false for an empty payload. */
bool mb_weather_parse(const uint8_t *v, size_t len, struct mb_weather *out);

/* Up to the first NUL of v (or its end), as UTF-8 text of at most max
 * bytes into out (max + 1 bytes): invalid bytes become '?', control
 * characters other than a newline a space.  Returns the bytes of v it
 * read, the NUL included. */
size_t mb_alert_text(const uint8_t *v, size_t len, char *out, size_t max);
