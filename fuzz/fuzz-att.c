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
#include "fuzz-setup.h"
#include "power.h"

static uint64_t fuzz_now_ms = 1716201000000ull;

static uint64_t now_ms(void *user_data)
{
	return fuzz_now_ms;
}

static const struct mb_clock fuzz_clock = { .now_ms = now_ms };
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

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	band = fuzz_band_open("fuzz-att", true, &fuzz_clock);
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
