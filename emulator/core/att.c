// SPDX-License-Identifier: GPL-2.0-or-later
#include "att.h"

#include <stdlib.h>
#include <string.h>

#include "att-queue.h"

#define MAX_PDU 517
/* A bound on queued indications: a central that never confirms must not
 * make the band grow without limit. */
#define MAX_QUEUED_INDICATIONS 16
/* Notifications a request may raise before its response goes out: a
 * reply, a fault's extra one, a battery change.  More is a bug; they then
 * go out at once rather than be lost. */
#define MAX_HELD 16
/* docs/policies.md#long-writes: the profile's prepare-queue if none is
 * set. */
#define DEFAULT_PREPARE_QUEUE 32

struct pending_pdu {
	uint8_t pdu[MAX_PDU];
	size_t len;
};

struct mb_att {
	const struct mb_gatt *gatt;
	const struct mb_att_ops *ops;
	void *ops_data;
	uint16_t server_mtu;
	uint16_t mtu;
	bool mtu_exchanged;
	bool ind_in_flight;
	struct pending_pdu ind_queue[MAX_QUEUED_INDICATIONS];
	size_t ind_head, ind_count;
	/* While a request is handled, what the band sends besides its
	 * response waits here when the response goes first. */
	enum mb_notify_order order;
	bool holding;
	struct pending_pdu held[MAX_HELD];
	size_t n_held;
	/* Long writes waiting for Execute Write: the link's, so a new
	 * link starts with none. */
	struct mb_att_queue *queue;
	mb_att_send_func_t send;
	void *send_data;
	mb_debug_func_t debug;
	void *debug_data;
	uint8_t rsp[MAX_PDU];
	uint16_t ccc[]; /* per characteristic */
};

/* Where a request went wrong: the dispatcher sends the Error Response. */
struct att_fail {
	uint16_t handle;
	uint8_t code;
};

/* Fills att->rsp after its opcode (the dispatcher writes that, from the
 * request's row) and returns the response's length, or sets *fail. */
typedef size_t (*att_handler_t)(struct mb_att *att, const uint8_t *pdu,
				size_t len, struct att_fail *fail);

enum att_len_rule {
	ATT_LEN_EXACT,	  /* len == min */
	ATT_LEN_AT_LEAST, /* len >= min */
	ATT_LEN_UUID,	  /* len == min + 2 or min + 16 */
	ATT_LEN_HANDLES,  /* len >= min, (len - 1) even */
};

struct att_req {
	uint8_t op;
	uint8_t rsp; /* the response's opcode, which the dispatcher sets */
	enum att_len_rule rule;
	size_t min;
	att_handler_t handler;
};

static void att_debug(struct mb_att *att, const char *fmt, ...) MB_PRINTF(2, 3);

static void att_debug(struct mb_att *att, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!att->debug)
		return;
	va_start(ap, fmt);
	s = mb_strdup_vprintf(fmt, ap);
	va_end(ap);
	att->debug(s, att->debug_data);
	free(s);
}

static void att_send(struct mb_att *att, const uint8_t *pdu, size_t len)
{
	if (att->holding && att->n_held < MAX_HELD) {
		memcpy(att->held[att->n_held].pdu, pdu, len);
		att->held[att->n_held++].len = len;
		return;
	}
	mb_hexdump('<', pdu, len, att->debug, att->debug_data);
	if (att->send)
		att->send(pdu, len, att->send_data);
}

/* The order of what a request raised and its response is decided here
 * and nowhere else (docs/policies.md "Notification order"): a BLE stack
 * answers the request before it sends what the handler queued. */
static void begin_request(struct mb_att *att)
{
	att->holding = att->order == MB_NOTIFY_ORDER_RESPONSE_FIRST;
}

static void respond(struct mb_att *att, const uint8_t *pdu, size_t len)
{
	size_t n = att->n_held;

	att->holding = false;
	att_send(att, pdu, len);
	att->n_held = 0;
	for (size_t i = 0; i < n; i++)
		att_send(att, att->held[i].pdu, att->held[i].len);
}

static bool range_ok(const uint8_t *pdu, struct att_fail *fail, uint16_t *start,
		     uint16_t *end)
{
	*start = mb_get_le16(pdu + 1);
	*end = mb_get_le16(pdu + 3);
	if (!*start || *start > *end) {
		*fail = (struct att_fail){ *start,
					   MB_ATT_ERROR_INVALID_HANDLE };
		return false;
	}
	return true;
}

/* The range, then the attribute type as 16 or 128 bits: Read By Type and
 * Read By Group Type. */
static bool range_and_type_ok(const uint8_t *pdu, size_t len,
			      struct att_fail *fail, uint16_t *start,
			      uint16_t *end, struct mb_uuid *type)
{
	if (!range_ok(pdu, fail, start, end))
		return false;
	mb_uuid_from_wire(pdu + 5, len - 5, type);
	return true;
}

/* Nothing in the range answers: the error names its start. */
static size_t not_found(struct att_fail *fail, uint16_t start)
{
	*fail = (struct att_fail){ start, MB_ATT_ERROR_ATTRIBUTE_NOT_FOUND };
	return 0;
}

/* Reads the whole value of any attribute, with the permission checks a
 * Read Request makes. */
static uint8_t read_attr(struct mb_att *att, const struct mb_attr *a,
			 uint8_t *buf, size_t *len)
{
	switch (a->kind) {
	case MB_ATTR_KIND_SERVICE:
	case MB_ATTR_KIND_CHR_DECL:
		memcpy(buf, a->decl, a->decl_len);
		*len = a->decl_len;
		return 0;
	case MB_ATTR_KIND_CCCD:
		mb_put_le16(buf, att->ccc[a->chr->index]);
		*len = 2;
		return 0;
	case MB_ATTR_KIND_VALUE:
		if (!(a->chr->def->props & MB_PROP_READ))
			return MB_ATT_ERROR_READ_NOT_PERMITTED;
		*len = 0;
		return att->ops->read(a->chr, buf, len, att->ops_data);
	}
	return MB_ATT_ERROR_UNLIKELY;
}

static size_t handle_mtu(struct mb_att *att, const uint8_t *pdu, size_t len,
			 struct att_fail *fail)
{
	uint16_t client = mb_get_le16(pdu + 1);

	/* Vol 3 Part F 3.4.2.2: a client MTU below the default counts as
	 * the default; the link MTU is the smaller of the two. */
	if (client < MB_ATT_DEFAULT_MTU)
		client = MB_ATT_DEFAULT_MTU;
	att->mtu = client < att->server_mtu ? client : att->server_mtu;
	att->mtu_exchanged = true;
	mb_put_le16(att->rsp + 1, att->server_mtu);
	att_debug(att, "ATT MTU %u", att->mtu);
	return 3;
}

static size_t handle_find_info(struct mb_att *att, const uint8_t *pdu,
			       size_t len, struct att_fail *fail)
{
	uint16_t start, end;
	size_t off = 2, uuid_len = 0;

	if (!range_ok(pdu, fail, &start, &end))
		return 0;
	for (size_t i = mb_gatt_lower_bound(att->gatt, start);
	     i < mb_gatt_n_attrs(att->gatt); i++) {
		const struct mb_attr *a = mb_gatt_attr(att->gatt, i);
		uint8_t wire[16];
		size_t n;

		if (a->handle > end)
			break;
		n = mb_uuid_to_wire(&a->type, wire);
		if (!uuid_len)
			uuid_len = n;
		/* One format per response: 16-bit or 128-bit UUIDs. */
		if (n != uuid_len || off + 2 + n > att->mtu)
			break;
		mb_put_le16(att->rsp + off, a->handle);
		memcpy(att->rsp + off + 2, wire, n);
		off += 2 + n;
	}
	if (off == 2)
		return not_found(fail, start);
	att->rsp[1] = uuid_len == 2 ? 0x01 : 0x02;
	return off;
}

static size_t handle_find_by_type(struct mb_att *att, const uint8_t *pdu,
				  size_t len, struct att_fail *fail)
{
	uint16_t start, end;
	struct mb_uuid type;
	const uint8_t *value = pdu + 7;
	size_t value_len = len - 7, off = 1;

	if (!range_ok(pdu, fail, &start, &end))
		return 0;
	mb_uuid_from16(mb_get_le16(pdu + 5), &type);
	for (size_t i = mb_gatt_lower_bound(att->gatt, start);
	     i < mb_gatt_n_attrs(att->gatt); i++) {
		const struct mb_attr *a = mb_gatt_attr(att->gatt, i);

		if (a->handle > end || off + 4 > att->mtu)
			break;
		/* Only declarations have values the server may compare
		 * without a read; that is what service discovery needs. */
		if (!mb_uuid_eq(&a->type, &type) ||
		    (a->kind != MB_ATTR_KIND_SERVICE &&
		     a->kind != MB_ATTR_KIND_CHR_DECL) ||
		    a->decl_len != value_len ||
		    memcmp(a->decl, value, value_len))
			continue;
		mb_put_le16(att->rsp + off, a->handle);
		mb_put_le16(att->rsp + off + 2, a->kind == MB_ATTR_KIND_SERVICE
							? a->end_handle
							: a->handle);
		off += 4;
	}
	if (off == 1)
		return not_found(fail, start);
	return off;
}

static size_t handle_read_by_type(struct mb_att *att, const uint8_t *pdu,
				  size_t len, struct att_fail *fail)
{
	uint16_t start, end;
	struct mb_uuid type;
	uint8_t value[MB_ATT_MAX_VALUE_LEN];
	size_t off = 2, entry = 0;

	if (!range_and_type_ok(pdu, len, fail, &start, &end, &type))
		return 0;
	for (size_t i = mb_gatt_lower_bound(att->gatt, start);
	     i < mb_gatt_n_attrs(att->gatt); i++) {
		const struct mb_attr *a = mb_gatt_attr(att->gatt, i);
		size_t vlen = 0, max;
		uint8_t ecode;

		if (a->handle > end)
			break;
		if (!mb_uuid_eq(&a->type, &type))
			continue;
		ecode = read_attr(att, a, value, &vlen);
		if (ecode) {
			/* Vol 3 Part F 3.4.4.1: an error on the first match
			 * is the answer; later ones end the list. */
			if (!entry)
				*fail = (struct att_fail){ a->handle, ecode };
			break;
		}
		max = (size_t)att->mtu - 4 < 253 ? (size_t)att->mtu - 4 : 253;
		if (vlen > max)
			vlen = max;
		if (!entry)
			entry = vlen + 2;
		if (vlen + 2 != entry || off + entry > att->mtu)
			break;
		mb_put_le16(att->rsp + off, a->handle);
		memcpy(att->rsp + off + 2, value, vlen);
		off += entry;
	}
	if (fail->code)
		return 0;
	if (!entry)
		return not_found(fail, start);
	att->rsp[1] = (uint8_t)entry;
	return off;
}

static size_t read_at(struct mb_att *att, uint16_t handle, uint16_t offset,
		      struct att_fail *fail)
{
	const struct mb_attr *a = mb_gatt_lookup(att->gatt, handle);
	uint8_t value[MB_ATT_MAX_VALUE_LEN];
	size_t vlen = 0, n;
	uint8_t ecode;

	if (!a) {
		*fail = (struct att_fail){ handle,
					   MB_ATT_ERROR_INVALID_HANDLE };
		return 0;
	}
	ecode = read_attr(att, a, value, &vlen);
	if (!ecode && offset > vlen)
		ecode = MB_ATT_ERROR_INVALID_OFFSET;
	if (ecode) {
		*fail = (struct att_fail){ handle, ecode };
		return 0;
	}
	n = vlen - offset;
	if (n > (size_t)att->mtu - 1)
		n = (size_t)att->mtu - 1;
	memcpy(att->rsp + 1, value + offset, n);
	return 1 + n;
}

static size_t handle_read(struct mb_att *att, const uint8_t *pdu, size_t len,
			  struct att_fail *fail)
{
	return read_at(att, mb_get_le16(pdu + 1), 0, fail);
}

static size_t handle_read_blob(struct mb_att *att, const uint8_t *pdu,
			       size_t len, struct att_fail *fail)
{
	return read_at(att, mb_get_le16(pdu + 1), mb_get_le16(pdu + 3), fail);
}

static size_t handle_read_mult(struct mb_att *att, const uint8_t *pdu,
			       size_t len, struct att_fail *fail)
{
	uint8_t out[MAX_PDU];
	size_t off = 1;

	for (size_t i = 1; i + 1 < len; i += 2) {
		size_t n = read_at(att, mb_get_le16(pdu + i), 0, fail);

		if (!n)
			return 0;
		n = n - 1 < (size_t)att->mtu - off ? n - 1 : att->mtu - off;
		memcpy(out + off, att->rsp + 1, n);
		off += n;
	}
	memcpy(att->rsp + 1, out + 1, off - 1);
	return off;
}

static size_t handle_read_by_grp_type(struct mb_att *att, const uint8_t *pdu,
				      size_t len, struct att_fail *fail)
{
	uint16_t start, end;
	struct mb_uuid type;
	size_t off = 2, entry = 0;

	if (!range_and_type_ok(pdu, len, fail, &start, &end, &type))
		return 0;
	if (!mb_uuid_is16(&type, MB_GATT_PRIMARY_SERVICE)) {
		/* Secondary services group too; the band has none. */
		*fail = (struct att_fail){
			start, mb_uuid_is16(&type, MB_GATT_SECONDARY_SERVICE)
				       ? MB_ATT_ERROR_ATTRIBUTE_NOT_FOUND
				       : MB_ATT_ERROR_UNSUPPORTED_GROUP_TYPE
		};
		return 0;
	}
	for (size_t i = mb_gatt_lower_bound(att->gatt, start);
	     i < mb_gatt_n_attrs(att->gatt); i++) {
		const struct mb_attr *a = mb_gatt_attr(att->gatt, i);

		if (a->handle > end)
			break;
		if (a->kind != MB_ATTR_KIND_SERVICE)
			continue;
		if (!entry)
			entry = 4 + a->decl_len;
		if (4 + a->decl_len != entry || off + entry > att->mtu)
			break;
		mb_put_le16(att->rsp + off, a->handle);
		mb_put_le16(att->rsp + off + 2, a->end_handle);
		memcpy(att->rsp + off + 4, a->decl, a->decl_len);
		off += entry;
	}
	if (!entry)
		return not_found(fail, start);
	att->rsp[1] = (uint8_t)entry;
	return off;
}

static uint8_t write_ccc(struct mb_att *att, const struct mb_gatt_chr *chr,
			 const uint8_t *value, size_t len)
{
	uint16_t v, allowed = 0;
	uint8_t ecode;

	if (len != 2)
		return MB_ATT_ERROR_INVALID_VALUE_LEN;
	v = mb_get_le16(value);
	if (chr->def->props & MB_PROP_NOTIFY)
		allowed |= MB_CCC_NOTIFY;
	if (chr->def->props & MB_PROP_INDICATE)
		allowed |= MB_CCC_INDICATE;
	if (v & ~allowed)
		return MB_ATT_ERROR_CCC_IMPROPERLY_CONFIGURED;
	ecode = att->ops->ccc_write ? att->ops->ccc_write(chr, v, att->ops_data)
				    : 0;
	if (ecode || att->ccc[chr->index] == v)
		return ecode;
	att->ccc[chr->index] = v;
	if (att->ops->ccc_changed)
		att->ops->ccc_changed(chr, v, att->ops_data);
	return 0;
}

static uint8_t write_attr(struct mb_att *att, const struct mb_attr *a,
			  const uint8_t *value, size_t len, bool command)
{
	uint8_t need = command ? MB_PROP_WRITE_NO_RSP : MB_PROP_WRITE;

	switch (a->kind) {
	case MB_ATTR_KIND_SERVICE:
	case MB_ATTR_KIND_CHR_DECL:
		return MB_ATT_ERROR_WRITE_NOT_PERMITTED;
	case MB_ATTR_KIND_CCCD:
		return write_ccc(att, a->chr, value, len);
	case MB_ATTR_KIND_VALUE:
		if (!(a->chr->def->props & need))
			return MB_ATT_ERROR_WRITE_NOT_PERMITTED;
		if (len > a->chr->def->max_length)
			return MB_ATT_ERROR_INVALID_VALUE_LEN;
		return att->ops->write(a->chr, value, len, command,
				       att->ops_data);
	}
	return MB_ATT_ERROR_UNLIKELY;
}

static size_t handle_write(struct mb_att *att, const uint8_t *pdu, size_t len,
			   struct att_fail *fail)
{
	uint16_t handle = mb_get_le16(pdu + 1);
	const struct mb_attr *a = mb_gatt_lookup(att->gatt, handle);
	uint8_t ecode;

	ecode = a ? write_attr(att, a, pdu + 3, len - 3, false)
		  : MB_ATT_ERROR_INVALID_HANDLE;
	if (ecode) {
		*fail = (struct att_fail){ handle, ecode };
		return 0;
	}
	return 1;
}

/* Whether a part of a long write on a may be queued (Core Vol 3 Part F
 * 3.4.6.1: permissions are checked now, offsets and the length at
 * Execute Write).  Only a value a Write Request may write and the
 * profile lets write long (docs/policies.md#long-writes). */
static uint8_t prepare_attr(struct mb_att *att, const struct mb_attr *a)
{
	uint8_t ecode;

	switch (a->kind) {
	case MB_ATTR_KIND_SERVICE:
	case MB_ATTR_KIND_CHR_DECL:
		return MB_ATT_ERROR_WRITE_NOT_PERMITTED;
	case MB_ATTR_KIND_CCCD:
		/* Two bytes: never long. */
		return MB_ATT_ERROR_REQUEST_NOT_SUPPORTED;
	case MB_ATTR_KIND_VALUE:
		if (!(a->chr->def->props & MB_PROP_WRITE))
			return MB_ATT_ERROR_WRITE_NOT_PERMITTED;
		ecode = att->ops->prepare
				? att->ops->prepare(a->chr, att->ops_data)
				: 0;
		if (ecode)
			return ecode;
		return a->chr->def->long_write
			       ? 0
			       : MB_ATT_ERROR_REQUEST_NOT_SUPPORTED;
	}
	return MB_ATT_ERROR_UNLIKELY;
}

static size_t handle_prepare_write(struct mb_att *att, const uint8_t *pdu,
				   size_t len, struct att_fail *fail)
{
	uint16_t handle = mb_get_le16(pdu + 1);
	const struct mb_attr *a = mb_gatt_lookup(att->gatt, handle);
	uint8_t ecode = a ? prepare_attr(att, a) : MB_ATT_ERROR_INVALID_HANDLE;

	if (!ecode && mb_att_queue_full(att->queue))
		ecode = MB_ATT_ERROR_PREPARE_QUEUE_FULL;
	if (ecode) {
		*fail = (struct att_fail){ handle, ecode };
		return 0;
	}
	mb_att_queue_add(att->queue, handle, mb_get_le16(pdu + 3), pdu + 5,
			 len - 5);
	/* 3.4.6.2: the response echoes handle, offset and part. */
	memcpy(att->rsp + 1, pdu + 1, len - 1);
	return len;
}

/* Every queued value whole, checked as its Write Request would be, before
 * any is written: the commit is all or nothing for what the ATT server
 * and the router decide (docs/policies.md#long-writes). */
static bool check_queue(struct mb_att *att, const uint16_t *handles, size_t n,
			struct att_fail *fail)
{
	uint8_t value[MB_ATT_MAX_VALUE_LEN];

	for (size_t i = 0; i < n; i++) {
		const struct mb_attr *a = mb_gatt_lookup(att->gatt, handles[i]);
		size_t vlen;
		uint8_t ecode = a ? prepare_attr(att, a)
				  : MB_ATT_ERROR_INVALID_HANDLE;

		/* The link may have lost its rights since it prepared. */
		if (!ecode)
			ecode = mb_att_queue_assemble(att->queue, handles[i],
						      value,
						      a->chr->def->max_length,
						      &vlen);
		if (ecode) {
			*fail = (struct att_fail){ handles[i], ecode };
			return false;
		}
	}
	return true;
}

static size_t commit_queue(struct mb_att *att, struct att_fail *fail)
{
	uint16_t handles[MB_ATT_MAX_PREPARE_QUEUE];
	uint8_t value[MB_ATT_MAX_VALUE_LEN];
	size_t n = mb_att_queue_handles(att->queue, handles,
					MB_ARRAY_SIZE(handles));

	if (!check_queue(att, handles, n, fail))
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct mb_attr *a = mb_gatt_lookup(att->gatt, handles[i]);
		size_t vlen = 0;
		uint8_t ecode;

		mb_att_queue_assemble(att->queue, handles[i], value,
				      sizeof(value), &vlen);
		/* What the part itself refuses stops the rest: with one
		 * value per queue (the Mi Band 4 profile) that is all. */
		ecode = att->ops->write(a->chr, value, vlen, false,
					att->ops_data);
		if (ecode) {
			*fail = (struct att_fail){ handles[i], ecode };
			return 0;
		}
	}
	return 1;
}

static size_t handle_execute_write(struct mb_att *att, const uint8_t *pdu,
				   size_t len, struct att_fail *fail)
{
	size_t n = 1;

	switch (pdu[1]) {
	case MB_ATT_EXEC_CANCEL:
		break;
	case MB_ATT_EXEC_WRITE:
		n = commit_queue(att, fail);
		break;
	default:
		/* Reserved flags: malformed, the queue stays as it was. */
		*fail = (struct att_fail){ 0, MB_ATT_ERROR_INVALID_PDU };
		return 0;
	}
	/* 3.4.6.3: written or refused, the queue is cleared. */
	mb_att_queue_clear(att->queue);
	return n;
}

/* Kept sorted by opcode. */
static const struct att_req requests[] = {
	{ MB_ATT_OP_MTU_REQ, MB_ATT_OP_MTU_RSP, ATT_LEN_EXACT, 3, handle_mtu },
	{ MB_ATT_OP_FIND_INFO_REQ, MB_ATT_OP_FIND_INFO_RSP, ATT_LEN_EXACT, 5,
	  handle_find_info },
	{ MB_ATT_OP_FIND_BY_TYPE_REQ, MB_ATT_OP_FIND_BY_TYPE_RSP,
	  ATT_LEN_AT_LEAST, 7, handle_find_by_type },
	{ MB_ATT_OP_READ_BY_TYPE_REQ, MB_ATT_OP_READ_BY_TYPE_RSP, ATT_LEN_UUID,
	  5, handle_read_by_type },
	{ MB_ATT_OP_READ_REQ, MB_ATT_OP_READ_RSP, ATT_LEN_EXACT, 3,
	  handle_read },
	{ MB_ATT_OP_READ_BLOB_REQ, MB_ATT_OP_READ_BLOB_RSP, ATT_LEN_EXACT, 5,
	  handle_read_blob },
	{ MB_ATT_OP_READ_MULT_REQ, MB_ATT_OP_READ_MULT_RSP, ATT_LEN_HANDLES, 5,
	  handle_read_mult },
	{ MB_ATT_OP_READ_BY_GRP_TYPE_REQ, MB_ATT_OP_READ_BY_GRP_TYPE_RSP,
	  ATT_LEN_UUID, 5, handle_read_by_grp_type },
	{ MB_ATT_OP_WRITE_REQ, MB_ATT_OP_WRITE_RSP, ATT_LEN_AT_LEAST, 3,
	  handle_write },
	{ MB_ATT_OP_PREP_WRITE_REQ, MB_ATT_OP_PREP_WRITE_RSP, ATT_LEN_AT_LEAST,
	  5, handle_prepare_write },
	{ MB_ATT_OP_EXEC_WRITE_REQ, MB_ATT_OP_EXEC_WRITE_RSP, ATT_LEN_EXACT, 2,
	  handle_execute_write },
};

static bool len_ok(const struct att_req *r, size_t len)
{
	switch (r->rule) {
	case ATT_LEN_EXACT:
		return len == r->min;
	case ATT_LEN_AT_LEAST:
		return len >= r->min;
	case ATT_LEN_UUID:
		return len == r->min + 2 || len == r->min + 16;
	case ATT_LEN_HANDLES:
		return len >= r->min && (len - 1) % 2 == 0;
	}
	return false;
}

static void send_error(struct mb_att *att, uint8_t op, uint16_t handle,
		       uint8_t code)
{
	uint8_t pdu[5] = { MB_ATT_OP_ERROR_RSP, op };

	mb_put_le16(pdu + 2, handle);
	pdu[4] = code;
	respond(att, pdu, sizeof(pdu));
}

static void send_next_indication(struct mb_att *att)
{
	struct pending_pdu *ind;

	if (att->ind_in_flight || !att->ind_count)
		return;
	ind = &att->ind_queue[att->ind_head];
	att->ind_head = (att->ind_head + 1) % MAX_QUEUED_INDICATIONS;
	att->ind_count--;
	att->ind_in_flight = true;
	att_send(att, ind->pdu, ind->len);
}

static void handle_command(struct mb_att *att, const uint8_t *pdu, size_t len)
{
	const struct mb_attr *a;

	switch (pdu[0]) {
	case MB_ATT_OP_WRITE_CMD:
		if (len < 3 || len > att->mtu)
			return;
		a = mb_gatt_lookup(att->gatt, mb_get_le16(pdu + 1));
		/* Vol 3 Part F 3.4.5.3: no response, not even an error. */
		if (a)
			write_attr(att, a, pdu + 3, len - 3, true);
		return;
	default:
		/* Signed writes and unknown commands are ignored (3.3). */
		att_debug(att, "ignoring command 0x%02x", pdu[0]);
		return;
	}
}

void mb_att_receive(struct mb_att *att, const uint8_t *pdu, size_t len)
{
	const struct att_req *req = NULL;
	struct att_fail fail = { 0 };
	size_t n;

	if (!att || !len)
		return;
	mb_hexdump('>', pdu, len, att->debug, att->debug_data);
	if (pdu[0] == MB_ATT_OP_HANDLE_CONF) {
		if (len == 1 && att->ind_in_flight) {
			att->ind_in_flight = false;
			send_next_indication(att);
		}
		return;
	}
	/* Bit 6 of the opcode marks a command (Vol 3 Part F 3.3.1). */
	if (pdu[0] & 0x40) {
		handle_command(att, pdu, len);
		return;
	}
	for (size_t i = 0; i < MB_ARRAY_SIZE(requests); i++)
		if (requests[i].op == pdu[0])
			req = &requests[i];
	if (!req) {
		send_error(att, pdu[0], 0, MB_ATT_ERROR_REQUEST_NOT_SUPPORTED);
		return;
	}
	/* The one length check: no handler sees a PDU it cannot parse. */
	if (!len_ok(req, len) || len > att->mtu) {
		send_error(att, pdu[0], 0, MB_ATT_ERROR_INVALID_PDU);
		return;
	}
	begin_request(att);
	n = req->handler(att, pdu, len, &fail);
	if (fail.code) {
		send_error(att, pdu[0], fail.handle, fail.code);
		return;
	}
	att->rsp[0] = req->rsp;
	respond(att, att->rsp, n);
}

struct mb_att *mb_att_new(const struct mb_gatt *gatt, uint16_t server_mtu,
			  const struct mb_att_ops *ops, void *ops_data)
{
	/* One allocation: the queues are bounded, the CCCDs one a
	 * characteristic (zero: off). */
	struct mb_att *att = mb_malloc0(
		sizeof(*att) + mb_gatt_n_chrs(gatt) * sizeof(att->ccc[0]));
	uint16_t mtu = server_mtu < MB_ATT_DEFAULT_MTU ? MB_ATT_DEFAULT_MTU
						       : server_mtu;

	*att = (struct mb_att){ .gatt = gatt,
				.ops = ops,
				.ops_data = ops_data,
				.server_mtu = mtu < MAX_PDU ? mtu : MAX_PDU,
				.mtu = MB_ATT_DEFAULT_MTU,
				.queue = mb_att_queue_new(
					DEFAULT_PREPARE_QUEUE) };
	return att;
}

void mb_att_free(struct mb_att *att)
{
	if (!att)
		return;
	mb_att_queue_free(att->queue);
	free(att);
}

void mb_att_set_prepare_queue(struct mb_att *att, size_t max)
{
	if (!max || max > MB_ATT_MAX_PREPARE_QUEUE)
		max = DEFAULT_PREPARE_QUEUE;
	mb_att_queue_free(att->queue);
	att->queue = mb_att_queue_new(max);
}

void mb_att_set_send_handler(struct mb_att *att, mb_att_send_func_t fn,
			     void *user_data)
{
	att->send = fn;
	att->send_data = user_data;
}

void mb_att_set_notify_order(struct mb_att *att, enum mb_notify_order order)
{
	att->order = order;
}

void mb_att_set_debug(struct mb_att *att, mb_debug_func_t fn, void *user_data)
{
	att->debug = fn;
	att->debug_data = user_data;
}

static size_t build_handle_value(struct mb_att *att, uint8_t op,
				 const struct mb_gatt_chr *chr,
				 const uint8_t *value, size_t len, uint8_t *pdu)
{
	if (len > (size_t)att->mtu - 3)
		len = (size_t)att->mtu - 3;
	pdu[0] = op;
	mb_put_le16(pdu + 1, chr->value_handle);
	memcpy(pdu + 3, value, len);
	return 3 + len;
}

bool mb_att_notify(struct mb_att *att, const struct mb_gatt_chr *chr,
		   const uint8_t *value, size_t len)
{
	uint8_t pdu[MAX_PDU];
	size_t n;

	if (!att || !chr || !(att->ccc[chr->index] & MB_CCC_NOTIFY))
		return false;
	n = build_handle_value(att, MB_ATT_OP_HANDLE_NFY, chr, value, len, pdu);
	att_send(att, pdu, n);
	return true;
}

bool mb_att_indicate(struct mb_att *att, const struct mb_gatt_chr *chr,
		     const uint8_t *value, size_t len)
{
	struct pending_pdu *slot;

	if (!att || !chr || !(att->ccc[chr->index] & MB_CCC_INDICATE) ||
	    att->ind_count == MAX_QUEUED_INDICATIONS)
		return false;
	slot = &att->ind_queue[(att->ind_head + att->ind_count) %
			       MAX_QUEUED_INDICATIONS];
	slot->len = build_handle_value(att, MB_ATT_OP_HANDLE_IND, chr, value,
				       len, slot->pdu);
	att->ind_count++;
	send_next_indication(att);
	return true;
}

uint16_t mb_att_mtu(const struct mb_att *att)
{
	return att->mtu;
}

uint16_t mb_att_ccc(const struct mb_att *att, const struct mb_gatt_chr *chr)
{
	return att->ccc[chr->index];
}

bool mb_att_indication_pending(const struct mb_att *att)
{
	return att->ind_in_flight;
}

size_t mb_att_prepared(const struct mb_att *att)
{
	return mb_att_queue_len(att->queue);
}
