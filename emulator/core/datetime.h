/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* A civil date and time as the band's 7-byte form carries it:
 * year u16 LE, month 1-12, day, hour, minute, second (protocol §5, §6). */
struct mb_datetime {
	uint16_t year;
	uint8_t month;
	uint8_t day;
	uint8_t hour;
	uint8_t minute;
	uint8_t second;
};

#define MB_DATETIME_WIRE_LEN 7

void mb_datetime_from_epoch(int64_t seconds, struct mb_datetime *out);
int64_t mb_datetime_to_epoch(const struct mb_datetime *dt);
bool mb_datetime_valid(const struct mb_datetime *dt);
/* ISO weekday of a day count since 1970-01-01: 1 = Monday .. 7 = Sunday. */
uint8_t mb_weekday(int64_t seconds);

void mb_datetime_put(uint8_t *p, const struct mb_datetime *dt);
void mb_datetime_get(const uint8_t *p, struct mb_datetime *dt);
