/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "transport/transport.h"

/* A central's link over a connected SOCK_SEQPACKET socket, one raw ATT PDU
 * per packet: a unix socket (--transport sock) or the kernel's L2CAP LE
 * socket on the ATT channel (--transport l2cap).  It feeds the band what
 * the central sends, queues what the band sends while the socket is full
 * (and tells the band the link is congested, as BLE flow control does),
 * and hangs up when the band asks, after the PDU being handled got its
 * response.  The owner learns of the end through down(), called from the
 * loop, never from inside the band; it frees the link there. */
struct seqlink;

/* Takes fd (non-blocking) and connects the band to it; NULL, fd closed,
 * when the band refuses a link (it is off or already linked). */
struct seqlink *seqlink_new(struct mb_band *band, int fd,
			    const struct transport_callbacks *cb, void *cb_data,
			    void (*down)(void *user_data), void *user_data);

/* Disconnects the band and closes the socket, with whatever was queued. */
void seqlink_free(struct seqlink *l);

int seqlink_fd(const struct seqlink *l);
/* The errno that ended the link (from down() on), 0 for a plain close.
 * Over the air the kernel gives the link's end as the socket's error:
 * EACCES for an authentication failure (HCI 0x05, how a central's
 * kernel ends a link whose encryption failed), ECONNRESET for a central
 * that hung up (0x13), ETIMEDOUT for a supervision timeout (0x08). */
int seqlink_error(const struct seqlink *l);

/* A packet the transport handles itself instead of the band's ATT server
 * (the socket's modelled link layer): true when fn took it. */
typedef bool (*seqlink_intercept_func_t)(struct seqlink *l,
					 const uint8_t *packet, size_t len,
					 void *user_data);
void seqlink_set_intercept(struct seqlink *l, seqlink_intercept_func_t fn,
			   void *user_data);
/* From now on PDUs cross at a BLE link's pace (transport/pace.h); NULL:
 * as fast as the socket. */
struct pace_params;
void seqlink_set_pace(struct seqlink *l, const struct pace_params *params);
/* When the band hangs up, what it sent leaves the host first (the
 * socket's send queue drains, for at most a second) before the socket is
 * shut down.  For the L2CAP socket, whose link the owner then ends: that
 * purges what the kernel still queues for the controller.  PDUs that come
 * meanwhile are not the band's to take. */
void seqlink_set_drain(struct seqlink *l, bool drain);
/* A packet to the central, queued behind what the band sent. */
void seqlink_send(struct seqlink *l, const uint8_t *packet, size_t len);
