/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The smallest files the band recognises as each type of the 01 command
 * (protocol §7.2; the markers fixtures/firmware/make_images.py writes into
 * its larger files), for the firmware harness's start states and its
 * upload op.  One row of the table is a type the band does not know. */
#define FUZZ_IMAGE_MAX 80

struct fuzz_image_type {
	uint8_t type; /* the 01 command's type byte */
	/* Writes the file into out (FUZZ_IMAGE_MAX bytes) with version, of
	 * which it takes what the format holds; returns its length. */
	size_t (*build)(uint8_t *out, const uint8_t *version, size_t len);
};

extern const struct fuzz_image_type fuzz_image_types[];
extern const size_t fuzz_n_image_types;
