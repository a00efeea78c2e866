/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the band's own files (band.c, chars.c, auth.c); not for
 * transports. */

#include "att.h"
#include "band.h"
#include "battery.h"
#include "flash.h"
#include "fault.h"
#include "flashlog.h"
#include "fwinfo.h"

struct mb_steps {
	uint32_t steps;
	uint32_t distance_m;
	uint32_t calories;
};

/* One row per characteristic the band gives meaning to, by UUID.  Those
 * without a row read their profile value and accept writes. */
struct mb_chr_impl {
	const char *uuid;
	uint8_t (*read)(struct mb_band *band, const struct mb_gatt_chr *chr,
			uint8_t *buf, size_t *len);
	uint8_t (*write)(struct mb_band *band, const struct mb_gatt_chr *chr,
			 const uint8_t *value, size_t len, bool command);
};

/* Huami auth of the link (protocol §3.2), named for what it waits for. */
enum mb_auth_state {
	MB_AUTH_STATE_IDLE,
	MB_AUTH_STATE_W4_ANSWER,	/* a challenge is outstanding */
};

/* Binding: a key offered with 01 <flag> <key> waits for a tap. */
enum mb_bind_state {
	MB_BIND_STATE_IDLE,
	MB_BIND_STATE_W4_TAP,
};

struct mb_link_auth {
	enum mb_auth_state state;
	uint8_t challenge[16];
	char variant;		/* 'A' or 'B' of the outstanding challenge */
	bool authenticated;
};

/* A transfer on 00000005, named for what it waits for. */
enum mb_fetch_state {
	MB_FETCH_STATE_IDLE,
	MB_FETCH_STATE_W4_SEND,		/* announced, waiting for 02 */
	MB_FETCH_STATE_SENDING,
};

struct mb_fetch {
	enum mb_fetch_state state;
	uint32_t count;
	uint32_t first_seq;
	uint32_t start_minute;
	size_t next_index;		/* into the log */
	uint32_t remaining;
	uint32_t sent;
	uint32_t last_seq;		/* last sample sent */
	uint8_t counter;
	uint64_t next_packet_ms;
	uint32_t completed_last_seq;	/* of the last completed transfer */
};

/* A firmware transfer, named for what it waits for. */
enum mb_fw_state {
	MB_FW_STATE_IDLE,
	MB_FW_STATE_W4_START,		/* 01 accepted, waiting for 03 01 */
	MB_FW_STATE_RECEIVING,
	MB_FW_STATE_W4_CHECK,		/* all bytes in, waiting for 04 */
	MB_FW_STATE_W4_REBOOT,		/* verified firmware, waiting for 05 */
};

struct mb_fw {
	enum mb_fw_state state;
	uint8_t type;
	uint32_t size;
	uint32_t crc;
	uint8_t *buf;
	uint32_t got;
	char version[24];
	char new_slot;
};

/* What the battery pays for besides the minute itself. */
enum mb_drain {
	MB_DRAIN_RADIO,
	MB_DRAIN_LOGGING,
	MB_DRAIN_SCREEN,
};

/* Whether the band runs (docs/battery-firmware.md). */
enum mb_power_state {
	MB_POWER_STATE_ON,
	MB_POWER_STATE_OFF,		/* empty battery */
	MB_POWER_STATE_BOOTING,		/* after a firmware update */
};

struct mb_power {
	enum mb_power_state state;
	uint64_t boot_until_ms;
	uint64_t drop_at_ms;		/* after-connected-s pattern */
	unsigned int minutes_below_reboot;
	uint8_t reported_level;
	bool reported_charging;
};

struct mb_binding {
	enum mb_bind_state state;
	uint8_t key[16];
	uint8_t command;	/* as sent, echoed in the reply */
	uint64_t deadline_ms;
};

struct mb_band {
	const struct mb_profile *profile;
	const struct mb_clock *clock;
	struct mb_gatt *gatt;
	struct mb_band_state state;
	const struct mb_chr_impl **impl;	/* per characteristic */

	/* RTC: local time = band clock + rtc_offset_ms (protocol §6). */
	int64_t rtc_offset_ms;
	int8_t tz;
	uint8_t dst;

	struct mb_battery battery;
	struct mb_power power;
	struct mb_steps steps;
	uint32_t steps_day;		/* local day the totals are for */
	uint64_t next_minute_ms;
	uint64_t life_seed;

	struct mb_flash flash;
	uint8_t *own_flash;		/* heap flash when none is attached */
	struct mb_flashlog *log;
	struct mb_fetch fetch;
	struct mb_fw fw;
	struct mb_firmware_info fwinfo;
	bool (*save_file)(const char *name, const void *data, size_t len,
			  void *user_data, char **err);
	void *save_file_data;

	struct mb_att *att;
	bool link_congested;
	bool link_silent;		/* a fault made the band go quiet */
	bool link_dropping;		/* the band hangs up: no more data */
	struct mb_fault *faults;
	size_t n_faults;
	unsigned int next_fault_id;
	const struct mb_band_link_ops *link_ops;
	void *link_data;
	struct mb_link_auth auth;
	struct mb_binding binding;

	mb_debug_func_t debug;
	void *debug_data;
	mb_band_monitor_func_t monitor;
	void *monitor_data;
	mb_event_func_t event;
	void *event_data;
	mb_band_persist_func_t persist;
	void *persist_data;
};

const struct mb_chr_impl *mb_chr_impl_find(const struct mb_uuid *uuid);

void mb_band_debug(struct mb_band *band, const char *fmt, ...) MB_PRINTF(2, 3);
void mb_band_emit(struct mb_band *band, const struct mb_event *ev);
/* An event with at most one string detail. */
void mb_band_emit_simple(struct mb_band *band, enum mb_event_id id,
			 const char *key, const char *value);
/* Notifies chr on the link if it subscribed; false otherwise. */
bool mb_band_notify(struct mb_band *band, const struct mb_gatt_chr *chr,
		    const uint8_t *value, size_t len);
bool mb_band_notify_uuid(struct mb_band *band, const char *uuid,
			 const uint8_t *value, size_t len);
const struct mb_gatt_chr *mb_band_chr(const struct mb_band *band,
				      const char *uuid);
bool mb_band_save_state(struct mb_band *band, char **err);
/* Asks the transport to drop the link (it comes back later). */
void mb_band_drop_link(struct mb_band *band);
void mb_band_encode_steps(const struct mb_band *band, uint8_t out[13]);

void mb_band_battery_use(struct mb_band *band, enum mb_drain what,
			 unsigned int units);

/* Huami command characteristics (00000009, 00000004, 00001531): replies
 * are notifications on the same characteristic, 10 <command> <status>
 * [payload] (protocol §2.2); one table row per command, lengths checked
 * in mb_huami_dispatch() and nowhere else. */
#define MB_HUAMI_STATUS_SUCCESS 0x01
#define MB_HUAMI_STATUS_MALFORMED 0x02
#define MB_HUAMI_STATUS_REFUSED 0x04

struct mb_huami_cmd {
	uint8_t command;
	size_t min_len;
	size_t max_len;
	void (*handler)(struct mb_band *band, const uint8_t *v, size_t len);
};

void mb_huami_reply(struct mb_band *band, const char *uuid, uint8_t command,
		    uint8_t status, const uint8_t *payload, size_t len);
/* Answers 10 <command> 02 and emits "malformed"; nothing else changes. */
void mb_huami_malformed(struct mb_band *band, const char *uuid, uint8_t command);
void mb_huami_dispatch(struct mb_band *band, const char *uuid,
		       const struct mb_huami_cmd *table, size_t n,
		       const uint8_t *value, size_t len);

/* The one fault hook (docs/faults.md): true if a fault fired here, with
 * it copied to *fired.  Disconnect, silence, reboot and brown-out are
 * carried out here; the caller does what the others mean at its site. */
bool mb_band_fault(struct mb_band *band, enum mb_fault_trigger trigger,
		   const struct mb_gatt_chr *chr, const uint8_t *value, size_t len,
		   unsigned int level, struct mb_fault *fired);

/* power.c */
void mb_power_init(struct mb_band *band);
/* One band minute; sample is the wearer's (whether logged or not). */
void mb_power_minute(struct mb_band *band, const uint8_t sample[4]);
void mb_power_run(struct mb_band *band, uint64_t now);
uint64_t mb_power_deadline(const struct mb_band *band);
void mb_power_link_up(struct mb_band *band);
/* A transfer is about to start: true if the band dropped the link for
 * low battery instead. */
bool mb_power_refuse_transfer(struct mb_band *band);
/* Off for ms of band time, then on again (a firmware boot). */
void mb_power_boot(struct mb_band *band, uint64_t ms);
/* Notifies 00000006 and emits battery-changed when the whole percent or
 * the charging state moved; applies the thresholds. */
void mb_power_changed(struct mb_band *band);

/* firmware.c */
uint8_t mb_firmware_write_control(struct mb_band *band, const struct mb_gatt_chr *chr,
				  const uint8_t *value, size_t len, bool command);
uint8_t mb_firmware_write_data(struct mb_band *band, const struct mb_gatt_chr *chr,
			       const uint8_t *value, size_t len, bool command);
void mb_firmware_link_down(struct mb_band *band);
void mb_firmware_booted(struct mb_band *band);
const char *mb_firmware_version(const struct mb_band *band);

/* fetch.c */
uint8_t mb_fetch_write(struct mb_band *band, const struct mb_gatt_chr *chr,
		       const uint8_t *value, size_t len, bool command);
void mb_fetch_run(struct mb_band *band, uint64_t now);
uint64_t mb_fetch_deadline(const struct mb_band *band);
void mb_fetch_link_down(struct mb_band *band);

/* auth.c */
uint8_t mb_auth_write(struct mb_band *band, const struct mb_gatt_chr *chr,
		      const uint8_t *value, size_t len, bool command);
bool mb_auth_press(struct mb_band *band);
bool mb_auth_long_press(struct mb_band *band);
void mb_auth_run(struct mb_band *band, uint64_t now);
uint64_t mb_auth_deadline(const struct mb_band *band);
void mb_auth_link_down(struct mb_band *band);

#define MB_UUID_AUTH "00000009-0000-3512-2118-0009af100700"
#define MB_UUID_CONFIG "00000003-0000-3512-2118-0009af100700"
#define MB_UUID_DEVICE_EVENT "00000010-0000-3512-2118-0009af100700"
#define MB_UUID_REALTIME_STEPS "00000007-0000-3512-2118-0009af100700"
#define MB_UUID_BATTERY "00000006-0000-3512-2118-0009af100700"
#define MB_UUID_FW_CONTROL "00001531-0000-3512-2118-0009af100700"
#define MB_UUID_FW_DATA "00001532-0000-3512-2118-0009af100700"
#define MB_UUID_FETCH_CONTROL "00000004-0000-3512-2118-0009af100700"
#define MB_UUID_ACTIVITY_DATA "00000005-0000-3512-2118-0009af100700"
