/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "datetime.h"

#define MB_BATTERY_INFO_LEN 20

/* What 00000006 reports (protocol §5).  The discharge model is the battery
 * issue's; this holds the state and its byte layout. */
struct mb_battery {
	uint8_t level;		/* percent */
	bool charging;
	struct mb_datetime time_a;	/* meaning [U]; unset = 1970-01-01 */
	int8_t tz_a;
	struct mb_datetime last_charge;	/* "B" */
	int8_t tz_last_charge;
	uint8_t level_at_last_charge;
};

void mb_battery_init(struct mb_battery *b, uint8_t level, bool charging,
		     int64_t local_now, int8_t tz);
/* 0f <level> <status> <A 7> <tz A> <B 7> <tz B> <level at B> */
void mb_battery_encode(const struct mb_battery *b,
		       uint8_t out[MB_BATTERY_INFO_LEN]);
