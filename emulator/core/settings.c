// SPDX-License-Identifier: GPL-2.0-or-later
#include "settings.h"

#include <stdlib.h>
#include <string.h>

#include "services.h"

struct mb_settings {
	const struct mb_services *svc;
	mb_settings_reset_func_t reset;
	void *reset_data;
};

/* A command is known by its leading bytes; len is the whole write's
 * length, 0 when it varies. */
struct config_cmd {
	uint8_t prefix[4];
	size_t prefix_len;
	size_t len;
	void (*handler)(struct mb_settings *s, const uint8_t *v, size_t len);
};

/* 06 0B 00 01: the key goes, the address changes, the link drops
 * (protocol §10, §11). */
static void cmd_factory_reset(struct mb_settings *s, const uint8_t *v,
			      size_t len)
{
	char *err = NULL;

	if (s->reset && !s->reset(s->reset_data, &err)) {
		mb_svc_debug(s->svc, "factory reset failed: %s", err);
		free(err);
	}
}

static const struct config_cmd config_cmds[] = {
	{ { 0x06, 0x0b, 0x00, 0x01 }, 4, 4, cmd_factory_reset },
};

struct mb_settings *mb_settings_new(const struct mb_services *svc,
				    mb_settings_reset_func_t reset,
				    void *user_data)
{
	return MB_NEW(struct mb_settings, .svc = svc, .reset = reset,
		      .reset_data = user_data);
}

void mb_settings_free(struct mb_settings *settings)
{
	free(settings);
}

static uint8_t write_config(void *part, const uint8_t *value, size_t len,
			    bool command)
{
	struct mb_settings *s = part;

	for (size_t i = 0; i < MB_ARRAY_SIZE(config_cmds); i++) {
		const struct config_cmd *c = &config_cmds[i];

		if (len < c->prefix_len || (c->len && len != c->len) ||
		    memcmp(value, c->prefix, c->prefix_len))
			continue;
		c->handler(s, value, len);
		break;
	}
	return 0;
}

const struct mb_chr_route mb_settings_routes[] = {
	{ MB_CHR_CONFIG, NULL, write_config },
};
const size_t mb_settings_n_routes = MB_ARRAY_SIZE(mb_settings_routes);
