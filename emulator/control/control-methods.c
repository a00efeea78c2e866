// SPDX-License-Identifier: GPL-2.0-or-later
/* The methods of io.bandsim.Band1: one table row each, with the
 * arguments it takes, the properties it changes itself and whether the
 * band runs before the reply.  Arguments are checked in the row's
 * handler; the dispatcher builds the reply or the error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "control-private.h"
#include "core/util.h"
#include "core/devevents.h"
#include "core/alerts.h"
#include "core/fault.h"
#include "core/flashlog.h"
#include "core/power.h"
#include "core/settings.h"
#include "core/sport.h"
#include "core/workoutlog.h"

/* Ten years of band time is more than any scenario needs. */
#define MAX_ADVANCE_S (10.0 * 365 * 86400)

/* What a handler answers: out arguments (a tuple, or NULL for none), or
 * an error name and its message (malloc'd). */
struct reply {
	GVariant *value;
	const char *error;
	char *message;
};

static void fail(struct reply *r, const char *error, char *message)
{
	r->error = error;
	r->message = message;
}

static void press_button(struct control *c, GVariant *args, struct reply *r)
{
	mb_band_press_button(c->band);
}

static void long_press_button(struct control *c, GVariant *args,
			      struct reply *r)
{
	mb_band_long_press_button(c->band);
}

static void factory_reset(struct control *c, GVariant *args, struct reply *r)
{
	char *err = NULL;

	if (!mb_band_factory_reset(c->band, &err))
		fail(r, CONTROL_ERROR_FAILED, err);
}

static void reboot(struct control *c, GVariant *args, struct reply *r)
{
	mb_band_reboot(c->band);
}

static void advance_clock(struct control *c, GVariant *args, struct reply *r)
{
	char *err = NULL;
	double s;

	g_variant_get(args, "(d)", &s);
	if (!isfinite(s) || s < 0 || s > MAX_ADVANCE_S) {
		fail(r, CONTROL_ERROR_INVALID_ARGS,
		     mb_strdup("seconds must be between 0 and ten years"));
		return;
	}
	if (!c->host->advance(c->host_data, (uint64_t)llround(s * 1000.0),
			      &err))
		fail(r, CONTROL_ERROR_FAILED, err);
}

static void set_battery(struct control *c, GVariant *args, struct reply *r)
{
	guint32 pct;

	g_variant_get(args, "(u)", &pct);
	if (pct > 100) {
		fail(r, CONTROL_ERROR_INVALID_ARGS,
		     mb_strdup("percent must be 0..100"));
		return;
	}
	mb_power_set_level(mb_band_power(c->band), pct);
}

static void set_charging(struct control *c, GVariant *args, struct reply *r)
{
	gboolean on;

	g_variant_get(args, "(b)", &on);
	mb_power_set_plugged(mb_band_power(c->band), on);
}

static void set_clock_rate(struct control *c, GVariant *args, struct reply *r)
{
	char *err = NULL;
	double k;

	g_variant_get(args, "(d)", &k);
	if (!isfinite(k) || k < 0 || k > 1e6) {
		fail(r, CONTROL_ERROR_INVALID_ARGS,
		     mb_strdup("rate must be between 0 and 1000000"));
		return;
	}
	if (!c->host->set_rate(c->host_data, k, &err))
		fail(r, CONTROL_ERROR_FAILED, err);
}

static void inject_fault(struct control *c, GVariant *args, struct reply *r)
{
	const char *spec;
	char *err = NULL;
	unsigned int id;

	g_variant_get(args, "(&s)", &spec);
	id = mb_faults_inject(mb_band_faults(c->band), spec, &err);
	if (!id) {
		fail(r, CONTROL_ERROR_INVALID_ARGS, err);
		return;
	}
	r->value = g_variant_new("(u)", id);
}

static void clear_faults(struct control *c, GVariant *args, struct reply *r)
{
	mb_faults_clear(mb_band_faults(c->band));
}

/* The samples in [from, to) of band local time, as (at, ay): a 30-day
 * window is 43200 samples, so they travel packed, not as structs. */
static void get_samples(struct control *c, GVariant *args, struct reply *r)
{
	GArray *ts = g_array_new(FALSE, FALSE, sizeof(guint64));
	GByteArray *data = g_byte_array_new();
	guint64 from, to;

	g_variant_get(args, "(tt)", &from, &to);
	for (size_t i = 0; i < mb_flashlog_count(mb_band_log(c->band)); i++) {
		struct mb_flashlog_sample s =
			mb_flashlog_at(mb_band_log(c->band), i);
		guint64 t = (guint64)s.minute * 60;

		if (t < from || t >= to)
			continue;
		g_array_append_val(ts, t);
		g_byte_array_append(data, s.data, 4);
	}
	r->value = g_variant_new(
		"(@at@ay)",
		g_variant_new_fixed_array(G_VARIANT_TYPE_UINT64, ts->data,
					  ts->len, sizeof(guint64)),
		g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data->data,
					  data->len, 1));
	g_array_unref(ts);
	g_byte_array_unref(data);
}

/* A tap on the band's alarm screen (docs/settings.md). */
static void set_alarm_enabled(struct control *c, GVariant *args,
			      struct reply *r)
{
	guint8 slot;
	gboolean on;
	char *err = NULL;

	g_variant_get(args, "(yb)", &slot, &on);
	if (slot >= MB_ALARM_SLOTS ||
	    !mb_settings_values(mb_band_settings(c->band))->alarms[slot].days) {
		fail(r, CONTROL_ERROR_INVALID_ARGS,
		     mb_strdup_printf("alarm %u is not in use", slot));
		return;
	}
	if (!mb_settings_set_alarm_enabled(mb_band_settings(c->band), slot, on,
					   &err))
		fail(r, CONTROL_ERROR_FAILED, err);
}

/* The band's find-phone menu item: start or stop (device events 08, 0F). */
static void find_phone(struct control *c, GVariant *args, struct reply *r)
{
	gboolean start;
	char *err = NULL;

	g_variant_get(args, "(b)", &start);
	if (!mb_devevents_find_phone(mb_band_devevents(c->band), start, &err))
		fail(r, CONTROL_ERROR_FAILED, err);
}

/* The band's music screen: FE <action>. */
static void music_control(struct control *c, GVariant *args, struct reply *r)
{
	const char *name;
	GString *names;

	g_variant_get(args, "(&s)", &name);
	for (int a = 0; a < MB_MUSIC_ACTION_COUNT; a++) {
		if (!strcmp(name, mb_music_action_name(a))) {
			mb_devevents_music(mb_band_devevents(c->band), a);
			return;
		}
	}
	names = g_string_new(NULL);
	for (int a = 0; a < MB_MUSIC_ACTION_COUNT; a++)
		g_string_append_printf(names, "%s%s", a ? ", " : "",
				       mb_music_action_name(a));
	fail(r, CONTROL_ERROR_INVALID_ARGS,
	     mb_strdup_printf("action '%s' is not one of %s", name,
			      names->str));
	g_string_free(names, TRUE);
}

/* The band's menu mutes or unmutes the phone: device event 10 <on>. */
static void set_silent_mode(struct control *c, GVariant *args, struct reply *r)
{
	gboolean on;

	g_variant_get(args, "(b)", &on);
	mb_devevents_silent_mode(mb_band_devevents(c->band), on);
}

/* Any device event of the table, for a test. */
static void inject_device_event(struct control *c, GVariant *args,
				struct reply *r)
{
	GVariant *extra;
	const guint8 *bytes;
	gsize len;
	guint8 code;
	char *err = NULL;

	g_variant_get(args, "(y@ay)", &code, &extra);
	bytes = g_variant_get_fixed_array(extra, &len, 1);
	if (!mb_devevents_inject(mb_band_devevents(c->band), code, bytes, len,
				 &err))
		fail(r, CONTROL_ERROR_INVALID_ARGS, err);
	g_variant_unref(extra);
}

/* The wearer answers the call that rings, on the band (docs/policies.md#calls):
 * the band sends 07 or 09 on 00000010. */
static void answer_call(struct control *c, GVariant *args, struct reply *r)
{
	static const struct {
		const char *how;
		enum mb_call_end end;
	} answers[] = {
		{ "reject", MB_CALL_END_REJECTED },
		{ "ignore", MB_CALL_END_IGNORED },
	};
	const char *how;
	size_t i;

	g_variant_get(args, "(&s)", &how);
	for (i = 0; i < G_N_ELEMENTS(answers); i++)
		if (!strcmp(answers[i].how, how))
			break;
	if (i == G_N_ELEMENTS(answers)) {
		fail(r, CONTROL_ERROR_INVALID_ARGS,
		     mb_strdup_printf("'%s': reject or ignore", how));
		return;
	}
	if (!mb_alerts_answer_call(mb_band_alerts(c->band), answers[i].end))
		fail(r, CONTROL_ERROR_FAILED, mb_strdup("no call is ringing"));
}

/* The wearer starts a workout on the band (docs/workouts.md). */
static void start_workout(struct control *c, GVariant *args, struct reply *r)
{
	enum mb_sport_kind kind;
	const char *name;
	char *err = NULL;

	g_variant_get(args, "(&s)", &name);
	kind = mb_sport_kind_from_name(name);
	if (kind == MB_SPORT_NONE) {
		fail(r, CONTROL_ERROR_INVALID_ARGS,
		     mb_strdup_printf("'%s': the band's workouts are %s", name,
				      mb_sport_kind_names()));
		return;
	}
	if (!mb_sport_start(mb_band_sport(c->band), kind, &err))
		fail(r, CONTROL_ERROR_FAILED, err);
}

static void stop_workout(struct control *c, GVariant *args, struct reply *r)
{
	char *err = NULL;

	if (!mb_sport_stop(mb_band_sport(c->band), &err))
		fail(r, CONTROL_ERROR_FAILED, err);
}

/* One workout: its summary's facts and its track, (offset, bpm, steps,
 * distance_dm, has_position, lat, lon) a second. */
static GVariant *workout_value(const struct mb_workout *w, bool running)
{
	GVariantBuilder b, track;

	g_variant_builder_init(&track, G_VARIANT_TYPE("a(qyyqbii)"));
	for (size_t i = 0; i < w->n_points; i++) {
		const struct mb_workout_point *p = &w->points[i];

		g_variant_builder_add(&track, "(qyyqbii)", p->offset_s, p->bpm,
				      p->steps, p->distance_dm,
				      (gboolean)p->has_position, p->lat,
				      p->lon);
	}
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", "id", g_variant_new_uint32(w->id));
	g_variant_builder_add(&b, "{sv}", "kind",
			      g_variant_new_string(mb_sport_kind_name(w->kind)
							   ?: "unknown"));
	g_variant_builder_add(&b, "{sv}", "gps", g_variant_new_boolean(w->gps));
	g_variant_builder_add(&b, "{sv}", "start",
			      g_variant_new_uint64(w->start_s));
	g_variant_builder_add(&b, "{sv}", "end",
			      g_variant_new_uint64(w->end_s));
	g_variant_builder_add(&b, "{sv}", "tz", g_variant_new_int16(w->tz));
	g_variant_builder_add(&b, "{sv}", "cut", g_variant_new_boolean(w->cut));
	g_variant_builder_add(&b, "{sv}", "running",
			      g_variant_new_boolean(running));
	g_variant_builder_add(&b, "{sv}", "track",
			      g_variant_builder_end(&track));
	return g_variant_builder_end(&b);
}

/* The workouts the band holds and has not deleted, oldest first, then
 * the one running (running = true). */
static void get_workouts(struct control *c, GVariant *args, struct reply *r)
{
	const struct mb_workoutlog *log =
		mb_logstore_workouts(mb_band_store(c->band));
	const struct mb_workout *w = mb_workoutlog_running(log);
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
	for (size_t i = 0; i < mb_workoutlog_count(log); i++)
		g_variant_builder_add_value(
			&b, workout_value(mb_workoutlog_at(log, i), false));
	if (w)
		g_variant_builder_add_value(&b, workout_value(w, true));
	r->value = g_variant_new("(@aa{sv})", g_variant_builder_end(&b));
}

#define P(name) CONTROL_PROP_BIT(CONTROL_PROP_##name)

static const struct {
	const char *name;
	const char *args; /* the in arguments, as a tuple type */
	void (*call)(struct control *c, GVariant *args, struct reply *r);
	/* Properties the call changes without a band event. */
	uint32_t changes;
	/* Whatever became due (by the new band time) happens before the
	 * reply, so its events reach the caller first. */
	bool runs_band;
} methods[] = {
	{ "PressButton", "()", press_button, 0, true },
	{ "LongPressButton", "()", long_press_button, 0, true },
	{ "FactoryReset", "()", factory_reset, 0, true },
	{ "Reboot", "()", reboot, 0, true },
	{ "AdvanceClock", "(d)", advance_clock, 0, true },
	{ "SetBattery", "(u)", set_battery, 0, true },
	{ "SetCharging", "(b)", set_charging, 0, true },
	{ "SetClockRate", "(d)", set_clock_rate, 0, true },
	{ "InjectFault", "(s)", inject_fault, P(FAULTS), false },
	{ "ClearFaults", "()", clear_faults, P(FAULTS), true },
	{ "GetSamples", "(tt)", get_samples, 0, false },
	{ "SetAlarmEnabled", "(yb)", set_alarm_enabled, 0, true },
	{ "FindPhone", "(b)", find_phone, 0, true },
	{ "MusicControl", "(s)", music_control, 0, true },
	{ "SetSilentMode", "(b)", set_silent_mode, 0, true },
	{ "InjectDeviceEvent", "(yay)", inject_device_event, 0, true },
	{ "AnswerCall", "(s)", answer_call, 0, true },
	{ "StartWorkout", "(s)", start_workout, 0, true },
	{ "StopWorkout", "()", stop_workout, 0, true },
	{ "GetWorkouts", "()", get_workouts, 0, false },
};

bool control_methods_check(const GDBusInterfaceInfo *iface, GError **error)
{
	for (size_t m = 0; iface->methods && iface->methods[m]; m++) {
		const GDBusMethodInfo *info = iface->methods[m];
		GString *sig = g_string_new("(");
		bool found = false;

		for (size_t a = 0; info->in_args && info->in_args[a]; a++)
			g_string_append(sig, info->in_args[a]->signature);
		g_string_append_c(sig, ')');
		for (size_t i = 0; i < G_N_ELEMENTS(methods); i++)
			found |= !strcmp(methods[i].name, info->name) &&
				 !strcmp(methods[i].args, sig->str);
		if (!found)
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
				    "no method row for %s%s", info->name,
				    sig->str);
		g_string_free(sig, TRUE);
		if (!found)
			return false;
	}
	return true;
}

void control_methods_call(struct control *c, const char *method, GVariant *args,
			  GDBusMethodInvocation *inv)
{
	struct reply r = { 0 };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(methods); i++)
		if (!strcmp(methods[i].name, method))
			break;
	/* GDBus checked both against the introspection data already, and
	 * control_methods_check() the table against that. */
	if (i == G_N_ELEMENTS(methods)) {
		g_dbus_method_invocation_return_error(
			inv, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
			"no method %s", method);
		return;
	}
	if (!g_variant_is_of_type(args, G_VARIANT_TYPE(methods[i].args))) {
		g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR,
						      G_DBUS_ERROR_INVALID_ARGS,
						      "%s takes %s", method,
						      methods[i].args);
		return;
	}
	methods[i].call(c, args, &r);
	if (r.error) {
		control_flush(c, 0);
		g_dbus_method_invocation_return_dbus_error(inv, r.error,
							   r.message);
		free(r.message);
		return;
	}
	if (methods[i].runs_band)
		c->host->kick(c->host_data);
	/* What the call made happen is out before its reply. */
	control_flush(c, methods[i].changes);
	g_dbus_method_invocation_return_value(inv, r.value);
}
