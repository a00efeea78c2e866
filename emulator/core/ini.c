// SPDX-License-Identifier: GPL-2.0-or-later
#include "ini.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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
	size_t n_keys;
};

struct mb_ini {
	char *filename;
	struct ini_section *sections;
	size_t n_sections;
};

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

	for (size_t i = 0; i < sec->n_keys; i++) {
		if (!strcmp(sec->keys[i].name, name)) {
			mb_set_error(
				err,
				"%s:%u: [%s] %s: duplicate key (first on line %u)",
				ini->filename, line, sec->name, name,
				sec->keys[i].line);
			return false;
		}
	}
	sec->keys =
		mb_realloc_n(sec->keys, sec->n_keys + 1, sizeof(*sec->keys));
	sec->keys[sec->n_keys++] = (struct ini_key){
		.name = mb_strdup(name),
		.value = mb_strdup(value),
		.line = line,
	};
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
	ini->sections = mb_realloc_n(ini->sections, ini->n_sections + 1,
				     sizeof(*ini->sections));
	ini->sections[ini->n_sections++] = (struct ini_section){
		.name = mb_strdup(name),
		.line = line,
	};
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
		free(sec->name);
	}
	free(ini->sections);
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
	for (size_t i = 0; i < ini->n_sections; i++)
		if (!strcmp(ini->sections[i].name, name))
			return (long)i;
	return -1;
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

	for (size_t i = 0; i < s->n_keys; i++) {
		if (!strcmp(s->keys[i].name, key)) {
			s->keys[i].used = true;
			if (line)
				*line = s->keys[i].line;
			return s->keys[i].value;
		}
	}
	if (line)
		*line = s->line;
	return NULL;
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
