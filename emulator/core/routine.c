// SPDX-License-Identifier: GPL-2.0-or-later
#include "routine.h"

#include <stdio.h>
#include <stdlib.h>

#include "datetime.h"
#include "life.h"
#include "services.h"

#define MINUTE_MS 60000ull
#define DAY_MINUTES 1440u

/* What may keep a vibration back (docs/policies.md#dnd-silences). */
enum quiet {
	QUIET_NEVER,  /* an alarm rings through everything */
	QUIET_ALERT,  /* do-not-disturb and the phone's silent mode */
	QUIET_POLICY, /* do-not-disturb, if dnd-silences says so */
};

/* How the band vibrates (docs/policies.md#vibration): on and off times in
 * ms, on first.  A reason without a pattern of its own gets the first. */
enum pattern {
	PATTERN_NOTIFY,
	PATTERN_ALARM,
	PATTERN_CHIME,
	PATTERN_NUDGE,
	PATTERN_GOAL,
	PATTERN_COUNT
};

#define PATTERN_STEPS 20
#define STEPS(...)                                                         \
	{                                                                  \
		{ __VA_ARGS__ },                                           \
			MB_ARRAY_SIZE(((const uint16_t[]){ __VA_ARGS__ })) \
	}
#define ALARM_CYCLE 600, 400

static const struct mb_routine_pattern {
	uint16_t ms[PATTERN_STEPS];
	size_t n;
} patterns[PATTERN_COUNT] = {
	[PATTERN_NOTIFY] = STEPS(200, 150, 200),
	[PATTERN_ALARM] = STEPS(ALARM_CYCLE, ALARM_CYCLE, ALARM_CYCLE,
				ALARM_CYCLE, ALARM_CYCLE, ALARM_CYCLE,
				ALARM_CYCLE, ALARM_CYCLE, ALARM_CYCLE, 600),
	[PATTERN_CHIME] = STEPS(300),
	[PATTERN_NUDGE] = STEPS(400, 200, 400, 200, 400),
	[PATTERN_GOAL] = STEPS(150, 100, 150, 100, 150, 100, 600),
};

static const struct {
	const char *name;
	enum quiet quiet;
	enum pattern pattern;
} vibrations[MB_VIBRATION_COUNT] = {
	[MB_VIBRATION_ALARM] = { "alarm", QUIET_NEVER, PATTERN_ALARM },
	[MB_VIBRATION_ALERT] = { "alert", QUIET_ALERT, PATTERN_NOTIFY },
	[MB_VIBRATION_CHIME] = { "chime", QUIET_POLICY, PATTERN_CHIME },
	[MB_VIBRATION_INACTIVITY] = { "inactivity", QUIET_POLICY,
				      PATTERN_NUDGE },
	[MB_VIBRATION_GOAL] = { "goal", QUIET_POLICY, PATTERN_GOAL },
	[MB_VIBRATION_CALL] = { "call", QUIET_ALERT, PATTERN_ALARM },
	/* Someone looks for the band: keeping it still would hide it
	 * (docs/policies.md#dnd-silences). */
	[MB_VIBRATION_FIND_BAND] = { "find-band", QUIET_NEVER, PATTERN_ALARM },
};

struct mb_routine {
	const struct mb_services *svc;
	const struct mb_policy *pol;
	const struct mb_rtc *rtc;
	const struct mb_power *power;
	const struct mb_tick *tick;
	struct mb_settings *settings;
	struct mb_devevents *devevents;
	uint64_t next_minute_ms;
	/* The alarm that rang and rings again (snooze): its slot, its
	 * rings so far, the local minute of the next. */
	int snoozing;
	unsigned int rings;
	uint64_t ring_again;
	/* Minutes the wearer sat still inside an inactivity window. */
	unsigned int idle;
	/* The day's steps at the last minute: the goal is reached when
	 * they pass it. */
	bool steps_known;
	uint32_t steps;
};

struct mb_routine *
mb_routine_new(const struct mb_services *svc, const struct mb_profile *profile,
	       const struct mb_rtc *rtc, const struct mb_power *power,
	       const struct mb_tick *tick, struct mb_settings *settings,
	       struct mb_devevents *devevents)
{
	return MB_NEW(struct mb_routine, .svc = svc,
		      .pol = mb_profile_policy(profile), .rtc = rtc,
		      .power = power, .tick = tick, .settings = settings,
		      .devevents = devevents, .snoozing = -1,
		      .next_minute_ms = mb_rtc_next_minute(rtc));
}

void mb_routine_free(struct mb_routine *routine)
{
	free(routine);
}

void mb_routine_rtc_changed(struct mb_routine *routine)
{
	routine->next_minute_ms = mb_rtc_next_minute(routine->rtc);
}

uint64_t mb_routine_deadline(const struct mb_routine *routine)
{
	return routine->next_minute_ms;
}

static const uint32_t *setting(const struct mb_routine *r)
{
	return mb_settings_values(r->settings)->v;
}

static bool asleep(const struct mb_routine *r)
{
	uint8_t s[MB_SAMPLE_LEN];

	mb_tick_last_sample(r->tick, s);
	return s[0] == MB_LIFE_KIND_LIGHT_SLEEP ||
	       s[0] == MB_LIFE_KIND_DEEP_SLEEP;
}

/* Automatic do-not-disturb is while the wearer sleeps
 * (docs/settings.md). */
static bool dnd_now(const struct mb_routine *r)
{
	const uint32_t *v = setting(r);
	uint32_t t = (uint32_t)(mb_rtc_local_time(r->rtc) / 60 % DAY_MINUTES);

	switch (v[MB_SETTING_DND]) {
	case 1:
		return asleep(r);
	case 2:
		return mb_setting_in_window(t, v[MB_SETTING_DND_START],
					    v[MB_SETTING_DND_END]);
	default:
		return false;
	}
}

/* vibrate {reason, pattern: "on,off,on" in ms, duration-ms: their sum}. */
static void emit_vibrate(const struct mb_routine *r, enum mb_vibration why)
{
	const struct mb_routine_pattern *p = &patterns[vibrations[why].pattern];
	char text[PATTERN_STEPS * 6 + 1];
	uint32_t total = 0;
	size_t off = 0;
	struct mb_event ev;

	text[0] = '\0';
	for (size_t i = 0; i < p->n; i++) {
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					i ? ",%u" : "%u", p->ms[i]);
		total += p->ms[i];
	}
	mb_event_init(&ev, MB_EVENT_VIBRATE);
	mb_event_add_string(&ev, "reason", vibrations[why].name);
	mb_event_add_string(&ev, "pattern", text);
	mb_event_add_uint32(&ev, "duration-ms", total);
	mb_svc_emit(r->svc, &ev);
}

bool mb_routine_vibrate(struct mb_routine *routine, enum mb_vibration why)
{
	bool quiet = false;

	switch (vibrations[why].quiet) {
	case QUIET_NEVER:
		break;
	case QUIET_ALERT:
		quiet = dnd_now(routine) ||
			setting(routine)[MB_SETTING_PHONE_SILENT];
		break;
	case QUIET_POLICY:
		quiet = routine->pol->dnd_silences ==
				MB_DND_SILENCES_ALL_BUT_ALARMS &&
			dnd_now(routine);
		break;
	}
	if (quiet) {
		mb_svc_debug(routine->svc, "%s: kept still",
			     vibrations[why].name);
		return false;
	}
	emit_vibrate(routine, why);
	return true;
}

static void ring(struct mb_routine *r, unsigned int slot, uint64_t minute)
{
	struct mb_event ev;

	mb_event_init(&ev, MB_EVENT_ALARM_RANG);
	mb_event_add_byte(&ev, "slot", (uint8_t)slot);
	mb_event_add_byte(&ev, "ring", (uint8_t)r->rings);
	mb_svc_emit(r->svc, &ev);
	mb_routine_vibrate(r, MB_VIBRATION_ALARM);
	r->ring_again = minute + r->pol->alarm_snooze_min;
}

/* The alarms due at local minute (minutes since the epoch): §11 02, days
 * bit 0 Monday .. bit 6 Sunday, or once.  An alarm with snooze nobody
 * stops rings again alarm-snooze-times times (docs/policies.md). */
static void alarms(struct mb_routine *r, uint64_t minute)
{
	const struct mb_settings_values *v = mb_settings_values(r->settings);
	uint32_t t = (uint32_t)(minute % DAY_MINUTES);
	uint8_t today = (uint8_t)(1u << (mb_weekday((int64_t)minute * 60) - 1));

	/* The first ring counts 1; a clock set past the next ends it. */
	if (r->snoozing >= 0 && minute > r->ring_again) {
		r->snoozing = -1;
	} else if (r->snoozing >= 0 && minute == r->ring_again) {
		r->rings++;
		ring(r, (unsigned int)r->snoozing, minute);
		if (r->rings > r->pol->alarm_snooze_times)
			r->snoozing = -1;
	}
	for (unsigned int i = 0; i < MB_ALARM_SLOTS; i++) {
		const struct mb_alarm *a = &v->alarms[i];

		if (!a->enabled || a->hour * 60u + a->minute != t ||
		    !(a->days == MB_ALARM_ONCE || a->days & today))
			continue;
		r->rings = 1;
		r->snoozing = a->snooze && r->pol->alarm_snooze_times ? (int)i
								      : -1;
		ring(r, i, minute);
		mb_settings_alarm_done(r->settings, i);
	}
}

/* On the hour, inside its window, both ends included (§11 FE 0B). */
static void chime(struct mb_routine *r, uint64_t minute)
{
	const uint32_t *v = setting(r);
	uint32_t t = (uint32_t)(minute % DAY_MINUTES);

	if (!v[MB_SETTING_HOURLY_CHIME] || t % 60 ||
	    !mb_setting_in_window(t, v[MB_SETTING_HOURLY_CHIME_START],
				  v[MB_SETTING_HOURLY_CHIME_END] + 1))
		return;
	mb_svc_emit_u32(r->svc, MB_EVENT_HOURLY_CHIME, "hour", t / 60);
	mb_routine_vibrate(r, MB_VIBRATION_CHIME);
}

/* §11 08: a warning once the wearer has sat still for the threshold,
 * counting only the minutes inside a window; walking, sleeping, the band
 * off the wrist or on the charger start the count again. */
static void inactivity(struct mb_routine *r, uint64_t minute)
{
	const uint32_t *v = setting(r);
	uint32_t t = (uint32_t)((minute + DAY_MINUTES - 1) % DAY_MINUTES);
	uint8_t s[MB_SAMPLE_LEN];
	bool inside;

	mb_tick_last_sample(r->tick, s);
	inside = mb_setting_in_window(t, v[MB_SETTING_INACTIVITY_START],
				      v[MB_SETTING_INACTIVITY_END]) ||
		 mb_setting_in_window(t, v[MB_SETTING_INACTIVITY_START2],
				      v[MB_SETTING_INACTIVITY_END2]);
	if (!v[MB_SETTING_INACTIVITY] || !inside ||
	    s[0] != MB_LIFE_KIND_SEDENTARY) {
		r->idle = 0;
		return;
	}
	if (++r->idle < v[MB_SETTING_INACTIVITY_MINUTES])
		return;
	mb_svc_emit_u32(r->svc, MB_EVENT_INACTIVITY_WARNING, "minutes",
			r->idle);
	r->idle = 0;
	mb_routine_vibrate(r, MB_VIBRATION_INACTIVITY);
}

/* §9 03: the day's steps passed the goal (a new day starts from 0). */
static void goal(struct mb_routine *r)
{
	uint32_t steps = mb_tick_steps(r->tick);
	uint32_t target = setting(r)[MB_SETTING_STEP_GOAL];
	bool passed = r->steps_known && steps >= target &&
		      (steps < r->steps || r->steps < target);
	struct mb_event ev;

	r->steps_known = true;
	r->steps = steps;
	if (!passed)
		return;
	mb_event_init(&ev, MB_EVENT_GOAL_REACHED);
	mb_event_add_uint32(&ev, "steps", steps);
	mb_event_add_uint32(&ev, "goal", target);
	mb_svc_emit(r->svc, &ev);
	mb_devevents_send(r->devevents, MB_DEVEVENT_GOAL_REACHED);
	if (setting(r)[MB_SETTING_GOAL_NOTIFICATION])
		mb_routine_vibrate(r, MB_VIBRATION_GOAL);
}

void mb_routine_run(struct mb_routine *routine, uint64_t at)
{
	uint64_t minute =
		(uint64_t)(mb_rtc_local_ms_at(routine->rtc, at) / 60000);

	routine->next_minute_ms += MINUTE_MS;
	/* A band that is off does nothing on its own. */
	if (mb_power_state(routine->power) != MB_POWER_STATE_ON) {
		routine->idle = 0;
		routine->snoozing = -1;
		return;
	}
	alarms(routine, minute);
	chime(routine, minute);
	inactivity(routine, minute);
	goal(routine);
}

MB_TIMER(mb_routine_timer, mb_routine_deadline, mb_routine_run);
