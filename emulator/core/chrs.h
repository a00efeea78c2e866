/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "gatt.h"

/* The characteristics the band gives meaning to, by id.  Their UUIDs are
 * written once, in chrs.c; the band resolves every id against its GATT
 * table when it is created, so no part parses a UUID afterwards.  Those
 * without an id read their profile value and accept writes
 * (docs/policies.md). */
enum mb_chr_id {
	MB_CHR_DEVICE_NAME,    /* 0x2A00 */
	MB_CHR_APPEARANCE,     /* 0x2A01 */
	MB_CHR_SYSTEM_ID,      /* 0x2A23 */
	MB_CHR_SERIAL,	       /* 0x2A25 */
	MB_CHR_HARDWARE_REV,   /* 0x2A27 */
	MB_CHR_SOFTWARE_REV,   /* 0x2A28 */
	MB_CHR_PNP_ID,	       /* 0x2A50 */
	MB_CHR_CURRENT_TIME,   /* 0x2A2B */
	MB_CHR_HR_CONTROL,     /* 0x2A39 */
	MB_CHR_CONFIG,	       /* 00000003: configuration commands */
	MB_CHR_FETCH_CONTROL,  /* 00000004 */
	MB_CHR_ACTIVITY_DATA,  /* 00000005 */
	MB_CHR_BATTERY,	       /* 00000006 */
	MB_CHR_REALTIME_STEPS, /* 00000007 */
	MB_CHR_USER_SETTINGS,  /* 00000008 */
	MB_CHR_AUTH,	       /* 00000009 */
	MB_CHR_DEVICE_EVENT,   /* 00000010 */
	MB_CHR_FW_CONTROL,     /* 00001531 */
	MB_CHR_FW_DATA,	       /* 00001532 */
	MB_CHR_HR_MEASUREMENT, /* 0x2A37 */
	MB_CHR_ALERT_LEVEL,    /* 0x2A06: find band */
	MB_CHR_NEW_ALERT,      /* 0x2A46 */
	MB_CHR_CHUNKED,	       /* 00000020: chunked transfers */
	MB_CHR_WORKOUT,	       /* 0000000f: the phone's GPS in a workout */
	MB_CHR_COUNT
};

/* "2a2b", "00000009-0000-3512-2118-0009af100700", ... */
const char *mb_chr_uuid(enum mb_chr_id id);
/* The characteristic of the table with that id's UUID, or NULL when the
 * profile does not have it. */
const struct mb_gatt_chr *mb_chr_resolve(const struct mb_gatt *gatt,
					 enum mb_chr_id id);

/* What a part answers on a characteristic it owns.  part is the part's
 * own object; each returns 0 or an ATT error code. */
struct mb_chr_route {
	enum mb_chr_id chr;
	uint8_t (*read)(void *part, uint8_t *buf, size_t *len);
	uint8_t (*write)(void *part, const uint8_t *value, size_t len,
			 bool command);
};
