/* SPDX-License-Identifier: BSD-3-Clause */
/* The route store: a plain binary trie (see rib.h).  Manager lcore only. */
#include "rib.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int rib_init(struct hy_rib *rib, uint8_t maxlen, uint32_t max_routes, uint8_t grp_first, uint8_t grp_step)
{
	memset(rib, 0, sizeof(*rib));
	rib->maxlen = maxlen;
	rib->max_routes = max_routes;
	rib->grp_first = grp_first;
	rib->grp_step = grp_step;
	rib->grp_last = grp_first;
	while (grp_step != 0 && rib->grp_last + grp_step < maxlen)
		rib->grp_last += grp_step;
	rib->cap = 1024;
	rib->nodes = malloc(rib->cap * sizeof(*rib->nodes));
	if (rib->nodes == NULL)
		return -ENOMEM;
	rib->nodes[0] = (struct rib_node){{RIB_NIL, RIB_NIL}, 0};
	rib->n_nodes = 1;
	rib->free_head = RIB_NIL;
	return 0;
}

void rib_fini(struct hy_rib *rib)
{
	free(rib->nodes);
	rib->nodes = NULL;
}

static bool is_group_level(const struct hy_rib *rib, unsigned depth)
{
	if (depth < rib->grp_first || depth > rib->grp_last)
		return false;
	return rib->grp_step == 0 ? depth == rib->grp_first : (depth - rib->grp_first) % rib->grp_step == 0;
}

/* Group levels L with lo <= L < hi. */
static unsigned group_levels_between(const struct hy_rib *rib, unsigned lo, unsigned hi)
{
	unsigned n = 0;
	for (unsigned l = lo; l < hi; l++)
		n += is_group_level(rib, l);
	return n;
}

static uint32_t node_alloc(struct hy_rib *rib)
{
	uint32_t n;
	if (rib->free_head != RIB_NIL) {
		n = rib->free_head;
		rib->free_head = rib->nodes[n].child[0];
		rib->n_free--;
	} else {
		if (rib->n_nodes == rib->cap) {
			if (rib->cap >= UINT32_MAX / 2)
				return RIB_NIL;
			struct rib_node *grown = realloc(rib->nodes, 2 * (size_t)rib->cap * sizeof(*grown));
			if (grown == NULL)
				return RIB_NIL;
			rib->nodes = grown;
			rib->cap *= 2;
		}
		n = rib->n_nodes++;
	}
	rib->nodes[n] = (struct rib_node){{RIB_NIL, RIB_NIL}, 0};
	return n;
}

static void node_free(struct hy_rib *rib, uint32_t n)
{
	rib->nodes[n].child[0] = rib->free_head;
	rib->nodes[n].child[1] = RIB_NIL;
	rib->nodes[n].nh = 0;
	rib->free_head = n;
	rib->n_free++;
}

uint32_t rib_descend(const struct hy_rib *rib, hy_key key, unsigned len, uint32_t *nh)
{
	uint32_t n = 0, best = rib->nodes[0].nh;
	for (unsigned d = 0; d < len; d++) {
		n = rib->nodes[n].child[rib_bit(key, d)];
		if (n == RIB_NIL)
			break;
		if (rib->nodes[n].nh != 0)
			best = rib->nodes[n].nh;
	}
	if (nh != NULL)
		*nh = best;
	return n;
}

uint32_t rib_get(const struct hy_rib *rib, hy_key key, unsigned len)
{
	uint32_t n = 0;
	for (unsigned d = 0; d < len && n != RIB_NIL; d++)
		n = rib->nodes[n].child[rib_bit(key, d)];
	return n == RIB_NIL ? 0 : rib->nodes[n].nh;
}

uint32_t rib_lookup(const struct hy_rib *rib, hy_key key)
{
	uint32_t nh;
	rib_descend(rib, key, rib->maxlen, &nh);
	return nh;
}

/* Deepest existing node on key's path down to len: its depth and index. */
static unsigned deepest(const struct hy_rib *rib, hy_key key, unsigned len, uint32_t *node)
{
	uint32_t n = 0;
	unsigned d = 0;
	while (d < len) {
		uint32_t c = rib->nodes[n].child[rib_bit(key, d)];
		if (c == RIB_NIL)
			break;
		n = c;
		d++;
	}
	*node = n;
	return d;
}

unsigned rib_groups_needed(const struct hy_rib *rib, hy_key key, unsigned len)
{
	uint32_t n;
	unsigned e = deepest(rib, key, len, &n);
	if (e == len)
		return 0; /* the path exists: every level above len already has a child */
	return group_levels_between(rib, e + 1, len) + (is_group_level(rib, e) && !rib_has_children(rib, n));
}

int rib_set(struct hy_rib *rib, hy_key key, unsigned len, uint32_t nh, uint32_t *old)
{
	uint32_t n;
	unsigned e = deepest(rib, key, len, &n);
	if (e == len && rib->nodes[n].nh != 0) {
		*old = rib->nodes[n].nh;
		rib->nodes[n].nh = nh;
		return 0;
	}
	if (rib->routes >= rib->max_routes)
		return -ENOSPC;
	unsigned new_groups = 0;
	if (e < len)
		new_groups = group_levels_between(rib, e + 1, len) + (is_group_level(rib, e) && !rib_has_children(rib, n));
	/* Reserve the nodes first so that a failure leaves the trie unchanged. */
	uint32_t need = len - e;
	while (rib->n_free + (rib->cap - rib->n_nodes) < need) {
		struct rib_node *grown = realloc(rib->nodes, 2 * (size_t)rib->cap * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		rib->nodes = grown;
		rib->cap *= 2;
	}
	for (unsigned d = e; d < len; d++) {
		uint32_t c = node_alloc(rib);
		rib->nodes[n].child[rib_bit(key, d)] = c;
		n = c;
	}
	rib->nodes[n].nh = nh;
	rib->routes++;
	rib->groups += new_groups;
	*old = 0;
	return 0;
}

int rib_del(struct hy_rib *rib, hy_key key, unsigned len, uint32_t *old)
{
	uint32_t path[129];
	path[0] = 0;
	for (unsigned d = 0; d < len; d++) {
		path[d + 1] = rib->nodes[path[d]].child[rib_bit(key, d)];
		if (path[d + 1] == RIB_NIL)
			return -ENOENT;
	}
	uint32_t n = path[len];
	if (rib->nodes[n].nh == 0)
		return -ENOENT;
	*old = rib->nodes[n].nh;
	rib->nodes[n].nh = 0;
	rib->routes--;
	unsigned d = len;
	while (d > 0 && rib->nodes[path[d]].nh == 0 && !rib_has_children(rib, path[d])) {
		rib->nodes[path[d - 1]].child[rib_bit(key, d - 1)] = RIB_NIL;
		node_free(rib, path[d]);
		d--;
	}
	if (d < len) { /* nodes at depths d+1..len went away */
		unsigned freed = group_levels_between(rib, d + 1, len);
		if (is_group_level(rib, d) && !rib_has_children(rib, path[d]))
			freed++;
		rib->groups -= freed;
	}
	return 0;
}

struct walk_frame {
	uint32_t node;
	unsigned depth;
	hy_key key;
};

int rib_walk(const struct hy_rib *rib, rib_walk_cb cb, void *arg)
{
	struct walk_frame stack[130];
	unsigned top = 0;
	stack[top++] = (struct walk_frame){0, 0, 0};
	while (top > 0) {
		struct walk_frame cur = stack[--top];
		const struct rib_node *n = &rib->nodes[cur.node];
		if (n->nh != 0) {
			int rc = cb(cur.key, cur.depth, n->nh, arg);
			if (rc != 0)
				return rc;
		}
		/* Push 1 before 0 so that 0 comes out first: address order. */
		if (n->child[1] != RIB_NIL)
			stack[top++] = (struct walk_frame){n->child[1], cur.depth + 1, cur.key | ((hy_key)1 << (127 - cur.depth))};
		if (n->child[0] != RIB_NIL)
			stack[top++] = (struct walk_frame){n->child[0], cur.depth + 1, cur.key};
	}
	return 0;
}

size_t rib_bytes(const struct hy_rib *rib)
{
	return (size_t)rib->cap * sizeof(*rib->nodes);
}
