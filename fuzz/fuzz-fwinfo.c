// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: firmware.ini as the state directory may hold it
 * (core/fwinfo.c; state/state.c reads the file and hands its text here).
 * It is read, or refused with a message naming the file, and the band
 * then runs its factory image; what is read names slot a or b, and is
 * written back and read again unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-expect.h"
#include "fwinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mb_firmware_info fi, back;
	char *err = NULL, *text, *again;

	if (!mb_firmware_info_parse((const char *)data, size,
				    MB_FIRMWARE_INFO_FILE, &fi, &err)) {
		fuzz_expect(err && !strncmp(err, MB_FIRMWARE_INFO_FILE,
					    strlen(MB_FIRMWARE_INFO_FILE)),
			    "a refused firmware.ini is named in the error");
		free(err);
		return 0;
	}
	fuzz_expect(!err, "a firmware.ini read has no error");
	fuzz_expect(fi.slot == 'a' || fi.slot == 'b', "the slot is a or b");
	text = mb_firmware_info_format(&fi);
	fuzz_expect(mb_firmware_info_parse(text, strlen(text),
					   MB_FIRMWARE_INFO_FILE, &back, &err),
		    "firmware.ini as written reads back");
	fuzz_expect(!memcmp(&fi, &back, sizeof(fi)),
		    "firmware.ini reads back as written");
	again = mb_firmware_info_format(&back);
	fuzz_expect(!strcmp(text, again), "firmware.ini is written the same");
	free(again);
	free(text);
	return 0;
}
