// SPDX-License-Identifier: GPL-2.0-or-later
#include "ctl.h"

#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "core/settings-model.h"
#include "core/util.h"
#include "fleet/fleet-names.h"

struct ctl {
	GDBusConnection *conn;
	const char *name;
	const char *where;
	char *path; /* the band's object: one band's, or band K's of a fleet */
};

static void print_error(const struct ctl *ctl, GError *error)
{
	if (g_error_matches(error, G_DBUS_ERROR,
			    G_DBUS_ERROR_SERVICE_UNKNOWN) ||
	    g_error_matches(error, G_DBUS_ERROR,
			    G_DBUS_ERROR_NAME_HAS_NO_OWNER))
		g_printerr(
			"bandsim ctl: no band is running on %s (nobody owns %s)\n",
			ctl->where, ctl->name);
	else if ((g_error_matches(error, G_DBUS_ERROR,
				  G_DBUS_ERROR_UNKNOWN_METHOD) ||
		  g_error_matches(error, G_DBUS_ERROR,
				  G_DBUS_ERROR_UNKNOWN_OBJECT)) &&
		 g_str_has_prefix(ctl->path, FLEET_BAND_PATH_PREFIX))
		g_printerr(
			"bandsim ctl: no band %s on %s: not in the fleet, or "
			"killed (see bandsim ctl bands)\n",
			ctl->path + strlen(FLEET_BAND_PATH_PREFIX), ctl->where);
	else {
		g_dbus_error_strip_remote_error(error);
		g_printerr("bandsim ctl: %s\n", error->message);
	}
}

static GVariant *call_at(const struct ctl *ctl, const char *path,
			 const char *iface, const char *method, GVariant *args,
			 const char *reply)
{
	GError *error = NULL;
	GVariant *r = g_dbus_connection_call_sync(
		ctl->conn, ctl->name, path, iface, method, args,
		reply ? G_VARIANT_TYPE(reply) : NULL, G_DBUS_CALL_FLAGS_NONE,
		5000, NULL, &error);

	if (!r) {
		print_error(ctl, error);
		g_error_free(error);
	}
	return r;
}

static GVariant *call(const struct ctl *ctl, const char *iface,
		      const char *method, GVariant *args, const char *reply)
{
	return call_at(ctl, ctl->path, iface, method, args, reply);
}

/* Screen as a person reads it: its name, then its fields,
 * "message title='Anna' text='Running late'". */
static char *screen_text(GVariant *v)
{
	GString *out = g_string_new(NULL);
	const char *name = "?", *key;
	GVariantIter iter;
	GVariant *field;

	g_variant_lookup(v, "name", "&s", &name);
	g_string_append(out, name);
	g_variant_iter_init(&iter, v);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &field)) {
		char *text = g_variant_print(field, FALSE);

		if (strcmp(key, "name"))
			g_string_append_printf(out, " %s=%s", key, text);
		g_free(text);
		g_variant_unref(field);
	}
	return g_string_free(out, FALSE);
}

/* How status prints a property: as GVariant text, but for these. */
static const struct {
	const char *name;
	char *(*text)(GVariant *v);
} status_texts[] = {
	{ "Screen", screen_text },
};

static int status(const struct ctl *ctl)
{
	GVariant *r = call(ctl, "org.freedesktop.DBus.Properties", "GetAll",
			   g_variant_new("(s)", CONTROL_INTERFACE), "(a{sv})");
	GVariantIter *iter;
	const char *key;
	GVariant *v;

	if (!r)
		return 1;
	g_variant_get(r, "(a{sv})", &iter);
	while (g_variant_iter_next(iter, "{&sv}", &key, &v)) {
		char *(*print)(GVariant * v) = NULL;
		char *text;

		for (size_t i = 0; i < G_N_ELEMENTS(status_texts); i++)
			if (!strcmp(status_texts[i].name, key))
				print = status_texts[i].text;
		text = print ? print(v) : g_variant_print(v, FALSE);
		printf("%-14s %s\n", key, text);
		g_free(text);
		g_variant_unref(v);
	}
	g_variant_iter_free(iter);
	g_variant_unref(r);
	return 0;
}

/* One alarm of Settings as the settings file shows it. */
static void print_alarm(GVariant *alarm)
{
	struct mb_alarm a = { 0 };
	guint8 slot = 0, days = 0;
	gboolean once = FALSE, enabled = FALSE, snooze = FALSE;
	char text[MB_ALARM_TEXT_MAX], key[16];

	g_variant_lookup(alarm, "slot", "y", &slot);
	g_variant_lookup(alarm, "hour", "y", &a.hour);
	g_variant_lookup(alarm, "minute", "y", &a.minute);
	g_variant_lookup(alarm, "days", "y", &days);
	g_variant_lookup(alarm, "once", "b", &once);
	g_variant_lookup(alarm, "enabled", "b", &enabled);
	g_variant_lookup(alarm, "snooze", "b", &snooze);
	a.days = once ? MB_ALARM_ONCE : days;
	a.enabled = enabled;
	a.snooze = snooze;
	mb_alarm_format(&a, text, sizeof(text));
	snprintf(key, sizeof(key), "alarm-%u", slot);
	printf("%-30s %s\n", key, text);
}

static void print_setting(const char *key, GVariant *v)
{
	if (g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN)) {
		printf("%-30s %s\n", key,
		       g_variant_get_boolean(v) ? "yes" : "no");
	} else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32)) {
		printf("%-30s %u\n", key, g_variant_get_uint32(v));
	} else if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)) {
		printf("%-30s %s\n", key, g_variant_get_string(v, NULL));
	} else if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT32)) {
		gint32 q = g_variant_get_int32(v);

		/* The time zone, in quarter-hours (protocol §6). */
		printf("%-30s UTC%c%02d:%02d (%d)\n", key, q < 0 ? '-' : '+',
		       abs(q) / 4, abs(q) % 4 * 15, q);
	} else if (g_variant_is_of_type(v, G_VARIANT_TYPE("aa{sv}"))) {
		for (gsize i = 0; i < g_variant_n_children(v); i++) {
			GVariant *alarm = g_variant_get_child_value(v, i);

			print_alarm(alarm);
			g_variant_unref(alarm);
		}
	} else {
		char *text = g_variant_print(v, FALSE);

		printf("%-30s %s\n", key, text);
		g_free(text);
	}
}

static int settings(const struct ctl *ctl)
{
	GVariant *r = call(ctl, "org.freedesktop.DBus.Properties", "Get",
			   g_variant_new("(ss)", CONTROL_INTERFACE, "Settings"),
			   "(v)");
	GVariant *all, *v;
	GVariantIter iter;
	const char *key;

	if (!r)
		return 1;
	g_variant_get(r, "(v)", &all);
	g_variant_iter_init(&iter, all);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &v)) {
		print_setting(key, v);
		g_variant_unref(v);
	}
	g_variant_unref(all);
	g_variant_unref(r);
	return 0;
}

/* One line per event: its name and details. */
static void on_events(GDBusConnection *conn, const char *sender,
		      const char *path, const char *iface, const char *signal,
		      GVariant *params, gpointer user_data)
{
	GVariant *events = g_variant_get_child_value(params, 0);
	GVariantIter iter;
	GVariant *details;
	const char *name;

	g_variant_iter_init(&iter, events);
	while (g_variant_iter_next(&iter, "(&s@a{sv})", &name, &details)) {
		char *text = g_variant_print(details, FALSE);

		printf("%s %s\n", name, text);
		g_free(text);
		g_variant_unref(details);
	}
	fflush(stdout);
	g_variant_unref(events);
}

static gboolean on_quit(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

static int events(const struct ctl *ctl)
{
	GMainLoop *loop = g_main_loop_new(NULL, FALSE);
	GVariant *r;
	guint id;

	id = g_dbus_connection_signal_subscribe(
		ctl->conn, ctl->name, CONTROL_INTERFACE, "Events", ctl->path,
		NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_events, NULL, NULL);
	/* Fail at once, not silently, when no band is there. */
	r = call(ctl, "org.freedesktop.DBus.Peer", "Ping", NULL, NULL);
	if (r) {
		g_variant_unref(r);
		g_unix_signal_add(SIGINT, on_quit, loop);
		g_unix_signal_add(SIGTERM, on_quit, loop);
		g_main_loop_run(loop);
	}
	g_dbus_connection_signal_unsubscribe(ctl->conn, id);
	g_main_loop_unref(loop);
	return r ? 0 : 1;
}

static int simple(const struct ctl *ctl, const char *method, GVariant *args)
{
	GVariant *r = call(ctl, CONTROL_INTERFACE, method, args, NULL);

	if (!r)
		return 1;
	g_variant_unref(r);
	return 0;
}

/* One row per command: its arguments after the name, and the method it
 * calls (NULL: the command does more than one call). */
struct command {
	const char *name;
	int n_args;
	const char *method;
	int (*run)(const struct ctl *ctl, const struct command *cmd,
		   char **args);
};

static int run_status(const struct ctl *ctl, const struct command *cmd,
		      char **args)
{
	return status(ctl);
}

static int run_events(const struct ctl *ctl, const struct command *cmd,
		      char **args)
{
	return events(ctl);
}

static int run_simple(const struct ctl *ctl, const struct command *cmd,
		      char **args)
{
	return simple(ctl, cmd->method, NULL);
}

/* SECONDS of advance and advance-all; false, said, when it is not a
 * number. */
static bool seconds_arg(const struct command *cmd, const char *arg, double *s)
{
	char *end;

	*s = g_ascii_strtod(arg, &end);
	if (*end || end == arg) {
		g_printerr("bandsim ctl: %s: '%s' is not a number of seconds\n",
			   cmd->name, arg);
		return false;
	}
	return true;
}

static int run_advance(const struct ctl *ctl, const struct command *cmd,
		       char **args)
{
	double s;

	if (!seconds_arg(cmd, args[0], &s))
		return 2;
	return simple(ctl, cmd->method, g_variant_new("(d)", s));
}

static int run_settings(const struct ctl *ctl, const struct command *cmd,
			char **args)
{
	return settings(ctl);
}

static int run_alarm(const struct ctl *ctl, const struct command *cmd,
		     char **args)
{
	char *end;
	unsigned long slot = strtoul(args[0], &end, 10);
	bool on = !strcmp(args[1], "on");

	if (*end || end == args[0] || slot > 255 ||
	    (!on && strcmp(args[1], "off"))) {
		g_printerr("bandsim ctl: alarm: SLOT (0-9) and on or off\n");
		return 2;
	}
	return simple(ctl, cmd->method,
		      g_variant_new("(yb)", (guint8)slot, on));
}

/* "on" or "off", "start" or "stop": one of the two words of the row. */
static bool two_words(const char *arg, const char *yes, const char *no,
		      gboolean *out)
{
	*out = !strcmp(arg, yes);
	return *out || !strcmp(arg, no);
}

static int run_find_phone(const struct ctl *ctl, const struct command *cmd,
			  char **args)
{
	gboolean start;

	if (!two_words(args[0], "start", "stop", &start)) {
		g_printerr("bandsim ctl: find-phone: start or stop\n");
		return 2;
	}
	return simple(ctl, cmd->method, g_variant_new("(b)", start));
}

static int run_music(const struct ctl *ctl, const struct command *cmd,
		     char **args)
{
	return simple(ctl, cmd->method, g_variant_new("(s)", args[0]));
}

static int run_silent(const struct ctl *ctl, const struct command *cmd,
		      char **args)
{
	gboolean on;

	if (!two_words(args[0], "on", "off", &on)) {
		g_printerr("bandsim ctl: silent: on or off\n");
		return 2;
	}
	return simple(ctl, cmd->method, g_variant_new("(b)", on));
}

/* device-event CODE [HEX]: the code in hex (08, 0xfe), the bytes after
 * it in hex ("e0", "01 02"). */
static int run_device_event(const struct ctl *ctl, const struct command *cmd,
			    char **args)
{
	char *end;
	unsigned long code = strtoul(args[0], &end, 16);
	uint8_t *extra = NULL;
	size_t len = 0;
	int rc;

	if (*end || end == args[0] || code > 0xff ||
	    (cmd->n_args > 1 && !mb_hex_parse(args[1], &extra, &len))) {
		g_printerr(
			"bandsim ctl: device-event: CODE in hex (08, fe) and the bytes after it in hex (e0)\n");
		return 2;
	}
	rc = simple(ctl, cmd->method,
		    g_variant_new("(y@ay)", (guint8)code,
				  g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE,
							    extra, len, 1)));
	free(extra);
	return rc;
}

static int run_answer(const struct ctl *ctl, const struct command *cmd,
		      char **args)
{
	if (strcmp(args[0], "reject") && strcmp(args[0], "ignore")) {
		g_printerr("bandsim ctl: answer: reject or ignore\n");
		return 2;
	}
	return simple(ctl, cmd->method, g_variant_new("(s)", args[0]));
}

/* workout start KIND | workout stop: the wearer on the band's menu. */
static int run_workout(const struct ctl *ctl, const struct command *cmd,
		       char **args)
{
	if (cmd->n_args == 2 && !strcmp(args[0], "start"))
		return simple(ctl, "StartWorkout",
			      g_variant_new("(s)", args[1]));
	if (cmd->n_args == 1 && !strcmp(args[0], "stop"))
		return simple(ctl, "StopWorkout", NULL);
	g_printerr("bandsim ctl: workout: start KIND (outdoor-run, treadmill, "
		   "walking, cycling, exercise, pool-swim) or stop\n");
	return 2;
}

static void iso_utc(guint64 unix_s, char *out, size_t size)
{
	GDateTime *t = g_date_time_new_from_unix_utc((gint64)unix_s);
	char *s = t ? g_date_time_format(t, "%FT%TZ") : NULL;

	g_strlcpy(out, s ? s : "?", size);
	g_free(s);
	if (t)
		g_date_time_unref(t);
}

/* A line a workout: id, kind, start and end (UTC, ISO 8601), seconds,
 * steps, points with a position, and running or cut. */
static int run_workouts(const struct ctl *ctl, const struct command *cmd,
			char **args)
{
	GVariant *r =
		call(ctl, CONTROL_INTERFACE, cmd->method, NULL, "(aa{sv})");
	GVariant *list, *w;
	GVariantIter iter;

	if (!r)
		return 1;
	g_variant_get(r, "(@aa{sv})", &list);
	g_variant_iter_init(&iter, list);
	while ((w = g_variant_iter_next_value(&iter))) {
		GVariantDict d;
		GVariant *track;
		guint32 id = 0;
		guint64 start = 0, end = 0;
		const char *kind = "";
		gboolean running = FALSE, cut = FALSE;
		guint32 steps = 0, positions = 0;
		char from[32], to[32];

		g_variant_dict_init(&d, w);
		g_variant_dict_lookup(&d, "id", "u", &id);
		g_variant_dict_lookup(&d, "kind", "&s", &kind);
		g_variant_dict_lookup(&d, "start", "t", &start);
		g_variant_dict_lookup(&d, "end", "t", &end);
		g_variant_dict_lookup(&d, "running", "b", &running);
		g_variant_dict_lookup(&d, "cut", "b", &cut);
		track = g_variant_dict_lookup_value(
			&d, "track", G_VARIANT_TYPE("a(qyyqbii)"));
		for (gsize i = 0; track && i < g_variant_n_children(track);
		     i++) {
			guint8 bpm, s;
			guint16 off, dm;
			gboolean has;
			gint32 lat, lon;

			g_variant_get_child(track, i, "(qyyqbii)", &off, &bpm,
					    &s, &dm, &has, &lat, &lon);
			steps += s;
			positions += has;
		}
		iso_utc(start, from, sizeof(from));
		if (running)
			g_strlcpy(to, "-", sizeof(to));
		else
			iso_utc(end, to, sizeof(to));
		printf("%u\t%s\t%s\t%s\t%zu s\t%u steps\t%u positions%s\n", id,
		       kind, from, to, track ? g_variant_n_children(track) : 0,
		       steps, positions,
		       running ? "\trunning"
		       : cut   ? "\tcut"
			       : "");
		if (track)
			g_variant_unref(track);
		g_variant_dict_clear(&d);
		g_variant_unref(w);
	}
	g_variant_unref(list);
	g_variant_unref(r);
	return 0;
}

/* ---- a fleet's commands (io.bandsim.Fleet1) ---- */

static GVariant *fleet_call(const struct ctl *ctl, const char *method,
			    GVariant *args, const char *reply)
{
	return call_at(ctl, FLEET_OBJECT_PATH, FLEET_INTERFACE, method, args,
		       reply);
}

/* A Fleet1 call with no reply to print: the exit status. */
static int fleet_simple(const struct ctl *ctl, const char *method,
			GVariant *args)
{
	GVariant *r = fleet_call(ctl, method, args, NULL);

	if (!r)
		return 1;
	g_variant_unref(r);
	return 0;
}

static int run_bands(const struct ctl *ctl, const struct command *cmd,
		     char **args)
{
	GVariant *r = call_at(ctl, FLEET_OBJECT_PATH,
			      "org.freedesktop.DBus.Properties", "Get",
			      g_variant_new("(ss)", FLEET_INTERFACE, "Bands"),
			      "(v)");
	GVariant *bands;
	GVariantIter iter;
	const char *path, *socket;
	guint32 id;
	gboolean running;

	if (!r)
		return 1;
	g_variant_get(r, "(v)", &bands);
	g_variant_iter_init(&iter, bands);
	while (g_variant_iter_next(&iter, "(u&o&sb)", &id, &path, &socket,
				   &running))
		printf("%u\t%s\t%s\t%s\n", id, running ? "running" : "killed",
		       socket, path);
	g_variant_unref(bands);
	g_variant_unref(r);
	return 0;
}

static int run_add_band(const struct ctl *ctl, const struct command *cmd,
			char **args)
{
	GVariant *r = fleet_call(ctl, cmd->method, NULL, "(uos)");
	const char *path, *socket;
	guint32 id;

	if (!r)
		return 1;
	g_variant_get(r, "(u&o&s)", &id, &path, &socket);
	printf("%u\t%s\t%s\n", id, socket, path);
	g_variant_unref(r);
	return 0;
}

/* K: a band's number in the fleet. */
static bool band_number(const char *s, guint32 *id)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	*id = (guint32)v;
	return *s && !*end && v >= 1 && v <= G_MAXUINT32;
}

static int run_band_op(const struct ctl *ctl, const struct command *cmd,
		       char **args)
{
	guint32 id;

	if (!band_number(args[0], &id)) {
		g_printerr("bandsim ctl: %s: K, a band's number (1, 2, ...)\n",
			   cmd->name);
		return 2;
	}
	return fleet_simple(ctl, cmd->method, g_variant_new("(u)", id));
}

static int run_advance_all(const struct ctl *ctl, const struct command *cmd,
			   char **args)
{
	double s;

	if (!seconds_arg(cmd, args[0], &s))
		return 2;
	return fleet_simple(ctl, cmd->method, g_variant_new("(d)", s));
}

static const struct command commands[] = {
	{ "status", 0, NULL, run_status },
	{ "press", 0, "PressButton", run_simple },
	{ "long-press", 0, "LongPressButton", run_simple },
	{ "reset", 0, "FactoryReset", run_simple },
	{ "reboot", 0, "Reboot", run_simple },
	{ "events", 0, NULL, run_events },
	{ "advance", 1, "AdvanceClock", run_advance },
	{ "settings", 0, NULL, run_settings },
	{ "alarm", 2, "SetAlarmEnabled", run_alarm },
	{ "find-phone", 1, "FindPhone", run_find_phone },
	{ "music", 1, "MusicControl", run_music },
	{ "silent", 1, "SetSilentMode", run_silent },
	{ "device-event", 1, "InjectDeviceEvent", run_device_event },
	{ "device-event", 2, "InjectDeviceEvent", run_device_event },
	{ "answer", 1, "AnswerCall", run_answer },
	{ "workout", 1, "StopWorkout", run_workout },
	{ "workout", 2, "StartWorkout", run_workout },
	{ "workouts", 0, "GetWorkouts", run_workouts },
	{ "bands", 0, NULL, run_bands },
	{ "add-band", 0, "AddBand", run_add_band },
	{ "remove-band", 1, "RemoveBand", run_band_op },
	{ "kill-band", 1, "KillBand", run_band_op },
	{ "start-band", 1, "StartBand", run_band_op },
	{ "advance-all", 1, "AdvanceClock", run_advance_all },
};

int ctl_main(int argc, char **argv)
{
	struct control_options opt = { .bus = "session",
				       .name = CONTROL_DEFAULT_NAME };
	char *bus = NULL, *address = NULL, *name = NULL;
	gint band = 0;
	GError *error = NULL;
	struct ctl ctl = { 0 };
	const struct command *cmd = NULL;
	int rc = 2;
	const GOptionEntry entries[] = {
		{ "control-bus", 0, 0, G_OPTION_ARG_STRING, &bus,
		  "session (default) or system", "BUS" },
		{ "control-address", 0, 0, G_OPTION_ARG_STRING, &address,
		  "A private bus address", "ADDRESS" },
		{ "control-name", 0, 0, G_OPTION_ARG_STRING, &name,
		  "The band's bus name (default io.bandsim)", "NAME" },
		{ "band", 'b', 0, G_OPTION_ARG_INT, &band,
		  "Band K of a fleet (bandsim fleet)", "K" },
		{ NULL }
	};
	GOptionContext *ctx = g_option_context_new(
		"COMMAND - press the band's button, reset it, move its clock");

	/* GOption's "Usage:" names the program: argv[0] is "ctl" here. */
	g_set_prgname("bandsim ctl");

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_description(
		ctx,
		"Commands:\n"
		"  status           print the band's state\n"
		"  press            tap the button (confirms a pairing prompt)\n"
		"  long-press       long-press the button (declines a prompt)\n"
		"  reset            factory reset from the band's menu\n"
		"  reboot           restart the band\n"
		"  advance SECONDS  move band time forward\n"
		"  settings         print what the companion app configured\n"
		"  alarm SLOT on|off  turn an alarm on or off on the band\n"
		"  find-phone start|stop  find phone from the band's menu\n"
		"  music ACTION     the music screen: play, pause, next, previous,\n"
		"                   volume-up, volume-down, open, close\n"
		"  silent on|off    mute or unmute the phone from the band's menu\n"
		"  device-event CODE [HEX]  send any device event (a test's)\n"
		"  answer reject|ignore  answer the call that rings on the band\n"
		"  workout start KIND|stop  a workout from the band's menu:\n"
		"                   outdoor-run, treadmill, walking, cycling,\n"
		"                   exercise, pool-swim\n"
		"  workouts         list the workouts the band holds\n"
		"  events           print protocol events until interrupted\n"
		"A fleet's (bandsim fleet; the commands above take --band K):\n"
		"  bands            list the bands: number, running or killed,\n"
		"                   socket, control object\n"
		"  add-band         start one more band\n"
		"  remove-band K    stop band K and forget it (its files stay)\n"
		"  kill-band K      stop band K as kill -9 would\n"
		"  start-band K     start a killed band K again\n"
		"  advance-all SECONDS  move every band's time forward\n"
		"Examples:\n"
		"  bandsim ctl press\n"
		"  bandsim ctl --band 3 advance 3600\n"
		"Docs: man bandsim-ctl, docs/dbus/io.bandsim.Band1.md in the source tree.\n");
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("bandsim ctl: %s\n", error->message);
		goto out;
	}
	if (argc < 2) {
		g_printerr(
			"bandsim ctl: which command? (try bandsim ctl --help)\n");
		goto out;
	}
	if (bus)
		opt.bus = bus;
	if (strcmp(opt.bus, "session") && strcmp(opt.bus, "system")) {
		g_printerr("bandsim ctl: --control-bus: session or system\n");
		goto out;
	}
	opt.address = address;
	if (name)
		opt.name = name;
	if (band < 0) {
		g_printerr(
			"bandsim ctl: --band: K, a band's number (1, 2, ...)\n");
		goto out;
	}
	ctl.path = band ? g_strdup_printf(FLEET_BAND_PATH_PREFIX "%d", band)
			: g_strdup(CONTROL_OBJECT_PATH);
	ctl.name = opt.name;
	ctl.where = address			 ? address
		    : !strcmp(opt.bus, "system") ? "the system bus"
						 : "the session bus";
	ctl.conn = control_connect_bus(&opt, &error);
	if (!ctl.conn) {
		g_printerr("bandsim ctl: cannot reach %s: %s\n", ctl.where,
			   error->message);
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (strcmp(commands[i].name, argv[1]) ||
		    argc != 2 + commands[i].n_args)
			continue;
		cmd = &commands[i];
		break;
	}
	if (cmd)
		rc = cmd->run(&ctl, cmd, argv + 2);
	else
		g_printerr(
			"bandsim ctl: unknown command or wrong arguments: %s (try bandsim ctl --help)\n",
			argv[1]);
out:
	if (error)
		g_error_free(error);
	if (ctl.conn)
		g_object_unref(ctl.conn);
	g_free(ctl.path);
	g_option_context_free(ctx);
	g_free(bus);
	g_free(address);
	g_free(name);
	return rc;
}
