// SPDX-License-Identifier: GPL-2.0-or-later
/* Firmware, resources, fonts and watchfaces over 00001531 / 00001532
 * (protocol §7.1; bandsim's decisions in docs/battery-firmware.md).
 * Replies are notifications on 00001531: 10 <command> <status>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "band-private.h"
#include "fwimage.h"

#define FW_STATUS_SUCCESS MB_HUAMI_STATUS_SUCCESS
#define FW_STATUS_REFUSED MB_HUAMI_STATUS_REFUSED

#define CMD_SYNC 0x00
#define CMD_INIT 0x01
#define CMD_START 0x03
#define CMD_CHECK 0x04
#define CMD_REBOOT 0x05

/* The largest file the band takes: a resources pack is ~1.5 MiB. */
#define MAX_IMAGE (4u << 20)
/* Band time from the reboot to the new image running. */
#define BOOT_MS 10000u

static void reply(struct mb_band *band, uint8_t command, uint8_t status)
{
	mb_huami_reply(band, MB_UUID_FW_CONTROL, command, status, NULL, 0);
}

static void failed(struct mb_band *band, const char *reason)
{
	mb_band_emit_simple(band, MB_EVENT_FIRMWARE_FAILED, "reason", reason);
}

/* Drops whatever was received: the running image stays. */
static void discard(struct mb_band *band)
{
	struct mb_fw *fw = &band->fw;

	free(fw->buf);
	*fw = (struct mb_fw){ .state = MB_FW_STATE_IDLE };
}

const char *mb_firmware_version(const struct mb_band *band)
{
	return band->fwinfo.version[0] ? band->fwinfo.version
				       : mb_profile_device_info(band->profile)->software_revision;
}

static bool save_info(struct mb_band *band, const struct mb_firmware_info *fi)
{
	char *text = mb_firmware_info_format(fi), *err = NULL;
	bool ok = !band->save_file ||
		  band->save_file(MB_FIRMWARE_INFO_FILE, text, strlen(text),
				  band->save_file_data, &err);

	if (!ok) {
		mb_band_debug(band, "firmware.ini not stored: %s", err);
		free(err);
	}
	free(text);
	return ok;
}

/* 01 <type> <size u32> <crc32 u32> */
static void cmd_init(struct mb_band *band, const uint8_t *v, size_t len)
{
	const struct mb_policy *pol = mb_profile_policy(band->profile);
	struct mb_fw *fw = &band->fw;
	uint32_t size = mb_get_le32(v + 2);
	struct mb_event ev;

	if (fw->state != MB_FW_STATE_IDLE) {
		failed(band, "interrupted");
		discard(band);
	}
	if (mb_battery_level(&band->battery) < pol->firmware_min_battery_percent &&
	    !band->battery.charging) {
		failed(band, "low-battery");
		reply(band, CMD_INIT, pol->firmware_low_battery_status);
		return;
	}
	if (!mb_fw_type_known(v[1]) || !size || size > MAX_IMAGE) {
		failed(band, mb_fw_type_known(v[1]) ? "too-large" : "unknown-type");
		reply(band, CMD_INIT, FW_STATUS_REFUSED);
		return;
	}
	fw->type = v[1];
	fw->size = size;
	fw->crc = mb_get_le32(v + 6);
	fw->buf = malloc(size);
	if (!fw->buf) {
		discard(band);
		reply(band, CMD_INIT, FW_STATUS_REFUSED);
		return;
	}
	fw->got = 0;
	fw->state = MB_FW_STATE_W4_START;
	mb_event_init(&ev, MB_EVENT_FIRMWARE_STARTED);
	mb_event_add_byte(&ev, "type", fw->type);
	mb_event_add_uint32(&ev, "size", size);
	mb_band_emit(band, &ev);
	reply(band, CMD_INIT, FW_STATUS_SUCCESS);
}

/* 03 01 */
static void cmd_start(struct mb_band *band, const uint8_t *v, size_t len)
{
	if (v[1] != 0x01) {
		mb_huami_malformed(band, MB_UUID_FW_CONTROL, v[0]);
		return;
	}
	if (band->fw.state != MB_FW_STATE_W4_START) {
		reply(band, CMD_START, FW_STATUS_REFUSED);
		return;
	}
	if (mb_power_refuse_transfer(band)) {
		failed(band, "low-battery");
		discard(band);
		return;
	}
	band->fw.state = MB_FW_STATE_RECEIVING;
}

/* 00: Gadgetbridge takes any reply as "unexpected" and aborts (§7.1). */
static void cmd_sync(struct mb_band *band, const uint8_t *v, size_t len)
{
}

static void install_extra(struct mb_band *band)
{
	struct mb_fw *fw = &band->fw;
	struct mb_firmware_info fi = band->fwinfo;
	const char *file = "resources.bin";
	char *field = fi.resources;
	char *err = NULL;

	switch (fw->type) {
	case MB_FW_TYPE_FONT:
	case MB_FW_TYPE_FONT_LATIN:
		file = "font.bin";
		field = fi.font;
		break;
	case MB_FW_TYPE_WATCHFACE:
		file = "watchface.bin";
		field = fi.watchface;
		break;
	default:
		break;
	}
	if (band->save_file && !band->save_file(file, fw->buf, fw->size,
						band->save_file_data, &err)) {
		mb_band_debug(band, "%s not stored: %s", file, err);
		free(err);
		return;
	}
	snprintf(field, sizeof(fi.resources), "%s", fw->version);
	if (save_info(band, &fi))
		band->fwinfo = fi;
}

/* 04: all bytes, the announced CRC-32, a file of the announced type. */
static void cmd_check(struct mb_band *band, const uint8_t *v, size_t len)
{
	struct mb_fw *fw = &band->fw;
	const char *reason = NULL;
	struct mb_event ev;
	char *err = NULL;

	if (fw->state != MB_FW_STATE_W4_CHECK && fw->state != MB_FW_STATE_RECEIVING)
		reason = "size";
	else if (fw->got != fw->size)
		reason = "size";
	else if (mb_crc32(fw->buf, fw->size) != fw->crc)
		reason = "crc";
	else if (!mb_fw_identify(fw->type, fw->buf, fw->size, fw->version,
				 sizeof(fw->version)))
		reason = "unrecognised";
	if (reason) {
		failed(band, reason);
		discard(band);
		reply(band, CMD_CHECK, FW_STATUS_REFUSED);
		return;
	}
	/* A format without a version (watchfaces) is known by its CRC. */
	if (!fw->version[0])
		snprintf(fw->version, sizeof(fw->version), "crc32:%08x", fw->crc);
	mb_event_init(&ev, MB_EVENT_FIRMWARE_VERIFIED);
	mb_event_add_byte(&ev, "type", fw->type);
	mb_event_add_string(&ev, "version", fw->version);
	mb_band_emit(band, &ev);
	if (fw->type != MB_FW_TYPE_FIRMWARE) {
		install_extra(band);
		discard(band);
		reply(band, CMD_CHECK, FW_STATUS_SUCCESS);
		return;
	}
	/* Firmware goes to the slot that is not running; 05 switches. */
	fw->new_slot = band->fwinfo.slot == 'a' ? 'b' : 'a';
	if (band->save_file &&
	    !band->save_file(fw->new_slot == 'a' ? "firmware-a.bin" : "firmware-b.bin",
			     fw->buf, fw->size, band->save_file_data, &err)) {
		mb_band_debug(band, "firmware slot not stored: %s", err);
		free(err);
		failed(band, "storage");
		discard(band);
		reply(band, CMD_CHECK, FW_STATUS_REFUSED);
		return;
	}
	free(fw->buf);
	fw->buf = NULL;
	fw->state = MB_FW_STATE_W4_REBOOT;
	reply(band, CMD_CHECK, FW_STATUS_SUCCESS);
}

/* 05: boot the verified image, or just reboot (GB's "reboot band"). */
static void cmd_reboot(struct mb_band *band, const uint8_t *v, size_t len)
{
	struct mb_fw *fw = &band->fw;

	reply(band, CMD_REBOOT, FW_STATUS_SUCCESS);
	if (fw->state == MB_FW_STATE_W4_REBOOT) {
		struct mb_firmware_info fi = band->fwinfo;

		fi.slot = fw->new_slot;
		snprintf(fi.version, sizeof(fi.version), "%s", fw->version);
		/* The switch is one atomic file: a kill at any moment boots
		 * either the old slot or the new one. */
		if (save_info(band, &fi)) {
			band->fwinfo = fi;
			discard(band);
			mb_power_boot(band, BOOT_MS);
			return;
		}
	}
	discard(band);
	mb_band_reboot(band);
}

void mb_firmware_booted(struct mb_band *band)
{
	struct mb_event ev;
	char slot[2] = { band->fwinfo.slot, '\0' };

	discard(band);
	mb_event_init(&ev, MB_EVENT_FIRMWARE_INSTALLED);
	mb_event_add_string(&ev, "version", mb_firmware_version(band));
	mb_event_add_string(&ev, "slot", slot);
	mb_band_emit(band, &ev);
}

/* One row per command; lengths are checked by mb_huami_dispatch(). */
static const struct mb_huami_cmd fw_cmds[] = {
	{ CMD_SYNC, 1, 1, cmd_sync },
	{ CMD_INIT, 10, 10, cmd_init },
	{ CMD_START, 2, 2, cmd_start },
	{ CMD_CHECK, 1, 1, cmd_check },
	{ CMD_REBOOT, 1, 1, cmd_reboot },
};

uint8_t mb_firmware_write_control(struct mb_band *band, const struct mb_gatt_chr *chr,
				  const uint8_t *value, size_t len, bool command)
{
	mb_huami_dispatch(band, MB_UUID_FW_CONTROL, fw_cmds, MB_ARRAY_SIZE(fw_cmds),
			  value, len);
	return 0;
}

uint8_t mb_firmware_write_data(struct mb_band *band, const struct mb_gatt_chr *chr,
			       const uint8_t *value, size_t len, bool command)
{
	struct mb_fw *fw = &band->fw;
	uint32_t n;

	if (fw->state != MB_FW_STATE_RECEIVING)
		return 0;
	/* Bytes past the announced size are dropped; 04 then fails. */
	n = fw->size - fw->got < len ? fw->size - fw->got : (uint32_t)len;
	memcpy(fw->buf + fw->got, value, n);
	fw->got += n;
	mb_band_battery_use(band, MB_DRAIN_RADIO, 1);
	if (mb_band_fault(band, MB_FAULT_TRIGGER_FIRMWARE, NULL, NULL, 0,
			  (unsigned int)((uint64_t)fw->got * 100 / fw->size), NULL))
		return 0;
	if (fw->got == fw->size) {
		fw->state = MB_FW_STATE_W4_CHECK;
		reply(band, CMD_START, FW_STATUS_SUCCESS);
	}
	return 0;
}

void mb_firmware_link_down(struct mb_band *band)
{
	/* A verified image waiting for 05 is dropped as well: "anything
	 * short of a verified 04 and a 05 leaves the old image running". */
	if (band->fw.state != MB_FW_STATE_IDLE) {
		failed(band, "interrupted");
		discard(band);
	}
}
