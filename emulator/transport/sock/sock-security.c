// SPDX-License-Identifier: GPL-2.0-or-later
#include "transport/sock/sock-security.h"

#include <string.h>

#include "core/band.h"
#include "core/crypto.h"

enum {
	OP_ADDRESS =
		0x01, /* <address 6, display order> <type: 0 public, 1 random> */
	OP_ENCRYPT = 0x02, /* <ltk 16> */
	OP_PAIR = 0x03,	   /* nothing */
	OP_REPLY = 0x80,   /* | the request's op: <status> [...] */
	OP_UNKNOWN = 0x7f, /* replied as ff 12 <the op not understood> */
};
/* HCI "Invalid HCI Command Parameters". */
#define STATUS_INVALID 0x12

/* Each request and its length (after 00 <op>). */
static const struct {
	uint8_t op;
	size_t len;
} requests[] = {
	{ OP_ADDRESS, 7 },
	{ OP_ENCRYPT, 16 },
	{ OP_PAIR, 0 },
};

static void reply(struct seqlink *l, uint8_t op, uint8_t status,
		  const uint8_t *extra, size_t len)
{
	uint8_t out[3 + 16] = { SOCK_SECURITY_ESCAPE, OP_REPLY | op, status };

	if (len)
		memcpy(out + 3, extra, len);
	seqlink_send(l, out, 3 + len);
	mb_crypto_wipe(out, sizeof(out));
}

bool sock_security_packet(struct seqlink *l, const uint8_t *packet, size_t len,
			  void *user_data)
{
	struct mb_band *band = user_data;
	uint8_t ltk[16];
	size_t i;

	if (len == 0 || packet[0] != SOCK_SECURITY_ESCAPE)
		return false;
	for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		if (len >= 2 && packet[1] == requests[i].op)
			break;
	/* Unknown, or the wrong length: said so, nothing changes. */
	if (i == sizeof(requests) / sizeof(requests[0]) ||
	    len != 2 + requests[i].len) {
		uint8_t op = len >= 2 ? packet[1] : 0;

		reply(l, OP_UNKNOWN, STATUS_INVALID, &op, 1);
		return true;
	}
	switch (requests[i].op) {
	case OP_ADDRESS:
		if (packet[8] > 1) {
			reply(l, OP_ADDRESS, STATUS_INVALID, NULL, 0);
			break;
		}
		mb_session_set_peer(mb_band_session(band), packet + 2,
				    packet[8] == 1);
		reply(l, OP_ADDRESS, MB_SECURITY_OK, NULL, 0);
		break;
	case OP_ENCRYPT:
		reply(l, OP_ENCRYPT,
		      mb_session_encrypt(mb_band_session(band), packet + 2),
		      NULL, 0);
		break;
	case OP_PAIR: {
		enum mb_security_status st =
			mb_session_pair(mb_band_session(band), ltk);

		reply(l, OP_PAIR, st, ltk, st == MB_SECURITY_OK ? 16 : 0);
		mb_crypto_wipe(ltk, sizeof(ltk));
		break;
	}
	}
	return true;
}
