/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#include "att.h"
#include "chrs.h"
#include "auth.h"
#include "fault.h"

/* The link's view of the table: which part answers a characteristic,
 * who may use it (protected characteristics refuse until Huami auth; the
 * error is a policy, docs/auth.md), and the fault hook on writes. */
struct mb_router;

struct mb_router *mb_router_new(const struct mb_gatt *gatt,
				const struct mb_policy *policy,
				const struct mb_auth *auth,
				struct mb_faults *faults);
void mb_router_free(struct mb_router *router);

/* The part answers the characteristics its routes name. */
void mb_router_add(struct mb_router *router, const struct mb_chr_route *routes,
		   size_t n, void *part);

/* Told when the link subscribed to chr or stopped (value: the CCCD's). */
typedef void (*mb_router_ccc_func_t)(const struct mb_gatt_chr *chr,
				     uint16_t value, void *user_data);
void mb_router_set_ccc_observer(struct mb_router *router,
				mb_router_ccc_func_t fn, void *user_data);

/* What the link's ATT server asks (data is the router). */
extern const struct mb_att_ops mb_router_att_ops;
