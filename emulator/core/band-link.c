// SPDX-License-Identifier: GPL-2.0-or-later
#include "band-link.h"

#include <stdlib.h>

struct mb_link {
	const struct mb_gatt *gatt;
	const struct mb_policy *policy;
	uint16_t server_mtu;
	const struct mb_att_ops *att_ops;
	void *att_data;
	struct mb_att *att; /* NULL while disconnected */
	const struct mb_link_ops *ops;
	void *ops_data;
	bool congested;
	bool silent;   /* a fault made the band go quiet */
	bool dropping; /* the band hangs up: no more data */
	mb_debug_func_t debug;
	void *debug_data;
	mb_link_monitor_func_t monitor;
	void *monitor_data;
};

struct mb_link *mb_link_new(const struct mb_gatt *gatt,
			    const struct mb_policy *policy, uint16_t server_mtu)
{
	return MB_NEW(struct mb_link, .gatt = gatt, .policy = policy,
		      .server_mtu = server_mtu);
}

void mb_link_set_server(struct mb_link *link, const struct mb_att_ops *ops,
			void *user_data)
{
	link->att_ops = ops;
	link->att_data = user_data;
}

void mb_link_free(struct mb_link *link)
{
	if (!link)
		return;
	mb_att_free(link->att);
	free(link);
}

void mb_link_set_debug(struct mb_link *link, mb_debug_func_t fn,
		       void *user_data)
{
	link->debug = fn;
	link->debug_data = user_data;
	if (link->att)
		mb_att_set_debug(link->att, fn, user_data);
}

void mb_link_set_monitor(struct mb_link *link, mb_link_monitor_func_t fn,
			 void *user_data)
{
	link->monitor = fn;
	link->monitor_data = user_data;
}

static void att_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct mb_link *link = user_data;

	/* A silenced link hears nothing more from the band, not even ATT
	 * responses: the "stuck" and "half-connected" faults. */
	if (link->silent)
		return;
	if (link->monitor)
		link->monitor(false, pdu, len, link->monitor_data);
	if (link->ops && link->ops->send)
		link->ops->send(pdu, len, link->ops_data);
}

bool mb_link_up(struct mb_link *link, const struct mb_link_ops *ops,
		void *user_data)
{
	if (link->att)
		return false;
	link->att = mb_att_new(link->gatt, link->server_mtu, link->att_ops,
			       link->att_data);
	mb_att_set_send_handler(link->att, att_send, link);
	mb_att_set_debug(link->att, link->debug, link->debug_data);
	mb_att_set_notify_order(link->att, link->policy->notify_order);
	mb_att_set_prepare_queue(link->att, link->policy->prepare_queue);
	link->ops = ops;
	link->ops_data = user_data;
	link->congested = false;
	link->silent = false;
	link->dropping = false;
	return true;
}

void mb_link_down(struct mb_link *link)
{
	mb_att_free(link->att);
	link->att = NULL;
	link->ops = NULL;
	link->ops_data = NULL;
}

bool mb_link_connected(const struct mb_link *link)
{
	return link->att != NULL;
}

void mb_link_receive(struct mb_link *link, const uint8_t *pdu, size_t len)
{
	if (!link->att)
		return;
	if (link->monitor)
		link->monitor(true, pdu, len, link->monitor_data);
	mb_att_receive(link->att, pdu, len);
}

bool mb_link_notify(struct mb_link *link, const struct mb_gatt_chr *chr,
		    const uint8_t *value, size_t len)
{
	/* A link the band is hanging up gets nothing more: a part that
	 * goes on after the hang-up (the fetch ending its transfer) must
	 * not tell the central what it never sent. */
	if (!link->att || link->silent || link->dropping)
		return false;
	return mb_att_notify(link->att, chr, value, len);
}

void mb_link_drop(struct mb_link *link)
{
	link->dropping = link->att != NULL;
	if (link->att && link->ops && link->ops->disconnect)
		link->ops->disconnect(link->ops_data);
}

void mb_link_silence(struct mb_link *link)
{
	link->silent = link->att != NULL;
}

void mb_link_set_congested(struct mb_link *link, bool congested)
{
	link->congested = congested;
}

bool mb_link_held(const struct mb_link *link)
{
	return link->congested || link->silent || link->dropping;
}

bool mb_link_silent(const struct mb_link *link)
{
	return link->silent;
}

uint16_t mb_link_mtu(const struct mb_link *link)
{
	return link->att ? mb_att_mtu(link->att) : MB_ATT_DEFAULT_MTU;
}

size_t mb_link_notify_max(const struct mb_link *link)
{
	size_t max = (size_t)mb_link_mtu(link) - 3;
	size_t headroom = link->ops ? link->ops->notify_headroom : 0;

	return max > headroom ? max - headroom : 0;
}

struct mb_att *mb_link_att(const struct mb_link *link)
{
	return link->att;
}
