// SPDX-License-Identifier: GPL-2.0-or-later
#include "flashlog.h"

#include <stdlib.h>
#include <string.h>

#include "flashring.h"
#include "util.h"

/* Record (flashring.h): marker, type, seq u32, minute u32, payload[4],
 * crc16. */
#define RECORD_SAMPLE 0x01
#define RECORD_ACK 0x02
/* A factory reset away from an owner (docs/sync.md "The flash log"):
 * payload and timestamp hold the owner's address, 4 + 2 bytes. */
#define RECORD_RESET 0x03

/* Sector header (flashring.h): "MBFL", version 1. */
static const struct mb_ring_format format = { { 'M', 'B', 'F', 'L' }, 1 };

/* Sequence numbers, of sectors and of records, start at 1 and grow by one
 * per sector erased or record written: a chip wears out long before they
 * pass MAX_SEQ.  One above it was not written by the band (a foreign or
 * corrupt flash.img) and is read as a bad CRC: counting on from it would
 * wrap, and a restart would put the newest sector first. */
#define MAX_SEQ MB_RING_MAX_SEQ

/* A run of samples whose sequence numbers and minutes both go up by one
 * from sample to sample: how the band logs, a minute at a time, between
 * an ack or a jump of band time and the next.  first is the run's first
 * sample counted from the first the log ever held (log->dropped). */
struct run {
	uint64_t first;
	uint32_t seq, minute;
};

struct mb_flashlog {
	struct mb_flash *flash;
	uint32_t next_seq;
	uint32_t acked_seq;
	uint32_t acked_minute;
	struct mb_ring_cursor w; /* where records are written */
	size_t ack_sector;	 /* holds the ack cursor's record */
	/* The record with the highest sequence number: a reset record
	 * there is a reset that may not have finished. */
	uint32_t last_seq;
	uint8_t last_type;
	uint8_t last_owner[6];
	/* RAM copy of the samples in flash, oldest first: their 4 bytes in
	 * a ring that grows by doubling (a band that logged little holds
	 * little), up to cap, every record slot of the flash; their
	 * sequence numbers and minutes as runs; how many each sector holds,
	 * to forget a sector's as it is erased.  Four bytes a sample and a
	 * run a sync: a fortnight's log is 80 KB (docs/fleet.md). */
	uint8_t (*data)[4];
	size_t data_cap, cap, head, count;
	uint64_t dropped; /* samples forgotten since the log was opened */
	struct run *runs;
	size_t n_runs, runs_cap;
	uint32_t *per_sector;
};

size_t mb_flashlog_size_for_days(unsigned int days)
{
	size_t records = (size_t)days * 1440;
	size_t sectors = (records + MB_FLASHLOG_RECORDS_PER_SECTOR - 1) /
				 MB_FLASHLOG_RECORDS_PER_SECTOR +
			 1;

	return sectors * MB_FLASH_SECTOR_SIZE;
}

static void grow_data(struct mb_flashlog *log)
{
	size_t cap = log->data_cap ? log->data_cap * 2 : 64;
	uint8_t(*data)[4];

	if (cap > log->cap)
		cap = log->cap;
	data = mb_malloc0(cap * sizeof(*data));
	/* Unrolled from the ring's head, so the copy starts at 0. */
	for (size_t i = 0; i < log->count; i++)
		memcpy(data[i], log->data[(log->head + i) % log->data_cap], 4);
	free(log->data);
	log->data = data;
	log->data_cap = cap;
	log->head = 0;
}

static void ram_push(struct mb_flashlog *log,
		     const struct mb_flashlog_sample *s, size_t sector)
{
	const struct run *last = log->n_runs ? &log->runs[log->n_runs - 1]
					     : NULL;
	uint64_t index = log->dropped + log->count;

	if (log->count == log->cap) {
		/* Cannot happen: capacity is every slot of the flash. */
		abort();
	}
	if (log->count == log->data_cap)
		grow_data(log);
	memcpy(log->data[(log->head + log->count) % log->data_cap], s->data, 4);
	if (!log->count || !last ||
	    s->seq != last->seq + (uint32_t)(index - last->first) ||
	    s->minute != last->minute + (uint32_t)(index - last->first)) {
		if (log->n_runs == log->runs_cap) {
			log->runs_cap = log->runs_cap ? log->runs_cap * 2 : 4;
			log->runs = mb_realloc_n(log->runs, log->runs_cap,
						 sizeof(*log->runs));
		}
		log->runs[log->n_runs++] =
			(struct run){ index, s->seq, s->minute };
	}
	log->count++;
	log->per_sector[sector]++;
}

/* Forgets the samples of a sector about to be erased: the oldest ones. */
static void ram_drop_sector(struct mb_flashlog *log, size_t sector)
{
	size_t n = log->per_sector[sector], keep = 0;

	if (n > log->count)
		n = log->count;
	log->per_sector[sector] = 0;
	if (!n)
		return;
	log->head = (log->head + n) % log->data_cap;
	log->count -= n;
	log->dropped += n;
	/* The runs that end before the oldest sample left go too. */
	while (keep + 1 < log->n_runs &&
	       log->runs[keep + 1].first <= log->dropped)
		keep++;
	if (!log->count)
		keep = log->n_runs;
	memmove(log->runs, log->runs + keep,
		(log->n_runs - keep) * sizeof(*log->runs));
	log->n_runs -= keep;
}

/* A record (marker and CRC good, flashring.c) of a type the log writes,
 * with numbers the band gives. */
static bool record_valid(const uint8_t *rec)
{
	return (rec[1] == RECORD_SAMPLE || rec[1] == RECORD_ACK ||
		rec[1] == RECORD_RESET) &&
	       mb_get_le32(rec + 2) <= MAX_SEQ &&
	       (rec[1] != RECORD_ACK || mb_get_le32(rec + 10) <= MAX_SEQ);
}

static void note_last(struct mb_flashlog *log, const uint8_t *rec)
{
	uint32_t seq = mb_get_le32(rec + 2);

	if (seq < log->last_seq)
		return;
	log->last_seq = seq;
	log->last_type = rec[1];
	memcpy(log->last_owner, rec + 10, 4);
	memcpy(log->last_owner + 4, rec + 6, 2);
}

static void take_record(const uint8_t *rec, size_t sector, void *data)
{
	struct mb_flashlog *log = data;
	uint32_t seq = mb_get_le32(rec + 2);

	if (seq >= log->next_seq)
		log->next_seq = seq + 1;
	note_last(log, rec);
	if (rec[1] == RECORD_RESET)
		return;
	if (rec[1] == RECORD_ACK) {
		uint32_t acked = mb_get_le32(rec + 10);

		if (acked >= log->acked_seq) {
			log->acked_seq = acked;
			log->acked_minute = mb_get_le32(rec + 6);
			log->ack_sector = sector;
		}
		return;
	}
	ram_push(log,
		 &(struct mb_flashlog_sample){
			 .seq = seq,
			 .minute = mb_get_le32(rec + 6),
			 .data = { rec[10], rec[11], rec[12], rec[13] } },
		 sector);
}

struct mb_flashlog *mb_flashlog_open(struct mb_flash *flash, unsigned int *torn)
{
	size_t n = mb_flash_n_sectors(flash);
	struct mb_flashlog *log = mb_malloc0(sizeof(*log));
	const struct mb_ring_reader reader = { &format, record_valid,
					       take_record, log };
	struct mb_ring_at at;

	log->flash = flash;
	log->cap = n * MB_FLASHLOG_RECORDS_PER_SECTOR;
	log->per_sector = mb_malloc0(n * sizeof(*log->per_sector));
	log->next_seq = 1;
	mb_ring_load(flash, &reader, &at);
	log->w = at.cur;
	if (torn)
		*torn = at.torn;
	return log;
}

void mb_flashlog_free(struct mb_flashlog *log)
{
	if (!log)
		return;
	free(log->data);
	free(log->runs);
	free(log->per_sector);
	free(log);
}

static void program_record(struct mb_flashlog *log, uint8_t type, uint32_t seq,
			   uint32_t minute, const uint8_t payload[4])
{
	uint8_t rec[MB_FLASHLOG_RECORD_SIZE];

	rec[1] = type;
	mb_put_le32(rec + 2, seq);
	mb_put_le32(rec + 6, minute);
	memcpy(rec + 10, payload, 4);
	note_last(log, rec);
	mb_ring_write(log->flash, &log->w, rec);
}

/* The ring opened sector: what it held is gone. */
static void sector_opened(struct mb_flashlog *log, size_t sector)
{
	uint8_t acked[4];

	ram_drop_sector(log, sector);
	/* The ack cursor's record was in the sector just erased: it opens
	 * the new one, or a restart would forget what was deleted. */
	if (log->acked_seq && log->ack_sector == sector) {
		mb_put_le32(acked, log->acked_seq);
		program_record(log, RECORD_ACK, log->next_seq++,
			       log->acked_minute, acked);
	}
}

static void write_record(struct mb_flashlog *log, uint8_t type, uint32_t seq,
			 uint32_t minute, const uint8_t payload[4])
{
	size_t opened = mb_ring_make_room(log->flash, &format, &log->w);

	if (opened != MB_RING_NO_SECTOR)
		sector_opened(log, opened);
	program_record(log, type, seq, minute, payload);
}

/* A counter at MAX_SEQ (a foreign flash.img's, never the band's own)
 * cannot go on: the log starts afresh, so that what a restart recovers is
 * what the band had.  True if it did. */
static bool renew_if_spent(struct mb_flashlog *log)
{
	/* A record may take two numbers: its own and the ack cursor's. */
	if (log->next_seq < MAX_SEQ && log->w.seq < MAX_SEQ)
		return false;
	mb_flashlog_clear(log);
	return true;
}

uint32_t mb_flashlog_append(struct mb_flashlog *log, uint32_t minute,
			    const uint8_t data[4])
{
	struct mb_flashlog_sample s = { .minute = minute };

	renew_if_spent(log);
	s.seq = log->next_seq++;
	memcpy(s.data, data, 4);
	write_record(log, RECORD_SAMPLE, s.seq, minute, data);
	ram_push(log, &s, log->w.sector);
	return s.seq;
}

void mb_flashlog_ack(struct mb_flashlog *log, uint32_t seq)
{
	uint8_t payload[4];
	uint32_t minute = 0;

	/* Renewed: what seq named is gone already. */
	if (seq <= log->acked_seq || renew_if_spent(log))
		return;
	for (size_t i = 0; i < log->count; i++) {
		struct mb_flashlog_sample s = mb_flashlog_at(log, i);

		if (s.seq <= seq)
			minute = s.minute;
	}
	mb_put_le32(payload, seq);
	write_record(log, RECORD_ACK, log->next_seq++, minute, payload);
	log->acked_seq = seq;
	log->acked_minute = minute;
	log->ack_sector = log->w.sector;
}

void mb_flashlog_clear(struct mb_flashlog *log)
{
	/* The sector being written last: it holds a reset record, which
	 * must outlive every other record (mb_flashlog_reset_unfinished()). */
	for (size_t i = 0; i < mb_flash_n_sectors(log->flash); i++)
		if (!log->w.any || i != log->w.sector)
			mb_flash_erase(log->flash, i);
	if (log->w.any)
		mb_flash_erase(log->flash, log->w.sector);
	log->dropped += log->count;
	log->head = log->count = 0;
	log->n_runs = 0;
	memset(log->per_sector, 0,
	       mb_flash_n_sectors(log->flash) * sizeof(*log->per_sector));
	log->next_seq = 1;
	log->acked_seq = log->acked_minute = 0;
	log->w = (struct mb_ring_cursor){ 0 };
	log->last_seq = 0;
	log->last_type = 0;
}

void mb_flashlog_mark_reset(struct mb_flashlog *log, const uint8_t owner[6])
{
	write_record(log, RECORD_RESET, log->next_seq++,
		     (uint32_t)owner[4] | (uint32_t)owner[5] << 8, owner);
}

bool mb_flashlog_reset_unfinished(const struct mb_flashlog *log,
				  const uint8_t owner[6])
{
	return log->last_type == RECORD_RESET &&
	       memcmp(log->last_owner, owner, 6) != 0;
}

size_t mb_flashlog_count(const struct mb_flashlog *log)
{
	return log->count;
}

struct mb_flashlog_sample mb_flashlog_at(const struct mb_flashlog *log,
					 size_t i)
{
	struct mb_flashlog_sample s = { 0 };
	uint64_t index = log->dropped + i;
	size_t lo = 0, hi = log->n_runs;
	const struct run *run;

	if (i >= log->count)
		return s;
	/* The last run that starts at or before the sample. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (log->runs[mid].first <= index)
			lo = mid;
		else
			hi = mid;
	}
	run = &log->runs[lo];
	s.seq = run->seq + (uint32_t)(index - run->first);
	s.minute = run->minute + (uint32_t)(index - run->first);
	memcpy(s.data, log->data[(log->head + i) % log->data_cap], 4);
	return s;
}

uint32_t mb_flashlog_acked_seq(const struct mb_flashlog *log)
{
	return log->acked_seq;
}

uint32_t mb_flashlog_last_seq(const struct mb_flashlog *log)
{
	return log->next_seq - 1;
}

uint32_t mb_flashlog_acked_minute(const struct mb_flashlog *log)
{
	return log->acked_minute;
}

size_t mb_flashlog_stored(const struct mb_flashlog *log)
{
	size_t n = 0;

	/* Samples are in seq order: count from the newest back. */
	for (size_t i = log->count; i > 0; i--) {
		if (mb_flashlog_at(log, i - 1).seq <= log->acked_seq)
			break;
		n++;
	}
	return n;
}
