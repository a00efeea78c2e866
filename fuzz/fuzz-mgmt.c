// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: what the kernel's management socket sends the L2CAP
 * transport (transport/l2cap/mgmt.c): command replies, events in between,
 * New Long Term Key events, truncated or from another controller.  The
 * input is the kernel's side, packet by packet (a length byte, then that
 * many bytes), then nothing more; the client makes every request the
 * transport makes, in its order.  Each request ends, with a reply or an
 * error, without waiting out its deadline; a key read from an event goes
 * back to Load Long Term Keys in the bytes it came in. */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz-expect.h"
#include "transport/l2cap/bt-abi.h"
#include "transport/l2cap/mgmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INDEX 0
/* Far inside the client's 5 s deadline: a request that waits longer has
 * waited on a socket with nothing more to come. */
#define ANSWER_US (2 * G_USEC_PER_SEC)

static void keys_given_back(const uint8_t *data, size_t size)
{
	for (size_t at = 0; at < size; at += 1 + data[at]) {
		size_t n = data[at] < size - at - 1 ? data[at] : size - at - 1;
		const uint8_t *p = data + at + 1;
		struct bt_mgmt_ltk k;
		uint8_t info[BT_MGMT_LTK_INFO_LEN];

		if (!bt_mgmt_parse_new_ltk(p, n, INDEX, &k))
			continue;
		bt_mgmt_ltk_info(&k, info);
		fuzz_expect(!memcmp(info, p + BT_MGMT_HDR_SIZE + 1,
				    sizeof(info)),
			    "a new key goes back in the bytes it came in");
	}
}

static void one(gboolean ok, GError *error, const char *what)
{
	fuzz_expect(ok == (error == NULL), what);
	g_clear_error(&error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t address[6] = { 1, 2, 3, 4, 5, 0xc6 };
	static const uint8_t adv[31] = { 2, 1, 6 };
	struct bt_mgmt_ltk key = { .enc_size = 16 };
	struct bt_mgmt_info info;
	struct bt_mgmt *m;
	GError *error = NULL;
	gint64 start;
	int sv[2];

	keys_given_back(data, size);
	/* Neither end blocks: a unix socket queues only so many packets
	 * (the kernel's side stops feeding there), and nobody reads the
	 * client's commands (one that finds no room fails, as on a full
	 * management socket). */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv))
		return 0;
	for (size_t at = 0; at < size; at += 1 + data[at]) {
		size_t n = data[at] < size - at - 1 ? data[at] : size - at - 1;

		/* An empty packet is a packet too (the client reads 0 bytes
		 * as the end): the kernel never sends one. */
		if (n && write(sv[1], data + at + 1, n) < 0)
			break;
	}
	shutdown(sv[1], SHUT_WR);
	m = bt_mgmt_new_fd(sv[0], INDEX, "hci0");
	start = g_get_monotonic_time();
	/* What take_adapter(), advertising and a hang-up ask, in order. */
	one(bt_mgmt_read_info(m, &info, &error), error, "Read Info");
	error = NULL;
	one(bt_mgmt_set_mode(m, BT_MGMT_OP_SET_POWERED, 0, &error), error,
	    "Set Powered");
	error = NULL;
	one(bt_mgmt_set_static_address(m, address, &error), error,
	    "Set Static Address");
	error = NULL;
	one(bt_mgmt_load_ltks(m, &key, 1, &error), error, "Load LTKs");
	error = NULL;
	one(bt_mgmt_add_advertising(m, adv, 3, adv, 0, &error), error,
	    "Add Advertising");
	error = NULL;
	one(bt_mgmt_remove_advertising(m, &error), error, "Remove Advertising");
	error = NULL;
	one(bt_mgmt_disconnect(m, address, 1, &error), error, "Disconnect");
	fuzz_expect(g_get_monotonic_time() - start < ANSWER_US,
		    "requests end when the socket has nothing more");
	bt_mgmt_free(m);
	close(sv[1]);
	return 0;
}
