// SPDX-License-Identifier: GPL-2.0-or-later
#include "hr.h"

#include <stdlib.h>
#include <string.h>

#include "att.h"
#include "life.h"
#include "power.h"
#include "rtc.h"
#include "services.h"
#include "settings.h"
#include "tick.h"

#define MINUTE_MS 60000ull

struct mb_hr {
	const struct mb_services *svc;
	const struct mb_policy *pol;
	const struct mb_rtc *rtc;
	struct mb_power *power;
	const struct mb_tick *tick;
	struct mb_settings *settings;
	/* The app's measurement: MANUAL, CONTINUOUS or NONE. */
	enum mb_hr_mode mode;
	uint64_t next_ms;	     /* its next reading */
	uint64_t keepalive_until_ms; /* continuous: stops when reached */
	uint8_t reading;	     /* its last reading, 0xff before one */
	uint64_t sensor_since_ms;    /* sensor time not yet paid for */
	uint64_t sensor_ms;
	/* The local minute an app's measurement last read a value in: it
	 * carries a heart rate in the log. */
	bool app_minute_set;
	uint32_t app_minute;
	uint8_t last_bpm;
	uint64_t last_at_ms;
};

static const char *const mode_names[] = {
	[MB_HR_MODE_NONE] = "",
	[MB_HR_MODE_MANUAL] = "manual",
	[MB_HR_MODE_CONTINUOUS] = "continuous",
	[MB_HR_MODE_SLEEP] = "sleep",
	[MB_HR_MODE_PERIODIC] = "periodic",
};

static const char *const stop_names[] = {
	[MB_HR_STOP_DONE] = "done",
	[MB_HR_STOP_CLIENT] = "client",
	[MB_HR_STOP_KEEPALIVE_LATE] = "keepalive-late",
	[MB_HR_STOP_NOT_WORN] = "not-worn",
	[MB_HR_STOP_DISCONNECTED] = "disconnected",
	[MB_HR_STOP_POWER_OFF] = "power-off",
};

const char *mb_hr_mode_name(enum mb_hr_mode mode)
{
	return mode < MB_ARRAY_SIZE(mode_names) ? mode_names[mode] : "";
}

const char *mb_hr_stop_name(enum mb_hr_stop reason)
{
	return reason < MB_ARRAY_SIZE(stop_names) ? stop_names[reason] : "";
}

struct mb_hr *mb_hr_new(const struct mb_services *svc,
			const struct mb_policy *policy,
			const struct mb_rtc *rtc, struct mb_power *power,
			const struct mb_tick *tick,
			struct mb_settings *settings)
{
	return MB_NEW(struct mb_hr, .svc = svc, .pol = policy, .rtc = rtc,
		      .power = power, .tick = tick, .settings = settings,
		      .reading = MB_HR_NONE);
}

void mb_hr_free(struct mb_hr *hr)
{
	free(hr);
}

enum mb_hr_mode mb_hr_scheduled(uint32_t interval_min, bool sleep_assist,
				unsigned int sleep_interval_min,
				uint32_t minute, uint8_t kind)
{
	bool asleep = kind == MB_LIFE_KIND_LIGHT_SLEEP ||
		      kind == MB_LIFE_KIND_DEEP_SLEEP;

	if (sleep_assist && asleep && sleep_interval_min &&
	    minute % sleep_interval_min == 0)
		return MB_HR_MODE_SLEEP;
	if (interval_min && minute % interval_min == 0)
		return MB_HR_MODE_PERIODIC;
	return MB_HR_MODE_NONE;
}

/* ---- events ------------------------------------------------------------- */

static void emit_mode(const struct mb_hr *hr, enum mb_event_id id,
		      enum mb_hr_mode mode)
{
	mb_svc_emit_string(hr->svc, id, "mode", mb_hr_mode_name(mode));
}

static void emit_measured(const struct mb_hr *hr, enum mb_hr_mode mode,
			  uint8_t bpm)
{
	struct mb_event ev;

	mb_event_init(&ev, MB_EVENT_HR_MEASURED);
	mb_event_add_string(&ev, "mode", mb_hr_mode_name(mode));
	mb_event_add_byte(&ev, "bpm", bpm);
	mb_svc_emit(hr->svc, &ev);
}

/* §2.3: results arrive on 0x2A37 as 00 <bpm>. */
static void notify_bpm(const struct mb_hr *hr, uint8_t bpm)
{
	const uint8_t value[2] = { 0x00, bpm };

	mb_svc_notify(hr->svc, MB_CHR_HR_MEASUREMENT, value, sizeof(value));
}

/* ---- the app's measurement ---------------------------------------------- */

/* The sensor costs battery for every second it runs for an app. */
static void pay_sensor(struct mb_hr *hr, uint64_t now)
{
	if (now > hr->sensor_since_ms)
		hr->sensor_ms += now - hr->sensor_since_ms;
	hr->sensor_since_ms = now;
	if (hr->sensor_ms >= 1000) {
		mb_power_use(hr->power, MB_DRAIN_HR_SENSOR,
			     (unsigned int)(hr->sensor_ms / 1000));
		hr->sensor_ms %= 1000;
	}
}

static void stop(struct mb_hr *hr, enum mb_hr_stop reason, uint64_t now)
{
	struct mb_event ev;
	enum mb_hr_mode mode = hr->mode;

	if (mode == MB_HR_MODE_NONE)
		return;
	pay_sensor(hr, now);
	hr->mode = MB_HR_MODE_NONE;
	hr->reading = MB_HR_NONE;
	mb_event_init(&ev, MB_EVENT_HR_STOPPED);
	mb_event_add_string(&ev, "mode", mb_hr_mode_name(mode));
	mb_event_add_string(&ev, "reason", mb_hr_stop_name(reason));
	mb_svc_emit(hr->svc, &ev);
}

/* One measurement at a time: starting one mode stops the other.  The
 * same mode again goes on as it was (docs/policies.md#heart-rate); a
 * continuous one takes it as a keep-alive. */
static void start(struct mb_hr *hr, enum mb_hr_mode mode)
{
	uint64_t now = mb_svc_now(hr->svc);

	hr->keepalive_until_ms =
		now + hr->pol->hr_keepalive_timeout_s * 1000ull;
	if (hr->mode == mode)
		return;
	stop(hr, MB_HR_STOP_CLIENT, now);
	hr->mode = mode;
	hr->reading = MB_HR_NONE;
	hr->sensor_since_ms = now;
	hr->next_ms = now + (mode == MB_HR_MODE_MANUAL
				     ? hr->pol->hr_manual_measure_s * 1000ull
				     : hr->pol->hr_continuous_period_ms);
	emit_mode(hr, MB_EVENT_HR_STARTED, mode);
}

static void take_reading(struct mb_hr *hr, uint64_t at)
{
	int64_t local_ms = mb_rtc_local_ms_at(hr->rtc, at);
	uint8_t bpm = mb_life_bpm(mb_tick_life_seed(hr->tick), local_ms);

	pay_sensor(hr, at);
	if (bpm == MB_HR_NONE) {
		/* Off the wrist there is nothing to read: 00 00 or nothing
		 * (hr-not-worn), and the measurement gives up. */
		if (hr->pol->hr_not_worn == MB_HR_NOT_WORN_ZERO)
			notify_bpm(hr, 0);
		stop(hr, MB_HR_STOP_NOT_WORN, at);
		return;
	}
	hr->reading = hr->last_bpm = bpm;
	hr->last_at_ms = at;
	hr->app_minute = (uint32_t)(local_ms / (int64_t)MINUTE_MS);
	hr->app_minute_set = true;
	notify_bpm(hr, bpm);
	emit_measured(hr, hr->mode, bpm);
	if (hr->mode == MB_HR_MODE_MANUAL)
		stop(hr, MB_HR_STOP_DONE, at);
	else
		hr->next_ms = at + hr->pol->hr_continuous_period_ms;
}

uint64_t mb_hr_deadline(const struct mb_hr *hr)
{
	switch (hr->mode) {
	case MB_HR_MODE_MANUAL:
		return hr->next_ms;
	case MB_HR_MODE_CONTINUOUS:
		return hr->keepalive_until_ms < hr->next_ms
			       ? hr->keepalive_until_ms
			       : hr->next_ms;
	case MB_HR_MODE_NONE:
	case MB_HR_MODE_SLEEP:
	case MB_HR_MODE_PERIODIC:
		break;
	}
	return UINT64_MAX;
}

void mb_hr_run(struct mb_hr *hr, uint64_t at)
{
	if (mb_power_state(hr->power) != MB_POWER_STATE_ON) {
		stop(hr, MB_HR_STOP_POWER_OFF, at);
		return;
	}
	/* A keep-alive due with a reading: late, the reading is not
	 * taken (Gadgetbridge #913: the band turns continuous measurement
	 * off by itself). */
	if (hr->mode == MB_HR_MODE_CONTINUOUS &&
	    hr->keepalive_until_ms <= hr->next_ms) {
		stop(hr, MB_HR_STOP_KEEPALIVE_LATE, at);
		return;
	}
	take_reading(hr, at);
}

void mb_hr_link_down(struct mb_hr *hr)
{
	stop(hr, MB_HR_STOP_DISCONNECTED, mb_svc_now(hr->svc));
}

/* ---- the band's own readings: the minutes of the log --------------------- */

void mb_hr_minute(struct mb_hr *hr, uint32_t minute,
		  uint8_t sample[MB_SAMPLE_LEN])
{
	const struct mb_settings_values *v = mb_settings_values(hr->settings);
	enum mb_hr_mode mode;

	if (sample[3] == MB_HR_NONE)
		return;
	if (mb_power_state(hr->power) != MB_POWER_STATE_ON) {
		sample[3] = MB_HR_NONE;
		return;
	}
	if (hr->app_minute_set && hr->app_minute == minute)
		return;
	mode = mb_hr_scheduled(v->v[MB_SETTING_HR_INTERVAL],
			       v->v[MB_SETTING_SLEEP_ASSIST],
			       hr->pol->hr_sleep_interval_min, minute,
			       sample[0]);
	if (mode == MB_HR_MODE_NONE) {
		sample[3] = MB_HR_NONE;
		return;
	}
	hr->last_bpm = sample[3];
	hr->last_at_ms = mb_svc_now(hr->svc);
	/* A real band's log shows readings on a subscribed 0x2A37 that no
	 * command asked for, a minute apart (protocol fact sheet sources:
	 * bruno, HR-01): the all-day ones (hr-periodic-notify). */
	if (hr->pol->hr_periodic_notify)
		notify_bpm(hr, sample[3]);
	emit_measured(hr, mode, sample[3]);
}

/* ---- state ---------------------------------------------------------------- */

enum mb_hr_mode mb_hr_mode(const struct mb_hr *hr)
{
	return hr->mode;
}

uint8_t mb_hr_last_bpm(const struct mb_hr *hr)
{
	return hr->last_bpm;
}

uint64_t mb_hr_last_at(const struct mb_hr *hr)
{
	return hr->last_at_ms;
}

uint8_t mb_hr_adv_byte(const struct mb_hr *hr)
{
	return hr->mode == MB_HR_MODE_NONE ? MB_HR_NONE : hr->reading;
}

/* ---- 0x2A39 ----------------------------------------------------------------- */

static void cmd_manual(struct mb_hr *hr, bool on)
{
	if (on)
		start(hr, MB_HR_MODE_MANUAL);
	else if (hr->mode == MB_HR_MODE_MANUAL)
		stop(hr, MB_HR_STOP_CLIENT, mb_svc_now(hr->svc));
	/* 15 02 00 with nothing running: a habit of clients that stop
	 * before they start (satcar77); harmless. */
}

static void cmd_continuous(struct mb_hr *hr, bool on)
{
	if (on)
		start(hr, MB_HR_MODE_CONTINUOUS);
	else if (hr->mode == MB_HR_MODE_CONTINUOUS)
		stop(hr, MB_HR_STOP_CLIENT, mb_svc_now(hr->svc));
}

static void cmd_keepalive(struct mb_hr *hr, bool on)
{
	/* 16 with nothing running is taken and does nothing. */
	if (hr->mode == MB_HR_MODE_CONTINUOUS)
		hr->keepalive_until_ms =
			mb_svc_now(hr->svc) +
			hr->pol->hr_keepalive_timeout_s * 1000ull;
}

/* The measurement commands of §2.3, by their leading bytes; each has
 * exactly len bytes, and a last byte 00 or 01 where it has one.  What no
 * row knows (14 <minutes>, 15 00 <on>: settings) is the settings'. */
static const struct hr_cmd {
	uint8_t prefix[2];
	uint8_t prefix_len;
	uint8_t len;
	void (*run)(struct mb_hr *hr, bool on);
} hr_cmds[] = {
	{ { 0x15, 0x02 }, 2, 3, cmd_manual },
	{ { 0x15, 0x01 }, 2, 3, cmd_continuous },
	{ { 0x16 }, 1, 1, cmd_keepalive },
};

static const struct hr_cmd *find_cmd(const uint8_t *v, size_t len)
{
	for (size_t i = 0; i < MB_ARRAY_SIZE(hr_cmds); i++) {
		const struct hr_cmd *c = &hr_cmds[i];
		size_t k = len < c->prefix_len ? len : c->prefix_len;

		/* Cut short, a command is still the one it agrees with. */
		if (!memcmp(v, c->prefix, k))
			return c;
	}
	return NULL;
}

static void malformed(const struct mb_hr *hr, uint8_t command)
{
	struct mb_event ev;

	mb_event_init(&ev, MB_EVENT_MALFORMED);
	mb_event_add_string(&ev, "characteristic",
			    mb_chr_uuid(MB_CHR_HR_CONTROL));
	mb_event_add_byte(&ev, "command", command);
	mb_svc_emit(hr->svc, &ev);
}

/* 0x2A39 has no notify: a malformed command is the write's ATT error,
 * as for its settings (docs/policies.md#settings), and changes nothing. */
static uint8_t write_control(void *part, const uint8_t *value, size_t len,
			     bool command)
{
	struct mb_hr *hr = part;
	const struct hr_cmd *c;

	if (!len)
		return MB_ATT_ERROR_INVALID_VALUE_LEN;
	c = find_cmd(value, len);
	if (!c)
		return mb_settings_write_hr(hr->settings, value, len);
	if (len != c->len) {
		malformed(hr, value[0]);
		return MB_ATT_ERROR_INVALID_VALUE_LEN;
	}
	if (c->len > c->prefix_len && value[len - 1] > 1) {
		malformed(hr, value[0]);
		return MB_ATT_ERROR_VALUE_NOT_ALLOWED;
	}
	c->run(hr, value[len - 1] == 1);
	return 0;
}

const struct mb_chr_route mb_hr_routes[] = {
	{ MB_CHR_HR_CONTROL, NULL, write_control },
};
const size_t mb_hr_n_routes = MB_ARRAY_SIZE(mb_hr_routes);

MB_TIMER(mb_hr_timer, mb_hr_deadline, mb_hr_run);
