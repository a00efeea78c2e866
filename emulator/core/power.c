// SPDX-License-Identifier: GPL-2.0-or-later
/* Battery behaviour (docs/battery-firmware.md): what a minute costs, when
 * the band drops links, reboots, dies at 0 % and comes back. */
#include "power.h"

#include <stdlib.h>

#include "battery.h"
#include "life.h"
#include "rtc.h"
#include "services.h"

struct mb_power {
	const struct mb_services *svc;
	const struct mb_policy *policy;
	const struct mb_rtc *rtc;
	void (*booted)(void *user_data);
	void *booted_data;
	struct mb_battery battery;
	enum mb_power_state state;
	bool link;
	uint64_t boot_until_ms;
	uint64_t drop_at_ms; /* after-connected-s pattern */
	unsigned int minutes_below_reboot;
	uint8_t reported_level;
	bool reported_charging;
};

static const char *const state_names[] = {
	[MB_POWER_STATE_ON] = "on",
	[MB_POWER_STATE_OFF] = "off",
	[MB_POWER_STATE_BOOTING] = "booting",
};

const char *mb_power_state_name(enum mb_power_state state)
{
	return (size_t)state < MB_ARRAY_SIZE(state_names) ? state_names[state]
							  : "on";
}

static bool low(const struct mb_power *p)
{
	return !p->battery.charging &&
	       mb_battery_level(&p->battery) <=
		       p->policy->low_battery_drop_percent;
}

struct mb_power *mb_power_new(const struct mb_services *svc,
			      const struct mb_profile *profile,
			      const struct mb_rtc *rtc,
			      void (*booted)(void *user_data), void *user_data)
{
	struct mb_power *p =
		MB_NEW(struct mb_power, .svc = svc,
		       .policy = mb_profile_policy(profile), .rtc = rtc,
		       .booted = booted, .booted_data = user_data,
		       .state = MB_POWER_STATE_ON, .drop_at_ms = UINT64_MAX);

	mb_battery_init(&p->battery, (uint8_t)mb_profile_battery_level(profile),
			mb_profile_battery_charging(profile),
			mb_rtc_local_time(rtc), mb_rtc_tz(rtc));
	p->reported_level = mb_battery_level(&p->battery);
	p->reported_charging = p->battery.charging;
	if (mb_battery_level(&p->battery) <= p->policy->power_off_percent)
		p->state = MB_POWER_STATE_OFF;
	return p;
}

void mb_power_free(struct mb_power *power)
{
	free(power);
}

enum mb_power_state mb_power_state(const struct mb_power *power)
{
	return power->state;
}

unsigned int mb_power_level(const struct mb_power *power)
{
	return mb_battery_level(&power->battery);
}

bool mb_power_charging(const struct mb_power *power)
{
	return power->battery.charging;
}

static void power_off(struct mb_power *p)
{
	p->state = MB_POWER_STATE_OFF;
	p->drop_at_ms = UINT64_MAX;
	mb_svc_emit_string(p->svc, MB_EVENT_POWER_OFF, NULL, NULL);
	mb_svc_drop_link(p->svc);
}

static void power_on(struct mb_power *p)
{
	p->state = MB_POWER_STATE_ON;
	p->minutes_below_reboot = 0;
	mb_svc_emit_string(p->svc, MB_EVENT_POWER_ON, NULL, NULL);
}

static void drop_for_low_battery(struct mb_power *p, const char *reason)
{
	p->drop_at_ms = UINT64_MAX;
	mb_svc_emit_string(p->svc, MB_EVENT_LOW_BATTERY_DROP, "reason", reason);
	mb_svc_drop_link(p->svc);
}

/* Notifies 00000006 and emits battery-changed when the whole percent or
 * the charging state moved; applies the thresholds. */
static void changed(struct mb_power *p)
{
	uint8_t level = mb_battery_level(&p->battery);
	uint8_t value[MB_BATTERY_INFO_LEN];
	struct mb_event ev;

	if (level != p->reported_level ||
	    p->battery.charging != p->reported_charging) {
		p->reported_level = level;
		p->reported_charging = p->battery.charging;
		mb_event_init(&ev, MB_EVENT_BATTERY_CHANGED);
		mb_event_add_uint32(&ev, "level", level);
		mb_event_add_byte(&ev, "charging", p->battery.charging);
		/* Band time, so that a timeline can plot the level over the
		 * band's hours rather than over the order of events. */
		mb_event_add_uint32(&ev, "at",
				    (uint32_t)(mb_svc_now(p->svc) / 1000));
		mb_svc_emit(p->svc, &ev);
		/* The band notifies 00000006 on changes (protocol §5). */
		mb_battery_encode(&p->battery, value);
		mb_svc_notify(p->svc, MB_CHR_BATTERY, value, sizeof(value));
		mb_svc_fault(p->svc, MB_FAULT_TRIGGER_BATTERY, level);
	}
	if (p->state == MB_POWER_STATE_ON &&
	    level <= p->policy->power_off_percent) {
		power_off(p);
		return;
	}
	if (p->state == MB_POWER_STATE_OFF &&
	    level > p->policy->power_on_percent) {
		power_on(p);
		return;
	}
	/* after-connected-s: a link that is up when the level falls low
	 * gets its countdown now. */
	if (p->link && low(p) && p->drop_at_ms == UINT64_MAX &&
	    p->policy->low_battery_drop_pattern ==
		    MB_LOW_BATTERY_DROP_AFTER_CONNECTED)
		p->drop_at_ms = mb_svc_now(p->svc) +
				p->policy->low_battery_drop_after_s * 1000ull;
}

void mb_power_set_level(struct mb_power *power, unsigned int percent)
{
	mb_battery_set_level(&power->battery,
			     (uint8_t)(percent > 100 ? 100 : percent));
	changed(power);
}

void mb_power_set_plugged(struct mb_power *power, bool plugged)
{
	power->battery.plugged = plugged;
	mb_battery_set_charging(&power->battery, plugged,
				mb_rtc_local_time(power->rtc),
				mb_rtc_tz(power->rtc));
	changed(power);
}

void mb_power_use(struct mb_power *power, enum mb_drain what,
		  unsigned int units)
{
	switch (what) {
	case MB_DRAIN_RADIO:
		mb_battery_drain(&power->battery,
				 units * MB_BATTERY_RADIO_PER_PDU);
		break;
	case MB_DRAIN_SCREEN:
		mb_battery_drain(&power->battery,
				 units * MB_BATTERY_SCREEN_PER_USE);
		break;
	case MB_DRAIN_HR_SENSOR:
		mb_battery_drain(&power->battery,
				 units * MB_BATTERY_HR_SENSOR_PER_S);
		break;
	case MB_DRAIN_LOGGING:
		/* Part of the per-minute base cost. */
		break;
	}
}

void mb_power_minute(struct mb_power *power, const uint8_t sample[4])
{
	struct mb_battery *b = &power->battery;
	bool charging = b->plugged || sample[0] == MB_LIFE_KIND_CHARGING;

	mb_battery_set_charging(b, charging, mb_rtc_local_time(power->rtc),
				mb_rtc_tz(power->rtc));
	if (charging) {
		mb_battery_charge(b, MB_BATTERY_CHARGE_PER_MIN);
	} else if (power->state == MB_POWER_STATE_ON) {
		mb_battery_drain(b, MB_BATTERY_BASE_PER_MIN);
		if (sample[3] != MB_HR_NONE)
			mb_battery_drain(b, MB_BATTERY_HR_PER_MIN);
	}
	changed(power);
	/* Below reboot-below-percent the band restarts on its own, once an
	 * hour: the "reboot loop below 10 %" of the seed reports. */
	if (power->state == MB_POWER_STATE_ON && !b->charging &&
	    mb_battery_level(b) < power->policy->reboot_below_percent) {
		if (++power->minutes_below_reboot % 60 == 0)
			mb_svc_reboot(power->svc);
	} else {
		power->minutes_below_reboot = 0;
	}
}

void mb_power_link_up(struct mb_power *power)
{
	power->link = true;
	power->drop_at_ms = UINT64_MAX;
	changed(power);
}

void mb_power_link_down(struct mb_power *power)
{
	power->link = false;
	power->drop_at_ms = UINT64_MAX;
}

void mb_power_run(struct mb_power *power, uint64_t now)
{
	if (power->state == MB_POWER_STATE_BOOTING &&
	    now >= power->boot_until_ms) {
		power->state = MB_POWER_STATE_ON;
		mb_svc_emit_string(power->svc, MB_EVENT_POWER_ON, NULL, NULL);
		if (power->booted)
			power->booted(power->booted_data);
	}
	if (power->link && now >= power->drop_at_ms)
		drop_for_low_battery(power, "after-connected");
}

uint64_t mb_power_deadline(const struct mb_power *power)
{
	uint64_t d = power->link ? power->drop_at_ms : UINT64_MAX;

	if (power->state == MB_POWER_STATE_BOOTING && power->boot_until_ms < d)
		d = power->boot_until_ms;
	return d;
}

bool mb_power_refuse_transfer(struct mb_power *power)
{
	if (!low(power) || power->policy->low_battery_drop_pattern !=
				   MB_LOW_BATTERY_DROP_AT_TRANSFER_START)
		return false;
	drop_for_low_battery(power, "transfer-start");
	return true;
}

void mb_power_boot(struct mb_power *power, uint64_t ms)
{
	power->state = MB_POWER_STATE_BOOTING;
	power->boot_until_ms = mb_svc_now(power->svc) + ms;
	mb_svc_drop_link(power->svc);
}

static uint8_t read_battery(void *part, uint8_t *buf, size_t *len)
{
	const struct mb_power *power = part;

	mb_battery_encode(&power->battery, buf);
	*len = MB_BATTERY_INFO_LEN;
	return 0;
}

const struct mb_chr_route mb_power_routes[] = {
	{ MB_CHR_BATTERY, read_battery, NULL },
};
const size_t mb_power_n_routes = MB_ARRAY_SIZE(mb_power_routes);

MB_TIMER(mb_power_timer, mb_power_deadline, mb_power_run);

void mb_power_time_restored(struct mb_power *power)
{
	mb_battery_set_boot(&power->battery, mb_rtc_local_time(power->rtc),
			    mb_rtc_tz(power->rtc));
}
