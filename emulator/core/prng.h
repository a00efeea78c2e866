/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

/* splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", 2014): the one pseudo-random generator of bandsim.  The
 * wearer (life.c) hashes seed, day and minute with it, so that any minute
 * can be computed on its own; --random-seed draws challenges and
 * addresses from it, so that a run repeats byte for byte.  Not for
 * anything that must be secret. */

/* Advances *state by the golden gamma and returns the mix of the new
 * state. */
uint64_t mb_splitmix64(uint64_t *state);
