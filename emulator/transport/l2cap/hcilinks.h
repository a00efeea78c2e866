/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The LE links of one controller as its HCI events tell them: LE
 * Connection Complete (and Enhanced) and Disconnection Complete, read on
 * a raw HCI socket bound to the controller with a filter for just those
 * events (Core 5.3 Vol 4 Part E 7.7.5, 7.7.65.1, 7.7.65.10).
 *
 * Why the band reads them: the kernel hands a link's ATT channel to the
 * band's listener only while the link lasts.  A link that ends before the
 * band accepts its channel (a central whose encryption failed hangs up
 * within milliseconds, in the kernel) leaves no socket at all, so a band
 * that learnt of links only by accept() missed the short ones its
 * controller had: a real band's firmware sees every one.  The events are
 * queued on the socket as the controller reports them, whatever the band
 * was doing. */
struct bt_hci_links;

enum bt_hci_link_change {
	BT_HCI_LINK_UP,
	BT_HCI_LINK_DOWN,
};

struct bt_hci_link_event {
	enum bt_hci_link_change change;
	uint16_t handle;
	/* BT_HCI_LINK_UP: the band's role and the central's address */
	bool peripheral;
	uint8_t peer[6];   /* as on the air: little endian */
	uint8_t peer_type; /* BT_ADDR_LE_* */
	/* BT_HCI_LINK_DOWN: the HCI reason (0x05: Authentication Failure) */
	uint8_t reason;
};

/* A raw HCI packet (the packet type byte first): true with ev filled for
 * a successful LE connection or a disconnection; false for anything else
 * (another event, a failed one, a short packet). */
bool bt_hci_parse_link_event(const uint8_t *pkt, size_t n,
			     struct bt_hci_link_event *ev);

typedef void (*bt_hci_link_fn)(const struct bt_hci_link_event *ev,
			       void *user_data);

/* Controller index (hciN's N); fn is called from the main loop with each
 * event, in the controller's order.  Needs CAP_NET_RAW. */
struct bt_hci_links *bt_hci_links_new(uint16_t index, bt_hci_link_fn fn,
				      void *user_data, GError **error);
/* The same over a socket the caller opened (takes fd): one end of a
 * socketpair in the tests, whose other end plays the kernel. */
struct bt_hci_links *bt_hci_links_new_fd(int fd, bt_hci_link_fn fn,
					 void *user_data);
void bt_hci_links_free(struct bt_hci_links *h);
/* Reads and hands on every event queued now, without waiting: what the
 * controller reported before a moment the caller is about to act on. */
void bt_hci_links_pump(struct bt_hci_links *h);
