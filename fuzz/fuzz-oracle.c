// SPDX-License-Identifier: GPL-2.0-or-later
#include "fuzz-oracle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "att.h"
#include "chrs.h"
#include "datetime.h"
#include "fuzz-expect.h"
#include "fwimage.h"
#include "fwinfo.h"
#include "huami.h"
#include "util.h"

#define AUTH_SEND_KEY 0x01
#define AUTH_ANSWER 0x03
#define FETCH_START 0x01
#define FETCH_SEND 0x02
#define FETCH_TYPE_ACTIVITY 0x01

/* The transfer on 00000005 as a client following protocol §4.1 sees it. */
enum transfer {
	TRANSFER_IDLE,
	TRANSFER_ANNOUNCED, /* 10 01 01 with a count */
	TRANSFER_SENDING,   /* and 02 taken */
	TRANSFER_UNKNOWN,   /* a reply went unseen (notifications off) */
};

/* What a refused write must leave as it was. */
struct snapshot {
	enum mb_band_busy busy;
	bool authenticated;
	struct mb_band_state state;
	struct mb_firmware_info fw;
	size_t log_count;
	uint32_t acked;
	enum mb_power_state power;
	unsigned int level;
};

struct fuzz_oracle {
	const struct mb_band *band;
	uint16_t h_auth, h_fetch, h_data, h_fw, h_event;
	size_t fetch_index, data_index; /* of the characteristics */
	/* the write being judged */
	bool writing;
	bool command;
	uint16_t handle;
	int cmd; /* value[0], -1 for an empty value */
	unsigned int sent, responses;
	bool response_first, att_error, malformed, send_refused;
	bool fetch_request;   /* 01 01 ...: a request for activity */
	uint32_t req_minute;  /* the first minute it asks for */
	bool workout_request; /* 01 05 or 01 06: a workout's bytes */
	struct snapshot before;
	bool was_prompting;
	bool write_is_key; /* 01 <flag> <key> on 00000009 */
	uint8_t write_key[16];
	/* the key a tap would bind, the firmware 05 would boot */
	bool key_offered;
	uint8_t offered[16];
	char verified[24];
	/* the transfer */
	enum transfer transfer;
	uint32_t announced;
	uint32_t delivered;
	uint8_t counter;
	uint32_t head_seq; /* the log's oldest sample at the announcement */
	bool bytes;	   /* a workout's: count and packets in bytes */
	/* the Prepare or Execute Write being judged */
	bool requesting;
	uint8_t request[MB_ATT_MAX_VALUE_LEN + 8];
	size_t request_len;
	uint8_t response[MB_ATT_MAX_VALUE_LEN + 8];
	size_t response_len;
	unsigned int request_responses, shown;
	/* a call rings; the wearer answers it */
	bool ringing, answering;
};

static uint16_t value_handle(const struct mb_gatt_chr *chr)
{
	return chr ? chr->value_handle : 0;
}

struct fuzz_oracle *fuzz_oracle_new(const struct mb_band *band)
{
	const struct mb_gatt *gatt = mb_band_gatt(band);
	const struct mb_gatt_chr *fetch, *data;
	struct fuzz_oracle *o = mb_malloc0(sizeof(*o));

	fetch = mb_chr_resolve(gatt, MB_CHR_FETCH_CONTROL);
	data = mb_chr_resolve(gatt, MB_CHR_ACTIVITY_DATA);
	if (!fetch || !data)
		abort();
	o->fetch_index = fetch->index;
	o->data_index = data->index;
	o->h_auth = value_handle(mb_chr_resolve(gatt, MB_CHR_AUTH));
	o->h_fetch = value_handle(fetch);
	o->h_data = value_handle(data);
	o->h_fw = value_handle(mb_chr_resolve(gatt, MB_CHR_FW_CONTROL));
	o->h_event = value_handle(mb_chr_resolve(gatt, MB_CHR_DEVICE_EVENT));
	return o;
}

void fuzz_oracle_start(struct fuzz_oracle *o, const struct mb_band *band)
{
	o->band = band;
	o->writing = false;
	o->transfer = TRANSFER_IDLE;
	o->key_offered = false;
	o->verified[0] = '\0';
	o->requesting = o->ringing = o->answering = false;
}

void fuzz_oracle_free(struct fuzz_oracle *o)
{
	free(o);
}

static void take_snapshot(const struct mb_band *band, struct snapshot *s)
{
	const struct mb_flashlog *log = mb_band_log(band);

	memset(s, 0, sizeof(*s));
	s->busy = mb_band_busy(band);
	s->authenticated = mb_band_authenticated(band);
	s->state = *mb_band_state(band);
	s->fw = *mb_firmware_info(mb_band_firmware(band));
	s->log_count = mb_flashlog_count(log);
	s->acked = mb_flashlog_acked_seq(log);
	s->power = mb_power_state(mb_band_power(band));
	s->level = mb_power_level(mb_band_power(band));
}

static bool same_snapshot(const struct snapshot *a, const struct snapshot *b)
{
	return a->busy == b->busy && a->authenticated == b->authenticated &&
	       !memcmp(a->state.address, b->state.address, 6) &&
	       !strcmp(a->state.serial, b->state.serial) &&
	       a->state.bound == b->state.bound &&
	       !memcmp(a->state.key, b->state.key, 16) &&
	       !memcmp(&a->fw, &b->fw, sizeof(a->fw)) &&
	       a->log_count == b->log_count && a->acked == b->acked &&
	       a->power == b->power && a->level == b->level;
}

static uint32_t log_head_seq(const struct mb_band *band)
{
	/* 0 for an empty log. */
	return mb_flashlog_at(mb_band_log(band), 0).seq;
}

/* The first minute 01 01 <time> asks for (protocol §4.1): the minute of
 * its time, the next whole one when the seconds byte is not 0. */
static bool request_minute(const uint8_t *v, size_t len, uint32_t *minute)
{
	struct mb_datetime dt = {
		.year = mb_get_le16(v + 2),
		.month = v[4],
		.day = v[5],
		.hour = v[6],
		.minute = v[7],
		.second = len == 11 ? v[8] : 0,
	};
	int64_t s;

	if (!mb_datetime_valid(&dt) || dt.year < 1970)
		return false;
	s = mb_datetime_to_epoch(&dt);
	*minute = (uint32_t)((s + 59) / 60);
	return true;
}

/* Whether the log holds a sample not yet deleted in [from, to). */
static bool log_has(const struct mb_band *band, uint32_t from, uint32_t to)
{
	const struct mb_flashlog *log = mb_band_log(band);

	for (size_t i = 0; i < mb_flashlog_count(log); i++) {
		struct mb_flashlog_sample s = mb_flashlog_at(log, i);

		if (s.seq > mb_flashlog_acked_seq(log) && s.minute >= from &&
		    s.minute < to)
			return true;
	}
	return false;
}

static bool transfer_visible(const struct fuzz_oracle *o)
{
	const struct mb_att *att = mb_link_att(mb_band_link(o->band));
	const struct mb_gatt *gatt = mb_band_gatt(o->band);

	return att &&
	       mb_att_ccc(att, mb_gatt_chr(gatt, o->fetch_index)) &
		       MB_CCC_NOTIFY &&
	       mb_att_ccc(att, mb_gatt_chr(gatt, o->data_index)) &
		       MB_CCC_NOTIFY;
}

/* 10 01 01 <count u32> <year u16> <month> <day> <hour> <minute> <second>
 * <tz>: where the data begins, and how much there is. */
static void start_reply(struct fuzz_oracle *o, const uint8_t *v, size_t n)
{
	struct mb_datetime dt;
	uint32_t count, start;

	fuzz_expect(n == 15, "10 01 01 is 15 bytes (protocol §4.1)");
	count = mb_get_le32(v + 3);
	mb_datetime_get(v + 7, &dt);
	fuzz_expect(mb_datetime_valid(&dt), "10 01 01 carries a valid time");
	start = (uint32_t)(mb_datetime_to_epoch(&dt) / 60);
	if (o->writing && o->fetch_request) {
		/* The actual start is where data begins, never before the
		 * time asked for, and nothing is skipped in between. */
		fuzz_expect(!count || start >= o->req_minute,
			    "a transfer starts before the time asked for");
		fuzz_expect(!log_has(o->band, o->req_minute,
				     count ? start : UINT32_MAX),
			    "a transfer skips minutes the log holds");
	}
	/* A workout's summary or track counts bytes (docs/workouts.md). */
	o->bytes = o->writing && o->workout_request;
	o->transfer = count ? TRANSFER_ANNOUNCED : TRANSFER_IDLE;
	o->announced = count;
	o->head_seq = log_head_seq(o->band);
}

/* 10 02 01: the transfer is over. */
static void done_reply(struct fuzz_oracle *o)
{
	if (o->transfer == TRANSFER_UNKNOWN) {
		o->transfer = TRANSFER_IDLE;
		return;
	}
	fuzz_expect(o->transfer == TRANSFER_SENDING,
		    "10 02 01 without a transfer");
	/* Fewer only when the log dropped its oldest samples meanwhile. */
	fuzz_expect(o->delivered == o->announced ||
			    (!o->bytes && log_head_seq(o->band) != o->head_seq),
		    "a transfer delivers other than it announced");
	o->transfer = TRANSFER_IDLE;
}

static void fetch_reply(struct fuzz_oracle *o, const uint8_t *v, size_t n)
{
	if (v[1] == FETCH_START && v[2] == MB_HUAMI_STATUS_SUCCESS)
		start_reply(o, v, n);
	/* A refused 01 (a type the band does not have) leaves an announced
	 * transfer as it was: 02 still starts it (MB4-UT/SYNC/BI-05). */
	else if (v[1] == FETCH_SEND && v[2] == MB_HUAMI_STATUS_SUCCESS)
		done_reply(o);
	else if (v[1] == FETCH_SEND && v[2] == MB_HUAMI_STATUS_REFUSED)
		o->send_refused = true;
}

/* <counter> <bytes of a workout's summary or track> (§4.3). */
static void workout_packet(struct fuzz_oracle *o, const uint8_t *v, size_t n,
			   size_t mtu)
{
	fuzz_expect(n >= 2 && n - 1 <= mtu - 4,
		    "a workout packet holds what ATT_MTU allows");
	if (o->transfer == TRANSFER_UNKNOWN)
		return;
	fuzz_expect(o->transfer == TRANSFER_SENDING,
		    "workout data without a transfer");
	fuzz_expect(v[0] == o->counter, "the packet counter skips");
	o->counter++;
	o->delivered += (uint32_t)(n - 1);
	fuzz_expect(o->delivered <= o->announced,
		    "a transfer delivers more than it announced");
}

/* <counter> <4-byte samples>: protocol §4.1 step 5. */
static void data_packet(struct fuzz_oracle *o, const uint8_t *v, size_t n)
{
	size_t mtu = mb_link_mtu(mb_band_link(o->band));

	if (o->bytes) {
		workout_packet(o, v, n, mtu);
		return;
	}
	fuzz_expect(n >= 5 && (n - 1) % 4 == 0,
		    "an activity packet is a counter and whole samples");
	fuzz_expect(n - 1 <= (mtu - 4) / 4 * 4,
		    "an activity packet holds what ATT_MTU allows");
	if (o->transfer == TRANSFER_UNKNOWN)
		return;
	fuzz_expect(o->transfer == TRANSFER_SENDING,
		    "activity data without a transfer");
	fuzz_expect(v[0] == o->counter, "the packet counter skips");
	o->counter++;
	o->delivered += (uint32_t)(n - 1) / 4;
	fuzz_expect(o->delivered <= o->announced,
		    "a transfer delivers more than it announced");
}

static bool huami_status_known(const struct mb_band *band, uint8_t status)
{
	return status == MB_HUAMI_STATUS_SUCCESS ||
	       status == MB_HUAMI_STATUS_MALFORMED ||
	       status == MB_HUAMI_STATUS_REFUSED ||
	       status == mb_profile_policy(mb_band_profile(band))
				 ->firmware_low_battery_status;
}

/* 10 01 01: bound, to the key of the 01 just written or, after a tap,
 * the one the band took to wait for it (protocol §10); 10 03 01: the link
 * is authenticated (§3.2).  The crypt flag 0x80 rides on both. */
static void auth_reply(struct fuzz_oracle *o, const uint8_t *v)
{
	const struct mb_band_state *st = mb_band_state(o->band);
	const uint8_t *key = o->writing && o->write_is_key ? o->write_key
			     : o->key_offered		   ? o->offered
							   : NULL;

	if (v[2] != MB_HUAMI_STATUS_SUCCESS)
		return;
	if ((v[1] & 0x7f) == AUTH_SEND_KEY) {
		fuzz_expect(st->bound && (!key || !memcmp(st->key, key, 16)),
			    "the key bound is the key offered");
		o->key_offered = false;
	} else if ((v[1] & 0x7f) == AUTH_ANSWER) {
		fuzz_expect(mb_band_authenticated(o->band),
			    "10 03 01 leaves the link authenticated");
	}
}

static void notified(struct fuzz_oracle *o, uint16_t handle, const uint8_t *v,
		     size_t n)
{
	if (handle == o->h_event && n && (v[0] == 0x07 || v[0] == 0x09))
		fuzz_expect(o->answering,
			    "07 and 09 answer a call the wearer answered "
			    "(protocol §9)");
	if (handle == o->h_data) {
		data_packet(o, v, n);
		return;
	}
	if (handle != o->h_auth && handle != o->h_fetch && handle != o->h_fw)
		return;
	fuzz_expect(n >= 3 && v[0] == MB_HUAMI_RESPONSE,
		    "a Huami reply is 10 <command> <status> (protocol §2.2)");
	fuzz_expect(huami_status_known(o->band, v[2]),
		    "a Huami reply's status is one the band gives");
	if (o->writing && handle == o->handle &&
	    v[2] == MB_HUAMI_STATUS_MALFORMED) {
		fuzz_expect(v[1] == o->cmd,
			    "10 <command> 02 echoes the command written");
		o->malformed = true;
	}
	if (handle == o->h_fetch)
		fetch_reply(o, v, n);
	if (handle == o->h_auth)
		auth_reply(o, v);
}

void fuzz_oracle_sent(struct fuzz_oracle *o, const uint8_t *pdu, size_t len)
{
	fuzz_expect(len && len <= mb_link_mtu(mb_band_link(o->band)),
		    "a PDU fits ATT_MTU");
	if (o->writing) {
		bool rsp = pdu[0] == MB_ATT_OP_WRITE_RSP ||
			   (pdu[0] == MB_ATT_OP_ERROR_RSP && len == 5 &&
			    pdu[1] == MB_ATT_OP_WRITE_REQ);

		if (rsp) {
			o->responses++;
			o->response_first = o->sent == 0;
			o->att_error = pdu[0] == MB_ATT_OP_ERROR_RSP;
		}
		o->sent++;
	}
	if (o->requesting && pdu[0] != MB_ATT_OP_HANDLE_NFY &&
	    pdu[0] != MB_ATT_OP_HANDLE_IND) {
		o->request_responses++;
		o->response_len =
			len < sizeof(o->response) ? len : sizeof(o->response);
		memcpy(o->response, pdu, o->response_len);
	}
	if (pdu[0] == MB_ATT_OP_HANDLE_NFY && len >= 3)
		notified(o, mb_get_le16(pdu + 1), pdu + 3, len - 3);
}

void fuzz_oracle_request_begin(struct fuzz_oracle *o, const uint8_t *pdu,
			       size_t len)
{
	o->requesting = true;
	o->request_len = len < sizeof(o->request) ? len : sizeof(o->request);
	memcpy(o->request, pdu, o->request_len);
	o->request_responses = o->shown = 0;
	o->response_len = 0;
}

void fuzz_oracle_request_end(struct fuzz_oracle *o)
{
	const struct mb_att *att = mb_link_att(mb_band_link(o->band));
	uint8_t op = o->request[0];
	bool error;

	o->requesting = false;
	/* A link the band went quiet on, or dropped, answers nothing. */
	if (!att || mb_link_silent(mb_band_link(o->band)))
		return;
	fuzz_expect(o->request_responses == 1,
		    "a Prepare or Execute Write gets exactly one response");
	error = o->response[0] == MB_ATT_OP_ERROR_RSP;
	fuzz_expect(error ? o->response_len == 5 && o->response[1] == op
			  : o->response[0] == op + 1,
		    "the response answers the request");
	if (op == MB_ATT_OP_PREP_WRITE_REQ && !error)
		fuzz_expect(o->response_len == o->request_len &&
				    !memcmp(o->response + 1, o->request + 1,
					    o->request_len - 1),
			    "a Prepare Write Response echoes the request "
			    "(3.4.6.2)");
	if (op != MB_ATT_OP_EXEC_WRITE_REQ ||
	    (error && o->response[4] == MB_ATT_ERROR_INVALID_PDU))
		return;
	fuzz_expect(!mb_att_prepared(att),
		    "an Execute Write leaves the queue empty");
	if (error)
		fuzz_expect(!o->shown,
			    "a refused Execute Write shows nothing (all or "
			    "nothing)");
}

void fuzz_oracle_answer(struct fuzz_oracle *o, bool answering)
{
	o->answering = answering;
}

/* What the D-Bus layer requires of a string (g_variant_new_string). */
static bool utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = *p < 0x80		 ? 1
			   : (*p & 0xe0) == 0xc0 ? 2
			   : (*p & 0xf0) == 0xe0 ? 3
			   : (*p & 0xf8) == 0xf0 ? 4
						 : 0;

		if (!n || (n == 2 && *p < 0xc2))
			return false;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		p += n;
	}
	return true;
}

void fuzz_oracle_write_begin(struct fuzz_oracle *o, uint16_t handle,
			     bool command, const uint8_t *value, size_t len)
{
	o->writing = true;
	o->command = command;
	o->handle = handle;
	o->cmd = len ? value[0] : -1;
	o->sent = o->responses = 0;
	o->response_first = o->att_error = o->malformed = false;
	o->send_refused = false;
	o->fetch_request = o->workout_request = false;
	o->was_prompting = mb_auth_prompting(mb_band_auth(o->band));
	o->write_is_key = handle == o->h_auth && len == 18 &&
			  (value[0] & 0x7f) == AUTH_SEND_KEY;
	if (o->write_is_key)
		memcpy(o->write_key, value + 2, 16);
	if (handle == o->h_fetch) {
		if (!transfer_visible(o))
			o->transfer = TRANSFER_UNKNOWN;
		o->fetch_request = len >= 2 && value[0] == FETCH_START &&
				   value[1] == FETCH_TYPE_ACTIVITY &&
				   (len == 10 || len == 11) &&
				   request_minute(value, len, &o->req_minute);
		o->workout_request = len >= 2 && value[0] == FETCH_START &&
				     (value[1] == 0x05 || value[1] == 0x06);
	}
	take_snapshot(o->band, &o->before);
}

/* 02 on 00000004 starts the announced transfer unless it was refused. */
static void maybe_sending(struct fuzz_oracle *o)
{
	if (o->handle != o->h_fetch || o->cmd != FETCH_SEND || o->att_error ||
	    o->send_refused || o->transfer != TRANSFER_ANNOUNCED ||
	    !o->before.authenticated)
		return;
	o->transfer = TRANSFER_SENDING;
	o->counter = 0;
	o->delivered = 0;
}

void fuzz_oracle_write_end(struct fuzz_oracle *o)
{
	struct snapshot after;

	o->writing = false;
	/* A key the band now waits on a tap for. */
	if (o->write_is_key && !o->was_prompting &&
	    mb_auth_prompting(mb_band_auth(o->band))) {
		memcpy(o->offered, o->write_key, 16);
		o->key_offered = true;
	}
	if (o->command) {
		fuzz_expect(!o->responses, "a Write Command gets no response");
	} else {
		fuzz_expect(o->responses == 1,
			    "a Write Request gets exactly one response");
		/* docs/policies.md "Notification order". */
		fuzz_expect(o->response_first ||
				    mb_profile_policy(mb_band_profile(o->band))
						    ->notify_order !=
					    MB_NOTIFY_ORDER_RESPONSE_FIRST,
			    "the response goes before what the write raised");
	}
	maybe_sending(o);
	if (!o->att_error && !o->malformed)
		return;
	take_snapshot(o->band, &after);
	fuzz_expect(same_snapshot(&o->before, &after),
		    "a refused write changes the band");
}

void fuzz_oracle_link_down(struct fuzz_oracle *o)
{
	o->transfer = TRANSFER_IDLE;
}

static void judge_shown(struct fuzz_oracle *o, const struct mb_event *ev)
{
	o->shown++;
}

static void judge_ringing(struct fuzz_oracle *o, const struct mb_event *ev)
{
	o->shown++;
	o->ringing = true;
}

static void judge_call_ended(struct fuzz_oracle *o, const struct mb_event *ev)
{
	fuzz_expect(o->ringing, "a call ends only after it rang");
	o->ringing = false;
}

static void judge_dropped(struct fuzz_oracle *o, const struct mb_event *ev)
{
	const struct mb_event_field *reason = mb_event_field(ev, "reason");

	fuzz_expect(reason && strcmp(reason->str, "unknown"),
		    "chunk-dropped names its reason");
}

/* What some events say about the alerts (docs/fuzzing.md). */
static void (*const judges[MB_EVENT_COUNT])(struct fuzz_oracle *o,
					    const struct mb_event *ev) = {
	[MB_EVENT_ALERT_RECEIVED] = judge_shown,
	[MB_EVENT_CALL_RINGING] = judge_ringing,
	[MB_EVENT_CALL_ENDED] = judge_call_ended,
	[MB_EVENT_CHUNK_DROPPED] = judge_dropped,
};

/* The firmware the band boots is the one 04 verified (protocol §7.1). */
void fuzz_oracle_event(struct fuzz_oracle *o, const struct mb_event *ev)
{
	const struct mb_event_field *version = mb_event_field(ev, "version");
	const struct mb_event_field *type = mb_event_field(ev, "type");

	for (size_t i = 0; i < ev->n_fields; i++)
		if (ev->fields[i].type == MB_EVENT_TYPE_STRING)
			fuzz_expect(utf8(ev->fields[i].str),
				    "every event string is UTF-8");
	if (ev->id < MB_EVENT_COUNT && judges[ev->id])
		judges[ev->id](o, ev);
	if (ev->id == MB_EVENT_FIRMWARE_VERIFIED && version && type &&
	    type->byte == MB_FW_TYPE_FIRMWARE) {
		snprintf(o->verified, sizeof(o->verified), "%s", version->str);
	} else if (ev->id == MB_EVENT_FIRMWARE_INSTALLED) {
		fuzz_expect(o->verified[0] && version &&
				    !strcmp(version->str, o->verified) &&
				    !strcmp(mb_firmware_version(
						    mb_band_firmware(o->band)),
					    o->verified),
			    "the firmware booted is the one 04 verified");
		o->verified[0] = '\0';
	}
}
