// SPDX-License-Identifier: GPL-2.0-or-later
#include "ini.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Names to item indices, open addressing.  A settings file or a fuzzer's
 * input can hold thousands of keys: a scan per key added (the duplicate
 * check) and per key looked up made reading one quadratic. */
struct ini_slot {
	const char *name; /* the item's own copy; NULL: empty */
	size_t item;
};

struct ini_index {
	struct ini_slot *slots;
	size_t cap; /* 0 or a power of two */
	size_t n;
};

struct ini_key {
	char *name;
	char *value;
	unsigned int line;
	bool used;
};

struct ini_section {
	char *name;
	unsigned int line;
	struct ini_key *keys;
	size_t n_keys, cap_keys;
	struct ini_index index;
};

struct mb_ini {
	char *filename;
	struct ini_section *sections;
	size_t n_sections, cap_sections;
	struct ini_index index;
};

static size_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The slot that holds name, or the empty one where it would go. */
static struct ini_slot *index_slot(const struct ini_index *ix, const char *name)
{
	size_t mask = ix->cap - 1;

	for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask) {
		struct ini_slot *slot = &ix->slots[i];

		if (!slot->name || !strcmp(slot->name, name))
			return slot;
	}
}

static long index_find(const struct ini_index *ix, const char *name)
{
	const struct ini_slot *slot;

	if (!ix->cap)
		return -1;
	slot = index_slot(ix, name);
	return slot->name ? (long)slot->item : -1;
}

/* name must not be there yet, and must live as long as the index. */
static void index_add(struct ini_index *ix, const char *name, size_t item)
{
	if ((ix->n + 1) * 2 > ix->cap) {
		struct ini_index grown = { .cap = ix->cap ? ix->cap * 2 : 16 };

		grown.slots = mb_malloc0(grown.cap * sizeof(*grown.slots));
		for (size_t i = 0; i < ix->cap; i++)
			if (ix->slots[i].name)
				*index_slot(&grown, ix->slots[i].name) =
					ix->slots[i];
		grown.n = ix->n;
		free(ix->slots);
		*ix = grown;
	}
	*index_slot(ix, name) = (struct ini_slot){ name, item };
	ix->n++;
}

/* Room for one more of n items of size, doubling. */
static void *grow(void *items, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return items;
	*cap = *cap ? *cap * 2 : 8;
	return mb_realloc_n(items, *cap, size);
}

static char *strip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool add_key(struct mb_ini *ini, const char *name, const char *value,
		    unsigned int line, char **err)
{
	struct ini_section *sec = &ini->sections[ini->n_sections - 1];
	long dup = index_find(&sec->index, name);
	struct ini_key *key;

	if (dup >= 0) {
		mb_set_error(err,
			     "%s:%u: [%s] %s: duplicate key (first on line %u)",
			     ini->filename, line, sec->name, name,
			     sec->keys[dup].line);
		return false;
	}
	sec->keys = grow(sec->keys, sec->n_keys, &sec->cap_keys,
			 sizeof(*sec->keys));
	key = &sec->keys[sec->n_keys];
	*key = (struct ini_key){
		.name = mb_strdup(name),
		.value = mb_strdup(value),
		.line = line,
	};
	index_add(&sec->index, key->name, sec->n_keys++);
	return true;
}

static bool add_section(struct mb_ini *ini, const char *name, unsigned int line,
			char **err)
{
	long dup = mb_ini_find_section(ini, name);

	if (dup >= 0) {
		mb_set_error(
			err,
			"%s:%u: [%s]: duplicate section (first on line %u)",
			ini->filename, line, name, ini->sections[dup].line);
		return false;
	}
	ini->sections = grow(ini->sections, ini->n_sections, &ini->cap_sections,
			     sizeof(*ini->sections));
	ini->sections[ini->n_sections] = (struct ini_section){
		.name = mb_strdup(name),
		.line = line,
	};
	index_add(&ini->index, ini->sections[ini->n_sections].name,
		  ini->n_sections);
	ini->n_sections++;
	return true;
}

static bool parse_line(struct mb_ini *ini, char *raw, unsigned int line,
		       char **err)
{
	char *s, *sep, *name;

	if (raw[0] == ' ' || raw[0] == '\t') {
		if (*strip(raw)) {
			mb_set_error(
				err,
				"%s:%u: indented line (continuation lines are not supported)",
				ini->filename, line);
			return false;
		}
		return true;
	}
	s = strip(raw);
	if (!*s || *s == '#' || *s == ';')
		return true;
	if (*s == '[') {
		char *end = strchr(s, ']');

		if (!end || end[1] != '\0' || end == s + 1) {
			mb_set_error(err,
				     "%s:%u: malformed section header '%s'",
				     ini->filename, line, s);
			return false;
		}
		*end = '\0';
		return add_section(ini, strip(s + 1), line, err);
	}
	sep = strpbrk(s, "=:");
	if (!sep) {
		mb_set_error(err, "%s:%u: expected 'key = value', got '%s'",
			     ini->filename, line, s);
		return false;
	}
	if (!ini->n_sections) {
		mb_set_error(err, "%s:%u: key outside of any [section]",
			     ini->filename, line);
		return false;
	}
	*sep = '\0';
	name = strip(s);
	if (!*name) {
		mb_set_error(err, "%s:%u: empty key name", ini->filename, line);
		return false;
	}
	for (char *c = name; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return add_key(ini, name, strip(sep + 1), line, err);
}

struct mb_ini *mb_ini_parse(const char *text, size_t len, const char *filename,
			    char **err)
{
	struct mb_ini *ini = mb_malloc0(sizeof(*ini));
	unsigned int line = 0;
	size_t pos = 0;

	ini->filename = mb_strdup(filename ? filename : "<profile>");
	while (pos < len) {
		size_t end = pos;
		char *buf;
		bool ok;

		while (end < len && text[end] != '\n')
			end++;
		line++;
		if (memchr(text + pos, '\0', end - pos)) {
			mb_set_error(err, "%s:%u: NUL byte in text",
				     ini->filename, line);
			mb_ini_free(ini);
			return NULL;
		}
		buf = mb_malloc0(end - pos + 1);
		memcpy(buf, text + pos, end - pos);
		if (end > pos && buf[end - pos - 1] == '\r')
			buf[end - pos - 1] = '\0';
		ok = parse_line(ini, buf, line, err);
		free(buf);
		if (!ok) {
			mb_ini_free(ini);
			return NULL;
		}
		pos = end + 1;
	}
	return ini;
}

void mb_ini_free(struct mb_ini *ini)
{
	if (!ini)
		return;
	for (size_t i = 0; i < ini->n_sections; i++) {
		struct ini_section *sec = &ini->sections[i];

		for (size_t k = 0; k < sec->n_keys; k++) {
			free(sec->keys[k].name);
			free(sec->keys[k].value);
		}
		free(sec->keys);
		free(sec->index.slots);
		free(sec->name);
	}
	free(ini->sections);
	free(ini->index.slots);
	free(ini->filename);
	free(ini);
}

const char *mb_ini_filename(const struct mb_ini *ini)
{
	return ini->filename;
}

size_t mb_ini_n_sections(const struct mb_ini *ini)
{
	return ini->n_sections;
}

const char *mb_ini_section_name(const struct mb_ini *ini, size_t sec)
{
	return ini->sections[sec].name;
}

unsigned int mb_ini_section_line(const struct mb_ini *ini, size_t sec)
{
	return ini->sections[sec].line;
}

long mb_ini_find_section(const struct mb_ini *ini, const char *name)
{
	return index_find(&ini->index, name);
}

size_t mb_ini_n_keys(const struct mb_ini *ini, size_t sec)
{
	return ini->sections[sec].n_keys;
}

const char *mb_ini_key_name(const struct mb_ini *ini, size_t sec, size_t key)
{
	return ini->sections[sec].keys[key].name;
}

const char *mb_ini_get(const struct mb_ini *ini, size_t sec, const char *key,
		       unsigned int *line)
{
	struct ini_section *s = &ini->sections[sec];
	long i = index_find(&s->index, key);

	if (i < 0) {
		if (line)
			*line = s->line;
		return NULL;
	}
	s->keys[i].used = true;
	if (line)
		*line = s->keys[i].line;
	return s->keys[i].value;
}

bool mb_ini_check_unused(const struct mb_ini *ini, size_t sec, char **err)
{
	const struct ini_section *s = &ini->sections[sec];

	for (size_t i = 0; i < s->n_keys; i++) {
		if (!s->keys[i].used) {
			mb_set_error(err, "%s:%u: [%s] %s: unknown key",
				     ini->filename, s->keys[i].line, s->name,
				     s->keys[i].name);
			return false;
		}
	}
	return true;
}
