// SPDX-License-Identifier: GPL-2.0-or-later
#include "fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Each preset reproduces a reported misbehaviour (docs/faults.md). */
static const struct mb_fault_preset presets[] = {
	{ "low-battery-drop", "trigger=battery percent=15 action=disconnect",
	  "seed reports: the band disconnects below 15 %" },
	{ "stuck-syncing", "trigger=notify chr=activity-data after=5 action=silence",
	  "seed reports: sync stuck on \"Syncing...\": the band goes quiet mid-transfer" },
	{ "sync-never-ends", "trigger=notify chr=fetch-control match=10:02 action=drop",
	  "Gadgetbridge: the sync never ends because the band never sends the end reply" },
	{ "foreign-notification",
	  "trigger=notify chr=activity-data after=3 action=foreign-notify target=device-event value=04",
	  "Gadgetbridge: a notification on another characteristic mid-fetch ends the sync abnormally" },
	{ "counter-gap", "trigger=notify chr=activity-data after=3 action=skip-counter",
	  "Gadgetbridge: \"invalid package counter\", a packet-counter gap aborts the sync" },
	{ "duplicate-packet", "trigger=notify chr=activity-data after=3 action=duplicate",
	  "Gadgetbridge: a repeated packet counter aborts the sync" },
	{ "partial-sync", "trigger=notify chr=activity-data after=10 action=disconnect",
	  "Gadgetbridge: a partial sync that needs two runs" },
	{ "reboot-mid-sync", "trigger=notify chr=activity-data after=5 action=reboot",
	  "seed reports: the band reboots in the middle of a sync (after a bad resource transfer)" },
	{ "brown-out-mid-sync", "trigger=notify chr=activity-data after=5 action=brown-out",
	  "seed reports: the band dies mid-sync on an empty battery" },
	{ "interrupted-update", "trigger=firmware percent=57 action=disconnect",
	  "seed reports: the update that must not be interrupted, cut at 57 %" },
	{ "update-fails-at-100",
	  "trigger=write chr=firmware-control match=04 action=status status=0x04",
	  "Gadgetbridge: the firmware transfer reaches 100 % and then fails" },
	{ "auth-never-answers", "trigger=notify chr=auth match=10:03 action=drop",
	  "Gadgetbridge: the auth answer never comes, initialisation stalls" },
	{ "half-connected", "trigger=connect action=silence",
	  "Gadgetbridge: connected but never initialises (the half-connected link)" },
};

static const char *const trigger_names[] = {
	[MB_FAULT_TRIGGER_NOTIFY] = "notify",
	[MB_FAULT_TRIGGER_WRITE] = "write",
	[MB_FAULT_TRIGGER_CONNECT] = "connect",
	[MB_FAULT_TRIGGER_FIRMWARE] = "firmware",
	[MB_FAULT_TRIGGER_BATTERY] = "battery",
	[MB_FAULT_TRIGGER_MINUTE] = "minute",
};

static const char *const action_names[] = {
	[MB_FAULT_ACTION_DISCONNECT] = "disconnect",
	[MB_FAULT_ACTION_SILENCE] = "silence",
	[MB_FAULT_ACTION_DROP] = "drop",
	[MB_FAULT_ACTION_DUPLICATE] = "duplicate",
	[MB_FAULT_ACTION_SKIP_COUNTER] = "skip-counter",
	[MB_FAULT_ACTION_CORRUPT] = "corrupt",
	[MB_FAULT_ACTION_STATUS] = "status",
	[MB_FAULT_ACTION_FOREIGN_NOTIFY] = "foreign-notify",
	[MB_FAULT_ACTION_REBOOT] = "reboot",
	[MB_FAULT_ACTION_BROWN_OUT] = "brown-out",
};

size_t mb_fault_n_presets(void)
{
	return MB_ARRAY_SIZE(presets);
}

const struct mb_fault_preset *mb_fault_preset(size_t i)
{
	return i < MB_ARRAY_SIZE(presets) ? &presets[i] : NULL;
}

const char *mb_fault_action_name(enum mb_fault_action a)
{
	return (size_t)a < MB_ARRAY_SIZE(action_names) ? action_names[a] : "?";
}

static int find_name(const char *const *names, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], v))
			return (int)i;
	return -1;
}

static bool parse_uint(const char *key, const char *v, unsigned long max,
		       unsigned int *out, char **err)
{
	char *end;
	unsigned long n = strtoul(v, &end, 0);

	if (!*v || *end || v[0] == '-' || n > max) {
		mb_set_error(err, "%s: '%s' is not a number up to %lu", key, v, max);
		return false;
	}
	*out = (unsigned int)n;
	return true;
}

static bool parse_bytes(const char *key, const char *v, uint8_t *out,
			size_t cap, size_t *len, char **err)
{
	uint8_t *b = NULL;
	size_t n = 0;

	if (!mb_hex_parse(v, &b, &n) || n > cap || !n) {
		mb_set_error(err, "%s: '%s' is not 1 to %zu hex bytes (10:02)", key, v, cap);
		free(b);
		return false;
	}
	memcpy(out, b, n);
	*len = n;
	free(b);
	return true;
}

static bool parse_chr(const char *key, const char *v, mb_fault_chr_lookup_t lookup,
		      void *data, struct mb_uuid *out, char **err)
{
	if (mb_uuid_parse(v, out) || (lookup && lookup(v, out, data)))
		return true;
	mb_set_error(err, "%s: '%s' is no characteristic of the profile", key, v);
	return false;
}

static bool apply(struct mb_fault *f, const char *key, const char *v,
		  mb_fault_chr_lookup_t lookup, void *data, bool *seen_trigger,
		  bool *seen_action, char **err)
{
	unsigned int u;
	int i;

	if (!strcmp(key, "name")) {
		if (strlen(v) >= sizeof(f->name) || !*v) {
			mb_set_error(err, "name: 1 to %zu characters", sizeof(f->name) - 1);
			return false;
		}
		snprintf(f->name, sizeof(f->name), "%s", v);
	} else if (!strcmp(key, "trigger")) {
		i = find_name(trigger_names, MB_ARRAY_SIZE(trigger_names), v);
		if (i < 0) {
			mb_set_error(err, "trigger: '%s' is not a trigger", v);
			return false;
		}
		f->trigger = (enum mb_fault_trigger)i;
		*seen_trigger = true;
	} else if (!strcmp(key, "action")) {
		i = find_name(action_names, MB_ARRAY_SIZE(action_names), v);
		if (i < 0) {
			mb_set_error(err, "action: '%s' is not an action", v);
			return false;
		}
		f->action = (enum mb_fault_action)i;
		*seen_action = true;
	} else if (!strcmp(key, "chr")) {
		if (!parse_chr(key, v, lookup, data, &f->chr, err))
			return false;
		f->has_chr = true;
	} else if (!strcmp(key, "target")) {
		return parse_chr(key, v, lookup, data, &f->target, err);
	} else if (!strcmp(key, "match")) {
		return parse_bytes(key, v, f->match, sizeof(f->match), &f->match_len, err);
	} else if (!strcmp(key, "value")) {
		return parse_bytes(key, v, f->value, sizeof(f->value), &f->value_len, err);
	} else if (!strcmp(key, "after")) {
		return parse_uint(key, v, 1000000, &f->after, err);
	} else if (!strcmp(key, "percent")) {
		return parse_uint(key, v, 100, &f->percent, err);
	} else if (!strcmp(key, "minute")) {
		return parse_uint(key, v, 10u * 366 * 1440, &f->minute, err);
	} else if (!strcmp(key, "count")) {
		return parse_uint(key, v, 1000000, &f->count, err);
	} else if (!strcmp(key, "status")) {
		if (!parse_uint(key, v, 0xff, &u, err))
			return false;
		f->status = (uint8_t)u;
	} else {
		mb_set_error(err, "%s: unknown key", key);
		return false;
	}
	return true;
}

static bool parse_words(char *copy, mb_fault_chr_lookup_t lookup, void *data,
			struct mb_fault *f, char **err)
{
	bool seen_trigger = false, seen_action = false;
	char *save = NULL;

	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(w, '=');

		if (!eq || eq == w) {
			mb_set_error(err, "%s: expected key=value", w);
			return false;
		}
		*eq = '\0';
		if (!apply(f, w, eq + 1, lookup, data, &seen_trigger, &seen_action, err))
			return false;
	}
	if (!seen_trigger) {
		mb_set_error(err, "trigger: missing");
		return false;
	}
	if (!seen_action) {
		mb_set_error(err, "action: missing");
		return false;
	}
	if ((f->trigger == MB_FAULT_TRIGGER_NOTIFY || f->trigger == MB_FAULT_TRIGGER_WRITE) &&
	    !f->has_chr) {
		mb_set_error(err, "chr: the %s trigger needs one", trigger_names[f->trigger]);
		return false;
	}
	if (f->action == MB_FAULT_ACTION_FOREIGN_NOTIFY && !f->value_len) {
		mb_set_error(err, "value: foreign-notify needs target= and value=");
		return false;
	}
	return true;
}

bool mb_fault_parse(const char *line, mb_fault_chr_lookup_t lookup,
		    void *lookup_data, struct mb_fault *out, char **err)
{
	struct mb_fault f = { .count = 1 };
	const char *spec = line;
	char *copy;
	bool ok;

	while (*spec == ' ' || *spec == '\t')
		spec++;
	if (!strncmp(spec, "preset=", 7)) {
		size_t i;

		for (i = 0; i < MB_ARRAY_SIZE(presets); i++)
			if (!strcmp(presets[i].name, spec + 7))
				break;
		if (i == MB_ARRAY_SIZE(presets)) {
			mb_set_error(err, "preset: '%s' is not a preset (bandsim --list-faults)",
				     spec + 7);
			return false;
		}
		snprintf(f.name, sizeof(f.name), "%s", presets[i].name);
		spec = presets[i].spec;
	}
	copy = mb_strdup(spec);
	ok = parse_words(copy, lookup, lookup_data, &f, err);
	free(copy);
	if (!ok)
		return false;
	f.spec = mb_strdup(line);
	*out = f;
	return true;
}

void mb_fault_clear(struct mb_fault *f)
{
	free(f->spec);
	f->spec = NULL;
}
