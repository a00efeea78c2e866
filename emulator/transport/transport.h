/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "core/band.h"

/* What a transport tells whoever runs it. */
struct transport_callbacks {
	/* "ADVERTISING=1", "CONNECTED=1", "DISCONNECTED=1", and on BlueZ
	 * "REGISTERED=1" */
	void (*status)(const char *status, void *user_data);
	/* After every PDU or call from the central: band deadlines may have
	 * moved. */
	void (*activity)(void *user_data);
};

/* Either callback may be left out, and so may cb. */
static inline void transport_status(const struct transport_callbacks *cb,
				    void *user_data, const char *what)
{
	if (cb && cb->status)
		cb->status(what, user_data);
}

static inline void transport_activity(const struct transport_callbacks *cb,
				      void *user_data)
{
	if (cb && cb->activity)
		cb->activity(user_data);
}

/* How centrals reach the band: one of the kinds below, each with this
 * first in its own state. */
struct transport {
	/* Every band event; a band that is off or booting does not
	 * advertise. */
	void (*band_event)(struct transport *t, const struct mb_event *ev);
	void (*free)(struct transport *t);
	/* The address centrals see when it is not the band's own (through
	 * bluetoothd: the adapter's): true with it in buf; may be NULL. */
	bool (*air_address)(const struct transport *t, char buf[18]);
};

/* The socket transport: a unix SOCK_SEQPACKET socket, one raw ATT PDU per
 * packet, in front of the band's ATT server.  Like the band, it serves one
 * central at a time: while a link is up it stops listening ("advertising"),
 * so a second central's connect() fails with ECONNREFUSED; a closed socket
 * is a disconnect.  pace (--pace real) paces every link as a BLE link
 * (transport/pace.h); NULL: as fast as the socket. */
struct pace_params;
struct transport *sock_server_new(struct mb_band *band, const char *path,
				  const struct pace_params *pace,
				  const struct transport_callbacks *cb,
				  void *user_data, GError **error);

/* The BlueZ transport (docs/bluez.md): the band on a real adapter through
 * bluetoothd's D-Bus API.  It powers the adapter, registers the GATT
 * application and the advertisement, follows org.bluez.Device1.Connected
 * for the link, hangs up through Device1.Disconnect, stops advertising
 * while a central is connected, and registers everything again when
 * bluetoothd comes back after a restart.  bluetoothd is found on the
 * system bus (DBUS_SYSTEM_BUS_ADDRESS moves it). */
struct transport *bluez_server_new(struct mb_band *band, const char *adapter,
				   const struct transport_callbacks *cb,
				   void *user_data, GError **error);

/* The L2CAP transport (docs/bluez.md "The L2CAP transport"): the band's
 * own ATT server on the kernel's L2CAP LE socket for the ATT channel of
 * one adapter, the advertisement and scan response of protocol §1 and the
 * band's random static address set through the management interface.
 * Like the socket, it serves one central at a time and does not advertise
 * while linked; a factory reset moves the band to its new address. */
struct transport *l2cap_server_new(struct mb_band *band, const char *adapter,
				   const struct transport_callbacks *cb,
				   void *user_data, GError **error);

/* All three take NULL, a transport not started. */
static inline void transport_band_event(struct transport *t,
					const struct mb_event *ev)
{
	if (t)
		t->band_event(t, ev);
}

static inline bool transport_air_address(const struct transport *t,
					 char buf[18])
{
	return t && t->air_address && t->air_address(t, buf);
}

static inline void transport_free(struct transport *t)
{
	if (t)
		t->free(t);
}
