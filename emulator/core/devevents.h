/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "services.h"

/* Device events the band sends on 00000010 (protocol §9). */
enum mb_devevent {
	MB_DEVEVENT_GOAL_REACHED = 0x03,
	MB_DEVEVENT_BUTTON = 0x04,
	MB_DEVEVENT_CALL_REJECTED = 0x07, /* the wearer rejected a call */
	MB_DEVEVENT_CALL_IGNORED = 0x09,  /* ... or silenced it */
	MB_DEVEVENT_ALARM_TOGGLED = 0x0a, /* on the band: the app re-reads */
	MB_DEVEVENT_BUTTON_LONG = 0x0b,
	MB_DEVEVENT_ALARM_CHANGED = 0x1a,
};

/* What the band tells the phone of its own accord: the wearer's presses,
 * the step goal, alarms changed on the band; find-phone, music and sleep
 * have their place here. */
struct mb_devevents;

struct mb_devevents *mb_devevents_new(const struct mb_services *svc);
void mb_devevents_free(struct mb_devevents *events);

/* Notifies the event, if the link subscribed to 00000010. */
void mb_devevents_send(struct mb_devevents *events, enum mb_devevent event);
