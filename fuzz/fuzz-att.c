// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: arbitrary PDU streams from a central into the band's
 * ATT server over the real profile.  The input is a sequence of records,
 * <len u8> <len bytes>; each record is one PDU.  A link is opened per
 * input, so CCCD, MTU and auth state are exercised across PDUs.  A record
 * of length 0 presses the band's button, so binding is reached too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "band.h"
#include "band-fixture.h"
#include "crypto.h"
#include "power.h"
#include "state/inputs.h"

static uint64_t fuzz_now_ms = 1716201000000ull;

static uint64_t now_ms(void *user_data)
{
	return fuzz_now_ms;
}

static const struct mb_clock fuzz_clock = { .now_ms = now_ms };
static struct mb_profile *profile;
static struct mb_band *band;
static size_t sent;

static void on_send(const uint8_t *pdu, size_t len, void *user_data)
{
	/* Every PDU the band sends is at most the largest ATT_MTU. */
	if (len == 0 || len > 517)
		abort();
	sent += len;
}

static const struct mb_link_ops ops = { .send = on_send };

/* A fixed all-zero challenge: the seed corpus carries the right answer,
 * so the fuzzer explores what lies behind auth too. */
static bool zero_random(uint8_t *buf, size_t len, void *user_data)
{
	memset(buf, 0, len);
	return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct mb_band_state st = {
		.address = { FIXTURE_ADDRESS },
		.serial = FIXTURE_SERIAL,
		.bound = true,
		.key = { FIXTURE_KEY },
	};
	const char *path = getenv("BANDSIM_FUZZ_PROFILE");

	mb_crypto_set_random_source(zero_random, NULL);
	char *err = NULL;

	profile = state_profile_load(path ? path : BANDSIM_FUZZ_PROFILE, &err);
	if (!profile) {
		fprintf(stderr, "fuzz-att: %s\n", err);
		abort();
	}
	band = mb_band_new(profile, &st, &fuzz_clock, &err);
	if (!band)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	/* The band lives on across inputs: weeks of band time go by, so its
	 * battery runs out and updates reboot it.  Each input starts with a
	 * charged band that runs. */
	mb_power_set_plugged(mb_band_power(band), false);
	mb_power_set_level(mb_band_power(band), 100);
	if (mb_power_state(mb_band_power(band)) != MB_POWER_STATE_ON) {
		fuzz_now_ms += 60000;
		mb_band_run(band);
	}
	if (!mb_band_connect(band, &ops, NULL))
		abort();
	while (off < size) {
		size_t len = data[off++];

		if (len > size - off)
			len = size - off;
		if (!len)
			mb_band_press_button(band);
		else
			mb_link_receive(mb_band_link(band), data + off, len);
		off += len;
		/* Band life runs between PDUs too. */
		fuzz_now_ms += 7919;
		mb_band_run(band);
	}
	mb_band_disconnect(band);
	return 0;
}
