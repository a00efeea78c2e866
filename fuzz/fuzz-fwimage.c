// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: the firmware image recognizer (core/fwimage.c,
 * protocol §7.2).  The input is <type> <file>.  A file is recognised or
 * not; its version is printable ASCII, ends in no space and fits any
 * buffer it is given; only the types of the 01 command are recognised;
 * firmware has its header; the CRC-32 is zlib's. */
#include <stdint.h>
#include <string.h>

#include "fuzz-expect.h"
#include "fwimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* zlib's CRC-32 bit by bit: what the table-driven one must agree with. */
static uint32_t crc32_bitwise(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
	}
	return crc ^ 0xffffffffu;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t header[16] = {
		0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x9c, 0xe3, 0x7d, 0x5c, 0x00, 0x04,
	};
	char version[24], small[9];
	const uint8_t *file = data + 1;
	size_t len = size ? size - 1 : 0, cut;
	uint8_t type;
	bool ok;

	if (!size)
		return 0;
	type = data[0];
	ok = mb_fw_identify(type, file, len, version, sizeof(version));
	fuzz_expect(memchr(version, '\0', sizeof(version)) &&
			    printable(version),
		    "a version is printable and ends in its buffer");
	fuzz_expect(ok || !version[0], "an unrecognised file has no version");
	/* firmware.ini strips its values (docs/fuzzing.md, BI-05). */
	fuzz_expect(!version[0] || version[strlen(version) - 1] != ' ',
		    "a version ends in no space, so firmware.ini keeps it");
	fuzz_expect(!ok || mb_fw_type_known(type),
		    "only the 01 command's types are recognised");
	fuzz_expect(!ok || type != MB_FW_TYPE_FIRMWARE ||
			    (len >= 32 && !memcmp(file + 16, header, 16)),
		    "recognised firmware has the Mi Band 4 header");
	/* A smaller buffer: the same answer, the version cut short. */
	cut = 1 + len % (sizeof(small) - 1);
	fuzz_expect(mb_fw_identify(type, file, len, small, cut) == ok &&
			    memchr(small, '\0', cut) &&
			    !strncmp(small, version, strlen(small)),
		    "a short buffer gets the same version, cut");
	fuzz_expect(mb_crc32(file, len) == crc32_bitwise(file, len),
		    "CRC-32 is zlib's");
	return 0;
}
