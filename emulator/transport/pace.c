// SPDX-License-Identifier: GPL-2.0-or-later
#include "transport/pace.h"

#include <glib.h>

struct pace {
	struct pace_params params;
	const struct pace_ops *ops;
	void *user_data;
	gint64 anchor_us; /* the link's first connection event */
	GQueue in;	  /* GBytes from the central */
	GQueue out;	  /* GBytes to the central */
	guint event_id;	  /* the next connection event */
	gint64 event_us;  /* when it is (or the last was) due */
	guint air_id;	  /* the next PDU of this event */
	unsigned int sent_this_event;
	/* The band's PDUs that were waiting when the event began: what it
	 * answers to the central's PDUs of this event goes at the next. */
	unsigned int sendable;
	/* Until then this event is still open: the central's host answered
	 * within it, and its PDU goes in this event. */
	gint64 open_until_us;
	unsigned int delivered_this_event;
	bool congested;
};

/* Core Vol 6 Part B 2.1 (1M PHY: 8 µs a byte): preamble 1, access
 * address 4, header 2, L2CAP header 4, CRC 3; then T_IFS 150 µs, the
 * central's empty PDU (10 bytes, 80 µs) and T_IFS again. */
unsigned int pace_air_time_us(size_t len)
{
	return (unsigned int)((1 + 4 + 2 + 4 + len + 3) * 8 + 150 + 80 + 150);
}

static void check_congestion(struct pace *p)
{
	bool now = p->out.length > p->params.per_event;

	if (now != p->congested) {
		p->congested = now;
		p->ops->congested(now, p->user_data);
	}
}

static void schedule_event(struct pace *p);

/* How long after the band's last packet of an event the central's host may
 * answer and still be in that event. */
#define OPEN_SLACK_US 1000

static void deliver(struct pace *p, GBytes *b)
{
	gsize len;
	const uint8_t *pdu = g_bytes_get_data(b, &len);

	p->delivered_this_event++;
	p->ops->deliver(pdu, len, p->user_data);
	g_bytes_unref(b);
}

/* The band's PDUs of this event, one air time apart. */
static gboolean on_air(gpointer user_data)
{
	struct pace *p = user_data;
	GBytes *b;
	gsize len;
	const uint8_t *pdu;

	p->air_id = 0;
	if (p->sent_this_event >= p->params.per_event ||
	    p->sent_this_event >= p->sendable || g_queue_is_empty(&p->out)) {
		schedule_event(p);
		return G_SOURCE_REMOVE;
	}
	b = g_queue_pop_head(&p->out);
	pdu = g_bytes_get_data(b, &len);
	p->sent_this_event++;
	p->open_until_us =
		g_get_monotonic_time() + pace_air_time_us(len) + OPEN_SLACK_US;
	p->ops->send(pdu, len, p->user_data);
	/* At least 1 ms apart: the loop's timers have no finer grain. */
	p->air_id = g_timeout_add(MAX(1u, (pace_air_time_us(len) + 999) / 1000),
				  on_air, p);
	g_bytes_unref(b);
	check_congestion(p);
	return G_SOURCE_REMOVE;
}

static gboolean on_event(gpointer user_data)
{
	struct pace *p = user_data;
	unsigned int n = 0;

	p->event_id = 0;
	p->sendable = p->out.length;
	p->delivered_this_event = 0;
	p->open_until_us = g_get_monotonic_time() + OPEN_SLACK_US;
	/* The central speaks first in an event. */
	while (!g_queue_is_empty(&p->in) && n++ < p->params.per_event)
		deliver(p, g_queue_pop_head(&p->in));
	p->sent_this_event = 0;
	if (!p->air_id)
		on_air(p);
	return G_SOURCE_REMOVE;
}

/* The next connection event, if anything waits for one. */
static void schedule_event(struct pace *p)
{
	gint64 interval = (gint64)p->params.interval_ms * 1000;
	gint64 now, next;

	if (p->event_id || p->air_id ||
	    (g_queue_is_empty(&p->in) && g_queue_is_empty(&p->out)))
		return;
	now = g_get_monotonic_time();
	next = p->anchor_us + ((now - p->anchor_us) / interval + 1) * interval;
	/* A timer may fire a little before its event was due: never the
	 * same event twice. */
	if (next <= p->event_us)
		next = p->event_us + interval;
	p->event_us = next;
	p->event_id =
		g_timeout_add((guint)((next - now + 999) / 1000), on_event, p);
}

struct pace *pace_new(const struct pace_params *params,
		      const struct pace_ops *ops, void *user_data)
{
	struct pace *p = g_new0(struct pace, 1);

	p->params = *params;
	if (!p->params.interval_ms)
		p->params.interval_ms = 1;
	if (!p->params.per_event)
		p->params.per_event = 1;
	p->ops = ops;
	p->user_data = user_data;
	p->anchor_us = g_get_monotonic_time();
	p->event_us = p->anchor_us;
	g_queue_init(&p->in);
	g_queue_init(&p->out);
	return p;
}

void pace_free(struct pace *p)
{
	if (!p)
		return;
	g_clear_handle_id(&p->event_id, g_source_remove);
	g_clear_handle_id(&p->air_id, g_source_remove);
	g_queue_clear_full(&p->in, (GDestroyNotify)g_bytes_unref);
	g_queue_clear_full(&p->out, (GDestroyNotify)g_bytes_unref);
	g_free(p);
}

bool pace_out_empty(const struct pace *p)
{
	return p->out.length == 0;
}

void pace_from_central(struct pace *p, const uint8_t *pdu, size_t len)
{
	GBytes *b = g_bytes_new(pdu, len);

	/* Answered while the event is open: it goes in this event.  What
	 * the band answers to it goes at the next. */
	if (g_queue_is_empty(&p->in) &&
	    g_get_monotonic_time() < p->open_until_us &&
	    p->delivered_this_event < p->params.per_event) {
		deliver(p, b);
		schedule_event(p);
		return;
	}
	g_queue_push_tail(&p->in, b);
	schedule_event(p);
}

void pace_to_central(struct pace *p, const uint8_t *pdu, size_t len)
{
	g_queue_push_tail(&p->out, g_bytes_new(pdu, len));
	check_congestion(p);
	schedule_event(p);
}
