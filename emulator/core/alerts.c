// SPDX-License-Identifier: GPL-2.0-or-later
#include "alerts.h"

#include <stdlib.h>

#include "att.h"
#include "chunked.h"

/* 0x2A06 (protocol §2.1): 0 none, 1 message, 2 phone call, 3 vibrate
 * only, which Gadgetbridge's find band writes until it writes 0. */
#define ALERT_LEVEL_NONE 0
#define ALERT_LEVEL_FIND 3

static const struct {
	enum mb_vibration why; /* MB_VIBRATION_COUNT: none */
	bool lasts;	       /* until level 0 */
} levels[] = {
	[ALERT_LEVEL_NONE] = { MB_VIBRATION_COUNT, false },
	[1] = { MB_VIBRATION_ALERT, false },
	[2] = { MB_VIBRATION_CALL, false },
	[ALERT_LEVEL_FIND] = { MB_VIBRATION_FIND_BAND, true },
};

/* Where an alert came from (alert-received's via). */
#define VIA_NEW_ALERT "new-alert"
#define VIA_CHUNKED "chunked"

struct mb_alerts {
	const struct mb_services *svc;
	const struct mb_policy *pol;
	struct mb_routine *routine;
	struct mb_call *call;
	struct mb_chunked *chunked;
	mb_alerts_gps_fn gps;
	void *gps_data;
	uint64_t chunk_deadline; /* UINT64_MAX: no transfer waits */
	unsigned int find_level;
	bool have_alert, have_weather, have_music;
	struct mb_alert alert;
	struct mb_weather weather;
	struct mb_music music;
};

struct mb_alerts *mb_alerts_new(const struct mb_services *svc,
				const struct mb_policy *policy,
				struct mb_routine *routine,
				struct mb_devevents *devevents)
{
	return MB_NEW(struct mb_alerts, .svc = svc, .pol = policy,
		      .routine = routine,
		      .call = mb_call_new(svc, routine, devevents),
		      .chunked = mb_chunked_new(policy->chunk_max_bytes),
		      .chunk_deadline = UINT64_MAX);
}

void mb_alerts_set_gps(struct mb_alerts *alerts, mb_alerts_gps_fn fn,
		       void *user_data)
{
	alerts->gps = fn;
	alerts->gps_data = user_data;
}

void mb_alerts_free(struct mb_alerts *alerts)
{
	if (!alerts)
		return;
	mb_chunked_free(alerts->chunked);
	mb_call_free(alerts->call);
	free(alerts);
}

/* An alert is shown; a call rings instead. */
static void show(struct mb_alerts *a, const struct mb_alert *alert,
		 const char *via)
{
	struct mb_event ev;

	if (alert->category == MB_ALERT_CATEGORY_CALL) {
		mb_call_ring(a->call,
			     *alert->title ? alert->title : alert->text);
		return;
	}
	a->alert = *alert;
	a->have_alert = true;
	mb_event_init(&ev, MB_EVENT_ALERT_RECEIVED);
	mb_event_add_string(&ev, "category",
			    mb_alert_category_name(a->alert.category));
	mb_event_add_string(&ev, "title", a->alert.title);
	mb_event_add_string(&ev, "text", a->alert.text);
	mb_event_add_string(&ev, "via", via);
	mb_svc_emit(a->svc, &ev);
	mb_routine_vibrate(a->routine, MB_VIBRATION_ALERT);
}

/* 0x2A46: a Write Request, or the value Execute Write assembled.  What
 * the band cannot show is refused and changes nothing
 * (docs/policies.md#alerts). */
static uint8_t write_new_alert(void *part, const uint8_t *v, size_t len,
			       bool command)
{
	struct mb_alert alert;

	switch (mb_alert_parse(v, len, &alert)) {
	case MB_ALERT_PARSE_OK:
		break;
	case MB_ALERT_PARSE_SHORT:
		return MB_ATT_ERROR_INVALID_VALUE_LEN;
	case MB_ALERT_PARSE_CATEGORY:
		return MB_ATT_ERROR_VALUE_NOT_ALLOWED;
	}
	show(part, &alert, VIA_NEW_ALERT);
	return 0;
}

static void find_band(struct mb_alerts *a, uint8_t level)
{
	if (level == ALERT_LEVEL_NONE)
		/* Gadgetbridge ends a call's alert this way too. */
		mb_call_end(a->call, MB_CALL_END_PHONE);
	a->find_level = levels[level].lasts ? level : 0;
	mb_svc_emit_u32(a->svc, MB_EVENT_FIND_BAND, "level", level);
	if (levels[level].why != MB_VIBRATION_COUNT)
		mb_routine_vibrate(a->routine, levels[level].why);
}

/* A Write Command: what is not one level byte is let go with a word
 * (no response exists to refuse it in). */
static uint8_t write_alert_level(void *part, const uint8_t *v, size_t len,
				 bool command)
{
	struct mb_alerts *a = part;
	struct mb_event ev;

	if (len == 1 && v[0] < MB_ARRAY_SIZE(levels)) {
		find_band(a, v[0]);
		return 0;
	}
	mb_event_init(&ev, MB_EVENT_MALFORMED);
	mb_event_add_string(&ev, "characteristic",
			    mb_chr_uuid(MB_CHR_ALERT_LEVEL));
	mb_svc_emit(a->svc, &ev);
	return 0;
}

/* ---- chunked transfers ------------------------------------------------- */

static void dropped(struct mb_alerts *a, uint8_t type,
		    enum mb_chunk_drop reason)
{
	struct mb_event ev;

	mb_event_init(&ev, MB_EVENT_CHUNK_DROPPED);
	mb_event_add_byte(&ev, "type", type);
	mb_event_add_string(&ev, "reason", mb_chunk_drop_name(reason));
	mb_svc_emit(a->svc, &ev);
}

static bool take_alert(struct mb_alerts *a, const uint8_t *v, size_t len)
{
	struct mb_alert alert;

	if (mb_alert_parse(v, len, &alert) != MB_ALERT_PARSE_OK)
		return false;
	show(a, &alert, VIA_CHUNKED);
	return true;
}

static bool take_weather(struct mb_alerts *a, const uint8_t *v, size_t len)
{
	struct mb_weather w;

	if (!mb_weather_parse(v, len, &w))
		return false;
	a->weather = w;
	a->have_weather = true;
	mb_svc_emit_string(a->svc, MB_EVENT_WEATHER_RECEIVED, "text",
			   a->weather.text);
	return true;
}

static bool take_music(struct mb_alerts *a, const uint8_t *v, size_t len)
{
	struct mb_event ev;
	struct mb_music m;

	if (!mb_music_parse(v, len, &m))
		return false;
	a->music = m;
	a->have_music = true;
	mb_event_init(&ev, MB_EVENT_MUSIC_INFO);
	mb_event_add_string(&ev, "state", mb_music_state_name(a->music.state));
	mb_event_add_string(&ev, "track", a->music.track);
	mb_event_add_string(&ev, "artist", a->music.artist);
	mb_svc_emit(a->svc, &ev);
	return true;
}

/* The phone's GPS in a workout (GB sendPhoneGps): the sport mode's. */
static bool take_gps(struct mb_alerts *a, const uint8_t *v, size_t len)
{
	return a->gps && a->gps(a->gps_data, v, len);
}

/* protocol §2.6: the types Gadgetbridge and satcar77 send. */
static const struct {
	uint8_t type;
	bool (*take)(struct mb_alerts *a, const uint8_t *v, size_t len);
} chunk_types[] = {
	{ 0, take_alert },
	{ 1, take_weather },
	{ 3, take_music },
	{ 6, take_gps },
};

static void completed(struct mb_alerts *a)
{
	uint8_t type = mb_chunked_type(a->chunked);
	const uint8_t *v;
	size_t len, i;

	v = mb_chunked_data(a->chunked, &len);
	for (i = 0; i < MB_ARRAY_SIZE(chunk_types); i++)
		if (chunk_types[i].type == type)
			break;
	if (i == MB_ARRAY_SIZE(chunk_types))
		dropped(a, type, MB_CHUNK_DROP_UNKNOWN_TYPE);
	else if (!chunk_types[i].take(a, v, len))
		dropped(a, type, MB_CHUNK_DROP_MALFORMED);
}

static void chunk_result(struct mb_alerts *a, const struct mb_chunk_result *r)
{
	if (r->dropped)
		dropped(a, r->dropped_type, r->reason);
	if (r->done)
		completed(a);
	a->chunk_deadline = UINT64_MAX;
	if (mb_chunked_pending(a->chunked) && a->pol->chunk_timeout_s)
		a->chunk_deadline =
			mb_svc_now(a->svc) + a->pol->chunk_timeout_s * 1000ull;
}

static uint8_t write_chunk(void *part, const uint8_t *v, size_t len,
			   bool command)
{
	struct mb_alerts *a = part;
	struct mb_chunk_result r;

	mb_chunked_write(a->chunked, v, len, &r);
	chunk_result(a, &r);
	return 0;
}

const struct mb_chr_route mb_alerts_routes[] = {
	{ MB_CHR_NEW_ALERT, NULL, write_new_alert },
	{ MB_CHR_ALERT_LEVEL, NULL, write_alert_level },
	{ MB_CHR_CHUNKED, NULL, write_chunk },
};
const size_t mb_alerts_n_routes = MB_ARRAY_SIZE(mb_alerts_routes);

/* ---- the band's side ----------------------------------------------------- */

static void abort_transfer(struct mb_alerts *a, enum mb_chunk_drop reason)
{
	struct mb_chunk_result r;

	mb_chunked_abort(a->chunked, reason, &r);
	chunk_result(a, &r);
}

void mb_alerts_link_down(struct mb_alerts *alerts)
{
	abort_transfer(alerts, MB_CHUNK_DROP_DISCONNECTED);
	mb_call_end(alerts->call, MB_CALL_END_DISCONNECTED);
	if (alerts->find_level)
		find_band(alerts, ALERT_LEVEL_NONE);
}

bool mb_alerts_answer_call(struct mb_alerts *alerts, enum mb_call_end how)
{
	return mb_call_end(alerts->call, how);
}

uint64_t mb_alerts_deadline(const struct mb_alerts *alerts)
{
	return alerts->chunk_deadline;
}

void mb_alerts_run(struct mb_alerts *alerts, uint64_t at)
{
	abort_transfer(alerts, MB_CHUNK_DROP_TIMEOUT);
}

MB_TIMER(mb_alerts_timer, mb_alerts_deadline, mb_alerts_run);

const struct mb_call *mb_alerts_call(const struct mb_alerts *alerts)
{
	return alerts->call;
}

unsigned int mb_alerts_find_level(const struct mb_alerts *alerts)
{
	return alerts->find_level;
}

const struct mb_alert *mb_alerts_last(const struct mb_alerts *alerts)
{
	return alerts->have_alert ? &alerts->alert : NULL;
}

const struct mb_weather *mb_alerts_weather(const struct mb_alerts *alerts)
{
	return alerts->have_weather ? &alerts->weather : NULL;
}

const struct mb_music *mb_alerts_music(const struct mb_alerts *alerts)
{
	return alerts->have_music ? &alerts->music : NULL;
}

bool mb_alerts_chunk_pending(const struct mb_alerts *alerts)
{
	return mb_chunked_pending(alerts->chunked);
}
