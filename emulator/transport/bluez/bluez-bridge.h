/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/band.h"

/* From bluetoothd's GATT calls to the band's ATT server and back.
 *
 * Over BlueZ, bluetoothd owns the ATT bearer and calls ReadValue,
 * WriteValue, StartNotify ... on the application.  The band model speaks
 * ATT PDUs, so each call becomes the PDU a central would have sent (Read,
 * Read Blob, Write Request or Command, a CCCD write, an MTU exchange) and
 * the band's response PDU becomes the call's result.  The band's
 * notifications and indications come out through notify() as the band
 * sends them: the order of a write's reply and what the write raised is
 * the band's (att.c, the profile's notification-order), the bridge only
 * keeps it.  No D-Bus here: the same bytes can be tested without a bus. */
struct bluez_bridge;

struct bluez_bridge_ops {
	void (*notify)(const struct mb_gatt_chr *chr, const uint8_t *value,
		       size_t len, bool indication, void *user_data);
	/* The band drops the link.  May come from inside a bridge call (a
	 * reply that ends the link): hang up later, after the reply. */
	void (*disconnect)(void *user_data);
};

struct bluez_bridge *bluez_bridge_new(struct mb_band *band,
				      const struct bluez_bridge_ops *ops,
				      void *user_data);
void bluez_bridge_free(struct bluez_bridge *b);

/* A central connected or left.  link_up is false when the band cannot
 * take a link (off, booting, one already up). */
bool bluez_bridge_link_up(struct bluez_bridge *b);
void bluez_bridge_link_down(struct bluez_bridge *b);
bool bluez_bridge_linked(const struct bluez_bridge *b);
/* The band ended the link and bluetoothd has not yet: nothing the
 * central sends reaches the band. */
bool bluez_bridge_hung_up(const struct bluez_bridge *b);

/* The link's ATT_MTU as bluetoothd reports it in the call options. */
void bluez_bridge_set_mtu(struct bluez_bridge *b, uint16_t mtu);

/* Not an ATT code: the band sent no response at all (a fault made it
 * silent; bluez-gatt.c says what the central gets then).  0xFF is the
 * Common Profile supplement's Out of Range, which the band never sends. */
#define BLUEZ_BRIDGE_NO_RESPONSE 0xff

/* Each returns 0, the ATT error code the band answered or
 * BLUEZ_BRIDGE_NO_RESPONSE. */
uint8_t bluez_bridge_read(struct bluez_bridge *b, const struct mb_gatt_chr *chr,
			  uint16_t offset, uint8_t *buf, size_t *len);
/* A write's answer, given once: 0, the ATT error code the band
 * answered or BLUEZ_BRIDGE_NO_RESPONSE.  A Write Request's comes while
 * the band answers it, so notifications before and after it keep their
 * order on the bus. */
typedef void (*bluez_bridge_reply_func_t)(uint8_t att_error, void *user_data);
void bluez_bridge_write(struct bluez_bridge *b, const struct mb_gatt_chr *chr,
			const uint8_t *value, size_t len, bool command,
			bluez_bridge_reply_func_t reply, void *user_data);

/* StartNotify / StopNotify.  bluetoothd keeps the CCCD itself and calls
 * these once per change; the bridge remembers what was asked and applies
 * it to every link, and retries an enable the band refused (protected
 * characteristics before auth) after each write, since the central
 * believes it is subscribed (docs/bluez.md). */
uint8_t bluez_bridge_set_notify(struct bluez_bridge *b,
				const struct mb_gatt_chr *chr, bool on);
bool bluez_bridge_notifying(const struct bluez_bridge *b,
			    const struct mb_gatt_chr *chr);

/* The central confirmed an indication (GattCharacteristic1.Confirm). */
void bluez_bridge_confirm(struct bluez_bridge *b);

/* org.bluez.Error.* for an ATT error code, and the message BlueZ turns
 * back into the same code where it can (0x80-0x9F application errors). */
const char *bluez_bridge_error_name(uint8_t att_error);
