// SPDX-License-Identifier: GPL-2.0-or-later
/* The fetch ("sync") protocol on 00000004 / 00000005 (protocol §4.1;
 * bandsim's decisions in docs/sync.md).  Replies are notifications on
 * 00000004: 10 <command> <status> [payload]. */
#include <string.h>

#include "att.h"
#include "band-private.h"
#include "datetime.h"

#define FETCH_STATUS_SUCCESS MB_HUAMI_STATUS_SUCCESS
#define FETCH_STATUS_MALFORMED MB_HUAMI_STATUS_MALFORMED
#define FETCH_STATUS_REFUSED MB_HUAMI_STATUS_REFUSED

#define CMD_START 0x01
#define CMD_SEND 0x02
#define CMD_ACK 0x03

#define TYPE_ACTIVITY 0x01
#define TYPE_SPORTS_SUMMARY 0x05
#define TYPE_SPORTS_DETAILS 0x06

/* Packets sent per step of band life: the rest follow on the next step,
 * so the main loop sees PDUs (a new request, a hang-up) in between. */
#define PACKETS_PER_STEP 16

static void reply(struct mb_band *band, uint8_t command, uint8_t status,
		  const uint8_t *payload, size_t len)
{
	mb_huami_reply(band, MB_UUID_FETCH_CONTROL, command, status, payload, len);
}

static void emit_u32(struct mb_band *band, enum mb_event_id id, const char *key,
		     uint32_t value)
{
	struct mb_event ev;

	mb_event_init(&ev, id);
	mb_event_add_uint32(&ev, key, value);
	mb_band_emit(band, &ev);
}

static void abort_transfer(struct mb_band *band, const char *reason)
{
	struct mb_fetch *f = &band->fetch;

	if (f->state == MB_FETCH_STATE_W4_SEND || f->state == MB_FETCH_STATE_SENDING)
		mb_band_emit_simple(band, MB_EVENT_FETCH_ABORTED, "reason", reason);
	f->state = MB_FETCH_STATE_IDLE;
}

/* year u16, month, day, hour, minute, second, tz */
static void put_time(uint8_t out[8], uint32_t minute, uint8_t second, int8_t tz)
{
	struct mb_datetime dt;

	mb_datetime_from_epoch((int64_t)minute * 60 + second, &dt);
	mb_datetime_put(out, &dt);
	out[7] = (uint8_t)tz;
}

/* The samples a request gets: not deleted, from its minute on, and one
 * unbroken run of minutes, because the client times every sample from
 * the actual start (protocol §4.1 step 3). */
static uint32_t plan_run(struct mb_band *band, uint32_t since, size_t *first)
{
	const struct mb_flashlog *log = band->log;
	uint32_t acked = mb_flashlog_acked_seq(log), n = 0;
	size_t count = mb_flashlog_count(log), i;

	for (i = 0; i < count; i++) {
		const struct mb_flashlog_sample *s = mb_flashlog_at(log, i);

		if (s->seq > acked && s->minute >= since)
			break;
	}
	*first = i;
	for (; i < count; i++) {
		const struct mb_flashlog_sample *s = mb_flashlog_at(log, i);

		if (s->minute != mb_flashlog_at(log, *first)->minute + n)
			break;
		n++;
	}
	return n;
}

/* What the start reply calls the count: samples on the Mi Band 4
 * (protocol §13); packets or bytes where a profile says so. */
static uint32_t announced_count(const struct mb_band *band, uint32_t samples)
{
	uint32_t per = ((uint32_t)mb_att_mtu(band->att) - 4) / 4;

	switch (mb_profile_policy(band->profile)->fetch_count_unit) {
	case MB_FETCH_COUNT_UNIT_SAMPLES:
		return samples;
	case MB_FETCH_COUNT_UNIT_PACKETS:
		return (samples + per - 1) / per;
	case MB_FETCH_COUNT_UNIT_BYTES:
		return samples * 4;
	}
	return samples;
}

/* 01 <type> <year u16> <month> <day> <hour> <minute> [<second>] 00 <tz> */
static void cmd_start(struct mb_band *band, const uint8_t *v, size_t len)
{
	struct mb_fetch *f = &band->fetch;
	uint8_t payload[12], type = v[1];
	struct mb_datetime dt;
	int8_t tz = (int8_t)v[len - 1];
	uint32_t since, n = 0;
	size_t first = 0;

	mb_datetime_get(v + 2, &dt);
	dt.second = len == 11 ? v[7] : 0;
	if (!mb_datetime_valid(&dt) || dt.year < 1970) {
		reply(band, CMD_START, FETCH_STATUS_MALFORMED, NULL, 0);
		return;
	}
	abort_transfer(band, "new-request");
	if (type != TYPE_ACTIVITY && type != TYPE_SPORTS_SUMMARY &&
	    type != TYPE_SPORTS_DETAILS) {
		reply(band, CMD_START, FETCH_STATUS_REFUSED, NULL, 0);
		return;
	}
	/* A request inside a minute starts with the next whole one. */
	since = (uint32_t)(mb_datetime_to_epoch(&dt) / 60) + (dt.second ? 1 : 0);
	if (type == TYPE_ACTIVITY)
		n = plan_run(band, since, &first);
	if (n) {
		const struct mb_flashlog_sample *s = mb_flashlog_at(band->log, first);

		f->first_seq = s->seq;
		f->next_index = first;
		f->remaining = n;
		f->start_minute = s->minute;
		f->state = MB_FETCH_STATE_W4_SEND;
		put_time(payload + 4, s->minute, 0, band->tz);
	} else {
		/* Nothing: the requested time back, as asked. */
		put_time(payload + 4, since - (dt.second ? 1 : 0), dt.second, tz);
	}
	f->count = n;
	mb_put_le32(payload, announced_count(band, n));
	mb_band_battery_use(band, MB_DRAIN_RADIO, 1);
	reply(band, CMD_START, FETCH_STATUS_SUCCESS, payload, sizeof(payload));
	{
		struct mb_event ev;

		mb_event_init(&ev, MB_EVENT_FETCH_STARTED);
		mb_event_add_byte(&ev, "type", type);
		mb_event_add_uint32(&ev, "count", n);
		mb_band_emit(band, &ev);
	}
}

static void cmd_send(struct mb_band *band, const uint8_t *v, size_t len)
{
	struct mb_fetch *f = &band->fetch;

	if (f->state != MB_FETCH_STATE_W4_SEND) {
		reply(band, CMD_SEND, FETCH_STATUS_REFUSED, NULL, 0);
		return;
	}
	/* "Fails to sync when low": the band hangs up as the data starts. */
	if (mb_power_refuse_transfer(band)) {
		abort_transfer(band, "low-battery");
		return;
	}
	f->state = MB_FETCH_STATE_SENDING;
	f->counter = 0;
	f->sent = 0;
	f->next_packet_ms = mb_band_now_ms(band);
}

static void cmd_ack(struct mb_band *band, const uint8_t *v, size_t len)
{
	struct mb_fetch *f = &band->fetch;
	uint32_t before = (uint32_t)mb_flashlog_stored(band->log), deleted;

	/* Only what a completed transfer delivered, and everything before
	 * it: the log keeps one cursor (docs/sync.md). */
	if (f->completed_last_seq &&
	    mb_profile_policy(band->profile)->fetch_ack_deletes)
		mb_flashlog_ack(band->log, f->completed_last_seq);
	deleted = before - (uint32_t)mb_flashlog_stored(band->log);
	reply(band, CMD_ACK, FETCH_STATUS_SUCCESS, NULL, 0);
	emit_u32(band, MB_EVENT_FETCH_ACKED, "deleted", deleted);
}

/* One row per command; lengths are checked by mb_huami_dispatch(). */
static const struct mb_huami_cmd fetch_cmds[] = {
	{ CMD_START, 10, 11, cmd_start },
	{ CMD_SEND, 1, 1, cmd_send },
	{ CMD_ACK, 1, 1, cmd_ack },
};

uint8_t mb_fetch_write(struct mb_band *band, const struct mb_gatt_chr *chr,
		       const uint8_t *value, size_t len, bool command)
{
	mb_huami_dispatch(band, MB_UUID_FETCH_CONTROL, fetch_cmds,
			  MB_ARRAY_SIZE(fetch_cmds), value, len);
	return 0;
}

/* One notification: <counter> <samples>, as many as ATT_MTU allows. */
static void send_packet(struct mb_band *band)
{
	struct mb_fetch *f = &band->fetch;
	uint16_t mtu = mb_att_mtu(band->att);
	size_t per = ((size_t)mtu - 4) / 4, n = 0;
	uint8_t pdu[1 + 128 * 4];

	if (per > 128)
		per = 128;
	pdu[0] = f->counter++;
	while (n < per && f->remaining) {
		const struct mb_flashlog_sample *s = mb_flashlog_at(band->log, f->next_index);

		/* The log dropped it meanwhile (wrapped): the run ends. */
		if (!s || s->minute != f->start_minute + f->sent) {
			f->remaining = 0;
			break;
		}
		memcpy(pdu + 1 + n * 4, s->data, 4);
		f->last_seq = s->seq;
		f->next_index++;
		f->sent++;
		f->remaining--;
		n++;
	}
	if (n) {
		mb_band_notify_uuid(band, MB_UUID_ACTIVITY_DATA, pdu, 1 + n * 4);
		mb_band_battery_use(band, MB_DRAIN_RADIO, 1);
	}
}

/* A congested link waits (flow control); a silenced one stalls ("stuck
 * syncing"); one the band is hanging up gets nothing more. */
static bool link_held(const struct mb_band *band)
{
	return band->link_congested || band->link_silent || band->link_dropping;
}

void mb_fetch_run(struct mb_band *band, uint64_t now)
{
	struct mb_fetch *f = &band->fetch;

	for (int i = 0; i < PACKETS_PER_STEP && f->state == MB_FETCH_STATE_SENDING &&
			!link_held(band) && f->next_packet_ms <= now; i++) {
		if (f->remaining)
			send_packet(band);
		if (!f->remaining) {
			f->state = MB_FETCH_STATE_IDLE;
			f->completed_last_seq = f->last_seq;
			reply(band, CMD_SEND, FETCH_STATUS_SUCCESS, NULL, 0);
			emit_u32(band, MB_EVENT_FETCH_COMPLETED, "count", f->sent);
		}
	}
}

uint64_t mb_fetch_deadline(const struct mb_band *band)
{
	/* A congested link resumes the transfer when it drains. */
	return band->fetch.state == MB_FETCH_STATE_SENDING && !link_held(band)
		       ? band->fetch.next_packet_ms
		       : UINT64_MAX;
}

void mb_fetch_link_down(struct mb_band *band)
{
	abort_transfer(band, "disconnected");
	band->fetch.completed_last_seq = 0;
}
