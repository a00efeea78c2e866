// SPDX-License-Identifier: GPL-2.0-or-later
/* The L2CAP transport's reading of the kernel's management events: a New
 * Long Term Key event is taken only for its own controller and only when
 * the key is to be kept, and a key goes back to Load Long Term Keys in
 * the bytes it came in (doc/mgmt-protocol.rst). */
#include <string.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_key_read_and_given_back),
		cmocka_unit_test(test_other_packets_are_not_keys),
	};

	return cmocka_run_group_tests_name("mgmt", tests, NULL, NULL);
}
