// SPDX-License-Identifier: GPL-2.0-or-later
/* Workouts in flash (workoutlog.h). */
#include "workoutlog.h"

#include <stdlib.h>
#include <string.h>

#include "flashring.h"
#include "util.h"

/* Record (flashring.h): marker, type, seq u32, body[8], crc16. */
#define RECORD_SIZE MB_RING_RECORD_SIZE

enum record_type {
	RECORD_START = 0x11,	/* start_s u32, kind, gps, tz */
	RECORD_POINT = 0x12,	/* offset u16, bpm, steps, distance_dm u16 */
	RECORD_POSITION = 0x13, /* lat i32, lon i32 */
	RECORD_END = 0x14,	/* end_s u32, cut */
	RECORD_ACK = 0x15,	/* id u32 */
};

/* Sector header (flashring.h): "MBWK", version 1. */
static const struct mb_ring_format format = { { 'M', 'B', 'W', 'K' }, 1 };
/* As in flashlog.c: a number above it was not written by the band. */
#define MAX_SEQ MB_RING_MAX_SEQ

struct held {
	struct mb_workout w;
	/* The sectors its records are in: from the one of its start to the
	 * one of its last record, in the ring's order. */
	size_t first_sector, last_sector;
	bool finished;
};

struct mb_workoutlog {
	struct mb_flash *flash;
	uint32_t next_seq;
	struct mb_ring_cursor w; /* where records are written */
	uint32_t acked;
	size_t ack_sector; /* holds the cursor's record, when acked */
	/* Oldest first; the running one, if any, last. */
	struct held *held;
	size_t n_held, held_cap;
};

size_t mb_workoutlog_size_for_kb(unsigned int kb)
{
	size_t sectors = ((size_t)kb * 1024 + MB_FLASH_SECTOR_SIZE - 1) /
			 MB_FLASH_SECTOR_SIZE;

	return (sectors < 2 ? 2 : sectors) * MB_FLASH_SECTOR_SIZE;
}

/* ---- RAM copy --------------------------------------------------------------- */

static void held_free(struct held *h)
{
	free(h->w.points);
}

static void drop_held(struct mb_workoutlog *log, size_t i)
{
	held_free(&log->held[i]);
	memmove(log->held + i, log->held + i + 1,
		(log->n_held - i - 1) * sizeof(*log->held));
	log->n_held--;
}

static struct held *running(const struct mb_workoutlog *log)
{
	struct held *h = log->n_held ? &log->held[log->n_held - 1] : NULL;

	return h && !h->finished ? h : NULL;
}

static void ram_start(struct mb_workoutlog *log, uint32_t id,
		      const uint8_t *body, size_t sector)
{
	struct held *h;

	if (log->n_held == log->held_cap) {
		log->held_cap = log->held_cap ? log->held_cap * 2 : 4;
		log->held = mb_realloc_n(log->held, log->held_cap,
					 sizeof(*log->held));
	}
	h = &log->held[log->n_held++];
	*h = (struct held){
		.w = { .id = id,
		       .start_s = mb_get_le32(body),
		       .kind = body[4],
		       .gps = body[5] != 0,
		       .tz = (int8_t)body[6] },
		.first_sector = sector,
		.last_sector = sector,
	};
}

static void ram_point(struct mb_workoutlog *log,
		      const struct mb_workout_point *p, size_t sector)
{
	struct held *h = running(log);
	struct mb_workout *w;

	if (!h)
		return;
	h->last_sector = sector;
	w = &h->w;
	if (w->n_points == w->points_cap) {
		w->points_cap = w->points_cap ? w->points_cap * 2 : 64;
		w->points = mb_realloc_n(w->points, w->points_cap,
					 sizeof(*w->points));
	}
	w->points[w->n_points++] = *p;
}

static void ram_position(struct mb_workoutlog *log, int32_t lat, int32_t lon,
			 size_t sector)
{
	struct held *h = running(log);
	struct mb_workout_point *p;

	if (!h || !h->w.n_points)
		return;
	h->last_sector = sector;
	p = &h->w.points[h->w.n_points - 1];
	p->has_position = true;
	p->lat = lat;
	p->lon = lon;
}

static void ram_end(struct mb_workoutlog *log, uint32_t end_s, bool cut,
		    size_t sector)
{
	struct held *h = running(log);

	if (!h)
		return;
	h->last_sector = sector;
	h->w.end_s = end_s;
	h->w.cut = cut;
	h->finished = true;
}

/* Finished workouts up to the cursor are deleted. */
static void ram_ack(struct mb_workoutlog *log, uint32_t id)
{
	if (id > log->acked)
		log->acked = id;
	for (size_t i = 0; i < log->n_held;) {
		if (log->held[i].finished && log->held[i].w.id <= log->acked)
			drop_held(log, i);
		else
			i++;
	}
}

/* Sector s is in the ring's stretch from a to b. */
static bool in_stretch(size_t a, size_t b, size_t s)
{
	return a <= b ? a <= s && s <= b : s >= a || s <= b;
}

/* A workout with records in a sector about to be erased is gone whole:
 * a track without its start has no time base, and one without its end
 * or some of its seconds is not what the band recorded. */
static void ram_drop_sector(struct mb_workoutlog *log, size_t sector)
{
	for (size_t i = 0; i < log->n_held;) {
		const struct held *h = &log->held[i];

		if (in_stretch(h->first_sector, h->last_sector, sector))
			drop_held(log, i);
		else
			i++;
	}
}

/* The end of a workout the band went down in: its last second. */
static uint32_t last_second(const struct mb_workout *w)
{
	return w->start_s +
	       (w->n_points ? w->points[w->n_points - 1].offset_s + 1u : 0u);
}

/* ---- reading ----------------------------------------------------------------- */

/* A record (marker and CRC good, flashring.c) of a type the log writes,
 * with numbers the band gives (from 1). */
static bool record_valid(const uint8_t *rec)
{
	return rec[1] >= RECORD_START && rec[1] <= RECORD_ACK &&
	       mb_get_le32(rec + 2) && mb_get_le32(rec + 2) <= MAX_SEQ &&
	       (rec[1] != RECORD_ACK || mb_get_le32(rec + 6) <= MAX_SEQ);
}

static void replay(const uint8_t *rec, size_t sector, void *data)
{
	struct mb_workoutlog *log = data;
	const uint8_t *body = rec + 6;
	uint32_t seq = mb_get_le32(rec + 2);

	if (seq >= log->next_seq)
		log->next_seq = seq + 1;

	switch ((enum record_type)rec[1]) {
	case RECORD_START:
		/* A start after a start without its end: the band went
		 * down in the first workout and never wrote its end. */
		if (running(log))
			ram_end(log, last_second(&running(log)->w), true,
				running(log)->last_sector);
		ram_start(log, seq, body, sector);
		break;
	case RECORD_POINT:
		ram_point(log,
			  &(struct mb_workout_point){
				  .offset_s = mb_get_le16(body),
				  .bpm = body[2],
				  .steps = body[3],
				  .distance_dm = mb_get_le16(body + 4) },
			  sector);
		break;
	case RECORD_POSITION:
		ram_position(log, (int32_t)mb_get_le32(body),
			     (int32_t)mb_get_le32(body + 4), sector);
		break;
	case RECORD_END:
		ram_end(log, mb_get_le32(body), body[4] != 0, sector);
		break;
	case RECORD_ACK:
		if (mb_get_le32(body) >= log->acked) {
			log->acked = mb_get_le32(body);
			log->ack_sector = sector;
		}
		break;
	}
}

/* ---- writing ----------------------------------------------------------------- */

static void program_record(struct mb_workoutlog *log, uint8_t type,
			   const uint8_t body[8])
{
	uint8_t rec[RECORD_SIZE];

	rec[1] = type;
	mb_put_le32(rec + 2, log->next_seq++);
	memcpy(rec + 6, body, 8);
	mb_ring_write(log->flash, &log->w, rec);
}

static void ack_body(uint8_t body[8], uint32_t id)
{
	memset(body, 0xff, 8);
	mb_put_le32(body, id);
}

/* The ring opened sector: what it held is gone. */
static void sector_opened(struct mb_workoutlog *log, size_t sector)
{
	uint8_t body[8];

	ram_drop_sector(log, sector);
	/* The cursor's record was in the sector just erased: it opens the
	 * new one, or a restart would bring the deleted back. */
	if (log->acked && log->ack_sector == sector) {
		ack_body(body, log->acked);
		program_record(log, RECORD_ACK, body);
	}
}

static void write_record(struct mb_workoutlog *log, uint8_t type,
			 const uint8_t body[8])
{
	size_t opened = mb_ring_make_room(log->flash, &format, &log->w);

	if (opened != MB_RING_NO_SECTOR)
		sector_opened(log, opened);
	program_record(log, type, body);
}

static void write_end(struct mb_workoutlog *log, uint32_t end_s, bool cut)
{
	uint8_t body[8];

	memset(body, 0xff, sizeof(body));
	mb_put_le32(body, end_s);
	body[4] = cut;
	write_record(log, RECORD_END, body);
	ram_end(log, end_s, cut, log->w.sector);
}

/* ---- the log ------------------------------------------------------------------ */

struct mb_workoutlog *mb_workoutlog_open(struct mb_flash *flash,
					 unsigned int *torn)
{
	struct mb_workoutlog *log = mb_malloc0(sizeof(*log));
	const struct mb_ring_reader reader = { &format, record_valid, replay,
					       log };
	struct mb_ring_at at;
	struct held *h;

	log->flash = flash;
	log->next_seq = 1;
	mb_ring_load(flash, &reader, &at);
	log->w = at.cur;
	/* Recovered: a workout the band went down in ends at its last
	 * second, and says so (cut); what the cursor deleted goes.  Nothing
	 * is written: a record here could cost the oldest sector, and every
	 * open comes to the same conclusion from the same bytes.  A cursor
	 * past every number (a foreign image's) must not take the workouts
	 * to come. */
	h = running(log);
	if (h)
		ram_end(log, last_second(&h->w), true, h->last_sector);
	if (log->acked >= log->next_seq)
		log->next_seq = log->acked + 1;
	ram_ack(log, log->acked);
	if (torn)
		*torn = at.torn;
	return log;
}

void mb_workoutlog_free(struct mb_workoutlog *log)
{
	if (!log)
		return;
	for (size_t i = 0; i < log->n_held; i++)
		held_free(&log->held[i]);
	free(log->held);
	free(log);
}

void mb_workoutlog_clear(struct mb_workoutlog *log)
{
	/* Only what is written: an erased sector the file does not hold
	 * yet stays out of it (state/flashfile.c). */
	for (size_t i = 0; i < mb_flash_n_sectors(log->flash); i++)
		if (!mb_flash_is_erased(log->flash, i * MB_FLASH_SECTOR_SIZE,
					MB_FLASH_SECTOR_SIZE))
			mb_flash_erase(log->flash, i);
	for (size_t i = 0; i < log->n_held; i++)
		held_free(&log->held[i]);
	log->n_held = 0;
	log->next_seq = 1;
	log->w = (struct mb_ring_cursor){ 0 };
	log->acked = 0;
	log->ack_sector = 0;
}

/* A counter run up to MAX_SEQ (a foreign image's): start afresh.  True
 * if it did. */
static bool renew_if_spent(struct mb_workoutlog *log)
{
	if (log->next_seq < MAX_SEQ - 1 && log->w.seq < MAX_SEQ - 1)
		return false;
	mb_workoutlog_clear(log);
	return true;
}

uint32_t mb_workoutlog_begin(struct mb_workoutlog *log, uint8_t kind, bool gps,
			     uint32_t start_s, int8_t tz)
{
	struct held *h = running(log);
	uint8_t body[8];
	uint32_t id;

	if (h)
		write_end(log, last_second(&h->w), true);
	renew_if_spent(log);
	memset(body, 0xff, sizeof(body));
	mb_put_le32(body, start_s);
	body[4] = kind;
	body[5] = gps;
	body[6] = (uint8_t)tz;
	/* The record's number is the workout's id: the sector may change
	 * on the way, so the number is taken after the write. */
	write_record(log, RECORD_START, body);
	id = log->next_seq - 1;
	ram_start(log, id, body, log->w.sector);
	return id;
}

void mb_workoutlog_point(struct mb_workoutlog *log,
			 const struct mb_workout_point *p)
{
	uint8_t body[8];

	if (!running(log))
		return;
	memset(body, 0xff, sizeof(body));
	mb_put_le16(body, p->offset_s);
	body[2] = p->bpm;
	body[3] = p->steps;
	mb_put_le16(body + 4, p->distance_dm);
	write_record(log, RECORD_POINT, body);
	/* Writing may have erased the sector the workout started in. */
	if (!running(log))
		return;
	ram_point(log,
		  &(struct mb_workout_point){ .offset_s = p->offset_s,
					      .bpm = p->bpm,
					      .steps = p->steps,
					      .distance_dm = p->distance_dm },
		  log->w.sector);
}

void mb_workoutlog_position(struct mb_workoutlog *log, int32_t lat, int32_t lon)
{
	uint8_t body[8];
	struct held *h = running(log);

	if (!h || !h->w.n_points)
		return;
	mb_put_le32(body, (uint32_t)lat);
	mb_put_le32(body + 4, (uint32_t)lon);
	write_record(log, RECORD_POSITION, body);
	ram_position(log, lat, lon, log->w.sector);
}

void mb_workoutlog_end(struct mb_workoutlog *log, uint32_t end_s)
{
	if (running(log))
		write_end(log, end_s, false);
}

const struct mb_workout *mb_workoutlog_running(const struct mb_workoutlog *log)
{
	struct held *h = running(log);

	return h ? &h->w : NULL;
}

void mb_workoutlog_ack(struct mb_workoutlog *log, uint32_t id)
{
	uint8_t body[8];

	/* Renewed: what id named is gone already. */
	if (id <= log->acked || renew_if_spent(log))
		return;
	ack_body(body, id);
	write_record(log, RECORD_ACK, body);
	log->ack_sector = log->w.sector;
	ram_ack(log, id);
}

uint32_t mb_workoutlog_acked(const struct mb_workoutlog *log)
{
	return log->acked;
}

size_t mb_workoutlog_count(const struct mb_workoutlog *log)
{
	return log->n_held - (running(log) ? 1 : 0);
}

const struct mb_workout *mb_workoutlog_at(const struct mb_workoutlog *log,
					  size_t i)
{
	return i < mb_workoutlog_count(log) ? &log->held[i].w : NULL;
}
