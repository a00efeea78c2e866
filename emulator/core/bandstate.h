/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* What one band keeps across restarts, in one file so that a factory
 * reset (new address, no key) is a single atomic replacement: its random
 * static address (protocol §10), serial number (§8) and the auth key it
 * is bound to (§3.1). */
struct mb_band_state {
	uint8_t address[6];	/* display order: address[0] is "E1" in E1:... */
	char serial[13];
	bool bound;
	uint8_t key[16];
};

#define MB_BAND_STATE_FILE "band.ini"

/* A factory-new band: fresh random address and serial, no key. */
bool mb_band_state_init(struct mb_band_state *s);
/* Draws a new random static address (factory reset). */
bool mb_band_state_new_address(struct mb_band_state *s);

/* Loads STATE_DIR/band.ini, or creates a factory-new band there when the
 * file is missing.  A corrupt file is named in *warning and replaced by a
 * factory-new band: the emulator never refuses to start over it. */
bool mb_band_state_load(const char *dir, struct mb_band_state *s,
			char **warning, char **err);
bool mb_band_state_save(const char *dir, const struct mb_band_state *s,
			char **err);

/* "E1:23:45:67:89:AB" */
void mb_band_state_address(const struct mb_band_state *s, char buf[18]);
/* First 8 hex digits of SHA-256(key), "" when unbound: tells keys apart
 * without revealing them. */
void mb_band_state_key_id(const struct mb_band_state *s, char buf[9]);
