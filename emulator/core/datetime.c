// SPDX-License-Identifier: GPL-2.0-or-later
#include "datetime.h"

#include "util.h"

/* Proleptic Gregorian day counts, after Howard Hinnant's public-domain
 * "days_from_civil" algorithm: exact for every year the wire can carry. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void mb_datetime_from_epoch(int64_t seconds, struct mb_datetime *out)
{
	int64_t days = floor_div(seconds, 86400), y;
	int64_t rem = seconds - days * 86400;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	out->year = (uint16_t)y;
	out->month = (uint8_t)m;
	out->day = (uint8_t)d;
	out->hour = (uint8_t)(rem / 3600);
	out->minute = (uint8_t)(rem / 60 % 60);
	out->second = (uint8_t)(rem % 60);
}

int64_t mb_datetime_to_epoch(const struct mb_datetime *dt)
{
	return days_from_civil(dt->year, dt->month, dt->day) * 86400 +
	       dt->hour * 3600 + dt->minute * 60 + dt->second;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const uint8_t days[] = { 31, 28, 31, 30, 31, 30,
					31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

bool mb_datetime_valid(const struct mb_datetime *dt)
{
	return dt->month >= 1 && dt->month <= 12 && dt->day >= 1 &&
	       dt->day <= days_in_month(dt->year, dt->month) && dt->hour < 24 &&
	       dt->minute < 60 && dt->second < 60;
}

uint8_t mb_weekday(int64_t seconds)
{
	/* 1970-01-01 was a Thursday (ISO 4). */
	int64_t days = floor_div(seconds, 86400);
	int64_t w = (days + 3) % 7;

	return (uint8_t)((w < 0 ? w + 7 : w) + 1);
}

void mb_datetime_put(uint8_t *p, const struct mb_datetime *dt)
{
	mb_put_le16(p, dt->year);
	p[2] = dt->month;
	p[3] = dt->day;
	p[4] = dt->hour;
	p[5] = dt->minute;
	p[6] = dt->second;
}

void mb_datetime_get(const uint8_t *p, struct mb_datetime *dt)
{
	dt->year = mb_get_le16(p);
	dt->month = p[2];
	dt->day = p[3];
	dt->hour = p[4];
	dt->minute = p[5];
	dt->second = p[6];
}
