/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>

#include "core/band.h"

/* The band's advertisement as an org.bluez.LEAdvertisement1 object: the
 * local name, manufacturer data for 0x0157 (with the heart-rate byte) and
 * service data on 0xFEE0 (the day's steps), taken from the band's own
 * advertising data (protocol §1), so the two transports cannot differ. */
struct bluez_adv;

struct bluez_adv *bluez_adv_new(GDBusConnection *conn, const char *path,
				struct mb_band *band,
				void (*released)(void *user_data),
				void *user_data, GError **error);
void bluez_adv_free(struct bluez_adv *a);
const char *bluez_adv_path(const struct bluez_adv *a);

/* Leaves the service data out: a legacy controller has 31 bytes, which
 * flags and the manufacturer data fill, and BlueZ 5.66 puts only the
 * name in the scan response (docs/bluez.md). */
void bluez_adv_set_service_data(struct bluez_adv *a, bool on);
bool bluez_adv_service_data(const struct bluez_adv *a);

/* Re-reads the band's data; PropertiesChanged for what changed, which
 * bluetoothd puts on air. */
void bluez_adv_update(struct bluez_adv *a);
