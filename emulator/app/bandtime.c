// SPDX-License-Identifier: GPL-2.0-or-later
#include "bandtime.h"

#include <glib.h>
#include <stdlib.h>

#include "core/rtc.h"

struct bandtime {
	struct state *state;
	struct bandsim_clock clock;
	struct mb_band *band; /* once started */
	/* What time.ini held, with band_ms where the clock started. */
	struct mb_time_state start;
	guint timer_id;
};

static int64_t host_now_ms(void)
{
	return g_get_real_time() / 1000;
}

static void warn(char *warning)
{
	if (!warning)
		return;
	g_warning("%s", warning);
	free(warning);
}

struct bandtime *bandtime_new(struct state *state,
			      const struct bandsim_options *opt)
{
	struct bandtime *bt = g_new0(struct bandtime, 1);
	uint64_t wanted = opt->clock_start_set
				  ? (uint64_t)(opt->clock_start * 1000.0)
				  : 0;
	int64_t host = host_now_ms();
	char *warning = NULL;

	bt->state = state;
	if (state_load_time(state, &bt->start, &warning)) {
		uint64_t resumed = mb_time_state_resume(&bt->start, host);

		bt->start.band_ms = resumed;
		if (opt->clock_start_set && wanted > resumed)
			bt->start.band_ms = wanted;
		else if (opt->clock_start_set && wanted < resumed)
			g_message(
				"--clock-start is behind the band's own clock "
				"(time.ini): band time goes on at %.3f",
				(double)resumed / 1000.0);
	} else {
		warn(warning);
		/* No RTC offset, time zone or log sequence to go by: the
		 * whole log is the floor (mb_band_restore_time()). */
		bt->start = (struct mb_time_state){
			.band_ms = opt->clock_start_set ? wanted
							: (uint64_t)host,
		};
		/* --history: the band's life starts SPAN earlier and is
		 * lived up to where it would have started
		 * (app_live_history()); only a new band has no time.ini
		 * (app_history_check()), and the options keep SPAN within
		 * --clock-start. */
		bt->start.band_ms -= opt->history_ms;
	}
	bandsim_clock_init(&bt->clock, bt->start.band_ms, opt->clock_rate);
	return bt;
}

struct bandsim_clock *bandtime_clock(struct bandtime *bt)
{
	return &bt->clock;
}

/* time.ini as band time is now, with what a change is about to make it:
 * band time moved by ahead_ms, another rate, the RTC the phone sets. */
static bool save(struct bandtime *bt, uint64_t ahead_ms, double rate,
		 const struct mb_rtc_state *rtc, char **err)
{
	struct mb_time_state s;

	mb_band_time_state(bt->band, host_now_ms(), rate, &s);
	s.band_ms += ahead_ms;
	if (rtc)
		s.rtc = *rtc;
	return state_save_time(bt->state, &s, err);
}

static void save_or_warn(struct bandtime *bt)
{
	char *err = NULL;

	if (!save(bt, 0, bt->clock.rate, NULL, &err))
		g_warning("band time: %s", err);
	free(err);
}

static bool store_rtc(const struct mb_rtc_state *next, void *user_data,
		      char **err)
{
	struct bandtime *bt = user_data;

	return save(bt, 0, bt->clock.rate, next, err);
}

/* A frozen clock moves only by AdvanceClock, which writes at once. */
static gboolean on_timer(gpointer user_data)
{
	struct bandtime *bt = user_data;

	if (bt->clock.rate > 0)
		save_or_warn(bt);
	return G_SOURCE_CONTINUE;
}

void bandtime_start(struct bandtime *bt, struct mb_band *band)
{
	uint64_t floor = mb_band_restore_time(band, &bt->start);
	uint64_t now = bandsim_clock_now(&bt->clock);

	bt->band = band;
	if (floor > now) {
		g_message("band time moved on to %.3f, past the last minute "
			  "in the activity log",
			  (double)floor / 1000.0);
		bandsim_clock_advance(&bt->clock, floor - now);
	}
	mb_band_resume(band);
	save_or_warn(bt);
	mb_rtc_set_store(mb_band_rtc(band), store_rtc, bt);
	bt->timer_id =
		g_timeout_add_seconds(TIME_SAVE_INTERVAL_S, on_timer, bt);
}

void bandtime_stop(struct bandtime *bt)
{
	if (!bt || !bt->band)
		return;
	g_clear_handle_id(&bt->timer_id, g_source_remove);
	mb_rtc_set_store(mb_band_rtc(bt->band), NULL, NULL);
	save_or_warn(bt);
	bt->band = NULL;
}

void bandtime_free(struct bandtime *bt)
{
	if (!bt)
		return;
	g_clear_handle_id(&bt->timer_id, g_source_remove);
	g_free(bt);
}

bool bandtime_advance(struct bandtime *bt, uint64_t ms, char **err)
{
	if (bt->band && !save(bt, ms, bt->clock.rate, NULL, err))
		return false;
	bandsim_clock_advance(&bt->clock, ms);
	return true;
}

bool bandtime_set_rate(struct bandtime *bt, double rate, char **err)
{
	if (bt->band && !save(bt, 0, rate, NULL, err))
		return false;
	bandsim_clock_set_rate(&bt->clock, rate);
	return true;
}
