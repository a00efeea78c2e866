// SPDX-License-Identifier: GPL-2.0-or-later
/* The driver of the band harnesses (fuzz-band.h, docs/fuzzing.md): a
 * fresh band per input, brought to its start state through the PDUs a
 * client sends, then the input's records, each judged by the oracle. */
#include "fuzz-band.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "band.h"
#include "band-fixture.h"
#include "chrs.h"
#include "crypto.h"
#include "datetime.h"
#include "fuzz-expect.h"
#include "fuzz-images.h"
#include "fuzz-oracle.h"
#include "fwimage.h"
#include "fwinfo.h"
#include "rtc.h"
#include "state/store.h"
#include "util.h"
#include "workout-wire.h"

/* 2024-05-20 10:30 UTC, the unit tests' epoch. */
#define START_MS 1716201000000ull
/* Steps of band life one RUN may take: a transfer of a full log at the
 * smallest MTU is far fewer. */
#define MAX_RUN_STEPS 4096
#define MAX_PROFILE (1u << 20)

/* The profile's settings a harness band changes.  The log holds a day,
 * not the profile's fortnight: the harnesses exercise what is written to
 * it and read from it, and a fresh band per input costs a fortieth
 * (fuzz-flash covers the log's recovery).  The workout log is the
 * smallest the profile allows, 512 records: a few records of an input
 * wrap it, so the ring's drops are in reach of a short input. */
static const struct {
	const char *key;
	const char *value;
} profile_changes[] = {
	{ "flash-log-days", "1" },
	{ "workout-log-kb", "8" },
};

/* Band time one RUN or RUN_MINUTES record may take while a workout
 * runs.  Every second of a workout is a flash record, so an input that
 * kept one running through a quarter of an hour per record spent its
 * time writing seconds (the campaigns slowed tenfold as their corpora
 * learnt that); two minutes still fill the small workout log in five. */
#define WORKOUT_SPAN_MS 120000ull

/* More than any harness's table has. */
#define MAX_OPS 16
#define MAX_CCCDS 64

static struct mb_profile *profile;
static struct fuzz_oracle *oracle;

/* Handles of the profile's table: the same in every band built from it,
 * so looked up once. */
static struct {
	uint16_t op[MAX_OPS]; /* the characteristic of each op */
	uint16_t chr[MB_CHR_COUNT];
	uint16_t auth_cccd;
	uint16_t cccds[MAX_CCCDS];
	size_t n_cccds;
} handles;

struct run {
	struct mb_band *band;
	struct fuzz_oracle *oracle;
	uint64_t now_ms;
	struct mb_clock clock;
	bool drop;	      /* the band asked the transport to hang up */
	bool store_fails;     /* the state directory refuses writes */
	unsigned run_minutes; /* the harness's RUN_MINUTES modulus */
	uint8_t file[FUZZ_IMAGE_MAX];
	size_t file_len;
};

/* ---- the transport and the state directory, as the emulator's --------- */

static uint64_t now_ms(void *user_data)
{
	return ((const struct run *)user_data)->now_ms;
}

static void on_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct run *r = user_data;

	fuzz_oracle_sent(r->oracle, pdu, len);
}

static void on_event(const struct mb_event *ev, void *user_data)
{
	fuzz_oracle_event(((struct run *)user_data)->oracle, ev);
}

static void on_disconnect(void *user_data)
{
	((struct run *)user_data)->drop = true;
}

static const struct mb_link_ops link_ops = {
	.send = on_send,
	.disconnect = on_disconnect,
};

static bool same_state(const struct mb_band_state *a,
		       const struct mb_band_state *b)
{
	return !memcmp(a->address, b->address, 6) &&
	       !strcmp(a->serial, b->serial) && a->bound == b->bound &&
	       (!a->bound || !memcmp(a->key, b->key, 16));
}

/* What the band stores must read back as it was: after a restart the
 * band is who it was (band.ini). */
static bool store_identity(const struct mb_band_state *s, void *user_data,
			   char **err)
{
	const struct run *r = user_data;
	char *text, *why = NULL;
	struct mb_band_state back;

	if (r->store_fails) {
		mb_set_error(err, "fuzz: the state directory refuses writes");
		return false;
	}
	text = mb_band_state_format(s);
	fuzz_expect(mb_band_state_parse(text, strlen(text), "band.ini", &back,
					&why) &&
			    same_state(s, &back),
		    "band.ini reads back as the band wrote it");
	free(text);
	return true;
}

/* ... and firmware.ini names the slots it was given. */
static bool store_file(const char *name, const void *data, size_t len,
		       void *user_data, char **err)
{
	const struct run *r = user_data;
	struct mb_firmware_info fi;
	char *why = NULL, *again;

	if (r->store_fails) {
		mb_set_error(err, "fuzz: the state directory refuses writes");
		return false;
	}
	if (strcmp(name, MB_FIRMWARE_INFO_FILE))
		return true;
	fuzz_expect(mb_firmware_info_parse(data, len, name, &fi, &why),
		    "firmware.ini reads back");
	again = mb_firmware_info_format(&fi);
	fuzz_expect(strlen(again) == len && !memcmp(again, data, len),
		    "firmware.ini reads back as the band wrote it");
	free(again);
	return true;
}

/* ---- what a client sends ------------------------------------------------- */

static void hang_up_if_asked(struct run *r)
{
	if (!r->drop)
		return;
	r->drop = false;
	mb_band_disconnect(r->band);
	fuzz_oracle_link_down(r->oracle);
}

static void write_handle(struct run *r, uint16_t handle, bool command,
			 const uint8_t *value, size_t len)
{
	struct mb_link *link = mb_band_link(r->band);
	uint8_t pdu[3 + MB_ATT_MAX_VALUE_LEN];
	size_t max;

	if (!handle || !mb_link_connected(link))
		return;
	/* Longer does not fit a PDU on this link. */
	max = (size_t)mb_link_mtu(link) - 3;
	if (len > max)
		len = max;
	pdu[0] = command ? MB_ATT_OP_WRITE_CMD : MB_ATT_OP_WRITE_REQ;
	mb_put_le16(pdu + 1, handle);
	memcpy(pdu + 3, value, len);
	fuzz_oracle_write_begin(r->oracle, handle, command, value, len);
	mb_link_receive(link, pdu, 3 + len);
	fuzz_oracle_write_end(r->oracle);
	hang_up_if_asked(r);
}

static void write_chr(struct run *r, enum mb_chr_id id, bool command,
		      const uint8_t *value, size_t len)
{
	write_handle(r, handles.chr[id], command, value, len);
}

/* A Prepare or Execute Write Request, judged as one request. */
static void request(struct run *r, const uint8_t *pdu, size_t len)
{
	struct mb_link *link = mb_band_link(r->band);

	if (!mb_link_connected(link))
		return;
	fuzz_oracle_request_begin(r->oracle, pdu, len);
	mb_link_receive(link, pdu, len);
	fuzz_oracle_request_end(r->oracle);
	hang_up_if_asked(r);
}

static void prepare(struct run *r, uint16_t handle, uint16_t offset,
		    const uint8_t *part, size_t len)
{
	uint8_t pdu[5 + MB_ATT_MAX_VALUE_LEN];
	size_t max = (size_t)mb_link_mtu(mb_band_link(r->band)) - 5;

	if (!handle)
		return;
	if (len > max)
		len = max;
	pdu[0] = MB_ATT_OP_PREP_WRITE_REQ;
	mb_put_le16(pdu + 1, handle);
	mb_put_le16(pdu + 3, offset);
	memcpy(pdu + 5, part, len);
	request(r, pdu, 5 + len);
}

static void execute(struct run *r, uint8_t flags)
{
	const uint8_t pdu[2] = { MB_ATT_OP_EXEC_WRITE_REQ, flags };

	request(r, pdu, sizeof(pdu));
}

/* What a client's stack sends for a Write Request longer than ATT_MTU - 3
 * (Core Vol 3 Part G 4.9.4). */
static void write_long(struct run *r, uint16_t handle, const uint8_t *value,
		       size_t len)
{
	size_t part = (size_t)mb_link_mtu(mb_band_link(r->band)) - 5;

	for (size_t off = 0; off < len || !off; off += part) {
		prepare(r, handle, (uint16_t)off, value + off,
			len - off < part ? len - off : part);
		if (!len)
			break;
	}
	execute(r, MB_ATT_EXEC_WRITE);
}

/* Notifications on: 01 00 to a CCCD. */
static void subscribe(struct run *r, uint16_t cccd)
{
	static const uint8_t on[] = { 0x01, 0x00 };

	write_handle(r, cccd, false, on, sizeof(on));
}

/* Band life up to now + ms, each deadline at its time. */
static void advance(struct run *r, uint64_t ms)
{
	uint64_t until = r->now_ms + ms, d;

	for (int i = 0; i < MAX_RUN_STEPS; i++) {
		d = mb_band_next_deadline(r->band);
		if (d > until)
			break;
		if (d > r->now_ms)
			r->now_ms = d;
		mb_band_run(r->band);
		hang_up_if_asked(r);
	}
	r->now_ms = until;
	mb_band_run(r->band);
	hang_up_if_asked(r);
}

/* The band time a record asks for, within WORKOUT_SPAN_MS while a
 * workout runs. */
static uint64_t span(const struct run *r, uint64_t ms)
{
	if (mb_sport_running(mb_band_sport(r->band)) != MB_SPORT_NONE &&
	    ms > WORKOUT_SPAN_MS)
		return WORKOUT_SPAN_MS;
	return ms;
}

/* Variant A of protocol §3.2: the random source gives a zero challenge,
 * so the answer is AES(key, 0); then every notification on. */
static void authenticate(struct run *r)
{
	static const uint8_t request[] = { 0x02, 0x00 };
	static const uint8_t zero[16];
	uint8_t answer[18] = { 0x03, 0x00 };

	subscribe(r, handles.auth_cccd);
	write_chr(r, MB_CHR_AUTH, true, request, sizeof(request));
	if (mb_crypto_aes128_ecb(mb_band_state(r->band)->key, zero,
				 answer + 2) != MB_CRYPTO_OK)
		abort();
	write_chr(r, MB_CHR_AUTH, true, answer, sizeof(answer));
	for (size_t i = 0; i < handles.n_cccds; i++)
		subscribe(r, handles.cccds[i]);
}

static void link_up(struct run *r)
{
	if (!mb_band_connect(r->band, &link_ops, r))
		return;
	subscribe(r, handles.auth_cccd);
}

/* Bytes from to end of the file on 00001532, ATT_MTU - 3 a write. */
static void send_file(struct run *r, size_t from, size_t end)
{
	size_t chunk = (size_t)mb_link_mtu(mb_band_link(r->band)) - 3;

	for (size_t off = from; off < end; off += chunk)
		write_chr(r, MB_CHR_FW_DATA, true, r->file + off,
			  end - off < chunk ? end - off : chunk);
}

/* 01 <type> <size> <crc>, and when whole 03 01 and the file: everything
 * up to the 04 the record's next writes may send. */
static void upload(struct run *r, const struct fuzz_image_type *type,
		   const uint8_t *version, size_t len, bool whole)
{
	uint8_t init[10] = { 0x01 }, start[] = { 0x03, 0x01 };

	r->file_len = type->build(r->file, version, len);
	init[1] = type->type;
	mb_put_le32(init + 2, (uint32_t)r->file_len);
	mb_put_le32(init + 6, mb_crc32(r->file, r->file_len));
	write_chr(r, MB_CHR_FW_CONTROL, false, init, sizeof(init));
	if (!whole)
		return;
	write_chr(r, MB_CHR_FW_CONTROL, false, start, sizeof(start));
	send_file(r, 0, r->file_len);
}

/* ---- start states ---------------------------------------------------------- */

static void step_auth(struct run *r)
{
	authenticate(r);
}

/* A new key offered: the band waits for a tap (protocol §10). */
static void step_offer_key(struct run *r)
{
	uint8_t offer[18] = { 0x01, 0x00 };

	memset(offer + 2, 0x42, 16);
	write_chr(r, MB_CHR_AUTH, true, offer, sizeof(offer));
}

/* Twenty minutes of band life, then 01 01 for all of it (protocol §4.1). */
static void step_fetch_request(struct run *r)
{
	uint8_t req[10] = { 0x01, 0x01 };
	struct mb_datetime dt;

	advance(r, 20 * 60000ull);
	mb_datetime_from_epoch(mb_rtc_local_time(mb_band_rtc(r->band)) - 1260,
			       &dt);
	mb_datetime_put(req + 2, &dt);
	req[8] = 0x00;
	req[9] = (uint8_t)mb_rtc_tz(mb_band_rtc(r->band));
	write_chr(r, MB_CHR_FETCH_CONTROL, true, req, sizeof(req));
}

static void step_fetch_send(struct run *r)
{
	static const uint8_t send[] = { 0x02 };

	write_chr(r, MB_CHR_FETCH_CONTROL, true, send, sizeof(send));
	/* One step: the first packets are out, the rest to come. */
	mb_band_run(r->band);
	hang_up_if_asked(r);
}

static void step_run_out(struct run *r)
{
	advance(r, 60 * 1000);
}

static const uint8_t start_version[] = "1.0.9.99";

static void step_fw_init(struct run *r)
{
	upload(r, &fuzz_image_types[0], start_version, 8, false);
}

static void step_fw_half(struct run *r)
{
	static const uint8_t start[] = { 0x03, 0x01 };

	write_chr(r, MB_CHR_FW_CONTROL, false, start, sizeof(start));
	send_file(r, 0, r->file_len / 2);
}

static void step_fw_verify(struct run *r)
{
	static const uint8_t check[] = { 0x04 };

	send_file(r, r->file_len / 2, r->file_len);
	write_chr(r, MB_CHR_FW_CONTROL, false, check, sizeof(check));
}

/* Each start state is one step from another; the two at the root differ
 * in the band.ini the band starts with. */
static const struct start {
	enum fuzz_start from;
	void (*step)(struct run *r);
	bool bound;
} starts[FUZZ_START_COUNT] = {
	[FUZZ_START_NEW] = { FUZZ_START_NEW, NULL, false },
	[FUZZ_START_BOUND] = { FUZZ_START_BOUND, NULL, true },
	[FUZZ_START_AUTHED] = { FUZZ_START_BOUND, step_auth, true },
	[FUZZ_START_PROMPT] = { FUZZ_START_NEW, step_offer_key, false },
	[FUZZ_START_FETCH_W4_SEND] = { FUZZ_START_AUTHED, step_fetch_request,
				       true },
	[FUZZ_START_FETCH_SENDING] = { FUZZ_START_FETCH_W4_SEND,
				       step_fetch_send, true },
	[FUZZ_START_FETCH_DONE] = { FUZZ_START_FETCH_SENDING, step_run_out,
				    true },
	[FUZZ_START_FW_W4_START] = { FUZZ_START_AUTHED, step_fw_init, true },
	[FUZZ_START_FW_RECEIVING] = { FUZZ_START_FW_W4_START, step_fw_half,
				      true },
	[FUZZ_START_FW_W4_REBOOT] = { FUZZ_START_FW_RECEIVING, step_fw_verify,
				      true },
};

static void bring(struct run *r, enum fuzz_start s)
{
	if (starts[s].from != s)
		bring(r, starts[s].from);
	if (starts[s].step)
		starts[s].step(r);
}

/* Bits 4 and 5 of the start byte: the battery (docs/battery-firmware.md:
 * below 20 % no update, at 15 % the band drops a link at a transfer). */
static const struct battery {
	unsigned int level;
	bool plugged;
} batteries[] = {
	{ 100, false },
	{ 17, false },
	{ 10, false },
	{ 50, true },
};

/* ---- the records ------------------------------------------------------------ */

static void do_op(struct run *r, const struct fuzz_op *op, uint16_t handle,
		  const uint8_t *v, size_t n)
{
	struct mb_link *link = mb_band_link(r->band);
	uint8_t mtu[3] = { MB_ATT_OP_MTU_REQ };

	switch (op->kind) {
	case FUZZ_OP_WRITE_REQ:
	case FUZZ_OP_WRITE_CMD:
		write_handle(r, handle, op->kind == FUZZ_OP_WRITE_CMD, v, n);
		break;
	case FUZZ_OP_RUN:
		advance(r, span(r, (n ? v[0] : 1) * 1000ull));
		break;
	case FUZZ_OP_RUN_MINUTES:
		advance(r, span(r, (n ? v[0] : 1) * 1000ull +
					   (n > 1 ? v[1] % r->run_minutes : 0) *
						   60000ull));
		break;
	case FUZZ_OP_PRESS:
		mb_band_press_button(r->band);
		hang_up_if_asked(r);
		break;
	case FUZZ_OP_LONG_PRESS:
		mb_band_long_press_button(r->band);
		hang_up_if_asked(r);
		break;
	case FUZZ_OP_RECONNECT:
		mb_band_disconnect(r->band);
		fuzz_oracle_link_down(r->oracle);
		link_up(r);
		break;
	case FUZZ_OP_AUTH:
		if (mb_link_connected(link))
			authenticate(r);
		break;
	case FUZZ_OP_MTU:
		mtu[1] = n ? v[0] : 0;
		mtu[2] = n > 1 ? v[1] : 0;
		mb_link_receive(link, mtu, sizeof(mtu));
		break;
	case FUZZ_OP_CONGEST:
		if (mb_link_connected(link))
			mb_link_set_congested(link, n && v[0] & 1);
		break;
	case FUZZ_OP_STORE_FAIL:
		r->store_fails = n && v[0] & 1;
		break;
	case FUZZ_OP_UPLOAD:
		upload(r,
		       &fuzz_image_types[(n ? v[0] : 0) % fuzz_n_image_types],
		       v + (n ? 1 : 0), n ? n - 1 : 0, true);
		break;
	case FUZZ_OP_PREPARE:
		prepare(r, handle, n > 1 ? mb_get_le16(v) : 0,
			v + (n > 1 ? 2 : n), n > 1 ? n - 2 : 0);
		break;
	case FUZZ_OP_EXECUTE:
		execute(r, n ? v[0] : MB_ATT_EXEC_WRITE);
		break;
	case FUZZ_OP_LONG_WRITE:
		write_long(r, handle, v, n);
		break;
	case FUZZ_OP_WORKOUT:
		if (n && v[0] & 1)
			mb_sport_start(mb_band_sport(r->band),
				       (enum mb_sport_kind)(n > 1 ? v[1] % 7
								  : 1),
				       NULL);
		else
			mb_sport_stop(mb_band_sport(r->band), NULL);
		break;
	case FUZZ_OP_ANSWER_CALL:
		fuzz_oracle_answer(r->oracle, true);
		mb_alerts_answer_call(mb_band_alerts(r->band),
				      n && v[0] & 1 ? MB_CALL_END_IGNORED
						    : MB_CALL_END_REJECTED);
		fuzz_oracle_answer(r->oracle, false);
		hang_up_if_asked(r);
		break;
	}
}

/* What the band holds of its workouts encodes as a fetch sends it: a
 * summary of its fixed size, a track of whole records, positions on
 * the globe (docs/workouts.md). */
static void check_workouts(const struct mb_band *band)
{
	const struct mb_workoutlog *log =
		mb_logstore_workouts(mb_band_store(band));

	for (size_t i = 0; i < mb_workoutlog_count(log); i++) {
		const struct mb_workout *w = mb_workoutlog_at(log, i);
		size_t len;
		uint8_t *b = mb_workout_summary_encode(w, &len);

		fuzz_expect(len == 0x7e, "a summary is 126 bytes");
		free(b);
		b = mb_workout_track_encode(w, true, &len);
		fuzz_expect(len % 8 == 0 && len >= w->n_points * 8,
			    "a track is a record or more a second");
		free(b);
		fuzz_expect(w->end_s >= w->start_s,
			    "a workout ends after it starts");
		for (size_t k = 0; k < w->n_points; k++)
			fuzz_expect(!w->points[k].has_position ||
					    (w->points[k].lat >= -270000000 &&
					     w->points[k].lat <= 270000000),
				    "a position is on the globe");
	}
}

void fuzz_band_input(const struct fuzz_band_harness *h, const uint8_t *data,
		     size_t size)
{
	static const struct mb_band_state bound = {
		.address = { FIXTURE_ADDRESS },
		.serial = FIXTURE_SERIAL,
		.bound = true,
		.key = { FIXTURE_KEY },
	};
	struct mb_band_state st = bound;
	struct run r = { .now_ms = START_MS };
	const size_t dl = strlen(FUZZ_BAND_DELIM);
	const struct battery *bat;
	enum fuzz_start start;
	char *err = NULL;
	size_t off = 1;

	if (!size)
		return;
	start = (enum fuzz_start)((data[0] & 0x0f) % FUZZ_START_COUNT);
	bat = &batteries[(data[0] >> 4) & 3];
	st.bound = starts[start].bound;
	r.clock = (struct mb_clock){ .now_ms = now_ms, .user_data = &r };
	r.band = mb_band_new(profile, &st, &r.clock, &err);
	if (!r.band) {
		fprintf(stderr, "%s: %s\n", h->name, err);
		abort();
	}
	mb_identity_set_store(mb_band_identity(r.band), store_identity, &r);
	mb_firmware_set_store(mb_band_firmware(r.band), store_file, &r);
	mb_power_set_plugged(mb_band_power(r.band), bat->plugged);
	mb_power_set_level(mb_band_power(r.band), bat->level);
	r.oracle = oracle;
	r.run_minutes = h->run_minutes ? h->run_minutes : 64;
	fuzz_oracle_start(oracle, r.band);
	mb_band_set_event_handler(r.band, on_event, &r);
	link_up(&r);
	bring(&r, start);
	while (off < size) {
		const uint8_t *end =
			memmem(data + off, size - off, FUZZ_BAND_DELIM, dl);
		size_t len = end ? (size_t)(end - (data + off)) : size - off;

		if (len)
			do_op(&r, &h->ops[data[off] % h->n_ops],
			      handles.op[data[off] % h->n_ops], data + off + 1,
			      len - 1);
		off += len + (end ? dl : 0);
	}
	check_workouts(r.band);
	mb_band_free(r.band);
}

/* text with the line "\nKEY = ..." set to value; NULL if there is none. */
static char *set_setting(char *text, const char *key, const char *value)
{
	char *needle = mb_strdup_printf("\n%s = ", key);
	char *line = strstr(text, needle), *end, *out = NULL;

	if (line) {
		line += strlen(needle);
		end = strchr(line, '\n');
		out = mb_strdup_printf("%.*s%s%s", (int)(line - text), text,
				       value, end ? end : "");
	}
	free(needle);
	free(text);
	return out;
}

/* The profile's text with the harness's changes (profile_changes). */
static char *profile_text(const char *path, size_t *len)
{
	char *text = NULL, *err = NULL;

	if (!state_store_read_file(path, MAX_PROFILE, &text, len, &err)) {
		fprintf(stderr, "fuzz: %s\n", err);
		abort();
	}
	for (size_t i = 0; i < MB_ARRAY_SIZE(profile_changes); i++) {
		text = set_setting(text, profile_changes[i].key,
				   profile_changes[i].value);
		if (!text) {
			fprintf(stderr, "fuzz: %s: no %s\n", path,
				profile_changes[i].key);
			abort();
		}
	}
	*len = strlen(text);
	return text;
}

/* A fixed all-zero challenge and factory-reset address: an input does the
 * same every time it runs. */
static bool zero_random(uint8_t *buf, size_t len, void *user_data)
{
	memset(buf, 0, len);
	return true;
}

static const struct mb_gatt_chr *chr_of(const struct mb_gatt *gatt,
					const char *uuid)
{
	const struct mb_gatt_chr *chr;
	struct mb_uuid u;

	if (!uuid)
		return NULL;
	if (!mb_uuid_parse(uuid, &u) ||
	    !(chr = mb_gatt_find_chr(gatt, NULL, &u))) {
		fprintf(stderr, "fuzz: %s is not in the profile\n", uuid);
		abort();
	}
	return chr;
}

static void add_cccd(const struct mb_gatt_chr *chr)
{
	if (!chr || !chr->cccd_handle || handles.n_cccds == MAX_CCCDS)
		return;
	for (size_t i = 0; i < handles.n_cccds; i++)
		if (handles.cccds[i] == chr->cccd_handle)
			return;
	handles.cccds[handles.n_cccds++] = chr->cccd_handle;
}

/* The handles of a band's table, and the oracle that watches them.  A
 * client subscribes to the command characteristics, the activity data,
 * the device events and what the harness writes: not to the battery and
 * the steps, whose minutely notifications only cost time here. */
static void find_handles(const struct fuzz_band_harness *h)
{
	static const enum mb_chr_id subscribed[] = {
		MB_CHR_AUTH,	   MB_CHR_FETCH_CONTROL, MB_CHR_ACTIVITY_DATA,
		MB_CHR_FW_CONTROL, MB_CHR_CONFIG,	 MB_CHR_DEVICE_EVENT,
	};
	const struct mb_band_state st = { .address = { FIXTURE_ADDRESS } };
	struct run r = { .now_ms = START_MS };
	const struct mb_clock clock = { .now_ms = now_ms, .user_data = &r };
	const struct mb_gatt_chr *chr;
	const struct mb_gatt *gatt;
	struct mb_band *band;
	char *err = NULL;

	band = mb_band_new(profile, &st, &clock, &err);
	if (!band || h->n_ops > MAX_OPS)
		abort();
	gatt = mb_band_gatt(band);
	for (int id = 0; id < MB_CHR_COUNT; id++) {
		chr = mb_chr_resolve(gatt, (enum mb_chr_id)id);
		handles.chr[id] = chr ? chr->value_handle : 0;
	}
	chr = mb_chr_resolve(gatt, MB_CHR_AUTH);
	handles.auth_cccd = chr ? chr->cccd_handle : 0;
	for (size_t i = 0; i < MB_ARRAY_SIZE(subscribed); i++)
		add_cccd(mb_chr_resolve(gatt, subscribed[i]));
	for (size_t i = 0; i < h->n_ops; i++) {
		chr = chr_of(gatt, h->ops[i].uuid);
		handles.op[i] = chr ? chr->value_handle : 0;
		add_cccd(chr);
	}
	oracle = fuzz_oracle_new(band);
	mb_band_free(band);
}

void fuzz_band_init(const struct fuzz_band_harness *h)
{
	const char *path = getenv("BANDSIM_FUZZ_PROFILE");
	char *err = NULL, *text;
	size_t len;

	mb_crypto_set_random_source(zero_random, NULL);
	text = profile_text(path ? path : BANDSIM_FUZZ_PROFILE, &len);
	profile = mb_profile_parse(text, len, "miband4.ini", &err);
	if (!profile) {
		fprintf(stderr, "%s: %s\n", h->name, err);
		abort();
	}
	free(text);
	find_handles(h);
}
