// SPDX-License-Identifier: GPL-2.0-or-later
/* The L2CAP transport's reading of the kernel's management events: a New
 * Long Term Key event is taken only for its own controller and only when
 * the key is to be kept, and a key goes back to Load Long Term Keys in
 * the bytes it came in (doc/mgmt-protocol.rst). */
#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "transport/l2cap/bt-abi.h"
#include "transport/l2cap/mgmt.h"

/* hci0, a central at 00:AA:01:01:00:01 (LE public), legacy key with EDIV
 * 0x1234 and Rand 0x0102030405060708, the band's own (Central 0). */
static const uint8_t EVENT[] = {
	0x0a, 0x00, 0x00, 0x00, 0x25, 0x00, /* header */
	0x01,				    /* Store_Hint */
	0x01, 0x00, 0x01, 0x01, 0xaa, 0x00, /* Address */
	0x01, 0x00, 0x00, 0x10,		    /* type, key, central, size */
	0x34, 0x12,			    /* EDIV */
	0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* Rand */
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, /* Value */
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

static void test_new_key_read_and_given_back(void **state)
{
	struct bt_mgmt_ltk k;
	uint8_t info[BT_MGMT_LTK_INFO_LEN];

	(void)state;
	assert_true(bt_mgmt_parse_new_ltk(EVENT, sizeof(EVENT), 0, &k));
	assert_memory_equal(k.address, EVENT + 7, 6);
	assert_int_equal(k.address_type, BT_ADDR_LE_PUBLIC);
	assert_int_equal(k.key_type, BT_MGMT_LTK_LEGACY_UNAUTH);
	assert_int_equal(k.central, 0);
	assert_int_equal(k.enc_size, 16);
	assert_int_equal(k.ediv, 0x1234);
	assert_true(k.rand == 0x0102030405060708ull);
	assert_memory_equal(k.value, EVENT + 27, 16);
	bt_mgmt_ltk_info(&k, info);
	assert_memory_equal(info, EVENT + 7, sizeof(info));
}

static void test_other_packets_are_not_keys(void **state)
{
	uint8_t ev[sizeof(EVENT)];
	struct bt_mgmt_ltk k;

	(void)state;
	/* Another controller's. */
	assert_false(bt_mgmt_parse_new_ltk(EVENT, sizeof(EVENT), 1, &k));
	/* Cut short. */
	assert_false(bt_mgmt_parse_new_ltk(EVENT, sizeof(EVENT) - 1, 0, &k));
	/* Not to be kept (a pairing without bonding). */
	memcpy(ev, EVENT, sizeof(ev));
	ev[6] = 0;
	assert_false(bt_mgmt_parse_new_ltk(ev, sizeof(ev), 0, &k));
	/* Another event of the same size. */
	memcpy(ev, EVENT, sizeof(ev));
	ev[0] = BT_MGMT_EV_NEW_SETTINGS;
	assert_false(bt_mgmt_parse_new_ltk(ev, sizeof(ev), 0, &k));
}

/* The kernel's side of a management socket: the packets it sends, then
 * nothing more (its write side shut: the client reads the end). */
static struct bt_mgmt *kernel_says(const uint8_t *const packets[],
				   const size_t lens[], size_t n, int *peer)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(write(sv[1], packets[i], lens[i]),
				 (ssize_t)lens[i]);
	assert_int_equal(shutdown(sv[1], SHUT_WR), 0);
	*peer = sv[1];
	return bt_mgmt_new_fd(sv[0], 0, "hci0");
}

/* Read Controller Information's reply for hci0: address 00:AA:01:00:00:00,
 * supported 0x0002ffff, current 0x00000ad1. */
static const uint8_t READ_INFO_REPLY[] = {
	0x01, 0x00, 0x00, 0x00, 0x14, 0x00, /* Command Complete, hci0 */
	0x04, 0x00, 0x00,		    /* Read Info, success */
	0x00, 0x00, 0x00, 0x01, 0xaa, 0x00, /* address */
	0x09, 0x02, 0x00,		    /* version, manufacturer */
	0xff, 0xff, 0x02, 0x00,		    /* supported */
	0xd1, 0x0a, 0x00, 0x00,		    /* current */
};

/* A Command Complete whose length leaves no room for its opcode and
 * status (plen 1) is not the command's reply: fuzz-mgmt found the length
 * wrapping and the reply read past what came.  A socket that then ends
 * fails the request at once, where it spun until the deadline. */
static void test_short_reply_and_end(void **state)
{
	static const uint8_t short_reply[] = { 0x01, 0x00, 0x00, 0x00, 0x01,
					       0x00, 0x04, 0x00, 0x00 };
	const uint8_t *const alone[] = { short_reply };
	const size_t alone_len[] = { sizeof(short_reply) };
	const uint8_t *const then[] = { short_reply, READ_INFO_REPLY };
	const size_t then_len[] = { sizeof(short_reply),
				    sizeof(READ_INFO_REPLY) };
	struct bt_mgmt_info info = { 0 };
	GError *error = NULL;
	struct bt_mgmt *m;
	gint64 start;
	int peer;

	(void)state;
	m = kernel_says(alone, alone_len, 1, &peer);
	start = g_get_monotonic_time();
	assert_false(bt_mgmt_read_info(m, &info, &error));
	assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE));
	/* Well inside the 5 s deadline it used to wait out. */
	assert_true(g_get_monotonic_time() - start < 1000 * 1000);
	g_clear_error(&error);
	bt_mgmt_free(m);
	close(peer);

	m = kernel_says(then, then_len, 2, &peer);
	assert_true(bt_mgmt_read_info(m, &info, &error));
	assert_null(error);
	assert_int_equal(info.address[4], 0xaa);
	assert_int_equal(info.supported, 0x0002ffff);
	assert_int_equal(info.current, 0x00000ad1);
	bt_mgmt_free(m);
	close(peer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_key_read_and_given_back),
		cmocka_unit_test(test_other_packets_are_not_keys),
		cmocka_unit_test(test_short_reply_and_end),
	};

	return cmocka_run_group_tests_name("mgmt", tests, NULL, NULL);
}
