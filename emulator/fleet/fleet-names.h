/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Where a fleet is on the bus (docs/dbus/io.bandsim.Fleet1.md): for the
 * fleet and for `bandsim ctl`. */
#define FLEET_OBJECT_PATH "/io/bandsim"
#define FLEET_INTERFACE "io.bandsim.Fleet1"
/* Band K's io.bandsim.Band1 object: the prefix, then K. */
#define FLEET_BAND_PATH_PREFIX "/io/bandsim/band/"
