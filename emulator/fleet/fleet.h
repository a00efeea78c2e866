/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <stdint.h>

#include "fleet-names.h"
#include "options.h"

/* Many bands in one process and one main loop (docs/fleet.md): band K
 * has its state directory DIR/band-K, its socket DIR/band-K.sock, life
 * seed --life-seed + K - 1 and, on the fleet's bus connection, its
 * control object /io/bandsim/band/K.  Each band is what `bandsim` runs
 * alone (app/app.h); the fleet only starts, stops and counts them.  A
 * band killed, restarted or factory-reset is that band alone: the
 * others share nothing with it but the profile, the main loop and the
 * bus connection. */
struct fleet;

/* One band of the fleet, as Fleet1's Bands property lists it. */
struct fleet_band_info {
	unsigned int id;
	const char *path;   /* its control object */
	const char *socket; /* where centrals reach it */
	bool running;	    /* false after KillBand, until StartBand */
};

/* The options outlive the fleet; conn (NULL: no control plane) is
 * referenced. */
struct fleet *fleet_new(const struct bandsim_options *opt,
			GDBusConnection *conn, char **err);
void fleet_free(struct fleet *f);

/* Starts bands 1..--count; false with *err naming the band that could
 * not start (those started are stopped again by fleet_free). */
bool fleet_start(struct fleet *f, char **err);

/* What one band may have of its own beyond its number (Fleet1's
 * AddBandWith): each field left unset is the fleet's. */
struct fleet_band_opts {
	bool life_seed_set;
	guint64 life_seed;
	bool key_set; /* bound to key, or unbound when bind_key is false */
	bool bind_key;
	uint8_t key[16];
};

/* A new band with the next unused number; its id in *id.  opts (NULL:
 * the fleet's options only) stay the band's through KillBand and
 * StartBand. */
bool fleet_add(struct fleet *f, unsigned int *id, char **err);
bool fleet_add_with(struct fleet *f, const struct fleet_band_opts *opts,
		    unsigned int *id, char **err);
/* Stops a band as SIGTERM stops `bandsim` and forgets it; its state
 * directory stays. */
bool fleet_remove(struct fleet *f, unsigned int id, char **err);
/* Stops a band as kill -9 stops `bandsim`: links cut, nothing more
 * written.  It stays listed, not running. */
bool fleet_kill(struct fleet *f, unsigned int id, char **err);
/* Starts a killed band again from its state directory. */
bool fleet_restart(struct fleet *f, unsigned int id, char **err);
/* AdvanceClock on every running band. */
bool fleet_advance(struct fleet *f, uint64_t ms, char **err);

size_t fleet_n_bands(const struct fleet *f);
/* Bands in the order of their numbers. */
void fleet_band(const struct fleet *f, size_t i, struct fleet_band_info *out);

/* Called after every change to the list (add, remove, kill, restart). */
void fleet_set_changed_handler(struct fleet *f, void (*fn)(void *user_data),
			       void *user_data);
