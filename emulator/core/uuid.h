/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A UUID as a value, bytes in textual (big-endian) order.  On the wire a
 * UUID on the Bluetooth SIG base travels as 2 bytes, others as 16, both
 * little-endian (Core Vol 3 Part F 3.2.1). */
struct mb_uuid {
	uint8_t b[16];
};

#define MB_UUID_STR_LEN 37

bool mb_uuid_parse(const char *s, struct mb_uuid *out);
void mb_uuid_from16(uint16_t v, struct mb_uuid *out);
bool mb_uuid_to16(const struct mb_uuid *u, uint16_t *out);
bool mb_uuid_eq(const struct mb_uuid *a, const struct mb_uuid *b);
bool mb_uuid_is16(const struct mb_uuid *u, uint16_t v);
void mb_uuid_to_string(const struct mb_uuid *u, char buf[MB_UUID_STR_LEN]);

/* Encodes for the wire: 2 bytes when the UUID is on the SIG base, else 16.
 * Returns the length written. */
size_t mb_uuid_to_wire(const struct mb_uuid *u, uint8_t out[16]);
/* Decodes a 2- or 16-byte wire UUID; false for any other length. */
bool mb_uuid_from_wire(const uint8_t *p, size_t len, struct mb_uuid *out);
