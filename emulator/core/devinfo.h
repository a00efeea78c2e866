/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "chrs.h"
#include "profile.h"
#include "firmware.h"
#include "identity.h"

/* What the band says about itself: GAP name and appearance, Device
 * Information (protocol §2.1, §8). */
struct mb_devinfo;

/* id (address, serial) and firmware (the running version) are the
 * band's; they must outlive the part. */
struct mb_devinfo *mb_devinfo_new(const struct mb_profile *profile,
				  const struct mb_identity *id,
				  const struct mb_firmware *firmware);
void mb_devinfo_free(struct mb_devinfo *info);

extern const struct mb_chr_route mb_devinfo_routes[];
extern const size_t mb_devinfo_n_routes;
