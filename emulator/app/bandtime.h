/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "core/band.h"
#include "options.h"
#include "state/state.h"

/* Band time across restarts (docs/sync.md "Band time"): the band clock,
 * started where time.ini says band time is now, and time.ini kept up to
 * date.  A real band's RTC runs on through a reboot or a crash, so a
 * killed emulator must come back with the time it had, never earlier.
 *
 * time.ini is replaced (write, fsync, rename) when band time jumps or its
 * course changes: AdvanceClock, SetClockRate, a 0x2A2B write, start-up.
 * Between those, band time follows the host's wall clock at a known rate,
 * so the file needs no write per minute: a restart works out where the
 * band is from the host's clock.  Only a host clock that was set back
 * makes that estimate too early; for that the file is written again every
 * TIME_SAVE_INTERVAL_S while the clock runs, and the last minute in the
 * flash log (written as it happens) is the floor under the rest. */
struct bandtime;

#define TIME_SAVE_INTERVAL_S 60

/* The band clock from time.ini run on to now at its rate, else from
 * --clock-start, else now; --clock-start moves a restored clock forward,
 * never back.  From now on the clock runs at --clock-rate.  A bad
 * time.ini is reported and left to be replaced.  A new band with
 * --history starts that much earlier, to live it at once. */
struct bandtime *bandtime_new(struct state *state,
			      const struct bandsim_options *opt);
/* After bandtime_stop() and once the band that used the clock is freed. */
void bandtime_free(struct bandtime *bt);
struct bandsim_clock *bandtime_clock(struct bandtime *bt);

/* The band, its flash log attached: its RTC as time.ini left it, band
 * time past the last minute it logged, time.ini written, and from now on
 * 0x2A2B writes stored and the file kept up. */
void bandtime_start(struct bandtime *bt, struct mb_band *band);
/* A clean shutdown: time.ini written once more, no more writes. */
void bandtime_stop(struct bandtime *bt);

/* AdvanceClock and SetClockRate: stored first, then done; false (with
 * *err) and nothing changed when time.ini could not be written. */
bool bandtime_advance(struct bandtime *bt, uint64_t ms, char **err);
bool bandtime_set_rate(struct bandtime *bt, double rate, char **err);
