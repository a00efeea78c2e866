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
#include "core/fwinfo.h"
#include "core/store.h"
#include "btsnoop.h"
#include "ctl.h"
#include "flashfile.h"
#include "log.h"
#include "options.h"
#include "runner.h"
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
	bool stopping;
};

static gboolean on_signal(gpointer user_data)
{
	struct app *app = user_data;

	g_info("shutting down");
	/* Flagged too: start-up may dispatch this before the loop runs. */
	app->stopping = true;
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

static void on_pdu(bool from_central, const uint8_t *pdu, size_t len,
		   void *user_data)
{
	struct app *app = user_data;

	btsnoop_att(app->btsnoop, from_central, pdu, len, mb_band_now_ms(app->band));
}

static void on_band_event(const struct mb_event *ev, void *user_data)
{
	struct app *app = user_data;

	if (app->btsnoop && !strcmp(ev->name, "connected"))
		btsnoop_connected(app->btsnoop, mb_band_now_ms(app->band));
	if (app->btsnoop && !strcmp(ev->name, "disconnected"))
		btsnoop_disconnected(app->btsnoop, mb_band_now_ms(app->band));

	/* A band that is off does not advertise: the socket follows. */
	if (app->sock && (!strcmp(ev->name, "power-off") || !strcmp(ev->name, "power-on")))
		sock_server_power_changed(app->sock);
	bluez_server_band_event(app->bluez, ev);
	control_band_event(app->control, ev);
}

static bool save_file(const char *name, const void *data, size_t len,
		      void *user_data, char **err)
{
	const struct app *app = user_data;

	return mb_store_write_atomic(app->opt->state_dir, name, data, len, err);
}

/* firmware.ini: which slot runs.  A bad one is named and the band runs
 * its factory image, as after a failed update. */
static void load_firmware_info(const struct bandsim_options *opt, struct mb_band *band)
{
	char *path = g_build_filename(opt->state_dir, MB_FIRMWARE_INFO_FILE, NULL);
	struct mb_firmware_info fi;
	char *text = NULL, *err = NULL;
	size_t len;

	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		if (mb_read_file(path, 1 << 16, &text, &len, &err) &&
		    mb_firmware_info_parse(text, len, path, &fi, &err))
			mb_band_set_firmware_info(band, &fi);
		else
			g_warning("%s; running the factory image", err);
	}
	free(text);
	free(err);
	g_free(path);
}

static bool persist(const struct mb_band_state *state, void *user_data,
		    char **err)
{
	const struct app *app = user_data;

	return mb_band_state_save(app->opt->state_dir, state, err);
}

/* --random-seed: splitmix64 in place of RAND_bytes, so that a run can
 * be repeated byte for byte (captures, tests).  Never a real band's. */
static bool seeded_random(uint8_t *buf, size_t len, void *user_data)
{
	guint64 *state = user_data;

	for (size_t i = 0; i < len; i++) {
		guint64 x = (*state += 0x9e3779b97f4a7c15ull);

		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
		buf[i] = (uint8_t)(x ^ (x >> 31));
	}
	return true;
}

/* The band's stored state, bound to --auth-key if one was given. */
static bool load_state(const struct bandsim_options *opt,
		       struct mb_band_state *state)
{
	char *err = NULL, *warning = NULL;

	if (!mb_store_mkdir(opt->state_dir, &err) ||
	    !mb_band_state_load(opt->state_dir, state, &warning, &err)) {
		g_printerr("bandsim: state: %s\n", err);
		free(err);
		return false;
	}
	if (warning) {
		g_warning("%s", warning);
		free(warning);
	}
	if (opt->bind_key && !(state->bound && !memcmp(state->key, opt->key, 16))) {
		state->bound = true;
		memcpy(state->key, opt->key, 16);
		if (!mb_band_state_save(opt->state_dir, state, &err)) {
			g_printerr("bandsim: state: %s\n", err);
			free(err);
			return false;
		}
	}
	return true;
}

static bool attach_flash(const struct bandsim_options *opt, struct mb_band *band,
			 struct flash_file *flash)
{
	GError *error = NULL;
	char *recreated = NULL;
	unsigned int torn = 0;

	if (!flash_file_open(flash, opt->state_dir, mb_band_flash_size(band),
			     &recreated, &error)) {
		g_printerr("bandsim: activity log: %s\n", error->message);
		g_error_free(error);
		return false;
	}
	if (recreated) {
		g_warning("%s", recreated);
		g_free(recreated);
	}
	mb_band_attach_flash(band, flash->mem, &torn);
	if (torn)
		g_warning("%s/flash.img: dropped %u torn record(s)", opt->state_dir, torn);
	g_info("activity log: %zu samples, %zu not yet synced", mb_band_log_count(band),
	       mb_band_stored_samples(band));
	return true;
}

/* --faults FILE: one fault line each; '#' comments; errors name the
 * file, the line and the key. */
static bool load_faults(const char *path, struct mb_band *band)
{
	char *text = NULL, *err = NULL;
	size_t len;
	char **lines;
	bool ok = true;

	if (!mb_read_file(path, 1 << 20, &text, &len, &err)) {
		g_printerr("bandsim: %s\n", err);
		free(err);
		return false;
	}
	lines = g_strsplit(text, "\n", -1);
	for (size_t i = 0; ok && lines[i]; i++) {
		char *line = g_strstrip(lines[i]);

		if (!*line || *line == '#')
			continue;
		if (!mb_band_inject_fault(band, line, &err)) {
			g_printerr("bandsim: %s:%zu: %s\n", path, i + 1, err);
			free(err);
			err = NULL;
			ok = false;
		}
	}
	g_strfreev(lines);
	free(text);
	return ok;
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
	c = control_new(band, app->runner, clock, &copt, &error);
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
	struct mb_band *band;
	struct sock_server *sock = NULL;
	guint sigint_id, sigterm_id;
	struct flash_file flash = { 0 };
	GError *error = NULL;
	char *err = NULL, addr[18];
	bool ok;
	int rc = EXIT_FAILURE;

	if (opt->random_seed_set) {
		static guint64 seed;

		seed = opt->random_seed;
		mb_crypto_set_random_source(seeded_random, &seed);
		g_warning("--random-seed: challenges are predictable (tests and captures only)");
	}
	profile = mb_profile_load(opt->profile, &err);
	if (!profile) {
		g_printerr("bandsim: %s\n", err);
		free(err);
		return EXIT_FAILURE;
	}
	if (!load_state(opt, &state)) {
		mb_profile_free(profile);
		return EXIT_FAILURE;
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
		mb_profile_free(profile);
		return EXIT_FAILURE;
	}
	mb_band_set_debug(band, bandsim_log_core, NULL);
	mb_band_set_persist(band, persist, &app);
	mb_band_set_life_seed(band, opt->life_seed);
	mb_band_set_file_store(band, save_file, &app);
	load_firmware_info(opt, band);
	if (opt->faults && !load_faults(opt->faults, band))
		goto out_band;
	app.band = band;
	if (opt->btsnoop) {
		app.btsnoop = btsnoop_open(opt->btsnoop, &error);
		if (!app.btsnoop) {
			g_printerr("bandsim: --btsnoop: %s\n", error->message);
			g_error_free(error);
			goto out_band;
		}
		mb_band_set_monitor(band, on_pdu, &app);
	}
	if (!attach_flash(opt, band, &flash))
		goto out_band;
	mb_band_set_event_handler(band, on_band_event, &app);
	app.loop = g_main_loop_new(NULL, FALSE);
	/* Before the first status line (the socket says ADVERTISING=1 as it
	 * listens): whoever saw one may stop the band at once, and a SIGTERM
	 * with no handler yet killed it instead of a clean exit. */
	sigint_id = g_unix_signal_add(SIGINT, on_signal, &app);
	sigterm_id = g_unix_signal_add(SIGTERM, on_signal, &app);
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
	if (!app.stopping)
		g_main_loop_run(app.loop);
	rc = EXIT_SUCCESS;
out:
	sock_server_free(sock);
	bluez_server_free(app.bluez);
	mb_band_set_event_handler(band, NULL, NULL);
	control_free(app.control);
	runner_free(app.runner);
	g_source_remove(sigterm_id);
	g_source_remove(sigint_id);
	g_main_loop_unref(app.loop);
out_band:
	mb_band_free(band);
	btsnoop_close(app.btsnoop);
	flash_file_close(&flash);
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
