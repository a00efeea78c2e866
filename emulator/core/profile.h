/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uuid.h"

/* Characteristic property bits (Core Vol 3 Part G 3.3.1.1). */
enum mb_prop {
	MB_PROP_READ = 0x02,
	MB_PROP_WRITE_NO_RSP = 0x04,
	MB_PROP_WRITE = 0x08,
	MB_PROP_NOTIFY = 0x10,
	MB_PROP_INDICATE = 0x20,
};

/* The profile is data (docs/architecture.md rule 6): these descriptors are what
 * profiles/miband4.ini says, validated, and nothing more. */
struct mb_profile_chr {
	char *name;
	struct mb_uuid uuid;
	uint8_t props;
	bool auth; /* needs app-level auth (protocol §2.1) */
	/* Takes long writes (Prepare/Execute Write) of up to max_length
	 * bytes in all (docs/policies.md#long-writes). */
	bool long_write;
	unsigned int max_length;
	uint16_t handle; /* value handle hint, 0 = next free */
	unsigned int handle_line;
	bool has_value;
	uint8_t *value; /* static read value */
	size_t value_len;
	unsigned int line;
};

struct mb_profile_svc {
	char *name;
	struct mb_uuid uuid;
	uint16_t handle; /* declaration handle hint, 0 = next free */
	unsigned int handle_line;
	struct mb_profile_chr *chrs;
	size_t n_chrs;
	unsigned int line;
};

struct mb_profile_adv {
	uint8_t flags;
	char *local_name;
	struct mb_uuid service_data_uuid;
	uint16_t manufacturer_id;
	uint8_t manufacturer_data[24];
	size_t manufacturer_data_len;
	unsigned int heart_rate_offset;
	unsigned int interval_ms;
};

enum mb_fetch_count_unit {
	MB_FETCH_COUNT_UNIT_SAMPLES,
	MB_FETCH_COUNT_UNIT_PACKETS,
	MB_FETCH_COUNT_UNIT_BYTES,
};

enum mb_low_battery_drop {
	MB_LOW_BATTERY_DROP_AT_TRANSFER_START,
	MB_LOW_BATTERY_DROP_AFTER_CONNECTED,
};

enum mb_firmware_interrupted {
	MB_FIRMWARE_INTERRUPTED_DISCARD,
	MB_FIRMWARE_INTERRUPTED_RECOVERY,
};

/* A notification the band raises while it handles a request, relative to
 * that request's response. */
enum mb_notify_order {
	MB_NOTIFY_ORDER_RESPONSE_FIRST,
	MB_NOTIFY_ORDER_NOTIFY_FIRST,
};

/* When the band announces its MTU with device event 16 <mtu u16> (§9,
 * §13; docs/policies.md#mtu-announce). */
enum mb_mtu_announce {
	MB_MTU_ANNOUNCE_PACED,	      /* as on-subscribe, at --pace real only */
	MB_MTU_ANNOUNCE_ON_SUBSCRIBE, /* device events enabled at ATT_MTU 23 */
	MB_MTU_ANNOUNCE_OFF,
};

/* What the band logs after the phone set its clock back over 0x2A2B
 * (docs/policies.md#time-set-back). */
enum mb_time_set_back {
	MB_TIME_SET_BACK_WAIT,	/* log again once past the last minute */
	MB_TIME_SET_BACK_RELOG, /* log the minutes again, at the RTC's time */
};

/* A configuration command the band does not know (docs/policies.md). */
enum mb_settings_unknown {
	MB_SETTINGS_UNKNOWN_REFUSE, /* 10 <cmd> <settings-error-status> */
	MB_SETTINGS_UNKNOWN_IGNORE, /* no reply */
};

/* What do-not-disturb keeps still besides alerts (docs/policies.md). */
enum mb_dnd_silences {
	MB_DND_SILENCES_ALL_BUT_ALARMS,
	MB_DND_SILENCES_ALERTS,
};

/* What a heart-rate measurement sends when the band is not on a wrist
 * (docs/policies.md#heart-rate). */
enum mb_hr_not_worn {
	MB_HR_NOT_WORN_ZERO,   /* 00 00, then the measurement stops */
	MB_HR_NOT_WORN_SILENT, /* nothing; the measurement stops */
};

/* Decisions where the public record is silent (docs/policies.md). */
struct mb_policy {
	enum mb_fetch_count_unit fetch_count_unit;
	bool fetch_ack_deletes;
	uint8_t unauthorized_att_error;
	bool refuse_other_key;
	unsigned int confirm_window_s;
	unsigned int low_battery_drop_percent;
	enum mb_low_battery_drop low_battery_drop_pattern;
	unsigned int low_battery_drop_after_s;
	unsigned int reboot_below_percent;
	unsigned int power_off_percent;
	unsigned int power_on_percent;
	unsigned int firmware_min_battery_percent;
	uint8_t firmware_low_battery_status;
	enum mb_firmware_interrupted firmware_interrupted;
	unsigned int flash_log_days;
	unsigned int workout_log_kb; /* the workouts' region of flash */
	bool workout_auto;	     /* a run the wearer starts is a workout */
	bool workout_track_steps;    /* the track's 05 records */
	unsigned int bond_slots;
	unsigned int connection_interval_ms;
	unsigned int packets_per_event;
	unsigned int fetch_prepare_ms;
	enum mb_notify_order notify_order;
	enum mb_mtu_announce mtu_announce;
	enum mb_time_set_back time_set_back;
	uint8_t settings_error_status;
	enum mb_settings_unknown settings_unknown;
	bool settings_acknowledge;
	unsigned int alarm_snooze_min;
	unsigned int alarm_snooze_times;
	enum mb_dnd_silences dnd_silences;
	unsigned int hr_manual_measure_s;
	unsigned int hr_continuous_period_ms;
	unsigned int hr_keepalive_timeout_s;
	enum mb_hr_not_worn hr_not_worn;
	bool hr_periodic_notify;
	unsigned int hr_sleep_interval_min;
	/* What the band shows (docs/policies.md#screen): how long the time
	 * stays after a tap or after a screen went, a notice, a message, an
	 * alarm; the level the low-battery screen comes at. */
	unsigned int screen_on_s;
	unsigned int screen_notice_s;
	unsigned int screen_message_s;
	unsigned int screen_alarm_s;
	unsigned int screen_low_battery_percent;
	/* Queued writes and chunked transfers (docs/policies.md#long-writes,
	 * #chunked-transfers). */
	unsigned int prepare_queue;
	unsigned int chunk_max_bytes;
	unsigned int chunk_timeout_s;
};

struct mb_profile_device_info {
	char *software_revision;
	char *hardware_revision;
	uint8_t pnp_id[7];
	char *gps_version; /* 10 0E 01 <ascii> (protocol §11) */
};

struct mb_profile;

/* The profile in text, as read from filename (which errors name): NULL
 * with *err set to "file:line: [section] key: problem".  Reading the file
 * is the edge's (state/inputs.h). */
struct mb_profile *mb_profile_parse(const char *text, size_t len,
				    const char *filename, char **err);
void mb_profile_free(struct mb_profile *p);

const char *mb_profile_filename(const struct mb_profile *p);
const char *mb_profile_name(const struct mb_profile *p);
size_t mb_profile_n_services(const struct mb_profile *p);
const struct mb_profile_svc *mb_profile_service(const struct mb_profile *p,
						size_t i);
const char *mb_profile_device_name(const struct mb_profile *p);
uint16_t mb_profile_appearance(const struct mb_profile *p);
const struct mb_profile_device_info *
mb_profile_device_info(const struct mb_profile *p);
const struct mb_profile_adv *mb_profile_adv(const struct mb_profile *p);
const struct mb_policy *mb_profile_policy(const struct mb_profile *p);
uint16_t mb_profile_mtu(const struct mb_profile *p);
unsigned int mb_profile_battery_level(const struct mb_profile *p);
bool mb_profile_battery_charging(const struct mb_profile *p);
