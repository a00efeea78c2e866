/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* Legacy advertising data and scan response (protocol §1), 31 bytes
 * each at most. */
struct mb_adv;

struct mb_adv *mb_adv_new(const struct mb_profile *profile);
void mb_adv_free(struct mb_adv *adv);

/* What the band advertises with steps taken today and heart_rate, the
 * manufacturer data's heart-rate byte (0xff: none; mb_hr_adv_byte()). */
void mb_adv_build(const struct mb_adv *adv, uint32_t steps, uint8_t heart_rate,
		  uint8_t data[31], size_t *data_len, uint8_t scan_rsp[31],
		  size_t *scan_rsp_len);
