// SPDX-License-Identifier: GPL-2.0-or-later
/* A ring of sectors on the flash chip (flashring.h). */
#include "flashring.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static size_t slot_offset(size_t sector, size_t slot)
{
	return sector * MB_FLASH_SECTOR_SIZE + MB_RING_HEADER_SIZE +
	       slot * MB_RING_RECORD_SIZE;
}

static bool header_valid(const struct mb_ring_format *fmt, const uint8_t *h,
			 uint32_t *seq)
{
	if (memcmp(h, fmt->magic, 4) || mb_get_le16(h + 8) != fmt->version ||
	    mb_get_le16(h + 14) != mb_crc16(h, 14))
		return false;
	*seq = mb_get_le32(h + 4);
	return *seq <= MB_RING_MAX_SEQ;
}

/* 1 for a record (marker and CRC good), 0 for an erased slot, -1 for a
 * torn or foreign one. */
static int read_slot(const struct mb_flash *flash, size_t sector, size_t slot,
		     uint8_t rec[MB_RING_RECORD_SIZE])
{
	size_t off = slot_offset(sector, slot);

	mb_flash_read(flash, off, rec, MB_RING_RECORD_SIZE);
	if (mb_flash_is_erased(flash, off, MB_RING_RECORD_SIZE))
		return 0;
	if (rec[0] != MB_RING_MARKER ||
	    mb_get_le16(rec + 14) != mb_crc16(rec + 1, 13))
		return -1;
	return 1;
}

/* The records of one sector; the slot after the last one touched. */
static size_t load_sector(const struct mb_flash *flash,
			  const struct mb_ring_reader *r, size_t sector,
			  unsigned int *torn)
{
	uint8_t rec[MB_RING_RECORD_SIZE];
	size_t used = 0;

	for (size_t slot = 0; slot < MB_RING_RECORDS_PER_SECTOR; slot++) {
		int got = read_slot(flash, sector, slot, rec);

		if (got == 0)
			continue;
		used = slot + 1;
		if (got < 0 || !r->valid(rec)) {
			(*torn)++;
			continue;
		}
		r->take(rec, sector, r->data);
	}
	return used;
}

void mb_ring_load(const struct mb_flash *flash, const struct mb_ring_reader *r,
		  struct mb_ring_at *at)
{
	size_t n = mb_flash_n_sectors(flash), oldest = 0, newest = 0;
	uint32_t *seqs = mb_malloc0(n * sizeof(*seqs));
	bool *valid = mb_malloc0(n * sizeof(*valid));
	size_t n_valid = 0;

	*at = (struct mb_ring_at){ 0 };
	for (size_t i = 0; i < n; i++) {
		uint8_t h[MB_RING_HEADER_SIZE];

		mb_flash_read(flash, i * MB_FLASH_SECTOR_SIZE, h, sizeof(h));
		valid[i] = header_valid(r->fmt, h, &seqs[i]);
		if (!valid[i])
			continue;
		if (!n_valid || seqs[i] < seqs[oldest])
			oldest = i;
		if (!n_valid || seqs[i] > seqs[newest])
			newest = i;
		n_valid++;
	}
	/* Sectors are used in ring order, so the valid ones follow each
	 * other from the oldest to the newest. */
	for (size_t k = 0; n_valid && k < n; k++) {
		size_t i = (oldest + k) % n;
		size_t used = valid[i] ? load_sector(flash, r, i, &at->torn)
				       : 0;

		if (i == newest) {
			at->cur.sector = i;
			at->cur.slot = used;
			break;
		}
	}
	at->cur.any = n_valid > 0;
	at->cur.seq = n_valid ? seqs[newest] : 0;
	free(seqs);
	free(valid);
}

void mb_ring_start_sector(struct mb_flash *flash,
			  const struct mb_ring_format *fmt, size_t sector,
			  uint32_t seq)
{
	uint8_t h[MB_RING_HEADER_SIZE];

	mb_flash_erase(flash, sector);
	memcpy(h, fmt->magic, 4);
	mb_put_le32(h + 4, seq);
	mb_put_le16(h + 8, fmt->version);
	memset(h + 10, 0xff, 4);
	mb_put_le16(h + 14, mb_crc16(h, 14));
	mb_flash_program(flash, sector * MB_FLASH_SECTOR_SIZE, h, sizeof(h));
}

void mb_ring_program(struct mb_flash *flash, size_t sector, size_t slot,
		     uint8_t rec[MB_RING_RECORD_SIZE])
{
	size_t off = slot_offset(sector, slot);

	rec[0] = MB_RING_MARKER;
	mb_put_le16(rec + 14, mb_crc16(rec + 1, 13));
	mb_flash_program(flash, off + 1, rec + 1, MB_RING_RECORD_SIZE - 1);
	mb_flash_program(flash, off, rec, 1);
}

size_t mb_ring_make_room(struct mb_flash *flash,
			 const struct mb_ring_format *fmt,
			 struct mb_ring_cursor *c)
{
	size_t sector;

	if (c->any && c->slot < MB_RING_RECORDS_PER_SECTOR)
		return MB_RING_NO_SECTOR;
	sector = c->any ? (c->sector + 1) % mb_flash_n_sectors(flash) : 0;
	mb_ring_start_sector(flash, fmt, sector, ++c->seq);
	*c = (struct mb_ring_cursor){ sector, 0, c->seq, true };
	return sector;
}

void mb_ring_write(struct mb_flash *flash, struct mb_ring_cursor *c,
		   uint8_t rec[MB_RING_RECORD_SIZE])
{
	mb_ring_program(flash, c->sector, c->slot++, rec);
}
