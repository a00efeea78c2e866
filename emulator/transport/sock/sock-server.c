// SPDX-License-Identifier: GPL-2.0-or-later
#include "transport/transport.h"
#include "power.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* A PDU never exceeds the largest ATT_MTU; anything longer is read cut to
 * this and then refused by the ATT server as over the MTU. */
#define RX_MAX 1024
/* While anything is queued the band is told the link is congested and
 * holds bulk transfers back, as BLE flow control would.  What still comes
 * (replies, a notification a minute) is bounded; a central that stops
 * reading for good is dropped past this many queued PDUs. */
#define TX_QUEUE_MAX 4096

struct sock_server {
	struct transport base;
	struct mb_band *band;
	char *path;
	const struct transport_callbacks *cb;
	void *user_data;
	int listen_fd;
	guint listen_id;
	int link_fd;
	guint link_id;
	guint link_out_id;
	GQueue tx; /* GBytes waiting for room in the socket */
	bool drop_requested;
	guint drop_id;
};

static void status(struct sock_server *s, const char *what)
{
	transport_status(s->cb, s->user_data, what);
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer user_data);

/* Refuses to take over a socket another band is still serving, and never
 * removes something that is not a socket. */
static bool clear_stale_socket(const char *path, GError **error)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ||
		       (g_set_error(error, G_IO_ERROR,
				    g_io_error_from_errno(errno), "%s: %s",
				    path, g_strerror(errno)),
			false);
	if (!S_ISSOCK(st.st_mode)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
			    "%s exists and is not a socket", path);
		return false;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true;
	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	r = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	close(fd);
	if (r == 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
			    "%s: another band is serving this socket", path);
		return false;
	}
	unlink(path);
	return true;
}

static bool start_listening(struct sock_server *s, GError **error)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(s->path) >= sizeof(addr.sun_path)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
			    "%s: socket path longer than %zu bytes", s->path,
			    sizeof(addr.sun_path) - 1);
		return false;
	}
	g_strlcpy(addr.sun_path, s->path, sizeof(addr.sun_path));
	unlink(s->path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 1) < 0) {
		int e = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
			    "%s: %s", s->path, g_strerror(e));
		if (fd >= 0)
			close(fd);
		return false;
	}
	s->listen_fd = fd;
	s->listen_id = g_unix_fd_add(fd, G_IO_IN, on_accept, s);
	status(s, "ADVERTISING=1");
	return true;
}

static void stop_listening(struct sock_server *s)
{
	g_clear_handle_id(&s->listen_id, g_source_remove);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->listen_fd = -1;
}

/* The band's side of the link and the socket's, with what was still
 * queued for the central. */
static void close_link(struct sock_server *s)
{
	mb_band_disconnect(s->band);
	g_clear_handle_id(&s->link_id, g_source_remove);
	g_clear_handle_id(&s->link_out_id, g_source_remove);
	g_clear_handle_id(&s->drop_id, g_source_remove);
	g_queue_clear_full(&s->tx, (GDestroyNotify)g_bytes_unref);
	close(s->link_fd);
	s->link_fd = -1;
	s->drop_requested = false;
}

/* Advertising again after a link or a power cut; a band that is off or
 * booting does not advertise. */
static void listen_again(struct sock_server *s)
{
	GError *error = NULL;

	if (mb_power_state(mb_band_power(s->band)) != MB_POWER_STATE_ON)
		return;
	if (!start_listening(s, &error)) {
		g_warning("cannot listen again: %s", error->message);
		g_error_free(error);
	}
}

static void link_down(struct sock_server *s)
{
	if (s->link_fd < 0)
		return;
	close_link(s);
	g_info("central disconnected");
	status(s, "DISCONNECTED=1");
	listen_again(s);
}

static gboolean on_link_out(gint fd, GIOCondition cond, gpointer user_data)
{
	struct sock_server *s = user_data;
	GBytes *b;

	while ((b = g_queue_peek_head(&s->tx))) {
		gsize len;
		const void *p = g_bytes_get_data(b, &len);

		if (send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return G_SOURCE_CONTINUE;
			break; /* the reader notices the hang-up */
		}
		g_bytes_unref(g_queue_pop_head(&s->tx));
	}
	s->link_out_id = 0;
	if (g_queue_is_empty(&s->tx)) {
		/* A hang-up waited for the last reply to leave. */
		if (s->drop_requested) {
			shutdown(fd, SHUT_RDWR);
			return G_SOURCE_REMOVE;
		}
		mb_link_set_congested(mb_band_link(s->band), false);
		transport_activity(s->cb, s->user_data);
	}
	return G_SOURCE_REMOVE;
}

static void link_send(const uint8_t *pdu, size_t len, void *user_data)
{
	struct sock_server *s = user_data;

	if (s->link_fd < 0)
		return;
	if (g_queue_is_empty(&s->tx) &&
	    send(s->link_fd, pdu, len, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
		return;
	if (!g_queue_is_empty(&s->tx) || errno == EAGAIN ||
	    errno == EWOULDBLOCK) {
		if (s->tx.length >= TX_QUEUE_MAX) {
			g_warning("central is not reading; dropping the link");
			shutdown(s->link_fd, SHUT_RDWR);
			return;
		}
		g_queue_push_tail(&s->tx, g_bytes_new(pdu, len));
		mb_link_set_congested(mb_band_link(s->band), true);
		if (!s->link_out_id)
			s->link_out_id = g_unix_fd_add(s->link_fd, G_IO_OUT,
						       on_link_out, s);
	}
}

static void on_drop(gpointer user_data)
{
	struct sock_server *s = user_data;

	s->drop_id = 0;
	/* Queued replies go first; on_link_out shuts down after them. */
	if (s->link_fd >= 0 && g_queue_is_empty(&s->tx))
		shutdown(s->link_fd, SHUT_RDWR);
}

/* The band hangs up.  Not at once: the PDU being handled still gets its
 * response (a band answers 10 05 01, then drops the link), so the socket
 * is shut down from the loop once what was sent has left; the reader then
 * sees the hang-up and tears the link down, never from inside the band. */
static void link_disconnect(void *user_data)
{
	struct sock_server *s = user_data;

	if (s->link_fd >= 0 && !s->drop_requested) {
		s->drop_requested = true;
		s->drop_id = g_idle_add_once(on_drop, s);
	}
}

static const struct mb_link_ops link_ops = {
	.send = link_send,
	.disconnect = link_disconnect,
};

static gboolean on_link_in(gint fd, GIOCondition cond, gpointer user_data)
{
	struct sock_server *s = user_data;
	uint8_t buf[RX_MAX];
	ssize_t n;

	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	/* On a SEQPACKET socket 0 is the peer's close, as is any error. */
	if (n <= 0 || s->drop_requested) {
		s->link_id = 0;
		link_down(s);
		return G_SOURCE_REMOVE;
	}
	mb_link_receive(mb_band_link(s->band), buf,
			(size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf));
	transport_activity(s->cb, s->user_data);
	return G_SOURCE_CONTINUE;
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer user_data)
{
	struct sock_server *s = user_data;
	int link = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (link < 0)
		return G_SOURCE_CONTINUE;
	if (!mb_band_connect(s->band, &link_ops, s)) {
		close(link);
		return G_SOURCE_CONTINUE;
	}
	s->link_fd = link;
	s->link_id = g_unix_fd_add(link, G_IO_IN | G_IO_HUP | G_IO_ERR,
				   on_link_in, s);
	/* Connected: the band stops advertising.  Returning REMOVE drops
	 * this source; stop_listening must not remove it a second time. */
	s->listen_id = 0;
	stop_listening(s);
	g_info("central connected");
	status(s, "CONNECTED=1");
	return G_SOURCE_REMOVE;
}

static void power_changed(struct sock_server *s)
{
	if (mb_power_state(mb_band_power(s->band)) != MB_POWER_STATE_ON) {
		/* The link (if any) is being dropped by the band. */
		stop_listening(s);
		return;
	}
	if (s->listen_fd < 0 && s->link_fd < 0)
		listen_again(s);
}

static void band_event(struct transport *t, const struct mb_event *ev)
{
	/* A band that is off does not advertise: the socket follows. */
	if (ev->id == MB_EVENT_POWER_OFF || ev->id == MB_EVENT_POWER_ON)
		power_changed((struct sock_server *)t);
}

static void sock_server_free(struct transport *t)
{
	struct sock_server *s = (struct sock_server *)t;

	if (s->link_fd >= 0)
		close_link(s);
	stop_listening(s);
	unlink(s->path);
	g_free(s->path);
	g_free(s);
}

struct transport *sock_server_new(struct mb_band *band, const char *path,
				  const struct transport_callbacks *cb,
				  void *user_data, GError **error)
{
	struct sock_server *s = g_new0(struct sock_server, 1);

	*s = (struct sock_server){ .base = { band_event, sock_server_free },
				   .band = band,
				   .path = g_strdup(path),
				   .cb = cb,
				   .user_data = user_data,
				   .listen_fd = -1,
				   .link_fd = -1,
				   .tx = G_QUEUE_INIT };
	if (clear_stale_socket(path, error) && start_listening(s, error))
		return &s->base;
	g_free(s->path);
	g_free(s);
	return NULL;
}
