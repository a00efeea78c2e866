// SPDX-License-Identifier: GPL-2.0-or-later
/* The fetch protocol on 00000004 / 00000005 as byte vectors (protocol
 * §4.1, docs/sync.md).  The band logs the default wearer (seed 1) from
 * 2024-05-20 10:30 (band local = UTC); expected packets are built from
 * the same samples. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "life.h"
#include "state/store.h"
#include "util.h"
#include "flashlog.h"
#include "identity.h"
#include "tick.h"

#define START_MINUTE ((uint32_t)(TEST_EPOCH_MS / 60000))

/* The sample a factory band logs for minute: the wearer's, with no heart
 * rate, since it measures none on its own (docs/policies.md#heart-rate). */
static void logged(uint64_t seed, uint32_t minute, uint8_t out[4])
{
	mb_life_sample(seed, minute, out);
	out[3] = MB_HR_NONE;
}

static void subscribe(struct fixture *f)
{
	xfer(f, PDU(0x12, H_CTRL_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	xfer(f, PDU(0x12, H_DATA_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	f->n_events = 0;
}

static void expect_start_reply(struct fixture *f, uint32_t count,
			       const uint8_t ts[8])
{
	uint8_t pdu[3 + 15] = { 0x1b, H_CTRL, 0x00, 0x10, 0x01, 0x01 };

	mb_put_le32(pdu + 6, count);
	memcpy(pdu + 10, ts, 8);
	expect_out(f, pdu, sizeof(pdu));
}

/* 01 01 <2024-05-20 10:30>: the band answers 10 01 01 with count
 * samples from then. */
static void request_1030(struct fixture *f, uint32_t count)
{
	mb_link_receive(mb_band_link(f->band), PDU(REQ_1030));
	expect_start_reply(f, count, (const uint8_t[]){ TS_1030 });
}

/* 01 01 <2024-05-20 at> (at: hour, minute, [second,] 00, tz), answered
 * 10 01 01 <count> <2024-05-20 hour minute second tz> (reply_at). */
static void request_at(struct fixture *f, const uint8_t *at, size_t at_len,
		       uint32_t count, const uint8_t reply_at[4])
{
	uint8_t pdu[3 + 11] = { 0x52, H_CTRL, 0x00, 0x01, 0x01,
				0xe8, 0x07,   0x05, 0x14 };
	uint8_t ts[8] = { 0xe8, 0x07, 0x05, 0x14 };

	assert_true(at_len <= 5);
	memcpy(pdu + 9, at, at_len);
	mb_link_receive(mb_band_link(f->band), pdu, 9 + at_len);
	memcpy(ts + 4, reply_at, 4);
	expect_start_reply(f, count, ts);
}

/* 01 01 <10:30>, answered with count, then 02: the transfer begins. */
static void start_1030(struct fixture *f, uint32_t count)
{
	request_1030(f, count);
	xfer_silent(f, PDU(0x52, H_CTRL, 0x00, 0x02));
}

/* minutes of band life logged, then all of it asked for from 10:30. */
static void log_and_start(struct fixture *f, uint32_t minutes)
{
	subscribe(f);
	fixture_advance(f, minutes * 60000ull);
	start_1030(f, minutes);
}

/* Band life until the transfer is done: the data packets of n samples
 * from minute first, per samples in each, then the end reply. */
static void expect_transfer(struct fixture *f, uint32_t first, unsigned int n,
			    unsigned int per)
{
	unsigned int sent = 0;
	uint8_t counter = 0;

	fixture_drain(f);
	while (sent < n) {
		uint8_t pdu[3 + 1 + 60 * 4] = { 0x1b, H_DATA, 0x00, counter++ };
		unsigned int k = n - sent < per ? n - sent : per;

		for (unsigned int i = 0; i < k; i++)
			logged(1, first + sent + i, pdu + 4 + i * 4);
		expect_out(f, pdu, 4 + k * 4);
		sent += k;
	}
	expect_out(f, PDU(0x1b, H_CTRL, 0x00, 0x10, 0x02, 0x01));
	expect_no_out(f);
}

static void test_mtu23_four_per_packet(void **state)
{
	struct fixture *f = *state;

	log_and_start(f, 10);
	assert_int_equal(mb_band_busy(f->band), MB_BAND_BUSY_FETCH);
	/* 17-byte notifications at MTU 23 (protocol §13). */
	expect_transfer(f, START_MINUTE, 10, 4);
	assert_int_equal(mb_band_busy(f->band), MB_BAND_BUSY_NONE);
	expect_events(f, "fetch-started type=0x01 count=10",
		      "fetch-completed count=10", NULL);
}

static void test_mtu247_sixty_per_packet(void **state)
{
	struct fixture *f = *state;

	xfer(f, PDU(0x02, 0xf7, 0x00), PDU(0x03, 0xf7, 0x00));
	log_and_start(f, 130);
	expect_transfer(f, START_MINUTE, 130, 60);
}

static void test_counter_wraps(void **state)
{
	struct fixture *f = *state;

	/* 1030 samples at 4 a packet: counters 0..255, 0..1. */
	log_and_start(f, 1030);
	expect_transfer(f, START_MINUTE, 1030, 4);
}

static void test_ack_deletes_no_ack_keeps(void **state)
{
	struct fixture *f = *state;

	subscribe(f);
	fixture_advance(f, 10 * 60000);
	for (int round = 0; round < 2; round++) {
		start_1030(f, 10);
		expect_transfer(f, START_MINUTE, 10, 4);
	}
	assert_int_equal(mb_flashlog_stored(mb_band_log(f->band)), 10);
	xfer(f, PDU(0x52, H_CTRL, 0x00, 0x03),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x03, 0x01));
	assert_int_equal(mb_flashlog_stored(mb_band_log(f->band)), 0);
	assert_int_equal(mb_flashlog_acked_minute(mb_band_log(f->band)),
			 START_MINUTE + 9);
	/* Gone: the same request finds nothing and gets its time back. */
	request_1030(f, 0);
	xfer(f, PDU(0x52, H_CTRL, 0x00, 0x02),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x02, 0x04));
	/* A second ack deletes nothing more; new data comes as usual. */
	xfer(f, PDU(0x52, H_CTRL, 0x00, 0x03),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x03, 0x01));
	expect_events(f, "fetch-started type=0x01 count=10",
		      "fetch-completed count=10",
		      "fetch-started type=0x01 count=10",
		      "fetch-completed count=10", "fetch-acked deleted=10",
		      "fetch-started type=0x01 count=0",
		      "fetch-acked deleted=0", NULL);
	fixture_advance(f, 2 * 60000);
	mb_link_receive(mb_band_link(f->band), PDU(REQ_1030));
	expect_start_reply(f, 2,
			   (const uint8_t[]){ 0xe8, 0x07, 0x05, 0x14, 0x0a,
					      0x28, 0x00, 0x00 });
}

static void test_actual_start_and_seconds(void **state)
{
	struct fixture *f = *state;

	subscribe(f);
	fixture_advance(f, 5 * 60000);
	/* From 09:00: the data begins later, at 10:30. */
	request_at(f, PDU(0x09, 0x00, 0x00, 0x00), 5,
		   (const uint8_t[]){ 0x0a, 0x1e, 0x00, 0x00 });
	/* Seconds precision, 10:31:30: the next whole minute, 10:32. */
	request_at(f, PDU(0x0a, 0x1f, 0x1e, 0x00, 0x00), 3,
		   (const uint8_t[]){ 0x0a, 0x20, 0x00, 0x00 });
	/* Nothing from 11:00 on: count 0, the requested time with its tz. */
	request_at(f, PDU(0x0b, 0x00, 0x00, 0x04), 0,
		   (const uint8_t[]){ 0x0b, 0x00, 0x00, 0x04 });
	expect_no_out(f);
}

/* The 11-byte form's second is its own byte, not the minute's: 10:31:00
 * is 10:31, and a second of 60 is no time at all. */
static void test_seconds_byte(void **state)
{
	struct fixture *f = *state;

	subscribe(f);
	fixture_advance(f, 5 * 60000);
	request_at(f, PDU(0x0a, 0x1f, 0x00, 0x00, 0x00), 4,
		   (const uint8_t[]){ 0x0a, 0x1f, 0x00, 0x00 });
	/* Nothing from 11:00:30: the requested time back, second and all. */
	request_at(f, PDU(0x0b, 0x00, 0x1e, 0x00, 0x04), 0,
		   (const uint8_t[]){ 0x0b, 0x00, 0x1e, 0x04 });
	xfer(f,
	     PDU(0x52, H_CTRL, 0x00, 0x01, 0x01, 0xe8, 0x07, 0x05, 0x14, 0x0a,
		 0x1f, 0x3c, 0x00, 0x00),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x01, 0x02));
	expect_no_out(f);
}

/* A request for a type the band does not have is refused before anything
 * is dropped: the transfer announced before it still runs, whole. */
static void test_refused_type_keeps_transfer(void **state)
{
	struct fixture *f = *state;

	subscribe(f);
	fixture_advance(f, 5 * 60000);
	request_1030(f, 5);
	xfer(f, PDU(0x52, H_CTRL, 0x00, 0x01, 0x07, TS_1030),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x01, 0x04));
	assert_int_equal(mb_band_busy(f->band), MB_BAND_BUSY_FETCH);
	xfer_silent(f, PDU(0x52, H_CTRL, 0x00, 0x02));
	expect_transfer(f, START_MINUTE, 5, 4);
	expect_events(f, "fetch-started type=0x01 count=5",
		      "fetch-completed count=5", NULL);
}

static void test_other_types(void **state)
{
	struct fixture *f = *state;

	subscribe(f);
	fixture_advance(f, 5 * 60000);
	/* Workout summaries and details: a correct "nothing". */
	mb_link_receive(mb_band_link(f->band),
			PDU(0x52, H_CTRL, 0x00, 0x01, 0x05, TS_1030));
	expect_start_reply(f, 0, (const uint8_t[]){ TS_1030 });
	mb_link_receive(mb_band_link(f->band),
			PDU(0x52, H_CTRL, 0x00, 0x01, 0x06, TS_1030));
	expect_start_reply(f, 0, (const uint8_t[]){ TS_1030 });
	xfer(f, PDU(0x52, H_CTRL, 0x00, 0x01, 0x07, TS_1030),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x01, 0x04));
}

static void test_malformed_and_out_of_order(void **state)
{
	struct fixture *f = *state;

	subscribe(f);
	fixture_advance(f, 5 * 60000);
	xfer(f, PDU(0x52, H_CTRL, 0x00, 0x02),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x02, 0x04));
	xfer(f, PDU(0x52, H_CTRL, 0x00, 0x01, 0x01, 0xe8, 0x07),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x01, 0x02));
	xfer(f,
	     PDU(0x52, H_CTRL, 0x00, 0x01, 0x01, 0xe8, 0x07, 0x0d, 0x14, 0x0a,
		 0x1e, 0x00, 0x00),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x01, 0x02));
	xfer(f, PDU(0x52, H_CTRL, 0x00, 0x02, 0x00),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x02, 0x02));
	xfer(f, PDU(0x52, H_CTRL, 0x00, 0x04),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x04, 0x02));
	xfer_silent(f, PDU(0x52, H_CTRL, 0x00));
	/* An ack with no transfer deletes nothing. */
	xfer(f, PDU(0x52, H_CTRL, 0x00, 0x03),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x03, 0x01));
	assert_int_equal(mb_flashlog_stored(mb_band_log(f->band)), 5);
	/* A time that is no time is malformed like a wrong length. */
	expect_events(
		f,
		"malformed characteristic=00000004-0000-3512-2118-0009af100700 command=0x01",
		"malformed characteristic=00000004-0000-3512-2118-0009af100700 command=0x01",
		"malformed characteristic=00000004-0000-3512-2118-0009af100700 command=0x02",
		"malformed characteristic=00000004-0000-3512-2118-0009af100700 command=0x04",
		"fetch-acked deleted=0", NULL);
}

static void test_new_request_mid_transfer(void **state)
{
	struct fixture *f = *state;

	log_and_start(f, 200);
	/* One step of band life: 16 of the 50 packets. */
	mb_band_run(f->band);
	assert_int_equal(f->n_out, 16);
	f->n_out = f->next_out = 0;
	request_1030(f, 200);
	fixture_drain(f);
	expect_no_out(f);
	/* The stopped transfer did not complete: an ack deletes nothing. */
	xfer(f, PDU(0x52, H_CTRL, 0x00, 0x03),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x03, 0x01));
	assert_int_equal(mb_flashlog_stored(mb_band_log(f->band)), 200);
	expect_events(f, "fetch-started type=0x01 count=200",
		      "fetch-aborted reason=new-request",
		      "fetch-started type=0x01 count=200",
		      "fetch-acked deleted=0", NULL);
}

static void test_disconnect_mid_transfer(void **state)
{
	struct fixture *f = *state;

	log_and_start(f, 100);
	mb_band_run(f->band);
	mb_band_disconnect(f->band);
	expect_events(f, "fetch-started type=0x01 count=100",
		      "fetch-aborted reason=disconnected", "disconnected",
		      NULL);
	f->n_out = f->next_out = 0;
	fixture_connect(f);
	fixture_auth(f, test_key);
	f->n_out = f->next_out = 0;
	subscribe(f);
	f->n_events = 0;
	/* Nothing was lost: the whole log is there for the next try. */
	xfer(f, PDU(0x52, H_CTRL, 0x00, 0x03),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x03, 0x01));
	start_1030(f, 100);
	expect_transfer(f, START_MINUTE, 100, 4);
}

/* Flow control: while the transport's queue is full the transfer waits,
 * then goes on where it stopped, nothing lost or doubled. */
static void test_congested_link_waits(void **state)
{
	struct fixture *f = *state;

	log_and_start(f, 100);
	mb_link_set_congested(mb_band_link(f->band), true);
	assert_int_equal(mb_band_next_deadline(f->band) > f->clock.now_ms,
			 true);
	mb_band_run(f->band);
	expect_no_out(f);
	mb_link_set_congested(mb_band_link(f->band), false);
	expect_transfer(f, START_MINUTE, 100, 4);
}

/* A transfer carries one unbroken run of minutes: the client times every
 * sample from the actual start. */
static void test_run_ends_at_a_gap(void **state)
{
	struct fixture *f = *state;

	subscribe(f);
	fixture_advance(f, 10 * 60000);
	/* The phone sets the clock an hour ahead: 10:40 -> 11:40. */
	xfer(f,
	     PDU(0x12, H_TIME, 0x00, 0xe8, 0x07, 0x05, 0x14, 0x0b, 0x28, 0x00,
		 0x01, 0x00, 0x00, 0x00),
	     PDU(0x13));
	fixture_advance(f, 5 * 60000);
	request_1030(f, 10);
	/* The next round, from 10:40, starts at 11:40. */
	request_at(f, PDU(0x0a, 0x28, 0x00, 0x00), 5,
		   (const uint8_t[]){ 0x0b, 0x28, 0x00, 0x00 });
	xfer_silent(f, PDU(0x52, H_CTRL, 0x00, 0x02));
	expect_transfer(f, START_MINUTE + 70, 5, 4);
}

/* A profile may count packets or bytes instead (docs/policies.md). */
static void test_count_units(void **state)
{
	static const char *const units[] = { "packets", "bytes" };
	static const uint32_t want[] = { 3, 40 };
	struct fixture *f = *state;

	for (int u = 0; u < 2; u++) {
		fixture_set_policy(f, "fetch-count-unit", units[u]);
		assert_int_equal(
			mb_profile_policy(f->profile)->fetch_count_unit, u + 1);
		subscribe(f);
		fixture_advance(f, 10 * 60000);
		mb_link_receive(mb_band_link(f->band), PDU(REQ_1030));
		expect_start_reply(f, want[u], (const uint8_t[]){ TS_1030 });
	}
}

static void test_reset_clears_the_log(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;

	fixture_advance(f, 30 * 60000);
	assert_int_equal(mb_flashlog_count(mb_band_log(f->band)), 30);
	assert_true(mb_band_factory_reset(f->band, &err));
	assert_int_equal(mb_flashlog_count(mb_band_log(f->band)), 0);
	assert_int_equal(mb_flashlog_stored(mb_band_log(f->band)), 0);
}

static void test_ground_truth_accessors(void **state)
{
	struct fixture *f = *state;
	const struct mb_flashlog *log = mb_band_log(f->band);
	struct mb_flashlog_sample s;
	uint8_t want[4];

	fixture_advance(f, 3 * 60000);
	assert_int_equal(mb_flashlog_count(log), 3);
	for (size_t i = 0; i < 3; i++) {
		s = mb_flashlog_at(log, i);
		assert_int_equal(s.minute, START_MINUTE + i);
		logged(1, s.minute, want);
		assert_memory_equal(s.data, want, 4);
	}
	/* Past the end: all zero. */
	s = mb_flashlog_at(log, 3);
	assert_int_equal(s.seq, 0);
	assert_int_equal(s.minute, 0);
	/* Another seed: another person. */
	mb_tick_set_life_seed(mb_band_tick(f->band), 7);
	fixture_advance(f, 60000);
	s = mb_flashlog_at(log, 3);
	assert_int_equal(s.minute, START_MINUTE + 3);
	logged(7, s.minute, want);
	assert_memory_equal(s.data, want, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T("MB4-UT/SYNC/BV-01 MTU 23: 4 samples a packet",
		  test_mtu23_four_per_packet),
		T("MB4-UT/SYNC/BV-02 MTU 247: 60 samples a packet",
		  test_mtu247_sixty_per_packet),
		T("MB4-UT/SYNC/BV-03 packet counter wraps", test_counter_wraps),
		T("MB4-UT/SYNC/BV-04 ack deletes, no ack keeps",
		  test_ack_deletes_no_ack_keeps),
		T("MB4-UT/SYNC/BV-05 actual start, seconds, nothing",
		  test_actual_start_and_seconds),
		T("MB4-UT/SYNC/BV-06 workout types answer nothing",
		  test_other_types),
		T("MB4-UT/SYNC/BI-01 malformed and out of order",
		  test_malformed_and_out_of_order),
		T("MB4-UT/SYNC/BI-02 new request mid-transfer",
		  test_new_request_mid_transfer),
		T("MB4-UT/SYNC/BI-03 disconnect mid-transfer",
		  test_disconnect_mid_transfer),
		T("MB4-UT/SYNC/BI-04 the second is its own byte",
		  test_seconds_byte),
		T("MB4-UT/SYNC/BI-05 a refused type keeps the transfer",
		  test_refused_type_keeps_transfer),
		T("MB4-UT/SYNC/BV-07 a run ends at a gap",
		  test_run_ends_at_a_gap),
		T("MB4-UT/SYNC/BV-11 a congested link waits",
		  test_congested_link_waits),
		T("MB4-UT/SYNC/BV-08 factory reset clears the log",
		  test_reset_clears_the_log),
		T("MB4-UT/SYNC/BV-10 count in packets or bytes",
		  test_count_units),
		T("MB4-UT/SYNC/BV-09 ground truth",
		  test_ground_truth_accessors),
	};

	return cmocka_run_group_tests_name("fetch", tests, NULL, NULL);
}
