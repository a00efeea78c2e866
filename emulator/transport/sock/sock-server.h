/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "core/band.h"
#include "transport/transport.h"

/* The socket transport: a unix SOCK_SEQPACKET socket, one raw ATT PDU per
 * packet, in front of the band's ATT server.  Like the band, it serves one
 * central at a time: while a link is up it stops listening ("advertising"),
 * so a second central's connect() fails with ECONNREFUSED; a closed socket
 * is a disconnect. */
struct sock_server;

struct sock_server *sock_server_new(struct mb_band *band, const char *path,
				    const struct transport_callbacks *cb,
				    void *user_data, GError **error);
void sock_server_free(struct sock_server *server);
/* The band went off or came back: stop or start listening. */
void sock_server_power_changed(struct sock_server *server);
