// SPDX-License-Identifier: GPL-2.0-or-later
#include "fleet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "app/app.h"
#include "app/bandsetup.h"
#include "core/util.h"
#include "runner.h"
#include "state/inputs.h"
#include "state/state.h"

/* One band: what `bandsim` main.c holds for its one band. */
struct member {
	unsigned int id;
	char *dir, *socket, *path, *tag;
	struct fleet_band_opts opts;
	struct state *state;
	struct bandtime *time;
	struct mb_band *band;
	struct app *app; /* NULL while killed */
};

struct fleet {
	const struct bandsim_options *opt;
	struct mb_profile *profile;
	GDBusConnection *conn;
	GPtrArray *members; /* of struct member, by id */
	unsigned int next_id;
	void (*changed)(void *user_data);
	void *changed_data;
};

static void notify(struct fleet *f)
{
	if (f->changed)
		f->changed(f->changed_data);
}

/* A few thousand bands need a few thousand fds (a listening socket and
 * flash.img each): the soft limit goes up to the hard one. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		g_warning("fleet: cannot raise the open-file limit: %s",
			  strerror(errno));
}

struct fleet *fleet_new(const struct bandsim_options *opt,
			GDBusConnection *conn, char **err)
{
	struct fleet *f;
	struct mb_profile *profile;

	if (g_mkdir_with_parents(opt->fleet_dir, 0700)) {
		mb_set_error(err, "--dir %s: %s", opt->fleet_dir,
			     strerror(errno));
		return NULL;
	}
	profile = state_profile_load(opt->profile, err);
	if (!profile)
		return NULL;
	raise_fd_limit();
	f = g_new0(struct fleet, 1);
	f->opt = opt;
	f->profile = profile;
	f->conn = conn ? g_object_ref(conn) : NULL;
	f->members = g_ptr_array_new();
	f->next_id = 1;
	return f;
}

static struct member *member_new(struct fleet *f, unsigned int id,
				 const struct fleet_band_opts *opts)
{
	struct member *m = g_new0(struct member, 1);

	m->id = id;
	if (opts)
		m->opts = *opts;
	m->dir = g_strdup_printf("%s/band-%u", f->opt->fleet_dir, id);
	m->socket = g_strdup_printf("%s/band-%u.sock", f->opt->fleet_dir, id);
	m->path = g_strdup_printf(FLEET_BAND_PATH_PREFIX "%u", id);
	m->tag = g_strdup_printf("band/%u", id);
	return m;
}

/* Everything of a started band but its numbers and names. */
static void member_stop(struct member *m, bool killed)
{
	if (killed)
		app_kill(m->app);
	else
		app_free(m->app);
	m->app = NULL;
	mb_band_free(m->band);
	m->band = NULL;
	bandtime_free(m->time);
	m->time = NULL;
	state_free(m->state);
	m->state = NULL;
}

static void member_free(struct member *m)
{
	if (m->app)
		member_stop(m, false);
	g_free(m->dir);
	g_free(m->socket);
	g_free(m->path);
	g_free(m->tag);
	g_free(m);
}

/* What `bandsim` does at start (main.c), for band m, with the options
 * of the fleet but its own directory, socket and wearer. */
static bool member_start(struct fleet *f, struct member *m, char **err)
{
	struct bandsim_options bopt = *f->opt;
	GError *error = NULL;

	bopt.state_dir = m->dir;
	bopt.socket = m->socket;
	bopt.life_seed = m->opts.life_seed_set ? m->opts.life_seed
					       : f->opt->life_seed + m->id - 1;
	if (m->opts.key_set) {
		bopt.bind_key = m->opts.bind_key;
		memcpy(bopt.key, m->opts.key, sizeof(bopt.key));
	}
	bopt.transport = BANDSIM_TRANSPORT_SOCK;
	m->state = state_new(m->dir, err);
	if (!m->state)
		goto fail;
	m->time = bandtime_new(m->state, &bopt);
	m->band = app_band_new(&bopt, f->profile, m->state, m->time, err);
	if (!m->band)
		goto fail;
	m->app = app_new(m->band, m->time);
	if (!app_band_attach_flash(m->band, m->state, m->time, err))
		goto fail;
	app_start_runner(m->app, f->opt->ready_fd, m->tag);
	if (f->conn && !app_start_control_at(m->app, f->conn, m->path, &error))
		goto fail_gerror;
	if (!app_start_transport(m->app, &bopt, &error))
		goto fail_gerror;
	app_ready(m->app, &bopt);
	return true;
fail_gerror:
	mb_set_error(err, "%s", error->message);
	g_error_free(error);
fail:
	/* Say which band: the rest of the message is the band's own. */
	{
		char *e = *err;

		*err = mb_strdup_printf("band %u: %s", m->id, e);
		free(e);
	}
	member_stop(m, false);
	return false;
}

static struct member *find(const struct fleet *f, unsigned int id,
			   size_t *index, char **err)
{
	size_t lo = 0, hi = f->members->len;

	/* Numbers only grow as bands are added: the array is sorted. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct member *m = g_ptr_array_index(f->members, mid);

		if (m->id == id) {
			if (index)
				*index = mid;
			return m;
		}
		if (m->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	mb_set_error(err, "no band %u in the fleet", id);
	return NULL;
}

bool fleet_add(struct fleet *f, unsigned int *id, char **err)
{
	return fleet_add_with(f, NULL, id, err);
}

bool fleet_add_with(struct fleet *f, const struct fleet_band_opts *opts,
		    unsigned int *id, char **err)
{
	struct member *m = member_new(f, f->next_id, opts);

	if (!member_start(f, m, err)) {
		member_free(m);
		return false;
	}
	f->next_id++;
	g_ptr_array_add(f->members, m);
	if (id)
		*id = m->id;
	notify(f);
	return true;
}

bool fleet_start(struct fleet *f, char **err)
{
	for (guint i = 0; i < f->opt->count; i++)
		if (!fleet_add(f, NULL, err))
			return false;
	return true;
}

bool fleet_remove(struct fleet *f, unsigned int id, char **err)
{
	size_t index;
	struct member *m = find(f, id, &index, err);

	if (!m)
		return false;
	g_ptr_array_remove_index(f->members, index);
	member_free(m);
	notify(f);
	return true;
}

bool fleet_kill(struct fleet *f, unsigned int id, char **err)
{
	struct member *m = find(f, id, NULL, err);

	if (!m)
		return false;
	if (!m->app) {
		mb_set_error(err, "band %u is not running", id);
		return false;
	}
	member_stop(m, true);
	notify(f);
	return true;
}

bool fleet_restart(struct fleet *f, unsigned int id, char **err)
{
	struct member *m = find(f, id, NULL, err);

	if (!m)
		return false;
	if (m->app) {
		mb_set_error(err, "band %u is running", id);
		return false;
	}
	if (!member_start(f, m, err))
		return false;
	notify(f);
	return true;
}

bool fleet_advance(struct fleet *f, uint64_t ms, char **err)
{
	for (guint i = 0; i < f->members->len; i++) {
		struct member *m = g_ptr_array_index(f->members, i);
		char *why = NULL;

		if (!m->app || app_advance(m->app, ms, &why))
			continue;
		/* Each band keeps its own time: those before it moved on. */
		mb_set_error(err, "band %u: %s", m->id, why);
		free(why);
		return false;
	}
	return true;
}

size_t fleet_n_bands(const struct fleet *f)
{
	return f->members->len;
}

void fleet_band(const struct fleet *f, size_t i, struct fleet_band_info *out)
{
	const struct member *m = g_ptr_array_index(f->members, i);

	*out = (struct fleet_band_info){
		.id = m->id,
		.path = m->path,
		.socket = m->socket,
		.running = m->app != NULL,
	};
}

void fleet_set_changed_handler(struct fleet *f, void (*fn)(void *user_data),
			       void *user_data)
{
	f->changed = fn;
	f->changed_data = user_data;
}

void fleet_free(struct fleet *f)
{
	if (!f)
		return;
	f->changed = NULL;
	for (guint i = 0; i < f->members->len; i++)
		member_free(g_ptr_array_index(f->members, i));
	g_ptr_array_free(f->members, TRUE);
	if (f->conn)
		g_object_unref(f->conn);
	mb_profile_free(f->profile);
	g_free(f);
}
