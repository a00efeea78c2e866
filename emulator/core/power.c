// SPDX-License-Identifier: GPL-2.0-or-later
/* Battery behaviour (docs/battery-firmware.md): what a minute costs, when
 * the band drops links, reboots, dies at 0 % and comes back. */
#include "band-private.h"
#include "life.h"

#define HOUR_MS 3600000ull

static const struct mb_policy *policy(const struct mb_band *band)
{
	return mb_profile_policy(band->profile);
}

static bool low(const struct mb_band *band)
{
	return !band->battery.charging &&
	       mb_battery_level(&band->battery) <= policy(band)->low_battery_drop_percent;
}

void mb_power_init(struct mb_band *band)
{
	band->power = (struct mb_power){
		.state = MB_POWER_STATE_ON,
		.drop_at_ms = UINT64_MAX,
		.reported_level = mb_battery_level(&band->battery),
		.reported_charging = band->battery.charging,
	};
	if (mb_battery_level(&band->battery) <= policy(band)->power_off_percent)
		band->power.state = MB_POWER_STATE_OFF;
}

static void power_off(struct mb_band *band)
{
	band->power.state = MB_POWER_STATE_OFF;
	band->power.drop_at_ms = UINT64_MAX;
	mb_band_emit_simple(band, MB_EVENT_POWER_OFF, NULL, NULL);
	mb_band_drop_link(band);
}

static void power_on(struct mb_band *band)
{
	band->power.state = MB_POWER_STATE_ON;
	band->power.minutes_below_reboot = 0;
	mb_band_emit_simple(band, MB_EVENT_POWER_ON, NULL, NULL);
}

static void drop_for_low_battery(struct mb_band *band, const char *reason)
{
	band->power.drop_at_ms = UINT64_MAX;
	mb_band_emit_simple(band, MB_EVENT_LOW_BATTERY_DROP, "reason", reason);
	mb_band_drop_link(band);
}

void mb_power_changed(struct mb_band *band)
{
	struct mb_power *p = &band->power;
	uint8_t level = mb_battery_level(&band->battery);
	uint8_t value[MB_BATTERY_INFO_LEN];
	struct mb_event ev;

	if (level != p->reported_level || band->battery.charging != p->reported_charging) {
		p->reported_level = level;
		p->reported_charging = band->battery.charging;
		mb_event_init(&ev, MB_EVENT_BATTERY_CHANGED);
		mb_event_add_uint32(&ev, "level", level);
		mb_event_add_byte(&ev, "charging", band->battery.charging);
		mb_band_emit(band, &ev);
		/* The band notifies 00000006 on changes (protocol §5). */
		mb_battery_encode(&band->battery, value);
		mb_band_notify_uuid(band, MB_UUID_BATTERY, value, sizeof(value));
		mb_band_fault(band, MB_FAULT_TRIGGER_BATTERY, NULL, NULL, 0, level, NULL);
	}
	if (p->state == MB_POWER_STATE_ON && level <= policy(band)->power_off_percent) {
		power_off(band);
		return;
	}
	if (p->state == MB_POWER_STATE_OFF && level > policy(band)->power_on_percent) {
		power_on(band);
		return;
	}
	/* after-connected-s: a link that is up when the level falls low
	 * gets its countdown now. */
	if (band->att && low(band) && p->drop_at_ms == UINT64_MAX &&
	    policy(band)->low_battery_drop_pattern == MB_LOW_BATTERY_DROP_AFTER_CONNECTED)
		p->drop_at_ms = mb_band_now_ms(band) +
				policy(band)->low_battery_drop_after_s * 1000ull;
}

void mb_power_minute(struct mb_band *band, const uint8_t sample[4])
{
	struct mb_battery *b = &band->battery;
	bool charging = b->plugged || sample[0] == MB_LIFE_KIND_CHARGING;

	mb_battery_set_charging(b, charging, mb_band_local_time(band), band->tz);
	if (charging) {
		mb_battery_charge(b, MB_BATTERY_CHARGE_PER_MIN);
	} else if (band->power.state == MB_POWER_STATE_ON) {
		mb_battery_drain(b, MB_BATTERY_BASE_PER_MIN);
		if (sample[3] != MB_HR_NONE)
			mb_battery_drain(b, MB_BATTERY_HR_PER_MIN);
	}
	mb_power_changed(band);
	/* Below reboot-below-percent the band restarts on its own, once an
	 * hour: the "reboot loop below 10 %" of the seed reports. */
	if (band->power.state == MB_POWER_STATE_ON && !b->charging &&
	    mb_battery_level(b) < policy(band)->reboot_below_percent) {
		if (++band->power.minutes_below_reboot % 60 == 0)
			mb_band_reboot(band);
	} else {
		band->power.minutes_below_reboot = 0;
	}
}

void mb_power_link_up(struct mb_band *band)
{
	band->power.drop_at_ms = UINT64_MAX;
	mb_power_changed(band);
}

void mb_power_run(struct mb_band *band, uint64_t now)
{
	struct mb_power *p = &band->power;

	if (p->state == MB_POWER_STATE_BOOTING && now >= p->boot_until_ms) {
		p->state = MB_POWER_STATE_ON;
		mb_band_emit_simple(band, MB_EVENT_POWER_ON, NULL, NULL);
		mb_firmware_booted(band);
	}
	if (band->att && now >= p->drop_at_ms)
		drop_for_low_battery(band, "after-connected");
}

uint64_t mb_power_deadline(const struct mb_band *band)
{
	const struct mb_power *p = &band->power;
	uint64_t d = band->att ? p->drop_at_ms : UINT64_MAX;

	if (p->state == MB_POWER_STATE_BOOTING && p->boot_until_ms < d)
		d = p->boot_until_ms;
	return d;
}

bool mb_power_refuse_transfer(struct mb_band *band)
{
	if (!low(band) ||
	    policy(band)->low_battery_drop_pattern != MB_LOW_BATTERY_DROP_AT_TRANSFER_START)
		return false;
	drop_for_low_battery(band, "transfer-start");
	return true;
}

void mb_power_boot(struct mb_band *band, uint64_t ms)
{
	band->power.state = MB_POWER_STATE_BOOTING;
	band->power.boot_until_ms = mb_band_now_ms(band) + ms;
	mb_band_drop_link(band);
}
