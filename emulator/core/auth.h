/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "chrs.h"
#include "schedule.h"
#include "profile.h"
#include "identity.h"
#include "services.h"

/* Huami auth and binding on 00000009 (protocol §3.2, §10; docs/auth.md):
 * the link's challenge and rights, and a key that waits for a tap. */
struct mb_auth;

/* id is the band's: the key auth checks, and binds. */
struct mb_auth *mb_auth_new(const struct mb_services *svc,
			    const struct mb_policy *policy,
			    struct mb_identity *id);
void mb_auth_free(struct mb_auth *auth);

/* A tap on the pair-confirm prompt binds the waiting key: true if there
 * was one (the tap is taken). */
bool mb_auth_press(struct mb_auth *auth);
/* A long press declines it: true if there was one. */
bool mb_auth_long_press(struct mb_auth *auth);
void mb_auth_run(struct mb_auth *auth, uint64_t now);
uint64_t mb_auth_deadline(const struct mb_auth *auth);

/* A new link starts without rights or challenge. */
void mb_auth_link_up(struct mb_auth *auth);
/* Auth lasts for the link; a binding waiting for a tap goes with it. */
void mb_auth_link_down(struct mb_auth *auth);
/* The band hangs up: the link keeps no rights meanwhile. */
void mb_auth_revoke(struct mb_auth *auth);
bool mb_auth_authenticated(const struct mb_auth *auth);
/* A key waits for a tap (the pair-confirm prompt is shown). */
bool mb_auth_prompting(const struct mb_auth *auth);
/* The prompt on the band's screen: "pair-confirm", or "" (none). */
#define MB_AUTH_PROMPT_PAIR_CONFIRM "pair-confirm"
const char *mb_auth_prompt(const struct mb_auth *auth);

/* 00000009, write. */
extern const struct mb_chr_route mb_auth_routes[];
extern const size_t mb_auth_n_routes;

/* Its deadlines, for the band's schedule. */
extern const struct mb_timer mb_auth_timer;
