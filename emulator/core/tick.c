// SPDX-License-Identifier: GPL-2.0-or-later
#include "tick.h"

#include <stdlib.h>
#include <string.h>

#include "flashlog.h"
#include "life.h"
#include "power.h"
#include "rtc.h"
#include "services.h"

#define MINUTE_MS 60000ull
#define STEPS_LEN 13

struct mb_tick {
	const struct mb_services *svc;
	const struct mb_policy *policy;
	const struct mb_rtc *rtc;
	struct mb_power *power;
	struct mb_devevents *devevents;
	struct mb_flashlog *log;
	uint64_t life_seed;
	mb_tick_hr_func_t heart_rate;
	void *heart_rate_data;
	uint64_t next_minute_ms;
	uint32_t day; /* local day the totals are for */
	uint32_t steps;
	uint32_t distance_m;
	uint32_t calories;
	uint8_t last[MB_SAMPLE_LEN];
};

struct mb_tick *mb_tick_new(const struct mb_services *svc,
			    const struct mb_policy *policy,
			    const struct mb_rtc *rtc, struct mb_power *power,
			    struct mb_devevents *devevents)
{
	return MB_NEW(struct mb_tick, .svc = svc, .policy = policy, .rtc = rtc,
		      .power = power, .devevents = devevents, .life_seed = 1,
		      .next_minute_ms = mb_rtc_next_minute(rtc));
}

void mb_tick_free(struct mb_tick *tick)
{
	free(tick);
}

void mb_tick_set_heart_rate(struct mb_tick *tick, mb_tick_hr_func_t fn,
			    void *user_data)
{
	tick->heart_rate = fn;
	tick->heart_rate_data = user_data;
}

void mb_tick_set_life_seed(struct mb_tick *tick, uint64_t seed)
{
	tick->life_seed = seed;
}

uint64_t mb_tick_life_seed(const struct mb_tick *tick)
{
	return tick->life_seed;
}

/* The day's totals follow the log: realtime steps and the advertised
 * service data count what was logged since local midnight.  Distance
 * and calories are estimates from steps (0.7 m and 0.04 kcal a step). */
static void add_to_day(struct mb_tick *tick, uint32_t minute,
		       const uint8_t data[4])
{
	uint32_t day = minute / 1440;

	if (day != tick->day) {
		tick->steps = 0;
		tick->day = day;
	}
	tick->steps += data[2];
	tick->distance_m = tick->steps * 7 / 10;
	tick->calories = tick->steps / 25;
}

void mb_tick_recount(struct mb_tick *tick)
{
	uint32_t today = (uint32_t)(mb_rtc_local_time(tick->rtc) / 86400);

	tick->steps = tick->distance_m = tick->calories = 0;
	tick->day = today;
	for (size_t i = 0; i < mb_flashlog_count(tick->log); i++) {
		struct mb_flashlog_sample s = mb_flashlog_at(tick->log, i);

		if (s.minute / 1440 == today)
			add_to_day(tick, s.minute, s.data);
	}
}

void mb_tick_set_log(struct mb_tick *tick, struct mb_flashlog *log)
{
	tick->log = log;
	mb_tick_recount(tick);
}

void mb_tick_rtc_changed(struct mb_tick *tick)
{
	tick->next_minute_ms = mb_rtc_next_minute(tick->rtc);
}

uint64_t mb_tick_deadline(const struct mb_tick *tick)
{
	return tick->next_minute_ms;
}

/* The newest sample into *out; false for an empty log. */
static bool last_logged(const struct mb_tick *tick,
			struct mb_flashlog_sample *out)
{
	size_t n = mb_flashlog_count(tick->log);

	if (n)
		*out = mb_flashlog_at(tick->log, n - 1);
	return n;
}

/* A minute the RTC has shown before: the phone set it back
 * (docs/policies.md#time-set-back).  Restarts never get here: band time
 * resumes past the last minute logged (mb_tick_floor_ms()). */
static bool may_log(const struct mb_tick *tick, uint32_t minute)
{
	struct mb_flashlog_sample last;

	switch (tick->policy->time_set_back) {
	case MB_TIME_SET_BACK_WAIT:
		return !last_logged(tick, &last) || minute > last.minute;
	case MB_TIME_SET_BACK_RELOG:
		return true;
	}
	return true;
}

uint64_t mb_tick_floor_ms(const struct mb_tick *tick, uint32_t after_seq)
{
	struct mb_flashlog_sample last;
	int64_t local;

	/* Sequence numbers start again at 1 when the log is erased (a
	 * factory reset): a log that has not reached after_seq again was
	 * all written since. */
	if (after_seq > mb_flashlog_last_seq(tick->log))
		after_seq = 0;
	if (!last_logged(tick, &last) || last.seq <= after_seq)
		return 0;
	/* The minute was logged when it ended. */
	local = ((int64_t)last.minute + 1) * (int64_t)MINUTE_MS;
	if (local <= mb_rtc_local_ms_at(tick->rtc, 0))
		return 0;
	return mb_rtc_band_ms(tick->rtc, local);
}

/* §2.4: flags 0x0c, steps, metres, kcal, all u32 LE. */
static void encode_steps(const struct mb_tick *tick, uint8_t out[STEPS_LEN])
{
	out[0] = 0x0c;
	mb_put_le32(out + 1, tick->steps);
	mb_put_le32(out + 5, tick->distance_m);
	mb_put_le32(out + 9, tick->calories);
}

void mb_tick_run(struct mb_tick *tick, uint64_t at)
{
	int64_t local_ms = mb_rtc_local_ms_at(tick->rtc, at);
	/* The sample is for the local minute that just ended. */
	uint32_t minute = (uint32_t)(local_ms / 60000) - 1;
	uint8_t sample[MB_SAMPLE_LEN], value[STEPS_LEN];

	tick->next_minute_ms += MINUTE_MS;
	mb_life_sample(tick->life_seed, minute, sample);
	memcpy(tick->last, sample, sizeof(tick->last));
	/* The wearer's heart always beats; the log has it only for the
	 * minutes the band measured it (docs/policies.md#heart-rate). */
	if (tick->heart_rate)
		tick->heart_rate(tick->heart_rate_data, minute, sample);
	else
		sample[3] = MB_HR_NONE;
	/* A band that is off (or booting) logs nothing: a gap in the log.
	 * The wearer still lives, and may put it on the charger. */
	if (mb_power_state(tick->power) == MB_POWER_STATE_ON &&
	    may_log(tick, minute)) {
		mb_flashlog_append(tick->log, minute, sample);
		add_to_day(tick, minute, sample);
		mb_power_use(tick->power, MB_DRAIN_LOGGING, 1);
		/* The real band notifies realtime steps about once a minute
		 * while subscribed (protocol §2.4). */
		encode_steps(tick, value);
		mb_svc_notify(tick->svc, MB_CHR_REALTIME_STEPS, value,
			      sizeof(value));
	}
	/* What the wearer did shows in the minute's kind (§4.2); a band that
	 * is off saw nothing of it. */
	if (mb_power_state(tick->power) == MB_POWER_STATE_ON)
		mb_devevents_wearer(tick->devevents, sample[0]);
	else
		mb_devevents_wearer_unknown(tick->devevents);
	mb_power_minute(tick->power, sample);
	mb_svc_fault(tick->svc, MB_FAULT_TRIGGER_MINUTE, 0);
}

uint32_t mb_tick_steps(const struct mb_tick *tick)
{
	return tick->steps;
}

void mb_tick_last_sample(const struct mb_tick *tick, uint8_t out[4])
{
	memcpy(out, tick->last, sizeof(tick->last));
}

static uint8_t read_steps(void *part, uint8_t *buf, size_t *len)
{
	encode_steps(part, buf);
	*len = STEPS_LEN;
	return 0;
}

const struct mb_chr_route mb_tick_routes[] = {
	{ MB_CHR_REALTIME_STEPS, read_steps, NULL },
};
const size_t mb_tick_n_routes = MB_ARRAY_SIZE(mb_tick_routes);

MB_TIMER(mb_tick_timer, mb_tick_deadline, mb_tick_run);
