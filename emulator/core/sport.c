// SPDX-License-Identifier: GPL-2.0-or-later
/* The band's sport mode (sport.h; docs/workouts.md). */
#include "sport.h"

#include <stdlib.h>
#include <string.h>

#include "life.h"
#include "util.h"
#include "workout-wire.h"

#define SECOND_MS 1000u
/* Decimetres a step, as the day's totals count them (tick.c). */
#define STEP_DM 7

/* The workout's status on 0000000f: 11 <status> (GB HuamiWorkoutStatus;
 * pause 03 and resume 04 are not modelled). */
#define STATUS_PREFIX 0x11
#define STATUS_START 0x02
#define STATUS_END 0x05

struct kind_row {
	const char *name;
	bool gps;
	/* Device event 14's workout type, numbered otherwise than the
	 * summary's kind (GB HuamiWorkoutTrackActivityType). */
	uint8_t event_type;
};

/* The MB4's workout menu; outdoor kinds ask the phone for GPS. */
static const struct kind_row kinds[] = {
	[MB_SPORT_OUTDOOR_RUN] = { "outdoor-run", true, 0x01 },
	[MB_SPORT_TREADMILL] = { "treadmill", false, 0x02 },
	[MB_SPORT_WALKING] = { "walking", true, 0x04 },
	[MB_SPORT_CYCLING] = { "cycling", true, 0x03 },
	[MB_SPORT_EXERCISE] = { "exercise", false, 0x0b },
	[MB_SPORT_POOL_SWIM] = { "pool-swim", false, 0x05 },
};

static const char *const end_names[] = {
	[MB_SPORT_END_WEARER] = "wearer",
	[MB_SPORT_END_RUN_OVER] = "run-over",
	[MB_SPORT_END_POWER_OFF] = "power-off",
	[MB_SPORT_END_RESET] = "reset",
};

struct mb_sport {
	const struct mb_services *svc;
	const struct mb_policy *policy;
	const struct mb_rtc *rtc;
	const struct mb_power *power;
	const struct mb_tick *tick;
	struct mb_devevents *devevents;
	struct mb_workoutlog *log;
	enum mb_sport_kind kind; /* running, or MB_SPORT_NONE */
	bool automatic;		 /* started by workout-auto */
	uint64_t started_ms;	 /* band ms */
	uint64_t next_ms;	 /* the next second's reading */
	uint32_t seconds;	 /* read so far */
};

const char *mb_sport_kind_name(enum mb_sport_kind kind)
{
	return (size_t)kind < MB_ARRAY_SIZE(kinds) ? kinds[kind].name : NULL;
}

enum mb_sport_kind mb_sport_kind_from_name(const char *name)
{
	for (size_t i = 0; name && i < MB_ARRAY_SIZE(kinds); i++)
		if (kinds[i].name && !strcmp(kinds[i].name, name))
			return (enum mb_sport_kind)i;
	return MB_SPORT_NONE;
}

const char *mb_sport_kind_names(void)
{
	return "outdoor-run, treadmill, walking, cycling, exercise, pool-swim";
}

bool mb_sport_kind_gps(enum mb_sport_kind kind)
{
	return mb_sport_kind_name(kind) && kinds[kind].gps;
}

struct mb_sport *
mb_sport_new(const struct mb_services *svc, const struct mb_policy *policy,
	     const struct mb_rtc *rtc, const struct mb_power *power,
	     const struct mb_tick *tick, struct mb_devevents *devevents)
{
	return MB_NEW(struct mb_sport, .svc = svc, .policy = policy, .rtc = rtc,
		      .power = power, .tick = tick, .devevents = devevents);
}

void mb_sport_free(struct mb_sport *sport)
{
	free(sport);
}

void mb_sport_set_log(struct mb_sport *sport, struct mb_workoutlog *log)
{
	/* A reopened log ended the workout the band was in (a restart). */
	sport->log = log;
	sport->kind = MB_SPORT_NONE;
}

static uint32_t utc_s(const struct mb_sport *s, uint64_t band_ms)
{
	int64_t local = mb_rtc_local_ms_at(s->rtc, band_ms) / 1000;

	return (uint32_t)(local - (int64_t)mb_rtc_tz(s->rtc) * 15 * 60);
}

/* now: band ms; a minute's end, for a run that starts a workout while
 * AdvanceClock runs the band past it. */
static bool begin(struct mb_sport *s, enum mb_sport_kind kind, bool automatic,
		  uint64_t now)
{
	struct mb_event ev;
	bool gps = mb_sport_kind_gps(kind);

	s->kind = kind;
	s->automatic = automatic;
	s->started_ms = now;
	s->next_ms = now + SECOND_MS;
	s->seconds = 0;
	mb_workoutlog_begin(s->log, (uint8_t)kind, gps, utc_s(s, now),
			    mb_rtc_tz(s->rtc));
	mb_devevents_workout(s->devevents, gps, kinds[kind].event_type);
	mb_svc_notify(s->svc, MB_CHR_WORKOUT,
		      (const uint8_t[]){ STATUS_PREFIX, STATUS_START }, 2);
	mb_event_init(&ev, MB_EVENT_WORKOUT_STARTED);
	mb_event_add_string(&ev, "kind", mb_sport_kind_name(kind));
	mb_event_add_byte(&ev, "gps", gps);
	mb_event_add_string(&ev, "by", automatic ? "run" : "wearer");
	mb_svc_emit(s->svc, &ev);
	return true;
}

bool mb_sport_start(struct mb_sport *sport, enum mb_sport_kind kind, char **err)
{
	if (!mb_sport_kind_name(kind)) {
		mb_set_error(err, "no such workout; the band has %s",
			     mb_sport_kind_names());
		return false;
	}
	if (sport->kind != MB_SPORT_NONE) {
		mb_set_error(err, "a workout (%s) is running",
			     mb_sport_kind_name(sport->kind));
		return false;
	}
	if (mb_power_state(sport->power) != MB_POWER_STATE_ON) {
		mb_set_error(err, "the band is off");
		return false;
	}
	return begin(sport, kind, false, mb_svc_now(sport->svc));
}

void mb_sport_end(struct mb_sport *sport, enum mb_sport_end reason)
{
	const struct mb_workout *w = mb_workoutlog_running(sport->log);
	struct mb_event ev;
	enum mb_sport_kind kind = sport->kind;

	if (kind == MB_SPORT_NONE)
		return;
	sport->kind = MB_SPORT_NONE;
	mb_event_init(&ev, MB_EVENT_WORKOUT_ENDED);
	mb_event_add_string(&ev, "kind", mb_sport_kind_name(kind));
	mb_event_add_uint32(&ev, "id", w ? w->id : 0);
	mb_event_add_uint32(&ev, "seconds", sport->seconds);
	mb_event_add_string(&ev, "reason", end_names[reason]);
	mb_workoutlog_end(sport->log,
			  utc_s(sport, sport->started_ms) + sport->seconds);
	mb_svc_notify(sport->svc, MB_CHR_WORKOUT,
		      (const uint8_t[]){ STATUS_PREFIX, STATUS_END }, 2);
	mb_svc_emit(sport->svc, &ev);
}

bool mb_sport_stop(struct mb_sport *sport, char **err)
{
	if (sport->kind == MB_SPORT_NONE) {
		mb_set_error(err, "no workout is running");
		return false;
	}
	mb_sport_end(sport, MB_SPORT_END_WEARER);
	return true;
}

enum mb_sport_kind mb_sport_running(const struct mb_sport *sport)
{
	return sport->kind;
}

void mb_sport_minute(struct mb_sport *sport, uint32_t minute,
		     const uint8_t sample[4])
{
	bool running = (sample[0] & 0x0f) == MB_LIFE_KIND_RUNNING;

	if (!sport->policy->workout_auto)
		return;
	if (running && sport->kind == MB_SPORT_NONE &&
	    mb_power_state(sport->power) == MB_POWER_STATE_ON)
		begin(sport, MB_SPORT_OUTDOOR_RUN, true,
		      mb_rtc_band_ms(sport->rtc,
				     ((int64_t)minute + 1) * 60000));
	else if (!running && sport->automatic && sport->kind != MB_SPORT_NONE)
		mb_sport_end(sport, MB_SPORT_END_RUN_OVER);
}

uint64_t mb_sport_deadline(const struct mb_sport *sport)
{
	return sport->kind != MB_SPORT_NONE ? sport->next_ms : UINT64_MAX;
}

/* A reading at second sec of a minute whose rate is rate: the sensor's
 * give or take 2 bpm (life.c), the second half of the minute mirroring
 * the first, so that a whole minute's readings average to the rate the
 * activity log holds for it, as a band that logs their mean would. */
static uint8_t second_bpm(uint64_t seed, uint32_t minute, uint32_t sec,
			  uint8_t rate)
{
	int64_t first = (int64_t)minute * 60000 + (int64_t)(sec % 30) * 1000;
	int jitter;

	if (rate == MB_HR_NONE)
		return MB_HR_NONE;
	jitter = (int)mb_life_bpm(seed, first) - rate;
	return (uint8_t)(rate + (sec < 30 ? jitter : -jitter));
}

/* The second that ended at `at`: the wearer's heart rate then, and the
 * steps of its minute spread over the minute's seconds, so that a whole
 * minute of the track has the steps and the mean heart rate its
 * activity sample has. */
void mb_sport_run(struct mb_sport *sport, uint64_t at)
{
	uint64_t seed = mb_tick_life_seed(sport->tick);
	int64_t local_ms = mb_rtc_local_ms_at(sport->rtc, at - SECOND_MS);
	uint32_t minute = (uint32_t)(local_ms / 60000);
	uint32_t sec = (uint32_t)(local_ms / 1000 % 60);
	uint8_t sample[MB_SAMPLE_LEN];
	uint32_t steps;

	sport->next_ms = at + SECOND_MS;
	mb_life_sample(seed, minute, sample);
	steps = sample[2] * (sec + 1) / 60 - sample[2] * sec / 60;
	mb_workoutlog_point(
		sport->log,
		&(struct mb_workout_point){
			.offset_s = (uint16_t)sport->seconds,
			.bpm = second_bpm(seed, minute, sec, sample[3]),
			.steps = (uint8_t)steps,
			.distance_dm = (uint16_t)(steps * STEP_DM),
		});
	sport->seconds++;
	/* Past what a track's 16-bit offsets count, the band ends it. */
	if (sport->seconds == UINT16_MAX)
		mb_sport_end(sport, MB_SPORT_END_WEARER);
}

MB_TIMER(mb_sport_timer, mb_sport_deadline, mb_sport_run);

/* ---- the phone's GPS ---------------------------------------------------------- */

bool mb_sport_phone_gps(struct mb_sport *sport, const uint8_t *v, size_t len)
{
	int32_t lon, lat;
	enum mb_gps_parse r = mb_workout_gps_parse(v, len, &lon, &lat);

	if (r == MB_GPS_MALFORMED)
		return false;
	/* A position for a workout that asked for one, at its last second;
	 * without one the band has nothing to put it on. */
	if (r == MB_GPS_POSITION && sport->kind != MB_SPORT_NONE &&
	    mb_sport_kind_gps(sport->kind))
		mb_workoutlog_position(sport->log, lat, lon);
	return true;
}

/* 0000000f, write without response: the same payload, whole.  A write
 * the band cannot read changes nothing; an ATT write command has no
 * answer to refuse it with. */
static uint8_t write_workout(void *part, const uint8_t *v, size_t len,
			     bool command)
{
	struct mb_sport *sport = part;

	if (!mb_sport_phone_gps(sport, v, len))
		mb_svc_emit_string(sport->svc, MB_EVENT_MALFORMED,
				   "characteristic",
				   mb_chr_uuid(MB_CHR_WORKOUT));
	return 0;
}

const struct mb_chr_route mb_sport_routes[] = {
	{ MB_CHR_WORKOUT, NULL, write_workout },
};
const size_t mb_sport_n_routes = MB_ARRAY_SIZE(mb_sport_routes);
