/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "chrs.h"
#include "fwinfo.h"
#include "profile.h"
#include "power.h"
#include "services.h"

/* Firmware, resources, fonts and watchfaces over 00001531 / 00001532
 * (protocol §7.1; docs/battery-firmware.md): two slots, the running one
 * kept until a verified image boots. */
struct mb_firmware;

/* Stores a file of the state directory atomically (name, bytes); false
 * with *err when it could not. */
typedef bool (*mb_firmware_store_func_t)(const char *name, const void *data,
					 size_t len, void *user_data,
					 char **err);

struct mb_firmware *mb_firmware_new(const struct mb_services *svc,
				    const struct mb_profile *profile,
				    struct mb_power *power);
void mb_firmware_free(struct mb_firmware *fw);

/* What firmware.ini said at start. */
void mb_firmware_set_info(struct mb_firmware *fw,
			  const struct mb_firmware_info *info);
const struct mb_firmware_info *mb_firmware_info(const struct mb_firmware *fw);
/* Where slot images and firmware.ini go; without a store nothing is
 * written. */
void mb_firmware_set_store(struct mb_firmware *fw, mb_firmware_store_func_t fn,
			   void *user_data);

/* The running image's version: firmware.ini's, else the profile's. */
const char *mb_firmware_version(const struct mb_firmware *fw);
/* An update is under way. */
bool mb_firmware_busy(const struct mb_firmware *fw);
void mb_firmware_link_down(struct mb_firmware *fw);
/* The boot after 05 is over: the new image runs. */
void mb_firmware_booted(struct mb_firmware *fw);

/* 00001531 and 00001532, write. */
extern const struct mb_chr_route mb_firmware_routes[];
extern const size_t mb_firmware_n_routes;
