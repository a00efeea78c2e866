/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "att.h"

/* What the band asks of the transport that carries its link. */
struct mb_link_ops {
	void (*send)(const uint8_t *pdu, size_t len, void *user_data);
	/* The band drops the link (reset, reboot, low battery, faults).  The
	 * transport calls mb_band_disconnect() when the link is gone; it must
	 * not do so from inside this call. */
	void (*disconnect)(void *user_data);
	/* Bytes a notification's value gives up beyond ATT's own 3 on this
	 * transport: bluetoothd packs the band's notifications into
	 * Multiple Handle Value Notifications (4 bytes a value, not 2) for
	 * every client that set that feature, and cuts a longer value. */
	uint8_t notify_headroom;
};

/* Every PDU of the link as it crosses the band's edge, for captures:
 * from_central is a PDU the band received.  PDUs a fault swallowed are
 * not seen, as no radio would carry them. */
typedef void (*mb_link_monitor_func_t)(bool from_central, const uint8_t *pdu,
				       size_t len, void *user_data);

/* The band's one link: its ATT server, the transport under it, and the
 * states that hold data back (flow control, a silenced or closing
 * link). */
struct mb_link;

/* The profile's MTU and notification order apply to every link. */
struct mb_link *mb_link_new(const struct mb_gatt *gatt,
			    const struct mb_policy *policy,
			    uint16_t server_mtu);
void mb_link_free(struct mb_link *link);

/* What answers the link's requests (set before the first link). */
void mb_link_set_server(struct mb_link *link, const struct mb_att_ops *ops,
			void *user_data);

void mb_link_set_debug(struct mb_link *link, mb_debug_func_t fn,
		       void *user_data);
void mb_link_set_monitor(struct mb_link *link, mb_link_monitor_func_t fn,
			 void *user_data);

/* A central connected through ops; false while a link is up. */
bool mb_link_up(struct mb_link *link, const struct mb_link_ops *ops,
		void *user_data);
void mb_link_down(struct mb_link *link);
bool mb_link_connected(const struct mb_link *link);
void mb_link_receive(struct mb_link *link, const uint8_t *pdu, size_t len);

/* A notification as it goes on air: nothing on a silenced link or one
 * that did not subscribe. */
bool mb_link_notify(struct mb_link *link, const struct mb_gatt_chr *chr,
		    const uint8_t *value, size_t len);
/* The band hangs up: no more data, and the transport is asked to take
 * the link down. */
void mb_link_drop(struct mb_link *link);
/* The band goes quiet on this link: not even ATT responses. */
void mb_link_silence(struct mb_link *link);
/* The transport's queue towards the central is not empty: a BLE link is
 * flow-controlled, so bulk transfers wait until it drains.  The transport
 * clears it (and runs the band) when it can send again. */
void mb_link_set_congested(struct mb_link *link, bool congested);
/* Bulk transfers wait: congested, silenced or closing. */
bool mb_link_held(const struct mb_link *link);
bool mb_link_silent(const struct mb_link *link);
uint16_t mb_link_mtu(const struct mb_link *link);
/* The longest notification value that reaches the central whole:
 * ATT_MTU - 3, less what the transport needs (notify_headroom). */
size_t mb_link_notify_max(const struct mb_link *link);
struct mb_att *mb_link_att(const struct mb_link *link);
