/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* What makes one band different from another of the same profile: its
 * random static address (a factory reset draws a new one, protocol §10) and
 * its serial number (§8: 12 lowercase hex characters). */
struct mb_identity {
	uint8_t address[6];	/* display order: address[0] is "E1" in E1:... */
	char serial[13];
};

#define MB_IDENTITY_FILE "identity.ini"

/* Draws a new identity from the OpenSSL random generator. */
bool mb_identity_generate(struct mb_identity *id);
/* Loads STATE_DIR/identity.ini, or creates and stores a new identity when
 * there is none.  A corrupt file is reported in *warning (by name) and
 * replaced by a new identity: the band starts factory-new. */
bool mb_identity_load(const char *state_dir, struct mb_identity *id,
		      char **warning, char **err);
bool mb_identity_save(const char *state_dir, const struct mb_identity *id,
		      char **err);

/* "E1:23:45:67:89:AB" */
void mb_identity_address_string(const struct mb_identity *id, char buf[18]);
