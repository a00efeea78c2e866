// SPDX-License-Identifier: GPL-2.0-or-later
#include "transport/l2cap/hcilinks.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/l2cap/bt-abi.h"

/* The longest HCI event: code, length, 255 bytes of parameters. */
#define EVENT_MAX (1 + 2 + 255)
/* Room for the events of many short links while the band is busy: each
 * is a few hundred bytes of kernel memory. */
#define RCVBUF (256 * 1024)

struct bt_hci_links {
	int fd;
	bt_hci_link_fn fn;
	void *user_data;
	guint watch_id;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Status, handle, role, peer address type and address: the start of LE
 * Connection Complete and of both Enhanced ones (7.7.65.1, .10, .71). */
#define LE_CONN_PREFIX 11

static bool parse_le_conn(const uint8_t *p, size_t n,
			  struct bt_hci_link_event *ev)
{
	if (n < LE_CONN_PREFIX || p[0] != 0)
		return false;
	*ev = (struct bt_hci_link_event){
		.change = BT_HCI_LINK_UP,
		.handle = le16(p + 1) & 0x0fff,
		.peripheral = p[3] == BT_HCI_ROLE_PERIPHERAL,
		/* 0x00 public, 0x01 random, 0x02 and 0x03 the same as
		 * resolved identities. */
		.peer_type = p[4] & 1 ? BT_ADDR_LE_RANDOM : BT_ADDR_LE_PUBLIC,
	};
	memcpy(ev->peer, p + 5, 6);
	return true;
}

bool bt_hci_parse_link_event(const uint8_t *pkt, size_t n,
			     struct bt_hci_link_event *ev)
{
	const uint8_t *p = pkt + 3;
	size_t plen;

	if (n < 3 || pkt[0] != BT_HCI_EVENT_PKT || (size_t)pkt[2] > n - 3)
		return false;
	plen = pkt[2];
	switch (pkt[1]) {
	case BT_HCI_EV_DISCONN_COMPLETE:
		/* Status, handle, reason (7.7.5). */
		if (plen < 4 || p[0] != 0)
			return false;
		*ev = (struct bt_hci_link_event){
			.change = BT_HCI_LINK_DOWN,
			.handle = le16(p + 1) & 0x0fff,
			.reason = p[3],
		};
		return true;
	case BT_HCI_EV_LE_META:
		if (plen < 1)
			return false;
		switch (p[0]) {
		case BT_HCI_EV_LE_CONN_COMPLETE:
		case BT_HCI_EV_LE_ENH_CONN_COMPLETE:
		case BT_HCI_EV_LE_ENH_CONN_COMPLETE_V2:
			return parse_le_conn(p + 1, plen - 1, ev);
		default:
			return false;
		}
	default:
		return false;
	}
}

void bt_hci_links_pump(struct bt_hci_links *h)
{
	uint8_t buf[1 + EVENT_MAX];
	struct bt_hci_link_event ev;
	ssize_t n;

	while ((n = recv(h->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0 && bt_hci_parse_link_event(buf, (size_t)n, &ev))
			h->fn(&ev, h->user_data);
}

static gboolean on_event(gint fd, GIOCondition cond, gpointer user_data)
{
	struct bt_hci_links *h = user_data;

	(void)fd;
	bt_hci_links_pump(h);
	/* A socket that hung up (the controller went away) is not read
	 * again: the band then learns of links by accept() alone. */
	if (cond & (G_IO_HUP | G_IO_ERR)) {
		h->watch_id = 0;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

struct bt_hci_links *bt_hci_links_new_fd(int fd, bt_hci_link_fn fn,
					 void *user_data)
{
	struct bt_hci_links *h = g_new0(struct bt_hci_links, 1);

	*h = (struct bt_hci_links){ .fd = fd,
				    .fn = fn,
				    .user_data = user_data };
	h->watch_id =
		g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_event, h);
	return h;
}

struct bt_hci_links *bt_hci_links_new(uint16_t index, bt_hci_link_fn fn,
				      void *user_data, GError **error)
{
	struct bt_sockaddr_hci addr = { .hci_family = AF_BLUETOOTH,
					.hci_dev = index,
					.hci_channel = BT_HCI_CHANNEL_RAW };
	struct bt_hci_filter filter = {
		.type_mask = 1u << BT_HCI_EVENT_PKT,
		.event_mask = { 1u << BT_HCI_EV_DISCONN_COMPLETE,
				1u << (BT_HCI_EV_LE_META - 32) },
	};
	int size = RCVBUF, e;
	int fd = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			BT_PROTO_HCI);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	    setsockopt(fd, BT_SOL_HCI, BT_HCI_FILTER, &filter,
		       sizeof(filter)) == 0) {
		/* Best effort: the default buffer holds dozens of links'
		 * events already. */
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
				 sizeof(size));
		return bt_hci_links_new_fd(fd, fn, user_data);
	}
	e = errno;
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
		    "hci%u: the raw HCI socket: %s%s", index, g_strerror(e),
		    e == EPERM ? " (needs CAP_NET_RAW)" : "");
	if (fd >= 0)
		close(fd);
	return NULL;
}

void bt_hci_links_free(struct bt_hci_links *h)
{
	if (!h)
		return;
	g_clear_handle_id(&h->watch_id, g_source_remove);
	close(h->fd);
	g_free(h);
}
