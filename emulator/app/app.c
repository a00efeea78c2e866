// SPDX-License-Identifier: GPL-2.0-or-later
#include "app.h"

#include "transport/pace.h"

#include <stdlib.h>
#include <string.h>

#include "core/flashlog.h"
#include "core/power.h"
#include "core/util.h"

struct app {
	struct mb_band *band;
	struct bandtime *time;
	struct btsnoop *btsnoop;
	struct runner *runner;
	struct control *control;
	struct transport *transport;
};

static void on_pdu(bool from_central, const uint8_t *pdu, size_t len,
		   void *user_data)
{
	struct app *app = user_data;

	btsnoop_att(app->btsnoop, from_central, pdu, len,
		    mb_band_now_ms(app->band));
}

static void on_band_event(const struct mb_event *ev, void *user_data)
{
	struct app *app = user_data;

	if (app->btsnoop && ev->id == MB_EVENT_CONNECTED)
		btsnoop_connected(app->btsnoop, mb_band_now_ms(app->band));
	if (app->btsnoop && ev->id == MB_EVENT_DISCONNECTED)
		btsnoop_disconnected(app->btsnoop, mb_band_now_ms(app->band));
	transport_band_event(app->transport, ev);
	control_band_event(app->control, ev);
}

static void on_status(const char *what, void *user_data)
{
	runner_status(((struct app *)user_data)->runner, what);
}

/* A PDU, a D-Bus call or a control-plane change: band deadlines may have
 * moved. */
static void kick(void *user_data)
{
	runner_kick(((struct app *)user_data)->runner);
}

static const struct transport_callbacks transport_cb = {
	.status = on_status,
	.activity = kick,
};

static uint64_t host_now(void *user_data)
{
	return bandsim_clock_now(
		bandtime_clock(((struct app *)user_data)->time));
}

static bool host_advance(void *user_data, uint64_t ms, char **err)
{
	return bandtime_advance(((struct app *)user_data)->time, ms, err);
}

static bool host_set_rate(void *user_data, double rate, char **err)
{
	return bandtime_set_rate(((struct app *)user_data)->time, rate, err);
}

static bool host_air_address(void *user_data, char buf[18])
{
	struct app *app = user_data;

	return transport_air_address(app->transport, buf);
}

static const struct control_host control_host = {
	.now = host_now,
	.advance = host_advance,
	.set_rate = host_set_rate,
	.kick = kick,
	.air_address = host_air_address,
};

bool app_advance(struct app *app, uint64_t ms, char **err)
{
	if (!bandtime_advance(app->time, ms, err))
		return false;
	runner_kick(app->runner);
	control_flush_events(app->control);
	return true;
}

bool app_live_history(struct app *app, const struct bandsim_options *opt,
		      char **err)
{
	if (!opt->history_ms)
		return true;
	if (!app_advance(app, opt->history_ms, err)) {
		char *e = *err;

		*err = mb_strdup_printf("--history %s: %s", opt->history, e);
		free(e);
		return false;
	}
	g_info("--history %s: the band has lived it: %zu samples unsynced, "
	       "battery %u%%",
	       opt->history, mb_flashlog_stored(mb_band_log(app->band)),
	       mb_power_level(mb_band_power(app->band)));
	return true;
}

struct app *app_new(struct mb_band *band, struct bandtime *time)
{
	struct app *app = g_new0(struct app, 1);

	app->band = band;
	app->time = time;
	return app;
}

bool app_open_capture(struct app *app, const char *path, GError **error)
{
	app->btsnoop = btsnoop_open(path, error);
	if (!app->btsnoop)
		return false;
	mb_link_set_monitor(mb_band_link(app->band), on_pdu, app);
	return true;
}

void app_start_runner(struct app *app, int status_fd, const char *tag)
{
	mb_band_set_event_handler(app->band, on_band_event, app);
	app->runner = runner_new(app->band, bandtime_clock(app->time),
				 status_fd, tag);
}

void app_control_options(const struct bandsim_options *opt,
			 struct control_options *copt)
{
	*copt = (struct control_options){
		.bus = opt->control_bus,
		.address = opt->control_address,
		.name = opt->control_name,
	};
}

bool app_wants_control(const struct bandsim_options *opt)
{
	return opt->control_address || strcmp(opt->control_bus, "none");
}

bool app_control_unavailable(const struct bandsim_options *opt, GError *error)
{
	bool fatal = opt->control_bus_explicit;

	/* Asked for explicitly, the control plane must be there. */
	if (fatal)
		g_printerr("bandsim: control plane: %s\n", error->message);
	else
		g_warning("running without a control plane: %s",
			  error->message);
	g_error_free(error);
	return !fatal;
}

bool app_start_control(struct app *app, const struct bandsim_options *opt)
{
	struct control_options copt;
	GError *error = NULL;

	if (!app_wants_control(opt))
		return true;
	app_control_options(opt, &copt);
	app->control =
		control_new(app->band, &control_host, app, &copt, &error);
	return app->control || app_control_unavailable(opt, error);
}

bool app_start_control_at(struct app *app, GDBusConnection *conn,
			  const char *path, GError **error)
{
	app->control = control_new_at(app->band, &control_host, app, conn, path,
				      error);
	return app->control != NULL;
}

bool app_start_transport(struct app *app, const struct bandsim_options *opt,
			 GError **error)
{
	switch (opt->transport) {
	case BANDSIM_TRANSPORT_BLUEZ:
		app->transport = bluez_server_new(app->band, opt->adapter,
						  &transport_cb, app, error);
		break;
	case BANDSIM_TRANSPORT_L2CAP:
		/* On the air the link has a real band's pace, the radio's:
		 * the band announces its MTU as it does at that pace. */
		mb_session_set_on_air(mb_band_session(app->band));
		app->transport = l2cap_server_new(app->band, opt->adapter,
						  &transport_cb, app, error);
		break;
	case BANDSIM_TRANSPORT_SOCK: {
		const struct mb_policy *pol =
			mb_profile_policy(mb_band_profile(app->band));
		struct pace_params pace = {
			.interval_ms = pol->connection_interval_ms,
			.per_event = pol->packets_per_event,
		};

		if (opt->pace == BANDSIM_PACE_REAL)
			mb_session_set_paced(mb_band_session(app->band), true);
		app->transport = sock_server_new(
			app->band, opt->socket,
			opt->pace == BANDSIM_PACE_REAL ? &pace : NULL,
			&transport_cb, app, error);
		break;
	}
	}
	return app->transport != NULL;
}

void app_ready(struct app *app, const struct bandsim_options *opt)
{
	const struct mb_band_state *st = mb_band_state(app->band);
	char addr[18];

	mb_band_state_address(st, addr);
	g_info("%s (%s) on %s, profile %s, state %s%s",
	       mb_profile_device_name(mb_band_profile(app->band)), addr,
	       opt->transport == BANDSIM_TRANSPORT_SOCK ? opt->socket
							: opt->adapter,
	       opt->profile, opt->state_dir, st->bound ? ", bound" : "");
	runner_status(app->runner, "READY=1");
}

static void stop(struct app *app)
{
	/* The transport first: a link it ends still reaches the capture
	 * and the control plane. */
	transport_free(app->transport);
	mb_band_set_event_handler(app->band, NULL, NULL);
	mb_link_set_monitor(mb_band_link(app->band), NULL, NULL);
	control_free(app->control);
	runner_free(app->runner);
	btsnoop_close(app->btsnoop);
}

void app_free(struct app *app)
{
	if (!app)
		return;
	stop(app);
	bandtime_stop(app->time);
	g_free(app);
}

void app_kill(struct app *app)
{
	if (!app)
		return;
	/* No final time.ini: a killed process writes nothing more.  Band
	 * time comes back from the file and the flash log, as after
	 * kill -9 (bandtime.h). */
	stop(app);
	g_free(app);
}
