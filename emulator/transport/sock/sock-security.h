/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/seqlink.h"

/* The socket transport's model of the LE link layer's security
 * (docs/socket-transport.md "Link security"): packets that start with
 * 0x00, an opcode ATT reserves and no ATT client sends, name the central,
 * pair it or encrypt the link with its bond's key.  Over the air the
 * kernel's SMP does this; here the exchange is modelled so that the
 * band's bonds, the ghost pairing and its recovery run without a
 * radio. */
#define SOCK_SECURITY_ESCAPE 0x00

/* A seqlink_intercept_func_t; user_data is the band. */
bool sock_security_packet(struct seqlink *l, const uint8_t *packet, size_t len,
			  void *user_data);
