/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bandstate.h"
#include "clock.h"
#include "events.h"
#include "gatt.h"
#include "profile.h"
#include "util.h"

/* The band model (ARCHITECTURE.md "The band model"): bytes in through
 * mb_band_receive(), bytes out through the link's send function, time from
 * the injected clock, what must survive restarts through the persist
 * function.  It does no I/O of its own. */
struct mb_band;

/* What the band asks of the transport that carries its link. */
struct mb_band_link_ops {
	void (*send)(const uint8_t *pdu, size_t len, void *user_data);
	/* The band drops the link (reset, reboot, low battery, faults).  The
	 * transport calls mb_band_disconnect() when the link is gone; it must
	 * not do so from inside this call. */
	void (*disconnect)(void *user_data);
};

/* Stores the band state; false (with *err) when it could not. */
typedef bool (*mb_band_persist_func_t)(const struct mb_band_state *state,
				       void *user_data, char **err);

/* The profile and clock must outlive the band. */
struct mb_band *mb_band_new(const struct mb_profile *profile,
			    const struct mb_band_state *state,
			    const struct mb_clock *clock, char **err);
void mb_band_free(struct mb_band *band);

void mb_band_set_debug(struct mb_band *band, mb_debug_func_t fn,
		       void *user_data);
void mb_band_set_event_handler(struct mb_band *band, mb_event_func_t fn,
			       void *user_data);
void mb_band_set_persist(struct mb_band *band, mb_band_persist_func_t fn,
			 void *user_data);

/* Every PDU of the link as it crosses the band's edge, for captures:
 * from_central is a PDU the band received.  PDUs a fault swallowed are
 * not seen, as no radio would carry them. */
typedef void (*mb_band_monitor_func_t)(bool from_central, const uint8_t *pdu,
				       size_t len, void *user_data);
void mb_band_set_monitor(struct mb_band *band, mb_band_monitor_func_t fn,
			 void *user_data);

/* One link at a time, as the band: false while a link is up. */
bool mb_band_connect(struct mb_band *band, const struct mb_band_link_ops *ops,
		     void *user_data);
void mb_band_disconnect(struct mb_band *band);
bool mb_band_connected(const struct mb_band *band);
void mb_band_receive(struct mb_band *band, const uint8_t *pdu, size_t len);
/* The transport's queue towards the central is not empty: a BLE link is
 * flow-controlled, so bulk transfers wait until it drains.  The transport
 * clears it (and runs the band) when it can send again. */
void mb_band_set_link_congested(struct mb_band *band, bool congested);

/* Band life runs on the clock: mb_band_run() does everything due by now;
 * mb_band_next_deadline() says when to call it again (band ms). */
void mb_band_run(struct mb_band *band);
uint64_t mb_band_next_deadline(const struct mb_band *band);

/* The activity log lives in flash: by default heap memory; the emulator
 * attaches a shared mapping of STATE_DIR/flash.img of exactly
 * mb_band_flash_size() bytes.  Recovery runs on attach; *torn counts the
 * records it dropped. */
size_t mb_band_flash_size(const struct mb_band *band);
void mb_band_attach_flash(struct mb_band *band, uint8_t *mem, unsigned int *torn);
/* The person wearing the band (docs/sync.md); default seed 1. */
void mb_band_set_life_seed(struct mb_band *band, uint64_t seed);

/* Firmware slots (docs/battery-firmware.md): what firmware.ini said at
 * start, and how the band stores slot images and firmware.ini (name,
 * bytes; atomically).  Without a store nothing is written. */
struct mb_firmware_info;
void mb_band_set_firmware_info(struct mb_band *band,
			       const struct mb_firmware_info *info);
const struct mb_firmware_info *mb_band_firmware_info(const struct mb_band *band);
typedef bool (*mb_band_save_file_func_t)(const char *name, const void *data,
					 size_t len, void *user_data, char **err);
void mb_band_set_file_store(struct mb_band *band, mb_band_save_file_func_t fn,
			    void *user_data);
const char *mb_band_software_revision(const struct mb_band *band);

/* The battery (docs/battery-firmware.md). */
void mb_band_set_battery(struct mb_band *band, unsigned int percent);
void mb_band_set_charging(struct mb_band *band, bool plugged);
unsigned int mb_band_battery_level(const struct mb_band *band);
bool mb_band_charging(const struct mb_band *band);
/* "on", "off" (empty) or "booting" (after a firmware update). */
const char *mb_band_power(const struct mb_band *band);

/* Faults (docs/faults.md).  Returns the new fault's id, or 0 with *err
 * naming the key that is wrong. */
unsigned int mb_band_inject_fault(struct mb_band *band, const char *line,
				  char **err);
void mb_band_clear_faults(struct mb_band *band);
size_t mb_band_n_faults(const struct mb_band *band);
const char *mb_band_fault_spec(const struct mb_band *band, size_t i,
			       unsigned int *id);

/* What a person does with the band in hand. */
void mb_band_press_button(struct mb_band *band);
void mb_band_long_press_button(struct mb_band *band);
bool mb_band_factory_reset(struct mb_band *band, char **err);
void mb_band_reboot(struct mb_band *band);

/* Ground truth for the control plane and tests. */
const struct mb_band_state *mb_band_state(const struct mb_band *band);
const char *mb_band_prompt(const struct mb_band *band);	/* "" or "pair-confirm" */
bool mb_band_authenticated(const struct mb_band *band);
/* What the band is in the middle of: "" (idle), "bind" (waiting for a
 * tap), "fetch" (a transfer announced or running), "firmware" (an update
 * under way).  The liveness oracle checks nothing is left behind. */
const char *mb_band_busy(const struct mb_band *band);
uint64_t mb_band_now_ms(const struct mb_band *band);
/* Samples in flash, oldest first (deleted ones too, while still there);
 * minute is band local minutes since the epoch. */
size_t mb_band_log_count(const struct mb_band *band);
bool mb_band_log_sample(const struct mb_band *band, size_t i, uint32_t *minute,
			uint8_t data[4]);
/* Band local minute of the last deleted sample, 0 if none. */
uint32_t mb_band_acked_minute(const struct mb_band *band);
size_t mb_band_stored_samples(const struct mb_band *band);

const struct mb_profile *mb_band_profile(const struct mb_band *band);
const struct mb_gatt *mb_band_gatt(const struct mb_band *band);
/* The link's ATT server, NULL while disconnected (tests, transports). */
struct mb_att *mb_band_att(const struct mb_band *band);

/* Legacy advertising data and scan response (protocol §1), 31 bytes max. */
void mb_band_adv_data(const struct mb_band *band, uint8_t adv[31],
		      size_t *adv_len, uint8_t scan_rsp[31],
		      size_t *scan_rsp_len);

/* The band's RTC as local seconds since the epoch and its tz byte. */
int64_t mb_band_local_time(const struct mb_band *band);
int8_t mb_band_tz(const struct mb_band *band);
