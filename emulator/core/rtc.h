/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

#include "chrs.h"
#include "services.h"
#include "timestate.h"

/* The band's real-time clock (protocol §6): local time is band time plus
 * an offset the phone sets on 0x2A2B, with the phone's time zone.  A
 * factory-new band's RTC starts at the clock's UTC time, tz 0. */
struct mb_rtc;

/* changed is called after the phone set the time, or it was restored
 * (the minute tick follows the new minute boundaries). */
struct mb_rtc *mb_rtc_new(const struct mb_services *svc,
			  void (*changed)(void *user_data), void *user_data);
void mb_rtc_free(struct mb_rtc *rtc);

/* Stores what the phone is setting; false (with *err) when it could not.
 * The write is then refused: the band never shows a time it would have
 * forgotten after a restart. */
typedef bool (*mb_rtc_store_func_t)(const struct mb_rtc_state *next,
				    void *user_data, char **err);
/* Without a store nothing is written and every write holds. */
void mb_rtc_set_store(struct mb_rtc *rtc, mb_rtc_store_func_t fn,
		      void *user_data);
void mb_rtc_get_state(const struct mb_rtc *rtc, struct mb_rtc_state *out);
/* The RTC as a restart finds it (time.ini): nothing is stored. */
void mb_rtc_restore(struct mb_rtc *rtc, const struct mb_rtc_state *s);

/* Local seconds since the epoch. */
int64_t mb_rtc_local_time(const struct mb_rtc *rtc);
/* Local milliseconds since the epoch, now or at a band clock time. */
int64_t mb_rtc_local_ms(const struct mb_rtc *rtc);
int64_t mb_rtc_local_ms_at(const struct mb_rtc *rtc, uint64_t band_ms);
/* Signed quarter-hours, as 0x2A2B carries it. */
int8_t mb_rtc_tz(const struct mb_rtc *rtc);
/* The adjust reason / DST byte the phone wrote (§6). */
uint8_t mb_rtc_dst(const struct mb_rtc *rtc);
/* Band clock ms of the next whole minute of local time. */
uint64_t mb_rtc_next_minute(const struct mb_rtc *rtc);
/* The band clock ms at which local time is local_ms. */
uint64_t mb_rtc_band_ms(const struct mb_rtc *rtc, int64_t local_ms);

/* 0x2A2B, read and write. */
extern const struct mb_chr_route mb_rtc_routes[];
extern const size_t mb_rtc_n_routes;
