/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "fleet.h"

/* io.bandsim.Fleet1 on FLEET_OBJECT_PATH of conn: Bands and Count, and
 * AddBand, RemoveBand, KillBand, StartBand and AdvanceClock
 * (docs/dbus/io.bandsim.Fleet1.md).  The fleet outlives it. */
struct fleet_bus;

struct fleet_bus *fleet_bus_new(struct fleet *fleet, GDBusConnection *conn,
				GError **error);
void fleet_bus_free(struct fleet_bus *fb);
