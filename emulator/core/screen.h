/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "profile.h"
#include "schedule.h"
#include "services.h"

/* What the band shows (docs/policies.md#screen).  The screen hears every
 * event the band emits, before anyone else, and follows a table from
 * event to screen: a screen comes up, changes, or goes; the one of the
 * highest rank that is up is shown, else the time for a while after the
 * last one went (or a tap), else nothing.  A screen that holds for a
 * time goes after it, in band time.  No part calls the screen: it sees
 * their events. */
enum mb_screen_id {
	MB_SCREEN_OFF,
	MB_SCREEN_TIME,
	MB_SCREEN_PAIR_CONFIRM,
	MB_SCREEN_PAIR_FIRST,
	MB_SCREEN_LOW_BATTERY,
	MB_SCREEN_CHARGING,
	MB_SCREEN_SYNCING,
	MB_SCREEN_UPDATE,
	MB_SCREEN_CALL,
	MB_SCREEN_MESSAGE,
	MB_SCREEN_FIND_BAND,
	MB_SCREEN_HEART_RATE,
	MB_SCREEN_ALARM,
	MB_SCREEN_FIND_PHONE,
	MB_SCREEN_MUSIC,
	MB_SCREEN_WORKOUT,
	MB_SCREEN_COUNT
};

/* The most fields a screen shows, and the longest text of one (longer
 * text is cut at a character boundary). */
#define MB_SCREEN_MAX_FIELDS 3
#define MB_SCREEN_TEXT_MAX 160

struct mb_screen;

/* The screen's times and the low-battery level come from the policy,
 * which must outlive it. */
struct mb_screen *mb_screen_new(const struct mb_services *svc,
				const struct mb_policy *policy);
void mb_screen_free(struct mb_screen *screen);

/* The band emitted ev: the screen follows it.  True when what the band
 * shows changed; the band then tells everyone of ev first, and of the
 * screen after (mb_screen_announce()), so that screen-changed follows
 * the event that made it. */
bool mb_screen_see(struct mb_screen *screen, const struct mb_event *ev);
/* screen-changed {screen, and the screen's fields}. */
void mb_screen_announce(const struct mb_screen *screen);

/* What the band shows now. */
enum mb_screen_id mb_screen_shown(const struct mb_screen *screen);
/* "off", "time", "pair-confirm", ...: the screen-changed event's and the
 * Screen property's name. */
const char *mb_screen_name(enum mb_screen_id id);
/* Its fields (title, text, percent, ...), *n of them; valid until the
 * screen next changes. */
const struct mb_event_field *mb_screen_fields(const struct mb_screen *screen,
					      size_t *n);

/* A screen that holds for a time goes at its deadline; the time goes
 * off at its own. */
uint64_t mb_screen_deadline(const struct mb_screen *screen);
void mb_screen_run(struct mb_screen *screen, uint64_t at);
extern const struct mb_timer mb_screen_timer;
