/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "flash.h"
#include "flashlog.h"
#include "identity.h"
#include "workoutlog.h"

/* The band's flash chip and the logs on it: the activity log's region,
 * then the workouts'.  Until a chip is attached, one in RAM that costs
 * what is written to it; attaching one (the state directory's file, or
 * memory) opens the logs on it again, with recovery: *torn counts the
 * records a power cut left half written.  Whoever holds the logs hears
 * of every (re)opened pair. */
typedef void (*mb_logstore_open_fn)(struct mb_flashlog *log,
				    struct mb_workoutlog *workouts,
				    void *user_data);

struct mb_logstore;

/* log_size, workout_size: the regions' bytes (mb_flashlog_size_for_days(),
 * mb_workoutlog_size_for_kb()); identity: the
 * owner a factory reset in progress is checked against. */
struct mb_logstore *mb_logstore_new(size_t log_size, size_t workout_size,
				    const struct mb_identity *identity,
				    mb_logstore_open_fn fn, void *user_data);
void mb_logstore_free(struct mb_logstore *s);

/* The chip's bytes. */
size_t mb_logstore_size(const struct mb_logstore *s);
/* The activity log's region comes first: its bytes. */
size_t mb_logstore_log_size(const struct mb_logstore *s);
struct mb_flashlog *mb_logstore_log(const struct mb_logstore *s);
struct mb_workoutlog *mb_logstore_workouts(const struct mb_logstore *s);

void mb_logstore_attach(struct mb_logstore *s, uint8_t *mem,
			unsigned int *torn);
void mb_logstore_attach_with(struct mb_logstore *s, mb_flash_sector_fn fn,
			     void *user_data, unsigned int *torn);
