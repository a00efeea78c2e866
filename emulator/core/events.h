/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Protocol milestones, for the control plane's Event signal
 * (docs/dbus/io.bandsim.Band1.md), captures and logs.  Behaviour follows
 * the id; the name is only what the D-Bus signal and logs carry, and
 * comes from one table (events.c). */
enum mb_event_id {
	MB_EVENT_CONNECTED,
	MB_EVENT_DISCONNECTED,
	MB_EVENT_BUTTON_PRESSED,
	MB_EVENT_BUTTON_LONG_PRESSED,
	MB_EVENT_REBOOT,
	MB_EVENT_RESET,
	MB_EVENT_POWER_OFF,
	MB_EVENT_POWER_ON,
	MB_EVENT_LOW_BATTERY_DROP,
	MB_EVENT_BATTERY_CHANGED,
	MB_EVENT_FAULT_FIRED,
	/* --mutate changed a value as it went out (mutate.c): mutated
	 * {kind, chr, offset, was, value}. */
	MB_EVENT_MUTATED,
	MB_EVENT_MALFORMED,
	MB_EVENT_AUTH_STARTED,
	MB_EVENT_AUTH_SUCCEEDED,
	MB_EVENT_AUTH_FAILED,
	MB_EVENT_PROMPT_SHOWN,
	MB_EVENT_PROMPT_DECLINED,
	MB_EVENT_PROMPT_TIMED_OUT,
	MB_EVENT_BIND_REFUSED,
	MB_EVENT_BOUND,
	MB_EVENT_FETCH_STARTED,
	MB_EVENT_FETCH_ABORTED,
	MB_EVENT_FETCH_COMPLETED,
	MB_EVENT_FETCH_ACKED,
	MB_EVENT_FIRMWARE_STARTED,
	MB_EVENT_FIRMWARE_VERIFIED,
	MB_EVENT_FIRMWARE_FAILED,
	MB_EVENT_FIRMWARE_INSTALLED,
	MB_EVENT_SETTING_CHANGED,
	/* The phone set the RTC on 0x2A2B (rtc.c): time-set {local, dst}. */
	MB_EVENT_TIME_SET,
	MB_EVENT_UNKNOWN_COMMAND,
	MB_EVENT_ALARM_RANG,
	MB_EVENT_HOURLY_CHIME,
	MB_EVENT_INACTIVITY_WARNING,
	MB_EVENT_GOAL_REACHED,
	MB_EVENT_VIBRATE,
	/* Heart rate (hr.c).  hr-started {mode}, hr-measured {mode, bpm},
	 * hr-stopped {mode, reason}; mode: "manual", "continuous", "sleep",
	 * "periodic"; reason: "done", "client", "keepalive-late",
	 * "not-worn", "disconnected", "power-off". */
	MB_EVENT_HR_STARTED,
	MB_EVENT_HR_MEASURED,
	MB_EVENT_HR_STOPPED,
	/* Alerts (alerts.c).  alert-received {category, title, text, via};
	 * call-ringing {caller}; call-ended {how: "rejected", "ignored",
	 * "phone", "disconnected"}; find-band {level}; weather-received
	 * {text}; music-info {state, track, artist}; chunk-dropped {type,
	 * reason}: docs/dbus/io.bandsim.Band1.md has their values. */
	MB_EVENT_ALERT_RECEIVED,
	MB_EVENT_CALL_RINGING,
	MB_EVENT_CALL_ENDED,
	MB_EVENT_FIND_BAND,
	MB_EVENT_WEATHER_RECEIVED,
	MB_EVENT_MUSIC_INFO,
	MB_EVENT_CHUNK_DROPPED,
	/* The band's own events on 00000010 (devevents.c): device-event
	 * {code, name, extra, sent} for every one sent; find-phone {state:
	 * "started", "stopped", "acknowledged"; by: "band", "phone",
	 * "disconnected"}; music-control {action}; fell-asleep, woke-up,
	 * non-wear {worn}. */
	MB_EVENT_DEVICE_EVENT,
	MB_EVENT_FIND_PHONE,
	MB_EVENT_MUSIC_CONTROL,
	MB_EVENT_FELL_ASLEEP,
	MB_EVENT_WOKE_UP,
	MB_EVENT_NON_WEAR,
	/* What the band shows changed (screen.c): screen-changed {screen}
	 * and the screen's fields.  What the screen shows of an update:
	 * firmware-progress {percent} (firmware.c). */
	MB_EVENT_SCREEN_CHANGED,
	MB_EVENT_FIRMWARE_PROGRESS,
	/* LE link security (bonding.c). */
	MB_EVENT_PAIRED,
	MB_EVENT_PAIRING_FAILED,
	MB_EVENT_ENCRYPTED,
	MB_EVENT_ENCRYPTION_FAILED,
	/* The sport mode (sport.c): workout-started {kind, gps, by},
	 * workout-ended {kind, id, seconds, reason}. */
	MB_EVENT_WORKOUT_STARTED,
	MB_EVENT_WORKOUT_ENDED,
	MB_EVENT_COUNT
};

/* "connected", "fetch-started", ...: the Event signal's first argument. */
const char *mb_event_name(enum mb_event_id id);

enum mb_event_type {
	MB_EVENT_TYPE_STRING,
	MB_EVENT_TYPE_BYTE,
	MB_EVENT_TYPE_UINT32,
};

struct mb_event_field {
	const char *key;
	enum mb_event_type type;
	const char *str;
	uint8_t byte;
	uint32_t u32;
};

#define MB_EVENT_MAX_FIELDS 5

/* An event and its details; the D-Bus layer turns it into (s, a{sv}). */
struct mb_event {
	enum mb_event_id id;
	struct mb_event_field fields[MB_EVENT_MAX_FIELDS];
	size_t n_fields;
};

typedef void (*mb_event_func_t)(const struct mb_event *event, void *user_data);

void mb_event_init(struct mb_event *ev, enum mb_event_id id);
void mb_event_add_string(struct mb_event *ev, const char *key,
			 const char *value);
void mb_event_add_byte(struct mb_event *ev, const char *key, uint8_t value);
void mb_event_add_uint32(struct mb_event *ev, const char *key, uint32_t value);
/* The value of key, or NULL (tests). */
const struct mb_event_field *mb_event_field(const struct mb_event *ev,
					    const char *key);
