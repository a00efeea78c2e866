/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A small INI reader that remembers the line of every section and key, so
 * that a bad profile or state file is reported as file:line: field.  It
 * reads the subset of Python's configparser that both sides agree on:
 * "[section]", "key = value" (or "key: value"), whole-line comments starting
 * with '#' or ';', no continuation lines, no inline comments, no duplicate
 * sections or keys.  Keys are lower-cased, as configparser does. */
struct mb_ini;

/* filename is only what errors name: the core reads no files. */
struct mb_ini *mb_ini_parse(const char *text, size_t len, const char *filename,
			    char **err);
void mb_ini_free(struct mb_ini *ini);

const char *mb_ini_filename(const struct mb_ini *ini);
size_t mb_ini_n_sections(const struct mb_ini *ini);
const char *mb_ini_section_name(const struct mb_ini *ini, size_t sec);
unsigned int mb_ini_section_line(const struct mb_ini *ini, size_t sec);
/* Index of the section with that name, or -1. */
long mb_ini_find_section(const struct mb_ini *ini, const char *name);

size_t mb_ini_n_keys(const struct mb_ini *ini, size_t sec);
const char *mb_ini_key_name(const struct mb_ini *ini, size_t sec, size_t key);
/* The value of key in section sec, or NULL; *line gets its line. */
const char *mb_ini_get(const struct mb_ini *ini, size_t sec, const char *key,
		       unsigned int *line);

/* Marks keys as consumed; mb_ini_check_unused() then reports the first key
 * nobody asked for, which is how typos in a profile are caught. */
bool mb_ini_check_unused(const struct mb_ini *ini, size_t sec, char **err);
