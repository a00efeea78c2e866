/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A btsnoop capture (--btsnoop FILE) that Wireshark and tshark decode as
 * ATT: every PDU of every link as an H4 ACL packet on the LE ATT channel
 * (L2CAP CID 4, connection handle 0x0001), framed by LE Connection
 * Complete and Disconnection Complete events.  Timestamps are band time,
 * so the same run on a frozen clock gives the same bytes. */
struct btsnoop;

struct btsnoop *btsnoop_open(const char *path, GError **error);
void btsnoop_close(struct btsnoop *b);

/* from_central: received by the band (direction flag 1). */
void btsnoop_att(struct btsnoop *b, bool from_central, const uint8_t *pdu,
		 size_t len, uint64_t band_ms);
void btsnoop_connected(struct btsnoop *b, uint64_t band_ms);
void btsnoop_disconnected(struct btsnoop *b, uint64_t band_ms);
