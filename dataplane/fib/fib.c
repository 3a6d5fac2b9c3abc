/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hayate FIB: the route store (rib.c) and the chosen backend (poptrie.c or
 * rtefib.c) behind fib.h.  Everything here but the lookups runs on the
 * manager lcore.
 */
#include "fib.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "poptrie.h"
#include "rib.h"
#include "rtefib.h"

/*
 * Direct-pointing widths (poptrie.h), measured with bench-fib on the real
 * tables (Xeon, 16 cores, hugepages; M lookups/s random / in-table / hot):
 *   IPv4 s=16: 9.02 MiB, 112 / 86 / 203;  s=18: 4.62 MiB, 141 / 136 / 328;
 *   s=20: 9.36 MiB, 145 / 126 / 347  -> 18 (at 16 every /24 needs a second
 *   node level; 20 gains nothing and its table alone is 4 MiB).
 *   IPv6 s=16: 3.07 MiB, 245 / 31 / 51;  s=18: 3.23 MiB, 267 / 39 / 65 -> 18
 *   (s=24, a level fewer to a /48: 66 MiB and slower in table, 56 against
 *   65 M/s at 18, one run each on a 2-vCPU EPYC VM, 2026-12-07).
 * A batch this large (and at least this share of the table) is cheaper to
 * build afresh than to apply route by route.
 */
#define REBUILD_MIN_OPS 4096
#define REBUILD_TABLE_SHARE 8

struct hy_fib {
	enum hy_fib_backend backend;
	struct hy_rib rib4, rib6;
	unsigned n_copies;
	int8_t copy_of_node[64]; /* NUMA node -> lookup copy */
	struct poptrie *pt4, *pt6;
	struct rtefib *rf;
	uint64_t updates, update_errors;
	bool avx512; /* the CPU runs the AVX-512 bulk lookup (and EAL allows 512-bit SIMD) */
	/* per-batch undo log of the route store */
	struct undo {
		uint32_t old_nh;
	} *undo;
	uint32_t undo_cap;
};

static unsigned fib_seq;

const char *hy_fib_backend_name(enum hy_fib_backend backend)
{
	switch (backend) {
	case HY_FIB_POPTRIE:
		return "poptrie";
	case HY_FIB_RTE_FIB:
		return "rte_fib";
	}
	return "unknown";
}

int hy_fib_backend_parse(const char *name, enum hy_fib_backend *backend)
{
	if (name != NULL && strcmp(name, "poptrie") == 0)
		*backend = HY_FIB_POPTRIE;
	else if (name != NULL && strcmp(name, "rte_fib") == 0)
		*backend = HY_FIB_RTE_FIB;
	else
		return -EINVAL;
	return 0;
}

enum hy_fib_backend hy_fib_backend(const struct hy_fib *fib)
{
	return fib->backend;
}

int hy_fib_create(const struct hy_fib_conf *conf, struct hy_fib **fibp, char *err, size_t errlen)
{
	if (conf == NULL || fibp == NULL) {
		snprintf(err, errlen, "fib: no configuration");
		return -EINVAL;
	}
	if (conf->backend != HY_FIB_POPTRIE && conf->backend != HY_FIB_RTE_FIB) {
		snprintf(err, errlen, "fib: unknown backend %d", (int)conf->backend);
		return -EINVAL;
	}
	if (conf->n_numa > HY_FIB_MAX_NUMA) {
		snprintf(err, errlen, "fib: n_numa %u exceeds %d", conf->n_numa, HY_FIB_MAX_NUMA);
		return -EINVAL;
	}
	if (conf->max_routes4 == 0 && conf->max_routes6 == 0) {
		snprintf(err, errlen, "fib: max_routes4 and max_routes6 are both 0");
		return -EINVAL;
	}
	if (conf->max_routes4 > (1u << 28) || conf->max_routes6 > (1u << 26)) {
		snprintf(err, errlen, "fib: max_routes4 %u (at most 2^28) or max_routes6 %u (at most 2^26) too large",
			 conf->max_routes4, conf->max_routes6);
		return -EINVAL;
	}
	int sockets[HY_FIB_MAX_NUMA];
	unsigned n_copies = conf->n_numa ? conf->n_numa : 1;
	for (unsigned c = 0; c < n_copies; c++) {
		sockets[c] = conf->n_numa ? conf->numa[c] : -1;
		if (sockets[c] < -1 || sockets[c] >= 64) {
			snprintf(err, errlen, "fib: numa[%u] = %d is not a NUMA node", c, sockets[c]);
			return -EINVAL;
		}
	}
	struct hy_fib *fib = calloc(1, sizeof(*fib));
	if (fib == NULL) {
		snprintf(err, errlen, "fib: out of memory");
		return -ENOMEM;
	}
	fib->backend = conf->backend;
	fib->n_copies = n_copies;
	fib->avx512 = pt_have_avx512() && getenv("HAYATE_FIB_NO_AVX512") == NULL;
	memset(fib->copy_of_node, 0, sizeof(fib->copy_of_node));
	for (int c = (int)n_copies - 1; c >= 0; c--)
		if (sockets[c] >= 0)
			fib->copy_of_node[sockets[c]] = (int8_t)c;
	int rc = rib_init(&fib->rib4, 32, conf->max_routes4, 24, 0);
	if (rc == 0)
		rc = rib_init(&fib->rib6, 128, conf->max_routes6, 24, 8);
	if (rc < 0) {
		snprintf(err, errlen, "fib: out of memory for the route store");
		hy_fib_free(fib);
		return rc;
	}
	unsigned seq = __atomic_fetch_add(&fib_seq, 1, __ATOMIC_RELAXED);
	char name[32];
	if (conf->backend == HY_FIB_POPTRIE) {
		snprintf(name, sizeof(name), "hyp4_%u", seq);
		rc = pt_create(&fib->pt4, &fib->rib4, PT4_DIR_BITS, n_copies, sockets, conf->qsbr, name, err, errlen);
		if (rc == 0) {
			snprintf(name, sizeof(name), "hyp6_%u", seq);
			rc = pt_create(&fib->pt6, &fib->rib6, PT6_DIR_BITS, n_copies, sockets, conf->qsbr, name,
				       err, errlen);
		}
	} else {
		rc = rtefib_create(&fib->rf, &fib->rib4, &fib->rib6, n_copies, sockets, conf->qsbr, err, errlen);
	}
	if (rc < 0) {
		hy_fib_free(fib);
		return rc;
	}
	*fibp = fib;
	return 0;
}

void hy_fib_free(struct hy_fib *fib)
{
	if (fib == NULL)
		return;
	pt_free(fib->pt4);
	pt_free(fib->pt6);
	rtefib_free(fib->rf);
	rib_fini(&fib->rib4);
	rib_fini(&fib->rib6);
	free(fib->undo);
	free(fib);
}

static hy_key route_key(const struct hy_fib_route *r)
{
	if (r->family == 4)
		return (hy_key)r->addr.v4 << 96;
	uint64_t hi, lo;
	memcpy(&hi, r->addr.v6, 8);
	memcpy(&lo, r->addr.v6 + 8, 8);
	return ((hy_key)rte_be_to_cpu_64(hi) << 64) | rte_be_to_cpu_64(lo);
}

static int check_route(const struct hy_fib_route *r)
{
	if (r->family != 4 && r->family != 6)
		return -EINVAL;
	if (r->depth > (r->family == 4 ? 32 : 128))
		return -EINVAL;
	if (r->op != HY_FIB_ADD && r->op != HY_FIB_DEL)
		return -EINVAL;
	if (r->op == HY_FIB_ADD && (r->nh == HY_FIB_NH_NONE || r->nh > HY_FIB_NH_MAX))
		return -EINVAL;
	return 0;
}

/* Apply one operation to the route store; *old receives what to restore. */
static int store_op(struct hy_fib *fib, const struct hy_fib_route *r, hy_key key, uint32_t *old)
{
	struct hy_rib *rib = r->family == 4 ? &fib->rib4 : &fib->rib6;
	if (r->op == HY_FIB_DEL)
		return rib_del(rib, key, r->depth, old);
	if (fib->rf != NULL && rib_get(rib, key, r->depth) == 0) {
		uint64_t limit = r->family == 4 ? rtefib_groups4(fib->rf) : rtefib_groups6(fib->rf);
		if (rib->groups + rib_groups_needed(rib, key, r->depth) > limit)
			return -ENOSPC;
	}
	return rib_set(rib, key, r->depth, r->nh, old);
}

static void store_undo(struct hy_fib *fib, const struct hy_fib_route *r, hy_key key, uint32_t old)
{
	struct hy_rib *rib = r->family == 4 ? &fib->rib4 : &fib->rib6;
	uint32_t ignored;
	if (old == 0)
		rib_del(rib, key, r->depth, &ignored);
	else
		rib_set(rib, key, r->depth, old, &ignored);
}

/* One operation, published at once (Poptrie) or logged into the batch (rte_fib). */
static int apply_one(struct hy_fib *fib, const struct hy_fib_route *r)
{
	hy_key key = rib_mask(route_key(r), r->depth);
	uint32_t old;
	int rc = store_op(fib, r, key, &old);
	if (rc < 0)
		return rc;
	if (fib->pt4 != NULL)
		rc = pt_update(r->family == 4 ? fib->pt4 : fib->pt6, key, r->depth);
	else
		rc = rtefib_op(fib->rf, r->family, key, r->depth, r->op == HY_FIB_ADD ? r->nh : 0);
	if (rc < 0) {
		store_undo(fib, r, key, old);
		if (fib->rf != NULL)
			rtefib_resync(fib->rf, r->family);
	}
	return rc;
}

/* Large batches on Poptrie: all into the store, then one fresh build per family. */
static int apply_rebuild(struct hy_fib *fib, const struct hy_fib_route *ops, uint32_t n, uint32_t *applied)
{
	if (fib->undo_cap < n) {
		struct undo *u = realloc(fib->undo, n * sizeof(*u));
		if (u == NULL)
			return -ENOMEM;
		fib->undo = u;
		fib->undo_cap = n;
	}
	int rc = 0;
	uint32_t i;
	bool touched4 = false, touched6 = false;
	for (i = 0; i < n; i++) {
		rc = check_route(&ops[i]);
		if (rc == 0)
			rc = store_op(fib, &ops[i], rib_mask(route_key(&ops[i]), ops[i].depth), &fib->undo[i].old_nh);
		if (rc < 0)
			break;
		touched4 |= ops[i].family == 4;
		touched6 |= ops[i].family == 6;
	}
	int brc = 0;
	if (touched4)
		brc = pt_rebuild(fib->pt4);
	if (brc == 0 && touched6)
		brc = pt_rebuild(fib->pt6);
	if (brc < 0) {
		/* Not published: take the store back to where it was. */
		while (i-- > 0)
			store_undo(fib, &ops[i], rib_mask(route_key(&ops[i]), ops[i].depth), fib->undo[i].old_nh);
		if (touched4)
			pt_rebuild(fib->pt4);
		*applied = 0;
		return brc;
	}
	*applied = i;
	return rc;
}

int hy_fib_apply(struct hy_fib *fib, const struct hy_fib_route *ops, uint32_t n, uint32_t *applied)
{
	uint32_t done = 0;
	int rc = 0;
	if (ops == NULL && n != 0)
		return -EINVAL;
	uint64_t routes = (uint64_t)fib->rib4.routes + fib->rib6.routes;
	if (fib->pt4 != NULL && n >= REBUILD_MIN_OPS && (uint64_t)n * REBUILD_TABLE_SHARE >= routes) {
		rc = apply_rebuild(fib, ops, n, &done);
	} else {
		if (fib->rf != NULL)
			rtefib_begin(fib->rf);
		for (; done < n; done++) {
			rc = check_route(&ops[done]);
			if (rc == 0)
				rc = apply_one(fib, &ops[done]);
			if (rc < 0)
				break;
		}
		if (fib->rf != NULL) {
			int crc = rtefib_commit(fib->rf);
			if (rc == 0)
				rc = crc;
		}
	}
	fib->updates += done;
	if (rc < 0)
		fib->update_errors++;
	if (applied != NULL)
		*applied = done;
	return rc;
}

static int apply_single(struct hy_fib *fib, struct hy_fib_route *r)
{
	uint32_t applied;
	return hy_fib_apply(fib, r, 1, &applied);
}

int hy_fib_add4(struct hy_fib *fib, uint32_t addr, uint8_t depth, uint32_t nh)
{
	struct hy_fib_route r = {.family = 4, .depth = depth, .op = HY_FIB_ADD, .nh = nh, .addr.v4 = addr};
	return apply_single(fib, &r);
}

int hy_fib_del4(struct hy_fib *fib, uint32_t addr, uint8_t depth)
{
	struct hy_fib_route r = {.family = 4, .depth = depth, .op = HY_FIB_DEL, .addr.v4 = addr};
	return apply_single(fib, &r);
}

int hy_fib_add6(struct hy_fib *fib, const uint8_t addr[16], uint8_t depth, uint32_t nh)
{
	struct hy_fib_route r = {.family = 6, .depth = depth, .op = HY_FIB_ADD, .nh = nh};
	memcpy(r.addr.v6, addr, 16);
	return apply_single(fib, &r);
}

int hy_fib_del6(struct hy_fib *fib, const uint8_t addr[16], uint8_t depth)
{
	struct hy_fib_route r = {.family = 6, .depth = depth, .op = HY_FIB_DEL};
	memcpy(r.addr.v6, addr, 16);
	return apply_single(fib, &r);
}

uint32_t hy_fib_get(const struct hy_fib *fib, const struct hy_fib_route *prefix)
{
	if (prefix == NULL || (prefix->family != 4 && prefix->family != 6) ||
	    prefix->depth > (prefix->family == 4 ? 32 : 128))
		return HY_FIB_NH_NONE;
	const struct hy_rib *rib = prefix->family == 4 ? &fib->rib4 : &fib->rib6;
	return rib_get(rib, rib_mask(route_key(prefix), prefix->depth), prefix->depth);
}

struct walk_arg {
	hy_fib_walk_cb cb;
	void *arg;
	uint8_t family;
};

static int walk_route(hy_key key, unsigned len, uint32_t nh, void *arg)
{
	struct walk_arg *wa = arg;
	struct hy_fib_route r = {.family = wa->family, .depth = (uint8_t)len, .op = HY_FIB_ADD, .nh = nh};
	if (wa->family == 4) {
		r.addr.v4 = (uint32_t)(key >> 96);
	} else {
		uint64_t hi = rte_cpu_to_be_64((uint64_t)(key >> 64)), lo = rte_cpu_to_be_64((uint64_t)key);
		memcpy(r.addr.v6, &hi, 8);
		memcpy(r.addr.v6 + 8, &lo, 8);
	}
	return wa->cb(&r, wa->arg);
}

int hy_fib_walk(const struct hy_fib *fib, hy_fib_walk_cb cb, void *arg)
{
	struct walk_arg wa = {cb, arg, 4};
	int rc = rib_walk(&fib->rib4, walk_route, &wa);
	if (rc != 0)
		return rc;
	wa.family = 6;
	return rib_walk(&fib->rib6, walk_route, &wa);
}

void hy_fib_stats(const struct hy_fib *fib, struct hy_fib_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->routes4 = fib->rib4.routes;
	st->routes6 = fib->rib6.routes;
	st->rib_bytes = rib_bytes(&fib->rib4) + rib_bytes(&fib->rib6);
	st->updates = fib->updates;
	st->update_errors = fib->update_errors;
	if (fib->pt4 != NULL) {
		struct pt_stats p4, p6;
		pt_stats(fib->pt4, &p4);
		pt_stats(fib->pt6, &p6);
		st->nodes4 = p4.nodes;
		st->leaves4 = p4.leaves;
		st->bytes4 = p4.bytes;
		st->nodes6 = p6.nodes;
		st->leaves6 = p6.leaves;
		st->bytes6 = p6.bytes;
		st->pending_reclaim = p4.pending + p6.pending;
	} else {
		st->bytes4 = rtefib_bytes(fib->rf, 4);
		st->bytes6 = rtefib_bytes(fib->rf, 6);
	}
}

void hy_fib_reclaim(struct hy_fib *fib)
{
	if (fib->pt4 != NULL) {
		pt_reclaim(fib->pt4);
		pt_reclaim(fib->pt6);
	}
}

/* ---- forwarder lcores ---------------------------------------------------- */

static inline unsigned copy_index(const struct hy_fib *fib, int numa)
{
	return (unsigned)numa < 64 ? (unsigned)fib->copy_of_node[numa] : 0;
}

uint32_t hy_fib_lookup4(const struct hy_fib *fib, int numa, uint32_t addr)
{
	unsigned c = copy_index(fib, numa);
	if (fib->pt4 != NULL)
		return pt_lookup4(pt_root(fib->pt4, c), addr);
	uint32_t nh;
	rtefib_lookup4_bulk(fib->rf, c, &addr, &nh, 1);
	return nh;
}

uint32_t hy_fib_lookup6(const struct hy_fib *fib, int numa, const uint8_t addr[16])
{
	unsigned c = copy_index(fib, numa);
	if (fib->pt6 != NULL)
		return pt_lookup6(pt_root(fib->pt6, c), PT6_DIR_BITS, addr);
	uint32_t nh;
	rtefib_lookup6_bulk(fib->rf, c, (const uint8_t(*)[16])addr, &nh, 1);
	return nh;
}

void hy_fib_lookup4_bulk(const struct hy_fib *fib, int numa, const uint32_t *addrs, uint32_t *nhs, unsigned int n)
{
	unsigned c = copy_index(fib, numa);
	if (fib->pt4 != NULL) {
		if (fib->avx512)
			pt_lookup4_burst_avx512(pt_root(fib->pt4, c), addrs, nhs, n);
		else
			pt_lookup4_burst(pt_root(fib->pt4, c), addrs, nhs, n);
	} else
		rtefib_lookup4_bulk(fib->rf, c, addrs, nhs, n);
}

_Static_assert(PT4_DIR_BITS <= 32 && PT6_DIR_BITS <= 32, "hints index the direct array by 32 address bits");

void hy_fib_hint(const struct hy_fib *fib, int numa, struct hy_fib_hint *hint)
{
	unsigned c = copy_index(fib, numa);
	const struct pt_root *rt;

	memset(hint, 0, sizeof(*hint));
	hint->shift4 = 32 - PT4_DIR_BITS;
	hint->shift6 = 32 - PT6_DIR_BITS;
	hint->leaf_flag = PT_LEAF;
	hint->node_size = sizeof(struct pt_node);
	if (fib->pt4 != NULL) {
		rt = pt_root(fib->pt4, c);
		hint->dir4 = rt->dir;
		hint->nodes4 = (const uint8_t *)rt->nodes;
	}
	if (fib->pt6 != NULL) {
		rt = pt_root(fib->pt6, c);
		hint->dir6 = rt->dir;
		hint->nodes6 = (const uint8_t *)rt->nodes;
	}
}

void hy_fib_lookup6_bulk(const struct hy_fib *fib, int numa, const uint8_t (*addrs)[16], uint32_t *nhs,
			 unsigned int n)
{
	unsigned c = copy_index(fib, numa);
	if (fib->pt6 != NULL)
		pt_lookup6_burst(pt_root(fib->pt6, c), PT6_DIR_BITS, addrs, nhs, n);
	else
		rtefib_lookup6_bulk(fib->rf, c, addrs, nhs, n);
}
