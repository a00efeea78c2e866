/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Which firmware slot runs and what is installed (STATE_DIR/firmware.ini,
 * replaced atomically).  Empty strings: the factory image / nothing. */
struct mb_firmware_info {
	char slot;	  /* 'a' or 'b' */
	char version[24]; /* "V1.0.9.99"; "" = factory (the profile's) */
	char resources[24];
	char font[24];
	char watchface[24];
};

#define MB_FIRMWARE_INFO_FILE "firmware.ini"

void mb_firmware_info_init(struct mb_firmware_info *fi);
/* NULL *err and false: the text is not a firmware.ini (named by file). */
bool mb_firmware_info_parse(const char *text, size_t len, const char *file,
			    struct mb_firmware_info *fi, char **err);
char *mb_firmware_info_format(const struct mb_firmware_info *fi);
