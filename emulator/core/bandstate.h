/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most LE bonds a band keeps (the profile's bond-slots is at most
 * this). */
#define MB_BONDS_MAX 8

/* An LE bond: the central's address as its link layer gave it, and the
 * long-term key both sides keep (docs/socket-transport.md). */
struct mb_bond {
	uint8_t peer[6]; /* display order, as the band's own address */
	bool peer_random;
	uint8_t ltk[16];
	/* A key of LE legacy pairing is named by EDIV and Rand when the
	 * central starts encryption; one of LE Secure Connections (the
	 * socket model's too) by neither. */
	bool legacy;
	uint16_t ediv;
	uint64_t rand;
};

/* What one band keeps across restarts, in one file so that a factory
 * reset (new address, no key, no bonds) is a single atomic replacement:
 * its random static address (protocol §10), serial number (§8), the
 * auth key it is bound to (§3.1) and its LE bonds, oldest first. */
struct mb_band_state {
	uint8_t address[6]; /* display order: address[0] is "E1" in E1:... */
	char serial[13];
	bool bound;
	uint8_t key[16];
	struct mb_bond bonds[MB_BONDS_MAX];
	size_t n_bonds;
};

/* A factory-new band: fresh random address and serial, no key. */
bool mb_band_state_init(struct mb_band_state *s);
/* Draws a new random static address (factory reset). */
bool mb_band_state_new_address(struct mb_band_state *s);

/* The text of STATE_DIR/band.ini (name is what errors name): false with
 * *err as "name:line: [section] key: problem".  Reading and replacing
 * the file is the edge's (state/bandfile.h). */
bool mb_band_state_parse(const char *text, size_t len, const char *name,
			 struct mb_band_state *s, char **err);
/* The text of band.ini, key included; the caller wipes and frees it. */
char *mb_band_state_format(const struct mb_band_state *s);

/* "E1:23:45:67:89:AB" */
void mb_band_state_address(const struct mb_band_state *s, char buf[18]);
/* The same for a bond's central. */
void mb_bond_peer(const struct mb_bond *b, char buf[18]);
/* The bond with the central at peer, or NULL. */
const struct mb_bond *mb_band_state_bond(const struct mb_band_state *s,
					 const uint8_t peer[6],
					 bool peer_random);
/* First 8 hex digits of SHA-256(key), "" when unbound: tells keys apart
 * without revealing them. */
void mb_band_state_key_id(const struct mb_band_state *s, char buf[9]);
