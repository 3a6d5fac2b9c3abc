/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK's IPv6 structures under benchmark: rte_fib6 TRIE (scalar and AVX-512 lookup) and rte_lpm6. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_fib6.h>
#include <rte_lcore.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>

#include "bench_impl.h"

/*
 * rte_fib6 needs 4-byte entries: the full table uses more tbl8 groups (~38k)
 * than 2-byte entries can index.  Its reservation count drifts on delete, so
 * the update measurement can still end in -ENOSPC: that is reported.
 */
#define FIB6_TBL8S (1u << 18)
#define LPM6_TBL8S (1u << 19)

static struct rte_fib6 *fib6;
static struct rte_lpm6 *lpm6;
static uint64_t lpm6_alloc_bytes;

/* ---- rte_fib6 TRIE ---- */

/*
 * First fields of DPDK 22.11's struct rte_trie_tbl (lib/fib/trie.h): the tbl8
 * counters.  The trie keeps its groups-in-use count in rsvd_tbl8s (cur_tbl8s
 * stays 0), so that is what is counted.
 */
struct trie_head {
	uint32_t number_tbl8s, rsvd_tbl8s, cur_tbl8s;
};

static int fib6_create(struct bench_struct *s, const struct bench_table *t)
{
	struct rte_fib6_conf conf = {
		.type = RTE_FIB6_TRIE,
		.default_nh = 0,
		.max_routes = (int)t->n + 65536,
		.trie = { .nh_sz = RTE_FIB6_TRIE_4B, .num_tbl8 = FIB6_TBL8S },
	};

	(void)s;
	fib6 = rte_fib6_create("bench_fib6", (int)rte_socket_id(), &conf);
	if (fib6 == NULL) {
		fprintf(stderr, "bench-fib: rte_fib6_create: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

static int fib6_load(struct bench_struct *s, const struct bench_table *t)
{
	(void)s;
	for (uint32_t i = 0; i < t->n; i++) {
		int rc = rte_fib6_add(fib6, t->prefixes[i].addr, t->prefixes[i].depth, t->prefixes[i].nh);

		if (rc < 0) {
			fprintf(stderr, "bench-fib: rte_fib6_add #%u: %s\n", i, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int fib6_update(struct bench_struct *s, const struct bench_prefix *p, unsigned int n, unsigned int batch)
{
	int rc = 0;

	(void)s;
	(void)batch;
	for (unsigned int i = 0; i < n && rc == 0; i++) {
		rc = rte_fib6_delete(fib6, p[i].addr, p[i].depth);
		if (rc == 0)
			rc = rte_fib6_add(fib6, p[i].addr, p[i].depth, p[i].nh);
	}
	return rc;
}

static uint64_t fib6_bytes(struct bench_struct *s, bool *allocated_only)
{
	const struct trie_head *h = rte_fib6_get_dp(fib6);

	(void)s;
	if (h->number_tbl8s != FIB6_TBL8S || h->rsvd_tbl8s > h->number_tbl8s) { /* another DPDK layout: count what is allocated */
		*allocated_only = true;
		return (uint64_t)4 * ((1u << 24) + (uint64_t)FIB6_TBL8S * 256);
	}
	*allocated_only = false;
	return (uint64_t)4 * ((1u << 24) + (uint64_t)h->rsvd_tbl8s * 256);
}

static void fib6_destroy(struct bench_struct *s)
{
	(void)s;
	rte_fib6_free(fib6);
	fib6 = NULL;
}

static void fib6_lookup(void *ctx, const void *addrs, void *res, unsigned int n)
{
	(void)ctx;
	rte_fib6_lookup_bulk(fib6, (uint8_t(*)[16])(uintptr_t)addrs, res, (int)n);
}

static uint32_t fib6_result(const void *res, unsigned int i)
{
	return (uint32_t)((const uint64_t *)res)[i];
}

static int fib6_select_scalar(void *ctx)
{
	(void)ctx;
	return rte_fib6_select_lookup(fib6, RTE_FIB6_LOOKUP_TRIE_SCALAR);
}

static int fib6_select_avx512(void *ctx)
{
	(void)ctx;
	return rte_fib6_select_lookup(fib6, RTE_FIB6_LOOKUP_TRIE_VECTOR_AVX512);
}

void bench_rte_fib6(struct bench_struct *s)
{
	*s = (struct bench_struct){
		.name = "rte_fib6 trie",
		.family = 6,
		.dpdk = true,
		.create = fib6_create,
		.load = fib6_load,
		.update = fib6_update,
		.bytes = fib6_bytes,
		.destroy = fib6_destroy,
		.n_variants = 2,
		.variants = {
			{ "scalar", fib6_lookup, fib6_select_scalar, fib6_result },
			{ "avx512", fib6_lookup, fib6_select_avx512, fib6_result },
		},
	};
}

/* ---- rte_lpm6 ---- */

static uint64_t heap_allocated(void)
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats((int)rte_socket_id(), &st) < 0)
		return 0;
	return st.heap_allocsz_bytes;
}

static int lpm6_create(struct bench_struct *s, const struct bench_table *t)
{
	struct rte_lpm6_config conf = { .max_rules = t->n + 65536, .number_tbl8s = LPM6_TBL8S };
	uint64_t before = heap_allocated();

	(void)s;
	lpm6 = rte_lpm6_create("bench_lpm6", (int)rte_socket_id(), &conf);
	if (lpm6 == NULL) {
		fprintf(stderr, "bench-fib: rte_lpm6_create: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	lpm6_alloc_bytes = heap_allocated() - before;
	return 0;
}

static int lpm6_load(struct bench_struct *s, const struct bench_table *t)
{
	(void)s;
	for (uint32_t i = 0; i < t->n; i++) {
		int rc = rte_lpm6_add(lpm6, t->prefixes[i].addr, t->prefixes[i].depth, t->prefixes[i].nh);

		if (rc < 0) {
			fprintf(stderr, "bench-fib: rte_lpm6_add #%u: %s\n", i, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int lpm6_update(struct bench_struct *s, const struct bench_prefix *p, unsigned int n, unsigned int batch)
{
	int rc = 0;

	(void)s;
	(void)batch;
	for (unsigned int i = 0; i < n && rc == 0; i++) {
		rc = rte_lpm6_delete(lpm6, p[i].addr, p[i].depth);
		if (rc == 0)
			rc = rte_lpm6_add(lpm6, p[i].addr, p[i].depth, p[i].nh);
	}
	return rc;
}

/* rte_lpm6 hides its tables: report what its creation allocated (tables and rule hash). */
static uint64_t lpm6_bytes(struct bench_struct *s, bool *allocated_only)
{
	(void)s;
	*allocated_only = true;
	return lpm6_alloc_bytes;
}

static void lpm6_destroy(struct bench_struct *s)
{
	(void)s;
	rte_lpm6_free(lpm6);
	lpm6 = NULL;
}

static void lpm6_lookup(void *ctx, const void *addrs, void *res, unsigned int n)
{
	(void)ctx;
	rte_lpm6_lookup_bulk_func(lpm6, (uint8_t(*)[16])(uintptr_t)addrs, res, n);
}

static uint32_t lpm6_result(const void *res, unsigned int i)
{
	int32_t r = ((const int32_t *)res)[i];

	return r < 0 ? 0 : (uint32_t)r;
}

void bench_rte_lpm6(struct bench_struct *s)
{
	*s = (struct bench_struct){
		.name = "rte_lpm6",
		.family = 6,
		.dpdk = true,
		.create = lpm6_create,
		.load = lpm6_load,
		.update = lpm6_update,
		.bytes = lpm6_bytes,
		.destroy = lpm6_destroy,
		.n_variants = 1,
		.variants = { { "bulk", lpm6_lookup, NULL, lpm6_result } },
	};
}
