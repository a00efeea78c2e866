/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

/* The pairing agent the band needs from bluetoothd (docs/bluez.md "The
 * L2CAP transport"): the kernel asks user space to confirm a Just Works
 * pairing, and bluetoothd refuses it when no agent is registered.  The
 * band has no display and no keyboard, so its agent is NoInputNoOutput,
 * bluetoothd's default, and it confirms every pairing of a device on the
 * band's own adapter and refuses the rest. */
struct l2cap_agent;

/* adapter: "hciN".  NULL with *error when bluetoothd is not there. */
struct l2cap_agent *l2cap_agent_new(const char *adapter, GError **error);
void l2cap_agent_free(struct l2cap_agent *a);
