// SPDX-License-Identifier: GPL-2.0-or-later
#include "flashlog.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Record: marker, type, seq u32, minute u32, payload[4], crc16 over bytes
 * 1..13.  The marker is programmed last: until it is, the record does not
 * exist, so a write cut short by power loss is never mistaken for data. */
#define RECORD_MARKER 0x5a
#define RECORD_SAMPLE 0x01
#define RECORD_ACK 0x02
/* A factory reset away from an owner (docs/sync.md "The flash log"):
 * payload and timestamp hold the owner's address, 4 + 2 bytes. */
#define RECORD_RESET 0x03

/* Sector header: "MBFL", sector sequence u32, version u16, 0xff x4, crc16. */
static const uint8_t sector_magic[4] = { 'M', 'B', 'F', 'L' };
#define LOG_VERSION 1

/* Sequence numbers, of sectors and of records, start at 1 and grow by one
 * per sector erased or record written: a chip wears out long before they
 * pass MAX_SEQ.  One above it was not written by the band (a foreign or
 * corrupt flash.img) and is read as a bad CRC: counting on from it would
 * wrap, and a restart would put the newest sector first. */
#define MAX_SEQ 0x7fffffffu

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
	size_t sector;	   /* being written */
	size_t slot;	   /* next free record slot in it */
	size_t ack_sector; /* holds the ack cursor's record */
	uint32_t sector_seq;
	bool have_sector;
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

static size_t slot_offset(size_t sector, size_t slot)
{
	return sector * MB_FLASH_SECTOR_SIZE + MB_FLASHLOG_HEADER_SIZE +
	       slot * MB_FLASHLOG_RECORD_SIZE;
}

static bool header_valid(const uint8_t *h, uint32_t *seq)
{
	if (memcmp(h, sector_magic, 4) || mb_get_le16(h + 8) != LOG_VERSION ||
	    mb_get_le16(h + 14) != mb_crc16(h, 14))
		return false;
	*seq = mb_get_le32(h + 4);
	return *seq <= MAX_SEQ;
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

/* Record slots hold a whole record or nothing, except one torn by power
 * loss; returns 1 for a record, 0 for an erased slot, -1 for a torn one. */
static int read_slot(const struct mb_flashlog *log, size_t sector, size_t slot,
		     uint8_t rec[MB_FLASHLOG_RECORD_SIZE])
{
	size_t off = slot_offset(sector, slot);

	mb_flash_read(log->flash, off, rec, MB_FLASHLOG_RECORD_SIZE);
	if (mb_flash_is_erased(log->flash, off, MB_FLASHLOG_RECORD_SIZE))
		return 0;
	if (rec[0] != RECORD_MARKER ||
	    mb_get_le16(rec + 14) != mb_crc16(rec + 1, 13) ||
	    (rec[1] != RECORD_SAMPLE && rec[1] != RECORD_ACK &&
	     rec[1] != RECORD_RESET) ||
	    mb_get_le32(rec + 2) > MAX_SEQ ||
	    (rec[1] == RECORD_ACK && mb_get_le32(rec + 10) > MAX_SEQ))
		return -1;
	return 1;
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

static void load_sector(struct mb_flashlog *log, size_t sector, bool newest,
			unsigned int *torn)
{
	uint8_t rec[MB_FLASHLOG_RECORD_SIZE];
	size_t used = 0;

	for (size_t slot = 0; slot < MB_FLASHLOG_RECORDS_PER_SECTOR; slot++) {
		int r = read_slot(log, sector, slot, rec);
		uint32_t seq;

		if (r == 0)
			continue;
		used = slot + 1;
		if (r < 0) {
			(*torn)++;
			continue;
		}
		seq = mb_get_le32(rec + 2);
		if (seq >= log->next_seq)
			log->next_seq = seq + 1;
		note_last(log, rec);
		if (rec[1] == RECORD_RESET)
			continue;
		if (rec[1] == RECORD_ACK) {
			uint32_t acked = mb_get_le32(rec + 10);

			if (acked >= log->acked_seq) {
				log->acked_seq = acked;
				log->acked_minute = mb_get_le32(rec + 6);
				log->ack_sector = sector;
			}
			continue;
		}
		ram_push(log,
			 &(struct mb_flashlog_sample){
				 .seq = seq,
				 .minute = mb_get_le32(rec + 6),
				 .data = { rec[10], rec[11], rec[12],
					   rec[13] } },
			 sector);
	}
	if (newest) {
		/* Writing goes on after the last slot touched, torn or not:
		 * a torn slot cannot be programmed again without an erase. */
		log->sector = sector;
		log->slot = used;
	}
}

struct mb_flashlog *mb_flashlog_open(struct mb_flash *flash, unsigned int *torn)
{
	size_t n = mb_flash_n_sectors(flash);
	size_t cap = n * MB_FLASHLOG_RECORDS_PER_SECTOR;
	struct mb_flashlog *log = mb_malloc0(sizeof(*log));
	uint32_t *seqs = mb_malloc0(n * sizeof(*seqs));
	bool *valid = mb_malloc0(n * sizeof(*valid));
	size_t oldest = 0, newest = 0, n_valid = 0;
	unsigned int dropped = 0;

	log->flash = flash;
	log->cap = cap;
	log->per_sector = mb_malloc0(n * sizeof(*log->per_sector));
	log->next_seq = 1;
	for (size_t i = 0; i < n; i++) {
		uint8_t h[MB_FLASHLOG_HEADER_SIZE];

		mb_flash_read(flash, i * MB_FLASH_SECTOR_SIZE, h, sizeof(h));
		valid[i] = header_valid(h, &seqs[i]);
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

		if (valid[i])
			load_sector(log, i, i == newest, &dropped);
		if (i == newest)
			break;
	}
	if (n_valid) {
		log->have_sector = true;
		log->sector_seq = seqs[newest];
	}
	free(seqs);
	free(valid);
	if (torn)
		*torn = dropped;
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
	size_t off;

	rec[0] = RECORD_MARKER;
	rec[1] = type;
	mb_put_le32(rec + 2, seq);
	mb_put_le32(rec + 6, minute);
	memcpy(rec + 10, payload, 4);
	mb_put_le16(rec + 14, mb_crc16(rec + 1, 13));
	note_last(log, rec);
	off = slot_offset(log->sector, log->slot++);
	mb_flash_program(log->flash, off + 1, rec + 1,
			 MB_FLASHLOG_RECORD_SIZE - 1);
	mb_flash_program(log->flash, off, rec, 1);
}

static void start_sector(struct mb_flashlog *log, size_t sector)
{
	uint8_t h[MB_FLASHLOG_HEADER_SIZE], acked[4];

	ram_drop_sector(log, sector);
	mb_flash_erase(log->flash, sector);
	memcpy(h, sector_magic, 4);
	mb_put_le32(h + 4, ++log->sector_seq);
	mb_put_le16(h + 8, LOG_VERSION);
	memset(h + 10, 0xff, 4);
	mb_put_le16(h + 14, mb_crc16(h, 14));
	mb_flash_program(log->flash, sector * MB_FLASH_SECTOR_SIZE, h,
			 sizeof(h));
	log->sector = sector;
	log->slot = 0;
	log->have_sector = true;
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
	if (!log->have_sector)
		start_sector(log, 0);
	else if (log->slot == MB_FLASHLOG_RECORDS_PER_SECTOR)
		start_sector(log, (log->sector + 1) %
					  mb_flash_n_sectors(log->flash));
	program_record(log, type, seq, minute, payload);
}

/* A counter at MAX_SEQ (a foreign flash.img's, never the band's own)
 * cannot go on: the log starts afresh, so that what a restart recovers is
 * what the band had.  True if it did. */
static bool renew_if_spent(struct mb_flashlog *log)
{
	/* A record may take two numbers: its own and the ack cursor's. */
	if (log->next_seq < MAX_SEQ && log->sector_seq < MAX_SEQ)
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
	ram_push(log, &s, log->sector);
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
	log->ack_sector = log->sector;
}

void mb_flashlog_clear(struct mb_flashlog *log)
{
	/* The sector being written last: it holds a reset record, which
	 * must outlive every other record (mb_flashlog_reset_unfinished()). */
	for (size_t i = 0; i < mb_flash_n_sectors(log->flash); i++)
		if (!log->have_sector || i != log->sector)
			mb_flash_erase(log->flash, i);
	if (log->have_sector)
		mb_flash_erase(log->flash, log->sector);
	log->dropped += log->count;
	log->head = log->count = 0;
	log->n_runs = 0;
	memset(log->per_sector, 0,
	       mb_flash_n_sectors(log->flash) * sizeof(*log->per_sector));
	log->next_seq = 1;
	log->acked_seq = log->acked_minute = 0;
	log->sector_seq = 0;
	log->have_sector = false;
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
