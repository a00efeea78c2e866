/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "identity.h"
#include "services.h"

/* LE link security as the band keeps it: who the central on the link is,
 * whether the link is encrypted, and the bonds the band keeps (band.ini,
 * through the identity; a factory reset forgets them).  The link layer's
 * own work, the pairing exchange and its cryptography, is the
 * transport's: the kernel's SMP over the air, a modelled exchange over
 * the socket (docs/socket-transport.md "Link security").  The band
 * decides what it keeps and how it answers. */
struct mb_bonding;

/* Answers, with the codes the link layer would carry them under. */
enum mb_security_status {
	MB_SECURITY_OK = 0x00,
	/* HCI "PIN or Key Missing": the band has no bond with this central
	 * (it forgot it in a factory reset, or never had one). */
	MB_SECURITY_KEY_MISSING = 0x06,
	/* HCI "Command Disallowed": no central identified on the link. */
	MB_SECURITY_NO_PEER = 0x0c,
	/* HCI "Connection Terminated due to MIC Failure": a bond, but
	 * another key; the link does not survive it. */
	MB_SECURITY_MIC_FAILURE = 0x3d,
	/* SMP "Pairing Not Supported": the profile keeps no bonds. */
	MB_SECURITY_PAIRING_NOT_SUPPORTED = 0x05,
	/* SMP "Unspecified Reason": the bond could not be stored. */
	MB_SECURITY_UNSPECIFIED = 0x08,
};

/* slots: how many centrals the band keeps bonds for (profile
 * bond-slots). */
struct mb_bonding *mb_bonding_new(const struct mb_services *svc,
				  struct mb_identity *id, unsigned int slots);
void mb_bonding_free(struct mb_bonding *b);

/* The central on the new link, as its link layer gave it. */
void mb_bonding_set_peer(struct mb_bonding *b, const uint8_t peer[6],
			 bool peer_random);
void mb_bonding_link_down(struct mb_bonding *b);

/* Just Works pairing with bonding (the band has no display): a new
 * long-term key, kept for this central in place of any it had; the
 * link is then encrypted.  *ltk gets the key on MB_SECURITY_OK. */
enum mb_security_status mb_bonding_pair(struct mb_bonding *b, uint8_t ltk[16]);
/* The central starts encryption with the key of its bond. */
enum mb_security_status mb_bonding_encrypt(struct mb_bonding *b,
					   const uint8_t ltk[16]);

/* Over the air the link layer does the pairing and the encryption (the
 * kernel's SMP); the band is told what came of them.  keep: the central
 * bond->peer paired, and bond is the key the link layer will look for
 * (kept in place of any that central had; with slots full the oldest
 * goes).  link_encrypted: the controller found the key of the peer's
 * bond and the link is encrypted. */
enum mb_security_status mb_bonding_keep(struct mb_bonding *b,
					const struct mb_bond *bond);
void mb_bonding_link_encrypted(struct mb_bonding *b);
/* The central ended the link on an authentication failure before it was
 * encrypted: its encryption failed (its kernel ends such a link with HCI
 * 0x05, whatever the controller's reason).  Said before link_down. */
void mb_bonding_encryption_failed(struct mb_bonding *b);
bool mb_bonding_encrypted(const struct mb_bonding *b);
