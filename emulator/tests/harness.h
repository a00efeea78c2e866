/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Test harness: a band built from the real profile, a fake clock that only
 * moves when a test says so, and the PDUs the band sent, kept in order. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "band.h"
#include "band-fixture.h"
#include "gatt.h"
#include "profile.h"

/* One case of a group: its name ("ID title"), the test, its set-up and
 * tear-down; a compound literal, so that each row of a table is one
 * call. */
#define CASE(name, fn, setup, teardown) \
	((struct CMUnitTest){ name, fn, setup, teardown, NULL })
/* A case on the band fixture_setup() makes. */
#define T(name, fn) CASE(name, fn, fixture_setup, fixture_teardown)

#define PDU(...)                            \
	((const uint8_t[]){ __VA_ARGS__ }), \
		sizeof((const uint8_t[]){ __VA_ARGS__ })

/* Value handles and CCCDs in the Mi Band 4 profile. */
#define H_SWREV 0x12  /* 2a28 software revision */
#define H_CONFIG 0x3b /* 00000003 */
#define H_CTRL 0x3e   /* 00000004 fetch control */
#define H_CTRL_CCC 0x3f
#define H_DATA 0x41 /* 00000005 activity data */
#define H_DATA_CCC 0x42
#define H_BATTERY 0x44 /* 00000006 */
#define H_BATTERY_CCC 0x45
#define H_STEPS 0x47 /* 00000007 realtime steps */
#define H_STEPS_CCC 0x48
#define H_EVENT 0x4a /* 00000010 device events */
#define H_EVENT_CCC 0x4b
#define H_TIME 0x61 /* 2a2b current time */
#define H_AUTH 0x68 /* 00000009 */
#define H_AUTH_CCC 0x69
#define H_FW_CTRL 0x81 /* 00001531 */
#define H_FW_CTRL_CCC 0x82
#define H_FW_DATA 0x84 /* 00001532 */

/* TEST_EPOCH_MS as a fetch start time (2024-05-20 10:30, tz 0), and the
 * fetch request 01 01 for the activity logged from then on. */
#define TS_1030 0xe8, 0x07, 0x05, 0x14, 0x0a, 0x1e, 0x00, 0x00
#define REQ_1030 0x52, H_CTRL, 0x00, 0x01, 0x01, TS_1030

struct fake_clock {
	struct mb_clock clock;
	uint64_t now_ms;
};

struct captured {
	uint8_t pdu[600];
	size_t len;
};

struct recorded_event {
	char name[32];
	char detail[256]; /* "key=value key=value", or "" */
};

struct fixture {
	struct fake_clock clock;
	struct mb_profile *profile;
	struct mb_band_state state;
	struct mb_band *band;
	struct captured out[1024];
	size_t n_out;
	size_t next_out;
	unsigned int disconnects;
	struct recorded_event events[64];
	size_t n_events;
	struct mb_band_state saved; /* what the persist callback got */
	unsigned int saves;
	bool fail_saves;
	uint8_t random_seed; /* next byte of the fake random source */
	bool record_battery; /* also record battery-changed events */
	/* also record what the band shows: screen-changed and
	 * firmware-progress */
	bool record_screen;
};

/* The key every bound test band holds. */
#define TEST_KEY FIXTURE_KEY
extern const uint8_t test_key[16];

/* 2024-05-20 10:30:00 UTC, a Monday. */
#define TEST_EPOCH_MS 1716201000000ull

const char *test_profile_path(void);
/* Bound to test_key, connected, link authenticated (variant A). */
int fixture_setup(void **state);
/* Bound to test_key, connected, not authenticated. */
int fixture_setup_bound(void **state);
/* Factory-new (no key), connected. */
int fixture_setup_new(void **state);
int fixture_teardown(void **state);
void fixture_connect(struct fixture *f);
/* Rebuilds the band (same state and handlers, the clock back at
 * TEST_EPOCH_MS, an empty log) from the profile with one [policy] setting
 * changed, then connects and authenticates as fixture_setup() does; what
 * it sent is forgotten. */
void fixture_set_policy(struct fixture *f, const char *key, const char *value);
/* The same with the profile's first occurrence of from replaced by to. */
void fixture_edit_profile(struct fixture *f, const char *from, const char *to);
void fixture_advance(struct fixture *f, uint64_t ms);
/* Band life until nothing is due any more: a transfer in full. */
void fixture_drain(struct fixture *f);

/* Sends req, asserts that exactly rsp came back (hexdump on mismatch). */
void xfer(struct fixture *f, const uint8_t *req, size_t req_len,
	  const uint8_t *rsp, size_t rsp_len);
/* Sends req and asserts nothing came back. */
void xfer_silent(struct fixture *f, const uint8_t *req, size_t req_len);
/* Asserts the next unread PDU the band sent is exactly pdu. */
void expect_out(struct fixture *f, const uint8_t *pdu, size_t len);
void expect_no_out(struct fixture *f);
/* Sends req and returns the one reply (asserting there is exactly one). */
const struct captured *xfer_any(struct fixture *f, const uint8_t *req,
				size_t req_len);

const struct mb_gatt_chr *chr_by_uuid(struct fixture *f, const char *uuid);

/* Enables notifications on 00000009 and runs variant A with key. */
void fixture_auth(struct fixture *f, const uint8_t key[16]);
/* The 16 bytes the fake random source will hand out next. */
void next_random(const struct fixture *f, uint8_t out[16]);
/* Asserts the events recorded since the last call, by "name" or
 * "name key=value", then forgets them.  NULL ends the list. */
void expect_events(struct fixture *f, ...);

/* A case's own directory under /tmp, made by tmp_setup() and removed with
 * everything in it by tmp_teardown(). */
extern char *tmp;
int tmp_setup(void **state);
int tmp_teardown(void **state);
