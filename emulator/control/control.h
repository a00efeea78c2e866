/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "clock.h"
#include "core/band.h"
#include "runner.h"

#define CONTROL_DEFAULT_NAME "io.bandsim"
#define CONTROL_OBJECT_PATH "/io/bandsim/band"
#define CONTROL_INTERFACE "io.bandsim.Band1"

/* The control plane: io.bandsim.Band1 on D-Bus
 * (docs/dbus/io.bandsim.Band1.md).  The only place besides the BlueZ
 * transport that speaks D-Bus. */
struct control;

struct control_options {
	const char *bus;	/* "session" or "system"; ignored with address */
	const char *address;	/* a private bus, or NULL */
	const char *name;	/* well-known name to own */
};

struct control *control_new(struct mb_band *band, struct runner *runner,
			    struct bandsim_clock *clock,
			    const struct control_options *opt, GError **error);
void control_free(struct control *c);

/* Every band event: the Event signal, then PropertiesChanged. */
void control_band_event(struct control *c, const struct mb_event *ev);

/* Connects to the bus the options name (also used by `bandsim ctl`). */
GDBusConnection *control_connect_bus(const struct control_options *opt,
				     GError **error);
