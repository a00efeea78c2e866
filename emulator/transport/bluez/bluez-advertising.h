/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>

#include "core/band.h"

/* Keeps the band's advertisement registered with bluetoothd while it is
 * wanted (bluetoothd there, no central, band on): registration, the
 * fallback to two advertisements where 31 bytes cannot hold the band's
 * data, retries while every advertising slot is taken, Release, and the
 * data refreshed as the band's steps change. */
struct bluez_advertising;

/* adapter ("hci0") and adapter_path ("/org/bluez/hci0") are the
 * caller's and must outlive it. */
struct bluez_advertising *
bluez_advertising_new(GDBusConnection *conn, const char *adapter,
		      const char *adapter_path, struct mb_band *band,
		      void (*status)(const char *what, void *user_data),
		      void *user_data, GError **error);
/* Unregisters what is registered, waiting (briefly) for registrations
 * under way. */
void bluez_advertising_free(struct bluez_advertising *a);

void bluez_advertising_set_wanted(struct bluez_advertising *a, bool wanted);
/* bluetoothd left the bus: what it had registered is gone with it. */
void bluez_advertising_forget(struct bluez_advertising *a);
