/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash.h"

/* A ring of sectors on the flash chip, as the band's logs keep one (the
 * activity log, flashlog.c; the workouts, workoutlog.c): a header opens
 * each sector, 16-byte records fill it, and the sector after the newest
 * is erased to go on.  What is the same for every log is here:
 *
 * - header: <magic 4> <sequence u32> <version u16> ff ff ff ff <crc16 of
 *   bytes 0..13>;
 * - record: 5a <type> <body 12> <crc16 of bytes 1..13>, its marker 5a
 *   programmed last, so that until it is the record does not exist and
 *   a write cut short by power loss never reads as data;
 * - sequence numbers above MB_RING_MAX_SEQ are not the band's (a foreign
 *   or corrupt flash.img): a log counting on from one would wrap. */
#define MB_RING_HEADER_SIZE 16
#define MB_RING_RECORD_SIZE 16
#define MB_RING_RECORDS_PER_SECTOR \
	((MB_FLASH_SECTOR_SIZE - MB_RING_HEADER_SIZE) / MB_RING_RECORD_SIZE)
#define MB_RING_MAX_SEQ 0x7fffffffu
#define MB_RING_MARKER 0x5a

/* A log's kind of sector. */
struct mb_ring_format {
	uint8_t magic[4];
	uint16_t version;
};

/* How a log reads its records: valid() says whether a record (marker
 * and CRC good) has a type and numbers the band writes, take() gets each
 * that has, with the sector it is in. */
struct mb_ring_reader {
	const struct mb_ring_format *fmt;
	bool (*valid)(const uint8_t *rec);
	void (*take)(const uint8_t *rec, size_t sector, void *data);
	void *data;
};

/* Where a log writes: the sector being written and its next slot, that
 * sector's sequence number, and whether the log has opened one yet. */
struct mb_ring_cursor {
	size_t sector, slot;
	uint32_t seq;
	bool any;
};

/* Where writing goes on after a load (the newest sector and the slot
 * after the last one touched there, torn or not: a torn slot cannot be
 * programmed again without an erase), and the torn records found. */
struct mb_ring_at {
	struct mb_ring_cursor cur;
	unsigned int torn;
};

/* Reads the ring: the sectors with a valid header in the order the ring
 * wrote them (from the oldest around to the newest), their records in
 * slot order. */
void mb_ring_load(const struct mb_flash *flash, const struct mb_ring_reader *r,
		  struct mb_ring_at *at);

/* Erases sector and opens it with a header numbered seq. */
void mb_ring_start_sector(struct mb_flash *flash,
			  const struct mb_ring_format *fmt, size_t sector,
			  uint32_t seq);

/* Writes rec (type and body set) to the slot: the marker and the CRC
 * are set here, the marker programmed last. */
void mb_ring_program(struct mb_flash *flash, size_t sector, size_t slot,
		     uint8_t rec[MB_RING_RECORD_SIZE]);

#define MB_RING_NO_SECTOR SIZE_MAX

/* Room for one record at the cursor: with no sector yet, or the one
 * being written full, the next round the ring (sector 0 first) is erased
 * and opened with the next sequence number.  The sector opened, whose
 * old records are gone, or MB_RING_NO_SECTOR when the record fits. */
size_t mb_ring_make_room(struct mb_flash *flash,
			 const struct mb_ring_format *fmt,
			 struct mb_ring_cursor *c);

/* mb_ring_program at the cursor, which moves on a slot. */
void mb_ring_write(struct mb_flash *flash, struct mb_ring_cursor *c,
		   uint8_t rec[MB_RING_RECORD_SIZE]);
