// SPDX-License-Identifier: GPL-2.0-or-later
/* What the edge asks of the band (band.h), carried out on its parts:
 * the band's wiring (band.c) hands them over with mb_band_parts(). */
#include <stdlib.h>

#include "band.h"
#include "fetch.h"
#include "reset.h"

#define P(band) mb_band_parts(band)

bool mb_band_connect(struct mb_band *band, const struct mb_link_ops *ops,
		     void *user_data)
{
	return mb_session_connect(P(band)->session, ops, user_data);
}

void mb_band_disconnect(struct mb_band *band)
{
	mb_session_disconnect(P(band)->session);
}

/* protocol §9: a tap confirms a waiting binding, else it is device event
 * 04; a long press declines it, else 0B. */
void mb_band_press_button(struct mb_band *band)
{
	const struct mb_band_parts *p = P(band);

	mb_svc_emit_string(p->svc, MB_EVENT_BUTTON_PRESSED, NULL, NULL);
	mb_power_use(p->power, MB_DRAIN_SCREEN, 1);
	if (!mb_auth_press(p->auth))
		mb_devevents_send(p->devevents, MB_DEVEVENT_BUTTON);
}

void mb_band_long_press_button(struct mb_band *band)
{
	const struct mb_band_parts *p = P(band);

	mb_svc_emit_string(p->svc, MB_EVENT_BUTTON_LONG_PRESSED, NULL, NULL);
	if (!mb_auth_long_press(p->auth))
		mb_devevents_send(p->devevents, MB_DEVEVENT_BUTTON_LONG);
}

bool mb_band_factory_reset(struct mb_band *band, char **err)
{
	return mb_reset_run(P(band)->reset, err);
}

void mb_band_reboot(struct mb_band *band)
{
	mb_svc_reboot(P(band)->svc);
}

/* ---- band time across restarts ------------------------------------------- */

void mb_band_time_state(const struct mb_band *band, int64_t host_ms,
			double rate, struct mb_time_state *out)
{
	const struct mb_band_parts *p = P(band);

	*out = (struct mb_time_state){
		.band_ms = mb_band_now_ms(band),
		.host_ms = host_ms,
		.rate = rate,
		.log_seq = mb_flashlog_last_seq(mb_logstore_log(p->store)),
	};
	mb_rtc_get_state(p->rtc, &out->rtc);
}

uint64_t mb_band_restore_time(struct mb_band *band,
			      const struct mb_time_state *s)
{
	const struct mb_band_parts *p = P(band);
	uint64_t floor;

	mb_rtc_restore(p->rtc, &s->rtc);
	floor = mb_tick_floor_ms(p->tick, s->log_seq);
	return floor > s->band_ms ? floor : s->band_ms;
}

void mb_band_resume(struct mb_band *band)
{
	const struct mb_band_parts *p = P(band);

	/* As after the phone set the RTC (the band's rtc_changed): the
	 * minute and the routine start at the next boundary, with nothing
	 * done in between. */
	mb_tick_rtc_changed(p->tick);
	mb_routine_rtc_changed(p->routine);
	mb_tick_recount(p->tick);
	mb_power_time_restored(p->power);
}

/* ---- ground truth --------------------------------------------------------- */

enum mb_band_busy mb_band_busy(const struct mb_band *band)
{
	const struct mb_band_parts *p = P(band);

	if (mb_auth_prompting(p->auth))
		return MB_BAND_BUSY_BIND;
	if (mb_fetch_busy(p->fetch))
		return MB_BAND_BUSY_FETCH;
	return mb_firmware_busy(p->firmware) ? MB_BAND_BUSY_FIRMWARE
					     : MB_BAND_BUSY_NONE;
}

bool mb_band_authenticated(const struct mb_band *band)
{
	return mb_link_connected(P(band)->link) &&
	       mb_auth_authenticated(P(band)->auth);
}

const struct mb_band_state *mb_band_state(const struct mb_band *band)
{
	return mb_identity_state(P(band)->identity);
}

struct mb_flashlog *mb_band_log(const struct mb_band *band)
{
	return mb_logstore_log(P(band)->store);
}

#define GETTER(type, name)                              \
	type mb_band_##name(const struct mb_band *band) \
	{                                               \
		return P(band)->name;                   \
	}
GETTER(const struct mb_profile *, profile)
GETTER(const struct mb_gatt *, gatt)
GETTER(struct mb_auth *, auth)
GETTER(struct mb_identity *, identity)
GETTER(struct mb_power *, power)
GETTER(struct mb_faults *, faults)
GETTER(struct mb_firmware *, firmware)
GETTER(struct mb_rtc *, rtc)
GETTER(struct mb_tick *, tick)
GETTER(struct mb_link *, link)
GETTER(struct mb_adv *, adv)
GETTER(struct mb_settings *, settings)
GETTER(struct mb_routine *, routine)
GETTER(struct mb_hr *, hr)
GETTER(struct mb_sport *, sport)
GETTER(struct mb_devevents *, devevents)
GETTER(struct mb_screen *, screen)
GETTER(struct mb_alerts *, alerts)
GETTER(struct mb_session *, session)
GETTER(struct mb_logstore *, store)
