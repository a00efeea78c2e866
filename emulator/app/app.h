/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "btsnoop.h"
#include "clock.h"
#include "control/control.h"
#include "core/band.h"
#include "options.h"
#include "runner.h"
#include "transport/bluez/bluez-server.h"
#include "transport/sock/sock-server.h"

/* The emulator once it runs: the band and the pieces around it, and who
 * tells whom what.  The band's events and PDUs fan out to the capture,
 * the transport and the control plane, each told what concerns it; the
 * transport's status and activity go to the runner; the control plane's
 * clock calls go to the clock and the runner.  A piece not started is
 * NULL and hears nothing. */
struct app {
	struct mb_band *band;		/* borrowed */
	struct bandsim_clock *clock;	/* borrowed */
	struct btsnoop *btsnoop;
	struct runner *runner;
	struct control *control;
	struct sock_server *sock;
	struct bluez_server *bluez;
};

/* --btsnoop FILE: every PDU of the band's links from now on. */
bool app_open_capture(struct app *app, const char *path, GError **error);
/* The band's events fan out from now on; the runner runs band life and
 * writes the --ready-fd status lines. */
void app_start(struct app *app, int status_fd);
/* The control plane where the options put it.  Refused where it was
 * asked for explicitly: false, and said why; otherwise the band runs
 * without one, with a warning. */
bool app_start_control(struct app *app, const struct bandsim_options *opt);
/* The transport the options name. */
bool app_start_transport(struct app *app, const struct bandsim_options *opt,
			 GError **error);
/* Stops and frees every piece started; the band and the clock stay. */
void app_stop(struct app *app);
