// SPDX-License-Identifier: GPL-2.0-or-later
#include "alert-payload.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

/* protocol §2.1: satcar77 writes <category> 01 <text> with categories 1,
 * 3, 4 and 5; Gadgetbridge and harbour-amazfish also 0xFA (their
 * AlertCategory.CustomHuami) followed by an icon byte. */
static const struct {
	uint8_t wire;
	const char *name;
} categories[MB_ALERT_CATEGORY_COUNT] = {
	[MB_ALERT_CATEGORY_SIMPLE] = { 0x00, "simple" },
	[MB_ALERT_CATEGORY_EMAIL] = { 0x01, "email" },
	[MB_ALERT_CATEGORY_NEWS] = { 0x02, "news" },
	[MB_ALERT_CATEGORY_CALL] = { 0x03, "incoming-call" },
	[MB_ALERT_CATEGORY_MISSED_CALL] = { 0x04, "missed-call" },
	[MB_ALERT_CATEGORY_SMS] = { 0x05, "sms" },
	[MB_ALERT_CATEGORY_VOICE_MAIL] = { 0x06, "voice-mail" },
	[MB_ALERT_CATEGORY_SCHEDULE] = { 0x07, "schedule" },
	[MB_ALERT_CATEGORY_HIGH_PRIORITY] = { 0x08, "high-priority" },
	[MB_ALERT_CATEGORY_INSTANT_MESSAGE] = { 0x09, "instant-message" },
	[MB_ALERT_CATEGORY_APP] = { 0xfa, "app" },
};

const char *mb_alert_category_name(enum mb_alert_category c)
{
	return c < MB_ALERT_CATEGORY_COUNT ? categories[c].name : "unknown";
}

/* The length of the UTF-8 sequence at v (at most len bytes), 0 if it is
 * not one: no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_seq(const uint8_t *v, size_t len)
{
	size_t n;
	uint32_t cp, min;

	if (v[0] < 0x80)
		return 1;
	if ((v[0] & 0xe0) == 0xc0) {
		n = 2, cp = v[0] & 0x1f, min = 0x80;
	} else if ((v[0] & 0xf0) == 0xe0) {
		n = 3, cp = v[0] & 0x0f, min = 0x800;
	} else if ((v[0] & 0xf8) == 0xf0) {
		n = 4, cp = v[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((v[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (v[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* One byte of text as it is shown: control characters other than a
 * newline are a space. */
static char shown(uint8_t c)
{
	return (c < 0x20 && c != '\n') || c == 0x7f ? ' ' : (char)c;
}

size_t mb_alert_text(const uint8_t *v, size_t len, char *out, size_t max)
{
	size_t i = 0, o = 0;
	bool full = false;

	while (i < len && v[i]) {
		size_t n = utf8_seq(v + i, len - i);

		/* What does not fit ends the text: a cut never splits a
		 * character. */
		full = full || o + (n ? n : 1) > max;
		if (!full && n > 1)
			memcpy(out + o, v + i, n);
		else if (!full)
			out[o] = n ? shown(v[i]) : '?';
		if (!full)
			o += n ? n : 1;
		i += n ? n : 1;
	}
	out[o] = '\0';
	return i < len ? i + 1 : i;
}

/* The title ends at the first NUL (Gadgetbridge, amazfish) or, in a body
 * without one, at the first newline (satcar77: <phone> 0A 0A 0A <text>);
 * newlines between the two are not part of the text. */
static void split(const uint8_t *v, size_t len, struct mb_alert *out)
{
	const uint8_t *nul = memchr(v, 0, len);
	size_t end, rest;

	if (nul) {
		end = (size_t)(nul - v);
		rest = end + 1;
	} else {
		const uint8_t *lf = memchr(v, '\n', len);

		end = lf ? (size_t)(lf - v) : len;
		rest = end;
		while (rest < len && v[rest] == '\n')
			rest++;
	}
	mb_alert_text(v, end, out->title, MB_ALERT_TITLE_MAX);
	if (rest < len)
		mb_alert_text(v + rest, len - rest, out->text,
			      MB_ALERT_TEXT_MAX);
}

enum mb_alert_parse mb_alert_parse(const uint8_t *v, size_t len,
				   struct mb_alert *out)
{
	size_t header = 2, c;

	*out = (struct mb_alert){ 0 };
	if (len < 2)
		return MB_ALERT_PARSE_SHORT;
	for (c = 0; c < MB_ALERT_CATEGORY_COUNT; c++)
		if (categories[c].wire == v[0])
			break;
	if (c == MB_ALERT_CATEGORY_COUNT)
		return MB_ALERT_PARSE_CATEGORY;
	out->category = (enum mb_alert_category)c;
	/* v[1] is the count of new alerts (ANS); every client sends 1. */
	if (out->category == MB_ALERT_CATEGORY_APP) {
		if (len < 3)
			return MB_ALERT_PARSE_SHORT;
		out->icon = v[2];
		header = 3;
	}
	split(v + header, len - header, out);
	return MB_ALERT_PARSE_OK;
}

static const char *const music_states[] = {
	[MB_MUSIC_STATE_NONE] = "none",
	[MB_MUSIC_STATE_PAUSED] = "paused",
	[MB_MUSIC_STATE_PLAYING] = "playing",
};

const char *mb_music_state_name(enum mb_music_state s)
{
	return s <= MB_MUSIC_STATE_PLAYING ? music_states[s] : "unknown";
}

#define MUSIC_STATE 0x01
#define MUSIC_ARTIST 0x02
#define MUSIC_ALBUM 0x04
#define MUSIC_TRACK 0x08
#define MUSIC_DURATION 0x10

bool mb_music_parse(const uint8_t *v, size_t len, struct mb_music *out)
{
	static const struct {
		uint8_t flag;
		size_t field; /* offset of the string in struct mb_music */
	} strings[] = {
		{ MUSIC_ARTIST, offsetof(struct mb_music, artist) },
		{ MUSIC_ALBUM, offsetof(struct mb_music, album) },
		{ MUSIC_TRACK, offsetof(struct mb_music, track) },
	};
	size_t off = 1;
	uint8_t flags;

	*out = (struct mb_music){ 0 };
	if (!len)
		return false;
	flags = v[0];
	if (flags & MUSIC_STATE) {
		if (len < 5)
			return true;
		out->state = v[1] == 1 ? MB_MUSIC_STATE_PLAYING
				       : MB_MUSIC_STATE_PAUSED;
		out->position_s = mb_get_le16(v + 3);
		off = 5;
	}
	for (size_t i = 0; i < MB_ARRAY_SIZE(strings); i++) {
		if (!(flags & strings[i].flag))
			continue;
		off += mb_alert_text(v + off, len - off,
				     (char *)out + strings[i].field,
				     MB_MUSIC_FIELD_MAX);
	}
	if (flags & MUSIC_DURATION && len - off >= 2)
		out->duration_s = mb_get_le16(v + off);
	return true;
}

/* Gadgetbridge's weather (HuamiSupport.onSendWeather): <kind> <time u32>
 * <tz>, then per kind; signed temperatures in the phone's unit. */
enum weather_layout {
	WEATHER_CURRENT,  /* <condition> <temp> <text> 00 */
	WEATHER_FORECAST, /* <days> <cond> <cond> <max> <min> <text> 00 ... */
	WEATHER_AQI,	  /* <aqi u16> <text> 00 */
};

#define WEATHER_CONDITION_MAX 64

static const struct {
	uint8_t kind;
	enum weather_layout layout;
	size_t header; /* bytes before its text */
} weather_kinds[] = {
	{ 0x02, WEATHER_CURRENT, 8 },
	{ 0x01, WEATHER_FORECAST, 11 },
	{ 0x04, WEATHER_AQI, 8 },
};

bool mb_weather_parse(const uint8_t *v, size_t len, struct mb_weather *out)
{
	/* The condition's words; with the temperatures they fit text. */
	char text[WEATHER_CONDITION_MAX + 1] = "";
	size_t i;

	*out = (struct mb_weather){ 0 };
	if (!len)
		return false;
	out->kind = v[0];
	for (i = 0; i < MB_ARRAY_SIZE(weather_kinds); i++)
		if (weather_kinds[i].kind == v[0])
			break;
	if (i == MB_ARRAY_SIZE(weather_kinds) || len < weather_kinds[i].header)
		return true;
	mb_alert_text(v + weather_kinds[i].header,
		      len - weather_kinds[i].header, text,
		      WEATHER_CONDITION_MAX);
	switch (weather_kinds[i].layout) {
	case WEATHER_CURRENT:
		snprintf(out->text, sizeof(out->text), "%d\u00b0%s%s",
			 (int8_t)v[7], *text ? " " : "", text);
		break;
	case WEATHER_FORECAST:
		snprintf(out->text, sizeof(out->text), "%d\u00b0/%d\u00b0%s%s",
			 (int8_t)v[9], (int8_t)v[10], *text ? " " : "", text);
		break;
	case WEATHER_AQI:
		snprintf(out->text, sizeof(out->text), "AQI %s", text);
		break;
	}
	return true;
}
