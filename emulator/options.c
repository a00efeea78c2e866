// SPDX-License-Identifier: GPL-2.0-or-later
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "control/control.h"
#include "core/crypto.h"
#include "core/fault.h"
#include "core/util.h"

/* Installed profile first, then the source tree, so that the binary in a
 * build directory works before anything is installed. */
static char *default_profile(void)
{
	static const char *const dirs[] = { BANDSIM_PROFILE_DIR,
					    BANDSIM_SOURCE_PROFILE_DIR };

	for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
		char *p = g_build_filename(dirs[i], "miband4.ini", NULL);

		if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
			return p;
		g_free(p);
	}
	return g_build_filename(BANDSIM_PROFILE_DIR, "miband4.ini", NULL);
}

static char *default_socket(void)
{
	const char *run = g_getenv("XDG_RUNTIME_DIR");

	if (run && *run)
		return g_build_filename(run, "bandsim.sock", NULL);
	return g_strdup_printf("/tmp/bandsim-%u.sock", (unsigned int)getuid());
}

static GLogLevelFlags parse_level(const char *s, bool *ok)
{
	*ok = true;
	if (!strcmp(s, "error"))
		return G_LOG_LEVEL_CRITICAL;
	if (!strcmp(s, "warning"))
		return G_LOG_LEVEL_WARNING;
	if (!strcmp(s, "info"))
		return G_LOG_LEVEL_INFO;
	if (!strcmp(s, "debug"))
		return G_LOG_LEVEL_DEBUG;
	*ok = false;
	return G_LOG_LEVEL_INFO;
}

/* hciN: it becomes part of an object path. */
static const char *const transport_names[] = {
	[BANDSIM_TRANSPORT_SOCK] = "sock",
	[BANDSIM_TRANSPORT_BLUEZ] = "bluez",
	[BANDSIM_TRANSPORT_L2CAP] = "l2cap",
};

/* The index of s in names; NULL (the option not given) is the first.
 * False for a name that is not there. */
static bool parse_choice(const char *s, const char *const *names, size_t n,
			 size_t *index)
{
	*index = 0;
	for (size_t i = 0; s && i < n; i++) {
		if (!strcmp(s, names[i])) {
			*index = i;
			return true;
		}
	}
	return !s;
}

static const char *const pace_names[] = {
	[BANDSIM_PACE_FAST] = "fast",
	[BANDSIM_PACE_REAL] = "real",
};

const char *bandsim_transport_name(enum bandsim_transport t)
{
	return transport_names[t];
}

static bool valid_adapter(const char *s)
{
	if (strncmp(s, "hci", 3) || !s[3] || strlen(s) > 8)
		return false;
	for (s += 3; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* What a fleet takes beyond a band's options, and the most bands: the
 * fds of a few thousand sockets and flash files, and what the idle
 * benchmark runs (docs/fleet.md). */
#define FLEET_MAX_COUNT 100000

static const char *const fleet_refused[] = { "--socket", "--state-dir",
					     "--btsnoop", "--transport",
					     "--adapter" };

/* "bandsim" or "bandsim fleet", for the messages of the parse under
 * way. */
static const char *command = "bandsim";

static int usage_error(GOptionContext *ctx, const char *msg)
{
	g_printerr("%s: %s\nTry '%s --help'.\n", command, msg, command);
	g_option_context_free(ctx);
	return 2;
}

/* A fleet puts each band's socket and state directory under --dir, on
 * the socket transport: the options that would name them for one band
 * are refused by name. */
static const char *fleet_refuses(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		for (size_t k = 0; k < G_N_ELEMENTS(fleet_refused); k++) {
			size_t n = strlen(fleet_refused[k]);

			if (!strncmp(argv[i], fleet_refused[k], n) &&
			    (!argv[i][n] || argv[i][n] == '='))
				return fleet_refused[k];
		}
	return NULL;
}

/* SEED[:RATE]: a seed of up to 64 bits, a rate in [0, 1], 0.1 if none. */
static bool parse_mutate(const char *text, guint64 *seed, double *rate)
{
	const char *colon = strchr(text, ':');
	char *seed_text = colon ? g_strndup(text, (gsize)(colon - text))
				: g_strdup(text);
	char *end = NULL;
	bool ok = seed_text[0] >= '0' && seed_text[0] <= '9';

	errno = 0;
	*seed = g_ascii_strtoull(seed_text, &end, 10);
	ok = ok && !errno && end && !*end;
	g_free(seed_text);
	*rate = 0.1;
	if (ok && colon) {
		end = NULL;
		*rate = g_ascii_strtod(colon + 1, &end);
		ok = colon[1] && end && !*end && *rate >= 0.0 && *rate <= 1.0;
	}
	return ok;
}

/* What is wrong with --history (parsed into opt->history_ms), or NULL.
 * Whether it fits the flash log is the profile's to say (main.c). */
static const char *history_problem(struct bandsim_options *opt, bool fleet)
{
	uint64_t ms;

	if (fleet)
		return "a fleet starts each band as its directory left it; "
		       "give every band the same past with "
		       "'bandsim ctl advance-all SECONDS' instead";
	if (!mb_duration_parse(opt->history, &ms))
		return "a span of band life such as 90m, 36h or 3d (a whole "
		       "number, then s, m, h or d)";
	opt->history_ms = ms;
	/* The band's clock starts SPAN before --clock-start (or now). */
	if (opt->clock_start_set && (double)ms / 1000.0 > opt->clock_start)
		return "reaches back before 1970 from --clock-start; start "
		       "the clock later or ask for less";
	return NULL;
}

static int parse(struct bandsim_options *opt, int argc, char **argv, bool fleet)
{
	gboolean version = FALSE, debug = FALSE, quiet = FALSE,
		 list_faults = FALSE;
	/* GOption's strings: freed on every return, a usage error's too. */
	g_autofree char *level = NULL, *auth_key = NULL, *transport = NULL,
			*pace = NULL, *mutate = NULL;
	size_t choice;
	GError *error = NULL;
	bool ok;
	GOptionEntry entries[] = {
		{ "transport", 't', 0, G_OPTION_ARG_STRING, &transport,
		  "How centrals reach the band: sock (default), l2cap or bluez",
		  "sock|l2cap|bluez" },
		{ "adapter", 'a', 0, G_OPTION_ARG_STRING, &opt->adapter,
		  "With --transport l2cap or bluez: the adapter to be the band on (default hci0)",
		  "hciN" },
		{ "socket", 's', 0, G_OPTION_ARG_FILENAME, &opt->socket,
		  "Unix SOCK_SEQPACKET socket to serve ATT on", "PATH" },
		{ "pace", 0, 0, G_OPTION_ARG_STRING, &pace,
		  "With the socket: fast (default) or real, a BLE link's connection events and air time (profile connection-interval-ms, packets-per-event)",
		  "fast|real" },
		{ "profile", 'p', 0, G_OPTION_ARG_FILENAME, &opt->profile,
		  "Band profile (default: the Mi Band 4 profile)", "FILE" },
		{ "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt->state_dir,
		  "Where the band keeps what survives restarts", "DIR" },
		{ "control-bus", 0, 0, G_OPTION_ARG_STRING, &opt->control_bus,
		  "Bus for the control plane io.bandsim.Band1: session (default), system or none",
		  "BUS" },
		{ "control-address", 0, 0, G_OPTION_ARG_STRING,
		  &opt->control_address,
		  "Put the control plane on this private bus instead",
		  "ADDRESS" },
		{ "control-name", 0, 0, G_OPTION_ARG_STRING, &opt->control_name,
		  "Bus name to own (default io.bandsim)", "NAME" },
		{ "clock-rate", 0, 0, G_OPTION_ARG_DOUBLE, &opt->clock_rate,
		  "Band seconds per wall second (default 1; 0 = only AdvanceClock moves it)",
		  "K" },
		{ "clock-start", 0, 0, G_OPTION_ARG_DOUBLE, &opt->clock_start,
		  "Where a new band's clock starts, Unix seconds (default: now); a band with time.ini goes on from its own time",
		  "SECONDS" },
		{ "faults", 0, 0, G_OPTION_ARG_FILENAME, &opt->faults,
		  "Arm the faults in FILE at start, one line each (docs/faults.md)",
		  "FILE" },
		{ "btsnoop", 0, 0, G_OPTION_ARG_FILENAME, &opt->btsnoop,
		  "Capture every ATT PDU to FILE (btsnoop, opens in Wireshark)",
		  "FILE" },
		{ "mutate", 0, 0, G_OPTION_ARG_STRING, &mutate,
		  "Change the values of a sync as they go out, a fuzzer of the client: SEED, and the share of values changed, 0 to 1 (default 0.1); each change is an event (docs/mutate.md)",
		  "SEED[:RATE]" },
		{ "random-seed", 0, 0, G_OPTION_ARG_INT64, &opt->random_seed,
		  "Draw challenges and addresses from a seeded generator instead of the kernel's getrandom(): reproducible captures and tests only",
		  "N" },
		{ "list-faults", 0, 0, G_OPTION_ARG_NONE, &list_faults,
		  "Print the fault presets, one a line, name first, and exit",
		  NULL },
		{ "life-seed", 0, 0, G_OPTION_ARG_INT64, &opt->life_seed,
		  "Seed of the simulated wearer's activity (default 1)", "N" },
		{ "history", 0, 0, G_OPTION_ARG_STRING, &opt->history,
		  "Start a new band that has been worn for SPAN (90m, 36h, 3d; at most the profile's flash-log-days) and never synced: its log holds the SPAN before its clock's start",
		  "SPAN" },
		{ "auth-key", 0, 0, G_OPTION_ARG_STRING, &auth_key,
		  "Start bound to this key, as the official app leaves a band",
		  "HEX" },
		{ "ready-fd", 0, 0, G_OPTION_ARG_INT, &opt->ready_fd,
		  "Write status lines (READY=1, CONNECTED=1, ...) to this fd",
		  "FD" },
		{ "debug", 'd', 0, G_OPTION_ARG_NONE, &debug,
		  "Log every PDU as a hexdump ('>' to the band, '<' from it)",
		  NULL },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
		  "Log only warnings and errors", NULL },
		{ "log-level", 0, 0, G_OPTION_ARG_STRING, &level,
		  "error, warning, info (default) or debug", "LEVEL" },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &version,
		  "Print the version and exit", NULL },
		{ NULL }
	};
	gint count = 1;
	const GOptionEntry fleet_entries[] = {
		{ "count", 'n', 0, G_OPTION_ARG_INT, &count,
		  "How many bands to start with (default 1; 0: none until Fleet1.AddBand)",
		  "N" },
		{ "dir", 0, 0, G_OPTION_ARG_FILENAME, &opt->fleet_dir,
		  "Holds band K's state directory DIR/band-K and its socket DIR/band-K.sock",
		  "DIR" },
		{ NULL }
	};
	GOptionContext *ctx = g_option_context_new(
		fleet ? "- many emulated Mi Smart Band 4 in one process"
		      : "- an emulated Xiaomi Mi Smart Band 4");
	const char *refused;

	memset(opt, 0, sizeof(*opt));
	opt->ready_fd = -1;
	opt->clock_rate = 1.0;
	opt->clock_start = -1;
	opt->life_seed = 1;
	opt->random_seed = G_MAXUINT64;
	opt->log_level = G_LOG_LEVEL_INFO;
	command = fleet ? "bandsim fleet" : "bandsim";
	/* GOption's "Usage:" names the program: argv[0] is "fleet" here. */
	g_set_prgname(command);
	for (size_t i = 0; fleet && entries[i].long_name; i++) {
		for (size_t k = 0; k < G_N_ELEMENTS(fleet_refused); k++)
			if (!strcmp(entries[i].long_name, fleet_refused[k] + 2))
				entries[i].flags |= G_OPTION_FLAG_HIDDEN;
		if (!strcmp(entries[i].long_name, "history"))
			entries[i].flags |= G_OPTION_FLAG_HIDDEN;
	}
	if (fleet)
		g_option_context_add_main_entries(ctx, fleet_entries, NULL);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (fleet)
		g_option_context_set_description(
			ctx,
			"Runs N complete bands in one process: each with its own state\n"
			"directory, socket, identity, life seed (--life-seed + K - 1) and\n"
			"control object /io/bandsim/band/K; io.bandsim.Fleet1 on\n"
			"/io/bandsim lists, adds, kills, starts and removes bands.\n"
			"Example: bandsim fleet --count 100 --dir /tmp/shelf --clock-rate 0\n"
			"Docs: man bandsim, docs/fleet.md in the source tree.\n");
	else
		g_option_context_set_description(
			ctx,
			"Serves the GATT table of profiles/miband4.ini to one central at a\n"
			"time: over a unix socket, one raw ATT PDU per packet (--transport\n"
			"sock), or on a Bluetooth adapter: its own ATT server on the kernel's\n"
			"L2CAP socket (--transport l2cap) or through bluetoothd (--transport\n"
			"bluez), docs/bluez.md.\n"
			"Examples:\n"
			"  bandsim --socket /tmp/band.sock --state-dir /tmp/band-state\n"
			"  bandsim --transport l2cap --adapter hci1 --auth-key 000102030405060708090a0b0c0d0e0f\n"
			"A band worn for three days and never synced, with no control\n"
			"plane, its clock at 2024-05-20 10:30 UTC:\n"
			"  bandsim --history 3d --clock-start 1716201000 --control-bus none\n"
			"Docs: man bandsim, README.md and docs/ in the source tree.\n");
	refused = fleet ? fleet_refuses(argc, argv) : NULL;
	if (refused) {
		g_option_context_free(ctx);
		g_printerr("bandsim fleet: %s: a fleet's bands are on sockets "
			   "under --dir, each with its state directory there\n"
			   "Try 'bandsim fleet --help'.\n",
			   refused);
		return 2;
	}
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		int rc = usage_error(ctx, error->message);

		g_error_free(error);
		return rc;
	}
	if (version) {
		printf("bandsim %s\n", BANDSIM_VERSION);
		g_option_context_free(ctx);
		return 0;
	}
	if (list_faults) {
		for (size_t i = 0; i < mb_fault_n_presets(); i++) {
			const struct mb_fault_preset *p = mb_fault_preset(i);

			printf("%s\t%s\t%s\t%s\n", p->name, p->spec,
			       p->reproduces, p->sources);
		}
		g_option_context_free(ctx);
		return 0;
	}
	if (argc > 1)
		return usage_error(ctx, "unexpected argument");
	if (fleet && (count < 0 || count > FLEET_MAX_COUNT))
		return usage_error(ctx, "--count: 0 to 100000 bands");
	if (fleet && !opt->fleet_dir)
		return usage_error(ctx, "--dir: where the bands live");
	opt->count = (guint)count;
	ok = parse_choice(transport, transport_names,
			  G_N_ELEMENTS(transport_names), &choice);
	opt->transport = (enum bandsim_transport)choice;
	g_clear_pointer(&transport, g_free);
	if (!ok)
		return usage_error(ctx, "--transport: not a transport (sock, "
					"l2cap or bluez)");
	ok = parse_choice(pace, pace_names, G_N_ELEMENTS(pace_names), &choice);
	opt->pace = (enum bandsim_pace)choice;
	g_clear_pointer(&pace, g_free);
	if (!ok)
		return usage_error(ctx, "--pace: fast or real");
	if (opt->pace == BANDSIM_PACE_REAL &&
	    opt->transport != BANDSIM_TRANSPORT_SOCK)
		return usage_error(ctx,
				   "--pace goes with the socket transport "
				   "(over the air the pace is the radio's)");
	if (opt->adapter && opt->transport == BANDSIM_TRANSPORT_SOCK)
		return usage_error(
			ctx, "--adapter goes with --transport l2cap or bluez");
	if (opt->socket && opt->transport != BANDSIM_TRANSPORT_SOCK)
		return usage_error(ctx, "--socket goes with --transport sock");
	if (!opt->adapter)
		opt->adapter = g_strdup("hci0");
	if (!valid_adapter(opt->adapter))
		return usage_error(ctx,
				   "--adapter: an adapter name such as hci0");
	opt->control_bus_explicit = opt->control_bus || opt->control_address;
	if (!opt->control_bus)
		opt->control_bus = g_strdup("session");
	if (strcmp(opt->control_bus, "session") &&
	    strcmp(opt->control_bus, "system") &&
	    strcmp(opt->control_bus, "none"))
		return usage_error(ctx,
				   "--control-bus: session, system or none");
	if (!opt->control_name)
		opt->control_name = g_strdup("io.bandsim");
	if (!control_is_well_known_name(opt->control_name))
		return usage_error(
			ctx, "--control-name: not a well-known D-Bus name");
	if (!(opt->clock_rate >= 0 && opt->clock_rate <= 1e6))
		return usage_error(ctx, "--clock-rate must be in [0, 1000000]");
	if (opt->clock_start != -1) {
		if (!(opt->clock_start >= 0 && opt->clock_start < 4102444800.0))
			return usage_error(
				ctx,
				"--clock-start: Unix seconds between 1970 and 2100");
		opt->clock_start_set = true;
	}
	if (opt->history) {
		const char *why = history_problem(opt, fleet);

		if (why) {
			char *msg = g_strdup_printf("--history %s: %s",
						    opt->history, why);
			int rc = usage_error(ctx, msg);

			g_free(msg);
			return rc;
		}
	}
	if (auth_key) {
		uint8_t *key = NULL;
		size_t len = 0;
		bool good = mb_hex_parse(auth_key, &key, &len) && len == 16;

		if (good)
			memcpy(opt->key, key, 16);
		if (key)
			mb_crypto_wipe(key, len);
		free(key);
		mb_crypto_wipe(auth_key, strlen(auth_key));
		g_clear_pointer(&auth_key, g_free);
		if (!good)
			return usage_error(
				ctx, "--auth-key: 16 bytes as 32 hex digits");
		opt->bind_key = true;
	}
	if (mutate) {
		ok = parse_mutate(mutate, &opt->mutate_seed, &opt->mutate_rate);
		g_clear_pointer(&mutate, g_free);
		if (!ok)
			return usage_error(
				ctx, "--mutate: SEED[:RATE], SEED a whole "
				     "number, RATE from 0 to 1");
		opt->mutate = true;
	}
	if (opt->ready_fd >= 0 && fcntl(opt->ready_fd, F_GETFD) < 0)
		return usage_error(ctx,
				   "--ready-fd is not an open file descriptor");
	if (level) {
		opt->log_level = parse_level(level, &ok);
		g_clear_pointer(&level, g_free);
		if (!ok)
			return usage_error(
				ctx,
				"--log-level: error, warning, info or debug");
	}
	if (quiet)
		opt->log_level = G_LOG_LEVEL_WARNING;
	if (debug)
		opt->log_level = G_LOG_LEVEL_DEBUG;
	if (!opt->socket)
		opt->socket = default_socket();
	if (!opt->profile)
		opt->profile = default_profile();
	if (!opt->state_dir)
		opt->state_dir = g_build_filename(g_get_user_state_dir(),
						  "bandsim", NULL);
	if (opt->ready_fd >= 0)
		fcntl(opt->ready_fd, F_SETFD, FD_CLOEXEC);
	opt->random_seed_set = opt->random_seed != G_MAXUINT64;
	g_option_context_free(ctx);
	return -1;
}

int bandsim_options_parse(struct bandsim_options *opt, int argc, char **argv)
{
	return parse(opt, argc, argv, false);
}

int bandsim_fleet_options_parse(struct bandsim_options *opt, int argc,
				char **argv)
{
	return parse(opt, argc, argv, true);
}

void bandsim_options_clear(struct bandsim_options *opt)
{
	g_free(opt->fleet_dir);
	g_free(opt->adapter);
	g_free(opt->socket);
	g_free(opt->profile);
	g_free(opt->state_dir);
	g_free(opt->control_bus);
	g_free(opt->control_address);
	g_free(opt->control_name);
	g_free(opt->faults);
	g_free(opt->btsnoop);
	g_free(opt->history);
	mb_crypto_wipe(opt->key, sizeof(opt->key));
}
