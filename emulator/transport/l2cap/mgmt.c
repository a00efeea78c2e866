// SPDX-License-Identifier: GPL-2.0-or-later
#include "transport/l2cap/mgmt.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <sys/socket.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/l2cap/bt-abi.h"

/* The kernel answers in microseconds; a controller's HCI commands behind
 * Set Powered can take a while (a virtual one under load, a USB dongle). */
#define REPLY_TIMEOUT_MS 5000
#define MAX_PARAM 512
/* The most keys loaded at once: a band keeps at most MB_BONDS_MAX bonds;
 * the command's parameters stay within MAX_PARAM. */
#define MAX_KEYS 8

struct bt_mgmt {
	int fd;
	uint16_t index;
	char *adapter;
	uint8_t instance; /* the band's advertising instance */
	bt_mgmt_ltk_fn key_fn;
	void *key_data;
	guint watch_id, flush_id;
	GArray *keys; /* struct bt_mgmt_ltk: come, not yet handed on */
};

/* New Long Term Key: Store_Hint, then a Long Term Key Information. */
#define NEW_LTK_LEN (1 + BT_MGMT_LTK_INFO_LEN)

#define STATUS_NOT_CONNECTED 0x02
#define STATUS_DISCONNECTED 0x0e
#define STATUS_BUSY 0x0a
/* Remove Advertising answered Busy: tries, and the wait between them. */
#define BUSY_TRIES 50
#define BUSY_WAIT_US 20000

/* doc/mgmt-api.txt "Error Codes". */
static const char *const statuses[] = {
	[0x01] = "Unknown Command",
	[0x02] = "Not Connected",
	[0x03] = "Failed",
	[0x04] = "Connect Failed",
	[0x05] = "Authentication Failed",
	[0x06] = "Not Paired",
	[0x07] = "No Resources",
	[0x08] = "Timeout",
	[0x09] = "Already Connected",
	[0x0a] = "Busy",
	[0x0b] = "Rejected",
	[0x0c] = "Not Supported",
	[0x0d] = "Invalid Parameters",
	[0x0e] = "Disconnected",
	[0x0f] = "Not Powered",
	[0x10] = "Cancelled",
	[0x11] = "Invalid Index",
	[0x12] = "RFKilled",
	[0x13] = "Already Paired",
	[0x14] = "Permission Denied",
};

static const char *status_name(uint8_t status)
{
	return status < G_N_ELEMENTS(statuses) && statuses[status]
		       ? statuses[status]
		       : "unknown status";
}

static bool parse_index(const char *adapter, uint16_t *index)
{
	char *end;
	unsigned long n;

	if (strncmp(adapter, "hci", 3) || !g_ascii_isdigit(adapter[3]))
		return false;
	n = strtoul(adapter + 3, &end, 10);
	if (*end || n >= BT_HCI_DEV_NONE)
		return false;
	*index = (uint16_t)n;
	return true;
}

struct bt_mgmt *bt_mgmt_new(const char *adapter, GError **error)
{
	struct bt_sockaddr_hci addr = { .hci_family = AF_BLUETOOTH,
					.hci_dev = BT_HCI_DEV_NONE,
					.hci_channel = BT_HCI_CHANNEL_CONTROL };
	struct bt_mgmt *m = g_new0(struct bt_mgmt, 1);
	int e;

	if (!parse_index(adapter, &m->index)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "%s: not an adapter name such as hci0", adapter);
		g_free(m);
		return NULL;
	}
	m->adapter = g_strdup(adapter);
	m->fd = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, BT_PROTO_HCI);
	if (m->fd >= 0 &&
	    bind(m->fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return m;
	e = errno;
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
		    "%s: the Bluetooth management socket: %s%s", adapter,
		    g_strerror(e),
		    e == EAFNOSUPPORT ? " (no Bluetooth in this kernel)"
		    : e == EPERM      ? " (needs CAP_NET_ADMIN)"
				      : "");
	bt_mgmt_free(m);
	return NULL;
}

struct bt_mgmt *bt_mgmt_new_fd(int fd, uint16_t index, const char *adapter)
{
	struct bt_mgmt *m = g_new0(struct bt_mgmt, 1);

	m->fd = fd;
	m->index = index;
	m->adapter = g_strdup(adapter);
	return m;
}

uint16_t bt_mgmt_index(const struct bt_mgmt *m)
{
	return m->index;
}

void bt_mgmt_free(struct bt_mgmt *m)
{
	if (!m)
		return;
	g_clear_handle_id(&m->watch_id, g_source_remove);
	g_clear_handle_id(&m->flush_id, g_source_remove);
	if (m->keys)
		g_array_free(m->keys, TRUE);
	if (m->fd >= 0)
		close(m->fd);
	g_free(m->adapter);
	g_free(m);
}

static bool request(struct bt_mgmt *m, uint16_t op, const void *param,
		    size_t len, void *reply, size_t *reply_len, GError **error);

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static gboolean flush_keys(gpointer user_data)
{
	struct bt_mgmt *m = user_data;

	m->flush_id = 0;
	while (m->keys && m->keys->len) {
		struct bt_mgmt_ltk k =
			g_array_index(m->keys, struct bt_mgmt_ltk, 0);

		g_array_remove_index(m->keys, 0);
		if (m->key_fn)
			m->key_fn(&k, m->key_data);
	}
	return G_SOURCE_REMOVE;
}

bool bt_mgmt_parse_new_ltk(const uint8_t *buf, size_t n, uint16_t index,
			   struct bt_mgmt_ltk *k)
{
	const uint8_t *p = buf + BT_MGMT_HDR_SIZE;

	if (n < BT_MGMT_HDR_SIZE + NEW_LTK_LEN ||
	    (uint16_t)(buf[0] | buf[1] << 8) != BT_MGMT_EV_NEW_LONG_TERM_KEY ||
	    (uint16_t)(buf[2] | buf[3] << 8) != index || !p[0])
		return false;
	memcpy(k->address, p + 1, 6);
	k->address_type = p[7];
	k->key_type = p[8];
	k->central = p[9];
	k->enc_size = p[10];
	k->ediv = (uint16_t)(p[11] | p[12] << 8);
	k->rand = get_le64(p + 13);
	memcpy(k->value, p + 21, 16);
	return true;
}

void bt_mgmt_ltk_info(const struct bt_mgmt_ltk *k,
		      uint8_t out[BT_MGMT_LTK_INFO_LEN])
{
	memcpy(out, k->address, 6);
	out[6] = k->address_type;
	out[7] = k->key_type;
	out[8] = k->central;
	out[9] = k->enc_size;
	out[10] = (uint8_t)k->ediv;
	out[11] = (uint8_t)(k->ediv >> 8);
	for (int b = 0; b < 8; b++)
		out[12 + b] = (uint8_t)(k->rand >> (8 * b));
	memcpy(out + 20, k->value, 16);
}

/* An event read from the socket: a new key to keep is handed on from
 * the main loop, never from inside a request. */
static void take_event(struct bt_mgmt *m, const uint8_t *buf, size_t n)
{
	struct bt_mgmt_ltk k;

	if (!m->key_fn || !bt_mgmt_parse_new_ltk(buf, n, m->index, &k))
		return;
	if (!m->keys)
		m->keys = g_array_new(FALSE, TRUE, sizeof(k));
	g_array_append_val(m->keys, k);
	if (!m->flush_id)
		m->flush_id = g_idle_add(flush_keys, m);
}

static gboolean on_event(gint fd, GIOCondition cond, gpointer user_data)
{
	struct bt_mgmt *m = user_data;
	uint8_t buf[BT_MGMT_HDR_SIZE + MAX_PARAM];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n >= BT_MGMT_HDR_SIZE)
		take_event(m, buf, (size_t)n);
	return G_SOURCE_CONTINUE;
}

void bt_mgmt_watch_keys(struct bt_mgmt *m, bt_mgmt_ltk_fn fn, void *user_data)
{
	m->key_fn = fn;
	m->key_data = user_data;
	if (!m->watch_id)
		m->watch_id = g_unix_fd_add(m->fd, G_IO_IN, on_event, m);
}

bool bt_mgmt_load_ltks(struct bt_mgmt *m, const struct bt_mgmt_ltk *keys,
		       size_t n, GError **error)
{
	uint8_t p[2 + MAX_KEYS * BT_MGMT_LTK_INFO_LEN];

	g_assert(n <= MAX_KEYS);
	p[0] = (uint8_t)n;
	p[1] = 0;
	for (size_t i = 0; i < n; i++)
		bt_mgmt_ltk_info(&keys[i], p + 2 + i * BT_MGMT_LTK_INFO_LEN);
	return request(m, BT_MGMT_OP_LOAD_LONG_TERM_KEYS, p,
		       2 + n * BT_MGMT_LTK_INFO_LEN, NULL, NULL, error);
}

/* One command and its Command Complete or Command Status; events that
 * come meanwhile are taken (a new key) or skipped (New Settings, another
 * client's replies): the transport reads the state it needs with Read
 * Controller Info. */
static bool request_status(struct bt_mgmt *m, uint16_t op, const void *param,
			   size_t len, void *reply, size_t *reply_len,
			   uint8_t *status, GError **error)
{
	uint8_t buf[BT_MGMT_HDR_SIZE + MAX_PARAM];
	gint64 deadline = g_get_monotonic_time() + REPLY_TIMEOUT_MS * 1000;

	g_assert(len <= MAX_PARAM);
	buf[0] = op & 0xff;
	buf[1] = op >> 8;
	buf[2] = m->index & 0xff;
	buf[3] = m->index >> 8;
	buf[4] = len & 0xff;
	buf[5] = (uint8_t)(len >> 8);
	/* Commands without parameters pass NULL: memcpy may not take it,
	 * even for no bytes (fuzz-mgmt, UBSan). */
	if (len)
		memcpy(buf + BT_MGMT_HDR_SIZE, param, len);
	if (write(m->fd, buf, BT_MGMT_HDR_SIZE + len) < 0) {
		int e = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
			    "%s: mgmt 0x%04x: %s", m->adapter, op,
			    g_strerror(e));
		return false;
	}
	for (;;) {
		struct pollfd p = { .fd = m->fd, .events = POLLIN };
		gint64 left = deadline - g_get_monotonic_time();
		uint16_t ev, index, plen, rop;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)(left / 1000) + 1) == 0) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
				    "%s: mgmt 0x%04x: no reply in %d ms",
				    m->adapter, op, REPLY_TIMEOUT_MS);
			return false;
		}
		n = read(m->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		/* A socket that ended or failed stays readable: waiting on
		 * it would spin until the deadline (fuzz-mgmt). */
		if (n <= 0) {
			int e = n < 0 ? errno : EPIPE;

			g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
				    "%s: mgmt 0x%04x: %s", m->adapter, op,
				    g_strerror(e));
			return false;
		}
		if (n < BT_MGMT_HDR_SIZE + 3)
			continue;
		ev = (uint16_t)(buf[0] | buf[1] << 8);
		index = (uint16_t)(buf[2] | buf[3] << 8);
		plen = (uint16_t)(buf[4] | buf[5] << 8);
		rop = (uint16_t)(buf[6] | buf[7] << 8);
		/* A reply's parameters hold at least its opcode and status:
		 * a shorter one is not this command's (its length would
		 * wrap below, fuzz-mgmt). */
		if ((ev != BT_MGMT_EV_CMD_COMPLETE &&
		     ev != BT_MGMT_EV_CMD_STATUS) ||
		    index != m->index || rop != op || plen < 3 ||
		    (size_t)n < BT_MGMT_HDR_SIZE + (size_t)plen) {
			take_event(m, buf, (size_t)n);
			continue;
		}
		*status = buf[8];
		if (buf[8]) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
				    "%s: mgmt 0x%04x: %s (0x%02x)", m->adapter,
				    op, status_name(buf[8]), buf[8]);
			return false;
		}
		if (reply_len) {
			size_t got = plen - 3u;

			if (got > *reply_len)
				got = *reply_len;
			memcpy(reply, buf + BT_MGMT_HDR_SIZE + 3, got);
			*reply_len = got;
		}
		return true;
	}
}

static bool request(struct bt_mgmt *m, uint16_t op, const void *param,
		    size_t len, void *reply, size_t *reply_len, GError **error)
{
	uint8_t status;

	return request_status(m, op, param, len, reply, reply_len, &status,
			      error);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

bool bt_mgmt_read_info(struct bt_mgmt *m, struct bt_mgmt_info *info,
		       GError **error)
{
	/* address, version, manufacturer, supported, current, ... */
	uint8_t r[6 + 1 + 2 + 4 + 4];
	size_t len = sizeof(r);

	if (!request(m, BT_MGMT_OP_READ_INFO, NULL, 0, r, &len, error))
		return false;
	if (len < sizeof(r)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "%s: Read Controller Information: %zu bytes",
			    m->adapter, len);
		return false;
	}
	memcpy(info->address, r, 6);
	info->supported = get_le32(r + 9);
	info->current = get_le32(r + 13);
	return true;
}

bool bt_mgmt_set_mode(struct bt_mgmt *m, uint16_t op, uint8_t value,
		      GError **error)
{
	return request(m, op, &value, 1, NULL, NULL, error);
}

bool bt_mgmt_set_static_address(struct bt_mgmt *m, const uint8_t address[6],
				GError **error)
{
	return request(m, BT_MGMT_OP_SET_STATIC_ADDRESS, address, 6, NULL, NULL,
		       error);
}

/* The band takes the controller's last advertising instance:
 * bluetoothd hands its own out from 1 upwards (and removes them all when
 * it sets an adapter up, so the transport adds the band's again). */
static bool choose_instance(struct bt_mgmt *m, GError **error)
{
	/* supported flags u32, max adv len, max scan rsp len, max
	 * instances, ... */
	uint8_t r[7];
	size_t len = sizeof(r);

	if (m->instance)
		return true;
	if (!request(m, BT_MGMT_OP_READ_ADV_FEATURES, NULL, 0, r, &len, error))
		return false;
	if (len < sizeof(r) || !r[6]) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    "%s: no advertising instances", m->adapter);
		return false;
	}
	m->instance = r[6];
	return true;
}

bool bt_mgmt_add_advertising(struct bt_mgmt *m, const uint8_t *adv,
			     size_t adv_len, const uint8_t *scan_rsp,
			     size_t scan_rsp_len, GError **error)
{
	/* instance, flags u32, duration u16, timeout u16, adv_len,
	 * scan_rsp_len, then the data */
	uint8_t p[11 + 31 + 31] = { 0, BT_MGMT_ADV_FLAG_CONNECTABLE };

	g_assert(adv_len <= 31 && scan_rsp_len <= 31);
	if (!choose_instance(m, error))
		return false;
	p[0] = m->instance;
	p[9] = (uint8_t)adv_len;
	p[10] = (uint8_t)scan_rsp_len;
	memcpy(p + 11, adv, adv_len);
	memcpy(p + 11 + adv_len, scan_rsp, scan_rsp_len);
	return request(m, BT_MGMT_OP_ADD_ADVERTISING, p,
		       11 + adv_len + scan_rsp_len, NULL, NULL, error);
}

bool bt_mgmt_remove_advertising(struct bt_mgmt *m, GError **error)
{
	if (!choose_instance(m, error))
		return false;
	/* As a central connects, the kernel answers Busy for a moment (its
	 * own re-enabling of advertising is in flight: "Opcode 0x2039
	 * failed: -16").  An instance left in place would be started again
	 * by the kernel the moment the link ends, before the band listens
	 * again, and a central that connected then found nobody on the ATT
	 * channel (Connection reset by peer): try until it goes. */
	for (int tries = 1;; tries++) {
		uint8_t status = 0;
		GError *e = NULL;

		if (request_status(m, BT_MGMT_OP_REMOVE_ADVERTISING,
				   &m->instance, 1, NULL, NULL, &status, &e))
			return true;
		if (status != STATUS_BUSY || tries == BUSY_TRIES) {
			g_propagate_error(error, e);
			return false;
		}
		g_error_free(e);
		g_usleep(BUSY_WAIT_US);
	}
}

bool bt_mgmt_disconnect(struct bt_mgmt *m, const uint8_t address[6],
			uint8_t type, GError **error)
{
	uint8_t p[7], r[7], status = 0;
	size_t len = sizeof(r);
	GError *e = NULL;

	memcpy(p, address, 6);
	p[6] = type;
	if (request_status(m, BT_MGMT_OP_DISCONNECT, p, sizeof(p), r, &len,
			   &status, &e))
		return true;
	/* Gone before, or while, the command ran. */
	if (status == STATUS_NOT_CONNECTED || status == STATUS_DISCONNECTED) {
		g_error_free(e);
		return true;
	}
	g_propagate_error(error, e);
	return false;
}
