// SPDX-License-Identifier: GPL-2.0-or-later
/* bandsim: an emulated Xiaomi Mi Smart Band 4.  This file only wires the
 * pieces together: options, profile, state, band, transport, control
 * plane, main loop. */
#include <glib-unix.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "control/control.h"
#include "core/crypto.h"
#include "core/prng.h"
#include "btsnoop.h"
#include "control/ctl.h"
#include "log.h"
#include "options.h"
#include "runner.h"
#include "state/inputs.h"
#include "state/state.h"
#include "transport/bluez/bluez-server.h"
#include "transport/sock/sock-server.h"

struct app {
	const struct bandsim_options *opt;
	GMainLoop *loop;
	struct runner *runner;
	struct control *control;
	struct sock_server *sock;
	struct bluez_server *bluez;
	struct btsnoop *btsnoop;
	struct mb_band *band;
	struct bandsim_clock *clock;
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
	runner_status(((struct app *)user_data)->runner, what);
}

static void on_activity(void *user_data)
{
	runner_kick(((struct app *)user_data)->runner);
}

static const struct sock_server_callbacks sock_cb = {
	.status = on_status,
	.activity = on_activity,
};

static const struct bluez_server_callbacks bluez_cb = {
	.status = on_status,
	.activity = on_activity,
};

static uint64_t host_now(void *user_data)
{
	return bandsim_clock_now(((struct app *)user_data)->clock);
}

static void host_advance(void *user_data, uint64_t ms)
{
	bandsim_clock_advance(((struct app *)user_data)->clock, ms);
}

static void host_set_rate(void *user_data, double rate)
{
	bandsim_clock_set_rate(((struct app *)user_data)->clock, rate);
}

static void host_kick(void *user_data)
{
	runner_kick(((struct app *)user_data)->runner);
}

static const struct control_host control_host = {
	.now = host_now,
	.advance = host_advance,
	.set_rate = host_set_rate,
	.kick = host_kick,
};

static void on_pdu(bool from_central, const uint8_t *pdu, size_t len,
		   void *user_data)
{
	struct app *app = user_data;

	btsnoop_att(app->btsnoop, from_central, pdu, len, mb_band_now_ms(app->band));
}

static void on_band_event(const struct mb_event *ev, void *user_data)
{
	struct app *app = user_data;

	if (app->btsnoop && ev->id == MB_EVENT_CONNECTED)
		btsnoop_connected(app->btsnoop, mb_band_now_ms(app->band));
	if (app->btsnoop && ev->id == MB_EVENT_DISCONNECTED)
		btsnoop_disconnected(app->btsnoop, mb_band_now_ms(app->band));

	/* A band that is off does not advertise: the socket follows. */
	if (app->sock && (ev->id == MB_EVENT_POWER_OFF || ev->id == MB_EVENT_POWER_ON))
		sock_server_power_changed(app->sock);
	bluez_server_band_event(app->bluez, ev);
	control_band_event(app->control, ev);
}

/* --random-seed: splitmix64 in place of RAND_bytes, so that a run can
 * be repeated byte for byte (captures, tests).  Never a real band's. */
static bool seeded_random(uint8_t *buf, size_t len, void *user_data)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)mb_splitmix64(user_data);
	return true;
}

static struct control *start_control(struct app *app, struct mb_band *band,
				     struct bandsim_clock *clock, bool *ok)
{
	const struct bandsim_options *opt = app->opt;
	struct control_options copt = {
		.bus = opt->control_bus,
		.address = opt->control_address,
		.name = opt->control_name,
	};
	GError *error = NULL;
	struct control *c;

	*ok = true;
	if (!opt->control_address && !strcmp(opt->control_bus, "none"))
		return NULL;
	c = control_new(band, &control_host, app, &copt, &error);
	if (c)
		return c;
	/* Asked for explicitly, the control plane must be there. */
	if (opt->control_bus_explicit) {
		g_printerr("bandsim: control plane: %s\n", error->message);
		*ok = false;
	} else {
		g_warning("running without a control plane: %s", error->message);
	}
	g_error_free(error);
	return NULL;
}

static int run(const struct bandsim_options *opt)
{
	struct app app = { .opt = opt };
	struct bandsim_clock clock;
	struct mb_profile *profile;
	struct mb_band_state state;
	struct state *st;
	struct mb_band *band;
	struct sock_server *sock = NULL;
	GError *error = NULL;
	char *err = NULL, *warning = NULL, addr[18];
	bool ok;
	int rc = EXIT_FAILURE;

	if (opt->random_seed_set) {
		static uint64_t seed;

		seed = opt->random_seed;
		mb_crypto_set_random_source(seeded_random, &seed);
		g_warning("--random-seed: challenges are predictable (tests and captures only)");
	}
	profile = state_profile_load(opt->profile, &err);
	if (!profile) {
		g_printerr("bandsim: %s\n", err);
		free(err);
		return EXIT_FAILURE;
	}
	st = state_open(opt->state_dir, &err);
	if (!st || !state_load_band(st, opt->bind_key ? opt->key : NULL, &state,
				    &warning, &err)) {
		g_printerr("bandsim: state: %s\n", err);
		free(err);
		state_free(st);
		mb_profile_free(profile);
		return EXIT_FAILURE;
	}
	if (warning) {
		g_warning("%s", warning);
		free(warning);
		warning = NULL;
	}
	bandsim_clock_init(&clock, opt->clock_start_set
					   ? (uint64_t)(opt->clock_start * 1000.0)
					   : (uint64_t)(g_get_real_time() / 1000),
			   opt->clock_rate);
	band = mb_band_new(profile, &state, &clock.clock, &err);
	mb_crypto_wipe(&state, sizeof(state));
	if (!band) {
		g_printerr("bandsim: %s\n", err);
		free(err);
		state_free(st);
		mb_profile_free(profile);
		return EXIT_FAILURE;
	}
	mb_band_set_debug(band, bandsim_log_core, NULL);
	mb_band_set_life_seed(band, opt->life_seed);
	state_attach_band(st, band, &warning);
	if (warning) {
		g_warning("%s", warning);
		free(warning);
		warning = NULL;
	}
	if (opt->faults && !state_faults_load(opt->faults, band, &err)) {
		g_printerr("bandsim: %s\n", err);
		free(err);
		goto out_band;
	}
	app.band = band;
	app.clock = &clock;
	if (opt->btsnoop) {
		app.btsnoop = btsnoop_open(opt->btsnoop, &error);
		if (!app.btsnoop) {
			g_printerr("bandsim: --btsnoop: %s\n", error->message);
			g_error_free(error);
			goto out_band;
		}
		mb_band_set_monitor(band, on_pdu, &app);
	}
	if (!state_attach_flash(st, band, &warning, &err)) {
		g_printerr("bandsim: activity log: %s\n", err);
		free(err);
		goto out_band;
	}
	if (warning) {
		g_warning("%s", warning);
		free(warning);
	}
	g_info("activity log: %zu samples, %zu not yet synced", mb_band_log_count(band),
	       mb_band_stored_samples(band));
	mb_band_set_event_handler(band, on_band_event, &app);
	app.loop = g_main_loop_new(NULL, FALSE);
	app.runner = runner_new(band, &clock, opt->ready_fd);
	app.control = start_control(&app, band, &clock, &ok);
	if (!ok)
		goto out;
	if (!strcmp(opt->transport, "bluez")) {
		app.bluez = bluez_server_new(band, opt->adapter, &bluez_cb, &app, &error);
		ok = app.bluez != NULL;
	} else {
		sock = sock_server_new(band, opt->socket, &sock_cb, &app, &error);
		app.sock = sock;
		ok = sock != NULL;
	}
	if (!ok) {
		g_printerr("bandsim: %s\n", error->message);
		g_error_free(error);
		goto out;
	}
	mb_band_state_address(mb_band_state(band), addr);
	g_info("%s (%s) on %s, profile %s, state %s%s",
	       mb_profile_device_name(profile), addr,
	       app.bluez ? opt->adapter : opt->socket, opt->profile,
	       opt->state_dir, mb_band_state(band)->bound ? ", bound" : "");
	runner_status(app.runner, "READY=1");
	g_unix_signal_add(SIGINT, on_signal, &app);
	g_unix_signal_add(SIGTERM, on_signal, &app);
	g_main_loop_run(app.loop);
	rc = EXIT_SUCCESS;
out:
	sock_server_free(sock);
	bluez_server_free(app.bluez);
	mb_band_set_event_handler(band, NULL, NULL);
	control_free(app.control);
	runner_free(app.runner);
	g_main_loop_unref(app.loop);
out_band:
	mb_band_free(band);
	btsnoop_close(app.btsnoop);
	state_free(st);
	mb_profile_free(profile);
	return rc;
}

int main(int argc, char **argv)
{
	struct bandsim_options opt;
	int rc;

	if (argc > 1 && !strcmp(argv[1], "ctl"))
		return ctl_main(argc - 1, argv + 1);
	rc = bandsim_options_parse(&opt, argc, argv);
	if (rc >= 0)
		return rc;
	bandsim_log_init(opt.log_level);
	rc = run(&opt);
	bandsim_options_clear(&opt);
	return rc;
}
