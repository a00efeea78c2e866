/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A chip of the logs' ring (core/flashring.h) from a fuzzer's input, as
 * fuzz-flash and fuzz-workoutlog read it:
 *
 *   <chip> <flags> (<unit le16> <16 bytes>)...
 *
 * 2 to 5 erased sectors (chip bits 0 and 1) with 16-byte units set: unit
 * 0 of a sector is its header, units 1 to 255 its record slots.  Flags
 * bit 0 gives every header with the magic its right CRC, bit 1 every
 * record with the marker, so that the scan meets structure.  The rest
 * of chip and flags is the harness's.  Returns the sectors (0 for an
 * input too short); mem holds FUZZ_CHIP_MAX_SECTORS. */
#define FUZZ_CHIP_MAX_SECTORS 5

size_t fuzz_chip_fill(uint8_t *mem, const uint8_t *data, size_t size,
		      const char magic[4]);
