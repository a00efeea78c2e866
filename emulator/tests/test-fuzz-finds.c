// SPDX-License-Identifier: GPL-2.0-or-later
/* What the fuzzers found (docs/fuzzing.md "What the fuzzers found"): each
 * input, as bytes, and what the band must do with it.  The input itself
 * is kept in fuzz/regressions/<harness>/, which ci/test replays. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "fault.h"
#include "flash.h"
#include "flashlog.h"
#include "fwimage.h"
#include "fwinfo.h"
#include "state/inputs.h"

#define SECTOR MB_FLASH_SECTOR_SIZE

/* fuzz-fault: a NUL byte ended the plan's text, and the lines after it
 * were left out without a word (regressions/fault/nul-byte). */
static void test_fault_plan_nul(void **state)
{
	static const char plan[] = "preset=stuck-syncing\n"
				   "\0trigger=connect action=disconnect\n";
	struct fixture *f = *state;
	char *err = NULL;

	assert_false(state_faults_parse(plan, sizeof(plan) - 1, "faults.txt",
					f->band, &err));
	assert_string_equal(err, "faults.txt:2: NUL byte in text");
	free(err);
	/* Refused whole: nothing of it is armed. */
	assert_int_equal(mb_faults_count(mb_band_faults(f->band)), 0);
	err = NULL;
	assert_false(state_faults_parse("\0\x08\xff\x1c", 4, "faults.txt",
					f->band, &err));
	assert_string_equal(err, "faults.txt:1: NUL byte in text");
	free(err);
}

/* What a restart recovers is what the band had: the same samples in the
 * same order, the same ack cursor. */
static void expect_same_log(const struct mb_flashlog *a,
			    const struct mb_flashlog *b)
{
	assert_int_equal(mb_flashlog_count(a), mb_flashlog_count(b));
	assert_int_equal(mb_flashlog_acked_seq(a), mb_flashlog_acked_seq(b));
	assert_int_equal(mb_flashlog_acked_minute(a),
			 mb_flashlog_acked_minute(b));
	for (size_t i = 0; i < mb_flashlog_count(a); i++) {
		assert_int_equal(mb_flashlog_at(a, i).seq,
				 mb_flashlog_at(b, i).seq);
		assert_int_equal(mb_flashlog_at(a, i).minute,
				 mb_flashlog_at(b, i).minute);
	}
}

/* fuzz-flash: a sector numbered 0xffffffff (no band erases a sector four
 * billion times: a foreign or corrupt flash.img) was taken for the
 * newest.  The band counted on from it to 0, and after a restart the
 * sector it had just filled came first, to be written over next
 * (regressions/flash/sector-seq-wraps). */
static void test_flash_sector_seq_wraps(void **state)
{
	static const uint8_t header[16] = {
		'M',  'B',  'F',  'L',	0xff, 0xff, 0xff, 0xff,
		0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x66, 0x52,
	};
	/* A sample, seq 90, in the sector's last slot: it is full. */
	static const uint8_t record[16] = {
		0x5a, 0x01, 0x5a, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0xb4, 0x01, 0x74, 0xb4, 0xef, 0xb5,
	};
	uint8_t *mem = malloc(2 * SECTOR);
	struct mb_flashlog *log, *again;
	struct mb_flash flash;

	memset(mem, 0xff, 2 * SECTOR);
	memcpy(mem + SECTOR, header, sizeof(header));
	memcpy(mem + 2 * SECTOR - sizeof(record), record, sizeof(record));
	mb_flash_init(&flash, mem, 2 * SECTOR);
	log = mb_flashlog_open(&flash, NULL);
	/* Not the band's: read as a sector with a bad CRC. */
	assert_int_equal(mb_flashlog_count(log), 0);
	for (uint32_t m = 1; m <= 63; m++)
		mb_flashlog_append(log, m, record + 10);
	again = mb_flashlog_open(&flash, NULL);
	assert_int_equal(mb_flashlog_count(again), 63);
	assert_int_equal(mb_flashlog_at(again, 0).minute, 1);
	expect_same_log(log, again);
	mb_flashlog_free(again);
	mb_flashlog_free(log);
	free(mem);
}

/* fuzz-flash: the ack cursor lived in its record only; when the ring came
 * round and erased that record's sector, a restart forgot what had been
 * deleted (AckedUntil back to 0).  Sector 0 holds samples 1 to 4 and the
 * ack of 3, sector 1 is full, sector 2 erased; a sector and a half later
 * sector 0 is erased for new samples (regressions/flash/ack-cursor). */
static void test_flash_ack_cursor_erased(void **state)
{
	static const uint8_t sector0[6][16] = {
		{ 0x4d, 0x42, 0x46, 0x4c, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00,
		  0xff, 0xff, 0xff, 0xff, 0x24, 0xed },
		{ 0x5a, 0x01, 0x01, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00,
		  0x01, 0x02, 0x03, 0x04, 0xcc, 0xe1 },
		{ 0x5a, 0x01, 0x02, 0x00, 0x00, 0x00, 0x65, 0x00, 0x00, 0x00,
		  0x01, 0x02, 0x03, 0x04, 0x80, 0xa3 },
		{ 0x5a, 0x01, 0x03, 0x00, 0x00, 0x00, 0x66, 0x00, 0x00, 0x00,
		  0x01, 0x02, 0x03, 0x04, 0x80, 0x68 },
		{ 0x5a, 0x01, 0x04, 0x00, 0x00, 0x00, 0x67, 0x00, 0x00, 0x00,
		  0x01, 0x02, 0x03, 0x04, 0x18, 0x27 },
		{ 0x5a, 0x02, 0x05, 0x00, 0x00, 0x00, 0x66, 0x00, 0x00, 0x00,
		  0x03, 0x00, 0x00, 0x00, 0xc4, 0x3a },
	};
	static const uint8_t header1[16] = {
		0x4d, 0x42, 0x46, 0x4c, 0x02, 0x00, 0x00, 0x00,
		0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0xeb, 0x5c,
	};
	/* A torn record in a sector's last slot: the sector is full. */
	static const uint8_t torn[16] = { 0x00 };
	uint8_t *mem = malloc(3 * SECTOR);
	struct mb_flashlog *log, *again;
	struct mb_flash flash;

	memset(mem, 0xff, 3 * SECTOR);
	memcpy(mem, sector0, sizeof(sector0));
	memcpy(mem + SECTOR - 16, torn, 16);
	memcpy(mem + SECTOR, header1, 16);
	memcpy(mem + 2 * SECTOR - 16, torn, 16);
	mb_flash_init(&flash, mem, 3 * SECTOR);
	log = mb_flashlog_open(&flash, NULL);
	assert_int_equal(mb_flashlog_count(log), 4);
	assert_int_equal(mb_flashlog_acked_seq(log), 3);
	assert_int_equal(mb_flashlog_acked_minute(log), 102);
	for (uint32_t m = 0; m < MB_FLASHLOG_RECORDS_PER_SECTOR + 2; m++)
		mb_flashlog_append(log, 200 + m, sector0[1] + 10);
	/* Sector 0 went for the last sample: samples 1 to 4 are gone. */
	assert_int_equal(mb_flashlog_at(log, 0).minute, 200);
	again = mb_flashlog_open(&flash, NULL);
	assert_int_equal(mb_flashlog_acked_seq(again), 3);
	assert_int_equal(mb_flashlog_acked_minute(again), 102);
	expect_same_log(log, again);
	mb_flashlog_free(again);
	mb_flashlog_free(log);
	free(mem);
}

/* fuzz-fetch: with seconds precision (01 01 <year> <month> <day> <hour>
 * <minute> <second> 00 <tz>, protocol §4.1) the band took the minute
 * byte for the second: a request from 10:40:00 started at 10:41, and
 * the minute 10:40 was never sent (regressions/fetch/seconds-byte). */
static void test_fetch_seconds_byte(void **state)
{
	struct fixture *f = *state;

	xfer(f, PDU(0x12, H_CTRL_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	/* 10:30 to 10:49 logged. */
	fixture_advance(f, 20 * 60000);
	xfer(f,
	     PDU(0x52, H_CTRL, 0x00, 0x01, 0x01, 0xe8, 0x07, 0x05, 0x14, 0x0a,
		 0x28, 0x00, 0x00, 0x00),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x01, 0x01, 0x0a, 0x00, 0x00, 0x00,
		 0xe8, 0x07, 0x05, 0x14, 0x0a, 0x28, 0x00, 0x00));
	/* 10:40:30: the next whole minute, 10:41. */
	xfer(f,
	     PDU(0x52, H_CTRL, 0x00, 0x01, 0x01, 0xe8, 0x07, 0x05, 0x14, 0x0a,
		 0x28, 0x1e, 0x00, 0x00),
	     PDU(0x1b, H_CTRL, 0x00, 0x10, 0x01, 0x01, 0x09, 0x00, 0x00, 0x00,
		 0xe8, 0x07, 0x05, 0x14, 0x0a, 0x29, 0x00, 0x00));
}

/* fuzz-firmware: a firmware whose version field ends in spaces was
 * installed as "V1.0.9  ", and after a restart firmware.ini (its values
 * stripped) gave "V1.0.9": Software Revision changed under the phone
 * (regressions/firmware/version-spaces). */
static void test_firmware_version_spaces(void **state)
{
	uint8_t image[72];
	char version[24];
	struct mb_firmware_info fi, back;
	char *text, *err = NULL;

	memset(image, 0xa5, sizeof(image));
	memcpy(image + 16,
	       (const uint8_t[]){ 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				  0x00, 0x00, 0x00, 0x9c, 0xe3, 0x7d, 0x5c,
				  0x00, 0x04 },
	       16);
	memcpy(image + 32, "Mi Smart Band 4", 16);
	memset(image + 48, 0, 16);
	memcpy(image + 48, "V%d.%d.%d.%d", 12);
	memcpy(image + 64, "1.0.9   ", 8);
	assert_true(mb_fw_identify(MB_FW_TYPE_FIRMWARE, image, sizeof(image),
				   version, sizeof(version)));
	assert_string_equal(version, "V1.0.9");
	mb_firmware_info_init(&fi);
	memcpy(fi.version, version, sizeof(version));
	text = mb_firmware_info_format(&fi);
	assert_true(mb_firmware_info_parse(text, strlen(text), "firmware.ini",
					   &back, &err));
	assert_string_equal(back.version, fi.version);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T("MB4-UT/FUZZ/BI-01 a NUL byte in a fault plan",
		  test_fault_plan_nul),
		CASE("MB4-UT/FUZZ/BI-02 a flash sector numbered past 2^31",
		     test_flash_sector_seq_wraps, NULL, NULL),
		CASE("MB4-UT/FUZZ/BI-03 the ack cursor's sector is erased",
		     test_flash_ack_cursor_erased, NULL, NULL),
		T("MB4-UT/FUZZ/BI-04 a fetch request with seconds",
		  test_fetch_seconds_byte),
		CASE("MB4-UT/FUZZ/BI-05 a firmware version ending in spaces",
		     test_firmware_version_spaces, NULL, NULL),
	};

	return cmocka_run_group_tests_name("fuzz-finds", tests, NULL, NULL);
}
