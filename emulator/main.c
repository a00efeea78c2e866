// SPDX-License-Identifier: GPL-2.0-or-later
/* bandsim: an emulated Xiaomi Mi Smart Band 4.  Start-up wiring only:
 * options, profile, state, band, capture, runner, control plane,
 * transport, main loop.  The control plane comes before the transport,
 * so that it owns its name before a central can connect, and both before
 * READY=1. */
#include <glib-unix.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/bandsetup.h"
#include "control/ctl.h"
#include "fleet/fleet-main.h"
#include "core/crypto.h"
#include "core/prng.h"
#include "log.h"
#include "options.h"
#include "state/inputs.h"
#include "state/state.h"

/* A signal may come before the loop runs (start-up waits on the bus):
 * remembered, it stops the band as soon as start-up is over. */
struct stop {
	GMainLoop *loop;
	bool requested;
};

static gboolean on_signal(gpointer user_data)
{
	struct stop *stop = user_data;

	g_info("shutting down");
	stop->requested = true;
	g_main_loop_quit(stop->loop);
	return G_SOURCE_CONTINUE;
}

static bool failed(const char *what, char *err)
{
	g_printerr("bandsim: %s%s\n", what, err);
	free(err);
	return false;
}

static bool gfailed(const char *what, GError *error)
{
	g_printerr("bandsim: %s%s\n", what, error->message);
	g_error_free(error);
	return false;
}

static bool run(const struct bandsim_options *opt)
{
	struct bandtime *band_time = NULL;
	struct mb_profile *profile;
	struct state *state;
	struct mb_band *band;
	struct app *app = NULL;
	struct stop stop = { NULL, false };
	GError *error = NULL;
	char *err = NULL;
	bool ok = false;

	app_seed_random(opt);
	profile = state_profile_load(opt->profile, &err);
	if (!profile)
		return failed("", err);
	state = state_new(opt->state_dir, &err);
	if (!state) {
		mb_profile_free(profile);
		return failed("state: ", err);
	}
	if (!app_history_check(opt, profile, state, &err)) {
		failed("", err);
		state_free(state);
		mb_profile_free(profile);
		return false;
	}
	band_time = bandtime_new(state, opt);
	band = app_band_new(opt, profile, state, band_time, &err);
	if (!band) {
		failed("", err);
		goto out;
	}
	app = app_new(band, band_time);
	if (opt->btsnoop && !app_open_capture(app, opt->btsnoop, &error)) {
		gfailed("--btsnoop: ", error);
		goto out;
	}
	if (!app_band_attach_flash(band, state, band_time, &err)) {
		failed("", err);
		goto out;
	}
	/* Before the first status line: a harness may stop the band as soon
	 * as it reads one, and SIGTERM must then shut it down, not kill it. */
	stop.loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, on_signal, &stop);
	g_unix_signal_add(SIGTERM, on_signal, &stop);
	app_start_runner(app, opt->ready_fd, NULL);
	if (!app_live_history(app, opt, &err)) {
		failed("", err);
		goto out;
	}
	if (!app_start_control(app, opt))
		goto out;
	if (!app_start_transport(app, opt, &error)) {
		gfailed("", error);
		goto out;
	}
	app_ready(app, opt);
	if (!stop.requested)
		g_main_loop_run(stop.loop);
	ok = true;
out:
	app_free(app);
	if (stop.loop)
		g_main_loop_unref(stop.loop);
	mb_band_free(band);
	bandtime_free(band_time);
	state_free(state);
	mb_profile_free(profile);
	return ok;
}

int main(int argc, char **argv)
{
	struct bandsim_options opt;
	int rc;

	if (argc > 1 && !strcmp(argv[1], "ctl"))
		return ctl_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "fleet"))
		return fleet_main(argc - 1, argv + 1);
	rc = bandsim_options_parse(&opt, argc, argv);
	if (rc >= 0) {
		bandsim_options_clear(&opt);
		return rc;
	}
	bandsim_log_init(opt.log_level);
	rc = run(&opt) ? EXIT_SUCCESS : EXIT_FAILURE;
	bandsim_options_clear(&opt);
	return rc;
}
