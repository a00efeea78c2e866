// SPDX-License-Identifier: GPL-2.0-or-later
/* What the settings tables share: finding a command's row, and the
 * parsers of rows that differ only in their data. */
#include "settings-cmds.h"

#include <string.h>

const struct mb_settings_cmd *
mb_settings_cmd_find(const struct mb_settings_cmd *cmds, size_t n,
		     const uint8_t *value, size_t len, bool *len_ok)
{
	for (size_t i = 0; i < n; i++) {
		const struct mb_settings_cmd *c = &cmds[i];
		size_t k = len < c->prefix_len ? len : c->prefix_len;

		/* A write shorter than a prefix it agrees with is that
		 * command cut short. */
		if (!len || memcmp(value, c->prefix, k))
			continue;
		*len_ok = len >= c->min_len && len <= c->max_len;
		return c;
	}
	*len_ok = false;
	return NULL;
}

bool mb_settings_parse_code(const struct mb_settings_cmd *cmd,
			    struct mb_settings_values *next, const uint8_t *v,
			    size_t len)
{
	for (uint8_t i = 0; i < cmd->n_codes; i++) {
		if (cmd->codes[i] == v[len - 1]) {
			next->v[cmd->id] = i;
			return true;
		}
	}
	return false;
}

bool mb_settings_parse_flag(const struct mb_settings_cmd *cmd,
			    struct mb_settings_values *next, const uint8_t *v,
			    size_t len)
{
	return v[len - 1] <= 1;
}
