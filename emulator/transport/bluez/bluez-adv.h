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

/* What one advertisement carries besides the name.  A legacy controller
 * has 31 bytes of advertising data, which flags and the manufacturer
 * data fill, and bluetoothd 5.66 puts only the name in the scan
 * response: there the band's data goes out as two advertisements the
 * controller takes turns with (docs/bluez.md). */
enum bluez_adv_parts {
	BLUEZ_ADV_MANUFACTURER = 1 << 0,
	BLUEZ_ADV_SERVICE_DATA = 1 << 1,
	BLUEZ_ADV_ALL = BLUEZ_ADV_MANUFACTURER | BLUEZ_ADV_SERVICE_DATA,
};

struct bluez_adv *bluez_adv_new(GDBusConnection *conn, const char *path,
				struct mb_band *band, unsigned int parts,
				void (*released)(struct bluez_adv *a,
						 void *user_data),
				void *user_data, GError **error);
void bluez_adv_free(struct bluez_adv *a);
const char *bluez_adv_path(const struct bluez_adv *a);
void bluez_adv_set_parts(struct bluez_adv *a, unsigned int parts);

/* Re-reads the band's data; PropertiesChanged for what changed, which
 * bluetoothd puts on air. */
void bluez_adv_update(struct bluez_adv *a);
