/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bandstate.h"
#include "bonding.h"
#include "clock.h"
#include "events.h"
#include "gatt.h"
#include "band-link.h"
#include "profile.h"
#include "util.h"
#include "adv.h"
#include "alerts.h"
#include "auth.h"
#include "devevents.h"
#include "fault.h"
#include "firmware.h"
#include "flashlog.h"
#include "hr.h"
#include "identity.h"
#include "logstore.h"
#include "power.h"
#include "routine.h"
#include "rtc.h"
#include "screen.h"
#include "session.h"
#include "settings.h"
#include "sport.h"
#include "tick.h"
#include "timestate.h"
#include "services.h"

struct mb_fetch;
struct mb_devinfo;
struct mb_reset;

/* The band model (docs/architecture.md "The band as parts"): bytes in through
 * mb_band_receive(), bytes out through the link's send function, time from
 * the injected clock, what must survive restarts through injected stores
 * (identity, firmware).  It does no I/O of its own.  The band is its parts (auth,
 * fetch, firmware, power, ...), each behind the services interface
 * (services.h); this object wires them and owns the link. */
struct mb_band;

/* The profile and clock must outlive the band. */
struct mb_band *mb_band_new(const struct mb_profile *profile,
			    const struct mb_band_state *state,
			    const struct mb_clock *clock, char **err);
void mb_band_free(struct mb_band *band);

void mb_band_set_debug(struct mb_band *band, mb_debug_func_t fn,
		       void *user_data);
void mb_band_set_event_handler(struct mb_band *band, mb_event_func_t fn,
			       void *user_data);

/* One link at a time, as the band: false while a link is up, or while
 * the band is off or booting (it does not advertise then).  PDUs from
 * the central go to mb_link_receive(mb_band_link(band), ...). */
bool mb_band_connect(struct mb_band *band, const struct mb_link_ops *ops,
		     void *user_data);
void mb_band_disconnect(struct mb_band *band);

/* Band life runs on the clock: mb_band_run() does everything due by now;
 * mb_band_next_deadline() says when to call it again (band ms). */
void mb_band_run(struct mb_band *band);
uint64_t mb_band_next_deadline(const struct mb_band *band);
uint64_t mb_band_now_ms(const struct mb_band *band);

/* Band time across restarts (docs/sync.md "Band time"); the edge keeps
 * the band clock and writes time.ini.  What to write: band time now, the
 * host's wall clock (host_ms) and the rate band time runs at, the RTC
 * and the log's last sequence number. */
void mb_band_time_state(const struct mb_band *band, int64_t host_ms,
			double rate, struct mb_time_state *out);
/* A band started again, its flash log attached: the RTC as s left it.
 * Returns the band time it cannot be before: s's, or the end of the last
 * minute it logged since s was written, if later. */
uint64_t mb_band_restore_time(struct mb_band *band,
			      const struct mb_time_state *s);
/* Band time was moved while the band was not running (a restart): band
 * life goes on from the next minute; the minutes in between were never
 * lived and are not logged. */
void mb_band_resume(struct mb_band *band);

/* What a person does with the band in hand. */
void mb_band_press_button(struct mb_band *band);
void mb_band_long_press_button(struct mb_band *band);
/* protocol §10: the key goes, the address changes, the log is erased,
 * the link drops, the settings are the factory's again. */
bool mb_band_factory_reset(struct mb_band *band, char **err);
void mb_band_reboot(struct mb_band *band);

/* What the band is in the middle of; the liveness oracle checks nothing
 * is left behind. */
enum mb_band_busy {
	MB_BAND_BUSY_NONE,
	MB_BAND_BUSY_BIND,     /* waiting for a tap */
	MB_BAND_BUSY_FETCH,    /* a transfer announced or running */
	MB_BAND_BUSY_FIRMWARE, /* an update under way */
};

enum mb_band_busy mb_band_busy(const struct mb_band *band);

/* Ground truth for the control plane and tests. */
const struct mb_band_state *mb_band_state(const struct mb_band *band);
bool mb_band_authenticated(const struct mb_band *band);
const struct mb_profile *mb_band_profile(const struct mb_band *band);
const struct mb_gatt *mb_band_gatt(const struct mb_band *band);

/* The band's parts as mb_band_new() wired them, for the band's own
 * operations (band-api.c).  Each part's header says what it offers. */
struct mb_band_parts {
	const struct mb_profile *profile;
	const struct mb_clock *clock;
	const struct mb_services *svc;
	struct mb_gatt *gatt;
	struct mb_identity *identity;
	struct mb_bonding *bonding;
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
	struct mb_sport *sport;
	struct mb_devevents *devevents;
	struct mb_screen *screen;
	struct mb_alerts *alerts;
	struct mb_devinfo *devinfo;
	struct mb_adv *adv;
	struct mb_logstore *store;
	struct mb_session *session;
	struct mb_reset *reset;
};
const struct mb_band_parts *mb_band_parts(const struct mb_band *band);

/* The band's parts, for the control plane, the transports and tests:
 * each part's own header says what it offers. */
struct mb_auth *mb_band_auth(const struct mb_band *band);
/* band.ini: its store is set with mb_identity_set_store(). */
struct mb_identity *mb_band_identity(const struct mb_band *band);
struct mb_power *mb_band_power(const struct mb_band *band);
struct mb_faults *mb_band_faults(const struct mb_band *band);
struct mb_firmware *mb_band_firmware(const struct mb_band *band);
struct mb_flashlog *mb_band_log(const struct mb_band *band);
struct mb_rtc *mb_band_rtc(const struct mb_band *band);
struct mb_tick *mb_band_tick(const struct mb_band *band);
/* The link: receive PDUs, flow control, the monitor, its ATT server. */
struct mb_link *mb_band_link(const struct mb_band *band);
struct mb_adv *mb_band_adv(const struct mb_band *band);
/* settings.ini: its store is set with mb_settings_set_store(). */
struct mb_settings *mb_band_settings(const struct mb_band *band);
struct mb_routine *mb_band_routine(const struct mb_band *band);
/* Heart rate: its measurement, last reading, advertisement byte. */
struct mb_hr *mb_band_hr(const struct mb_band *band);
/* The sport mode: the workout running (sport.h). */
struct mb_sport *mb_band_sport(const struct mb_band *band);
/* The band's own events on 00000010: its menus (find phone, music, silent
 * mode) and a test's injected ones. */
struct mb_devevents *mb_band_devevents(const struct mb_band *band);
/* What the band shows. */
struct mb_screen *mb_band_screen(const struct mb_band *band);
/* Alerts, calls, find band, weather and music (alerts.h). */
struct mb_alerts *mb_band_alerts(const struct mb_band *band);
/* The link's life: its security (pairing, encryption) and pace. */
struct mb_session *mb_band_session(const struct mb_band *band);
/* The flash chip and its log: by default heap memory; the emulator
 * attaches STATE_DIR/flash.img (mb_logstore_attach_with()). */
struct mb_logstore *mb_band_store(const struct mb_band *band);
