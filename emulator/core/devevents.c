// SPDX-License-Identifier: GPL-2.0-or-later
#include "devevents.h"

#include <stdlib.h>

#include "services.h"

struct mb_devevents {
	const struct mb_services *svc;
};

struct mb_devevents *mb_devevents_new(const struct mb_services *svc)
{
	return MB_NEW(struct mb_devevents, .svc = svc);
}

void mb_devevents_free(struct mb_devevents *events)
{
	free(events);
}

void mb_devevents_send(struct mb_devevents *events, enum mb_devevent event)
{
	const uint8_t value = (uint8_t)event;

	mb_svc_notify(events->svc, MB_CHR_DEVICE_EVENT, &value, 1);
}
