/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "datetime.h"

#define MB_BATTERY_INFO_LEN 20
#define MB_BATTERY_FULL 100000000u /* micro-percent */

/* Per-minute costs in micro-percent (docs/battery-firmware.md): a full
 * charge lasts 20 days at rest, ~12 days with heart rate every minute;
 * charging takes 2 hours. */
#define MB_BATTERY_BASE_PER_MIN (MB_BATTERY_FULL / (20u * 1440u))
#define MB_BATTERY_HR_PER_MIN \
	(MB_BATTERY_FULL / (12u * 1440u) - MB_BATTERY_BASE_PER_MIN)
/* A second of heart-rate measurement an app asked for (manual,
 * continuous): a continuous one, whose minutes are logged with their
 * heart rate as well, empties a full charge in about 8 days (protocol
 * §13). */
#define MB_BATTERY_HR_SENSOR_PER_S (MB_BATTERY_FULL / (1440u * 1440u))
#define MB_BATTERY_CHARGE_PER_MIN (MB_BATTERY_FULL / 120u)
#define MB_BATTERY_RADIO_PER_PDU 50u
#define MB_BATTERY_SCREEN_PER_USE 5000u

/* What 00000006 reports (protocol §5) and the charge behind it. */
struct mb_battery {
	uint32_t charge; /* micro-percent */
	bool plugged;	 /* SetCharging */
	bool charging;	 /* plugged, or the wearer's charging stretch */
	struct mb_datetime time_a; /* charging last started [policy] */
	int8_t tz_a;
	struct mb_datetime last_charge; /* "B": charging last stopped */
	int8_t tz_last_charge;
	uint8_t level_at_last_charge;
};

void mb_battery_init(struct mb_battery *b, uint8_t level, bool charging,
		     int64_t local_now, int8_t tz);
/* B, the last unplug, taken as boot time again: band time and the RTC
 * came back from time.ini after the battery was made. */
void mb_battery_set_boot(struct mb_battery *b, int64_t local_now, int8_t tz);
uint8_t mb_battery_level(const struct mb_battery *b);
void mb_battery_set_level(struct mb_battery *b, uint8_t level);
/* Takes units of cost, never below 0. */
void mb_battery_drain(struct mb_battery *b, uint32_t micro);
void mb_battery_charge(struct mb_battery *b, uint32_t micro);
/* The effective charging state changed at local time now. */
void mb_battery_set_charging(struct mb_battery *b, bool charging,
			     int64_t local_now, int8_t tz);
/* 0f <level> <status> <A 7> <tz A> <B 7> <tz B> <level at B> */
void mb_battery_encode(const struct mb_battery *b,
		       uint8_t out[MB_BATTERY_INFO_LEN]);
