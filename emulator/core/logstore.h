/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "flash.h"
#include "flashlog.h"
#include "identity.h"

/* The band's flash chip and the activity log on it.  Until a chip is
 * attached, one in RAM that costs what is written to it; attaching one
 * (the state directory's file, or memory) opens the log on it again,
 * with recovery: *torn counts the records a power cut left half
 * written.  Whoever holds the log hears of every (re)opened one. */
typedef void (*mb_logstore_open_fn)(struct mb_flashlog *log, void *user_data);

struct mb_logstore;

/* size: the chip's bytes (mb_flashlog_size_for_days()); identity: the
 * owner a factory reset in progress is checked against. */
struct mb_logstore *mb_logstore_new(size_t size,
				    const struct mb_identity *identity,
				    mb_logstore_open_fn fn, void *user_data);
void mb_logstore_free(struct mb_logstore *s);

size_t mb_logstore_size(const struct mb_logstore *s);
struct mb_flashlog *mb_logstore_log(const struct mb_logstore *s);

void mb_logstore_attach(struct mb_logstore *s, uint8_t *mem,
			unsigned int *torn);
void mb_logstore_attach_with(struct mb_logstore *s, mb_flash_sector_fn fn,
			     void *user_data, unsigned int *torn);
