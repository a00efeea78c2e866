// SPDX-License-Identifier: GPL-2.0-or-later
/* Firmware, resources, fonts and watchfaces over 00001531 / 00001532
 * (protocol §7.1; bandsim's decisions in docs/battery-firmware.md).
 * Replies are notifications on 00001531: 10 <command> <status>. */
#include "firmware.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwimage.h"
#include "huami.h"
#include "power.h"
#include "services.h"

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

/* A transfer, named for what it waits for. */
enum fw_state {
	FW_STATE_IDLE,
	FW_STATE_W4_START, /* 01 accepted, waiting for 03 01 */
	FW_STATE_RECEIVING,
	FW_STATE_W4_CHECK,  /* all bytes in, waiting for 04 */
	FW_STATE_W4_REBOOT, /* verified firmware, waiting for 05 */
};

struct transfer {
	enum fw_state state;
	uint8_t type;
	uint32_t size;
	uint32_t crc;
	uint8_t *buf;
	uint32_t got;
	int percent; /* as firmware-progress said last; -1 before */
	char version[24];
	char new_slot;
};

struct mb_firmware {
	const struct mb_services *svc;
	const struct mb_profile *profile;
	struct mb_power *power;
	struct mb_huami *cmds;
	struct mb_firmware_info info;
	mb_firmware_store_func_t store;
	void *store_data;
	struct transfer t;
};

static void reply(struct mb_firmware *fw, uint8_t command, uint8_t status)
{
	mb_huami_reply(fw->cmds, command, status, NULL, 0);
}

static void failed(struct mb_firmware *fw, const char *reason)
{
	mb_svc_emit_string(fw->svc, MB_EVENT_FIRMWARE_FAILED, "reason", reason);
}

/* Drops whatever was received: the running image stays. */
static void discard(struct mb_firmware *fw)
{
	free(fw->t.buf);
	fw->t = (struct transfer){ .state = FW_STATE_IDLE };
}

const char *mb_firmware_version(const struct mb_firmware *fw)
{
	return fw->info.version[0]
		       ? fw->info.version
		       : mb_profile_device_info(fw->profile)->software_revision;
}

static bool save(struct mb_firmware *fw, const char *name, const void *data,
		 size_t len, const char *what)
{
	char *err = NULL;

	if (!fw->store || fw->store(name, data, len, fw->store_data, &err))
		return true;
	mb_svc_debug(fw->svc, "%s not stored: %s", what, err);
	free(err);
	return false;
}

static bool save_info(struct mb_firmware *fw, const struct mb_firmware_info *fi)
{
	char *text = mb_firmware_info_format(fi);
	bool ok = save(fw, MB_FIRMWARE_INFO_FILE, text, strlen(text),
		       "firmware.ini");

	free(text);
	return ok;
}

/* 01 <type> <size u32> <crc32 u32> */
static void cmd_init(void *part, const uint8_t *v, size_t len)
{
	struct mb_firmware *fw = part;
	const struct mb_policy *pol = mb_profile_policy(fw->profile);
	struct transfer *t = &fw->t;
	uint32_t size = mb_get_le32(v + 2);
	struct mb_event ev;

	/* A file the band cannot take is refused before anything is
	 * dropped: the transfer under way, if any, goes on. */
	if (!mb_fw_type_known(v[1]) || !size || size > MAX_IMAGE) {
		failed(fw,
		       mb_fw_type_known(v[1]) ? "too-large" : "unknown-type");
		reply(fw, CMD_INIT, FW_STATUS_REFUSED);
		return;
	}
	if (t->state != FW_STATE_IDLE) {
		failed(fw, "interrupted");
		discard(fw);
	}
	if (mb_power_level(fw->power) < pol->firmware_min_battery_percent &&
	    !mb_power_charging(fw->power)) {
		failed(fw, "low-battery");
		reply(fw, CMD_INIT, pol->firmware_low_battery_status);
		return;
	}
	t->type = v[1];
	t->size = size;
	t->crc = mb_get_le32(v + 6);
	t->buf = malloc(size);
	if (!t->buf) {
		discard(fw);
		reply(fw, CMD_INIT, FW_STATUS_REFUSED);
		return;
	}
	t->got = 0;
	t->percent = -1;
	t->state = FW_STATE_W4_START;
	mb_event_init(&ev, MB_EVENT_FIRMWARE_STARTED);
	mb_event_add_byte(&ev, "type", t->type);
	mb_event_add_uint32(&ev, "size", size);
	mb_svc_emit(fw->svc, &ev);
	reply(fw, CMD_INIT, FW_STATUS_SUCCESS);
}

/* 03 01 */
static void cmd_start(void *part, const uint8_t *v, size_t len)
{
	struct mb_firmware *fw = part;

	if (v[1] != 0x01) {
		mb_huami_malformed(fw->cmds, v[0]);
		return;
	}
	if (fw->t.state != FW_STATE_W4_START) {
		reply(fw, CMD_START, FW_STATUS_REFUSED);
		return;
	}
	if (mb_power_refuse_transfer(fw->power)) {
		failed(fw, "low-battery");
		discard(fw);
		return;
	}
	fw->t.state = FW_STATE_RECEIVING;
}

/* 00: Gadgetbridge takes any reply as "unexpected" and aborts (§7.1). */
static void cmd_sync(void *part, const uint8_t *v, size_t len)
{
}

static void install_extra(struct mb_firmware *fw)
{
	struct transfer *t = &fw->t;
	struct mb_firmware_info fi = fw->info;
	const char *file = "resources.bin";
	char *field = fi.resources;

	switch (t->type) {
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
	if (!save(fw, file, t->buf, t->size, file))
		return;
	snprintf(field, sizeof(fi.resources), "%s", t->version);
	if (save_info(fw, &fi))
		fw->info = fi;
}

/* 04: all bytes, the announced CRC-32, a file of the announced type. */
static void cmd_check(void *part, const uint8_t *v, size_t len)
{
	struct mb_firmware *fw = part;
	struct transfer *t = &fw->t;
	const char *reason = NULL;
	struct mb_event ev;

	if (t->state != FW_STATE_W4_CHECK && t->state != FW_STATE_RECEIVING)
		reason = "size";
	else if (t->got != t->size)
		reason = "size";
	else if (mb_crc32(t->buf, t->size) != t->crc)
		reason = "crc";
	else if (!mb_fw_identify(t->type, t->buf, t->size, t->version,
				 sizeof(t->version)))
		reason = "unrecognised";
	if (reason) {
		failed(fw, reason);
		discard(fw);
		reply(fw, CMD_CHECK, FW_STATUS_REFUSED);
		return;
	}
	/* A format without a version (watchfaces) is known by its CRC. */
	if (!t->version[0])
		snprintf(t->version, sizeof(t->version), "crc32:%08x", t->crc);
	mb_event_init(&ev, MB_EVENT_FIRMWARE_VERIFIED);
	mb_event_add_byte(&ev, "type", t->type);
	mb_event_add_string(&ev, "version", t->version);
	mb_svc_emit(fw->svc, &ev);
	if (t->type != MB_FW_TYPE_FIRMWARE) {
		install_extra(fw);
		discard(fw);
		reply(fw, CMD_CHECK, FW_STATUS_SUCCESS);
		return;
	}
	/* Firmware goes to the slot that is not running; 05 switches. */
	t->new_slot = fw->info.slot == 'a' ? 'b' : 'a';
	if (!save(fw, t->new_slot == 'a' ? "firmware-a.bin" : "firmware-b.bin",
		  t->buf, t->size, "firmware slot")) {
		failed(fw, "storage");
		discard(fw);
		reply(fw, CMD_CHECK, FW_STATUS_REFUSED);
		return;
	}
	free(t->buf);
	t->buf = NULL;
	t->state = FW_STATE_W4_REBOOT;
	reply(fw, CMD_CHECK, FW_STATUS_SUCCESS);
}

/* 05: boot the verified image, or just reboot (GB's "reboot band"). */
static void cmd_reboot(void *part, const uint8_t *v, size_t len)
{
	struct mb_firmware *fw = part;
	struct transfer *t = &fw->t;

	reply(fw, CMD_REBOOT, FW_STATUS_SUCCESS);
	if (t->state == FW_STATE_W4_REBOOT) {
		struct mb_firmware_info fi = fw->info;

		fi.slot = t->new_slot;
		snprintf(fi.version, sizeof(fi.version), "%s", t->version);
		/* The switch is one atomic file: a kill at any moment boots
		 * either the old slot or the new one. */
		if (save_info(fw, &fi)) {
			fw->info = fi;
			discard(fw);
			mb_power_boot(fw->power, BOOT_MS);
			return;
		}
	}
	discard(fw);
	mb_svc_reboot(fw->svc);
}

void mb_firmware_booted(struct mb_firmware *fw)
{
	struct mb_event ev;
	char slot[2] = { fw->info.slot, '\0' };

	discard(fw);
	mb_event_init(&ev, MB_EVENT_FIRMWARE_INSTALLED);
	mb_event_add_string(&ev, "version", mb_firmware_version(fw));
	mb_event_add_string(&ev, "slot", slot);
	mb_svc_emit(fw->svc, &ev);
}

/* One row per command; lengths are checked by mb_huami_write(). */
static const struct mb_huami_cmd fw_cmds[] = {
	{ CMD_SYNC, 1, 1, cmd_sync },	  { CMD_INIT, 10, 10, cmd_init },
	{ CMD_START, 2, 2, cmd_start },	  { CMD_CHECK, 1, 1, cmd_check },
	{ CMD_REBOOT, 1, 1, cmd_reboot },
};

MB_HUAMI_ROUTE_WRITE(write_control, struct mb_firmware, cmds)

static uint8_t write_data(void *part, const uint8_t *value, size_t len,
			  bool command)
{
	struct mb_firmware *fw = part;
	struct transfer *t = &fw->t;
	unsigned int percent;
	uint32_t n;

	if (t->state != FW_STATE_RECEIVING)
		return 0;
	/* Bytes past the announced size are dropped; 04 then fails. */
	n = t->size - t->got < len ? t->size - t->got : (uint32_t)len;
	memcpy(t->buf + t->got, value, n);
	t->got += n;
	mb_power_use(fw->power, MB_DRAIN_RADIO, 1);
	percent = (unsigned int)((uint64_t)t->got * 100 / t->size);
	/* The band's screen shows the whole percent received; an empty
	 * write received nothing. */
	if (n && (int)percent != t->percent) {
		t->percent = (int)percent;
		mb_svc_emit_u32(fw->svc, MB_EVENT_FIRMWARE_PROGRESS, "percent",
				percent);
	}
	if (mb_svc_fault(fw->svc, MB_FAULT_TRIGGER_FIRMWARE, percent))
		return 0;
	if (t->got == t->size) {
		t->state = FW_STATE_W4_CHECK;
		reply(fw, CMD_START, FW_STATUS_SUCCESS);
	}
	return 0;
}

const struct mb_chr_route mb_firmware_routes[] = {
	{ MB_CHR_FW_CONTROL, NULL, write_control },
	{ MB_CHR_FW_DATA, NULL, write_data },
};
const size_t mb_firmware_n_routes = MB_ARRAY_SIZE(mb_firmware_routes);

struct mb_firmware *mb_firmware_new(const struct mb_services *svc,
				    const struct mb_profile *profile,
				    struct mb_power *power)
{
	struct mb_firmware *fw =
		MB_NEW(struct mb_firmware, .svc = svc, .profile = profile,
		       .power = power,
		       .cmds = mb_huami_new(svc, MB_CHR_FW_CONTROL, fw_cmds,
					    MB_ARRAY_SIZE(fw_cmds)));

	mb_firmware_info_init(&fw->info);
	return fw;
}

void mb_firmware_free(struct mb_firmware *fw)
{
	if (!fw)
		return;
	free(fw->t.buf);
	mb_huami_free(fw->cmds);
	free(fw);
}

void mb_firmware_set_info(struct mb_firmware *fw,
			  const struct mb_firmware_info *info)
{
	fw->info = *info;
}

const struct mb_firmware_info *mb_firmware_info(const struct mb_firmware *fw)
{
	return &fw->info;
}

void mb_firmware_set_store(struct mb_firmware *fw, mb_firmware_store_func_t fn,
			   void *user_data)
{
	fw->store = fn;
	fw->store_data = user_data;
}

bool mb_firmware_busy(const struct mb_firmware *fw)
{
	return fw->t.state != FW_STATE_IDLE;
}

void mb_firmware_link_down(struct mb_firmware *fw)
{
	/* A verified image waiting for 05 is dropped as well: "anything
	 * short of a verified 04 and a 05 leaves the old image running". */
	if (fw->t.state != FW_STATE_IDLE) {
		failed(fw, "interrupted");
		discard(fw);
	}
}
