// SPDX-License-Identifier: GPL-2.0-or-later
#include "gatt.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct mb_gatt {
	struct mb_attr *attrs;
	size_t n_attrs;
	size_t n_chrs;
	struct mb_gatt_chr chrs[]; /* the profile's, in its order */
};

static struct mb_attr *add_attr(struct mb_gatt *g, size_t *cap, uint16_t handle,
				enum mb_attr_kind kind)
{
	struct mb_attr *a;

	if (g->n_attrs == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		g->attrs = mb_realloc_n(g->attrs, *cap, sizeof(*g->attrs));
	}
	a = &g->attrs[g->n_attrs++];
	*a = (struct mb_attr){ .handle = handle, .kind = kind };
	return a;
}

static size_t count_chrs(const struct mb_profile *p)
{
	size_t n = 0;

	for (size_t i = 0; i < mb_profile_n_services(p); i++)
		n += mb_profile_service(p, i)->n_chrs;
	return n;
}

void mb_gatt_free(struct mb_gatt *g)
{
	if (!g)
		return;
	free(g->attrs);
	free(g);
}

/* Handles are given out in profile order; a hint moves the next handle
 * forward (gaps are legal in ATT), never backward. */
struct mb_gatt *mb_gatt_new(const struct mb_profile *p, char **err)
{
	size_t n_chrs = count_chrs(p);
	struct mb_gatt *g =
		mb_malloc0(sizeof(*g) + n_chrs * sizeof(g->chrs[0]));
	size_t cap = 0, ci = 0;
	unsigned long next = 1;

	g->n_chrs = n_chrs;
	for (size_t si = 0; si < mb_profile_n_services(p); si++) {
		const struct mb_profile_svc *s = mb_profile_service(p, si);
		struct mb_attr *sa;
		size_t svc_index;

		if (s->handle) {
			if (s->handle < next) {
				mb_set_error(
					err,
					"%s:%u: [service %s] handle: 0x%04x is already taken (next free is 0x%04lx)",
					mb_profile_filename(p), s->handle_line,
					s->name, s->handle, next);
				goto fail;
			}
			next = s->handle;
		}
		if (next > 0xffff)
			goto full;
		sa = add_attr(g, &cap, (uint16_t)next++, MB_ATTR_KIND_SERVICE);
		svc_index = g->n_attrs - 1;
		mb_uuid_from16(MB_GATT_PRIMARY_SERVICE, &sa->type);
		sa->decl_len = mb_uuid_to_wire(&s->uuid, sa->decl);
		for (size_t k = 0; k < s->n_chrs; k++) {
			const struct mb_profile_chr *c = &s->chrs[k];
			struct mb_gatt_chr *gc = &g->chrs[ci];
			struct mb_attr *a;

			*gc = (struct mb_gatt_chr){ .index = ci++,
						    .svc = s,
						    .def = c };
			if (c->handle) {
				if ((unsigned long)c->handle - 1 < next) {
					mb_set_error(
						err,
						"%s:%u: [characteristic %s] handle: value handle 0x%04x is already taken (next free declaration is 0x%04lx)",
						mb_profile_filename(p),
						c->handle_line, c->name,
						c->handle, next);
					goto fail;
				}
				next = c->handle - 1u;
			}
			if (next + 2 > 0xffff)
				goto full;
			gc->decl_handle = (uint16_t)next++;
			gc->value_handle = (uint16_t)next++;
			a = add_attr(g, &cap, gc->decl_handle,
				     MB_ATTR_KIND_CHR_DECL);
			mb_uuid_from16(MB_GATT_CHARACTERISTIC, &a->type);
			a->chr = gc;
			a->decl[0] = c->props;
			mb_put_le16(a->decl + 1, gc->value_handle);
			a->decl_len =
				3 + mb_uuid_to_wire(&c->uuid, a->decl + 3);
			a = add_attr(g, &cap, gc->value_handle,
				     MB_ATTR_KIND_VALUE);
			a->type = c->uuid;
			a->chr = gc;
			if (c->props & (MB_PROP_NOTIFY | MB_PROP_INDICATE)) {
				if (next > 0xffff)
					goto full;
				gc->cccd_handle = (uint16_t)next++;
				a = add_attr(g, &cap, gc->cccd_handle,
					     MB_ATTR_KIND_CCCD);
				mb_uuid_from16(MB_GATT_CCCD, &a->type);
				a->chr = gc;
			}
		}
		g->attrs[svc_index].end_handle = (uint16_t)(next - 1);
	}
	return g;
full:
	mb_set_error(err, "%s: the table does not fit in 65535 handles",
		     mb_profile_filename(p));
fail:
	mb_gatt_free(g);
	return NULL;
}

size_t mb_gatt_n_attrs(const struct mb_gatt *g)
{
	return g->n_attrs;
}

const struct mb_attr *mb_gatt_attr(const struct mb_gatt *g, size_t i)
{
	return i < g->n_attrs ? &g->attrs[i] : NULL;
}

size_t mb_gatt_lower_bound(const struct mb_gatt *g, uint16_t handle)
{
	size_t lo = 0, hi = g->n_attrs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->attrs[mid].handle < handle)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct mb_attr *mb_gatt_lookup(const struct mb_gatt *g, uint16_t handle)
{
	size_t i = mb_gatt_lower_bound(g, handle);

	return i < g->n_attrs && g->attrs[i].handle == handle ? &g->attrs[i]
							      : NULL;
}

size_t mb_gatt_n_chrs(const struct mb_gatt *g)
{
	return g->n_chrs;
}

const struct mb_gatt_chr *mb_gatt_chr(const struct mb_gatt *g, size_t i)
{
	return i < g->n_chrs ? &g->chrs[i] : NULL;
}

const struct mb_gatt_chr *mb_gatt_find_chr(const struct mb_gatt *g,
					   const struct mb_uuid *svc_uuid,
					   const struct mb_uuid *uuid)
{
	for (size_t i = 0; i < g->n_chrs; i++) {
		const struct mb_gatt_chr *c = &g->chrs[i];

		if (svc_uuid && !mb_uuid_eq(&c->svc->uuid, svc_uuid))
			continue;
		if (mb_uuid_eq(&c->def->uuid, uuid))
			return c;
	}
	return NULL;
}

const struct mb_gatt_chr *mb_gatt_find_chr16(const struct mb_gatt *g,
					     uint16_t uuid)
{
	struct mb_uuid u;

	mb_uuid_from16(uuid, &u);
	return mb_gatt_find_chr(g, NULL, &u);
}
