/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Poptrie build and incremental update (manager lcore), see poptrie.h.
 * Lookups are in poptrie_lookup.c.
 */
#include "poptrie.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>

#include "fib.h"

#define SLOTS 64
#define MAX_COPIES HY_FIB_MAX_NUMA
#define LEAF_PAD 32 /* spare leaves past the end: the SIMD path reads 4 bytes */

/* Blocks of 1..64 entries of one pool, a free list per size (writer only). */
struct pool_alloc {
	uint32_t free_head[SLOTS + 1];
	uint32_t *next; /* free-list link per entry, valid at a free block's start */
	uint32_t bump;	/* entries [0, bump) have been handed out at least once */
	uint32_t used;	/* entries in live blocks */
	uint32_t cap;
};

enum defer_kind { DEFER_NODES = 1, DEFER_LEAVES = 2, DEFER_ROOT = 3 };

/* One entry of the RCU defer queue (and of the per-update pending list). */
struct defer {
	uint16_t kind;
	uint16_t size;
	uint32_t gen; /* allocator generation: stale blocks of a replaced pool are dropped */
	uint64_t val; /* block start or struct pt_root pointer */
};

/* What one update retires goes to the defer queue in sets: one enqueue
 * (and one grace-period token) for a handful of blocks. */
#define DEFER_SET 7
struct defer_set {
	uint32_t n;
	uint32_t pad;
	struct defer d[DEFER_SET];
};

struct copy {
	struct pt_root *live; /* what readers load (atomic) */
	struct pt_root *work; /* what the writer fills: live, or a full build's new root */
};

struct poptrie {
	const struct hy_rib *rib;
	unsigned s;	  /* direct-pointing bits */
	unsigned n_copies;
	struct copy copy[MAX_COPIES];
	struct pool_alloc na, la; /* nodes, leaves */
	uint32_t gen;
	struct rte_rcu_qsbr *qsbr;
	struct rte_rcu_qsbr_dq *dq;
	uint64_t pending;
	/* The current update's replaced blocks, queued once it is published, and
	 * its new blocks, released again if it fails. */
	struct defer *retire, *fresh;
	uint32_t n_retire, cap_retire, n_fresh, cap_fresh;
	bool nomem;
	char name[64];
};

/* ---- pools ---------------------------------------------------------------- */

static struct pt_root *root_alloc(unsigned s, uint32_t node_cap, uint32_t leaf_cap, int socket)
{
	int sock = socket < 0 ? SOCKET_ID_ANY : socket;
	struct pt_root *rt = rte_zmalloc_socket("hy_pt_root", sizeof(*rt), RTE_CACHE_LINE_SIZE, sock);
	if (rt == NULL)
		return NULL;
	rt->dir = rte_malloc_socket("hy_pt_dir", sizeof(uint32_t) << s, RTE_CACHE_LINE_SIZE, sock);
	rt->nodes = rte_malloc_socket("hy_pt_nodes", (size_t)node_cap * sizeof(struct pt_node), RTE_CACHE_LINE_SIZE,
				      sock);
	rt->leaves = rte_zmalloc_socket("hy_pt_leaves", ((size_t)leaf_cap + LEAF_PAD) * sizeof(uint16_t),
					RTE_CACHE_LINE_SIZE, sock);
	rt->node_cap = node_cap;
	rt->leaf_cap = leaf_cap;
	rt->socket = socket;
	if (rt->dir == NULL || rt->nodes == NULL || rt->leaves == NULL) {
		rte_free(rt->dir);
		rte_free(rt->nodes);
		rte_free(rt->leaves);
		rte_free(rt);
		return NULL;
	}
	return rt;
}

static void root_free(struct pt_root *rt)
{
	if (rt == NULL)
		return;
	rte_free(rt->dir);
	rte_free(rt->nodes);
	rte_free(rt->leaves);
	rte_free(rt);
}

static int pool_init(struct pool_alloc *pa, uint32_t cap)
{
	free(pa->next);
	memset(pa, 0, sizeof(*pa));
	for (unsigned i = 0; i <= SLOTS; i++)
		pa->free_head[i] = UINT32_MAX;
	pa->next = malloc((size_t)cap * sizeof(uint32_t));
	pa->cap = cap;
	return pa->next == NULL ? -ENOMEM : 0;
}

static void retire_push(struct poptrie *pt, struct defer d, bool fresh)
{
	struct defer **v = fresh ? &pt->fresh : &pt->retire;
	uint32_t *n = fresh ? &pt->n_fresh : &pt->n_retire;
	uint32_t *cap = fresh ? &pt->cap_fresh : &pt->cap_retire;
	if (*n == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 256;
		struct defer *g = realloc(*v, nc * sizeof(*g));
		if (g == NULL) {
			pt->nomem = true; /* the block leaks; the update still completes */
			return;
		}
		*v = g;
		*cap = nc;
	}
	(*v)[(*n)++] = d;
}

/* Give every copy's work root pools of the given sizes (contents kept). */
static int resize(struct poptrie *pt, uint32_t node_cap, uint32_t leaf_cap)
{
	for (unsigned c = 0; c < pt->n_copies; c++) {
		struct pt_root *old = pt->copy[c].work;
		struct pt_root *rt = root_alloc(pt->s, node_cap, leaf_cap, old->socket);
		if (rt == NULL)
			return -ENOMEM;
		memcpy(rt->dir, old->dir, sizeof(uint32_t) << pt->s);
		memcpy(rt->nodes, old->nodes, (size_t)pt->na.bump * sizeof(struct pt_node));
		memcpy(rt->leaves, old->leaves, (size_t)pt->la.bump * sizeof(uint16_t));
		pt->copy[c].work = rt;
		if (old == pt->copy[c].live) {
			__atomic_store_n(&pt->copy[c].live, rt, __ATOMIC_RELEASE);
			retire_push(pt, (struct defer){DEFER_ROOT, 0, 0, (uintptr_t)old}, false);
		} else {
			root_free(old);
		}
	}
	return 0;
}

/* Larger pools for one more block of need entries: half as much again. */
static int grow(struct poptrie *pt, bool nodes, uint32_t need)
{
	struct pool_alloc *pa = nodes ? &pt->na : &pt->la;
	uint64_t cap = pa->cap;
	while (cap < (uint64_t)pa->bump + need)
		cap += cap / 2 + SLOTS;
	if (cap > PT_LEAF)
		return -ENOSPC;
	uint32_t *next = realloc(pa->next, cap * sizeof(uint32_t));
	if (next == NULL)
		return -ENOMEM;
	pa->next = next;
	int rc = resize(pt, nodes ? (uint32_t)cap : pt->na.cap, nodes ? pt->la.cap : (uint32_t)cap);
	if (rc == 0)
		pa->cap = (uint32_t)cap;
	return rc;
}

/* A block of n (1..64) entries, or UINT32_MAX when out of memory. */
static uint32_t block_alloc(struct poptrie *pt, bool nodes, unsigned n)
{
	struct pool_alloc *pa = nodes ? &pt->na : &pt->la;
	uint32_t b = pa->free_head[n];
	if (b != UINT32_MAX) {
		pa->free_head[n] = pa->next[b];
	} else {
		if (pa->bump + n > pa->cap) {
			int rc = grow(pt, nodes, n);
			if (rc < 0) {
				pt->nomem = true;
				return UINT32_MAX;
			}
		}
		b = pa->bump;
		pa->bump += n;
	}
	pa->used += n;
	retire_push(pt, (struct defer){nodes ? DEFER_NODES : DEFER_LEAVES, (uint16_t)n, pt->gen, b}, true);
	return b;
}

static void block_release(struct poptrie *pt, bool nodes, uint32_t b, unsigned n)
{
	struct pool_alloc *pa = nodes ? &pt->na : &pt->la;
#ifndef NDEBUG
	/* Debug builds poison what readers must no longer reach, so that a
	 * grace-period bug shows up as a wrong next hop in the tests. */
	for (unsigned c = 0; c < pt->n_copies; c++) {
		if (nodes)
			memset(&pt->copy[c].work->nodes[b], 0xa5, n * sizeof(struct pt_node));
		else
			memset(&pt->copy[c].work->leaves[b], 0xa5, n * sizeof(uint16_t));
	}
#endif
	pa->next[b] = pa->free_head[n];
	pa->free_head[n] = b;
	pa->used -= n;
}

static void release(struct poptrie *pt, const struct defer *d)
{
	if (d->kind == DEFER_ROOT)
		root_free((struct pt_root *)(uintptr_t)d->val);
	else if (d->gen == pt->gen)
		block_release(pt, d->kind == DEFER_NODES, (uint32_t)d->val, d->size);
}

static void dq_free(void *p, void *e, unsigned int n)
{
	struct poptrie *pt = p;
	const struct defer_set *set = e;
	for (unsigned i = 0; i < n; i++) {
		for (unsigned k = 0; k < set[i].n; k++)
			release(pt, &set[i].d[k]);
		pt->pending -= set[i].n;
	}
}

static void retire_block(struct poptrie *pt, bool nodes, uint32_t b, unsigned n)
{
	if (n != 0)
		retire_push(pt, (struct defer){nodes ? DEFER_NODES : DEFER_LEAVES, (uint16_t)n, pt->gen, b}, false);
}

/* After publishing: hand the replaced blocks to the readers' grace period. */
static void retire_flush(struct poptrie *pt)
{
	for (uint32_t i = 0; i < pt->n_retire; i += DEFER_SET) {
		if (pt->dq == NULL) {
			for (uint32_t k = i; k < pt->n_retire && k < i + DEFER_SET; k++)
				release(pt, &pt->retire[k]);
			continue;
		}
		struct defer_set set = {.n = RTE_MIN(pt->n_retire - i, (uint32_t)DEFER_SET)};
		memcpy(set.d, &pt->retire[i], set.n * sizeof(set.d[0]));
		pt->pending += set.n;
		if (rte_rcu_qsbr_dq_enqueue(pt->dq, &set) != 0) {
			/* Queue full even after reclaiming: wait for the readers once. */
			rte_rcu_qsbr_synchronize(pt->qsbr, RTE_QSBR_THRID_INVALID);
			rte_rcu_qsbr_dq_reclaim(pt->dq, UINT32_MAX, NULL, NULL, NULL);
			if (rte_rcu_qsbr_dq_enqueue(pt->dq, &set) != 0) {
				rte_rcu_qsbr_synchronize(pt->qsbr, RTE_QSBR_THRID_INVALID);
				dq_free(pt, &set, 1);
			}
		}
	}
	pt->n_retire = 0;
	pt->n_fresh = 0;
}

/* A failed update: nothing was published, so its new blocks go back now. */
static void update_abort(struct poptrie *pt)
{
	for (uint32_t i = 0; i < pt->n_fresh; i++) {
		struct defer *d = &pt->fresh[i];
		if (d->gen == pt->gen)
			block_release(pt, d->kind == DEFER_NODES, (uint32_t)d->val, d->size);
	}
	/* Roots replaced by a growth were published: they still wait for readers. */
	uint32_t keep = 0;
	for (uint32_t i = 0; i < pt->n_retire; i++)
		if (pt->retire[i].kind == DEFER_ROOT)
			pt->retire[keep++] = pt->retire[i];
	pt->n_retire = keep;
	retire_flush(pt);
}

/* ---- writing every copy --------------------------------------------------- */

static void put_node(struct poptrie *pt, uint32_t i, const struct pt_node *n)
{
	for (unsigned c = 0; c < pt->n_copies; c++)
		pt->copy[c].work->nodes[i] = *n;
}

static void put_leaf(struct poptrie *pt, uint32_t i, uint16_t nh)
{
	for (unsigned c = 0; c < pt->n_copies; c++)
		pt->copy[c].work->leaves[i] = nh;
}

static void put_dir(struct poptrie *pt, uint32_t e, uint32_t v)
{
	for (unsigned c = 0; c < pt->n_copies; c++)
		__atomic_store_n(&pt->copy[c].work->dir[e], v, __ATOMIC_RELEASE);
}

static inline const struct pt_node *get_node(const struct poptrie *pt, uint32_t i)
{
	return &pt->copy[0].work->nodes[i];
}

/* ---- building from the route store ---------------------------------------- */

struct slot {
	uint32_t rib; /* route-store node at the slot's depth, RIB_NIL if none */
	uint32_t nh;  /* longest match down to the slot's depth */
	bool node;    /* longer routes below: the slot is a child node */
};

/* Fill slots [base, base + 2^(6-level)) below route-store node r, which is
 * `level` bits below the node's depth. */
static void expand(const struct hy_rib *rib, uint32_t r, unsigned level, uint32_t nh, struct slot *slots,
		   unsigned base)
{
	if (r != RIB_NIL && rib->nodes[r].nh != 0)
		nh = rib->nodes[r].nh;
	if (level == 6) {
		slots[base] = (struct slot){r, nh, rib_has_children(rib, r)};
		return;
	}
	if (!rib_has_children(rib, r)) {
		for (unsigned i = 0; i < (1u << (6 - level)); i++)
			slots[base + i] = (struct slot){RIB_NIL, nh, false};
		return;
	}
	expand(rib, rib->nodes[r].child[0], level + 1, nh, slots, base);
	expand(rib, rib->nodes[r].child[1], level + 1, nh, slots, base + (1u << (5 - level)));
}

static inline unsigned rank(uint64_t bits, unsigned v)
{
	return (unsigned)__builtin_popcountll(bits & ((2ULL << v) - 1));
}

static int build_node(struct poptrie *pt, uint32_t r, uint32_t nh, struct pt_node *out);

/* Vector, leafvec and the leaf block of a node from its slots. */
static int lay_out(struct poptrie *pt, const struct slot *slots, struct pt_node *out)
{
	uint64_t vector = 0, leafvec = 0;
	uint16_t runs[SLOTS];
	unsigned n_leaves = 0;
	bool have_prev = false;
	uint32_t prev = 0;
	for (unsigned v = 0; v < SLOTS; v++) {
		if (slots[v].node) {
			vector |= 1ULL << v;
			continue;
		}
		if (!have_prev || slots[v].nh != prev) {
			leafvec |= 1ULL << v;
			runs[n_leaves++] = (uint16_t)slots[v].nh;
			prev = slots[v].nh;
			have_prev = true;
		}
	}
	out->vector = vector;
	out->leafvec = leafvec;
	out->base_leaf = 0;
	out->base_node = 0;
	if (n_leaves != 0) {
		uint32_t b = block_alloc(pt, false, n_leaves);
		if (b == UINT32_MAX)
			return -ENOMEM;
		for (unsigned i = 0; i < n_leaves; i++)
			put_leaf(pt, b + i, runs[i]);
		out->base_leaf = b;
	}
	unsigned n_nodes = (unsigned)__builtin_popcountll(vector);
	if (n_nodes != 0) {
		uint32_t b = block_alloc(pt, true, n_nodes);
		if (b == UINT32_MAX)
			return -ENOMEM;
		out->base_node = b;
	}
	return 0;
}

/* A node for route-store node r (which has children) with inherited next hop nh. */
static int build_node(struct poptrie *pt, uint32_t r, uint32_t nh, struct pt_node *out)
{
	struct slot slots[SLOTS];
	expand(pt->rib, r, 0, nh, slots, 0);
	int rc = lay_out(pt, slots, out);
	if (rc < 0)
		return rc;
	uint32_t k = out->base_node;
	for (unsigned v = 0; v < SLOTS; v++) {
		if (!slots[v].node)
			continue;
		struct pt_node child;
		rc = build_node(pt, slots[v].rib, slots[v].nh, &child);
		if (rc < 0)
			return rc;
		put_node(pt, k++, &child);
	}
	return 0;
}

/* Queue a whole subtree below (and excluding) node n for release. */
static void retire_subtree(struct poptrie *pt, const struct pt_node *n)
{
	unsigned n_nodes = (unsigned)__builtin_popcountll(n->vector);
	for (unsigned k = 0; k < n_nodes; k++)
		retire_subtree(pt, get_node(pt, n->base_node + k));
	retire_block(pt, true, n->base_node, n_nodes);
	retire_block(pt, false, n->base_leaf, (unsigned)__builtin_popcountll(n->leafvec));
}

/* Value of direct-pointing entry for the s-bit prefix key (route store
 * node r, inherited next hop nh). */
static int entry_value(struct poptrie *pt, uint32_t r, uint32_t nh, uint32_t *val)
{
	if (!rib_has_children(pt->rib, r)) {
		*val = PT_LEAF | nh;
		return 0;
	}
	uint32_t b = block_alloc(pt, true, 1);
	if (b == UINT32_MAX)
		return -ENOMEM;
	struct pt_node n;
	int rc = build_node(pt, r, nh, &n);
	if (rc < 0)
		return rc;
	put_node(pt, b, &n);
	*val = b;
	return 0;
}

/* Direct-pointing entry e from route-store node r at depth s (nh: the longest match down to it). */
static int set_entry(struct poptrie *pt, uint32_t e, uint32_t r, uint32_t nh)
{
	uint32_t val;
	int rc = entry_value(pt, r, nh, &val);
	if (rc < 0)
		return rc;
	uint32_t old = pt->copy[0].work->dir[e];
	if (!(old & PT_LEAF)) {
		retire_subtree(pt, get_node(pt, old));
		retire_block(pt, true, old, 1);
	}
	put_dir(pt, e, val);
	return 0;
}

static int rebuild_entry(struct poptrie *pt, uint32_t e)
{
	uint32_t nh;
	uint32_t r = rib_descend(pt->rib, (hy_key)e << (128 - pt->s), pt->s, &nh);
	return set_entry(pt, e, r, nh);
}

/*
 * The entries under the prefix e of length depth <= s, whose route-store
 * node is r (nh: the longest match down to it): one walk of the store below
 * r, where a descent from the root per entry would cost s steps for each of
 * up to 2^s entries.
 */
static int rebuild_entries(struct poptrie *pt, uint32_t r, unsigned depth, uint32_t e, uint32_t nh)
{
	const struct hy_rib *rib = pt->rib;
	if (depth == pt->s)
		return set_entry(pt, e, r, nh);
	if (!rib_has_children(rib, r)) {
		uint32_t n = 1u << (pt->s - depth);
		for (uint32_t i = 0; i < n; i++) {
			int rc = set_entry(pt, (e << (pt->s - depth)) + i, RIB_NIL, nh);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	for (unsigned b = 0; b < 2; b++) {
		uint32_t c = rib->nodes[r].child[b];
		uint32_t c_nh = c != RIB_NIL && rib->nodes[c].nh != 0 ? rib->nodes[c].nh : nh;
		int rc = rebuild_entries(pt, c, depth + 1, (e << 1) | b, c_nh);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Walk the route store down to depth s, setting direct-pointing entries. */
static int build_dir(struct poptrie *pt, uint32_t r, unsigned depth, uint32_t e, uint32_t nh)
{
	const struct hy_rib *rib = pt->rib;
	if (r != RIB_NIL && rib->nodes[r].nh != 0)
		nh = rib->nodes[r].nh;
	if (depth == pt->s) {
		uint32_t val;
		int rc = entry_value(pt, r, nh, &val);
		if (rc == 0)
			put_dir(pt, e, val);
		return rc;
	}
	if (!rib_has_children(rib, r)) {
		uint32_t n = 1u << (pt->s - depth);
		for (unsigned c = 0; c < pt->n_copies; c++) {
			uint32_t *dir = pt->copy[c].work->dir + (e << (pt->s - depth));
			for (uint32_t i = 0; i < n; i++)
				dir[i] = PT_LEAF | nh;
		}
		return 0;
	}
	int rc = build_dir(pt, rib->nodes[r].child[0], depth + 1, e << 1, nh);
	if (rc == 0)
		rc = build_dir(pt, rib->nodes[r].child[1], depth + 1, (e << 1) | 1, nh);
	return rc;
}

static inline unsigned key_bits6(hy_key key, unsigned depth)
{
	return (unsigned)((key << depth) >> 122);
}

/*
 * Rebuild node `cur` (at depth D on key's path) whose slots [lo, lo + cnt)
 * are affected; the other slots' children are reused as they are.
 */
static int rebuild_node(struct poptrie *pt, uint32_t cur, hy_key key, unsigned depth, unsigned lo, unsigned cnt,
			struct pt_node *out)
{
	const struct pt_node old = *get_node(pt, cur);
	struct slot slots[SLOTS];
	/* Slots outside the range keep what the old node says of them ... */
	const uint16_t *leaves = pt->copy[0].work->leaves;
	for (unsigned v = 0; v < SLOTS; v++) {
		if (v >= lo && v < lo + cnt)
			continue;
		if ((old.vector >> v) & 1)
			slots[v] = (struct slot){RIB_NIL, 0, true};
		else
			slots[v] = (struct slot){RIB_NIL, leaves[old.base_leaf + rank(old.leafvec, v) - 1], false};
	}
	/* ... and only the range is expanded from the route store: its slots
	 * lie under the prefix of length depth + 6 - log2(cnt). */
	unsigned span = (unsigned)__builtin_ctz(cnt);
	uint32_t nh;
	uint32_t r = rib_descend(pt->rib, key, depth + 6 - span, &nh);
	expand(pt->rib, r, 6 - span, nh, slots, lo);
	int rc = lay_out(pt, slots, out);
	if (rc < 0)
		return rc;
	uint32_t k = out->base_node;
	for (unsigned v = 0; v < SLOTS; v++) {
		bool affected = v >= lo && v < lo + cnt;
		bool was_node = (old.vector >> v) & 1;
		if (slots[v].node) {
			struct pt_node child;
			if (!affected && was_node) {
				child = *get_node(pt, old.base_node + rank(old.vector, v) - 1);
			} else {
				rc = build_node(pt, slots[v].rib, slots[v].nh, &child);
				if (rc < 0)
					return rc;
			}
			put_node(pt, k++, &child);
		}
		if (was_node && (affected || !slots[v].node))
			retire_subtree(pt, get_node(pt, old.base_node + rank(old.vector, v) - 1));
	}
	retire_block(pt, true, old.base_node, (unsigned)__builtin_popcountll(old.vector));
	retire_block(pt, false, old.base_leaf, (unsigned)__builtin_popcountll(old.leafvec));
	return 0;
}

static int update_one(struct poptrie *pt, hy_key key, unsigned len)
{
	const unsigned s = pt->s;
	uint32_t e = (uint32_t)(key >> (128 - s));
	if (len <= s) {
		uint32_t nh;
		uint32_t r = rib_descend(pt->rib, key, len, &nh);
		return rebuild_entries(pt, r, len, e >> (s - len), nh);
	}
	uint32_t dv = pt->copy[0].work->dir[e];
	if (dv & PT_LEAF)
		return rebuild_entry(pt, e);

	/* Down to the node whose slots the prefix covers, or to a leaf slot above it. */
	uint32_t path[24];
	unsigned path_slot[24], n_path = 0;
	uint32_t cur = dv;
	unsigned depth = s;
	const unsigned target = s + 6 * ((len - s - 1) / 6);
	unsigned lo, cnt;
	for (;;) {
		const struct pt_node *n = get_node(pt, cur);
		unsigned v = key_bits6(key, depth);
		if (depth == target) {
			unsigned span = 6 - (len - depth);
			lo = v & ~((1u << span) - 1);
			cnt = 1u << span;
			break;
		}
		if (!((n->vector >> v) & 1)) {
			lo = v;
			cnt = 1;
			break;
		}
		path[n_path] = cur;
		path_slot[n_path++] = v;
		cur = n->base_node + rank(n->vector, v) - 1;
		depth += 6;
	}
	/* A node left without longer routes below becomes a leaf of its parent. */
	while (!rib_has_children(pt->rib, rib_descend(pt->rib, key, depth, NULL))) {
		if (n_path == 0)
			return rebuild_entry(pt, e);
		cur = path[--n_path];
		lo = path_slot[n_path];
		cnt = 1;
		depth -= 6;
	}
	struct pt_node nn;
	int rc = rebuild_node(pt, cur, key, depth, lo, cnt, &nn);
	if (rc < 0)
		return rc;
	/* Copy the path above: each parent gets a new child block. */
	while (n_path > 0) {
		uint32_t p = path[--n_path];
		struct pt_node pn = *get_node(pt, p);
		unsigned n_nodes = (unsigned)__builtin_popcountll(pn.vector);
		unsigned k = rank(pn.vector, path_slot[n_path]) - 1;
		uint32_t b = block_alloc(pt, true, n_nodes);
		if (b == UINT32_MAX)
			return -ENOMEM;
		for (unsigned i = 0; i < n_nodes; i++)
			put_node(pt, b + i, i == k ? &nn : get_node(pt, pn.base_node + i));
		retire_block(pt, true, pn.base_node, n_nodes);
		pn.base_node = b;
		nn = pn;
	}
	uint32_t b = block_alloc(pt, true, 1);
	if (b == UINT32_MAX)
		return -ENOMEM;
	put_node(pt, b, &nn);
	retire_block(pt, true, dv, 1);
	put_dir(pt, e, b);
	return 0;
}

int pt_update(struct poptrie *pt, hy_key key, unsigned len)
{
	pt->nomem = false;
	int rc = update_one(pt, rib_mask(key, len), len);
	if (rc < 0) {
		update_abort(pt);
		return rc;
	}
	retire_flush(pt);
	return 0;
}

/* ---- full build ----------------------------------------------------------- */

static void estimate(const struct poptrie *pt, uint32_t *nodes, uint32_t *leaves)
{
	uint64_t routes = pt->rib->routes;
	uint64_t n = routes / 6 + 4096, l = routes + 8192;
	*nodes = (uint32_t)RTE_MIN(n, (uint64_t)PT_LEAF / 2);
	*leaves = (uint32_t)RTE_MIN(l, (uint64_t)PT_LEAF / 2);
}

int pt_rebuild(struct poptrie *pt)
{
	uint32_t node_cap, leaf_cap;
	estimate(pt, &node_cap, &leaf_cap);
	struct pool_alloc na = pt->na, la = pt->la;
	uint32_t gen = pt->gen;
	pt->na.next = NULL;
	pt->la.next = NULL;
	int rc = pool_init(&pt->na, node_cap);
	if (rc == 0)
		rc = pool_init(&pt->la, leaf_cap);
	pt->gen++;
	pt->nomem = false;
	for (unsigned c = 0; c < pt->n_copies && rc == 0; c++) {
		pt->copy[c].work = root_alloc(pt->s, node_cap, leaf_cap, pt->copy[c].live ? pt->copy[c].live->socket : -1);
		if (pt->copy[c].work == NULL)
			rc = -ENOMEM;
	}
	if (rc == 0)
		rc = build_dir(pt, 0, 0, 0, 0);
	if (rc == 0) {
		/* Trim the pools to what the table uses plus 1/16 for updates. */
		uint32_t nc = pt->na.bump + pt->na.bump / 16 + SLOTS, lc = pt->la.bump + pt->la.bump / 16 + SLOTS;
		if (nc < pt->na.cap || lc < pt->la.cap) {
			nc = RTE_MIN(nc, pt->na.cap);
			lc = RTE_MIN(lc, pt->la.cap);
			rc = resize(pt, nc, lc);
			if (rc == 0) {
				pt->na.cap = nc;
				pt->la.cap = lc;
			}
		}
	}
	if (rc < 0) {
		for (unsigned c = 0; c < pt->n_copies; c++) {
			if (pt->copy[c].work != pt->copy[c].live)
				root_free(pt->copy[c].work);
			pt->copy[c].work = pt->copy[c].live;
		}
		free(pt->na.next);
		free(pt->la.next);
		pt->na = na;
		pt->la = la;
		pt->gen = gen;
		pt->n_retire = pt->n_fresh = 0;
		return rc;
	}
	free(na.next);
	free(la.next);
	/* Old blocks belong to the replaced pools: only the roots are released. */
	pt->n_retire = pt->n_fresh = 0;
	for (unsigned c = 0; c < pt->n_copies; c++) {
		struct pt_root *old = pt->copy[c].live;
		__atomic_store_n(&pt->copy[c].live, pt->copy[c].work, __ATOMIC_RELEASE);
		if (old != NULL)
			retire_push(pt, (struct defer){DEFER_ROOT, 0, 0, (uintptr_t)old}, false);
	}
	retire_flush(pt);
	return 0;
}

/* ---- life cycle ----------------------------------------------------------- */

int pt_create(struct poptrie **ptp, const struct hy_rib *rib, unsigned dir_bits, unsigned n_copies, const int *sockets,
	      struct rte_rcu_qsbr *qsbr, const char *name, char *err, size_t errlen)
{
	struct poptrie *pt = calloc(1, sizeof(*pt));
	if (pt == NULL) {
		snprintf(err, errlen, "poptrie %s: out of memory", name);
		return -ENOMEM;
	}
	pt->rib = rib;
	pt->s = dir_bits;
	pt->n_copies = n_copies;
	pt->qsbr = qsbr;
	snprintf(pt->name, sizeof(pt->name), "%s", name);
	if (qsbr != NULL) {
		char dq_name[RTE_RCU_QSBR_DQ_NAMESIZE];
		snprintf(dq_name, sizeof(dq_name), "%s", name);
		struct rte_rcu_qsbr_dq_parameters params = {
			.name = dq_name,
			.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE,
			.size = 1u << 16,
			.esize = sizeof(struct defer_set),
			.trigger_reclaim_limit = 1024,
			.max_reclaim_size = 4096,
			.free_fn = dq_free,
			.p = pt,
			.v = qsbr,
		};
		pt->dq = rte_rcu_qsbr_dq_create(&params);
		if (pt->dq == NULL) {
			snprintf(err, errlen, "poptrie %s: cannot create the RCU defer queue: %s", name,
				 rte_strerror(rte_errno));
			free(pt);
			return -ENOMEM;
		}
	}
	/* The first build decides the sockets: remember them in empty roots. */
	for (unsigned c = 0; c < n_copies; c++) {
		pt->copy[c].live = root_alloc(dir_bits, SLOTS, SLOTS, sockets[c]);
		if (pt->copy[c].live == NULL) {
			snprintf(err, errlen, "poptrie %s: cannot allocate the lookup copy on NUMA node %d", name,
				 sockets[c]);
			pt_free(pt);
			return -ENOMEM;
		}
		pt->copy[c].work = pt->copy[c].live;
	}
	int rc = pt_rebuild(pt);
	if (rc < 0) {
		snprintf(err, errlen, "poptrie %s: initial build failed: %s", name, strerror(-rc));
		pt_free(pt);
		return rc;
	}
	*ptp = pt;
	return 0;
}

void pt_free(struct poptrie *pt)
{
	if (pt == NULL)
		return;
	if (pt->dq != NULL) {
		/* No reader uses this FIB any more (the caller's promise); wait
		 * out the grace period of what is queued and release it. */
		rte_rcu_qsbr_synchronize(pt->qsbr, RTE_QSBR_THRID_INVALID);
		rte_rcu_qsbr_dq_delete(pt->dq);
	}
	for (unsigned c = 0; c < pt->n_copies; c++) {
		if (pt->copy[c].work != pt->copy[c].live)
			root_free(pt->copy[c].work);
		root_free(pt->copy[c].live);
	}
	free(pt->na.next);
	free(pt->la.next);
	free(pt->retire);
	free(pt->fresh);
	free(pt);
}

void pt_reclaim(struct poptrie *pt)
{
	if (pt->dq != NULL)
		rte_rcu_qsbr_dq_reclaim(pt->dq, UINT32_MAX, NULL, NULL, NULL);
}

void pt_stats(const struct poptrie *pt, struct pt_stats *st)
{
	st->nodes = pt->na.used;
	st->leaves = pt->la.used;
	st->bytes = (sizeof(uint32_t) << pt->s) + (uint64_t)pt->na.cap * sizeof(struct pt_node) +
		    ((uint64_t)pt->la.cap + LEAF_PAD) * sizeof(uint16_t);
	st->pending = pt->pending;
}

const struct pt_root *pt_root(const struct poptrie *pt, unsigned copy)
{
	return __atomic_load_n(&pt->copy[copy].live, __ATOMIC_ACQUIRE);
}

unsigned pt_dir_bits(const struct poptrie *pt)
{
	return pt->s;
}
