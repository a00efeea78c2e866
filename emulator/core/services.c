// SPDX-License-Identifier: GPL-2.0-or-later
#include "services.h"

#include <stdlib.h>

uint64_t mb_svc_now(const struct mb_services *svc)
{
	return svc->ops->now(svc->data);
}

bool mb_svc_notify(const struct mb_services *svc, enum mb_chr_id chr,
		   const uint8_t *value, size_t len)
{
	return svc->ops->notify(chr, value, len, svc->data);
}

void mb_svc_emit(const struct mb_services *svc, const struct mb_event *ev)
{
	svc->ops->emit(ev, svc->data);
}

void mb_svc_emit_string(const struct mb_services *svc, enum mb_event_id id,
			const char *key, const char *value)
{
	struct mb_event ev;

	mb_event_init(&ev, id);
	if (key)
		mb_event_add_string(&ev, key, value);
	mb_svc_emit(svc, &ev);
}

void mb_svc_emit_u32(const struct mb_services *svc, enum mb_event_id id,
		     const char *key, uint32_t value)
{
	struct mb_event ev;

	mb_event_init(&ev, id);
	mb_event_add_uint32(&ev, key, value);
	mb_svc_emit(svc, &ev);
}

bool mb_svc_fault(const struct mb_services *svc, enum mb_fault_trigger trigger,
		  unsigned int level)
{
	return svc->ops->fault(trigger, level, svc->data);
}

void mb_svc_drop_link(const struct mb_services *svc)
{
	svc->ops->drop_link(svc->data);
}

void mb_svc_debug(const struct mb_services *svc, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!svc->ops->debug)
		return;
	va_start(ap, fmt);
	s = mb_strdup_vprintf(fmt, ap);
	va_end(ap);
	svc->ops->debug(s, svc->data);
	free(s);
}

void mb_svc_reboot(const struct mb_services *svc)
{
	mb_svc_emit_string(svc, MB_EVENT_REBOOT, NULL, NULL);
	mb_svc_drop_link(svc);
}
