/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/* What a transport, the socket or BlueZ, tells whoever runs it. */
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
