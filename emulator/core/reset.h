/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "logstore.h"
#include "services.h"

/* A factory reset (protocol §10; docs/settings.md): the owner's key,
 * settings and log go, the band takes a new address and drops its
 * link.  The parts it clears, and nothing else. */
struct mb_reset_parts {
	struct mb_identity *identity;
	struct mb_settings *settings;
	struct mb_auth *auth;
	struct mb_fetch *fetch;
	struct mb_tick *tick;
	struct mb_logstore *store;
	struct mb_sport *sport;
};

struct mb_reset;

struct mb_reset *mb_reset_new(const struct mb_services *svc,
			      const struct mb_reset_parts *parts);
void mb_reset_free(struct mb_reset *r);

/* False with *err when band.ini or the settings could not be replaced:
 * the band is then still the old owner's. */
bool mb_reset_run(struct mb_reset *r, char **err);
