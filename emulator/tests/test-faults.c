// SPDX-License-Identifier: GPL-2.0-or-later
/* Faults (docs/faults.md): the line format and its errors, and each kind
 * of action at its hook, through the presets that reproduce reports. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "fault.h"
#include "life.h"
#include "util.h"
#include "flashlog.h"
#include "power.h"

/* Arms the fault of line; its id, 0 if refused. */
static unsigned int inject(struct fixture *f, const char *line)
{
	char *err = NULL;
	unsigned int id = mb_faults_inject(mb_band_faults(f->band), line, &err);

	free(err);
	return id;
}

static void expect_parse_error(struct fixture *f, const char *line,
			       const char *want)
{
	char *err = NULL;

	assert_int_equal(mb_faults_inject(mb_band_faults(f->band), line, &err),
			 0);
	assert_non_null(err);
	if (strcmp(err, want))
		fail_msg("got '%s', want '%s'", err, want);
	free(err);
}

static void test_fault_lines(void **state)
{
	struct fixture *f = *state;
	unsigned int id;

	expect_parse_error(f, "trigger=notify action=explode chr=auth",
			   "action: 'explode' is not an action");
	expect_parse_error(f, "trigger=sometimes action=drop",
			   "trigger: 'sometimes' is not a trigger");
	expect_parse_error(f, "action=drop", "trigger: missing");
	expect_parse_error(f, "trigger=connect", "action: missing");
	expect_parse_error(f, "trigger=notify action=drop",
			   "chr: the notify trigger needs one");
	expect_parse_error(
		f, "trigger=notify chr=nowhere action=drop",
		"chr: 'nowhere' is no characteristic of the profile");
	expect_parse_error(f, "trigger=notify chr=auth match=zz action=drop",
			   "match: 'zz' is not 1 to 16 hex bytes (10:02)");
	expect_parse_error(f, "trigger=battery percent=101 action=disconnect",
			   "percent: '101' is not a number up to 100");
	expect_parse_error(f, "trigger=connect action=drop colour=red",
			   "colour: unknown key");
	expect_parse_error(f, "trigger=connect action=drop oops",
			   "oops: expected key=value");
	expect_parse_error(
		f, "preset=nope",
		"preset: 'nope' is not a preset (bandsim --list-faults)");
	expect_parse_error(
		f, "trigger=notify chr=activity-data action=foreign-notify",
		"value: foreign-notify needs target= and value=");
	assert_int_equal(mb_faults_count(mb_band_faults(f->band)), 0);
	id = inject(f, "preset=stuck-syncing");
	assert_int_equal(id, 1);
	assert_int_equal(
		inject(f, "trigger=write chr=00000004 action=drop count=0"), 2);
	assert_int_equal(mb_faults_count(mb_band_faults(f->band)), 2);
	assert_string_equal(mb_faults_spec(mb_band_faults(f->band), 0, &id),
			    "preset=stuck-syncing");
	mb_faults_clear(mb_band_faults(f->band));
	assert_int_equal(mb_faults_count(mb_band_faults(f->band)), 0);
	/* Every preset parses. */
	for (size_t i = 0; i < mb_fault_n_presets(); i++) {
		char *line =
			mb_strdup_printf("preset=%s", mb_fault_preset(i)->name);

		assert_true(inject(f, line) > 0);
		free(line);
	}
	assert_true(mb_fault_n_presets() >= 10);
	/* Every preset says where it was reported, with a link. */
	for (size_t i = 0; i < mb_fault_n_presets(); i++) {
		const struct mb_fault_preset *p = mb_fault_preset(i);

		if (!p->sources || !strstr(p->sources, " <https://"))
			fail_msg("preset %s cites no source", p->name);
	}
}

/* 01 01 <10:30> (its reply forgotten) and 02: everything logged. */
static void request_all(struct fixture *f)
{
	mb_link_receive(mb_band_link(f->band), PDU(REQ_1030));
	f->n_out = f->next_out = 0;
	xfer_silent(f, PDU(0x52, H_CTRL, 0x00, 0x02));
}

static void start_transfer(struct fixture *f, unsigned int minutes)
{
	xfer(f, PDU(0x12, H_CTRL_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	xfer(f, PDU(0x12, H_DATA_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	fixture_advance(f, minutes * 60000ull);
	request_all(f);
	f->n_events = 0;
}

/* A transfer of minutes samples with the fault of line armed, run until
 * nothing is due; the fault's id. */
static unsigned int sync_with(struct fixture *f, const char *line,
			      unsigned int minutes)
{
	unsigned int id = inject(f, line);

	start_transfer(f, minutes);
	fixture_drain(f);
	return id;
}

/* The activity-data packets sent since the last look, n of them with the
 * counters want (NULL: any), and whether the end reply came; then forgets
 * them. */
static void expect_sent(struct fixture *f, size_t n, const uint8_t *want,
			bool end_reply)
{
	uint8_t counters[64];
	size_t got = 0;
	bool end = false;

	for (size_t i = f->next_out; i < f->n_out; i++) {
		const struct captured *c = &f->out[i];

		if (c->pdu[1] == H_DATA && got < sizeof(counters))
			counters[got++] = c->pdu[3];
		if (c->pdu[1] == H_CTRL && c->len == 6 && c->pdu[4] == 0x02)
			end = true;
	}
	f->n_out = f->next_out = 0;
	assert_int_equal(got, n);
	if (want)
		assert_memory_equal(counters, want, n);
	assert_int_equal(end, end_reply);
}

static void test_stuck_syncing(void **state)
{
	struct fixture *f = *state;

	/* 40 samples: 10 packets at MTU 23. */
	assert_int_equal(sync_with(f, "preset=stuck-syncing", 40), 1);
	/* Five packets, then nothing at all: not even ATT responses. */
	expect_sent(f, 5, NULL, false);
	expect_events(f, "fault-fired id=1 name=stuck-syncing action=silence",
		      NULL);
	xfer_silent(f, PDU(0x0a, 0x03, 0x00));
	assert_int_equal(mb_band_busy(f->band), MB_BAND_BUSY_FETCH);
	/* A new link is a new start. */
	mb_band_disconnect(f->band);
	assert_int_equal(mb_band_busy(f->band), MB_BAND_BUSY_NONE);
	fixture_connect(f);
	xfer(f, PDU(0x0a, 0x05, 0x00), PDU(0x0b, 0x00, 0x00));
}

static void test_sync_never_ends(void **state)
{
	struct fixture *f = *state;

	sync_with(f, "preset=sync-never-ends", 40);
	expect_sent(f, 10, NULL, false);
	expect_events(f, "fault-fired id=1 name=sync-never-ends action=drop",
		      "fetch-completed count=40", NULL);
}

static void test_counter_gap_and_duplicate(void **state)
{
	struct fixture *f = *state;

	sync_with(f, "preset=counter-gap", 20);
	expect_sent(f, 5, (const uint8_t[]){ 0, 1, 2, 4, 5 }, true);
	inject(f, "preset=duplicate-packet");
	request_all(f);
	fixture_drain(f);
	expect_sent(f, 6, (const uint8_t[]){ 0, 1, 2, 3, 3, 4 }, true);
}

/* short-packet: the third data packet goes out one byte short, the rest
 * whole; counter-starts-late: the first packet carries 01. */
static void test_short_packet_and_late_counter(void **state)
{
	struct fixture *f = *state;
	size_t sizes[8], n = 0;

	sync_with(f, "preset=short-packet", 20);
	for (size_t i = f->next_out; i < f->n_out && n < 8; i++)
		if (f->out[i].pdu[1] == H_DATA)
			sizes[n++] = f->out[i].len;
	/* MTU 23: a notification is 3 bytes of header, a counter and four
	 * samples of 4 bytes. */
	assert_int_equal(n, 5);
	assert_int_equal(sizes[0], 3 + 17);
	assert_int_equal(sizes[1], 3 + 17);
	assert_int_equal(sizes[2], 3 + 16);
	assert_int_equal(sizes[3], 3 + 17);
	expect_sent(f, 5, (const uint8_t[]){ 0, 1, 2, 3, 4 }, true);
	inject(f, "preset=counter-starts-late");
	request_all(f);
	fixture_drain(f);
	expect_sent(f, 5, (const uint8_t[]){ 1, 2, 3, 4, 5 }, true);
}

/* long-packet: the third packet a byte long (a zero after its samples).
 * transfer-ends-early: five packets, then 10 02 01 as if that were all;
 * an ack deletes those 20 samples only, and the next request brings the
 * 20 the band kept. */
static void test_long_packet_and_early_end(void **state)
{
	struct fixture *f = *state;
	size_t sizes[8], n = 0;

	sync_with(f, "preset=long-packet", 20);
	for (size_t i = f->next_out; i < f->n_out && n < 8; i++)
		if (f->out[i].pdu[1] == H_DATA)
			sizes[n++] = f->out[i].len;
	assert_int_equal(n, 5);
	assert_int_equal(sizes[1], 3 + 17);
	assert_int_equal(sizes[2], 3 + 18);
	assert_int_equal(f->out[2].pdu[3 + 17], 0x00);
	assert_int_equal(sizes[3], 3 + 17);
	expect_sent(f, 5, (const uint8_t[]){ 0, 1, 2, 3, 4 }, true);
	xfer(f, PDU(0x52, H_CTRL, 0x00, 0x03),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x03, 0x01));

	sync_with(f, "preset=transfer-ends-early", 40);
	expect_sent(f, 5, (const uint8_t[]){ 0, 1, 2, 3, 4 }, true);
	xfer(f, PDU(0x52, H_CTRL, 0x00, 0x03),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x03, 0x01));
	assert_int_equal(mb_flashlog_stored(mb_band_log(f->band)), 20);
	request_all(f);
	fixture_drain(f);
	expect_sent(f, 5, (const uint8_t[]){ 0, 1, 2, 3, 4 }, true);
}

/* --mutate: at rate 1 every value of the sync changes, each change is an
 * event, and the same seed changes the same values the same way. */
static size_t mutated_sync(struct fixture *f, uint8_t *out, size_t size)
{
	size_t n = 0;

	mb_faults_set_mutate(mb_band_faults(f->band), 42, 1.0);
	request_all(f);
	fixture_drain(f);
	for (size_t i = 0; i < f->n_out && n + f->out[i].len <= size; i++) {
		memcpy(out + n, f->out[i].pdu, f->out[i].len);
		n += f->out[i].len;
	}
	f->n_out = f->next_out = 0;
	return n;
}

static void test_mutate(void **state)
{
	struct fixture *f = *state;
	uint8_t first[2048], again[2048];
	size_t n, mutated = 0;

	start_transfer(f, 20);
	fixture_drain(f);
	f->n_out = f->next_out = 0;
	f->n_events = 0;
	n = mutated_sync(f, first, sizeof(first));
	for (size_t i = 0; i < f->n_events; i++)
		mutated += !strcmp(f->events[i].name, "mutated");
	assert_true(mutated >= 2);
	assert_int_equal(mb_flashlog_stored(mb_band_log(f->band)), 20);
	mb_band_disconnect(f->band);
	fixture_connect(f);
	fixture_auth(f, test_key);
	f->n_out = f->next_out = 0;
	xfer(f, PDU(0x12, H_CTRL_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	xfer(f, PDU(0x12, H_DATA_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	f->n_out = f->next_out = 0;
	assert_int_equal(mutated_sync(f, again, sizeof(again)), n);
	assert_memory_equal(first, again, n);
}

static void test_foreign_notification(void **state)
{
	struct fixture *f = *state;

	xfer(f, PDU(0x12, H_EVENT_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	sync_with(f, "preset=foreign-notification", 20);
	/* Three data packets, then device event 04, then the fourth. */
	assert_int_equal(f->out[3].pdu[1], H_EVENT);
	assert_memory_equal(f->out[3].pdu,
			    ((uint8_t[]){ 0x1b, H_EVENT, 0x00, 0x04 }), 4);
	assert_int_equal(f->out[4].pdu[1], H_DATA);
	assert_int_equal(f->out[4].pdu[3], 3);
}

static void test_partial_sync_and_reboot(void **state)
{
	struct fixture *f = *state;

	sync_with(f, "preset=partial-sync", 80);
	assert_int_equal(f->disconnects, 1);
	/* The band hangs up before the eleventh packet. */
	assert_int_equal(f->n_out, 10);
	mb_band_disconnect(f->band);
	/* Nothing was deleted. */
	assert_int_equal(mb_flashlog_stored(mb_band_log(f->band)), 80);
}

/* A band that hangs up on the last packet sends nothing after it: not
 * the packet, not the 10 02 01 that would tell the phone it has it all. */
static void test_hang_up_on_the_last_packet(void **state)
{
	struct fixture *f = *state;

	/* 8 samples: 2 packets at MTU 23. */
	sync_with(f,
		  "trigger=notify chr=activity-data after=1 action=disconnect",
		  8);
	assert_int_equal(f->disconnects, 1);
	expect_sent(f, 1, (const uint8_t[]){ 0 }, false);
	mb_band_disconnect(f->band);
	assert_int_equal(mb_flashlog_stored(mb_band_log(f->band)), 8);
}

static void test_half_connected(void **state)
{
	struct fixture *f = *state;

	inject(f, "preset=half-connected");
	mb_band_disconnect(f->band);
	fixture_connect(f);
	xfer_silent(f, PDU(0x02, 0xf7, 0x00));
	xfer_silent(f, PDU(0x0a, 0x03, 0x00));
	/* Once: the next link works. */
	mb_band_disconnect(f->band);
	fixture_connect(f);
	xfer(f, PDU(0x02, 0xf7, 0x00), PDU(0x03, 0xf7, 0x00));
}

static void test_auth_never_answers(void **state)
{
	struct fixture *f = *state;

	inject(f, "preset=auth-never-answers");
	mb_band_disconnect(f->band);
	fixture_connect(f);
	fixture_auth(f, test_key);
	/* The challenge came; the answer's reply never does. */
	expect_no_out(f);
}

static void test_battery_and_minute_triggers(void **state)
{
	struct fixture *f = *state;

	inject(f, "preset=low-battery-drop");
	mb_power_set_level(mb_band_power(f->band), 16);
	assert_int_equal(f->disconnects, 0);
	mb_power_set_level(mb_band_power(f->band), 15);
	assert_int_equal(f->disconnects, 1);
	/* Every band minute from the third on, until cleared. */
	f->n_events = 0;
	inject(f, "name=tick trigger=minute minute=3 action=drop count=0");
	fixture_advance(f, 2 * 60000);
	expect_events(f, NULL);
	fixture_advance(f, 2 * 60000);
	expect_events(f, "fault-fired id=2 name=tick action=drop",
		      "fault-fired id=2 name=tick action=drop", NULL);
	mb_faults_clear(mb_band_faults(f->band));
	fixture_advance(f, 60000);
	expect_events(f, NULL);
}

static void test_brown_out(void **state)
{
	struct fixture *f = *state;

	sync_with(f, "preset=brown-out-mid-sync", 40);
	assert_int_equal(mb_power_state(mb_band_power(f->band)),
			 MB_POWER_STATE_OFF);
	assert_int_equal(f->disconnects, 1);
	mb_band_disconnect(f->band);
	assert_int_equal(mb_flashlog_stored(mb_band_log(f->band)), 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T("MB4-UT/FAULT/BI-01 fault lines and their errors",
		  test_fault_lines),
		T("MB4-UT/FAULT/BV-01 stuck-syncing", test_stuck_syncing),
		T("MB4-UT/FAULT/BV-02 sync-never-ends", test_sync_never_ends),
		T("MB4-UT/FAULT/BV-03 counter-gap, duplicate-packet",
		  test_counter_gap_and_duplicate),
		T("MB4-UT/FAULT/BV-12 short-packet, counter-starts-late",
		  test_short_packet_and_late_counter),
		T("MB4-UT/FAULT/BV-13 long-packet, transfer-ends-early",
		  test_long_packet_and_early_end),
		T("MB4-UT/FAULT/BV-14 --mutate: every value, events, repeatable",
		  test_mutate),
		T("MB4-UT/FAULT/BV-04 foreign-notification",
		  test_foreign_notification),
		T("MB4-UT/FAULT/BV-05 partial-sync",
		  test_partial_sync_and_reboot),
		T("MB4-UT/FAULT/BI-02 a hang-up on the last packet ends it",
		  test_hang_up_on_the_last_packet),
		T("MB4-UT/FAULT/BV-06 half-connected", test_half_connected),
		T("MB4-UT/FAULT/BV-07 auth-never-answers",
		  test_auth_never_answers),
		T("MB4-UT/FAULT/BV-08 battery and minute triggers",
		  test_battery_and_minute_triggers),
		T("MB4-UT/FAULT/BV-09 brown-out mid-sync", test_brown_out),
	};

	return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
