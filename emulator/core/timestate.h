/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The band's RTC as the phone set it over 0x2A2B (protocol §6). */
struct mb_rtc_state {
	int64_t offset_ms; /* local time = band time + offset */
	int8_t tz;	   /* signed quarter-hours, DST included */
	uint8_t dst;	   /* byte 9, "adjust reason / DST", as written */
};

/* What the band keeps of its time across restarts, kill -9 and reboots
 * (STATE_DIR/time.ini; docs/sync.md "Band time").  A real band's RTC
 * runs on through a crash, so the file holds where band time was when it
 * was written, and how it runs on: the host's wall clock then and the
 * rate band time runs at against it. */
struct mb_time_state {
	uint64_t band_ms; /* band time when written, ms since the epoch */
	int64_t host_ms;  /* the host's wall clock then */
	double rate;	  /* band ms per host ms (0: frozen) */
	/* The flash log's last sequence number then: every sample logged
	 * after it was logged at this RTC offset, which makes its minute a
	 * floor under band time (mb_band_restore_time()). */
	uint32_t log_seq;
	struct mb_rtc_state rtc;
};

/* The text of time.ini (name is what errors name): false with *err as
 * "name:line: [section] key: problem".  Reading and replacing the file is
 * the edge's (state/timefile.h). */
bool mb_time_state_parse(const char *text, size_t len, const char *name,
			 struct mb_time_state *s, char **err);
char *mb_time_state_format(const struct mb_time_state *s);

/* Band time when the host's wall clock reads host_ms: the time written,
 * run on at its rate; never earlier than what was written, even when the
 * host's clock was set back since. */
uint64_t mb_time_state_resume(const struct mb_time_state *s, int64_t host_ms);
