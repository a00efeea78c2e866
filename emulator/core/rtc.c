// SPDX-License-Identifier: GPL-2.0-or-later
#include "rtc.h"

#include <stdio.h>
#include <stdlib.h>

#include "att.h"
#include "datetime.h"
#include "services.h"

#define CURRENT_TIME_LEN 11
#define MINUTE_MS 60000

struct mb_rtc {
	const struct mb_services *svc;
	void (*changed)(void *user_data);
	void *changed_data;
	mb_rtc_store_func_t store;
	void *store_data;
	struct mb_rtc_state state;
};

struct mb_rtc *mb_rtc_new(const struct mb_services *svc,
			  void (*changed)(void *user_data), void *user_data)
{
	return MB_NEW(struct mb_rtc, .svc = svc, .changed = changed,
		      .changed_data = user_data);
}

void mb_rtc_free(struct mb_rtc *rtc)
{
	free(rtc);
}

void mb_rtc_set_store(struct mb_rtc *rtc, mb_rtc_store_func_t fn,
		      void *user_data)
{
	rtc->store = fn;
	rtc->store_data = user_data;
}

void mb_rtc_get_state(const struct mb_rtc *rtc, struct mb_rtc_state *out)
{
	*out = rtc->state;
}

void mb_rtc_restore(struct mb_rtc *rtc, const struct mb_rtc_state *s)
{
	rtc->state = *s;
	if (rtc->changed)
		rtc->changed(rtc->changed_data);
}

int64_t mb_rtc_local_ms_at(const struct mb_rtc *rtc, uint64_t band_ms)
{
	return (int64_t)band_ms + rtc->state.offset_ms;
}

int64_t mb_rtc_local_ms(const struct mb_rtc *rtc)
{
	return mb_rtc_local_ms_at(rtc, mb_svc_now(rtc->svc));
}

int64_t mb_rtc_local_time(const struct mb_rtc *rtc)
{
	int64_t ms = mb_rtc_local_ms(rtc);

	return ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
}

int8_t mb_rtc_tz(const struct mb_rtc *rtc)
{
	return rtc->state.tz;
}

uint8_t mb_rtc_dst(const struct mb_rtc *rtc)
{
	return rtc->state.dst;
}

uint64_t mb_rtc_band_ms(const struct mb_rtc *rtc, int64_t local_ms)
{
	return (uint64_t)(local_ms - rtc->state.offset_ms);
}

uint64_t mb_rtc_next_minute(const struct mb_rtc *rtc)
{
	int64_t local = mb_rtc_local_ms(rtc);

	return mb_rtc_band_ms(rtc, (local / MINUTE_MS + 1) * MINUTE_MS);
}

/* §6: year u16, month, day, hour, minute, second, weekday 1=Mon,
 * fractions/256, adjust reason, tz in signed quarter-hours. */
static uint8_t read_current_time(void *part, uint8_t *buf, size_t *len)
{
	const struct mb_rtc *rtc = part;
	int64_t local_ms = mb_rtc_local_ms(rtc);
	int64_t local = mb_rtc_local_time(rtc);
	int64_t ms = local_ms - local * 1000;
	struct mb_datetime dt;

	mb_datetime_from_epoch(local, &dt);
	mb_datetime_put(buf, &dt);
	buf[7] = mb_weekday(local);
	buf[8] = (uint8_t)(ms * 256 / 1000);
	buf[9] = rtc->state.dst;
	buf[10] = (uint8_t)rtc->state.tz;
	*len = CURRENT_TIME_LEN;
	return 0;
}

/* time-set: the local time written, with its zone, as ISO 8601
 * ("2026-01-31T23:04:05-05:00"), and the DST byte. */
static void announce(const struct mb_rtc *rtc, const struct mb_datetime *dt,
		     int8_t tz, uint8_t dst)
{
	unsigned int minutes = (unsigned int)(tz < 0 ? -tz : tz) * 15;
	char local[32];
	struct mb_event ev;

	snprintf(local, sizeof(local),
		 "%04u-%02u-%02uT%02u:%02u:%02u%c%02u:%02u", dt->year,
		 dt->month, dt->day, dt->hour, dt->minute, dt->second,
		 tz < 0 ? '-' : '+', minutes / 60, minutes % 60);
	mb_event_init(&ev, MB_EVENT_TIME_SET);
	mb_event_add_string(&ev, "local", local);
	mb_event_add_byte(&ev, "dst", dst);
	mb_svc_emit(rtc->svc, &ev);
}

/* GB and satcar77 write all 11 bytes; the 10-byte Current Time Service
 * form (no tz) keeps the band's tz.  The weekday and fractions the client
 * sends are not trusted: the band derives its own. */
static uint8_t write_current_time(void *part, const uint8_t *value, size_t len,
				  bool command)
{
	struct mb_rtc *rtc = part;
	struct mb_rtc_state next;
	struct mb_datetime dt;
	int8_t tz = rtc->state.tz;
	char *err = NULL;

	if (len != CURRENT_TIME_LEN && len != CURRENT_TIME_LEN - 1)
		return MB_ATT_ERROR_INVALID_VALUE_LEN;
	mb_datetime_get(value, &dt);
	if (len == CURRENT_TIME_LEN)
		tz = (int8_t)value[10];
	/* UTC-12:00 .. UTC+14:00 in quarter-hours. */
	if (!mb_datetime_valid(&dt) || dt.year < 1970 || value[7] > 7 ||
	    tz < -48 || tz > 56)
		return MB_ATT_ERROR_VALUE_NOT_ALLOWED;
	next = (struct mb_rtc_state){
		.offset_ms = mb_datetime_to_epoch(&dt) * 1000 -
			     (int64_t)mb_svc_now(rtc->svc),
		.tz = tz,
		.dst = value[9],
	};
	if (rtc->store && !rtc->store(&next, rtc->store_data, &err)) {
		mb_svc_debug(rtc->svc, "RTC not set: %s", err);
		free(err);
		return MB_ATT_ERROR_UNLIKELY;
	}
	rtc->state = next;
	mb_svc_debug(rtc->svc, "RTC set to %04u-%02u-%02u %02u:%02u:%02u tz %d",
		     dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second,
		     tz);
	if (rtc->changed)
		rtc->changed(rtc->changed_data);
	announce(rtc, &dt, tz, value[9]);
	return 0;
}

const struct mb_chr_route mb_rtc_routes[] = {
	{ MB_CHR_CURRENT_TIME, read_current_time, write_current_time },
};
const size_t mb_rtc_n_routes = MB_ARRAY_SIZE(mb_rtc_routes);
