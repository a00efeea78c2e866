// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: band.ini as the state directory may hold it after a
 * crash, an editor or a disk error (core/bandstate.c, state/bandfile.c
 * reads the file and hands its text here).  It is read, or refused with a
 * message naming the file; what is read is a band the band could be, and
 * it is written back and read again unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bandstate.h"
#include "fuzz-expect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool serial_ok(const char *s)
{
	if (strlen(s) != 12)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mb_band_state s, back;
	char *err = NULL, *text, *again;

	if (!mb_band_state_parse((const char *)data, size, "band.ini", &s,
				 &err)) {
		fuzz_expect(err && !strncmp(err, "band.ini", 8),
			    "a refused band.ini is named in the error");
		free(err);
		return 0;
	}
	fuzz_expect(!err, "a band.ini read has no error");
	/* Core Vol 6 Part B 1.3.2.1: a random static address. */
	fuzz_expect((s.address[0] & 0xc0) == 0xc0,
		    "the address read is a random static one");
	fuzz_expect(serial_ok(s.serial), "the serial is 12 hex digits");
	text = mb_band_state_format(&s);
	fuzz_expect(mb_band_state_parse(text, strlen(text), "band.ini", &back,
					&err),
		    "band.ini as written reads back");
	fuzz_expect(!memcmp(s.address, back.address, 6) &&
			    !strcmp(s.serial, back.serial) &&
			    s.bound == back.bound &&
			    (!s.bound || !memcmp(s.key, back.key, 16)),
		    "band.ini reads back as written");
	again = mb_band_state_format(&back);
	fuzz_expect(!strcmp(text, again), "band.ini is written the same");
	free(again);
	free(text);
	return 0;
}
