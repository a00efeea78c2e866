// SPDX-License-Identifier: GPL-2.0-or-later
#include "transport/transport.h"
#include "power.h"
#include "transport/pace.h"
#include "transport/seqlink.h"
#include "transport/sock/sock-security.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct sock_server {
	struct transport base;
	struct mb_band *band;
	char *path;
	const struct transport_callbacks *cb;
	void *user_data;
	int listen_fd;
	guint listen_id;
	struct seqlink *link;
	bool paced;
	struct pace_params pace; /* when paced */
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

static void link_down(void *user_data)
{
	struct sock_server *s = user_data;

	g_clear_pointer(&s->link, seqlink_free);
	g_info("central disconnected");
	status(s, "DISCONNECTED=1");
	listen_again(s);
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer user_data)
{
	struct sock_server *s = user_data;
	int link = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (link < 0)
		return G_SOURCE_CONTINUE;
	s->link = seqlink_new(s->band, link, s->cb, s->user_data, link_down, s);
	if (!s->link)
		return G_SOURCE_CONTINUE;
	seqlink_set_intercept(s->link, sock_security_packet, s->band);
	if (s->paced)
		seqlink_set_pace(s->link, &s->pace);
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
	if (s->listen_fd < 0 && !s->link)
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

	seqlink_free(s->link);
	stop_listening(s);
	unlink(s->path);
	g_free(s->path);
	g_free(s);
}

struct transport *sock_server_new(struct mb_band *band, const char *path,
				  const struct pace_params *pace,
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
				   .paced = pace != NULL };
	if (pace)
		s->pace = *pace;
	if (clear_stale_socket(path, error) && start_listening(s, error))
		return &s->base;
	g_free(s->path);
	g_free(s);
	return NULL;
}
