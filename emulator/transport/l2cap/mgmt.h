/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A client of the kernel's Bluetooth management interface for one
 * controller (BlueZ's doc/mgmt-api.txt): what the L2CAP transport needs to
 * be a peripheral on it.  Requests wait for their reply, with a deadline:
 * each is one round trip to the kernel, and the transport makes them only
 * when it starts, at a power change and at a factory reset. */
struct bt_mgmt;

struct bt_mgmt_info {
	uint8_t address[6]; /* as on the air: little endian */
	uint32_t supported;
	uint32_t current; /* enum bt_mgmt_setting bits */
};

/* adapter is "hciN". */
struct bt_mgmt *bt_mgmt_new(const char *adapter, GError **error);
void bt_mgmt_free(struct bt_mgmt *m);

bool bt_mgmt_read_info(struct bt_mgmt *m, struct bt_mgmt_info *info,
		       GError **error);
/* A one-byte mode command: Set Powered, LE, BR/EDR, Bondable … */
bool bt_mgmt_set_mode(struct bt_mgmt *m, uint16_t op, uint8_t value,
		      GError **error);
bool bt_mgmt_set_static_address(struct bt_mgmt *m, const uint8_t address[6],
				GError **error);
/* The band's instance (the controller's last), connectable, with adv and
 * scan response exactly as given (at most 31 bytes each, the Flags field
 * the band's own); adding it again replaces it. */
bool bt_mgmt_add_advertising(struct bt_mgmt *m, const uint8_t *adv,
			     size_t adv_len, const uint8_t *scan_rsp,
			     size_t scan_rsp_len, GError **error);
bool bt_mgmt_remove_advertising(struct bt_mgmt *m, GError **error);
/* Ends the link to a central (type: BT_ADDR_LE_*); a link already gone
 * is not an error. */
bool bt_mgmt_disconnect(struct bt_mgmt *m, const uint8_t address[6],
			uint8_t type, GError **error);
