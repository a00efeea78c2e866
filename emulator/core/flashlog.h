/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash.h"

/* The activity log in flash (docs/sync.md "The flash log"): per-minute
 * samples as CRC'd records in a ring of sectors, an ack cursor, and a
 * recovery scan at open.  A copy of what the flash holds is kept in RAM
 * for lookups; the flash is what survives. */
struct mb_flashlog;

struct mb_flashlog_sample {
	uint32_t seq;
	uint32_t minute; /* band local minutes since the epoch */
	uint8_t data[4];
};

#define MB_FLASHLOG_RECORD_SIZE 16
#define MB_FLASHLOG_HEADER_SIZE 16
#define MB_FLASHLOG_RECORDS_PER_SECTOR                      \
	((MB_FLASH_SECTOR_SIZE - MB_FLASHLOG_HEADER_SIZE) / \
	 MB_FLASHLOG_RECORD_SIZE)

/* Bytes of flash for days of samples: whole sectors plus a spare one, so
 * erasing the oldest sector never cuts into the days promised. */
size_t mb_flashlog_size_for_days(unsigned int days);

/* Opens the log on flash, recovering what is there.  *torn counts records
 * dropped as torn (0 or 1 after a power loss). */
struct mb_flashlog *mb_flashlog_open(struct mb_flash *flash,
				     unsigned int *torn);
void mb_flashlog_free(struct mb_flashlog *log);

/* Erases everything (factory reset); the sector written last goes
 * last. */
void mb_flashlog_clear(struct mb_flashlog *log);
/* A factory reset is about to store a new owner (band.ini): a reset
 * record naming the owner it leaves (6 address bytes).  The log is
 * cleared once the new owner is stored; if the band dies in between, the
 * record is the last one and the next start finishes the reset. */
void mb_flashlog_mark_reset(struct mb_flashlog *log, const uint8_t owner[6]);
/* The last record is a reset away from an owner other than owner (the
 * band's address now): the new owner was stored, the log was not yet
 * cleared. */
bool mb_flashlog_reset_unfinished(const struct mb_flashlog *log,
				  const uint8_t owner[6]);

uint32_t mb_flashlog_append(struct mb_flashlog *log, uint32_t minute,
			    const uint8_t data[4]);
/* Deletes every sample up to and including seq. */
void mb_flashlog_ack(struct mb_flashlog *log, uint32_t seq);

/* Samples held, oldest first, deleted ones included while in flash. */
size_t mb_flashlog_count(const struct mb_flashlog *log);
/* Sample i (all zero past the end). */
struct mb_flashlog_sample mb_flashlog_at(const struct mb_flashlog *log,
					 size_t i);
uint32_t mb_flashlog_acked_seq(const struct mb_flashlog *log);
/* The last sequence number given to a record (0: none since the log was
 * erased). */
uint32_t mb_flashlog_last_seq(const struct mb_flashlog *log);
uint32_t mb_flashlog_acked_minute(const struct mb_flashlog *log);
/* Samples held and not deleted. */
size_t mb_flashlog_stored(const struct mb_flashlog *log);
