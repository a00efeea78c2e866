/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/* A named fault line that reproduces a reported misbehaviour
 * (docs/faults.md "Presets"): `preset=NAME` in a fault line stands for
 * spec. */
struct mb_fault_preset {
	const char *name;
	const char *spec;
	const char *reproduces;
	/* Where it was reported: "LABEL <URL>" entries, "; " between them
	 * (docs/faults.md shows them as links). */
	const char *sources;
};

size_t mb_fault_n_presets(void);
const struct mb_fault_preset *mb_fault_preset(size_t i);
