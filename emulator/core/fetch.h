/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "chrs.h"
#include "profile.h"
#include "band-link.h"
#include "flashlog.h"
#include "workoutlog.h"
#include "power.h"
#include "rtc.h"
#include "services.h"

/* The fetch ("sync") protocol on 00000004 / 00000005 (protocol §4.1;
 * bandsim's decisions in docs/sync.md). */
struct mb_fetch;

/* Packets fill the link's ATT_MTU and wait while it is held (flow
 * control, a silenced or closing link). */
struct mb_fetch *mb_fetch_new(const struct mb_services *svc,
			      const struct mb_policy *policy,
			      const struct mb_rtc *rtc, struct mb_power *power,
			      const struct mb_link *link);
void mb_fetch_free(struct mb_fetch *fetch);

/* The logs transfers read from: activity (type 01) and workouts (05,
 * 06); any transfer is forgotten. */
void mb_fetch_set_log(struct mb_fetch *fetch, struct mb_flashlog *log,
		      struct mb_workoutlog *workouts);

/* A transfer moves a few packets per call, so PDUs from the central get
 * in between. */
/* At a real band's pace (--pace real) the reply to 01 waits for the
 * band's preparation, the profile's fetch-prepare-ms of band time. */
void mb_fetch_set_paced(struct mb_fetch *fetch, bool paced);
void mb_fetch_run(struct mb_fetch *fetch, uint64_t now);
uint64_t mb_fetch_deadline(const struct mb_fetch *fetch);
/* The type (01, 05, 06) of the transfer announced or running; 0 if
 * none. */
uint8_t mb_fetch_type(const struct mb_fetch *fetch);
/* A transfer was announced or is running. */
bool mb_fetch_busy(const struct mb_fetch *fetch);
/* The link went down, or the log was cleared under it (factory reset). */
void mb_fetch_link_down(struct mb_fetch *fetch);
/* A fault moved the packet counter on (skip-counter). */
void mb_fetch_skip_counter(struct mb_fetch *fetch);
/* The fault plan's "end" (fault.c): the packet being sent is taken back,
 * and the transfer ends there with its end reply 10 02 01, as if
 * complete; what it did not send stays unsent, so an ack deletes only
 * what went out. */
void mb_fetch_end_here(struct mb_fetch *fetch);

/* 00000004, write. */
extern const struct mb_chr_route mb_fetch_routes[];
extern const size_t mb_fetch_n_routes;
