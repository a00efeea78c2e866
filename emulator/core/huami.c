// SPDX-License-Identifier: GPL-2.0-or-later
#include "huami.h"

#include <stdlib.h>
#include <string.h>

#include "att.h"
#include "services.h"

struct mb_huami {
	const struct mb_services *svc;
	enum mb_chr_id chr;
	const struct mb_huami_cmd *cmds;
	size_t n_cmds;
};

struct mb_huami *mb_huami_new(const struct mb_services *svc, enum mb_chr_id chr,
			      const struct mb_huami_cmd *cmds, size_t n_cmds)
{
	return MB_NEW(struct mb_huami, .svc = svc, .chr = chr, .cmds = cmds,
		      .n_cmds = n_cmds);
}

void mb_huami_free(struct mb_huami *h)
{
	free(h);
}

size_t mb_huami_frame(uint8_t *out, uint8_t command, uint8_t status,
		      const uint8_t *payload, size_t len)
{
	if (len > MB_HUAMI_MAX_PAYLOAD)
		len = MB_HUAMI_MAX_PAYLOAD;
	out[0] = MB_HUAMI_RESPONSE;
	out[1] = command;
	out[2] = status;
	if (len)
		memcpy(out + 3, payload, len);
	return 3 + len;
}

void mb_huami_reply(const struct mb_huami *h, uint8_t command, uint8_t status,
		    const uint8_t *payload, size_t len)
{
	uint8_t pdu[3 + MB_HUAMI_MAX_PAYLOAD];

	mb_svc_notify(h->svc, h->chr, pdu,
		      mb_huami_frame(pdu, command, status, payload, len));
}

void mb_huami_malformed(const struct mb_huami *h, uint8_t command)
{
	struct mb_event ev;

	mb_event_init(&ev, MB_EVENT_MALFORMED);
	mb_event_add_string(&ev, "characteristic", mb_chr_uuid(h->chr));
	mb_event_add_byte(&ev, "command", command);
	mb_svc_emit(h->svc, &ev);
	mb_huami_reply(h, command, MB_HUAMI_STATUS_MALFORMED, NULL, 0);
}

uint8_t mb_huami_write(const struct mb_huami *h, void *part,
		       const uint8_t *value, size_t len)
{
	/* No command byte, so no reply to send it in: a Write Request
	 * learns it from its response (docs/policies.md). */
	if (!len)
		return MB_ATT_ERROR_INVALID_VALUE_LEN;
	for (size_t i = 0; i < h->n_cmds; i++) {
		if (h->cmds[i].command != value[0])
			continue;
		if (len < h->cmds[i].min_len || len > h->cmds[i].max_len)
			break;
		h->cmds[i].handler(part, value, len);
		return 0;
	}
	mb_huami_malformed(h, value[0]);
	return 0;
}
