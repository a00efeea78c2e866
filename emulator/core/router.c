// SPDX-License-Identifier: GPL-2.0-or-later
#include "router.h"

#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "fault.h"

struct route {
	const struct mb_chr_route *r;
	void *part;
};

struct mb_router {
	const struct mb_gatt *gatt;
	const struct mb_policy *policy;
	const struct mb_auth *auth;
	struct mb_faults *faults;
	struct route *routes; /* per characteristic index */
	mb_router_ccc_func_t ccc_observer;
	void *ccc_data;
};

struct mb_router *mb_router_new(const struct mb_gatt *gatt,
				const struct mb_policy *policy,
				const struct mb_auth *auth,
				struct mb_faults *faults)
{
	return MB_NEW(struct mb_router, .gatt = gatt, .policy = policy,
		      .auth = auth, .faults = faults,
		      .routes = mb_malloc0(mb_gatt_n_chrs(gatt) *
					   sizeof(struct route)));
}

void mb_router_free(struct mb_router *router)
{
	if (!router)
		return;
	free(router->routes);
	free(router);
}

void mb_router_add(struct mb_router *router, const struct mb_chr_route *routes,
		   size_t n, void *part)
{
	for (size_t i = 0; i < n; i++) {
		const struct mb_gatt_chr *chr =
			mb_chr_resolve(router->gatt, routes[i].chr);

		if (chr)
			router->routes[chr->index] =
				(struct route){ &routes[i], part };
	}
}

static uint8_t check_auth(const struct mb_router *router,
			  const struct mb_gatt_chr *chr)
{
	if (!chr->def->auth || mb_auth_authenticated(router->auth))
		return 0;
	return router->policy->unauthorized_att_error;
}

static uint8_t route_read(const struct mb_gatt_chr *chr, uint8_t *buf,
			  size_t *len, void *user_data)
{
	const struct mb_router *router = user_data;
	const struct route *route = &router->routes[chr->index];
	uint8_t ecode = check_auth(router, chr);

	if (ecode)
		return ecode;
	if (route->r && route->r->read)
		return route->r->read(route->part, buf, len);
	memcpy(buf, chr->def->value, chr->def->value_len);
	*len = chr->def->value_len;
	return 0;
}

static uint8_t route_write(const struct mb_gatt_chr *chr, const uint8_t *value,
			   size_t len, bool command, void *user_data)
{
	const struct mb_router *router = user_data;
	const struct route *route = &router->routes[chr->index];
	uint8_t ecode = check_auth(router, chr);

	if (ecode)
		return ecode;
	if (mb_faults_write(router->faults, chr, value, len))
		return 0;
	if (route->r && route->r->write)
		return route->r->write(route->part, value, len, command);
	/* What the fact sheet does not know, the band accepts and keeps its
	 * read value (docs/policies.md). */
	return 0;
}

/* A long write is checked as its Write Request would be, when it is
 * prepared and again before it is written. */
static uint8_t route_prepare(const struct mb_gatt_chr *chr, void *user_data)
{
	return check_auth(user_data, chr);
}

static uint8_t route_ccc_write(const struct mb_gatt_chr *chr, uint16_t value,
			       void *user_data)
{
	/* Disabling is always allowed: it reveals nothing. */
	return value ? check_auth(user_data, chr) : 0;
}

static void route_ccc_changed(const struct mb_gatt_chr *chr, uint16_t value,
			      void *user_data)
{
	const struct mb_router *router = user_data;

	if (router->ccc_observer)
		router->ccc_observer(chr, value, router->ccc_data);
}

void mb_router_set_ccc_observer(struct mb_router *router,
				mb_router_ccc_func_t fn, void *user_data)
{
	router->ccc_observer = fn;
	router->ccc_data = user_data;
}

const struct mb_att_ops mb_router_att_ops = {
	.read = route_read,
	.write = route_write,
	.ccc_write = route_ccc_write,
	.ccc_changed = route_ccc_changed,
	.prepare = route_prepare,
};
