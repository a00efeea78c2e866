// SPDX-License-Identifier: GPL-2.0-or-later
/* The fault plan (docs/faults.md): fault lines parsed into triggers and
 * actions, matched at the band's hooks and carried out.  The one place
 * that decides what a fault does. */
#include "fault.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"
#include "huami.h"
#include "mutate.h"
#include "band-link.h"
#include "power.h"
#include "services.h"
#include "util.h"

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
	[MB_FAULT_ACTION_TRUNCATE] = "truncate",
	[MB_FAULT_ACTION_STATUS] = "status",
	[MB_FAULT_ACTION_FOREIGN_NOTIFY] = "foreign-notify",
	[MB_FAULT_ACTION_REBOOT] = "reboot",
	[MB_FAULT_ACTION_BROWN_OUT] = "brown-out",
	[MB_FAULT_ACTION_EXTEND] = "extend",
	[MB_FAULT_ACTION_END] = "end",
};

const char *mb_fault_action_name(enum mb_fault_action a)
{
	return (size_t)a < MB_ARRAY_SIZE(action_names) ? action_names[a] : "?";
}

/* ---- the line format ----------------------------------------------------- */

enum key_kind {
	KEY_NAME,
	KEY_TRIGGER, /* one of names, n_names */
	KEY_ACTION,  /* likewise */
	KEY_FETCH,   /* likewise, the name's index a uint8_t field */
	KEY_CHR,     /* sets has_chr too */
	KEY_TARGET,
	KEY_BYTES, /* field, its length at len_off, at most max bytes */
	KEY_UINT,  /* unsigned int field, at most max */
	KEY_BYTE,  /* uint8_t field, at most max */
};

/* fetch=: the transfer a notification belongs to, by its fetch type
 * (protocol §4.3). */
static const char *const fetch_names[] = {
	[0x01] = "activity",
	[0x05] = "summary",
	[0x06] = "track",
};

/* One row per key of a fault line; a required key must be on every line. */
static const struct fault_key {
	const char *key;
	enum key_kind kind;
	size_t off;
	size_t len_off;
	unsigned long max;
	const char *const *names;
	size_t n_names;
	const char *what; /* "a trigger": what a name is one of */
	bool required;
} keys[] = {
	{ "name", KEY_NAME, 0, 0, 0 },
	{ "trigger", KEY_TRIGGER, .names = trigger_names,
	  .n_names = MB_ARRAY_SIZE(trigger_names), .what = "a trigger",
	  .required = true },
	{ "action", KEY_ACTION, .names = action_names,
	  .n_names = MB_ARRAY_SIZE(action_names), .what = "an action",
	  .required = true },
	{ "chr", KEY_CHR, offsetof(struct mb_fault, chr), 0, 0 },
	{ "target", KEY_TARGET, offsetof(struct mb_fault, target), 0, 0 },
	{ "match", KEY_BYTES, offsetof(struct mb_fault, match),
	  offsetof(struct mb_fault, match_len),
	  sizeof(((struct mb_fault *)0)->match) },
	{ "value", KEY_BYTES, offsetof(struct mb_fault, value),
	  offsetof(struct mb_fault, value_len),
	  sizeof(((struct mb_fault *)0)->value) },
	{ "after", KEY_UINT, offsetof(struct mb_fault, after), 0, 1000000 },
	{ "percent", KEY_UINT, offsetof(struct mb_fault, percent), 0, 100 },
	{ "minute", KEY_UINT, offsetof(struct mb_fault, minute), 0,
	  10ul * 366 * 1440 },
	{ "count", KEY_UINT, offsetof(struct mb_fault, count), 0, 1000000 },
	{ "status", KEY_BYTE, offsetof(struct mb_fault, status), 0, 0xff },
	{ "fetch", KEY_FETCH, offsetof(struct mb_fault, fetch),
	  .names = fetch_names, .n_names = MB_ARRAY_SIZE(fetch_names),
	  .what = "a transfer (activity, summary, track)" },
};

struct parse {
	struct mb_fault *f;
	mb_fault_chr_lookup_t lookup;
	void *lookup_data;
	unsigned int seen; /* bit i: keys[i] was given */
	char **err;
};

static int find_name(const char *const *names, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], v))
			return (int)i;
	return -1;
}

static bool parse_uint(const char *key, const char *v, unsigned long max,
		       unsigned long *out, char **err)
{
	char *end;
	unsigned long n = strtoul(v, &end, 0);

	if (!*v || *end || v[0] == '-' || n > max) {
		mb_set_error(err, "%s: '%s' is not a number up to %lu", key, v,
			     max);
		return false;
	}
	*out = n;
	return true;
}

static bool parse_bytes(const char *key, const char *v, uint8_t *out,
			size_t cap, size_t *len, char **err)
{
	uint8_t *b = NULL;
	size_t n = 0;

	if (!mb_hex_parse(v, &b, &n) || n > cap || !n) {
		mb_set_error(err, "%s: '%s' is not 1 to %zu hex bytes (10:02)",
			     key, v, cap);
		free(b);
		return false;
	}
	memcpy(out, b, n);
	*len = n;
	free(b);
	return true;
}

static bool parse_chr(const struct parse *p, const char *key, const char *v,
		      struct mb_uuid *out)
{
	if (mb_uuid_parse(v, out) ||
	    (p->lookup && p->lookup(v, out, p->lookup_data)))
		return true;
	mb_set_error(p->err, "%s: '%s' is no characteristic of the profile",
		     key, v);
	return false;
}

static bool parse_choice(const struct parse *p, const struct fault_key *k,
			 const char *v, int *out)
{
	*out = find_name(k->names, k->n_names, v);
	if (*out < 0)
		mb_set_error(p->err, "%s: '%s' is not %s", k->key, v, k->what);
	return *out >= 0;
}

static bool apply(struct parse *p, const struct fault_key *k, const char *v)
{
	char *field = (char *)p->f + k->off;
	unsigned long u;
	int i;

	switch (k->kind) {
	case KEY_NAME:
		if (strlen(v) >= sizeof(p->f->name) || !*v) {
			mb_set_error(p->err, "name: 1 to %zu characters",
				     sizeof(p->f->name) - 1);
			return false;
		}
		snprintf(p->f->name, sizeof(p->f->name), "%s", v);
		return true;
	case KEY_TRIGGER:
	case KEY_ACTION:
		if (!parse_choice(p, k, v, &i))
			return false;
		if (k->kind == KEY_TRIGGER)
			p->f->trigger = (enum mb_fault_trigger)i;
		else
			p->f->action = (enum mb_fault_action)i;
		return true;
	case KEY_FETCH:
		if (!parse_choice(p, k, v, &i))
			return false;
		*(uint8_t *)field = (uint8_t)i;
		return true;
	case KEY_CHR:
		p->f->has_chr =
			parse_chr(p, k->key, v, (struct mb_uuid *)field);
		return p->f->has_chr;
	case KEY_TARGET:
		return parse_chr(p, k->key, v, (struct mb_uuid *)field);
	case KEY_BYTES:
		return parse_bytes(k->key, v, (uint8_t *)field, k->max,
				   (size_t *)((char *)p->f + k->len_off),
				   p->err);
	case KEY_UINT:
		if (!parse_uint(k->key, v, k->max, &u, p->err))
			return false;
		*(unsigned int *)field = (unsigned int)u;
		return true;
	case KEY_BYTE:
		if (!parse_uint(k->key, v, k->max, &u, p->err))
			return false;
		*(uint8_t *)field = (uint8_t)u;
		return true;
	}
	return false;
}

static bool apply_word(struct parse *p, const char *key, const char *v)
{
	for (size_t i = 0; i < MB_ARRAY_SIZE(keys); i++) {
		if (!strcmp(keys[i].key, key)) {
			p->seen |= 1u << i;
			return apply(p, &keys[i], v);
		}
	}
	mb_set_error(p->err, "%s: unknown key", key);
	return false;
}

static bool parse_words(char *copy, struct parse *p)
{
	const struct mb_fault *f = p->f;
	char *save = NULL;

	for (char *w = strtok_r(copy, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(w, '=');

		if (!eq || eq == w) {
			mb_set_error(p->err, "%s: expected key=value", w);
			return false;
		}
		*eq = '\0';
		if (!apply_word(p, w, eq + 1))
			return false;
	}
	for (size_t i = 0; i < MB_ARRAY_SIZE(keys); i++) {
		if (keys[i].required && !(p->seen & 1u << i)) {
			mb_set_error(p->err, "%s: missing", keys[i].key);
			return false;
		}
	}
	if ((f->trigger == MB_FAULT_TRIGGER_NOTIFY ||
	     f->trigger == MB_FAULT_TRIGGER_WRITE) &&
	    !f->has_chr) {
		mb_set_error(p->err, "chr: the %s trigger needs one",
			     trigger_names[f->trigger]);
		return false;
	}
	if (f->action == MB_FAULT_ACTION_FOREIGN_NOTIFY && !f->value_len) {
		mb_set_error(p->err,
			     "value: foreign-notify needs target= and value=");
		return false;
	}
	return true;
}

static const struct mb_fault_preset *find_preset(const char *name)
{
	for (size_t i = 0; i < mb_fault_n_presets(); i++)
		if (!strcmp(mb_fault_preset(i)->name, name))
			return mb_fault_preset(i);
	return NULL;
}

bool mb_fault_parse(const char *line, mb_fault_chr_lookup_t lookup,
		    void *lookup_data, struct mb_fault *out, char **err)
{
	struct mb_fault f = { .count = 1 };
	struct parse p = { &f, lookup, lookup_data, 0, err };
	const char *spec = line;
	char *copy;
	bool ok;

	while (*spec == ' ' || *spec == '\t')
		spec++;
	if (!strncmp(spec, "preset=", 7)) {
		const struct mb_fault_preset *preset = find_preset(spec + 7);

		if (!preset) {
			mb_set_error(
				err,
				"preset: '%s' is not a preset (bandsim --list-faults)",
				spec + 7);
			return false;
		}
		snprintf(f.name, sizeof(f.name), "%s", preset->name);
		spec = preset->spec;
	}
	copy = mb_strdup(spec);
	ok = parse_words(copy, &p);
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

/* ---- the plan ------------------------------------------------------------ */

struct mb_faults {
	const struct mb_services *svc;
	const struct mb_gatt *gatt;
	struct mb_link *link;
	struct mb_power *power;
	struct mb_fetch *fetch;
	struct mb_fault *armed;
	size_t n_armed;
	unsigned int next_id;
	struct mb_mutate *mutate; /* --mutate, else NULL */
};

struct mb_faults *mb_faults_new(const struct mb_services *svc,
				const struct mb_gatt *gatt,
				struct mb_link *link, struct mb_power *power,
				struct mb_fetch *fetch)
{
	return MB_NEW(struct mb_faults, .svc = svc, .gatt = gatt, .link = link,
		      .power = power, .fetch = fetch);
}

void mb_faults_free(struct mb_faults *faults)
{
	if (!faults)
		return;
	mb_faults_clear(faults);
	mb_mutate_free(faults->mutate);
	free(faults);
}

/* By profile name, or by the 8 hex digits of a Huami UUID. */
static bool lookup_chr(const char *name, struct mb_uuid *out, void *user_data)
{
	const struct mb_gatt *gatt = user_data;

	for (size_t i = 0; i < mb_gatt_n_chrs(gatt); i++) {
		const struct mb_gatt_chr *c = mb_gatt_chr(gatt, i);
		char full[MB_UUID_STR_LEN];

		mb_uuid_to_string(&c->def->uuid, full);
		if (!strcmp(c->def->name, name) ||
		    (strlen(name) == 8 && !strncmp(full, name, 8))) {
			*out = c->def->uuid;
			return true;
		}
	}
	return false;
}

unsigned int mb_faults_inject(struct mb_faults *faults, const char *line,
			      char **err)
{
	struct mb_fault f;

	if (!mb_fault_parse(line, lookup_chr, (void *)faults->gatt, &f, err))
		return 0;
	f.id = ++faults->next_id;
	if (!f.name[0])
		snprintf(f.name, sizeof(f.name), "fault-%u", f.id);
	f.armed_ms = mb_svc_now(faults->svc);
	faults->armed = mb_realloc_n(faults->armed, faults->n_armed + 1,
				     sizeof(*faults->armed));
	faults->armed[faults->n_armed++] = f;
	return f.id;
}

void mb_faults_clear(struct mb_faults *faults)
{
	for (size_t i = 0; i < faults->n_armed; i++)
		mb_fault_clear(&faults->armed[i]);
	free(faults->armed);
	faults->armed = NULL;
	faults->n_armed = 0;
}

size_t mb_faults_count(const struct mb_faults *faults)
{
	return faults->n_armed;
}

const char *mb_faults_spec(const struct mb_faults *faults, size_t i,
			   unsigned int *id)
{
	if (i >= faults->n_armed)
		return NULL;
	*id = faults->armed[i].id;
	return faults->armed[i].spec;
}

static bool matches(const struct mb_faults *faults, const struct mb_fault *f,
		    enum mb_fault_trigger trigger,
		    const struct mb_gatt_chr *chr, const uint8_t *value,
		    size_t len, unsigned int level)
{
	if (f->trigger != trigger)
		return false;
	if (f->has_chr && (!chr || !mb_uuid_eq(&f->chr, &chr->def->uuid)))
		return false;
	if (f->match_len &&
	    (len < f->match_len || memcmp(value, f->match, f->match_len)))
		return false;
	if (f->fetch && mb_fetch_type(faults->fetch) != f->fetch)
		return false;
	switch (trigger) {
	case MB_FAULT_TRIGGER_FIRMWARE:
		return level >= f->percent;
	case MB_FAULT_TRIGGER_BATTERY:
		return level <= f->percent;
	case MB_FAULT_TRIGGER_MINUTE:
		return mb_svc_now(faults->svc) >=
		       f->armed_ms + f->minute * 60000ull;
	case MB_FAULT_TRIGGER_NOTIFY:
	case MB_FAULT_TRIGGER_WRITE:
	case MB_FAULT_TRIGGER_CONNECT:
		return true;
	}
	return false;
}

/* The first armed fault that matches and is past its after=, as *fired;
 * spent (removed) when it reached its count.  The actions that change the
 * link or the band are carried out here; the others are the caller's,
 * at its site. */
static bool fire(struct mb_faults *faults, enum mb_fault_trigger trigger,
		 const struct mb_gatt_chr *chr, const uint8_t *value,
		 size_t len, unsigned int level, struct mb_fault *fired)
{
	struct mb_fault *a = faults->armed;
	struct mb_event ev;
	size_t i;

	for (i = 0; i < faults->n_armed; i++) {
		if (!matches(faults, &a[i], trigger, chr, value, len, level))
			continue;
		if (a[i].seen++ < a[i].after)
			continue;
		break;
	}
	if (i == faults->n_armed)
		return false;
	/* Spent before it acts: an action that notifies again (brown-out,
	 * reboot) must not fire it twice. */
	*fired = a[i];
	fired->spec = NULL;
	if (++a[i].fired == a[i].count) {
		mb_fault_clear(&a[i]);
		memmove(&a[i], &a[i + 1],
			(faults->n_armed - i - 1) * sizeof(*a));
		faults->n_armed--;
	}
	mb_event_init(&ev, MB_EVENT_FAULT_FIRED);
	mb_event_add_uint32(&ev, "id", fired->id);
	mb_event_add_string(&ev, "name", fired->name);
	mb_event_add_string(&ev, "action", mb_fault_action_name(fired->action));
	mb_svc_emit(faults->svc, &ev);
	switch (fired->action) {
	case MB_FAULT_ACTION_DISCONNECT:
		mb_svc_drop_link(faults->svc);
		break;
	case MB_FAULT_ACTION_SILENCE:
		mb_link_silence(faults->link);
		break;
	case MB_FAULT_ACTION_REBOOT:
		mb_svc_reboot(faults->svc);
		break;
	case MB_FAULT_ACTION_BROWN_OUT:
		mb_power_set_level(faults->power, 0);
		break;
	case MB_FAULT_ACTION_DROP:
	case MB_FAULT_ACTION_DUPLICATE:
	case MB_FAULT_ACTION_SKIP_COUNTER:
	case MB_FAULT_ACTION_CORRUPT:
	case MB_FAULT_ACTION_TRUNCATE:
	case MB_FAULT_ACTION_STATUS:
	case MB_FAULT_ACTION_FOREIGN_NOTIFY:
	case MB_FAULT_ACTION_EXTEND:
	case MB_FAULT_ACTION_END:
		break;
	}
	return true;
}

bool mb_faults_hook(struct mb_faults *faults, enum mb_fault_trigger trigger,
		    unsigned int level)
{
	struct mb_fault f;

	return fire(faults, trigger, NULL, NULL, 0, level, &f);
}

bool mb_faults_write(struct mb_faults *faults, const struct mb_gatt_chr *chr,
		     const uint8_t *value, size_t len)
{
	struct mb_fault f;

	if (!fire(faults, MB_FAULT_TRIGGER_WRITE, chr, value, len, 0, &f))
		return false;
	if (f.action == MB_FAULT_ACTION_STATUS && len) {
		uint8_t reply[3];

		mb_faults_notify(faults, chr, reply,
				 mb_huami_frame(reply, value[0], f.status, NULL,
						0));
	}
	return true;
}

void mb_faults_set_mutate(struct mb_faults *faults, uint64_t seed, double rate)
{
	mb_mutate_free(faults->mutate);
	faults->mutate = mb_mutate_new(faults->svc, faults->gatt, seed, rate);
}

void mb_faults_link_down(struct mb_faults *faults)
{
	if (faults->mutate)
		mb_mutate_link_down(faults->mutate);
}

static bool notify_armed(const struct mb_gatt_chr *chr, const uint8_t *value,
			 size_t len, void *data);

/* A mutating band changes what it sends first; the armed faults then
 * act on what goes out, as they would on a band that sent it. */
bool mb_faults_notify(struct mb_faults *faults, const struct mb_gatt_chr *chr,
		      const uint8_t *value, size_t len)
{
	if (faults->mutate && chr && mb_link_connected(faults->link))
		return mb_mutate_notify(faults->mutate, chr, value, len,
					notify_armed, faults);
	return notify_armed(chr, value, len, faults);
}

static bool notify_armed(const struct mb_gatt_chr *chr, const uint8_t *value,
			 size_t len, void *data)
{
	struct mb_faults *faults = data;
	struct mb_link *link = faults->link;
	uint8_t copy[MB_ATT_MAX_VALUE_LEN];
	struct mb_fault f;

	if (!chr || !mb_link_connected(link) || mb_link_silent(link))
		return false;
	if (!fire(faults, MB_FAULT_TRIGGER_NOTIFY, chr, value, len, 0, &f))
		return mb_link_notify(link, chr, value, len);
	if (len > sizeof(copy))
		len = sizeof(copy);
	memcpy(copy, value, len);
	switch (f.action) {
	case MB_FAULT_ACTION_DROP:
		/* Lost on the air: the band goes on as if it had been sent. */
		return true;
	case MB_FAULT_ACTION_DUPLICATE:
		mb_link_notify(link, chr, value, len);
		return mb_link_notify(link, chr, value, len);
	case MB_FAULT_ACTION_SKIP_COUNTER:
		/* The fetch counter is byte 0 of an activity-data packet. */
		if (len) {
			copy[0]++;
			mb_fetch_skip_counter(faults->fetch);
		}
		return mb_link_notify(link, chr, copy, len);
	case MB_FAULT_ACTION_CORRUPT:
		if (len)
			copy[len - 1] ^= 0xff;
		return mb_link_notify(link, chr, copy, len);
	case MB_FAULT_ACTION_TRUNCATE:
		/* One byte short: an activity packet ends mid-sample. */
		return mb_link_notify(link, chr, value, len ? len - 1 : 0);
	case MB_FAULT_ACTION_EXTEND:
		/* One byte long: a zero after the last sample. */
		if (len < sizeof(copy))
			copy[len++] = 0x00;
		return mb_link_notify(link, chr, copy, len);
	case MB_FAULT_ACTION_END:
		/* Not sent: the transfer ends before this packet, as if it
		 * were complete (the fetch part keeps what it did not send). */
		mb_fetch_end_here(faults->fetch);
		return false;
	case MB_FAULT_ACTION_FOREIGN_NOTIFY:
		mb_link_notify(link,
			       mb_gatt_find_chr(faults->gatt, NULL, &f.target),
			       f.value, f.value_len);
		return mb_link_notify(link, chr, value, len);
	case MB_FAULT_ACTION_STATUS:
		return mb_link_notify(link, chr, value, len);
	case MB_FAULT_ACTION_DISCONNECT:
	case MB_FAULT_ACTION_SILENCE:
	case MB_FAULT_ACTION_REBOOT:
	case MB_FAULT_ACTION_BROWN_OUT:
		break;
	}
	return false;
}
