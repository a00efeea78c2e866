/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gatt.h"
#include "util.h"

/* ATT opcodes (Core Vol 3 Part F 3.4.8). */
enum mb_att_op {
	MB_ATT_OP_ERROR_RSP = 0x01,
	MB_ATT_OP_MTU_REQ = 0x02,
	MB_ATT_OP_MTU_RSP = 0x03,
	MB_ATT_OP_FIND_INFO_REQ = 0x04,
	MB_ATT_OP_FIND_INFO_RSP = 0x05,
	MB_ATT_OP_FIND_BY_TYPE_REQ = 0x06,
	MB_ATT_OP_FIND_BY_TYPE_RSP = 0x07,
	MB_ATT_OP_READ_BY_TYPE_REQ = 0x08,
	MB_ATT_OP_READ_BY_TYPE_RSP = 0x09,
	MB_ATT_OP_READ_REQ = 0x0a,
	MB_ATT_OP_READ_RSP = 0x0b,
	MB_ATT_OP_READ_BLOB_REQ = 0x0c,
	MB_ATT_OP_READ_BLOB_RSP = 0x0d,
	MB_ATT_OP_READ_MULT_REQ = 0x0e,
	MB_ATT_OP_READ_MULT_RSP = 0x0f,
	MB_ATT_OP_READ_BY_GRP_TYPE_REQ = 0x10,
	MB_ATT_OP_READ_BY_GRP_TYPE_RSP = 0x11,
	MB_ATT_OP_WRITE_REQ = 0x12,
	MB_ATT_OP_WRITE_RSP = 0x13,
	MB_ATT_OP_PREP_WRITE_REQ = 0x16,
	MB_ATT_OP_PREP_WRITE_RSP = 0x17,
	MB_ATT_OP_EXEC_WRITE_REQ = 0x18,
	MB_ATT_OP_EXEC_WRITE_RSP = 0x19,
	MB_ATT_OP_HANDLE_NFY = 0x1b,
	MB_ATT_OP_HANDLE_IND = 0x1d,
	MB_ATT_OP_HANDLE_CONF = 0x1e,
	MB_ATT_OP_WRITE_CMD = 0x52,
	MB_ATT_OP_SIGNED_WRITE_CMD = 0xd2,
};

/* ATT error codes (Core Vol 3 Part F 3.4.1.1, Supplement Part B 1.2). */
enum mb_att_error {
	MB_ATT_ERROR_INVALID_HANDLE = 0x01,
	MB_ATT_ERROR_READ_NOT_PERMITTED = 0x02,
	MB_ATT_ERROR_WRITE_NOT_PERMITTED = 0x03,
	MB_ATT_ERROR_INVALID_PDU = 0x04,
	MB_ATT_ERROR_AUTHENTICATION = 0x05,
	MB_ATT_ERROR_REQUEST_NOT_SUPPORTED = 0x06,
	MB_ATT_ERROR_INVALID_OFFSET = 0x07,
	MB_ATT_ERROR_AUTHORIZATION = 0x08,
	MB_ATT_ERROR_PREPARE_QUEUE_FULL = 0x09,
	MB_ATT_ERROR_ATTRIBUTE_NOT_FOUND = 0x0a,
	MB_ATT_ERROR_INVALID_VALUE_LEN = 0x0d,
	MB_ATT_ERROR_UNLIKELY = 0x0e,
	MB_ATT_ERROR_UNSUPPORTED_GROUP_TYPE = 0x10,
	MB_ATT_ERROR_INSUFFICIENT_RESOURCES = 0x11,
	MB_ATT_ERROR_VALUE_NOT_ALLOWED = 0x13,
	MB_ATT_ERROR_CCC_IMPROPERLY_CONFIGURED = 0xfd,
};

#define MB_ATT_DEFAULT_MTU 23

/* Execute Write Request flags (Core Vol 3 Part F 3.4.6.3). */
#define MB_ATT_EXEC_CANCEL 0x00
#define MB_ATT_EXEC_WRITE 0x01

/* The most Prepare Write Requests one link may queue (the profile's
 * prepare-queue is at most this). */
#define MB_ATT_MAX_PREPARE_QUEUE 255

/* What the link asks of the band.  Each returns 0 or an ATT error code;
 * the ATT server turns a code into the Error Response. */
struct mb_att_ops {
	/* Fills buf (MB_ATT_MAX_VALUE_LEN bytes) with the whole value. */
	uint8_t (*read)(const struct mb_gatt_chr *chr, uint8_t *buf,
			size_t *len, void *user_data);
	uint8_t (*write)(const struct mb_gatt_chr *chr, const uint8_t *value,
			 size_t len, bool command, void *user_data);
	/* Asked before a Prepare Write on chr is queued, and again for every
	 * queued value at Execute Write before any of them is written
	 * (protected characteristics refuse before auth); told nothing
	 * else: the value comes through write once it is whole. */
	uint8_t (*prepare)(const struct mb_gatt_chr *chr, void *user_data);
	/* Asked before a CCCD write takes effect (protected characteristics
	 * refuse here). */
	uint8_t (*ccc_write)(const struct mb_gatt_chr *chr, uint16_t value,
			     void *user_data);
	/* Told once a CCCD write changed what the link subscribed to; what
	 * it notifies now goes out after the Write Response (NULL: not
	 * told). */
	void (*ccc_changed)(const struct mb_gatt_chr *chr, uint16_t value,
			    void *user_data);
};

typedef void (*mb_att_send_func_t)(const uint8_t *pdu, size_t len,
				   void *user_data);

/* The server side of one link: MTU, CCCD state and the indication in
 * flight belong to the link, not to the band. */
struct mb_att;

struct mb_att *mb_att_new(const struct mb_gatt *gatt, uint16_t server_mtu,
			  const struct mb_att_ops *ops, void *ops_data);
void mb_att_free(struct mb_att *att);

void mb_att_set_send_handler(struct mb_att *att, mb_att_send_func_t fn,
			     void *user_data);
void mb_att_set_debug(struct mb_att *att, mb_debug_func_t fn, void *user_data);
/* Whether notifications and indications raised while a request is
 * handled go out after its response (the default, as a BLE stack sends
 * them) or before it (docs/policies.md). */
void mb_att_set_notify_order(struct mb_att *att, enum mb_notify_order order);
/* How many Prepare Write Requests the link may queue, 1 to
 * MB_ATT_MAX_PREPARE_QUEUE (docs/policies.md#long-writes). */
void mb_att_set_prepare_queue(struct mb_att *att, size_t max);

/* One PDU from the central.  Replies (if any) and what the request
 * raised leave through the send handler before this returns. */
void mb_att_receive(struct mb_att *att, const uint8_t *pdu, size_t len);

/* Sends a Handle Value Notification if the link enabled notifications on
 * chr; the value is cut to ATT_MTU - 3.  Returns whether it was sent. */
bool mb_att_notify(struct mb_att *att, const struct mb_gatt_chr *chr,
		   const uint8_t *value, size_t len);
/* Queues a Handle Value Indication if the link enabled indications; one is
 * in flight at a time until the central confirms it. */
bool mb_att_indicate(struct mb_att *att, const struct mb_gatt_chr *chr,
		     const uint8_t *value, size_t len);

uint16_t mb_att_mtu(const struct mb_att *att);
uint16_t mb_att_ccc(const struct mb_att *att, const struct mb_gatt_chr *chr);
bool mb_att_indication_pending(const struct mb_att *att);
/* Prepare Write Requests waiting for Execute Write. */
size_t mb_att_prepared(const struct mb_att *att);
