/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>

#include "bluez-bridge.h"

/* The band's GATT table as a BlueZ GATT application (doc/gatt-api.txt):
 * an ObjectManager at the root, one org.bluez.GattService1 per profile
 * service and one org.bluez.GattCharacteristic1 per characteristic, in
 * profile order.  Generic Access and Generic Attribute are left out:
 * bluetoothd serves its own.  CCCDs are bluetoothd's too. */
struct bluez_gatt;

struct bluez_gatt_callbacks {
	/* A call came from this device (object path, may be NULL) with this
	 * ATT_MTU (0 = not said): make sure the band has the link.  False
	 * when the band cannot take it (off, another central). */
	bool (*link)(const char *device, uint16_t mtu, void *user_data);
	/* After every call: band deadlines may have moved. */
	void (*activity)(void *user_data);
};

/* Exports the objects under root.  With handle_hints, the Handle
 * properties ask for the profile's handles (docs/bluez.md); without,
 * bluetoothd chooses. */
struct bluez_gatt *bluez_gatt_new(GDBusConnection *conn, const char *root,
				  struct mb_band *band,
				  struct bluez_bridge *bridge,
				  const struct bluez_gatt_callbacks *cb,
				  void *user_data, GError **error);
void bluez_gatt_free(struct bluez_gatt *g);

void bluez_gatt_set_handle_hints(struct bluez_gatt *g, bool on);
/* Handles bluetoothd assigned elsewhere than the profile asked. */
unsigned int bluez_gatt_handles_moved(const struct bluez_gatt *g);

/* The band notified or indicated: PropertiesChanged on Value, which
 * bluetoothd sends to the subscribed central. */
void bluez_gatt_notify(struct bluez_gatt *g, const struct mb_gatt_chr *chr,
		       const uint8_t *value, size_t len);
