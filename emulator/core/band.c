// SPDX-License-Identifier: GPL-2.0-or-later
/* The band: its parts wired together behind the services interface, its
 * link, and the schedule of band life.  No protocol lives here. */
#include "band.h"

#include <stdlib.h>
#include <string.h>

#include "adv.h"
#include "alerts.h"
#include "auth.h"
#include "devevents.h"
#include "devinfo.h"
#include "fault.h"
#include "fetch.h"
#include "firmware.h"
#include "flash.h"
#include "flashlog.h"
#include "hr.h"
#include "bonding.h"
#include "identity.h"
#include "power.h"
#include "router.h"
#include "routine.h"
#include "rtc.h"
#include "schedule.h"
#include "screen.h"
#include "services.h"
#include "settings.h"
#include "tick.h"

struct mb_band {
	const struct mb_profile *profile;
	const struct mb_clock *clock;
	struct mb_gatt *gatt;
	struct mb_services svc;
	struct mb_identity *identity;
	struct mb_bonding *bonding;
	const struct mb_gatt_chr *chrs[MB_CHR_COUNT];
	struct mb_router *router;
	struct mb_sched *sched;
	struct mb_link *link;
	struct mb_faults *faults;
	struct mb_rtc *rtc;
	struct mb_power *power;
	struct mb_tick *tick;
	struct mb_auth *auth;
	struct mb_fetch *fetch;
	struct mb_firmware *firmware;
	struct mb_settings *settings;
	struct mb_routine *routine;
	struct mb_hr *hr;
	struct mb_devevents *devevents;
	struct mb_screen *screen;
	struct mb_alerts *alerts;
	struct mb_devinfo *devinfo;
	struct mb_adv *adv;
	struct mb_flash flash;
	struct mb_flashlog *log;
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

	return mb_faults_notify(band->faults, band->chrs[chr], value, len);
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
	bool shown = mb_screen_see(band->screen, ev);

	if (band->debug)
		mb_svc_debug(&band->svc, "event %s", mb_event_name(ev->id));
	if (band->event)
		band->event(ev, band->event_data);
	if (shown)
		mb_screen_announce(band->screen);
}

static bool svc_fault(enum mb_fault_trigger trigger, unsigned int level,
		      void *data)
{
	return mb_faults_hook(((struct mb_band *)data)->faults, trigger, level);
}

static void svc_drop_link(void *data)
{
	struct mb_band *band = data;

	mb_auth_revoke(band->auth);
	mb_link_drop(band->link);
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

	mb_tick_rtc_changed(band->tick);
	mb_routine_rtc_changed(band->routine);
}

static void power_booted(void *data)
{
	mb_firmware_booted(((struct mb_band *)data)->firmware);
}

static void tick_heart_rate(void *data, uint32_t minute, uint8_t sample[4])
{
	mb_hr_minute(((struct mb_band *)data)->hr, minute, sample);
}

static bool settings_reset(void *data, char **err)
{
	return mb_band_factory_reset(data, err);
}

/* ---- the link ------------------------------------------------------------ */

void mb_band_set_peer(struct mb_band *band, const uint8_t peer[6],
		      bool peer_random)
{
	if (mb_link_connected(band->link))
		mb_bonding_set_peer(band->bonding, peer, peer_random);
}

enum mb_security_status mb_band_pair(struct mb_band *band, uint8_t ltk[16])
{
	if (!mb_link_connected(band->link))
		return MB_SECURITY_NO_PEER;
	return mb_bonding_pair(band->bonding, ltk);
}

enum mb_security_status mb_band_encrypt(struct mb_band *band,
					const uint8_t ltk[16])
{
	if (!mb_link_connected(band->link))
		return MB_SECURITY_NO_PEER;
	return mb_bonding_encrypt(band->bonding, ltk);
}

/* The MTU the band announces (docs/policies.md#mtu-announce), 0: none. */
static uint16_t announced_mtu(const struct mb_band *band, bool paced)
{
	switch (mb_profile_policy(band->profile)->mtu_announce) {
	case MB_MTU_ANNOUNCE_PACED:
		return paced ? mb_profile_mtu(band->profile) : 0;
	case MB_MTU_ANNOUNCE_ON_SUBSCRIBE:
		return mb_profile_mtu(band->profile);
	case MB_MTU_ANNOUNCE_OFF:
		return 0;
	}
	return 0;
}

void mb_band_set_paced(struct mb_band *band, bool paced)
{
	mb_fetch_set_paced(band->fetch, paced);
	mb_devevents_set_mtu_announce(band->devevents,
				      announced_mtu(band, paced));
}

bool mb_band_encrypted(const struct mb_band *band)
{
	return mb_bonding_encrypted(band->bonding);
}

/* A subscription on the link changed: device events enabled is when the
 * band may announce its MTU (docs/policies.md#mtu-announce). */
static void ccc_changed(const struct mb_gatt_chr *chr, uint16_t value,
			void *data)
{
	struct mb_band *band = data;

	if (chr == band->chrs[MB_CHR_DEVICE_EVENT])
		mb_devevents_subscribed(band->devevents, value & MB_CCC_NOTIFY,
					mb_link_mtu(band->link));
}

bool mb_band_connect(struct mb_band *band, const struct mb_link_ops *ops,
		     void *user_data)
{
	/* Off or booting: no advertising, nothing to connect to. */
	if (mb_power_state(band->power) != MB_POWER_STATE_ON ||
	    !mb_link_up(band->link, ops, user_data))
		return false;
	mb_auth_link_up(band->auth);
	mb_devevents_link_up(band->devevents);
	mb_svc_emit_string(&band->svc, MB_EVENT_CONNECTED, NULL, NULL);
	mb_power_link_up(band->power);
	mb_faults_hook(band->faults, MB_FAULT_TRIGGER_CONNECT, 0);
	return true;
}

void mb_band_disconnect(struct mb_band *band)
{
	if (!mb_link_connected(band->link))
		return;
	mb_auth_link_down(band->auth);
	mb_bonding_link_down(band->bonding);
	mb_fetch_link_down(band->fetch);
	mb_firmware_link_down(band->firmware);
	mb_hr_link_down(band->hr);
	mb_devevents_link_down(band->devevents);
	mb_alerts_link_down(band->alerts);
	mb_power_link_down(band->power);
	mb_link_down(band->link);
	mb_svc_emit_string(&band->svc, MB_EVENT_DISCONNECTED, NULL, NULL);
}

/* ---- band life ------------------------------------------------------------ */

/* Everything due by now, in time order (a confirm window that closed
 * before a minute boundary is handled before it); then one step of a
 * transfer, so PDUs from the central get in between. */
void mb_band_run(struct mb_band *band)
{
	uint64_t now = svc_now(band);

	mb_sched_run(band->sched, now);
	if (mb_link_connected(band->link))
		mb_fetch_run(band->fetch, now);
}

uint64_t mb_band_next_deadline(const struct mb_band *band)
{
	uint64_t d = mb_sched_deadline(band->sched),
		 fetch = mb_fetch_deadline(band->fetch);

	return fetch < d ? fetch : d;
}

uint64_t mb_band_now_ms(const struct mb_band *band)
{
	return band->clock->now_ms(band->clock->user_data);
}

/* protocol §9: a tap confirms a waiting binding, else it is device event
 * 04; a long press declines it, else 0B. */
void mb_band_press_button(struct mb_band *band)
{
	mb_svc_emit_string(&band->svc, MB_EVENT_BUTTON_PRESSED, NULL, NULL);
	mb_power_use(band->power, MB_DRAIN_SCREEN, 1);
	if (!mb_auth_press(band->auth))
		mb_devevents_send(band->devevents, MB_DEVEVENT_BUTTON);
}

void mb_band_long_press_button(struct mb_band *band)
{
	mb_svc_emit_string(&band->svc, MB_EVENT_BUTTON_LONG_PRESSED, NULL,
			   NULL);
	if (!mb_auth_long_press(band->auth))
		mb_devevents_send(band->devevents, MB_DEVEVENT_BUTTON_LONG);
}

bool mb_band_factory_reset(struct mb_band *band, char **err)
{
	char addr[18];

	/* band.ini is the switch, and what goes with the owner (protocol
	 * §10; docs/settings.md) is gone or marked before it is replaced:
	 * the settings are the factory's, the log holds a reset record, so
	 * that a band killed after the new owner is stored erases the log at
	 * its next start (mb_band_attach_flash()).  Killed before, it is the
	 * old owner with the old log and, maybe, the factory's settings. */
	mb_flashlog_mark_reset(band->log,
			       mb_identity_state(band->identity)->address);
	if (!mb_settings_reset(band->settings, err) ||
	    !mb_identity_reset(band->identity, err))
		return false;
	mb_auth_link_down(band->auth);
	mb_fetch_link_down(band->fetch);
	mb_flashlog_clear(band->log);
	mb_tick_recount(band->tick);
	mb_band_state_address(mb_identity_state(band->identity), addr);
	mb_svc_emit_string(&band->svc, MB_EVENT_RESET, "address", addr);
	svc_drop_link(band);
	return true;
}

void mb_band_reboot(struct mb_band *band)
{
	mb_svc_reboot(&band->svc);
}

/* ---- band time across restarts ------------------------------------------- */

void mb_band_time_state(const struct mb_band *band, int64_t host_ms,
			double rate, struct mb_time_state *out)
{
	*out = (struct mb_time_state){
		.band_ms = mb_band_now_ms(band),
		.host_ms = host_ms,
		.rate = rate,
		.log_seq = mb_flashlog_last_seq(band->log),
	};
	mb_rtc_get_state(band->rtc, &out->rtc);
}

uint64_t mb_band_restore_time(struct mb_band *band,
			      const struct mb_time_state *s)
{
	uint64_t floor;

	mb_rtc_restore(band->rtc, &s->rtc);
	floor = mb_tick_floor_ms(band->tick, s->log_seq);
	return floor > s->band_ms ? floor : s->band_ms;
}

void mb_band_resume(struct mb_band *band)
{
	/* As after the phone set the RTC: the minute and the routine start
	 * at the next boundary, with nothing done in between. */
	rtc_changed(band);
	mb_tick_recount(band->tick);
	mb_power_time_restored(band->power);
}

/* ---- set-up ----------------------------------------------------------------- */

static void open_log(struct mb_band *band, unsigned int *torn);

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
	b->profile = profile;
	b->clock = clock;
	b->gatt = gatt;
	b->identity = mb_identity_new(state);
	b->svc = (struct mb_services){ &services_ops, b };
	/* First: it sees the events of every part. */
	b->screen = mb_screen_new(&b->svc, pol);
	for (int id = 0; id < MB_CHR_COUNT; id++)
		b->chrs[id] = mb_chr_resolve(gatt, (enum mb_chr_id)id);
	b->rtc = mb_rtc_new(&b->svc, rtc_changed, b);
	b->power = mb_power_new(&b->svc, profile, b->rtc, power_booted, b);
	b->devevents = mb_devevents_new(&b->svc);
	b->tick = mb_tick_new(&b->svc, pol, b->rtc, b->power, b->devevents);
	b->auth = mb_auth_new(&b->svc, pol, b->identity);
	b->bonding = mb_bonding_new(&b->svc, b->identity, pol->bond_slots);
	b->link = mb_link_new(gatt, pol, mb_profile_mtu(profile));
	b->fetch = mb_fetch_new(&b->svc, pol, b->rtc, b->power, b->link);
	b->firmware = mb_firmware_new(&b->svc, profile, b->power);
	b->settings = mb_settings_new(&b->svc, profile, b->rtc, b->devevents,
				      settings_reset, b);
	b->routine = mb_routine_new(&b->svc, profile, b->rtc, b->power, b->tick,
				    b->settings, b->devevents);
	b->hr = mb_hr_new(&b->svc, pol, b->rtc, b->power, b->tick, b->settings);
	mb_tick_set_heart_rate(b->tick, tick_heart_rate, b);
	b->alerts = mb_alerts_new(&b->svc, pol, b->routine, b->devevents);
	b->devinfo = mb_devinfo_new(profile, b->identity, b->firmware);
	b->adv = mb_adv_new(profile);
	b->faults = mb_faults_new(&b->svc, gatt, b->link, b->power, b->fetch);
	b->router = mb_router_new(gatt, pol, b->auth, b->faults);
	mb_router_add(b->router, mb_devinfo_routes, mb_devinfo_n_routes,
		      b->devinfo);
	mb_router_add(b->router, mb_rtc_routes, mb_rtc_n_routes, b->rtc);
	mb_router_add(b->router, mb_power_routes, mb_power_n_routes, b->power);
	mb_router_add(b->router, mb_tick_routes, mb_tick_n_routes, b->tick);
	mb_router_add(b->router, mb_auth_routes, mb_auth_n_routes, b->auth);
	mb_router_add(b->router, mb_settings_routes, mb_settings_n_routes,
		      b->settings);
	mb_router_add(b->router, mb_hr_routes, mb_hr_n_routes, b->hr);
	mb_router_add(b->router, mb_fetch_routes, mb_fetch_n_routes, b->fetch);
	mb_router_add(b->router, mb_firmware_routes, mb_firmware_n_routes,
		      b->firmware);
	mb_router_add(b->router, mb_alerts_routes, mb_alerts_n_routes,
		      b->alerts);
	mb_link_set_server(b->link, &mb_router_att_ops, b->router);
	mb_router_set_ccc_observer(b->router, ccc_changed, b);
	mb_devevents_set_mtu_announce(b->devevents, announced_mtu(b, false));
	b->sched = mb_sched_new();
	mb_sched_add(b->sched, &mb_auth_timer, b->auth);
	mb_sched_add(b->sched, &mb_power_timer, b->power);
	mb_sched_add(b->sched, &mb_tick_timer, b->tick);
	mb_sched_add(b->sched, &mb_routine_timer, b->routine);
	mb_sched_add(b->sched, &mb_hr_timer, b->hr);
	mb_sched_add(b->sched, &mb_screen_timer, b->screen);
	mb_sched_add(b->sched, &mb_alerts_timer, b->alerts);
	/* Until a chip is attached, one in RAM that costs what is written
	 * to it. */
	mb_flash_init_sparse(&b->flash, mb_band_flash_size(b));
	open_log(b, NULL);
	return b;
}

void mb_band_free(struct mb_band *band)
{
	if (!band)
		return;
	band->event = NULL;
	mb_band_disconnect(band);
	mb_sched_free(band->sched);
	mb_router_free(band->router);
	mb_faults_free(band->faults);
	mb_link_free(band->link);
	mb_adv_free(band->adv);
	mb_devinfo_free(band->devinfo);
	mb_hr_free(band->hr);
	mb_alerts_free(band->alerts);
	mb_routine_free(band->routine);
	mb_settings_free(band->settings);
	mb_devevents_free(band->devevents);
	mb_firmware_free(band->firmware);
	mb_fetch_free(band->fetch);
	mb_auth_free(band->auth);
	mb_bonding_free(band->bonding);
	mb_tick_free(band->tick);
	mb_power_free(band->power);
	mb_rtc_free(band->rtc);
	mb_flashlog_free(band->log);
	mb_flash_release(&band->flash);
	mb_identity_free(band->identity);
	mb_screen_free(band->screen);
	mb_gatt_free(band->gatt);
	free(band);
}

size_t mb_band_flash_size(const struct mb_band *band)
{
	return mb_flashlog_size_for_days(
		mb_profile_policy(band->profile)->flash_log_days);
}

static void open_log(struct mb_band *band, unsigned int *torn)
{
	mb_flashlog_free(band->log);
	band->log = mb_flashlog_open(&band->flash, torn);
	/* A factory reset that stored its new owner and died before it
	 * erased the old owner's log. */
	if (mb_flashlog_reset_unfinished(
		    band->log, mb_identity_state(band->identity)->address))
		mb_flashlog_clear(band->log);
	mb_fetch_set_log(band->fetch, band->log);
	mb_tick_set_log(band->tick, band->log);
}

void mb_band_attach_flash(struct mb_band *band, uint8_t *mem,
			  unsigned int *torn)
{
	mb_flash_release(&band->flash);
	mb_flash_init(&band->flash, mem, mb_band_flash_size(band));
	open_log(band, torn);
}

void mb_band_attach_flash_with(struct mb_band *band, mb_flash_sector_fn fn,
			       void *user_data, unsigned int *torn)
{
	mb_flash_release(&band->flash);
	mb_flash_init_with(&band->flash, mb_band_flash_size(band), fn,
			   user_data);
	open_log(band, torn);
}

void mb_band_set_debug(struct mb_band *band, mb_debug_func_t fn,
		       void *user_data)
{
	band->debug = fn;
	band->debug_data = user_data;
	mb_link_set_debug(band->link, fn, user_data);
}

void mb_band_set_event_handler(struct mb_band *band, mb_event_func_t fn,
			       void *user_data)
{
	band->event = fn;
	band->event_data = user_data;
}

/* ---- ground truth --------------------------------------------------------- */

enum mb_band_busy mb_band_busy(const struct mb_band *band)
{
	if (mb_auth_prompting(band->auth))
		return MB_BAND_BUSY_BIND;
	if (mb_fetch_busy(band->fetch))
		return MB_BAND_BUSY_FETCH;
	return mb_firmware_busy(band->firmware) ? MB_BAND_BUSY_FIRMWARE
						: MB_BAND_BUSY_NONE;
}

bool mb_band_authenticated(const struct mb_band *band)
{
	return mb_link_connected(band->link) &&
	       mb_auth_authenticated(band->auth);
}

const struct mb_band_state *mb_band_state(const struct mb_band *band)
{
	return mb_identity_state(band->identity);
}

#define GETTER(type, name, field)                       \
	type mb_band_##name(const struct mb_band *band) \
	{                                               \
		return band->field;                     \
	}
GETTER(const struct mb_profile *, profile, profile)
GETTER(const struct mb_gatt *, gatt, gatt)
GETTER(struct mb_auth *, auth, auth)
GETTER(struct mb_identity *, identity, identity)
GETTER(struct mb_power *, power, power)
GETTER(struct mb_faults *, faults, faults)
GETTER(struct mb_firmware *, firmware, firmware)
GETTER(struct mb_flashlog *, log, log)
GETTER(struct mb_rtc *, rtc, rtc)
GETTER(struct mb_tick *, tick, tick)
GETTER(struct mb_link *, link, link)
GETTER(struct mb_adv *, adv, adv)
GETTER(struct mb_settings *, settings, settings)
GETTER(struct mb_routine *, routine, routine)
GETTER(struct mb_hr *, hr, hr)
GETTER(struct mb_devevents *, devevents, devevents)
GETTER(struct mb_screen *, screen, screen)
GETTER(struct mb_alerts *, alerts, alerts)
