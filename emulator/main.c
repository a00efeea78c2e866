// SPDX-License-Identifier: GPL-2.0-or-later
/* bandsim: an emulated Xiaomi Mi Smart Band 4.  This file only wires the
 * pieces together: options, profile, state, band, transport, main loop. */
#include <fcntl.h>
#include <glib-unix.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "log.h"
#include "options.h"
#include "runner.h"
#include "core/store.h"
#include "transport/sock/sock-server.h"

struct app {
	GMainLoop *loop;
	struct runner *runner;
};

static gboolean on_signal(gpointer user_data)
{
	struct app *app = user_data;

	g_info("shutting down");
	g_main_loop_quit(app->loop);
	return G_SOURCE_CONTINUE;
}

static void on_status(const char *what, void *user_data)
{
	struct app *app = user_data;

	runner_status(app->runner, what);
}

static void on_activity(void *user_data)
{
	struct app *app = user_data;

	runner_kick(app->runner);
}

static const struct sock_server_callbacks sock_cb = {
	.status = on_status,
	.activity = on_activity,
};

static int run(const struct bandsim_options *opt)
{
	struct app app = { 0 };
	struct bandsim_clock clock;
	struct mb_profile *profile;
	struct mb_identity identity;
	struct mb_band *band;
	struct sock_server *sock;
	GError *error = NULL;
	char *err = NULL, *warning = NULL, addr[18];
	int rc = EXIT_FAILURE;

	profile = mb_profile_load(opt->profile, &err);
	if (!profile) {
		g_printerr("bandsim: %s\n", err);
		free(err);
		return EXIT_FAILURE;
	}
	if (!mb_store_mkdir(opt->state_dir, &err) ||
	    !mb_identity_load(opt->state_dir, &identity, &warning, &err)) {
		g_printerr("bandsim: state: %s\n", err);
		goto out_profile;
	}
	if (warning)
		g_warning("%s", warning);
	bandsim_clock_init(&clock, (uint64_t)(g_get_real_time() / 1000),
			   opt->clock_rate);
	band = mb_band_new(profile, &identity, &clock.clock, &err);
	if (!band) {
		g_printerr("bandsim: %s\n", err);
		goto out_profile;
	}
	mb_band_set_debug(band, bandsim_log_core, NULL);
	app.loop = g_main_loop_new(NULL, FALSE);
	app.runner = runner_new(band, &clock, opt->ready_fd);
	sock = sock_server_new(band, opt->socket, &sock_cb, &app, &error);
	if (!sock) {
		g_printerr("bandsim: %s\n", error->message);
		g_error_free(error);
		goto out_band;
	}
	mb_identity_address_string(&identity, addr);
	g_info("%s (%s) on %s, profile %s, state %s", mb_profile_device_name(profile),
	       addr, opt->socket, opt->profile, opt->state_dir);
	runner_status(app.runner, "READY=1");
	g_unix_signal_add(SIGINT, on_signal, &app);
	g_unix_signal_add(SIGTERM, on_signal, &app);
	g_main_loop_run(app.loop);
	sock_server_free(sock);
	rc = EXIT_SUCCESS;
out_band:
	runner_free(app.runner);
	if (app.loop)
		g_main_loop_unref(app.loop);
	mb_band_free(band);
out_profile:
	free(err);
	free(warning);
	mb_profile_free(profile);
	return rc;
}

int main(int argc, char **argv)
{
	struct bandsim_options opt;
	int rc;

	rc = bandsim_options_parse(&opt, argc, argv);
	if (rc >= 0)
		return rc;
	bandsim_log_init(opt.log_level);
	rc = run(&opt);
	bandsim_options_clear(&opt);
	return rc;
}
