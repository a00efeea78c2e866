/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/* An invariant of docs/fuzzing.md: aborts, naming it, unless ok, so that
 * libFuzzer keeps the input as a crash. */
void fuzz_expect(bool ok, const char *what);
