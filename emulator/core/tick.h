/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

#include "chrs.h"
#include "devevents.h"
#include "schedule.h"
#include "flashlog.h"
#include "power.h"
#include "profile.h"
#include "rtc.h"
#include "services.h"

/* The band's minute (docs/sync.md "Band life"): at every whole minute of
 * local time the wearer's sample is logged to flash, the day's step
 * totals grow, the battery pays, a subscribed link gets realtime steps
 * (protocol §2.4), and the device events hear what the wearer did (fell
 * asleep, woke up, took the band off: §9). */
struct mb_tick;

struct mb_tick *mb_tick_new(const struct mb_services *svc,
			    const struct mb_policy *policy,
			    const struct mb_rtc *rtc, struct mb_power *power,
			    struct mb_devevents *devevents);
void mb_tick_free(struct mb_tick *tick);

/* Which heart rate the minute that ended carries (hr.c, wired by the
 * band): leaves sample[3], the wearer's rate, if the band measured one
 * in that minute, else sets it to MB_HR_NONE. */
typedef void (*mb_tick_hr_func_t)(void *user_data, uint32_t minute,
				  uint8_t sample[4]);
/* Without it no minute carries a heart rate.  user_data must outlive the
 * tick. */
void mb_tick_set_heart_rate(struct mb_tick *tick, mb_tick_hr_func_t fn,
			    void *user_data);

/* The log the minutes go to; the day's totals are recounted from it. */
void mb_tick_set_log(struct mb_tick *tick, struct mb_flashlog *log);
/* The person wearing the band (docs/sync.md); default seed 1. */
void mb_tick_set_life_seed(struct mb_tick *tick, uint64_t seed);
uint64_t mb_tick_life_seed(const struct mb_tick *tick);
/* The day's totals again from the log (after it was cleared). */
void mb_tick_recount(struct mb_tick *tick);
/* The phone set the RTC: minutes follow its boundaries. */
void mb_tick_rtc_changed(struct mb_tick *tick);

/* The band time a restarted band cannot be before: the end of the last
 * minute logged after sequence number after_seq, at the RTC's offset
 * now; 0 if none was (docs/sync.md "Band time"). */
uint64_t mb_tick_floor_ms(const struct mb_tick *tick, uint32_t after_seq);

/* Band clock ms of the next minute boundary. */
uint64_t mb_tick_deadline(const struct mb_tick *tick);
/* The minute that ended at the deadline (at): its heart rate decided,
 * logged, counted, paid for. */
void mb_tick_run(struct mb_tick *tick, uint64_t at);

/* Steps since local midnight (the advertised service data). */
uint32_t mb_tick_steps(const struct mb_tick *tick);
/* The sample of the minute that ended last (kind, intensity, steps,
 * heart rate), logged or not: what the wearer did (inactivity warnings,
 * automatic do-not-disturb). */
void mb_tick_last_sample(const struct mb_tick *tick, uint8_t out[4]);

/* 00000007, read. */
extern const struct mb_chr_route mb_tick_routes[];
extern const size_t mb_tick_n_routes;

/* Its deadlines, for the band's schedule. */
extern const struct mb_timer mb_tick_timer;
