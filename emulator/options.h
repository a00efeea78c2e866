/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* How centrals reach the band (transport/transport.h). */
enum bandsim_transport {
	BANDSIM_TRANSPORT_SOCK,
	BANDSIM_TRANSPORT_BLUEZ,
	BANDSIM_TRANSPORT_L2CAP,
};

/* How fast PDUs cross the socket (transport/pace.h). */
enum bandsim_pace {
	BANDSIM_PACE_FAST,
	BANDSIM_PACE_REAL,
};

struct bandsim_options {
	enum bandsim_transport transport;
	enum bandsim_pace pace;
	char *adapter;
	char *socket;
	char *profile;
	char *state_dir;
	char *control_bus;
	bool control_bus_explicit;
	char *control_address;
	char *control_name;
	double clock_rate;
	bool clock_start_set;
	double clock_start;
	guint64 life_seed;
	/* --history SPAN: band life the band has lived, unsynced, when it
	 * starts (docs/history.md); history is the text, for messages. */
	char *history;
	guint64 history_ms;
	char *faults;
	/* --mutate SEED[:RATE] (docs/mutate.md) */
	bool mutate;
	guint64 mutate_seed;
	double mutate_rate;
	char *btsnoop;
	bool random_seed_set;
	guint64 random_seed;
	bool bind_key;
	uint8_t key[16];
	int ready_fd;
	GLogLevelFlags log_level;
	/* bandsim fleet: how many bands, and the directory that holds each
	 * one's state directory and socket. */
	guint count;
	char *fleet_dir;
};

/* Returns -1 to go on, or an exit status (after --help, --version or a
 * usage error, which it has already reported). */
int bandsim_options_parse(struct bandsim_options *opt, int argc, char **argv);
/* The same for `bandsim fleet` (argv[0] is "fleet"): --count and --dir,
 * no --socket, --state-dir or --btsnoop, the socket transport only. */
int bandsim_fleet_options_parse(struct bandsim_options *opt, int argc,
				char **argv);
void bandsim_options_clear(struct bandsim_options *opt);

/* "sock", "bluez" or "l2cap", as --transport spells it. */
const char *bandsim_transport_name(enum bandsim_transport t);
