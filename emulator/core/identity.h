/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bandstate.h"

/* Who the band is (band.ini): its random static address, serial and the
 * key it is bound to, kept through the injected store.  A change that
 * could not be stored is undone: the band never claims a state it would
 * have forgotten after a restart. */
struct mb_identity;

/* Stores the band state; false (with *err) when it could not. */
typedef bool (*mb_identity_store_func_t)(const struct mb_band_state *state,
					 void *user_data, char **err);

struct mb_identity *mb_identity_new(const struct mb_band_state *state);
void mb_identity_free(struct mb_identity *id);

/* Without a store nothing is written and every change holds. */
void mb_identity_set_store(struct mb_identity *id, mb_identity_store_func_t fn,
			   void *user_data);
const struct mb_band_state *mb_identity_state(const struct mb_identity *id);

/* Binds key (a tap confirmed it). */
bool mb_identity_bind(struct mb_identity *id, const uint8_t key[16],
		      char **err);
/* Factory reset (protocol §10): a new address, no key, no bonds. */
bool mb_identity_reset(struct mb_identity *id, char **err);
/* Keeps a bond with the central at peer, in place of one it had; with
 * slots bonds already, the oldest goes. */
bool mb_identity_bond(struct mb_identity *id, const struct mb_bond *bond,
		      size_t slots, char **err);
