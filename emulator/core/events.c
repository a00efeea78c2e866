// SPDX-License-Identifier: GPL-2.0-or-later
#include "events.h"

#include <stdlib.h>
#include <string.h>

static const char *const names[MB_EVENT_COUNT] = {
	[MB_EVENT_CONNECTED] = "connected",
	[MB_EVENT_DISCONNECTED] = "disconnected",
	[MB_EVENT_BUTTON_PRESSED] = "button-pressed",
	[MB_EVENT_BUTTON_LONG_PRESSED] = "button-long-pressed",
	[MB_EVENT_REBOOT] = "reboot",
	[MB_EVENT_RESET] = "reset",
	[MB_EVENT_POWER_OFF] = "power-off",
	[MB_EVENT_POWER_ON] = "power-on",
	[MB_EVENT_LOW_BATTERY_DROP] = "low-battery-drop",
	[MB_EVENT_BATTERY_CHANGED] = "battery-changed",
	[MB_EVENT_FAULT_FIRED] = "fault-fired",
	[MB_EVENT_MUTATED] = "mutated",
	[MB_EVENT_MALFORMED] = "malformed",
	[MB_EVENT_AUTH_STARTED] = "auth-started",
	[MB_EVENT_AUTH_SUCCEEDED] = "auth-succeeded",
	[MB_EVENT_AUTH_FAILED] = "auth-failed",
	[MB_EVENT_PROMPT_SHOWN] = "prompt-shown",
	[MB_EVENT_PROMPT_DECLINED] = "prompt-declined",
	[MB_EVENT_PROMPT_TIMED_OUT] = "prompt-timed-out",
	[MB_EVENT_BIND_REFUSED] = "bind-refused",
	[MB_EVENT_BOUND] = "bound",
	[MB_EVENT_FETCH_STARTED] = "fetch-started",
	[MB_EVENT_FETCH_ABORTED] = "fetch-aborted",
	[MB_EVENT_FETCH_COMPLETED] = "fetch-completed",
	[MB_EVENT_FETCH_ACKED] = "fetch-acked",
	[MB_EVENT_FIRMWARE_STARTED] = "firmware-started",
	[MB_EVENT_FIRMWARE_VERIFIED] = "firmware-verified",
	[MB_EVENT_FIRMWARE_FAILED] = "firmware-failed",
	[MB_EVENT_FIRMWARE_INSTALLED] = "firmware-installed",
	[MB_EVENT_SETTING_CHANGED] = "setting-changed",
	[MB_EVENT_TIME_SET] = "time-set",
	[MB_EVENT_UNKNOWN_COMMAND] = "unknown-command",
	[MB_EVENT_ALARM_RANG] = "alarm-rang",
	[MB_EVENT_HOURLY_CHIME] = "hourly-chime",
	[MB_EVENT_INACTIVITY_WARNING] = "inactivity-warning",
	[MB_EVENT_GOAL_REACHED] = "goal-reached",
	[MB_EVENT_VIBRATE] = "vibrate",
	[MB_EVENT_HR_STARTED] = "hr-started",
	[MB_EVENT_HR_MEASURED] = "hr-measured",
	[MB_EVENT_HR_STOPPED] = "hr-stopped",
	[MB_EVENT_ALERT_RECEIVED] = "alert-received",
	[MB_EVENT_CALL_RINGING] = "call-ringing",
	[MB_EVENT_CALL_ENDED] = "call-ended",
	[MB_EVENT_FIND_BAND] = "find-band",
	[MB_EVENT_WEATHER_RECEIVED] = "weather-received",
	[MB_EVENT_MUSIC_INFO] = "music-info",
	[MB_EVENT_CHUNK_DROPPED] = "chunk-dropped",
	[MB_EVENT_DEVICE_EVENT] = "device-event",
	[MB_EVENT_FIND_PHONE] = "find-phone",
	[MB_EVENT_MUSIC_CONTROL] = "music-control",
	[MB_EVENT_FELL_ASLEEP] = "fell-asleep",
	[MB_EVENT_WOKE_UP] = "woke-up",
	[MB_EVENT_NON_WEAR] = "non-wear",
	[MB_EVENT_SCREEN_CHANGED] = "screen-changed",
	[MB_EVENT_FIRMWARE_PROGRESS] = "firmware-progress",
	[MB_EVENT_PAIRED] = "paired",
	[MB_EVENT_PAIRING_FAILED] = "pairing-failed",
	[MB_EVENT_ENCRYPTED] = "encrypted",
	[MB_EVENT_ENCRYPTION_FAILED] = "encryption-failed",
	[MB_EVENT_WORKOUT_STARTED] = "workout-started",
	[MB_EVENT_WORKOUT_ENDED] = "workout-ended",
};

const char *mb_event_name(enum mb_event_id id)
{
	return id < MB_EVENT_COUNT ? names[id] : "unknown";
}

void mb_event_init(struct mb_event *ev, enum mb_event_id id)
{
	memset(ev, 0, sizeof(*ev));
	ev->id = id;
}

static struct mb_event_field *add(struct mb_event *ev, const char *key)
{
	/* Fields are fixed at compile time; overflowing is a bug. */
	if (ev->n_fields == MB_EVENT_MAX_FIELDS)
		abort();
	ev->fields[ev->n_fields].key = key;
	return &ev->fields[ev->n_fields++];
}

void mb_event_add_string(struct mb_event *ev, const char *key,
			 const char *value)
{
	struct mb_event_field *f = add(ev, key);

	f->type = MB_EVENT_TYPE_STRING;
	f->str = value;
}

void mb_event_add_byte(struct mb_event *ev, const char *key, uint8_t value)
{
	struct mb_event_field *f = add(ev, key);

	f->type = MB_EVENT_TYPE_BYTE;
	f->byte = value;
}

void mb_event_add_uint32(struct mb_event *ev, const char *key, uint32_t value)
{
	struct mb_event_field *f = add(ev, key);

	f->type = MB_EVENT_TYPE_UINT32;
	f->u32 = value;
}

const struct mb_event_field *mb_event_field(const struct mb_event *ev,
					    const char *key)
{
	for (size_t i = 0; i < ev->n_fields; i++)
		if (!strcmp(ev->fields[i].key, key))
			return &ev->fields[i];
	return NULL;
}
