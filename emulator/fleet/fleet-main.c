// SPDX-License-Identifier: GPL-2.0-or-later
/* `bandsim fleet`: start-up wiring as main.c has it for one band, for
 * many: options, the bus connection, the fleet and its Fleet1 object,
 * the bands, the bus name, READY=1, the main loop. */
#include "fleet-main.h"

#include <glib-unix.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/bandsetup.h"
#include "control/control.h"
#include "fleet-bus.h"
#include "fleet.h"
#include "log.h"
#include "options.h"
#include "runner.h"

static gboolean on_signal(gpointer loop)
{
	g_info("shutting down the fleet");
	g_main_loop_quit(loop);
	return G_SOURCE_CONTINUE;
}

/* The fleet's bus connection, or NULL (with a warning) where the control
 * plane was not asked for explicitly and cannot be had. */
static bool connect_bus(const struct bandsim_options *opt,
			GDBusConnection **conn)
{
	struct control_options copt;
	GError *error = NULL;

	*conn = NULL;
	if (!app_wants_control(opt))
		return true;
	app_control_options(opt, &copt);
	*conn = control_connect_bus(&copt, &error);
	return *conn || app_control_unavailable(opt, error);
}

static bool run(const struct bandsim_options *opt)
{
	GDBusConnection *conn;
	struct fleet *fleet = NULL;
	struct fleet_bus *bus = NULL;
	GMainLoop *loop = NULL;
	GError *error = NULL;
	char *err = NULL;
	bool ok = false;

	app_seed_random(opt);
	if (!connect_bus(opt, &conn))
		return false;
	fleet = fleet_new(opt, conn, &err);
	if (!fleet)
		goto out;
	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, on_signal, loop);
	g_unix_signal_add(SIGTERM, on_signal, loop);
	if (conn && !(bus = fleet_bus_new(fleet, conn, &error)))
		goto out;
	if (!fleet_start(fleet, &err))
		goto out;
	/* The name last, as for one band: whoever sees it can call every
	 * band. */
	if (conn && !control_own_name(conn, opt->control_name, &error))
		goto out;
	g_info("fleet of %zu bands under %s", fleet_n_bands(fleet),
	       opt->fleet_dir);
	if (opt->ready_fd >= 0)
		status_write_line(opt->ready_fd, "READY=1\n");
	g_main_loop_run(loop);
	ok = true;
out:
	if (err)
		g_printerr("bandsim fleet: %s\n", err);
	if (error)
		g_printerr("bandsim fleet: %s\n", error->message);
	free(err);
	g_clear_error(&error);
	fleet_bus_free(bus);
	fleet_free(fleet);
	if (conn) {
		g_dbus_connection_flush_sync(conn, NULL, NULL);
		g_object_unref(conn);
	}
	if (loop)
		g_main_loop_unref(loop);
	return ok;
}

int fleet_main(int argc, char **argv)
{
	struct bandsim_options opt;
	int rc = bandsim_fleet_options_parse(&opt, argc, argv);

	if (rc >= 0) {
		bandsim_options_clear(&opt);
		return rc;
	}
	bandsim_log_init(opt.log_level);
	rc = run(&opt) ? EXIT_SUCCESS : EXIT_FAILURE;
	if (opt.ready_fd >= 0)
		close(opt.ready_fd);
	bandsim_options_clear(&opt);
	return rc;
}
