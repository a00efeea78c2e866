// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: the activity log's recovery scan over arbitrary
 * flash (core/flashlog.c; docs/sync.md "The flash log"): what a power
 * cut, a worn chip or a stranger's flash.img leaves.  The input is
 *
 *   <chip> <flags> (<unit le16> <16 bytes>)...
 *
 * a chip of 2 to 5 erased sectors (chip bits 0 and 1) with 16-byte units
 * set: unit 0 of a sector is its header, units 1 to 255 its record slots.
 * Flags bit 0 gives every header with the magic its right CRC, bit 1
 * every record with the marker, so that the scan meets structure; bits 2
 * to 7 are samples appended after the open, and chip bit 2 asks for half
 * of what is held to be acknowledged then.  Opening twice gives the same
 * log; after that, a reopen recovers exactly the log the band had. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flash.h"
#include "flashlog.h"
#include "fuzz-chip.h"
#include "fuzz-expect.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_log(const struct mb_flashlog *a, const struct mb_flashlog *b)
{
	if (mb_flashlog_count(a) != mb_flashlog_count(b) ||
	    mb_flashlog_acked_seq(a) != mb_flashlog_acked_seq(b) ||
	    mb_flashlog_acked_minute(a) != mb_flashlog_acked_minute(b) ||
	    mb_flashlog_stored(a) != mb_flashlog_stored(b))
		return false;
	for (size_t i = 0; i < mb_flashlog_count(a); i++) {
		struct mb_flashlog_sample x = mb_flashlog_at(a, i),
					  y = mb_flashlog_at(b, i);

		if (x.seq != y.seq || x.minute != y.minute ||
		    memcmp(x.data, y.data, 4))
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t mem[FUZZ_CHIP_MAX_SECTORS * MB_FLASH_SECTOR_SIZE];
	struct mb_flashlog *log, *again;
	struct mb_flash flash;
	size_t sectors, appends;
	unsigned int torn;
	uint32_t minute = 0;

	sectors = fuzz_chip_fill(mem, data, size, "MBFL");
	if (!sectors)
		return 0;
	mb_flash_init(&flash, mem, sectors * MB_FLASH_SECTOR_SIZE);
	log = mb_flashlog_open(&flash, &torn);
	fuzz_expect(mb_flashlog_count(log) <=
			    sectors * MB_FLASHLOG_RECORDS_PER_SECTOR,
		    "the log holds at most a sample per slot");
	fuzz_expect(mb_flashlog_stored(log) <= mb_flashlog_count(log),
		    "the log stores at most what it holds");
	again = mb_flashlog_open(&flash, NULL);
	fuzz_expect(same_log(log, again), "opening twice gives the same log");
	mb_flashlog_free(again);
	if (mb_flashlog_count(log))
		minute = mb_flashlog_at(log, mb_flashlog_count(log) - 1).minute;
	appends = data[1] >> 2;
	for (size_t i = 0; i < appends; i++) {
		const uint8_t sample[4] = { 0x01, (uint8_t)i, 0x10, 0x50 };

		mb_flashlog_append(log, ++minute, sample);
	}
	if (data[0] & 4 && mb_flashlog_count(log))
		mb_flashlog_ack(
			log,
			mb_flashlog_at(log, mb_flashlog_count(log) / 2).seq);
	again = mb_flashlog_open(&flash, NULL);
	fuzz_expect(same_log(log, again),
		    "a reopen recovers the log the band had");
	mb_flashlog_free(again);
	mb_flashlog_free(log);
	return 0;
}
