// SPDX-License-Identifier: GPL-2.0-or-later
/* The band: its parts wired together behind the services interface, and
 * the schedule of band life.  No protocol lives here; what the edge asks
 * of the band is carried out on the parts in band-api.c. */
#include "band.h"

#include <stdlib.h>

#include "adv.h"
#include "alerts.h"
#include "auth.h"
#include "devevents.h"
#include "devinfo.h"
#include "fault.h"
#include "fetch.h"
#include "firmware.h"
#include "logstore.h"
#include "hr.h"
#include "bonding.h"
#include "identity.h"
#include "power.h"
#include "reset.h"
#include "router.h"
#include "routine.h"
#include "rtc.h"
#include "schedule.h"
#include "screen.h"
#include "services.h"
#include "session.h"
#include "settings.h"
#include "sport.h"
#include "tick.h"

struct mb_band {
	struct mb_band_parts p;
	struct mb_services svc;
	const struct mb_gatt_chr *chrs[MB_CHR_COUNT];
	struct mb_router *router;
	struct mb_sched *sched;
	mb_debug_func_t debug;
	void *debug_data;
	mb_event_func_t event;
	void *event_data;
};

/* ---- what the parts reach: the services ---------------------------------- */

static uint64_t svc_now(void *data)
{
	return mb_band_now_ms(data);
}

static bool svc_notify(enum mb_chr_id chr, const uint8_t *value, size_t len,
		       void *data)
{
	struct mb_band *band = data;

	return mb_faults_notify(band->p.faults, band->chrs[chr], value, len);
}

static void svc_debug(const char *line, void *data)
{
	const struct mb_band *band = data;

	if (band->debug)
		band->debug(line, band->debug_data);
}

/* The screen sees every event first, so that whoever hears of one can
 * read what the band shows since; screen-changed follows the event that
 * made it. */
static void svc_emit(const struct mb_event *ev, void *data)
{
	struct mb_band *band = data;
	bool shown = mb_screen_see(band->p.screen, ev);

	if (band->debug)
		mb_svc_debug(&band->svc, "event %s", mb_event_name(ev->id));
	/* A band that goes off or restarts ends its workout (sport.h). */
	if (ev->id == MB_EVENT_POWER_OFF || ev->id == MB_EVENT_REBOOT)
		mb_sport_end(band->p.sport, MB_SPORT_END_POWER_OFF);
	if (band->event)
		band->event(ev, band->event_data);
	if (shown)
		mb_screen_announce(band->p.screen);
}

static bool svc_fault(enum mb_fault_trigger trigger, unsigned int level,
		      void *data)
{
	return mb_faults_hook(((struct mb_band *)data)->p.faults, trigger,
			      level);
}

static void svc_drop_link(void *data)
{
	struct mb_band *band = data;

	mb_auth_revoke(band->p.auth);
	mb_link_drop(band->p.link);
}

static const struct mb_services_ops services_ops = {
	.now = svc_now,
	.notify = svc_notify,
	.emit = svc_emit,
	.fault = svc_fault,
	.drop_link = svc_drop_link,
	.debug = svc_debug,
};

/* ---- parts calling on each other, through the band ---------------------- */

static void rtc_changed(void *data)
{
	struct mb_band *band = data;

	mb_tick_rtc_changed(band->p.tick);
	mb_routine_rtc_changed(band->p.routine);
}

static void power_booted(void *data)
{
	mb_firmware_booted(((struct mb_band *)data)->p.firmware);
}

/* The minute that ended: in a workout the band reads the wearer every
 * second, so the minute has their rate; else the heart-rate part's
 * schedules decide.  Then the sport mode hears what the wearer did. */
static void tick_heart_rate(void *data, uint32_t minute, uint8_t sample[4])
{
	struct mb_band *band = data;

	if (mb_sport_running(band->p.sport) == MB_SPORT_NONE)
		mb_hr_minute(band->p.hr, minute, sample);
	mb_sport_minute(band->p.sport, minute, sample);
}

static void log_opened(struct mb_flashlog *log, struct mb_workoutlog *workouts,
		       void *data)
{
	struct mb_band *band = data;

	mb_fetch_set_log(band->p.fetch, log, workouts);
	mb_tick_set_log(band->p.tick, log);
	mb_sport_set_log(band->p.sport, workouts);
}

static bool alerts_gps(void *data, const uint8_t *v, size_t len)
{
	return mb_sport_phone_gps(((struct mb_band *)data)->p.sport, v, len);
}

static bool settings_reset(void *data, char **err)
{
	return mb_reset_run(((struct mb_band *)data)->p.reset, err);
}

/* ---- band life ------------------------------------------------------------ */

/* Everything due by now, in time order (a confirm window that closed
 * before a minute boundary is handled before it); then one step of a
 * transfer, so PDUs from the central get in between. */
void mb_band_run(struct mb_band *band)
{
	uint64_t now = svc_now(band);

	mb_sched_run(band->sched, now);
	if (mb_link_connected(band->p.link))
		mb_fetch_run(band->p.fetch, now);
}

uint64_t mb_band_next_deadline(const struct mb_band *band)
{
	uint64_t d = mb_sched_deadline(band->sched),
		 fetch = mb_fetch_deadline(band->p.fetch);

	return fetch < d ? fetch : d;
}

uint64_t mb_band_now_ms(const struct mb_band *band)
{
	return band->p.clock->now_ms(band->p.clock->user_data);
}

/* ---- set-up ----------------------------------------------------------------- */

struct mb_band *mb_band_new(const struct mb_profile *profile,
			    const struct mb_band_state *state,
			    const struct mb_clock *clock, char **err)
{
	const struct mb_policy *pol = mb_profile_policy(profile);
	struct mb_gatt *gatt = mb_gatt_new(profile, err);
	struct mb_band *b;

	if (!gatt)
		return NULL;
	b = mb_malloc0(sizeof(*b));
	b->p.profile = profile;
	b->p.clock = clock;
	b->p.gatt = gatt;
	b->p.identity = mb_identity_new(state);
	b->svc = (struct mb_services){ &services_ops, b };
	b->p.svc = &b->svc;
	/* First: it sees the events of every part. */
	b->p.screen = mb_screen_new(&b->svc, pol);
	for (int id = 0; id < MB_CHR_COUNT; id++)
		b->chrs[id] = mb_chr_resolve(gatt, (enum mb_chr_id)id);
	b->p.rtc = mb_rtc_new(&b->svc, rtc_changed, b);
	b->p.power = mb_power_new(&b->svc, profile, b->p.rtc, power_booted, b);
	b->p.devevents = mb_devevents_new(&b->svc);
	b->p.tick =
		mb_tick_new(&b->svc, pol, b->p.rtc, b->p.power, b->p.devevents);
	b->p.auth = mb_auth_new(&b->svc, pol, b->p.identity);
	b->p.bonding = mb_bonding_new(&b->svc, b->p.identity, pol->bond_slots);
	b->p.link = mb_link_new(gatt, pol, mb_profile_mtu(profile));
	b->p.fetch =
		mb_fetch_new(&b->svc, pol, b->p.rtc, b->p.power, b->p.link);
	b->p.firmware = mb_firmware_new(&b->svc, profile, b->p.power);
	b->p.settings = mb_settings_new(&b->svc, profile, b->p.rtc,
					b->p.devevents, settings_reset, b);
	b->p.routine = mb_routine_new(&b->svc, profile, b->p.rtc, b->p.power,
				      b->p.tick, b->p.settings, b->p.devevents);
	b->p.hr = mb_hr_new(&b->svc, pol, b->p.rtc, b->p.power, b->p.tick,
			    b->p.settings);
	b->p.sport = mb_sport_new(&b->svc, pol, b->p.rtc, b->p.power, b->p.tick,
				  b->p.devevents);
	mb_tick_set_heart_rate(b->p.tick, tick_heart_rate, b);
	b->p.alerts = mb_alerts_new(&b->svc, pol, b->p.routine, b->p.devevents);
	mb_alerts_set_gps(b->p.alerts, alerts_gps, b);
	b->p.devinfo = mb_devinfo_new(profile, b->p.identity, b->p.firmware);
	b->p.adv = mb_adv_new(profile);
	b->p.faults =
		mb_faults_new(&b->svc, gatt, b->p.link, b->p.power, b->p.fetch);
	b->router = mb_router_new(gatt, pol, b->p.auth, b->p.faults);
	mb_router_add(b->router, mb_devinfo_routes, mb_devinfo_n_routes,
		      b->p.devinfo);
	mb_router_add(b->router, mb_rtc_routes, mb_rtc_n_routes, b->p.rtc);
	mb_router_add(b->router, mb_power_routes, mb_power_n_routes,
		      b->p.power);
	mb_router_add(b->router, mb_tick_routes, mb_tick_n_routes, b->p.tick);
	mb_router_add(b->router, mb_auth_routes, mb_auth_n_routes, b->p.auth);
	mb_router_add(b->router, mb_settings_routes, mb_settings_n_routes,
		      b->p.settings);
	mb_router_add(b->router, mb_hr_routes, mb_hr_n_routes, b->p.hr);
	mb_router_add(b->router, mb_fetch_routes, mb_fetch_n_routes,
		      b->p.fetch);
	mb_router_add(b->router, mb_firmware_routes, mb_firmware_n_routes,
		      b->p.firmware);
	mb_router_add(b->router, mb_alerts_routes, mb_alerts_n_routes,
		      b->p.alerts);
	mb_router_add(b->router, mb_sport_routes, mb_sport_n_routes,
		      b->p.sport);
	mb_link_set_server(b->p.link, &mb_router_att_ops, b->router);
	b->p.session = mb_session_new(
		&b->svc, profile, gatt,
		&(struct mb_session_parts){ b->p.link, b->p.auth, b->p.bonding,
					    b->p.fetch, b->p.firmware, b->p.hr,
					    b->p.devevents, b->p.alerts,
					    b->p.power, b->p.faults });
	mb_router_set_ccc_observer(b->router, mb_session_ccc_changed,
				   b->p.session);
	b->sched = mb_sched_new();
	mb_sched_add(b->sched, &mb_auth_timer, b->p.auth);
	mb_sched_add(b->sched, &mb_power_timer, b->p.power);
	mb_sched_add(b->sched, &mb_tick_timer, b->p.tick);
	mb_sched_add(b->sched, &mb_routine_timer, b->p.routine);
	mb_sched_add(b->sched, &mb_hr_timer, b->p.hr);
	mb_sched_add(b->sched, &mb_screen_timer, b->p.screen);
	mb_sched_add(b->sched, &mb_alerts_timer, b->p.alerts);
	mb_sched_add(b->sched, &mb_sport_timer, b->p.sport);
	b->p.store =
		mb_logstore_new(mb_flashlog_size_for_days(pol->flash_log_days),
				mb_workoutlog_size_for_kb(pol->workout_log_kb),
				b->p.identity, log_opened, b);
	b->p.reset =
		mb_reset_new(&b->svc, &(struct mb_reset_parts){
					      b->p.identity, b->p.settings,
					      b->p.auth, b->p.fetch, b->p.tick,
					      b->p.store, b->p.sport });
	return b;
}

void mb_band_free(struct mb_band *band)
{
	if (!band)
		return;
	band->event = NULL;
	mb_session_disconnect(band->p.session);
	mb_sched_free(band->sched);
	mb_reset_free(band->p.reset);
	mb_session_free(band->p.session);
	mb_router_free(band->router);
	mb_faults_free(band->p.faults);
	mb_link_free(band->p.link);
	mb_adv_free(band->p.adv);
	mb_devinfo_free(band->p.devinfo);
	mb_hr_free(band->p.hr);
	mb_sport_free(band->p.sport);
	mb_alerts_free(band->p.alerts);
	mb_routine_free(band->p.routine);
	mb_settings_free(band->p.settings);
	mb_devevents_free(band->p.devevents);
	mb_firmware_free(band->p.firmware);
	mb_fetch_free(band->p.fetch);
	mb_auth_free(band->p.auth);
	mb_bonding_free(band->p.bonding);
	mb_tick_free(band->p.tick);
	mb_power_free(band->p.power);
	mb_rtc_free(band->p.rtc);
	mb_logstore_free(band->p.store);
	mb_identity_free(band->p.identity);
	mb_screen_free(band->p.screen);
	mb_gatt_free(band->p.gatt);
	free(band);
}

void mb_band_set_debug(struct mb_band *band, mb_debug_func_t fn,
		       void *user_data)
{
	band->debug = fn;
	band->debug_data = user_data;
	mb_link_set_debug(band->p.link, fn, user_data);
}

void mb_band_set_event_handler(struct mb_band *band, mb_event_func_t fn,
			       void *user_data)
{
	band->event = fn;
	band->event_data = user_data;
}

const struct mb_band_parts *mb_band_parts(const struct mb_band *band)
{
	return &band->p;
}
