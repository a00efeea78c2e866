/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/band.h"

#define CONTROL_DEFAULT_NAME "io.bandsim"
#define CONTROL_OBJECT_PATH "/io/bandsim/band"
#define CONTROL_INTERFACE "io.bandsim.Band1"

/* The control plane: io.bandsim.Band1 on D-Bus
 * (docs/dbus/io.bandsim.Band1.md).  The only place besides the BlueZ
 * transport that speaks D-Bus. */
struct control;

struct control_options {
	const char *bus;     /* "session" or "system"; ignored with address */
	const char *address; /* a private bus, or NULL */
	const char *name;    /* well-known name to own */
};

/* What the control plane asks of the emulator around it: band time and
 * the band's runner.  The wiring gives it, so that the control plane
 * knows neither the clock nor the main loop. */
struct control_host {
	/* Band time, ms since the epoch (the Clock property). */
	uint64_t (*now)(void *user_data);
	/* Moves band time forward (AdvanceClock); false with *err, and
	 * nothing moved, when the band could not keep the new time. */
	bool (*advance)(void *user_data, uint64_t ms, char **err);
	/* From now on band time runs rate times wall time (SetClockRate);
	 * false with *err as for advance. */
	bool (*set_rate)(void *user_data, double rate, char **err);
	/* Runs what is due by band time now and re-arms the band's timer. */
	void (*kick)(void *user_data);
	/* The address centrals see, when the transport puts the band at
	 * another than its own (the Address property); may be NULL. */
	bool (*air_address)(void *user_data, char buf[18]);
};

/* host and host_data outlive the control plane. */
struct control *control_new(struct mb_band *band,
			    const struct control_host *host, void *host_data,
			    const struct control_options *opt, GError **error);
/* A band of a fleet: its object at path on conn, whose bus name the
 * fleet owns. */
struct control *control_new_at(struct mb_band *band,
			       const struct control_host *host, void *host_data,
			       GDBusConnection *conn, const char *path,
			       GError **error);
void control_free(struct control *c);

/* Every band event: queued for the Events signal that ends this
 * main-loop turn (or goes before the reply of the method call that made
 * it happen), which PropertiesChanged for what the events changed
 * follows. */
void control_band_event(struct control *c, const struct mb_event *ev);

/* Sends what control_band_event() queued now, not at the end of the
 * turn: a fleet moving many bands in one turn would hold every band's
 * events at once. */
void control_flush_events(struct control *c);

/* A bus name the control plane can own (--control-name): well-known,
 * not unique. */
bool control_is_well_known_name(const char *name);

/* Asks the bus for name, not queued: an error says who may have it.
 * Done before READY=1, so that a client that saw READY can call at
 * once. */
bool control_own_name(GDBusConnection *conn, const char *name, GError **error);
/* Connects to the bus the options name (also used by `bandsim ctl`). */
GDBusConnection *control_connect_bus(const struct control_options *opt,
				     GError **error);
