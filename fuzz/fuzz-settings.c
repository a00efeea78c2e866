// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: the settings part (docs/settings.md) fed arbitrary
 * commands, band time and settings files.  The input is a sequence of
 * records <op u8> <len u8> <len bytes>: op % 5 is a write of the bytes to
 * 00000003, 00000008 or 0x2A39 (the parts' own routes, so no auth is
 * needed; 0x2A39's through the heart-rate part), len % 61 minutes of band
 * life (alarms, chime, inactivity, the goal), or the bytes as a
 * settings.ini.  After every record each value must lie in its range;
 * after the input the settings file the band would write must read back
 * as the same values.  (The round trip after every record cost two thirds
 * of an input's time, and a record's values are also the end of the
 * input that stops after it.) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "band.h"
#include "fuzz-setup.h"
#include "power.h"
#include "settings-text.h"

static uint64_t fuzz_now_ms = 1716201000000ull;

static uint64_t now_ms(void *user_data)
{
	return fuzz_now_ms;
}

static const struct mb_clock fuzz_clock = { .now_ms = now_ms };
static struct mb_band *band;

static void on_send(const uint8_t *pdu, size_t len, void *user_data)
{
	if (len == 0 || len > 517)
		abort();
}

static const struct mb_link_ops ops = { .send = on_send };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	band = fuzz_band_open("fuzz-settings", true, &fuzz_clock);
	return 0;
}

/* The last values that went through settings.ini and back: most
 * records change nothing, and the round trip is most of an input's time. */
static struct mb_settings_values round_tripped;
static bool have_round_tripped;

static bool same_values(const struct mb_settings_values *a,
			const struct mb_settings_values *b)
{
	for (int id = 0; id < MB_SETTING_COUNT; id++)
		if (!mb_settings_equal(a, b, id))
			return false;
	return !memcmp(a->alarms, b->alarms, sizeof(a->alarms));
}

/* Every value in its range: what the parsers let through. */
static void check_ranges(const struct mb_settings_values *v)
{
	for (int id = 0; id < MB_SETTING_COUNT; id++) {
		const struct mb_setting_desc *d = mb_setting_desc(id);

		if (d->kind == MB_SETTING_KIND_TEXT
			    ? !d->text_valid(v->text[id])
			    : !mb_setting_valid(id, v->v[id]))
			abort();
	}
	for (int i = 0; i < MB_ALARM_SLOTS; i++) {
		const struct mb_alarm *a = &v->alarms[i];

		if (a->hour > 23 || a->minute > 59 ||
		    (a->days & MB_ALARM_ONCE && a->days != MB_ALARM_ONCE) ||
		    (!a->days &&
		     (a->enabled || a->snooze || a->hour || a->minute)))
			abort();
	}
}

/* The file the band would write reads back as the same values. */
static void check_round_trip(const struct mb_settings_values *v)
{
	struct mb_settings_values back;
	char *text, *err = NULL;

	if (have_round_tripped && same_values(v, &round_tripped))
		return;
	text = mb_settings_values_format(v);
	if (!mb_settings_values_parse(text, strlen(text), "fuzz", &back, &err))
		abort();
	if (!same_values(v, &back))
		abort();
	free(text);
	round_tripped = *v;
	have_round_tripped = true;
}

static void write_to(enum mb_chr_id chr, const uint8_t *value, size_t len)
{
	struct mb_settings *s = mb_band_settings(band);

	for (size_t i = 0; i < mb_settings_n_routes; i++)
		if (mb_settings_routes[i].chr == chr)
			mb_settings_routes[i].write(s, value, len, true);
	/* 0x2A39 is the heart-rate part's, which hands its settings over. */
	for (size_t i = 0; i < mb_hr_n_routes; i++)
		if (mb_hr_routes[i].chr == chr)
			mb_hr_routes[i].write(mb_band_hr(band), value, len,
					      false);
}

static void settings_file(const uint8_t *text, size_t len)
{
	struct mb_settings_values v;
	char *err = NULL;

	/* A file read as the edge reads one: its values, or an error. */
	if (mb_settings_values_parse((const char *)text, len, "fuzz", &v,
				     &err)) {
		check_ranges(&v);
		check_round_trip(&v);
	} else if (!err)
		abort();
	free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mb_settings_values factory;
	size_t off = 0;

	/* Each input starts from a new band's settings, on a band that
	 * runs and has a link. */
	mb_settings_values_init(&factory);
	mb_settings_load(mb_band_settings(band), &factory);
	mb_power_set_plugged(mb_band_power(band), false);
	mb_power_set_level(mb_band_power(band), 100);
	if (mb_power_state(mb_band_power(band)) != MB_POWER_STATE_ON) {
		fuzz_now_ms += 60000;
		mb_band_run(band);
	}
	mb_band_connect(band, &ops, NULL);
	while (off + 2 <= size) {
		uint8_t op = data[off] % 5;
		size_t len = data[off + 1];

		off += 2;
		if (len > size - off)
			len = size - off;
		switch (op) {
		case 0:
			write_to(MB_CHR_CONFIG, data + off, len);
			break;
		case 1:
			write_to(MB_CHR_USER_SETTINGS, data + off, len);
			break;
		case 2:
			write_to(MB_CHR_HR_CONTROL, data + off, len);
			break;
		case 3:
			/* An hour at most: every minute of band life runs
			 * the whole band (the log, the battery, the
			 * routine), so longer spans cost more than they
			 * find; a later hour is a few records away. */
			fuzz_now_ms += (len % 61) * 60000ull;
			mb_band_run(band);
			break;
		default:
			settings_file(data + off, len);
			break;
		}
		off += len;
		check_ranges(mb_settings_values(mb_band_settings(band)));
	}
	check_round_trip(mb_settings_values(mb_band_settings(band)));
	mb_band_disconnect(band);
	return 0;
}
