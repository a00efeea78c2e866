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
/* The same over a socket the caller opened (takes fd): one end of a
 * socketpair in the tests and the fuzz harness, whose other end plays
 * the kernel. */
struct bt_mgmt *bt_mgmt_new_fd(int fd, uint16_t index, const char *adapter);
void bt_mgmt_free(struct bt_mgmt *m);
/* The controller's index: hciN's N. */
uint16_t bt_mgmt_index(const struct bt_mgmt *m);

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
/* A long-term key as the kernel's SMP reports it and takes it back
 * (mgmt's Long Term Key Information). */
struct bt_mgmt_ltk {
	uint8_t address[6];   /* the central's identity, as on the air */
	uint8_t address_type; /* BT_ADDR_LE_* */
	uint8_t key_type;     /* BT_MGMT_LTK_* */
	uint8_t central;      /* 1: the key this side uses as the central */
	uint8_t enc_size;
	uint16_t ediv;
	uint64_t rand;
	uint8_t value[16];
};

/* Address, Address_Type, Key_Type, Central, Encryption_Size, EDIV, Rand,
 * Value: as Load Long Term Keys takes it and New Long Term Key gives it. */
#define BT_MGMT_LTK_INFO_LEN 36

/* A New Long Term Key event (header included) for the controller index
 * whose key the host should keep (Store_Hint set); false for any other
 * packet. */
bool bt_mgmt_parse_new_ltk(const uint8_t *buf, size_t n, uint16_t index,
			   struct bt_mgmt_ltk *k);
void bt_mgmt_ltk_info(const struct bt_mgmt_ltk *k,
		      uint8_t out[BT_MGMT_LTK_INFO_LEN]);

typedef void (*bt_mgmt_ltk_fn)(const struct bt_mgmt_ltk *ltk, void *user_data);

/* fn is called from the main loop with each new long-term key of the
 * controller's pairings that the host should keep (Store_Hint set): a
 * pairing with bonding completed.  Events that come while a request
 * waits for its reply are kept for it too. */
void bt_mgmt_watch_keys(struct bt_mgmt *m, bt_mgmt_ltk_fn fn, void *user_data);
/* Replaces the controller's list of long-term keys (n may be 0): the
 * keys it answers a central's encryption with. */
bool bt_mgmt_load_ltks(struct bt_mgmt *m, const struct bt_mgmt_ltk *keys,
		       size_t n, GError **error);

/* Ends the link to a central (type: BT_ADDR_LE_*); a link already gone
 * is not an error. */
bool bt_mgmt_disconnect(struct bt_mgmt *m, const uint8_t address[6],
			uint8_t type, GError **error);
