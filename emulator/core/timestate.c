// SPDX-License-Identifier: GPL-2.0-or-later
#include "timestate.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"
#include "util.h"

/* 2^53: every millisecond count up to here is exact in a double, and it
 * is far past any year a 0x2A2B date can carry. */
#define MAX_MS 9007199254740992ll
/* SetClockRate's and --clock-rate's limit. */
#define MAX_RATE 1e6

enum time_field {
	TIME_FIELD_BAND_MS,
	TIME_FIELD_HOST_MS,
	TIME_FIELD_RATE,
	TIME_FIELD_RTC_OFFSET_MS,
	TIME_FIELD_RTC_TZ,
	TIME_FIELD_RTC_DST,
	TIME_FIELD_LOG_SEQ,
};

/* Every key of time.ini, in the order it is written.  Each is required:
 * a file that lacks one is not the file the band wrote. */
static const struct {
	enum time_field id;
	const char *section;
	const char *key;
	long long min, max; /* whole numbers; the rate is a real one */
} fields[] = {
	{ TIME_FIELD_BAND_MS, "clock", "band-ms", 0, MAX_MS },
	{ TIME_FIELD_HOST_MS, "clock", "host-ms", -MAX_MS, MAX_MS },
	{ TIME_FIELD_RATE, "clock", "rate", 0, 0 },
	/* UTC-12:00 .. UTC+14:00 in quarter-hours, as 0x2A2B accepts. */
	{ TIME_FIELD_RTC_OFFSET_MS, "rtc", "offset-ms", -MAX_MS, MAX_MS },
	{ TIME_FIELD_RTC_TZ, "rtc", "tz", -48, 56 },
	{ TIME_FIELD_RTC_DST, "rtc", "dst", 0, 0xff },
	{ TIME_FIELD_LOG_SEQ, "log", "seq", 0, UINT32_MAX },
};

/* Written last and required, as the flash log's record marker: a file
 * cut short anywhere is refused, never read as another time. */
#define END_SECTION "end"

static const char *const sections[] = { "clock", "rtc", "log", END_SECTION };

static void set_field(struct mb_time_state *s, enum time_field id, long long v,
		      double rate)
{
	switch (id) {
	case TIME_FIELD_BAND_MS:
		s->band_ms = (uint64_t)v;
		break;
	case TIME_FIELD_HOST_MS:
		s->host_ms = v;
		break;
	case TIME_FIELD_RATE:
		s->rate = rate;
		break;
	case TIME_FIELD_RTC_OFFSET_MS:
		s->rtc.offset_ms = v;
		break;
	case TIME_FIELD_RTC_TZ:
		s->rtc.tz = (int8_t)v;
		break;
	case TIME_FIELD_RTC_DST:
		s->rtc.dst = (uint8_t)v;
		break;
	case TIME_FIELD_LOG_SEQ:
		s->log_seq = (uint32_t)v;
		break;
	}
}

static char *format_field(const struct mb_time_state *s, enum time_field id)
{
	switch (id) {
	case TIME_FIELD_BAND_MS:
		return mb_strdup_printf("%llu", (unsigned long long)s->band_ms);
	case TIME_FIELD_HOST_MS:
		return mb_strdup_printf("%lld", (long long)s->host_ms);
	case TIME_FIELD_RATE:
		/* Enough digits to read back the same double. */
		return mb_strdup_printf("%.17g", s->rate);
	case TIME_FIELD_RTC_OFFSET_MS:
		return mb_strdup_printf("%lld", (long long)s->rtc.offset_ms);
	case TIME_FIELD_RTC_TZ:
		return mb_strdup_printf("%d", s->rtc.tz);
	case TIME_FIELD_RTC_DST:
		return mb_strdup_printf("%u", s->rtc.dst);
	case TIME_FIELD_LOG_SEQ:
		return mb_strdup_printf("%u", s->log_seq);
	}
	return mb_strdup("");
}

/* One key's value into s; false with *err naming the line and field. */
static bool read_field(struct mb_ini *ini, size_t sec, size_t row,
		       struct mb_time_state *s, char **err)
{
	const char *name = mb_ini_filename(ini);
	const char *section = fields[row].section, *key = fields[row].key;
	unsigned int line;
	const char *v = mb_ini_get(ini, sec, key, &line);
	long long n = 0;
	double rate = 0;
	char *end;

	if (!v) {
		mb_set_error(err, "%s:%u: [%s] %s: missing", name, line,
			     section, key);
		return false;
	}
	errno = 0;
	if (fields[row].id == TIME_FIELD_RATE) {
		rate = strtod(v, &end);
		if (!*v || *end || errno || !isfinite(rate) || rate < 0 ||
		    rate > MAX_RATE) {
			mb_set_error(
				err,
				"%s:%u: [%s] %s: '%s' is not a rate from 0 to 1000000",
				name, line, section, key, v);
			return false;
		}
	} else {
		n = strtoll(v, &end, 10);
		if (!*v || *end || errno || n < fields[row].min ||
		    n > fields[row].max) {
			mb_set_error(
				err,
				"%s:%u: [%s] %s: '%s' is not a whole number from %lld to %lld",
				name, line, section, key, v, fields[row].min,
				fields[row].max);
			return false;
		}
	}
	set_field(s, fields[row].id, n, rate);
	return true;
}

static bool known_section(const char *name)
{
	for (size_t i = 0; i < MB_ARRAY_SIZE(sections); i++)
		if (!strcmp(name, sections[i]))
			return true;
	return false;
}

bool mb_time_state_parse(const char *text, size_t len, const char *name,
			 struct mb_time_state *s, char **err)
{
	struct mb_ini *ini = mb_ini_parse(text, len, name, err);
	bool ok = false;

	if (!ini)
		return false;
	memset(s, 0, sizeof(*s));
	if (mb_ini_find_section(ini, END_SECTION) < 0) {
		mb_set_error(
			err,
			"%s: no [%s] line: cut short, or not a file bandsim wrote",
			name, END_SECTION);
		goto out;
	}
	for (size_t sec = 0; sec < mb_ini_n_sections(ini); sec++) {
		if (!known_section(mb_ini_section_name(ini, sec))) {
			mb_set_error(err, "%s:%u: [%s]: unknown section", name,
				     mb_ini_section_line(ini, sec),
				     mb_ini_section_name(ini, sec));
			goto out;
		}
	}
	for (size_t row = 0; row < MB_ARRAY_SIZE(fields); row++) {
		long sec = mb_ini_find_section(ini, fields[row].section);

		if (sec < 0) {
			mb_set_error(err, "%s: no [%s] section", name,
				     fields[row].section);
			goto out;
		}
		if (!read_field(ini, (size_t)sec, row, s, err))
			goto out;
	}
	for (size_t sec = 0; sec < mb_ini_n_sections(ini); sec++)
		if (!mb_ini_check_unused(ini, sec, err))
			goto out;
	ok = true;
out:
	mb_ini_free(ini);
	return ok;
}

char *mb_time_state_format(const struct mb_time_state *s)
{
	char *text = mb_strdup(
		"# bandsim band time; replaced atomically, do not edit while running.\n");
	const char *section = NULL;
	char *next;

	for (size_t row = 0; row < MB_ARRAY_SIZE(fields); row++) {
		char *value = format_field(s, fields[row].id);

		if (!section || strcmp(section, fields[row].section)) {
			section = fields[row].section;
			next = mb_strdup_printf("%s[%s]\n", text, section);
			free(text);
			text = next;
		}
		next = mb_strdup_printf("%s%s = %s\n", text, fields[row].key,
					value);
		free(text);
		free(value);
		text = next;
	}
	next = mb_strdup_printf("%s[%s]\n", text, END_SECTION);
	free(text);
	return next;
}

uint64_t mb_time_state_resume(const struct mb_time_state *s, int64_t host_ms)
{
	/* The host's clock may have been set back meanwhile: band time is
	 * then where it was written, not before. */
	double elapsed = host_ms > s->host_ms ? (double)(host_ms - s->host_ms)
					      : 0.0;
	double ms = (double)s->band_ms + elapsed * s->rate;

	return ms >= (double)MAX_MS ? (uint64_t)MAX_MS : (uint64_t)ms;
}
