/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The few pieces of the kernel's Bluetooth socket ABI the L2CAP transport
 * uses (include/net/bluetooth/bluetooth.h, l2cap.h, hci_sock.h in Linux;
 * the management protocol of BlueZ's doc/mgmt-api.txt).  They are kernel
 * ABI, stable since 3.x, and written out here so that building bandsim
 * needs no Bluetooth development package. */

#include <stdint.h>
#include <sys/socket.h>

#ifndef AF_BLUETOOTH
#define AF_BLUETOOTH 31
#endif
#define BT_PROTO_L2CAP 0
#define BT_PROTO_HCI 1
#define BT_SOL 274 /* SOL_BLUETOOTH */
#define BT_OPT_SECURITY 4
#define BT_SECURITY_LEVEL_LOW 1
#define BT_SECURITY_LEVEL_MEDIUM 2

/* Address types of struct sockaddr_l2 and of mgmt. */
#define BT_ADDR_LE_PUBLIC 0x01
#define BT_ADDR_LE_RANDOM 0x02

/* The ATT fixed channel on an LE link (Core 5.3 Vol 3 Part A 2.1). */
#define BT_ATT_CID 0x0004

struct bt_sockaddr_l2 {
	sa_family_t l2_family;
	uint16_t l2_psm;
	uint8_t l2_bdaddr[6]; /* little endian, as on the air */
	uint16_t l2_cid;
	uint8_t l2_bdaddr_type;
} __attribute__((packed));

struct bt_security_opt {
	uint8_t level;
	uint8_t key_size;
};

#define BT_HCI_DEV_NONE 0xffff
#define BT_HCI_CHANNEL_RAW 0
#define BT_HCI_CHANNEL_CONTROL 3

struct bt_sockaddr_hci {
	sa_family_t hci_family;
	uint16_t hci_dev;
	uint16_t hci_channel;
};

/* A raw HCI socket's filter (SOL_HCI, HCI_FILTER; struct hci_ufilter):
 * packet types and event codes, one bit each. */
#define BT_SOL_HCI 0
#define BT_HCI_FILTER 2
struct bt_hci_filter {
	uint32_t type_mask;
	uint32_t event_mask[2];
	uint16_t opcode;
};

/* HCI packets as a raw socket gives them: the packet type, then the
 * event (Core 5.3 Vol 4 Part E 5.4.4, 7.7). */
#define BT_HCI_EVENT_PKT 0x04
#define BT_HCI_EV_DISCONN_COMPLETE 0x05
#define BT_HCI_EV_LE_META 0x3e
#define BT_HCI_EV_LE_CONN_COMPLETE 0x01
#define BT_HCI_EV_LE_ENH_CONN_COMPLETE 0x0a
#define BT_HCI_EV_LE_ENH_CONN_COMPLETE_V2 0x29
#define BT_HCI_ROLE_PERIPHERAL 0x01
#define BT_HCI_ERROR_AUTH_FAILURE 0x05

/* An L2CAP socket's link (SOL_L2CAP, L2CAP_CONNINFO): its HCI handle. */
#define BT_SOL_L2CAP 6
#define BT_L2CAP_CONNINFO 0x02
struct bt_l2cap_conninfo {
	uint16_t hci_handle;
	uint8_t dev_class[3];
};

/* Management commands (doc/mgmt-api.txt). */
enum bt_mgmt_op {
	BT_MGMT_OP_READ_INFO = 0x0004,
	BT_MGMT_OP_SET_POWERED = 0x0005,
	BT_MGMT_OP_SET_CONNECTABLE = 0x0007,
	BT_MGMT_OP_SET_BONDABLE = 0x0009,
	BT_MGMT_OP_SET_LE = 0x000d,
	BT_MGMT_OP_LOAD_LONG_TERM_KEYS = 0x0013,
	BT_MGMT_OP_DISCONNECT = 0x0014,
	BT_MGMT_OP_SET_IO_CAPABILITY = 0x0018,
	BT_MGMT_OP_SET_BREDR = 0x002a,
	BT_MGMT_OP_SET_STATIC_ADDRESS = 0x002b,
	BT_MGMT_OP_SET_SECURE_CONN = 0x002d,
	BT_MGMT_OP_READ_ADV_FEATURES = 0x003d,
	BT_MGMT_OP_ADD_ADVERTISING = 0x003e,
	BT_MGMT_OP_REMOVE_ADVERTISING = 0x003f,
};

enum bt_mgmt_ev {
	BT_MGMT_EV_CMD_COMPLETE = 0x0001,
	BT_MGMT_EV_CMD_STATUS = 0x0002,
	BT_MGMT_EV_NEW_SETTINGS = 0x0006,
};

/* Bits of the current settings (Read Controller Information). */
enum bt_mgmt_setting {
	BT_MGMT_SETTING_POWERED = 1u << 0,
	BT_MGMT_SETTING_CONNECTABLE = 1u << 1,
	BT_MGMT_SETTING_BONDABLE = 1u << 4,
	BT_MGMT_SETTING_BREDR = 1u << 7,
	BT_MGMT_SETTING_LE = 1u << 9,
	BT_MGMT_SETTING_STATIC_ADDRESS = 1u << 15,
};

/* Add Advertising flags: connectable only.  With none of the managed
 * discoverable bits the kernel adds no Flags field, so the band's own
 * advertising data goes on the air byte for byte. */
#define BT_MGMT_ADV_FLAG_CONNECTABLE (1u << 0)

#define BT_MGMT_IO_NO_INPUT_NO_OUTPUT 0x03

/* The event of a pairing with bonding, and the key types it and Load
 * Long Term Keys carry: the band pairs Just Works, so its keys are
 * unauthenticated. */
#define BT_MGMT_EV_NEW_LONG_TERM_KEY 0x000a
#define BT_MGMT_LTK_LEGACY_UNAUTH 0x00
#define BT_MGMT_LTK_P256_UNAUTH 0x02

#define BT_MGMT_HDR_SIZE 6
