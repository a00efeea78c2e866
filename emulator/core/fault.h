/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uuid.h"

/* Faults (docs/faults.md): trigger -> action (+ count), consulted at one
 * hook point in the band. */
enum mb_fault_trigger {
	MB_FAULT_TRIGGER_NOTIFY,
	MB_FAULT_TRIGGER_WRITE,
	MB_FAULT_TRIGGER_CONNECT,
	MB_FAULT_TRIGGER_FIRMWARE,
	MB_FAULT_TRIGGER_BATTERY,
	MB_FAULT_TRIGGER_MINUTE,
};

enum mb_fault_action {
	MB_FAULT_ACTION_DISCONNECT,
	MB_FAULT_ACTION_SILENCE,
	MB_FAULT_ACTION_DROP,
	MB_FAULT_ACTION_DUPLICATE,
	MB_FAULT_ACTION_SKIP_COUNTER,
	MB_FAULT_ACTION_CORRUPT,
	MB_FAULT_ACTION_STATUS,
	MB_FAULT_ACTION_FOREIGN_NOTIFY,
	MB_FAULT_ACTION_REBOOT,
	MB_FAULT_ACTION_BROWN_OUT,
};

struct mb_fault {
	unsigned int id;
	char name[32];
	char *spec;
	enum mb_fault_trigger trigger;
	bool has_chr;
	struct mb_uuid chr;
	uint8_t match[16];
	size_t match_len;
	unsigned int after;
	unsigned int percent;
	unsigned int minute;
	enum mb_fault_action action;
	uint8_t status;
	struct mb_uuid target;
	uint8_t value[20];
	size_t value_len;
	unsigned int count;	/* 0 = every time */
	unsigned int seen;	/* matching events so far */
	unsigned int fired;
	uint64_t armed_ms;	/* band time when added (minute trigger) */
};

struct mb_fault_preset {
	const char *name;
	const char *spec;
	const char *reproduces;
};

/* Resolves a characteristic's profile name (or UUID) to its UUID. */
typedef bool (*mb_fault_chr_lookup_t)(const char *name, struct mb_uuid *out,
				      void *user_data);

/* Parses one fault line ("key=value ..." or "preset=NAME").  Errors name
 * the key: "action: 'explode' is not an action". */
bool mb_fault_parse(const char *line, mb_fault_chr_lookup_t lookup,
		    void *lookup_data, struct mb_fault *out, char **err);
void mb_fault_clear(struct mb_fault *f);
const char *mb_fault_action_name(enum mb_fault_action a);

size_t mb_fault_n_presets(void);
const struct mb_fault_preset *mb_fault_preset(size_t i);
