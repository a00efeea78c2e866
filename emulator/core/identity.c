// SPDX-License-Identifier: GPL-2.0-or-later
#include "identity.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "util.h"

struct mb_identity {
	struct mb_band_state state;
	mb_identity_store_func_t store;
	void *store_data;
};

struct mb_identity *mb_identity_new(const struct mb_band_state *state)
{
	return MB_NEW(struct mb_identity, .state = *state);
}

void mb_identity_free(struct mb_identity *id)
{
	if (!id)
		return;
	mb_crypto_wipe(id, sizeof(*id));
	free(id);
}

void mb_identity_set_store(struct mb_identity *id, mb_identity_store_func_t fn,
			   void *user_data)
{
	id->store = fn;
	id->store_data = user_data;
}

const struct mb_band_state *mb_identity_state(const struct mb_identity *id)
{
	return &id->state;
}

/* Stores next as the state, or keeps the old one. */
static bool commit(struct mb_identity *id, struct mb_band_state *next,
		   char **err)
{
	bool ok = !id->store || id->store(next, id->store_data, err);

	if (ok)
		id->state = *next;
	mb_crypto_wipe(next, sizeof(*next));
	return ok;
}

bool mb_identity_bind(struct mb_identity *id, const uint8_t key[16], char **err)
{
	struct mb_band_state next = id->state;

	next.bound = true;
	memcpy(next.key, key, sizeof(next.key));
	return commit(id, &next, err);
}

bool mb_identity_reset(struct mb_identity *id, char **err)
{
	struct mb_band_state next = id->state;

	if (!mb_band_state_new_address(&next)) {
		mb_crypto_wipe(&next, sizeof(next));
		mb_set_error(err, "the random number generator failed");
		return false;
	}
	next.bound = false;
	mb_crypto_wipe(next.key, sizeof(next.key));
	mb_crypto_wipe(next.bonds, sizeof(next.bonds));
	next.n_bonds = 0;
	return commit(id, &next, err);
}

bool mb_identity_bond(struct mb_identity *id, const struct mb_bond *bond,
		      size_t slots, char **err)
{
	struct mb_band_state next = id->state;
	size_t keep = 0;

	/* The central's old bond goes; so do the oldest beyond the slots. */
	for (size_t i = 0; i < next.n_bonds; i++)
		if (memcmp(next.bonds[i].peer, bond->peer, 6) ||
		    next.bonds[i].peer_random != bond->peer_random)
			next.bonds[keep++] = next.bonds[i];
	if (slots > MB_BONDS_MAX)
		slots = MB_BONDS_MAX;
	if (slots == 0) {
		mb_crypto_wipe(&next, sizeof(next));
		mb_set_error(err, "the band keeps no bonds (bond-slots = 0)");
		return false;
	}
	if (keep >= slots) {
		memmove(next.bonds, next.bonds + (keep - slots + 1),
			(slots - 1) * sizeof(next.bonds[0]));
		keep = slots - 1;
	}
	next.bonds[keep++] = *bond;
	mb_crypto_wipe(next.bonds + keep,
		       (MB_BONDS_MAX - keep) * sizeof(next.bonds[0]));
	next.n_bonds = keep;
	return commit(id, &next, err);
}
