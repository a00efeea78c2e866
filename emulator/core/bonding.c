// SPDX-License-Identifier: GPL-2.0-or-later
#include "bonding.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "util.h"

struct mb_bonding {
	const struct mb_services *svc;
	struct mb_identity *id;
	unsigned int slots;
	bool have_peer;
	uint8_t peer[6];
	bool peer_random;
	bool encrypted;
};

struct mb_bonding *mb_bonding_new(const struct mb_services *svc,
				  struct mb_identity *id, unsigned int slots)
{
	return MB_NEW(struct mb_bonding, .svc = svc, .id = id, .slots = slots);
}

void mb_bonding_free(struct mb_bonding *b)
{
	free(b);
}

void mb_bonding_set_peer(struct mb_bonding *b, const uint8_t peer[6],
			 bool peer_random)
{
	memcpy(b->peer, peer, 6);
	b->peer_random = peer_random;
	b->have_peer = true;
	b->encrypted = false;
}

void mb_bonding_link_down(struct mb_bonding *b)
{
	b->have_peer = false;
	b->encrypted = false;
}

/* An event naming the central, and the reason when there is one. */
static void emit(struct mb_bonding *b, enum mb_event_id id, const char *reason)
{
	struct mb_bond bond;
	struct mb_event ev;
	char peer[18];

	memcpy(bond.peer, b->peer, 6);
	mb_bond_peer(&bond, peer);
	mb_event_init(&ev, id);
	mb_event_add_string(&ev, "peer", peer);
	if (reason)
		mb_event_add_string(&ev, "reason", reason);
	mb_svc_emit(b->svc, &ev);
}

/* The bond kept for the central on the link (bond->ltk NULL: no random
 * number), which the link is now encrypted with. */
static enum mb_security_status keep(struct mb_bonding *b,
				    const struct mb_bond *bond)
{
	char *err = NULL;

	if (!b->slots) {
		emit(b, MB_EVENT_PAIRING_FAILED, "no-bond-slots");
		return MB_SECURITY_PAIRING_NOT_SUPPORTED;
	}
	if (!bond || !mb_identity_bond(b->id, bond, b->slots, &err)) {
		mb_svc_debug(b->svc, "bond not kept: %s",
			     err ? err : "no random number");
		free(err);
		emit(b, MB_EVENT_PAIRING_FAILED, "not-stored");
		return MB_SECURITY_UNSPECIFIED;
	}
	b->encrypted = true;
	emit(b, MB_EVENT_PAIRED, NULL);
	return MB_SECURITY_OK;
}

enum mb_security_status mb_bonding_pair(struct mb_bonding *b, uint8_t ltk[16])
{
	struct mb_bond bond = { .peer_random = b->peer_random };
	enum mb_security_status st;
	bool drawn;

	if (!b->have_peer)
		return MB_SECURITY_NO_PEER;
	memcpy(bond.peer, b->peer, 6);
	drawn = b->slots &&
		mb_crypto_random(bond.ltk, sizeof(bond.ltk)) == MB_CRYPTO_OK;
	st = keep(b, b->slots && !drawn ? NULL : &bond);
	if (st == MB_SECURITY_OK)
		memcpy(ltk, bond.ltk, 16);
	mb_crypto_wipe(&bond, sizeof(bond));
	return st;
}

enum mb_security_status mb_bonding_keep(struct mb_bonding *b,
					const struct mb_bond *bond)
{
	/* The link layer paired the central it has a link with: the band
	 * knows it by that address from now on, whatever came first. */
	memcpy(b->peer, bond->peer, 6);
	b->peer_random = bond->peer_random;
	b->have_peer = true;
	return keep(b, bond);
}

void mb_bonding_link_encrypted(struct mb_bonding *b)
{
	bool bonded = b->have_peer &&
		      mb_band_state_bond(mb_identity_state(b->id), b->peer,
					 b->peer_random);

	/* Encrypted by a pairing whose key comes after: paired says it. */
	if (b->encrypted || !bonded)
		return;
	b->encrypted = true;
	emit(b, MB_EVENT_ENCRYPTED, NULL);
}

enum mb_security_status mb_bonding_encrypt(struct mb_bonding *b,
					   const uint8_t ltk[16])
{
	const struct mb_bond *bond;

	if (!b->have_peer)
		return MB_SECURITY_NO_PEER;
	bond = mb_band_state_bond(mb_identity_state(b->id), b->peer,
				  b->peer_random);
	/* The controller asked for the key and the band had none: LTK
	 * Negative Reply, which the central sees as PIN or Key Missing. */
	if (!bond) {
		emit(b, MB_EVENT_ENCRYPTION_FAILED, "key-missing");
		return MB_SECURITY_KEY_MISSING;
	}
	if (!mb_crypto_equal(bond->ltk, ltk, 16)) {
		emit(b, MB_EVENT_ENCRYPTION_FAILED, "other-key");
		mb_svc_drop_link(b->svc);
		return MB_SECURITY_MIC_FAILURE;
	}
	b->encrypted = true;
	emit(b, MB_EVENT_ENCRYPTED, NULL);
	return MB_SECURITY_OK;
}

void mb_bonding_encryption_failed(struct mb_bonding *b)
{
	/* A link the band never saw encrypted: with a bond the key was
	 * another (a MIC failure), without one the controller had none to
	 * give (LTK Negative Reply): the same reasons the socket's model
	 * gives, from the band's own record. */
	if (!b->have_peer || b->encrypted)
		return;
	emit(b, MB_EVENT_ENCRYPTION_FAILED,
	     mb_band_state_bond(mb_identity_state(b->id), b->peer,
				b->peer_random)
		     ? "other-key"
		     : "key-missing");
}

bool mb_bonding_encrypted(const struct mb_bonding *b)
{
	return b->encrypted;
}
