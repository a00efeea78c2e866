// SPDX-License-Identifier: GPL-2.0-or-later
#include "devevents.h"

#include <stdlib.h>
#include <string.h>

#include "life.h"
#include "services.h"
#include "util.h"

/* The longest value: a code and three bytes (14, workout starting). */
#define MAX_EXTRA 3
/* The ATT_MTU a band can announce with 16 <mtu u16> (§13). */
#define MTU_MIN 23
#define MTU_MAX 517

static const struct {
	const char *name;
	uint8_t code;
} music[MB_MUSIC_ACTION_COUNT] = {
	[MB_MUSIC_ACTION_PLAY] = { "play", 0x00 },
	[MB_MUSIC_ACTION_PAUSE] = { "pause", 0x01 },
	[MB_MUSIC_ACTION_NEXT] = { "next", 0x03 },
	[MB_MUSIC_ACTION_PREVIOUS] = { "previous", 0x04 },
	[MB_MUSIC_ACTION_VOLUME_UP] = { "volume-up", 0x05 },
	[MB_MUSIC_ACTION_VOLUME_DOWN] = { "volume-down", 0x06 },
	[MB_MUSIC_ACTION_OPEN] = { "open", 0xe0 },
	[MB_MUSIC_ACTION_CLOSE] = { "close", 0xe1 },
};

const char *mb_music_action_name(enum mb_music_action action)
{
	return action < MB_MUSIC_ACTION_COUNT ? music[action].name : "unknown";
}

/* The bytes after the code, as §9 (and GB-HuamiSupport handleDeviceEvent,
 * which reads them) has them. */
static bool check_flag(const uint8_t *extra, size_t len)
{
	return extra[0] <= 1;
}

/* 14 <?> <needs GPS> <workout type>: what [1] is, is not on record. */
static bool check_workout(const uint8_t *extra, size_t len)
{
	return extra[1] <= 1;
}

static bool check_mtu(const uint8_t *extra, size_t len)
{
	uint16_t mtu = mb_get_le16(extra);

	return mtu >= MTU_MIN && mtu <= MTU_MAX;
}

static bool check_music(const uint8_t *extra, size_t len)
{
	for (size_t i = 0; i < MB_MUSIC_ACTION_COUNT; i++)
		if (music[i].code == extra[0])
			return true;
	return false;
}

/* Every device event of §9, with the bytes it carries after its code;
 * the device-event event's name comes from here. */
static const struct row {
	uint8_t code;
	const char *name;
	uint8_t min_extra;
	uint8_t max_extra;
	/* NULL: any bytes of the right length. */
	bool (*check)(const uint8_t *extra, size_t len);
	const char *extra_text; /* what the bytes are, for errors */
} rows[] = {
	{ MB_DEVEVENT_FELL_ASLEEP, "fell-asleep" },
	{ MB_DEVEVENT_WOKE_UP, "woke-up" },
	{ MB_DEVEVENT_GOAL_REACHED, "goal-reached" },
	{ MB_DEVEVENT_BUTTON, "button" },
	{ MB_DEVEVENT_NON_WEAR, "non-wear" },
	{ MB_DEVEVENT_CALL_REJECTED, "call-rejected" },
	{ MB_DEVEVENT_FIND_PHONE_START, "find-phone-start" },
	{ MB_DEVEVENT_CALL_IGNORED, "call-ignored" },
	{ MB_DEVEVENT_ALARM_TOGGLED, "alarm-toggled" },
	{ MB_DEVEVENT_BUTTON_LONG, "button-long" },
	{ MB_DEVEVENT_TICK_30MIN, "tick-30min" },
	{ MB_DEVEVENT_FIND_PHONE_STOP, "find-phone-stop" },
	{ MB_DEVEVENT_SILENT_MODE, "silent-mode", 1, 1, check_flag,
	  "00 (off) or 01 (on)" },
	{ MB_DEVEVENT_WORKOUT, "workout-starting", 3, 3, check_workout,
	  "<byte> <needs GPS: 00 or 01> <workout type>" },
	{ MB_DEVEVENT_MTU, "mtu", 2, 2, check_mtu,
	  "the ATT_MTU, u16 LE, 23 to 517" },
	{ MB_DEVEVENT_ALARM_CHANGED, "alarm-changed" },
	{ MB_DEVEVENT_MUSIC, "music-control", 1, 1, check_music,
	  "00, 01, 03, 04, 05, 06, e0 or e1" },
};

static const struct row *find_row(uint8_t code)
{
	for (size_t i = 0; i < MB_ARRAY_SIZE(rows); i++)
		if (rows[i].code == code)
			return &rows[i];
	return NULL;
}

/* What the wearer's minute says about them (protocol §4.2 kinds); a kind
 * not listed is an awake wearer. */
enum wear {
	WEAR_AWAKE,
	WEAR_ASLEEP,
	WEAR_OFF_WRIST,
	WEAR_CHARGER,
};

static const enum wear wear_of[16] = {
	[MB_LIFE_KIND_NOT_WORN] = WEAR_OFF_WRIST,
	[MB_LIFE_KIND_CHARGING] = WEAR_CHARGER,
	[MB_LIFE_KIND_LIGHT_SLEEP] = WEAR_ASLEEP,
	[MB_LIFE_KIND_DEEP_SLEEP] = WEAR_ASLEEP,
};

/* Find phone, named for what the band waits for. */
enum find_phone {
	FIND_PHONE_IDLE,
	FIND_PHONE_W4_ACK,  /* 08 sent */
	FIND_PHONE_W4_STOP, /* the phone said it rings (06 14 00 00) */
};

struct mb_devevents {
	const struct mb_services *svc;
	uint16_t announce_mtu; /* 0: the band does not announce */
	bool announced;	       /* on this link */
	bool linked;
	enum find_phone find_phone;
	bool wear_known;
	enum wear wear;
};

struct mb_devevents *mb_devevents_new(const struct mb_services *svc)
{
	return MB_NEW(struct mb_devevents, .svc = svc);
}

void mb_devevents_free(struct mb_devevents *events)
{
	free(events);
}

/* The notification, and device-event saying whether it went out. */
static void send(struct mb_devevents *events, const struct row *r,
		 const uint8_t *extra, size_t len)
{
	uint8_t value[1 + MAX_EXTRA] = { r->code };
	char hex[3 * MAX_EXTRA + 1] = "";
	struct mb_event ev;
	bool sent;

	if (len) {
		memcpy(value + 1, extra, len);
		mb_hex_format(extra, len, hex, sizeof(hex));
	}
	sent = mb_svc_notify(events->svc, MB_CHR_DEVICE_EVENT, value, 1 + len);
	mb_event_init(&ev, MB_EVENT_DEVICE_EVENT);
	mb_event_add_byte(&ev, "code", r->code);
	mb_event_add_string(&ev, "name", r->name);
	mb_event_add_string(&ev, "extra", hex);
	mb_event_add_byte(&ev, "sent", sent);
	mb_svc_emit(events->svc, &ev);
}

void mb_devevents_send(struct mb_devevents *events, enum mb_devevent event)
{
	const struct row *r = find_row((uint8_t)event);

	/* The band's own callers name codes of the table, without bytes. */
	if (!r || r->min_extra)
		abort();
	send(events, r, NULL, 0);
}

bool mb_devevents_inject(struct mb_devevents *events, uint8_t code,
			 const uint8_t *extra, size_t len, char **err)
{
	const struct row *r = find_row(code);

	if (!r) {
		mb_set_error(err, "0x%02x is not a device event of the band",
			     code);
		return false;
	}
	if (len < r->min_extra || len > r->max_extra) {
		mb_set_error(
			err,
			"device event 0x%02x (%s) takes %u bytes after its code, not %zu",
			code, r->name, r->max_extra, len);
		return false;
	}
	if (len && r->check && !r->check(extra, len)) {
		mb_set_error(
			err,
			"device event 0x%02x (%s): the bytes after the code are %s",
			code, r->name, r->extra_text);
		return false;
	}
	send(events, r, extra, len);
	return true;
}

static void send_with(struct mb_devevents *events, enum mb_devevent code,
		      uint8_t extra)
{
	send(events, find_row((uint8_t)code), &extra, 1);
}

/* ---- find phone ------------------------------------------------------- */

static void find_phone_event(struct mb_devevents *events, const char *state,
			     const char *by)
{
	struct mb_event ev;

	mb_event_init(&ev, MB_EVENT_FIND_PHONE);
	mb_event_add_string(&ev, "state", state);
	mb_event_add_string(&ev, "by", by);
	mb_svc_emit(events->svc, &ev);
}

void mb_devevents_link_up(struct mb_devevents *events)
{
	events->linked = true;
	events->announced = false;
}

/* ---- the MTU ------------------------------------------------------------ */

void mb_devevents_set_mtu_announce(struct mb_devevents *events, uint16_t mtu)
{
	events->announce_mtu = mtu;
}

/* A link starts at ATT_MTU 23; the band says what it can take, and the
 * phone may then exchange it (§13: Gadgetbridge reads 16 <mtu u16>).  A
 * phone that exchanged the MTU first is told nothing. */
void mb_devevents_subscribed(struct mb_devevents *events, bool on,
			     uint16_t link_mtu)
{
	uint8_t mtu[2];

	if (!on || !events->announce_mtu || events->announced ||
	    link_mtu != MTU_MIN)
		return;
	events->announced = true;
	mb_put_le16(mtu, events->announce_mtu);
	send(events, find_row(MB_DEVEVENT_MTU), mtu, sizeof(mtu));
}

void mb_devevents_link_down(struct mb_devevents *events)
{
	events->linked = false;
	if (events->find_phone == FIND_PHONE_IDLE)
		return;
	events->find_phone = FIND_PHONE_IDLE;
	find_phone_event(events, "stopped", "disconnected");
}

bool mb_devevents_find_phone(struct mb_devevents *events, bool start,
			     char **err)
{
	if (start && !events->linked) {
		mb_set_error(err, "no phone is connected");
		return false;
	}
	if (start == (events->find_phone != FIND_PHONE_IDLE)) {
		mb_set_error(err,
			     start ? "the band is looking for the phone already"
				   : "the band is not looking for the phone");
		return false;
	}
	mb_devevents_send(events, start ? MB_DEVEVENT_FIND_PHONE_START
					: MB_DEVEVENT_FIND_PHONE_STOP);
	events->find_phone = start ? FIND_PHONE_W4_ACK : FIND_PHONE_IDLE;
	find_phone_event(events, start ? "started" : "stopped", "band");
	return true;
}

/* 06 14 00 00: the phone rings (Gadgetbridge's answer to 08); 06 14 00
 * 01: it was found (satcar77 sends it after 0F).  An answer while the
 * band is not looking changes nothing (docs/policies.md#find-phone). */
void mb_devevents_find_phone_ack(struct mb_devevents *events, bool found)
{
	switch (events->find_phone) {
	case FIND_PHONE_IDLE:
		mb_svc_debug(events->svc, "find phone answer %u: not looking",
			     found);
		return;
	case FIND_PHONE_W4_ACK:
		if (found)
			break;
		events->find_phone = FIND_PHONE_W4_STOP;
		find_phone_event(events, "acknowledged", "phone");
		return;
	case FIND_PHONE_W4_STOP:
		if (!found)
			return;
		break;
	}
	events->find_phone = FIND_PHONE_IDLE;
	find_phone_event(events, "stopped", "phone");
}

bool mb_devevents_finding_phone(const struct mb_devevents *events)
{
	return events->find_phone != FIND_PHONE_IDLE;
}

/* ---- the band's menus ----------------------------------------------------- */

void mb_devevents_music(struct mb_devevents *events,
			enum mb_music_action action)
{
	send_with(events, MB_DEVEVENT_MUSIC, music[action].code);
	mb_svc_emit_string(events->svc, MB_EVENT_MUSIC_CONTROL, "action",
			   music[action].name);
}

void mb_devevents_workout(struct mb_devevents *events, bool gps, uint8_t type)
{
	const uint8_t extra[3] = { 0x00, gps, type };

	send(events, find_row(MB_DEVEVENT_WORKOUT), extra, sizeof(extra));
}

void mb_devevents_silent_mode(struct mb_devevents *events, bool on)
{
	send_with(events, MB_DEVEVENT_SILENT_MODE, on);
}

/* ---- the wearer ----------------------------------------------------------- */

static bool worn(enum wear w)
{
	return w == WEAR_AWAKE || w == WEAR_ASLEEP;
}

/* Sleep is 01 and 02; taken off the wrist is 06 (§9 has no "put on
 * again").  On the charger the band knows why it is off the wrist: no 06,
 * but non-wear says it is not worn (docs/policies.md#wearer-events). */
void mb_devevents_wearer(struct mb_devevents *events, uint8_t kind)
{
	enum wear was = events->wear, now = wear_of[kind & 0x0f];
	bool known = events->wear_known;

	events->wear = now;
	events->wear_known = true;
	if (!known || was == now)
		return;
	if ((was == WEAR_ASLEEP) != (now == WEAR_ASLEEP)) {
		bool asleep = now == WEAR_ASLEEP;

		mb_devevents_send(events, asleep ? MB_DEVEVENT_FELL_ASLEEP
						 : MB_DEVEVENT_WOKE_UP);
		mb_svc_emit_string(events->svc,
				   asleep ? MB_EVENT_FELL_ASLEEP
					  : MB_EVENT_WOKE_UP,
				   NULL, NULL);
	}
	if (worn(was) != worn(now)) {
		struct mb_event ev;

		if (now == WEAR_OFF_WRIST)
			mb_devevents_send(events, MB_DEVEVENT_NON_WEAR);
		mb_event_init(&ev, MB_EVENT_NON_WEAR);
		mb_event_add_byte(&ev, "worn", worn(now));
		mb_svc_emit(events->svc, &ev);
	}
}

void mb_devevents_wearer_unknown(struct mb_devevents *events)
{
	events->wear_known = false;
}
