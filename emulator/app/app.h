/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "bandtime.h"
#include "btsnoop.h"
#include "control/control.h"
#include "core/band.h"
#include "options.h"
#include "runner.h"
#include "transport/transport.h"

/* The emulator once it runs: the pieces around the band, and who tells
 * whom what.  The band's events and PDUs fan out to the capture, the
 * transport and the control plane, each told what concerns it; the
 * transport's status and activity go to the runner; the control plane's
 * clock calls go to band time (bandtime.h) and the runner.  A piece not
 * started hears nothing. */
struct app;

/* band and band time outlive the app. */
struct app *app_new(struct mb_band *band, struct bandtime *time);
/* Stops and frees every piece started; band time is written a last
 * time. */
void app_free(struct app *app);

/* AdvanceClock from outside the band's own control object (a fleet's):
 * band time stored, moved on, and what fell due run. */
bool app_advance(struct app *app, uint64_t ms, char **err);
/* --history: the runner started, the band lives the span its clock was
 * started early by (bandtime_new()), by the same road as AdvanceClock
 * over it: the same minutes, samples, battery and events.  Before the
 * control plane and the transport start, so that none of it is on the
 * bus or the air.  False with *err as the message bandsim exits with. */
bool app_live_history(struct app *app, const struct bandsim_options *opt,
		      char **err);
/* As kill -9 leaves a band: every piece stopped, its links cut, and
 * nothing more written (band time is not saved a last time). */
void app_kill(struct app *app);

/* --btsnoop FILE: every PDU of the band's links from now on. */
bool app_open_capture(struct app *app, const char *path, GError **error);
/* The band's events fan out from now on; the runner runs band life and
 * writes the --ready-fd status lines (runner.h: tag for a fleet's band,
 * else NULL). */
void app_start_runner(struct app *app, int status_fd, const char *tag);
/* Whether the options ask for a control plane at all (not
 * --control-bus none). */
bool app_wants_control(const struct bandsim_options *opt);
/* The control plane's part of the options. */
void app_control_options(const struct bandsim_options *opt,
			 struct control_options *copt);
/* A control plane that could not be had (error, taken): false, said
 * why, where it was asked for explicitly; otherwise a warning and true,
 * the band runs without one. */
bool app_control_unavailable(const struct bandsim_options *opt, GError *error);
/* The control plane where the options put it.  Refused where it was
 * asked for explicitly: false, and said why; otherwise the band runs
 * without one, with a warning. */
bool app_start_control(struct app *app, const struct bandsim_options *opt);
/* A band of a fleet: its control object at path on the fleet's
 * connection. */
bool app_start_control_at(struct app *app, GDBusConnection *conn,
			  const char *path, GError **error);
/* The transport the options name. */
bool app_start_transport(struct app *app, const struct bandsim_options *opt,
			 GError **error);
/* Everything is up: where the band is, in the log, and READY=1 on the
 * status fd. */
void app_ready(struct app *app, const struct bandsim_options *opt);
