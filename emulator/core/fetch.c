// SPDX-License-Identifier: GPL-2.0-or-later
/* The fetch ("sync") protocol on 00000004 / 00000005 (protocol §4.1;
 * bandsim's decisions in docs/sync.md).  Replies are notifications on
 * 00000004: 10 <command> <status> [payload]. */
#include "fetch.h"

#include <stdlib.h>
#include <string.h>

#include "band-link.h"
#include "datetime.h"
#include "flashlog.h"
#include "huami.h"
#include "power.h"
#include "rtc.h"
#include "services.h"
#include "workout-wire.h"
#include "workoutlog.h"

#define CMD_START 0x01
#define CMD_SEND 0x02
#define CMD_ACK 0x03

/* protocol §4.3; 02 (manual HR) and 07 (debug logs) are refused as any
 * other type (docs/workouts.md#other-types). */
#define TYPE_ACTIVITY 0x01
#define TYPE_SPORTS_SUMMARY 0x05
#define TYPE_SPORTS_DETAILS 0x06

/* Packets sent per step of band life: the rest follow on the next step,
 * so the main loop sees PDUs (a new request, a hang-up) in between. */
#define PACKETS_PER_STEP 16

/* A transfer on 00000005, named for what it waits for. */
enum fetch_state {
	FETCH_STATE_IDLE,
	FETCH_STATE_PREPARING, /* 01 taken, its reply not yet sent (paced) */
	FETCH_STATE_W4_SEND,   /* announced, waiting for 02 */
	FETCH_STATE_SENDING,
};

struct mb_fetch {
	const struct mb_services *svc;
	const struct mb_policy *policy;
	const struct mb_rtc *rtc;
	struct mb_power *power;
	const struct mb_link *link;
	struct mb_flashlog *log;
	struct mb_huami *cmds;
	enum fetch_state state;
	uint32_t count;
	uint32_t first_seq;
	uint32_t start_minute;
	size_t next_index; /* into the log */
	uint32_t remaining;
	uint32_t sent;
	uint32_t last_seq; /* last sample sent */
	uint8_t counter;
	uint64_t next_packet_ms;
	uint32_t completed_last_seq; /* of the last completed transfer */
	/* At a real band's pace the reply to 01 comes after the band's
	 * preparation (fetch-prepare-ms): what it will say, and when. */
	bool paced;
	uint64_t reply_at_ms;
	uint8_t start_reply[12];
	uint8_t start_type;
	bool end_here; /* mb_fetch_end_here() during this packet */
	/* A workout's summary (05) or track (06): bytes, not samples. */
	struct mb_workoutlog *workouts;
	uint8_t type;	/* of the transfer announced or running */
	uint8_t *bytes; /* what it sends */
	size_t n_bytes, bytes_off;
	uint32_t workout_id;
	/* What the last completed transfer delivered, for the ack. */
	uint8_t completed_type;
	uint32_t completed_workout;
};

static void reply(struct mb_fetch *f, uint8_t command, uint8_t status,
		  const uint8_t *payload, size_t len)
{
	mb_huami_reply(f->cmds, command, status, payload, len);
}

static void abort_transfer(struct mb_fetch *f, const char *reason)
{
	/* A request still being prepared was never announced. */
	if (f->state == FETCH_STATE_W4_SEND || f->state == FETCH_STATE_SENDING)
		mb_svc_emit_string(f->svc, MB_EVENT_FETCH_ABORTED, "reason",
				   reason);
	f->state = FETCH_STATE_IDLE;
}

/* year u16, month, day, hour, minute, second, tz */
static void put_time(uint8_t out[8], uint32_t minute, uint8_t second, int8_t tz)
{
	struct mb_datetime dt;

	mb_datetime_from_epoch((int64_t)minute * 60 + second, &dt);
	mb_datetime_put(out, &dt);
	out[7] = (uint8_t)tz;
}

/* A UTC time as the band's local time, and tz. */
static void put_utc_time(uint8_t out[8], uint32_t utc_s, int8_t tz)
{
	struct mb_datetime dt;

	mb_datetime_from_epoch((int64_t)utc_s + (int64_t)tz * 15 * 60, &dt);
	mb_datetime_put(out, &dt);
	out[7] = (uint8_t)tz;
}

/* The samples a request gets: not deleted, from its minute on, and one
 * unbroken run of minutes, because the client times every sample from
 * the actual start (protocol §4.1 step 3). */
static uint32_t plan_run(const struct mb_fetch *f, uint32_t since,
			 size_t *first)
{
	uint32_t acked = mb_flashlog_acked_seq(f->log), n = 0, start;
	size_t count = mb_flashlog_count(f->log), i;

	for (i = 0; i < count; i++) {
		struct mb_flashlog_sample s = mb_flashlog_at(f->log, i);

		if (s.seq > acked && s.minute >= since)
			break;
	}
	*first = i;
	start = mb_flashlog_at(f->log, *first).minute;
	for (; i < count; i++) {
		if (mb_flashlog_at(f->log, i).minute != start + n)
			break;
		n++;
	}
	return n;
}

/* What the start reply calls the count: samples on the Mi Band 4
 * (protocol §13); packets or bytes where a profile says so. */
static uint32_t announced_count(const struct mb_fetch *f, uint32_t samples)
{
	uint32_t per = (uint32_t)(mb_link_notify_max(f->link) - 1) / 4;

	switch (f->policy->fetch_count_unit) {
	case MB_FETCH_COUNT_UNIT_SAMPLES:
		return samples;
	case MB_FETCH_COUNT_UNIT_PACKETS:
		return (samples + per - 1) / per;
	case MB_FETCH_COUNT_UNIT_BYTES:
		return samples * 4;
	}
	return samples;
}

/* 10 01 01 <count> <start>: the transfer is announced (or nothing is). */
static void answer_start(struct mb_fetch *f)
{
	struct mb_event ev;

	f->state = f->count ? FETCH_STATE_W4_SEND : FETCH_STATE_IDLE;
	reply(f, CMD_START, MB_HUAMI_STATUS_SUCCESS, f->start_reply,
	      sizeof(f->start_reply));
	mb_event_init(&ev, MB_EVENT_FETCH_STARTED);
	mb_event_add_byte(&ev, "type", f->start_type);
	mb_event_add_uint32(&ev, "count", f->count);
	mb_svc_emit(f->svc, &ev);
}

/* The start reply is due: now, or after the band's preparation. */
static void announce(struct mb_fetch *f, uint8_t type,
		     const uint8_t payload[12])
{
	mb_power_use(f->power, MB_DRAIN_RADIO, 1);
	f->start_type = type;
	memcpy(f->start_reply, payload, 12);
	if (f->paced && f->policy->fetch_prepare_ms) {
		f->state = FETCH_STATE_PREPARING;
		f->reply_at_ms =
			mb_svc_now(f->svc) + f->policy->fetch_prepare_ms;
		return;
	}
	answer_start(f);
}

/* The first workout not deleted that started at or after the request:
 * its summary (05, one a round, protocol §4.3), or its track (06, asked
 * for with the summary's start).  The count is the bytes to come
 * (docs/workouts.md#fetch). */
static void start_workout(struct mb_fetch *f, const struct mb_datetime *dt,
			  int8_t tz)
{
	const struct mb_workout *w = NULL;
	uint8_t payload[12];
	int64_t since = mb_datetime_to_epoch(dt) - (int64_t)tz * 15 * 60;

	for (size_t i = 0; i < mb_workoutlog_count(f->workouts); i++) {
		const struct mb_workout *at = mb_workoutlog_at(f->workouts, i);

		if ((int64_t)at->start_s >= since) {
			w = at;
			break;
		}
	}
	free(f->bytes);
	f->bytes = NULL;
	f->n_bytes = f->bytes_off = 0;
	f->workout_id = 0;
	if (w) {
		f->bytes = f->type == TYPE_SPORTS_SUMMARY
				   ? mb_workout_summary_encode(w, &f->n_bytes)
				   : mb_workout_track_encode(
					     w, f->policy->workout_track_steps,
					     &f->n_bytes);
		f->workout_id = w->id;
		put_utc_time(payload + 4, w->start_s, w->tz);
	} else {
		put_utc_time(payload + 4, (uint32_t)since, tz);
	}
	f->count = (uint32_t)f->n_bytes;
	/* A workout without a second has an empty track: its count 0 is
	 * all of it, and the ack that follows deletes it, or the next
	 * round would bring its summary again. */
	if (w && f->type == TYPE_SPORTS_DETAILS && !f->count) {
		f->completed_type = TYPE_SPORTS_DETAILS;
		f->completed_workout = w->id;
	}
	mb_put_le32(payload, f->count);
	announce(f, f->type, payload);
}

/* 01 <type> <year u16> <month> <day> <hour> <minute> [<second>] 00 <tz> */
static void cmd_start(void *part, const uint8_t *v, size_t len)
{
	struct mb_fetch *f = part;
	uint8_t payload[12], type = v[1];
	struct mb_datetime dt;
	int8_t tz = (int8_t)v[len - 1];
	uint32_t since, n = 0;
	size_t first = 0;

	/* The 10-byte form has no second: its byte 8 is the 00 before tz. */
	mb_datetime_get(v + 2, &dt);
	if (len == 10)
		dt.second = 0;
	if (!mb_datetime_valid(&dt) || dt.year < 1970) {
		mb_huami_malformed(f->cmds, CMD_START);
		return;
	}
	/* Refused before anything is dropped: a request the band cannot
	 * serve leaves an announced transfer as it was. */
	if (type != TYPE_ACTIVITY && type != TYPE_SPORTS_SUMMARY &&
	    type != TYPE_SPORTS_DETAILS) {
		reply(f, CMD_START, MB_HUAMI_STATUS_REFUSED, NULL, 0);
		return;
	}
	abort_transfer(f, "new-request");
	f->type = type;
	if (type != TYPE_ACTIVITY) {
		start_workout(f, &dt, tz);
		return;
	}
	/* A request inside a minute starts with the next whole one. */
	since = (uint32_t)(mb_datetime_to_epoch(&dt) / 60) +
		(dt.second ? 1 : 0);
	n = plan_run(f, since, &first);
	if (n) {
		struct mb_flashlog_sample s = mb_flashlog_at(f->log, first);

		f->first_seq = s.seq;
		f->next_index = first;
		f->remaining = n;
		f->start_minute = s.minute;
		put_time(payload + 4, s.minute, 0, mb_rtc_tz(f->rtc));
	} else {
		/* Nothing: the requested time back, as asked. */
		put_time(payload + 4, since - (dt.second ? 1 : 0), dt.second,
			 tz);
	}
	f->count = n;
	mb_put_le32(payload, announced_count(f, n));
	announce(f, type, payload);
}

static void cmd_send(void *part, const uint8_t *v, size_t len)
{
	struct mb_fetch *f = part;

	if (f->state != FETCH_STATE_W4_SEND) {
		reply(f, CMD_SEND, MB_HUAMI_STATUS_REFUSED, NULL, 0);
		return;
	}
	/* "Fails to sync when low": the band hangs up as the data starts. */
	if (mb_power_refuse_transfer(f->power)) {
		abort_transfer(f, "low-battery");
		return;
	}
	f->state = FETCH_STATE_SENDING;
	f->counter = 0;
	f->sent = 0;
	f->bytes_off = 0;
	f->remaining = f->type == TYPE_ACTIVITY ? f->count : f->n_bytes > 0;
	f->next_packet_ms = mb_svc_now(f->svc);
}

static void cmd_ack(void *part, const uint8_t *v, size_t len)
{
	struct mb_fetch *f = part;
	uint32_t before = (uint32_t)mb_flashlog_stored(f->log), deleted;

	/* Only what a completed transfer delivered, and everything before
	 * it: the log keeps one cursor (docs/sync.md). */
	if (f->completed_type == TYPE_ACTIVITY && f->completed_last_seq &&
	    f->policy->fetch_ack_deletes)
		mb_flashlog_ack(f->log, f->completed_last_seq);
	deleted = before - (uint32_t)mb_flashlog_stored(f->log);
	/* A workout goes once its track was delivered: the summary alone
	 * leaves it for the 06 that follows (docs/workouts.md#fetch). */
	if (f->completed_type == TYPE_SPORTS_DETAILS && f->completed_workout &&
	    f->policy->fetch_ack_deletes) {
		size_t held = mb_workoutlog_count(f->workouts);

		mb_workoutlog_ack(f->workouts, f->completed_workout);
		deleted = (uint32_t)(held - mb_workoutlog_count(f->workouts));
	}
	reply(f, CMD_ACK, MB_HUAMI_STATUS_SUCCESS, NULL, 0);
	mb_svc_emit_u32(f->svc, MB_EVENT_FETCH_ACKED, "deleted", deleted);
}

/* One row per command; lengths are checked by mb_huami_write(). */
static const struct mb_huami_cmd fetch_cmds[] = {
	{ CMD_START, 10, 11, cmd_start },
	{ CMD_SEND, 1, 1, cmd_send },
	{ CMD_ACK, 1, 1, cmd_ack },
};

struct mb_fetch *mb_fetch_new(const struct mb_services *svc,
			      const struct mb_policy *policy,
			      const struct mb_rtc *rtc, struct mb_power *power,
			      const struct mb_link *link)
{
	return MB_NEW(struct mb_fetch, .svc = svc, .policy = policy, .rtc = rtc,
		      .power = power, .link = link,
		      .cmds = mb_huami_new(svc, MB_CHR_FETCH_CONTROL,
					   fetch_cmds,
					   MB_ARRAY_SIZE(fetch_cmds)));
}

void mb_fetch_free(struct mb_fetch *fetch)
{
	if (!fetch)
		return;
	free(fetch->bytes);
	mb_huami_free(fetch->cmds);
	free(fetch);
}

void mb_fetch_set_log(struct mb_fetch *fetch, struct mb_flashlog *log,
		      struct mb_workoutlog *workouts)
{
	fetch->log = log;
	fetch->workouts = workouts;
	fetch->state = FETCH_STATE_IDLE;
	fetch->completed_type = 0;
}

/* <counter> <bytes of the summary or track>, as many as a notification
 * carries (protocol §4.3: the client joins the packets' bytes). */
static void send_bytes(struct mb_fetch *f, uint8_t *pdu)
{
	size_t n = mb_link_notify_max(f->link) - 1, off = f->bytes_off;

	if (n > f->n_bytes - f->bytes_off)
		n = f->n_bytes - f->bytes_off;
	memcpy(pdu + 1, f->bytes + f->bytes_off, n);
	f->bytes_off += n;
	f->sent = (uint32_t)f->bytes_off;
	f->remaining = f->bytes_off < f->n_bytes;
	mb_svc_notify(f->svc, MB_CHR_ACTIVITY_DATA, pdu, 1 + n);
	if (f->end_here) {
		f->end_here = false;
		f->bytes_off = off;
		f->remaining = 0;
		f->workout_id = 0; /* not all of it went: the ack keeps it */
		return;
	}
	mb_power_use(f->power, MB_DRAIN_RADIO, 1);
}

/* One notification: <counter> <samples>, as many as it carries. */
static void send_packet(struct mb_fetch *f)
{
	size_t per = (mb_link_notify_max(f->link) - 1) / 4, n = 0;
	uint8_t pdu[1 + 128 * 4];
	/* What a packet the fault plan ends the transfer at takes back. */
	size_t next_index = f->next_index;
	uint32_t sent = f->sent, last_seq = f->last_seq;

	if (per > 128)
		per = 128;
	pdu[0] = f->counter++;
	if (f->type != TYPE_ACTIVITY) {
		send_bytes(f, pdu);
		return;
	}
	while (n < per && f->remaining) {
		struct mb_flashlog_sample s =
			mb_flashlog_at(f->log, f->next_index);

		/* The log dropped it meanwhile (wrapped): the run ends. */
		if (f->next_index >= mb_flashlog_count(f->log) ||
		    s.minute != f->start_minute + f->sent) {
			f->remaining = 0;
			break;
		}
		memcpy(pdu + 1 + n * 4, s.data, 4);
		f->last_seq = s.seq;
		f->next_index++;
		f->sent++;
		f->remaining--;
		n++;
	}
	if (!n)
		return;
	mb_svc_notify(f->svc, MB_CHR_ACTIVITY_DATA, pdu, 1 + n * 4);
	if (f->end_here) {
		f->end_here = false;
		f->next_index = next_index;
		f->sent = sent;
		f->last_seq = last_seq;
		f->remaining = 0;
		return;
	}
	mb_power_use(f->power, MB_DRAIN_RADIO, 1);
}

void mb_fetch_set_paced(struct mb_fetch *fetch, bool paced)
{
	fetch->paced = paced;
}

void mb_fetch_run(struct mb_fetch *fetch, uint64_t now)
{
	if (fetch->state == FETCH_STATE_PREPARING && fetch->reply_at_ms <= now)
		answer_start(fetch);
	/* A congested link waits (flow control); a silenced one stalls
	 * ("stuck syncing"); one the band is hanging up gets nothing more. */
	for (int i = 0;
	     i < PACKETS_PER_STEP && fetch->state == FETCH_STATE_SENDING &&
	     !mb_link_held(fetch->link) && fetch->next_packet_ms <= now;
	     i++) {
		if (fetch->remaining)
			send_packet(fetch);
		if (!fetch->remaining) {
			fetch->state = FETCH_STATE_IDLE;
			fetch->completed_type = fetch->type;
			fetch->completed_last_seq = fetch->last_seq;
			fetch->completed_workout = fetch->workout_id;
			reply(fetch, CMD_SEND, MB_HUAMI_STATUS_SUCCESS, NULL,
			      0);
			mb_svc_emit_u32(fetch->svc, MB_EVENT_FETCH_COMPLETED,
					"count", fetch->sent);
		}
	}
}

uint64_t mb_fetch_deadline(const struct mb_fetch *fetch)
{
	if (fetch->state == FETCH_STATE_PREPARING)
		return fetch->reply_at_ms;
	/* A congested link resumes the transfer when it drains. */
	return fetch->state == FETCH_STATE_SENDING && !mb_link_held(fetch->link)
		       ? fetch->next_packet_ms
		       : UINT64_MAX;
}

uint8_t mb_fetch_type(const struct mb_fetch *fetch)
{
	return fetch->state == FETCH_STATE_IDLE ? 0 : fetch->type;
}

bool mb_fetch_busy(const struct mb_fetch *fetch)
{
	return fetch->state != FETCH_STATE_IDLE;
}

void mb_fetch_link_down(struct mb_fetch *fetch)
{
	abort_transfer(fetch, "disconnected");
	fetch->completed_last_seq = 0;
	fetch->completed_workout = 0;
}

void mb_fetch_skip_counter(struct mb_fetch *fetch)
{
	fetch->counter++;
}

void mb_fetch_end_here(struct mb_fetch *fetch)
{
	if (fetch->state == FETCH_STATE_SENDING)
		fetch->end_here = true;
}

MB_HUAMI_ROUTE_WRITE(write_control, struct mb_fetch, cmds)

const struct mb_chr_route mb_fetch_routes[] = {
	{ MB_CHR_FETCH_CONTROL, NULL, write_control },
};
const size_t mb_fetch_n_routes = MB_ARRAY_SIZE(mb_fetch_routes);
