// SPDX-License-Identifier: GPL-2.0-or-later
#include "transport/seqlink.h"
#include "transport/pace.h"

#include <errno.h>
#include <glib-unix.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* A PDU never exceeds the largest ATT_MTU; anything longer is read cut to
 * this and then refused by the ATT server as over the MTU. */
#define RX_MAX 1024
/* While anything is queued the band is told the link is congested and
 * holds bulk transfers back, as BLE flow control would.  What still comes
 * (replies, a notification a minute) is bounded; a central that stops
 * reading for good is dropped past this many queued PDUs. */
#define TX_QUEUE_MAX 4096
/* How often, and how long at most, a hang-up waits for the socket's send
 * queue to leave the host (seqlink_set_drain). */
#define DRAIN_POLL_MS 5
#define DRAIN_MAX_US (1000 * 1000)

struct seqlink {
	struct mb_band *band;
	int fd;
	const struct transport_callbacks *cb;
	void *cb_data;
	void (*down)(void *user_data);
	void *user_data;
	guint in_id;
	guint out_id;
	guint drop_id;
	GQueue tx; /* GBytes waiting for room in the socket */
	bool drop_requested;
	seqlink_intercept_func_t intercept;
	void *intercept_data;
	struct pace *pace; /* --pace real; NULL: as fast as the socket */
	int error;  /* what ended the link, as the socket said it; 0: a close */
	bool drain; /* a hang-up waits for the send queue to leave */
	gint64 drain_until; /* monotonic µs: then it shuts down anyway */
	guint drain_id;
};

/* Nothing the band sent is still charged to the socket: the kernel has
 * handed all of it to the controller.  A socket that cannot say counts
 * as drained. */
static bool sent_all(int fd)
{
	int unsent_room = 0, size = 0;
	socklen_t len = sizeof(size);

	if (ioctl(fd, TIOCOUTQ, &unsent_room) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &len) < 0)
		return true;
	/* TIOCOUTQ is the room left: the buffer less what it holds. */
	return unsent_room >= size;
}

static gboolean on_drained(gpointer user_data);

/* The band's hang-up, once what it sent has left (seqlink_set_drain). */
static void shut_down(struct seqlink *l)
{
	if (l->drain && !sent_all(l->fd) &&
	    g_get_monotonic_time() < l->drain_until) {
		if (!l->drain_id)
			l->drain_id =
				g_timeout_add(DRAIN_POLL_MS, on_drained, l);
		return;
	}
	shutdown(l->fd, SHUT_RDWR);
}

static gboolean on_drained(gpointer user_data)
{
	struct seqlink *l = user_data;

	l->drain_id = 0;
	shut_down(l);
	return G_SOURCE_REMOVE;
}

static gboolean on_out(gint fd, GIOCondition cond, gpointer user_data)
{
	struct seqlink *l = user_data;
	GBytes *b;

	while ((b = g_queue_peek_head(&l->tx))) {
		gsize len;
		const void *p = g_bytes_get_data(b, &len);

		if (send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return G_SOURCE_CONTINUE;
			/* The socket's error is read once: keep it for
			 * the owner.  The reader notices the hang-up. */
			l->error = errno;
			break;
		}
		g_bytes_unref(g_queue_pop_head(&l->tx));
	}
	l->out_id = 0;
	if (g_queue_is_empty(&l->tx)) {
		/* A hang-up waited for the last reply to leave. */
		if (l->drop_requested) {
			shut_down(l);
			return G_SOURCE_REMOVE;
		}
		mb_link_set_congested(mb_band_link(l->band), false);
		transport_activity(l->cb, l->cb_data);
	}
	return G_SOURCE_REMOVE;
}

static void socket_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct seqlink *l = user_data;

	if (g_queue_is_empty(&l->tx) &&
	    send(l->fd, pdu, len, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
		return;
	if (!g_queue_is_empty(&l->tx) || errno == EAGAIN ||
	    errno == EWOULDBLOCK) {
		if (l->tx.length >= TX_QUEUE_MAX) {
			g_warning("central is not reading; dropping the link");
			shutdown(l->fd, SHUT_RDWR);
			return;
		}
		g_queue_push_tail(&l->tx, g_bytes_new(pdu, len));
		mb_link_set_congested(mb_band_link(l->band), true);
		if (!l->out_id)
			l->out_id = g_unix_fd_add(l->fd, G_IO_OUT, on_out, l);
		return;
	}
	/* The link has ended.  The socket gives its error to one call
	 * only, and this send took it: keep it for the owner, as on_out
	 * does.  The reader notices the hang-up. */
	if (!l->error)
		l->error = errno;
}

static void link_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct seqlink *l = user_data;

	if (l->pace)
		pace_to_central(l->pace, pdu, len);
	else
		socket_send(pdu, len, l);
}

static gboolean on_drop(gpointer user_data)
{
	struct seqlink *l = user_data;

	/* A paced link's last replies are still waiting for their
	 * connection events: they go out first. */
	if (l->pace && !pace_out_empty(l->pace))
		return G_SOURCE_CONTINUE;
	l->drop_id = 0;
	/* Queued replies go first; on_out shuts down after them. */
	if (g_queue_is_empty(&l->tx))
		shut_down(l);
	return G_SOURCE_REMOVE;
}

/* The band hangs up.  Not at once: the PDU being handled still gets its
 * response (a band answers 10 05 01, then drops the link), so the socket
 * is shut down from the loop once what was sent has left; the reader then
 * sees the hang-up and the owner tears the link down, never from inside
 * the band. */
static void link_disconnect(void *user_data)
{
	struct seqlink *l = user_data;

	if (!l->drop_requested) {
		l->drop_requested = true;
		l->drain_until = g_get_monotonic_time() + DRAIN_MAX_US;
		l->drop_id = l->pace ? g_timeout_add(5, on_drop, l)
				     : g_idle_add(on_drop, l);
	}
}

static const struct mb_link_ops link_ops = {
	.send = link_send,
	.disconnect = link_disconnect,
};

static gboolean on_in(gint fd, GIOCondition cond, gpointer user_data)
{
	struct seqlink *l = user_data;
	uint8_t buf[RX_MAX];
	ssize_t n;
	size_t len;

	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && errno == EINTR)
		return G_SOURCE_CONTINUE;
	/* Nothing to read is a spurious wakeup, unless the socket hung up.
	 * The kernel closes an L2CAP socket whose link ended without
	 * shutting it down, so once a send has taken its error the socket
	 * reads EAGAIN for good while poll reports the hang-up: without
	 * this the band spun here and never saw the link go (over the air,
	 * a central cut the link while the band was streaming). */
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		if (!(cond & (G_IO_HUP | G_IO_ERR)))
			return G_SOURCE_CONTINUE;
		n = 0;
	}
	/* A draining hang-up leaves the socket open a while: what comes
	 * meanwhile is dropped, as by a band that has gone. */
	if (n > 0 && l->drop_requested && l->drain)
		return G_SOURCE_CONTINUE;
	/* On a SEQPACKET socket 0 is the peer's close, as is any error.
	 * The owner frees the link in down(): nothing of it is touched
	 * after that. */
	if (n <= 0 || l->drop_requested) {
		if (n < 0 && !l->error)
			l->error = errno;
		l->in_id = 0;
		l->down(l->user_data);
		return G_SOURCE_REMOVE;
	}
	len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf);
	if (l->intercept && l->intercept(l, buf, len, l->intercept_data)) {
		transport_activity(l->cb, l->cb_data);
		return G_SOURCE_CONTINUE;
	}
	/* Paced: the band gets it at the link's next connection event. */
	if (l->pace) {
		pace_from_central(l->pace, buf, len);
		return G_SOURCE_CONTINUE;
	}
	mb_link_receive(mb_band_link(l->band), buf, len);
	transport_activity(l->cb, l->cb_data);
	return G_SOURCE_CONTINUE;
}

struct seqlink *seqlink_new(struct mb_band *band, int fd,
			    const struct transport_callbacks *cb, void *cb_data,
			    void (*down)(void *user_data), void *user_data)
{
	struct seqlink *l = g_new0(struct seqlink, 1);

	*l = (struct seqlink){ .band = band,
			       .fd = fd,
			       .cb = cb,
			       .cb_data = cb_data,
			       .down = down,
			       .user_data = user_data,
			       .tx = G_QUEUE_INIT };
	if (!mb_band_connect(band, &link_ops, l)) {
		close(fd);
		g_free(l);
		return NULL;
	}
	l->in_id = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_in, l);
	return l;
}

void seqlink_free(struct seqlink *l)
{
	if (!l)
		return;
	mb_band_disconnect(l->band);
	pace_free(l->pace);
	g_clear_handle_id(&l->in_id, g_source_remove);
	g_clear_handle_id(&l->out_id, g_source_remove);
	g_clear_handle_id(&l->drop_id, g_source_remove);
	g_clear_handle_id(&l->drain_id, g_source_remove);
	g_queue_clear_full(&l->tx, (GDestroyNotify)g_bytes_unref);
	close(l->fd);
	g_free(l);
}

static void paced_deliver(const uint8_t *pdu, size_t len, void *user_data)
{
	struct seqlink *l = user_data;

	/* A band that hung up handles nothing more, as on_in drops what
	 * comes after the hang-up: a PDU that waited in the same connection
	 * event as the one the band hung up on (a read right after 06 0B 00
	 * 01, MB4/SAFE/BV-02 at --pace real) got an answer. */
	if (l->drop_requested)
		return;
	mb_link_receive(mb_band_link(l->band), pdu, len);
	transport_activity(l->cb, l->cb_data);
}

static void paced_congested(bool congested, void *user_data)
{
	struct seqlink *l = user_data;

	mb_link_set_congested(mb_band_link(l->band), congested);
	if (!congested)
		transport_activity(l->cb, l->cb_data);
}

static const struct pace_ops pace_ops = {
	.deliver = paced_deliver,
	.send = socket_send,
	.congested = paced_congested,
};

void seqlink_set_pace(struct seqlink *l, const struct pace_params *params)
{
	pace_free(l->pace);
	l->pace = params ? pace_new(params, &pace_ops, l) : NULL;
}

void seqlink_set_intercept(struct seqlink *l, seqlink_intercept_func_t fn,
			   void *user_data)
{
	l->intercept = fn;
	l->intercept_data = user_data;
}

void seqlink_set_drain(struct seqlink *l, bool drain)
{
	l->drain = drain;
}

void seqlink_send(struct seqlink *l, const uint8_t *packet, size_t len)
{
	link_send(packet, len, l);
}

int seqlink_error(const struct seqlink *l)
{
	return l->error;
}

int seqlink_fd(const struct seqlink *l)
{
	return l->fd;
}
