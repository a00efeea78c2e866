// SPDX-License-Identifier: GPL-2.0-or-later
#include "bluez-bridge.h"

#include <stdlib.h>
#include <string.h>

#include "core/att.h"
#include "core/util.h"

/* The largest response the band sends: ATT_MTU is at most 517. */
#define PDU_MAX 520

struct bluez_bridge {
	struct mb_band *band;
	const struct bluez_bridge_ops *ops;
	void *user_data;
	bool linked;
	/* The band hung up and bluetoothd has not ended the link yet
	 * (bluez-server.c: a grace, then Device1.Disconnect): what comes
	 * meanwhile never reaches the band, as nothing reaches a band that
	 * ended the link on the air. */
	bool hung_up;
	uint16_t mtu; /* what the band was told, 0 = nothing yet */
	/* A call is under way: its response lands in rsp and, for a write,
	 * is answered at once (reply), so that what the band sends around it
	 * goes out in the order the band's ATT server chose. */
	bool in_call;
	uint8_t req_op;
	uint8_t rsp[PDU_MAX];
	size_t rsp_len;
	bluez_bridge_reply_func_t reply;
	void *reply_data;
	/* Per characteristic: bluetoothd asked for notifications, and
	 * whether the band took the CCCD write on the current link. */
	struct notify_state {
		bool wanted;
		bool applied;
	} * notify;
};

static const struct mb_gatt_chr *
chr_by_value_handle(const struct bluez_bridge *b, uint16_t handle)
{
	const struct mb_attr *a = mb_gatt_lookup(mb_band_gatt(b->band), handle);

	return a && a->kind == MB_ATTR_KIND_VALUE ? a->chr : NULL;
}

/* The ATT error code of the response in rsp to a request with opcode
 * want_op - 1; BLUEZ_BRIDGE_NO_RESPONSE when the band did not answer (a
 * fault swallowed the request, as on a silent link), Unlikely Error for
 * a response that answers something else. */
static uint8_t response_code(const struct bluez_bridge *b, uint8_t want_op)
{
	if (!b->rsp_len)
		return BLUEZ_BRIDGE_NO_RESPONSE;
	if (b->rsp_len >= 5 && b->rsp[0] == MB_ATT_OP_ERROR_RSP &&
	    b->rsp[1] == b->req_op)
		return b->rsp[4];
	if (b->rsp[0] == want_op)
		return 0;
	return MB_ATT_ERROR_UNLIKELY;
}

static void give_reply(struct bluez_bridge *b, uint8_t err)
{
	bluez_bridge_reply_func_t fn = b->reply;

	b->reply = NULL;
	if (fn)
		fn(err, b->reply_data);
}

/* Everything the band sends on the link. */
static void link_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct bluez_bridge *b = user_data;
	const struct mb_gatt_chr *chr;
	bool indication;

	if (!len)
		return;
	indication = pdu[0] == MB_ATT_OP_HANDLE_IND;
	if (pdu[0] == MB_ATT_OP_HANDLE_NFY || indication) {
		if (len < 3 ||
		    !(chr = chr_by_value_handle(b, mb_get_le16(pdu + 1))))
			return;
		if (b->ops->notify)
			b->ops->notify(chr, pdu + 3, len - 3, indication,
				       b->user_data);
		return;
	}
	/* A response to the request being bridged. */
	if (b->in_call && len <= sizeof(b->rsp)) {
		memcpy(b->rsp, pdu, len);
		b->rsp_len = len;
		give_reply(b, response_code(b, (uint8_t)(b->req_op + 1)));
	}
}

static void link_disconnect(void *user_data)
{
	struct bluez_bridge *b = user_data;

	b->hung_up = true;
	if (b->ops->disconnect)
		b->ops->disconnect(b->user_data);
}

static const struct mb_link_ops link_ops = {
	.send = link_send,
	.disconnect = link_disconnect,
	/* docs/bluez.md, "Multiple Handle Value Notifications". */
	.notify_headroom = 2,
};

/* One request through the band; returns 0 with the response in b->rsp,
 * or the ATT error code. */
static uint8_t transact(struct bluez_bridge *b, const uint8_t *pdu, size_t len,
			uint8_t want_op)
{
	if (!b->linked || b->hung_up ||
	    !mb_link_connected(mb_band_link(b->band)))
		return MB_ATT_ERROR_UNLIKELY;
	b->in_call = true;
	b->req_op = pdu[0];
	b->rsp_len = 0;
	mb_link_receive(mb_band_link(b->band), pdu, len);
	b->in_call = false;
	return want_op ? response_code(b, want_op) : 0;
}

static uint8_t write_ccc(struct bluez_bridge *b, const struct mb_gatt_chr *chr,
			 bool on)
{
	uint8_t pdu[5] = { MB_ATT_OP_WRITE_REQ };
	uint16_t v = 0;

	if (on)
		v = chr->def->props & MB_PROP_NOTIFY ? MB_CCC_NOTIFY
						     : MB_CCC_INDICATE;
	mb_put_le16(pdu + 1, chr->cccd_handle);
	mb_put_le16(pdu + 3, v);
	return transact(b, pdu, sizeof(pdu), MB_ATT_OP_WRITE_RSP);
}

/* What bluetoothd asked for and the band has not taken yet. */
static void apply_wanted(struct bluez_bridge *b)
{
	const struct mb_gatt *gatt = mb_band_gatt(b->band);

	for (size_t i = 0; i < mb_gatt_n_chrs(gatt); i++) {
		const struct mb_gatt_chr *chr = mb_gatt_chr(gatt, i);

		if (b->notify[i].wanted && !b->notify[i].applied && b->linked)
			b->notify[i].applied = write_ccc(b, chr, true) == 0;
	}
}

struct bluez_bridge *bluez_bridge_new(struct mb_band *band,
				      const struct bluez_bridge_ops *ops,
				      void *user_data)
{
	size_t n = mb_gatt_n_chrs(mb_band_gatt(band));

	/* Out of memory aborts, as in the band. */
	return MB_NEW(struct bluez_bridge, .band = band, .ops = ops,
		      .user_data = user_data,
		      .notify = mb_malloc0(n * sizeof(struct notify_state)));
}

void bluez_bridge_free(struct bluez_bridge *b)
{
	if (!b)
		return;
	bluez_bridge_link_down(b);
	free(b->notify);
	free(b);
}

bool bluez_bridge_link_up(struct bluez_bridge *b)
{
	size_t n = mb_gatt_n_chrs(mb_band_gatt(b->band));

	if (b->linked)
		return true;
	if (!mb_band_connect(b->band, &link_ops, b))
		return false;
	b->linked = true;
	b->hung_up = false;
	b->mtu = 0;
	for (size_t i = 0; i < n; i++)
		b->notify[i].applied = false;
	/* A bonded central's CCCDs survive in bluetoothd, which then sends
	 * no StartNotify: the new link gets what was asked before. */
	apply_wanted(b);
	return true;
}

void bluez_bridge_link_down(struct bluez_bridge *b)
{
	if (!b->linked)
		return;
	b->linked = false;
	b->hung_up = false;
	mb_band_disconnect(b->band);
}

bool bluez_bridge_linked(const struct bluez_bridge *b)
{
	return b->linked;
}

bool bluez_bridge_hung_up(const struct bluez_bridge *b)
{
	return b->linked && b->hung_up;
}

void bluez_bridge_set_mtu(struct bluez_bridge *b, uint16_t mtu)
{
	uint8_t pdu[3] = { MB_ATT_OP_MTU_REQ };

	if (!mtu || mtu == b->mtu || !b->linked)
		return;
	b->mtu = mtu;
	mb_put_le16(pdu + 1, mtu);
	transact(b, pdu, sizeof(pdu), MB_ATT_OP_MTU_RSP);
}

uint8_t bluez_bridge_read(struct bluez_bridge *b, const struct mb_gatt_chr *chr,
			  uint16_t offset, uint8_t *buf, size_t *len)
{
	uint8_t whole[MB_ATT_MAX_VALUE_LEN];
	size_t have = 0;
	uint8_t err;

	/* bluetoothd wants the value from offset on; the band answers a
	 * Read with ATT_MTU - 1 bytes, so the rest comes by Read Blob. */
	for (;;) {
		uint8_t pdu[5];
		size_t pdu_len = 3, chunk;

		pdu[0] = have ? MB_ATT_OP_READ_BLOB_REQ : MB_ATT_OP_READ_REQ;
		mb_put_le16(pdu + 1, chr->value_handle);
		if (have) {
			mb_put_le16(pdu + 3, (uint16_t)have);
			pdu_len = 5;
		}
		err = transact(b, pdu, pdu_len, (uint8_t)(pdu[0] + 1));
		if (err)
			return err;
		chunk = b->rsp_len - 1;
		if (have + chunk > sizeof(whole))
			chunk = sizeof(whole) - have;
		memcpy(whole + have, b->rsp + 1, chunk);
		have += chunk;
		if (chunk < (size_t)mb_att_mtu(
				    mb_link_att(mb_band_link(b->band))) -
				    1 ||
		    have >= sizeof(whole))
			break;
	}
	if (offset > have)
		return MB_ATT_ERROR_INVALID_OFFSET;
	*len = have - offset;
	memcpy(buf, whole + offset, *len);
	return 0;
}

/* bluetoothd ran the client's Prepare Writes itself and hands over the
 * value whole (docs/policies.md#long-writes): it reaches the band as the
 * client sent it, in parts of ATT_MTU - 5 and an Execute Write, so that
 * the band's ATT server decides as on the socket.  The call is answered
 * when the Execute Write's response passes. */
static uint8_t write_long(struct bluez_bridge *b, const struct mb_gatt_chr *chr,
			  const uint8_t *value, size_t len,
			  bluez_bridge_reply_func_t reply, void *user_data)
{
	size_t part = (size_t)mb_link_mtu(mb_band_link(b->band)) - 5;
	uint8_t pdu[5 + MB_ATT_MAX_VALUE_LEN];
	uint8_t err;

	for (size_t off = 0; off < len; off += part) {
		size_t n = len - off < part ? len - off : part;

		pdu[0] = MB_ATT_OP_PREP_WRITE_REQ;
		mb_put_le16(pdu + 1, chr->value_handle);
		mb_put_le16(pdu + 3, (uint16_t)off);
		memcpy(pdu + 5, value + off, n);
		err = transact(b, pdu, 5 + n, MB_ATT_OP_PREP_WRITE_RSP);
		if (err) {
			pdu[0] = MB_ATT_OP_EXEC_WRITE_REQ;
			pdu[1] = MB_ATT_EXEC_CANCEL;
			transact(b, pdu, 2, MB_ATT_OP_EXEC_WRITE_RSP);
			b->reply = reply;
			b->reply_data = user_data;
			return err;
		}
	}
	pdu[0] = MB_ATT_OP_EXEC_WRITE_REQ;
	pdu[1] = MB_ATT_EXEC_WRITE;
	b->reply = reply;
	b->reply_data = user_data;
	return transact(b, pdu, 2, MB_ATT_OP_EXEC_WRITE_RSP);
}

void bluez_bridge_write(struct bluez_bridge *b, const struct mb_gatt_chr *chr,
			const uint8_t *value, size_t len, bool command,
			bluez_bridge_reply_func_t reply, void *user_data)
{
	uint8_t pdu[3 + MB_ATT_MAX_VALUE_LEN];
	uint8_t err;

	if (len > MB_ATT_MAX_VALUE_LEN) {
		reply(MB_ATT_ERROR_INVALID_VALUE_LEN, user_data);
		return;
	}
	if (!command && 3 + len > mb_link_mtu(mb_band_link(b->band))) {
		b->reply = NULL;
		err = write_long(b, chr, value, len, reply, user_data);
		give_reply(b, err);
		apply_wanted(b);
		return;
	}
	pdu[0] = command ? MB_ATT_OP_WRITE_CMD : MB_ATT_OP_WRITE_REQ;
	mb_put_le16(pdu + 1, chr->value_handle);
	memcpy(pdu + 3, value, len);
	/* A Write Request is answered when the band's response passes by;
	 * a command (no response on air) once the band took it. */
	b->reply = command ? NULL : reply;
	b->reply_data = user_data;
	err = transact(b, pdu, 3 + len, command ? 0 : MB_ATT_OP_WRITE_RSP);
	if (command)
		reply(err, user_data);
	else
		give_reply(b, err);
	/* A write may have authenticated the link. */
	apply_wanted(b);
}

uint8_t bluez_bridge_set_notify(struct bluez_bridge *b,
				const struct mb_gatt_chr *chr, bool on)
{
	uint8_t err = 0;

	if (!chr->cccd_handle)
		return MB_ATT_ERROR_REQUEST_NOT_SUPPORTED;
	b->notify[chr->index].wanted = on;
	if (!b->linked) {
		b->notify[chr->index].applied = false;
		return 0;
	}
	err = write_ccc(b, chr, on);
	b->notify[chr->index].applied = on && !err;
	return err;
}

bool bluez_bridge_notifying(const struct bluez_bridge *b,
			    const struct mb_gatt_chr *chr)
{
	return b->notify[chr->index].wanted;
}

void bluez_bridge_confirm(struct bluez_bridge *b)
{
	static const uint8_t pdu[1] = { MB_ATT_OP_HANDLE_CONF };

	transact(b, pdu, sizeof(pdu), 0);
}

const char *bluez_bridge_error_name(uint8_t att_error)
{
	switch (att_error) {
	case MB_ATT_ERROR_READ_NOT_PERMITTED:
	case MB_ATT_ERROR_WRITE_NOT_PERMITTED:
		/* bluetoothd answers Read/Write Not Permitted for it. */
		return "org.bluez.Error.NotPermitted";
	case MB_ATT_ERROR_AUTHORIZATION:
		return "org.bluez.Error.NotAuthorized";
	case MB_ATT_ERROR_INVALID_VALUE_LEN:
		return "org.bluez.Error.InvalidValueLength";
	case MB_ATT_ERROR_INVALID_OFFSET:
		return "org.bluez.Error.InvalidOffset";
	case MB_ATT_ERROR_REQUEST_NOT_SUPPORTED:
		return "org.bluez.Error.NotSupported";
	default:
		/* bluetoothd reads "0x80".."0x9f" in a Failed message back
		 * as that application error, anything else as Unlikely. */
		return "org.bluez.Error.Failed";
	}
}
