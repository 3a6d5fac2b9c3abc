/* SPDX-License-Identifier: BSD-3-Clause */
/* hayate's FIB (both backends) under benchmark, through the public API of fib.h only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>

#include "bench_impl.h"
#include "fib/fib.h"

/* The forwarder's promised capacities: the structure is measured as it will be configured. */
#define CAP4 2097152u
#define CAP6 524288u
#define MIN_CAP 1024u /* the family not measured */

struct hayate_ctx {
	struct hy_fib *fib;
	enum hy_fib_backend backend;
	int family;
	struct hy_fib_route *ops; /* update batches */
};

static int hayate_try_create(struct bench_struct *s, uint32_t cap4, uint32_t cap6)
{
	struct hayate_ctx *c = s->ctx;
	static unsigned int seq;
	char name[32], err[256] = "";
	struct hy_fib_conf conf = {
		.backend = c->backend,
		.max_routes4 = cap4,
		.max_routes6 = cap6,
		.n_numa = 1,
		.numa = { (int)rte_socket_id() },
		.qsbr = bench_qsbr,
		.name = name,
	};
	int rc;

	snprintf(name, sizeof(name), "bench%u", seq++);
	rc = hy_fib_create(&conf, &c->fib, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "bench-fib: %s: hy_fib_create(%u IPv4, %u IPv6 routes): %s (%s)\n", s->name, cap4,
			cap6, err, strerror(-rc));
	return rc;
}

/*
 * Sized as the forwarder is configured (the promised capacity) for the family
 * measured, minimal for the other; where the hugepages do not hold that, sized
 * for the table with a quarter to spare (said on stderr).
 */
static int hayate_create(struct bench_struct *s, const struct bench_table *t)
{
	uint32_t promised = t->family == 4 ? CAP4 : CAP6, fit = t->n + t->n / 4;
	uint32_t cap = t->n > promised ? t->n : promised;
	int rc = hayate_try_create(s, t->family == 4 ? cap : MIN_CAP, t->family == 6 ? cap : MIN_CAP);

	if (rc == -ENOMEM && fit < cap) {
		fprintf(stderr, "bench-fib: %s: retrying sized for the table (%u routes)\n", s->name, fit);
		rc = hayate_try_create(s, t->family == 4 ? fit : MIN_CAP, t->family == 6 ? fit : MIN_CAP);
	}
	return rc;
}

static void to_route(const struct bench_prefix *p, int family, uint8_t op, struct hy_fib_route *r)
{
	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)family;
	r->depth = p->depth;
	r->op = op;
	r->nh = p->nh;
	if (family == 4)
		r->addr.v4 = p->v4;
	else
		memcpy(r->addr.v6, p->addr, 16);
}

/* The whole table in one batch: how the agent loads a full table. */
static int hayate_load(struct bench_struct *s, const struct bench_table *t)
{
	struct hayate_ctx *c = s->ctx;
	struct hy_fib_route *ops = malloc(t->n * sizeof(*ops));
	uint32_t applied = 0;
	int rc;

	if (ops == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->n; i++)
		to_route(&t->prefixes[i], t->family, HY_FIB_ADD, &ops[i]);
	rc = hy_fib_apply(c->fib, ops, t->n, &applied);
	if (rc < 0)
		fprintf(stderr, "bench-fib: %s: hy_fib_apply stopped at route %u of %u: %s\n", s->name, applied,
			t->n, strerror(-rc));
	free(ops);
	return rc;
}

static int hayate_update(struct bench_struct *s, const struct bench_prefix *p, unsigned int n, unsigned int batch)
{
	struct hayate_ctx *c = s->ctx;
	uint32_t applied;
	int rc = 0;

	if (batch <= 1) {
		for (unsigned int i = 0; i < n && rc == 0; i++) {
			if (c->family == 4) {
				rc = hy_fib_del4(c->fib, p[i].v4, p[i].depth);
				if (rc == 0)
					rc = hy_fib_add4(c->fib, p[i].v4, p[i].depth, p[i].nh);
			} else {
				rc = hy_fib_del6(c->fib, p[i].addr, p[i].depth);
				if (rc == 0)
					rc = hy_fib_add6(c->fib, p[i].addr, p[i].depth, p[i].nh);
			}
		}
		return rc;
	}
	if (c->ops == NULL && (c->ops = malloc(2 * BENCH_BURST_MAX * 64 * sizeof(*c->ops))) == NULL)
		return -ENOMEM;
	if (batch > BENCH_BURST_MAX * 64)
		batch = BENCH_BURST_MAX * 64;
	for (unsigned int i = 0; i < n && rc == 0; i += batch) {
		unsigned int k = n - i < batch ? n - i : batch;

		for (unsigned int j = 0; j < k; j++) {
			to_route(&p[i + j], c->family, HY_FIB_DEL, &c->ops[2 * j]);
			to_route(&p[i + j], c->family, HY_FIB_ADD, &c->ops[2 * j + 1]);
		}
		rc = hy_fib_apply(c->fib, c->ops, 2 * k, &applied);
	}
	return rc;
}

static void hayate_reclaim(struct bench_struct *s)
{
	struct hayate_ctx *c = s->ctx;

	hy_fib_reclaim(c->fib);
}

static uint64_t hayate_bytes(struct bench_struct *s, bool *allocated_only)
{
	struct hayate_ctx *c = s->ctx;
	struct hy_fib_stats st;

	hy_fib_stats(c->fib, &st);
	*allocated_only = false;
	return c->family == 4 ? st.bytes4 : st.bytes6;
}

static void hayate_destroy(struct bench_struct *s)
{
	struct hayate_ctx *c = s->ctx;

	hy_fib_free(c->fib);
	c->fib = NULL;
}

static void lookup4_bulk(void *ctx, const void *addrs, void *res, unsigned int n)
{
	const struct hayate_ctx *c = ctx;

	hy_fib_lookup4_bulk(c->fib, 0, addrs, res, n);
}

static void lookup4_single(void *ctx, const void *addrs, void *res, unsigned int n)
{
	const struct hayate_ctx *c = ctx;
	const uint32_t *a = addrs;
	uint32_t *nh = res;

	for (unsigned int i = 0; i < n; i++)
		nh[i] = hy_fib_lookup4(c->fib, 0, a[i]);
}

static void lookup6_bulk(void *ctx, const void *addrs, void *res, unsigned int n)
{
	const struct hayate_ctx *c = ctx;

	hy_fib_lookup6_bulk(c->fib, 0, addrs, res, n);
}

static void lookup6_single(void *ctx, const void *addrs, void *res, unsigned int n)
{
	const struct hayate_ctx *c = ctx;
	const uint8_t(*a)[16] = addrs;
	uint32_t *nh = res;

	for (unsigned int i = 0; i < n; i++)
		nh[i] = hy_fib_lookup6(c->fib, 0, a[i]);
}

static uint32_t result_u32(const void *res, unsigned int i)
{
	return ((const uint32_t *)res)[i];
}

static void hayate_fill(struct bench_struct *s, int family, enum hy_fib_backend backend)
{
	static struct hayate_ctx ctx[2][2];
	struct hayate_ctx *c = &ctx[backend == HY_FIB_POPTRIE][family == 6];

	*c = (struct hayate_ctx){ .backend = backend, .family = family };
	*s = (struct bench_struct){
		.name = backend == HY_FIB_POPTRIE ? "hayate poptrie" : "hayate rte_fib",
		.family = family,
		.ctx = c,
		.create = hayate_create,
		.load = hayate_load,
		.update = hayate_update,
		.reclaim = hayate_reclaim,
		.bytes = hayate_bytes,
		.destroy = hayate_destroy,
		.batches = true,
		.n_variants = 2,
		.variants = {
			{ "bulk", family == 4 ? lookup4_bulk : lookup6_bulk, NULL, result_u32 },
			{ "single", family == 4 ? lookup4_single : lookup6_single, NULL, result_u32 },
		},
	};
}

void bench_hayate_poptrie(struct bench_struct *s, int family)
{
	hayate_fill(s, family, HY_FIB_POPTRIE);
}

void bench_hayate_rte_fib(struct bench_struct *s, int family)
{
	hayate_fill(s, family, HY_FIB_RTE_FIB);
}
