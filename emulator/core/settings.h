/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "chrs.h"
#include "services.h"

/* The configuration commands on 00000003 (protocol §11): one table row
 * per command.  Only the authenticated owner gets here (00000003 is
 * protected).  What the fact sheet lists and the band does not act on
 * yet is accepted without a reply (docs/policies.md). */
struct mb_settings;

/* The band's factory reset (06 0B 00 01); false with *err if the band
 * could not store its new state. */
typedef bool (*mb_settings_reset_func_t)(void *user_data, char **err);

struct mb_settings *mb_settings_new(const struct mb_services *svc,
				    mb_settings_reset_func_t reset,
				    void *user_data);
void mb_settings_free(struct mb_settings *settings);

/* 00000003, write. */
extern const struct mb_chr_route mb_settings_routes[];
extern const size_t mb_settings_n_routes;
