/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "core/band.h"
#include "transport/transport.h"

/* The BlueZ transport (docs/bluez.md): the band on a real adapter through
 * bluetoothd's D-Bus API.  It powers the adapter, registers the GATT
 * application and the advertisement, follows org.bluez.Device1.Connected
 * for the link, hangs up through Device1.Disconnect, stops advertising
 * while a central is connected, and registers everything again when
 * bluetoothd comes back after a restart.  bluetoothd is found on the
 * system bus (DBUS_SYSTEM_BUS_ADDRESS moves it). */
struct bluez_server;

struct bluez_server *bluez_server_new(struct mb_band *band, const char *adapter,
				      const struct transport_callbacks *cb,
				      void *user_data, GError **error);
void bluez_server_free(struct bluez_server *s);

/* Every band event: power (advertise or not), steps and heart rate (the
 * advertisement's data). */
void bluez_server_band_event(struct bluez_server *s, const struct mb_event *ev);
