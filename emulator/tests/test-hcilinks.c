// SPDX-License-Identifier: GPL-2.0-or-later
/* The L2CAP transport's reading of its controller's link events on a raw
 * HCI socket (Core 5.3 Vol 4 Part E 7.7.5, 7.7.65): a link up in the
 * peripheral role with the central's address, its end with the reason,
 * and nothing from a failed or cut event; the events are handed on in the
 * controller's order. */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "transport/l2cap/bt-abi.h"
#include "transport/l2cap/hcilinks.h"

/* LE Connection Complete: success, handle 0x0040, peripheral, the
 * central at 00:AA:01:01:00:02 (public), interval 0x0018, latency 0,
 * timeout 0x0048, clock accuracy 0. */
static const uint8_t CONN[] = {
	0x04, 0x3e, 0x13, 0x01,		    /* event, LE meta, subevent */
	0x00, 0x40, 0x00, 0x01, 0x00,	    /* status, handle, role, type */
	0x02, 0x00, 0x01, 0x01, 0xaa, 0x00, /* peer address */
	0x18, 0x00, 0x00, 0x00, 0x48, 0x00, 0x00,
};

/* LE Enhanced Connection Complete: handle 0x0041, peripheral, a random
 * central C0:11:22:33:44:55, both resolvable addresses zero. */
static const uint8_t ENH_CONN[] = {
	0x04, 0x3e, 0x1f, 0x0a, 0x00, 0x41, 0x00, 0x01, 0x01, 0x55, 0x44, 0x33,
	0x22, 0x11, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x48, 0x00, 0x00,
};

/* Disconnection Complete: success, handle 0x0040, Authentication
 * Failure (the central's kernel after PIN or Key Missing). */
static const uint8_t DISCONN[] = { 0x04, 0x05, 0x04, 0x00, 0x40, 0x00, 0x05 };

static void test_links_read(void **state)
{
	struct bt_hci_link_event ev;

	(void)state;
	assert_true(bt_hci_parse_link_event(CONN, sizeof(CONN), &ev));
	assert_int_equal(ev.change, BT_HCI_LINK_UP);
	assert_int_equal(ev.handle, 0x0040);
	assert_true(ev.peripheral);
	assert_int_equal(ev.peer_type, BT_ADDR_LE_PUBLIC);
	assert_memory_equal(ev.peer, CONN + 9, 6);

	assert_true(bt_hci_parse_link_event(ENH_CONN, sizeof(ENH_CONN), &ev));
	assert_int_equal(ev.change, BT_HCI_LINK_UP);
	assert_int_equal(ev.handle, 0x0041);
	assert_int_equal(ev.peer_type, BT_ADDR_LE_RANDOM);
	assert_int_equal(ev.peer[5], 0xc0);

	assert_true(bt_hci_parse_link_event(DISCONN, sizeof(DISCONN), &ev));
	assert_int_equal(ev.change, BT_HCI_LINK_DOWN);
	assert_int_equal(ev.handle, 0x0040);
	assert_int_equal(ev.reason, BT_HCI_ERROR_AUTH_FAILURE);
}

/* Whether a packet still parses with one byte changed, and len of it
 * given. */
static bool parses_changed(const uint8_t *pkt, size_t len, size_t at,
			   uint8_t value)
{
	uint8_t copy[sizeof(ENH_CONN)];
	struct bt_hci_link_event ev;

	assert_true(len <= sizeof(copy) && at < len);
	memcpy(copy, pkt, len);
	copy[at] = value;
	return bt_hci_parse_link_event(copy, len, &ev);
}

static void test_other_packets_are_not_links(void **state)
{
	struct bt_hci_link_event ev;

	(void)state;
	/* A connection that failed, and a disconnection that did. */
	assert_false(parses_changed(CONN, sizeof(CONN), 4, 0x3e));
	assert_false(parses_changed(DISCONN, sizeof(DISCONN), 3, 0x0c));
	/* Cut short: the length byte promises more than came, or the
	 * parameters are too few for the event. */
	assert_false(bt_hci_parse_link_event(CONN, sizeof(CONN) - 1, &ev));
	assert_false(bt_hci_parse_link_event(DISCONN, 6, &ev));
	assert_false(parses_changed(DISCONN, 6, 2, 3));
	assert_false(bt_hci_parse_link_event(CONN, 2, &ev));
	/* Another LE subevent (an advertising report), another event
	 * (Encryption Change), another packet type (ACL data). */
	assert_false(parses_changed(CONN, sizeof(CONN), 3, 0x02));
	assert_false(parses_changed(DISCONN, sizeof(DISCONN), 1, 0x08));
	assert_false(parses_changed(DISCONN, sizeof(DISCONN), 0, 0x02));
	/* The unchanged packets do parse: the changes above are what made
	 * them refused. */
	assert_true(parses_changed(CONN, sizeof(CONN), 4, 0x00));
	assert_true(parses_changed(DISCONN, sizeof(DISCONN), 3, 0x00));
}

struct seen {
	struct bt_hci_link_event ev[4];
	size_t n;
};

static void record(const struct bt_hci_link_event *ev, void *user_data)
{
	struct seen *seen = user_data;

	if (seen->n < G_N_ELEMENTS(seen->ev))
		seen->ev[seen->n++] = *ev;
}

/* What the controller reported while the band was busy is all there when
 * it reads, in order; what is not a link is passed over. */
static void test_events_handed_on_in_order(void **state)
{
	static const uint8_t adv_report[] = { 0x04, 0x3e, 0x01, 0x02 };
	const uint8_t *const packets[] = { CONN, adv_report, DISCONN,
					   ENH_CONN };
	const size_t lens[] = { sizeof(CONN), sizeof(adv_report),
				sizeof(DISCONN), sizeof(ENH_CONN) };
	struct seen seen = { 0 };
	struct bt_hci_links *h;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	for (size_t i = 0; i < G_N_ELEMENTS(packets); i++)
		assert_int_equal(write(sv[1], packets[i], lens[i]),
				 (ssize_t)lens[i]);
	h = bt_hci_links_new_fd(sv[0], record, &seen);
	bt_hci_links_pump(h);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.ev[0].change, BT_HCI_LINK_UP);
	assert_int_equal(seen.ev[0].handle, 0x0040);
	assert_int_equal(seen.ev[1].change, BT_HCI_LINK_DOWN);
	assert_int_equal(seen.ev[1].handle, 0x0040);
	assert_int_equal(seen.ev[2].change, BT_HCI_LINK_UP);
	assert_int_equal(seen.ev[2].handle, 0x0041);
	/* Nothing more: a second read finds nothing and does not wait. */
	bt_hci_links_pump(h);
	assert_int_equal(seen.n, 3);
	bt_hci_links_free(h);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links_read),
		cmocka_unit_test(test_other_packets_are_not_links),
		cmocka_unit_test(test_events_handed_on_in_order),
	};

	return cmocka_run_group_tests_name("hcilinks", tests, NULL, NULL);
}
