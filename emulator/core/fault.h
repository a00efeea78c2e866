/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gatt.h"
#include "hooks.h"
#include "uuid.h"
#include "band-link.h"
#include "fault-presets.h"
#include "fetch.h"
#include "power.h"
#include "services.h"

/* Faults (docs/faults.md): trigger -> action (+ count), consulted at one
 * hook point in the band: parsed, matched and carried out here. */
enum mb_fault_action {
	MB_FAULT_ACTION_DISCONNECT,
	MB_FAULT_ACTION_SILENCE,
	MB_FAULT_ACTION_DROP,
	MB_FAULT_ACTION_DUPLICATE,
	MB_FAULT_ACTION_SKIP_COUNTER,
	MB_FAULT_ACTION_CORRUPT,
	MB_FAULT_ACTION_TRUNCATE,
	MB_FAULT_ACTION_STATUS,
	MB_FAULT_ACTION_FOREIGN_NOTIFY,
	MB_FAULT_ACTION_REBOOT,
	MB_FAULT_ACTION_BROWN_OUT,
	MB_FAULT_ACTION_EXTEND,
	MB_FAULT_ACTION_END,
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
	uint8_t fetch; /* fetch=: only during a transfer of this type */
	struct mb_uuid target;
	uint8_t value[20];
	size_t value_len;
	unsigned int count; /* 0 = every time */
	unsigned int seen;  /* matching events so far */
	unsigned int fired;
	uint64_t armed_ms; /* band time when added (minute trigger) */
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

/* The band's fault plan: the armed faults, in the order they came. */
struct mb_faults;

/* What a fault acts on: the link (drop, silence, alter a notification),
 * the battery (brown-out), the fetch counter (skip-counter), the band
 * (reboot, through svc).  gatt resolves characteristic names in fault
 * lines.  All must outlive the plan. */
struct mb_faults *mb_faults_new(const struct mb_services *svc,
				const struct mb_gatt *gatt,
				struct mb_link *link, struct mb_power *power,
				struct mb_fetch *fetch);
void mb_faults_free(struct mb_faults *faults);

/* Returns the new fault's id, or 0 with *err naming the key that is
 * wrong. */
unsigned int mb_faults_inject(struct mb_faults *faults, const char *line,
			      char **err);
void mb_faults_clear(struct mb_faults *faults);
size_t mb_faults_count(const struct mb_faults *faults);
/* The line the i-th armed fault came from, NULL past the end. */
const char *mb_faults_spec(const struct mb_faults *faults, size_t i,
			   unsigned int *id);

/* The hook for triggers without a PDU (connect, firmware, battery,
 * minute): true if a fault fired; what it meant is done. */
bool mb_faults_hook(struct mb_faults *faults, enum mb_fault_trigger trigger,
		    unsigned int level);
/* A notification on its way out: on the link as the faults leave it
 * (dropped, twice, altered...); nothing on a silenced link or none.
 * Whether it counts as sent. */
/* --mutate SEED[:RATE] (mutate.h, docs/mutate.md): the band changes the
 * values of a sync as they go out, before the armed faults see them. */
void mb_faults_set_mutate(struct mb_faults *faults, uint64_t seed, double rate);
/* The link went (a value held back by --mutate goes with it). */
void mb_faults_link_down(struct mb_faults *faults);
bool mb_faults_notify(struct mb_faults *faults, const struct mb_gatt_chr *chr,
		      const uint8_t *value, size_t len);
/* A write the band received: true if a fault took it, and the band must
 * not carry it out. */
bool mb_faults_write(struct mb_faults *faults, const struct mb_gatt_chr *chr,
		     const uint8_t *value, size_t len);
