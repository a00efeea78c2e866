/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by band.c and the characteristic implementations (chars.c); not
 * for transports. */

#include "att.h"
#include "band.h"
#include "battery.h"

struct mb_steps {
	uint32_t steps;
	uint32_t distance_m;
	uint32_t calories;
};

/* One row per characteristic the band gives meaning to, by UUID.  Those
 * without a row read their profile value and accept writes. */
struct mb_chr_impl {
	const char *uuid;
	uint8_t (*read)(struct mb_band *band, const struct mb_gatt_chr *chr,
			uint8_t *buf, size_t *len);
	uint8_t (*write)(struct mb_band *band, const struct mb_gatt_chr *chr,
			 const uint8_t *value, size_t len, bool command);
};

struct mb_band {
	const struct mb_profile *profile;
	const struct mb_clock *clock;
	struct mb_gatt *gatt;
	struct mb_identity identity;
	const struct mb_chr_impl **impl;	/* per characteristic */

	/* RTC: local time = band clock + rtc_offset_ms (protocol §6). */
	int64_t rtc_offset_ms;
	int8_t tz;
	uint8_t dst;

	struct mb_battery battery;
	struct mb_steps steps;
	uint64_t next_minute_ms;

	struct mb_att *att;
	const struct mb_band_link_ops *link_ops;
	void *link_data;

	mb_debug_func_t debug;
	void *debug_data;
};

const struct mb_chr_impl *mb_chr_impl_find(const struct mb_uuid *uuid);

uint64_t mb_band_now_ms(const struct mb_band *band);
void mb_band_debug(struct mb_band *band, const char *fmt, ...) MB_PRINTF(2, 3);
/* Notifies chr on the link if it subscribed; false otherwise. */
bool mb_band_notify(struct mb_band *band, const struct mb_gatt_chr *chr,
		    const uint8_t *value, size_t len);
const struct mb_gatt_chr *mb_band_chr(const struct mb_band *band,
				      const char *uuid);
void mb_band_encode_steps(const struct mb_band *band, uint8_t out[13]);
