/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "services.h"

/* Device events the band sends on 00000010 (protocol §9): the first byte
 * of the value; some carry more bytes (the table in devevents.c). */
enum mb_devevent {
	MB_DEVEVENT_FELL_ASLEEP = 0x01,
	MB_DEVEVENT_WOKE_UP = 0x02,
	MB_DEVEVENT_GOAL_REACHED = 0x03,
	MB_DEVEVENT_BUTTON = 0x04,
	MB_DEVEVENT_NON_WEAR = 0x06,
	MB_DEVEVENT_CALL_REJECTED = 0x07,
	MB_DEVEVENT_FIND_PHONE_START = 0x08,
	MB_DEVEVENT_CALL_IGNORED = 0x09,
	MB_DEVEVENT_ALARM_TOGGLED = 0x0a, /* on the band: the app re-reads */
	MB_DEVEVENT_BUTTON_LONG = 0x0b,
	MB_DEVEVENT_TICK_30MIN = 0x0e,
	MB_DEVEVENT_FIND_PHONE_STOP = 0x0f,
	MB_DEVEVENT_SILENT_MODE = 0x10,
	MB_DEVEVENT_WORKOUT = 0x14,
	MB_DEVEVENT_MTU = 0x16,
	MB_DEVEVENT_ALARM_CHANGED = 0x1a,
	MB_DEVEVENT_MUSIC = 0xfe,
};

/* What the wearer does on the band's music screen: FE <code> (§9). */
enum mb_music_action {
	MB_MUSIC_ACTION_PLAY,
	MB_MUSIC_ACTION_PAUSE,
	MB_MUSIC_ACTION_NEXT,
	MB_MUSIC_ACTION_PREVIOUS,
	MB_MUSIC_ACTION_VOLUME_UP,
	MB_MUSIC_ACTION_VOLUME_DOWN,
	MB_MUSIC_ACTION_OPEN, /* the music screen opened */
	MB_MUSIC_ACTION_CLOSE,
	MB_MUSIC_ACTION_COUNT
};

/* "play", "volume-up", "open", ...: the music-control event's action and
 * the control plane's spelling. */
const char *mb_music_action_name(enum mb_music_action action);

/* What the band tells the phone of its own accord: the wearer's presses,
 * the step goal, alarms changed on the band, find phone and music from
 * its menus, the wearer falling asleep, waking up, taking it off.  Every
 * one sent is a device-event {code, name, extra, sent}. */
struct mb_devevents;

struct mb_devevents *mb_devevents_new(const struct mb_services *svc);
void mb_devevents_free(struct mb_devevents *events);

/* Notifies an event that carries no more bytes, if the link subscribed
 * to 00000010. */
void mb_devevents_send(struct mb_devevents *events, enum mb_devevent event);

/* A test's event: code and extra bytes as the table allows them (false
 * with *err naming what is wrong).  Only the bytes go out: the band's
 * own state (find phone, the screen) does not follow. */
bool mb_devevents_inject(struct mb_devevents *events, uint8_t code,
			 const uint8_t *extra, size_t len, char **err);

/* The MTU the band announces with 16 <mtu u16> (§13), once a link, when
 * the phone enables device events while its ATT_MTU is still 23; 0:
 * never (docs/policies.md#mtu-announce). */
void mb_devevents_set_mtu_announce(struct mb_devevents *events, uint16_t mtu);
/* The link enabled (on) or disabled notifications on 00000010; link_mtu
 * is its ATT_MTU now. */
void mb_devevents_subscribed(struct mb_devevents *events, bool on,
			     uint16_t link_mtu);

/* The link, for find phone: a phone that is not there cannot ring.  A
 * new link may get the MTU announcement again. */
void mb_devevents_link_up(struct mb_devevents *events);
void mb_devevents_link_down(struct mb_devevents *events);

/* Find phone from the band's menu: start sends 08, stop 0F (§9); false
 * with *err without a link, or when it is not what the band shows. */
bool mb_devevents_find_phone(struct mb_devevents *events, bool start,
			     char **err);
/* The phone's answer 06 14 00 <found> on 00000003 (§11;
 * docs/policies.md#find-phone). */
void mb_devevents_find_phone_ack(struct mb_devevents *events, bool found);
bool mb_devevents_finding_phone(const struct mb_devevents *events);

/* The music screen: FE <action>. */
void mb_devevents_music(struct mb_devevents *events,
			enum mb_music_action action);
/* The band's menu mutes or unmutes the phone: 10 <on>. */
/* A workout starts on the band: 14 00 <needs GPS> <type> (§9). */
void mb_devevents_workout(struct mb_devevents *events, bool gps, uint8_t type);
void mb_devevents_silent_mode(struct mb_devevents *events, bool on);

/* The wearer's minute, while the band runs (the minute tick): what the
 * sample's kind (protocol §4.2) changed, 01, 02 or 06. */
void mb_devevents_wearer(struct mb_devevents *events, uint8_t kind);
/* The band was off: the next minute is the first it knows again. */
void mb_devevents_wearer_unknown(struct mb_devevents *events);
