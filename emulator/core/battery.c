// SPDX-License-Identifier: GPL-2.0-or-later
#include "battery.h"

#include <string.h>

void mb_battery_init(struct mb_battery *b, uint8_t level, bool charging,
		     int64_t local_now, int8_t tz)
{
	memset(b, 0, sizeof(*b));
	mb_battery_set_level(b, level);
	b->plugged = b->charging = charging;
	/* A reads unset (1970-01-01 00:00:00, tz 0) on real dumps until the
	 * band has been charged; B is the last unplug, taken as boot time. */
	mb_datetime_from_epoch(0, &b->time_a);
	mb_battery_set_boot(b, local_now, tz);
	b->level_at_last_charge = level;
}

void mb_battery_set_boot(struct mb_battery *b, int64_t local_now, int8_t tz)
{
	mb_datetime_from_epoch(local_now, &b->last_charge);
	b->tz_last_charge = tz;
}

uint8_t mb_battery_level(const struct mb_battery *b)
{
	return (uint8_t)(b->charge / (MB_BATTERY_FULL / 100));
}

void mb_battery_set_level(struct mb_battery *b, uint8_t level)
{
	b->charge = (level > 100 ? 100u : level) * (MB_BATTERY_FULL / 100);
}

void mb_battery_drain(struct mb_battery *b, uint32_t micro)
{
	b->charge = micro < b->charge ? b->charge - micro : 0;
}

void mb_battery_charge(struct mb_battery *b, uint32_t micro)
{
	b->charge = MB_BATTERY_FULL - b->charge > micro ? b->charge + micro
							: MB_BATTERY_FULL;
}

void mb_battery_set_charging(struct mb_battery *b, bool charging,
			     int64_t local_now, int8_t tz)
{
	if (charging == b->charging)
		return;
	b->charging = charging;
	if (charging) {
		mb_datetime_from_epoch(local_now, &b->time_a);
		b->tz_a = tz;
	} else {
		mb_datetime_from_epoch(local_now, &b->last_charge);
		b->tz_last_charge = tz;
		b->level_at_last_charge = mb_battery_level(b);
	}
}

void mb_battery_encode(const struct mb_battery *b,
		       uint8_t out[MB_BATTERY_INFO_LEN])
{
	/* Byte 0 is 0x0f on every real dump; its meaning is unknown (§5). */
	out[0] = 0x0f;
	out[1] = mb_battery_level(b);
	out[2] = b->charging ? 0x01 : 0x00;
	mb_datetime_put(out + 3, &b->time_a);
	out[10] = (uint8_t)b->tz_a;
	mb_datetime_put(out + 11, &b->last_charge);
	out[18] = (uint8_t)b->tz_last_charge;
	out[19] = b->level_at_last_charge;
}
