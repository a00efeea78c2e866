// SPDX-License-Identifier: GPL-2.0-or-later
/* Battery and firmware updater as byte vectors (docs/battery-firmware.md,
 * protocol §5 and §7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "battery.h"
#include "fwimage.h"
#include "fwinfo.h"
#include "harness.h"
#include "life.h"
#include "util.h"
#include "firmware.h"
#include "flashlog.h"
#include "power.h"

/* ---------------------------------------------------------- battery */

/* minutes of band life, then the charger plugged in or out; what the
 * band sent meanwhile is forgotten. */
static void plug_after(struct fixture *f, unsigned int minutes, bool plugged)
{
	fixture_advance(f, minutes * 60000ull);
	f->n_out = f->next_out = 0;
	mb_power_set_plugged(mb_band_power(f->band), plugged);
}

static void test_battery_layout_and_notify(void **state)
{
	struct fixture *f = *state;

	xfer(f, PDU(0x12, H_BATTERY_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	f->record_battery = true;
	mb_power_set_level(mb_band_power(f->band), 57);
	/* 0f, 57 %, not charging, A unset, B = boot (2024-05-20 10:30), 81. */
	expect_out(f, PDU(0x1b, H_BATTERY, 0x00, 0x0f, 0x39, 0x00, 0xb2, 0x07,
			  0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0xe8, 0x07, 0x05,
			  0x14, 0x0a, 0x1e, 0x00, 0x00, 0x51));
	plug_after(f, 5, true);
	/* Five minutes took it just under 57 %; charging: A becomes now
	 * (10:35). */
	expect_out(f, PDU(0x1b, H_BATTERY, 0x00, 0x0f, 0x38, 0x01, 0xe8, 0x07,
			  0x05, 0x14, 0x0a, 0x23, 0x00, 0x00, 0xe8, 0x07, 0x05,
			  0x14, 0x0a, 0x1e, 0x00, 0x00, 0x51));
	expect_no_out(f);
	/* 25 minutes on the charger (100 % in 120): 56.97 + 20.83 = 77.8;
	 * unplugged at 11:00: B = 11:00, level at B 77. */
	plug_after(f, 25, false);
	expect_out(f, PDU(0x1b, H_BATTERY, 0x00, 0x0f, 0x4d, 0x00, 0xe8, 0x07,
			  0x05, 0x14, 0x0a, 0x23, 0x00, 0x00, 0xe8, 0x07, 0x05,
			  0x14, 0x0b, 0x00, 0x00, 0x00, 0x4d));
	assert_int_equal(mb_power_level(mb_band_power(f->band)), 77);
}

static void test_discharge_and_charge(void **state)
{
	struct fixture *f = *state;

	/* From 5 % to full in two hours on the charger. */
	mb_power_set_level(mb_band_power(f->band), 5);
	mb_power_set_plugged(mb_band_power(f->band), true);
	fixture_advance(f, 114 * 60000);
	assert_true(mb_power_level(mb_band_power(f->band)) >= 99);
	/* One day, minute by minute: the base cost, the heart-rate share
	 * when the minute measured one (every minute worn: the app set the
	 * all-day interval to 1, 14 01 on 0x2A39), the wearer's charging
	 * stretches. */
	xfer(f, PDU(0x12, 0x1c, 0x00, 0x14, 0x01), PDU(0x13));
	mb_power_set_plugged(mb_band_power(f->band), false);
	mb_power_set_level(mb_band_power(f->band), 100);
	{
		uint32_t start = (uint32_t)(f->clock.now_ms / 60000);
		uint64_t charge = MB_BATTERY_FULL;
		unsigned int charging = 0;

		for (uint32_t m = start; m < start + 1440; m++) {
			uint8_t s[4];

			mb_life_sample(1, m, s);
			if (s[0] == 0x06) {
				charging++;
				charge =
					charge + MB_BATTERY_CHARGE_PER_MIN >
							MB_BATTERY_FULL
						? MB_BATTERY_FULL
						: charge +
							  MB_BATTERY_CHARGE_PER_MIN;
				continue;
			}
			charge -= MB_BATTERY_BASE_PER_MIN;
			if (s[3] != 0xff)
				charge -= MB_BATTERY_HR_PER_MIN;
		}
		/* Minute by minute: each measured one is an event. */
		for (int i = 0; i < 1440; i++) {
			fixture_advance(f, 60000);
			f->n_events = 0;
		}
		assert_int_equal(mb_power_level(mb_band_power(f->band)),
				 charge / (MB_BATTERY_FULL / 100));
		/* Seed 1 charges for an hour that day. */
		assert_int_equal(charging, 60);
	}
}

static void test_power_off_and_back(void **state)
{
	struct fixture *f = *state;
	size_t logged;

	f->n_events = 0;
	mb_power_set_level(mb_band_power(f->band), 0);
	expect_events(f, "power-off", NULL);
	assert_int_equal(mb_power_state(mb_band_power(f->band)),
			 MB_POWER_STATE_OFF);
	assert_int_equal(f->disconnects, 1);
	mb_band_disconnect(f->band);
	f->n_events = 0;
	/* Off: nothing to connect to, nothing logged. */
	assert_false(mb_band_connect(f->band, NULL, NULL));
	logged = mb_flashlog_count(mb_band_log(f->band));
	fixture_advance(f, 10 * 60000);
	assert_int_equal(mb_flashlog_count(mb_band_log(f->band)), logged);
	/* On the charger (0.83 % a minute): past 2 % it boots, in the
	 * fourth minute (3.3 %). */
	mb_power_set_plugged(mb_band_power(f->band), true);
	fixture_advance(f, 3 * 60000);
	assert_int_equal(mb_power_state(mb_band_power(f->band)),
			 MB_POWER_STATE_OFF);
	fixture_advance(f, 60000);
	assert_int_equal(mb_power_state(mb_band_power(f->band)),
			 MB_POWER_STATE_ON);
	expect_events(f, "power-on", NULL);
	fixture_advance(f, 60000);
	assert_int_equal(mb_flashlog_count(mb_band_log(f->band)), logged + 1);
	fixture_connect(f);
}

static void test_low_battery_drops_transfer(void **state)
{
	struct fixture *f = *state;

	xfer(f, PDU(0x12, H_CTRL_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	fixture_advance(f, 10 * 60000);
	mb_power_set_level(mb_band_power(f->band), 15);
	f->n_events = 0;
	mb_link_receive(mb_band_link(f->band),
			PDU(0x52, H_CTRL, 0x00, 0x01, 0x01, 0xe8, 0x07, 0x05,
			    0x14, 0x0a, 0x1e, 0x00, 0x00));
	f->n_out = f->next_out = 0;
	/* "Fails to sync when low": 02 and the band hangs up. */
	xfer_silent(f, PDU(0x52, H_CTRL, 0x00, 0x02));
	expect_events(f, "fetch-started type=0x01 count=10",
		      "low-battery-drop reason=transfer-start",
		      "fetch-aborted reason=low-battery", NULL);
	assert_int_equal(f->disconnects, 1);
	assert_int_equal(mb_flashlog_stored(mb_band_log(f->band)), 10);
}

/* --------------------------------------------------------- firmware */

struct saved {
	char name[32];
	size_t len;
};

static struct saved saved_files[8];
static size_t n_saved;

static bool save_file(const char *name, const void *data, size_t len,
		      void *user_data, char **err)
{
	assert_true(n_saved < 8);
	snprintf(saved_files[n_saved].name, sizeof(saved_files[0].name), "%s",
		 name);
	saved_files[n_saved++].len = len;
	return true;
}

/* A synthetic firmware image with the layout of protocol §7.2. */
static uint8_t *make_firmware(const char *version, size_t *len)
{
	static const uint8_t header[16] = {
		0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x9c, 0xe3, 0x7d, 0x5c, 0x00, 0x04,
	};
	uint8_t *img = calloc(1, 1000);

	memcpy(img + 16, header, 16);
	memcpy(img + 64, "Mi Smart Band 4", 16);
	memcpy(img + 128, "V%d.%d.%d.%d\0\0\0", 16);
	memcpy(img + 144, version, strlen(version));
	for (size_t i = 200; i < 1000; i++)
		img[i] = (uint8_t)(i * 13);
	*len = 1000;
	return img;
}

/* What the firmware cases send: V1.0.9.99, made afresh for each. */
static uint8_t *img;
static size_t len;

static int fw_setup(void **state)
{
	struct fixture *f;

	fixture_setup(state);
	f = *state;
	n_saved = 0;
	img = make_firmware("1.0.9.99", &len);
	mb_firmware_set_store(mb_band_firmware(f->band), save_file, NULL);
	xfer(f, PDU(0x12, H_FW_CTRL_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	return 0;
}

static int fw_teardown(void **state)
{
	free(img);
	return fixture_teardown(state);
}

/* A Write Request on 00001531: the response, then the notification
 * (notification-order = response-first, docs/policies.md). */
static void fw_cmd(struct fixture *f, const uint8_t *cmd, size_t cmd_len,
		   const uint8_t *reply, size_t reply_len)
{
	uint8_t pdu[3 + 16] = { 0x12, H_FW_CTRL, 0x00 };

	memcpy(pdu + 3, cmd, cmd_len);
	mb_link_receive(mb_band_link(f->band), pdu, 3 + cmd_len);
	expect_out(f, PDU(0x13));
	if (reply_len) {
		uint8_t n[3 + 3] = { 0x1b, H_FW_CTRL, 0x00 };

		memcpy(n + 3, reply, reply_len);
		expect_out(f, n, 3 + reply_len);
	}
	expect_no_out(f);
}

static void send_init(struct fixture *f, uint8_t type, uint32_t size,
		      uint32_t crc, const uint8_t *reply, size_t reply_len)
{
	uint8_t cmd[10] = { 0x01, type };

	mb_put_le32(cmd + 2, size);
	mb_put_le32(cmd + 6, crc);
	fw_cmd(f, cmd, 10, reply, reply_len);
}

static void send_data(struct fixture *f, const uint8_t *data, size_t n)
{
	for (size_t off = 0; off < n; off += 20) {
		uint8_t pdu[3 + 20] = { 0x52, H_FW_DATA, 0x00 };
		size_t k = n - off < 20 ? n - off : 20;

		memcpy(pdu + 3, data + off, k);
		mb_link_receive(mb_band_link(f->band), pdu, 3 + k);
	}
}

/* 01 <type> <size> <crc> taken, then 03 01: the band waits for data. */
static void start_upload(struct fixture *f, uint8_t type, uint32_t size,
			 uint32_t crc)
{
	send_init(f, type, size, crc, PDU(0x10, 0x01, 0x01));
	fw_cmd(f, PDU(0x03, 0x01), NULL, 0);
}

/* All n bytes of data announced with crc, received (10 03 01), then
 * checked with 04: the band answers 10 04 <status>. */
static void upload(struct fixture *f, uint8_t type, const uint8_t *data,
		   size_t n, uint32_t crc, uint8_t status)
{
	start_upload(f, type, (uint32_t)n, crc);
	send_data(f, data, n);
	expect_out(f, PDU(0x1b, H_FW_CTRL, 0x00, 0x10, 0x03, 0x01));
	fw_cmd(f, PDU(0x04), PDU(0x10, 0x04, status));
}

static void test_full_update(void **state)
{
	struct fixture *f = *state;

	xfer(f, PDU(0x0a, H_SWREV, 0x00),
	     PDU(0x0b, 'V', '1', '.', '0', '.', '9', '.', '7', '0'));
	start_upload(f, 0x00, (uint32_t)len, mb_crc32(img, len));
	send_data(f, img, len - 20);
	/* 00 (sync) is never answered (protocol §7.1). */
	fw_cmd(f, PDU(0x00), NULL, 0);
	send_data(f, img + len - 20, 20);
	expect_out(f, PDU(0x1b, H_FW_CTRL, 0x00, 0x10, 0x03, 0x01));
	expect_no_out(f);
	fw_cmd(f, PDU(0x04), PDU(0x10, 0x04, 0x01));
	assert_int_equal(n_saved, 1);
	assert_string_equal(saved_files[0].name, "firmware-b.bin");
	assert_int_equal(saved_files[0].len, len);
	f->n_events = 0;
	fw_cmd(f, PDU(0x05), PDU(0x10, 0x05, 0x01));
	assert_string_equal(saved_files[1].name, "firmware.ini");
	assert_int_equal(f->disconnects, 1);
	assert_int_equal(mb_power_state(mb_band_power(f->band)),
			 MB_POWER_STATE_BOOTING);
	mb_band_disconnect(f->band);
	assert_false(mb_band_connect(f->band, NULL, NULL));
	fixture_advance(f, 9999);
	assert_int_equal(mb_power_state(mb_band_power(f->band)),
			 MB_POWER_STATE_BOOTING);
	fixture_advance(f, 1);
	assert_int_equal(mb_power_state(mb_band_power(f->band)),
			 MB_POWER_STATE_ON);
	expect_events(f, "disconnected", "power-on",
		      "firmware-installed version=V1.0.9.99 slot=b", NULL);
	fixture_connect(f);
	xfer(f, PDU(0x0a, H_SWREV, 0x00),
	     PDU(0x0b, 'V', '1', '.', '0', '.', '9', '.', '9', '9'));
	assert_int_equal(mb_firmware_info(mb_band_firmware(f->band))->slot,
			 'b');
}

/* firmware-progress says every whole percent received, once, in order:
 * what the band's screen shows of the update. */
static void test_progress(void **state)
{
	struct fixture *f = *state;
	unsigned int seen = 0;

	f->record_screen = true;
	/* 1000 bytes in writes of 5: a new percent every other write,
	 * from 0 (the first write) to 100. */
	start_upload(f, 0x00, (uint32_t)len, mb_crc32(img, len));
	f->n_events = 0;
	for (size_t off = 0; off < len; off += 5) {
		uint8_t pdu[3 + 5] = { 0x52, H_FW_DATA, 0x00 };

		memcpy(pdu + 3, img + off, 5);
		mb_link_receive(mb_band_link(f->band), pdu, sizeof(pdu));
		for (size_t i = 0; i < f->n_events; i++) {
			char want[32];

			if (strcmp(f->events[i].name, "firmware-progress"))
				continue;
			snprintf(want, sizeof(want), "percent=%u", seen++);
			assert_string_equal(f->events[i].detail, want);
		}
		f->n_events = 0;
	}
	assert_int_equal(seen, 101);
	expect_out(f, PDU(0x1b, H_FW_CTRL, 0x00, 0x10, 0x03, 0x01));
	/* Past the size nothing more is received, nor said. */
	send_data(f, img, 20);
	expect_events(f, NULL);
}

static void test_refusals(void **state)
{
	struct fixture *f = *state;

	send_init(f, 0x07, 1000, 0, PDU(0x10, 0x01, 0x04));
	send_init(f, 0x00, 0, 0, PDU(0x10, 0x01, 0x04));
	send_init(f, 0x00, 5u << 20, 0, PDU(0x10, 0x01, 0x04));
	fw_cmd(f, PDU(0x01, 0x00, 0x10), PDU(0x10, 0x01, 0x02));
	fw_cmd(f, PDU(0x03, 0x01), PDU(0x10, 0x03, 0x04));
	fw_cmd(f, PDU(0x03, 0x02), PDU(0x10, 0x03, 0x02));
	fw_cmd(f, PDU(0x04), PDU(0x10, 0x04, 0x04));
	fw_cmd(f, PDU(0x09), PDU(0x10, 0x09, 0x02));
	/* No command byte: the Write Request's response says so, and there
	 * is no reply to send (docs/policies.md). */
	xfer(f, PDU(0x12, H_FW_CTRL, 0x00),
	     PDU(0x01, 0x12, H_FW_CTRL, 0x00, 0x0d));
	mb_power_set_level(mb_band_power(f->band), 19);
	send_init(f, 0x00, (uint32_t)len, mb_crc32(img, len),
		  PDU(0x10, 0x01, 0x22));
	/* On the charger the band takes it. */
	mb_power_set_plugged(mb_band_power(f->band), true);
	send_init(f, 0x00, (uint32_t)len, mb_crc32(img, len),
		  PDU(0x10, 0x01, 0x01));
	assert_int_equal(n_saved, 0);
}

static void test_bad_images_change_nothing(void **state)
{
	struct fixture *f = *state;
	uint32_t crc = mb_crc32(img, len);

	/* Wrong CRC: one byte flipped on the way. */
	img[500] ^= 0x01;
	upload(f, 0x00, img, len, crc, 0x04);
	img[500] ^= 0x01;
	/* Right CRC, not a Mi Band 4 image. */
	memcpy(img + 64, "Mi Smart Band 5", 16);
	crc = mb_crc32(img, len);
	upload(f, 0x00, img, len, crc, 0x04);
	/* Cut short, then checked. */
	start_upload(f, 0x00, (uint32_t)len, crc);
	send_data(f, img, 500);
	fw_cmd(f, PDU(0x04), PDU(0x10, 0x04, 0x04));
	/* A reboot with nothing verified is just a reboot. */
	fw_cmd(f, PDU(0x05), PDU(0x10, 0x05, 0x01));
	assert_int_equal(mb_power_state(mb_band_power(f->band)),
			 MB_POWER_STATE_ON);
	assert_int_equal(n_saved, 0);
	assert_int_equal(mb_firmware_info(mb_band_firmware(f->band))->slot,
			 'a');
}

static void test_interrupted_update(void **state)
{
	struct fixture *f = *state;

	start_upload(f, 0x00, (uint32_t)len, mb_crc32(img, len));
	send_data(f, img, 560); /* 57 % */
	assert_int_equal(mb_band_busy(f->band), MB_BAND_BUSY_FIRMWARE);
	f->n_events = 0;
	mb_band_disconnect(f->band);
	expect_events(f, "firmware-failed reason=interrupted", "disconnected",
		      NULL);
	assert_int_equal(mb_band_busy(f->band), MB_BAND_BUSY_NONE);
	fixture_connect(f);
	fixture_auth(f, test_key);
	f->n_out = f->next_out = 0;
	xfer(f, PDU(0x12, H_FW_CTRL_CCC, 0x00, 0x01, 0x00), PDU(0x13));
	/* The old image runs; a retry from 01 works. */
	xfer(f, PDU(0x0a, H_SWREV, 0x00),
	     PDU(0x0b, 'V', '1', '.', '0', '.', '9', '.', '7', '0'));
	upload(f, 0x00, img, len, mb_crc32(img, len), 0x01);
}

/* A 01 the band refuses for its type or size drops nothing: the upload
 * under way goes on to a verified image. */
static void test_refused_init_keeps_transfer(void **state)
{
	struct fixture *f = *state;

	start_upload(f, 0x00, (uint32_t)len, mb_crc32(img, len));
	send_data(f, img, 500);
	f->n_events = 0;
	send_init(f, 0x07, 1000, 0, PDU(0x10, 0x01, 0x04));
	send_init(f, 0x00, 0, 0, PDU(0x10, 0x01, 0x04));
	send_init(f, 0x00, 5u << 20, 0, PDU(0x10, 0x01, 0x04));
	expect_events(f, "firmware-failed reason=unknown-type",
		      "firmware-failed reason=too-large",
		      "firmware-failed reason=too-large", NULL);
	assert_int_equal(mb_band_busy(f->band), MB_BAND_BUSY_FIRMWARE);
	send_data(f, img + 500, len - 500);
	expect_out(f, PDU(0x1b, H_FW_CTRL, 0x00, 0x10, 0x03, 0x01));
	fw_cmd(f, PDU(0x04), PDU(0x10, 0x04, 0x01));
}

static void test_resources_font_watchface(void **state)
{
	struct fixture *f = *state;
	uint8_t res[64] = "HMRES", font[64] = "NEZK", face[64] = "HMDIAL";
	const struct mb_firmware_info *fi =
		mb_firmware_info(mb_band_firmware(f->band));

	res[5] = 80;
	font[4] = 3;
	font[10] = 0x03;
	upload(f, 0x02, res, 64, mb_crc32(res, 64), 0x01);
	upload(f, 0x01, font, 64, mb_crc32(font, 64), 0x01);
	upload(f, 0x08, face, 64, mb_crc32(face, 64), 0x01);
	assert_string_equal(fi->resources, "v80");
	assert_string_equal(fi->font, "v3");
	{
		char want[24];

		snprintf(want, sizeof(want), "crc32:%08x", mb_crc32(face, 64));
		assert_string_equal(fi->watchface, want);
	}
	assert_string_equal(saved_files[0].name, "resources.bin");
	assert_string_equal(saved_files[2].name, "font.bin");
	assert_string_equal(saved_files[4].name, "watchface.bin");
	/* Firmware unchanged. */
	xfer(f, PDU(0x0a, H_SWREV, 0x00),
	     PDU(0x0b, 'V', '1', '.', '0', '.', '9', '.', '7', '0'));
}

static void test_firmware_info_round_trip(void **state)
{
	struct mb_firmware_info a, b;
	char *text, *err = NULL;

	mb_firmware_info_init(&a);
	a.slot = 'b';
	strcpy(a.version, "V1.0.9.99");
	strcpy(a.resources, "v80");
	text = mb_firmware_info_format(&a);
	assert_true(mb_firmware_info_parse(text, strlen(text), "f", &b, &err));
	assert_memory_equal(&a, &b, sizeof(a));
	free(text);
	assert_false(mb_firmware_info_parse("[firmware]\nslot = c\n", 20, "f",
					    &b, &err));
	assert_string_equal(err, "f:2: [firmware] slot: a or b");
	free(err);
	assert_int_equal(mb_crc32((const uint8_t *)"123456789", 9), 0xcbf43926);
}

#define F(name, fn) CASE(name, fn, fw_setup, fw_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T("MB4-UT/BATT/BV-02 layout, charge timestamps, notify",
		  test_battery_layout_and_notify),
		T("MB4-UT/BATT/BV-03 discharge and charge",
		  test_discharge_and_charge),
		T("MB4-UT/BATT/BV-04 off at 0 %, back when charged",
		  test_power_off_and_back),
		T("MB4-UT/BATT/BI-01 low battery drops a transfer",
		  test_low_battery_drops_transfer),
		F("MB4-UT/FW/BV-01 full update", test_full_update),
		F("MB4-UT/FW/BI-01 refusals", test_refusals),
		F("MB4-UT/FW/BI-02 bad images change nothing",
		  test_bad_images_change_nothing),
		F("MB4-UT/FW/BI-03 interrupted at 57 %",
		  test_interrupted_update),
		F("MB4-UT/FW/BI-04 a refused 01 keeps the upload",
		  test_refused_init_keeps_transfer),
		F("MB4-UT/FW/BV-02 resources, font, watchface",
		  test_resources_font_watchface),
		F("MB4-UT/FW/BV-03 the update's every percent, once",
		  test_progress),
		cmocka_unit_test(test_firmware_info_round_trip),
	};

	return cmocka_run_group_tests_name("power", tests, NULL, NULL);
}
