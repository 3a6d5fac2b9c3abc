/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK's IPv4 structures under benchmark: rte_lpm and rte_fib DIR24_8 (scalar and AVX-512 lookup). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_lcore.h>
#include <rte_lpm.h>

#include "bench_impl.h"

/* Sized for the full table with room for the update measurement. */
#define LPM_TBL8S (1u << 16)
#define FIB_TBL8S ((1u << 15) - 1) /* the most 2-byte DIR24_8 entries can index */

static struct rte_lpm *lpm;
static struct rte_fib *fib;
static uint32_t lpm_max_rules;

/* ---- rte_lpm ---- */

static int lpm_create(struct bench_struct *s, const struct bench_table *t)
{
	struct rte_lpm_config conf = { .max_rules = t->n + 65536, .number_tbl8s = LPM_TBL8S };

	(void)s;
	lpm_max_rules = conf.max_rules;
	lpm = rte_lpm_create("bench_lpm", (int)rte_socket_id(), &conf);
	if (lpm == NULL) {
		fprintf(stderr, "bench-fib: rte_lpm_create: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

static int lpm_load(struct bench_struct *s, const struct bench_table *t)
{
	(void)s;
	for (uint32_t i = 0; i < t->n; i++) {
		int rc = rte_lpm_add(lpm, t->prefixes[i].v4, t->prefixes[i].depth, t->prefixes[i].nh);

		if (rc < 0) {
			fprintf(stderr, "bench-fib: rte_lpm_add #%u: %s\n", i, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int lpm_update(struct bench_struct *s, const struct bench_prefix *p, unsigned int n, unsigned int batch)
{
	int rc = 0;

	(void)s;
	(void)batch;
	for (unsigned int i = 0; i < n && rc == 0; i++) {
		rc = rte_lpm_delete(lpm, p[i].v4, p[i].depth);
		if (rc == 0)
			rc = rte_lpm_add(lpm, p[i].v4, p[i].depth, p[i].nh);
	}
	return rc;
}

/* tbl24 plus the tbl8 groups in use (rte_lpm marks them valid_group). */
static uint64_t lpm_bytes(struct bench_struct *s, bool *allocated_only)
{
	uint64_t groups = 0;

	(void)s;
	for (uint32_t g = 0; g < LPM_TBL8S; g++)
		groups += lpm->tbl8[g * RTE_LPM_TBL8_GROUP_NUM_ENTRIES].valid_group;
	*allocated_only = false;
	return sizeof(lpm->tbl24) + groups * RTE_LPM_TBL8_GROUP_NUM_ENTRIES * sizeof(lpm->tbl8[0]);
}

static void lpm_destroy(struct bench_struct *s)
{
	(void)s;
	rte_lpm_free(lpm);
	lpm = NULL;
}

static void lpm_lookup(void *ctx, const void *addrs, void *res, unsigned int n)
{
	(void)ctx;
	rte_lpm_lookup_bulk_func(lpm, addrs, res, n);
}

static uint32_t lpm_result(const void *res, unsigned int i)
{
	uint32_t r = ((const uint32_t *)res)[i];

	return (r & RTE_LPM_LOOKUP_SUCCESS) ? (r & 0x00ffffff) : 0;
}

void bench_rte_lpm(struct bench_struct *s)
{
	*s = (struct bench_struct){
		.name = "rte_lpm",
		.family = 4,
		.dpdk = true,
		.create = lpm_create,
		.load = lpm_load,
		.update = lpm_update,
		.bytes = lpm_bytes,
		.destroy = lpm_destroy,
		.n_variants = 1,
		.variants = { { "bulk", lpm_lookup, NULL, lpm_result } },
	};
}

/* ---- rte_fib DIR24_8 ---- */

/*
 * First fields of DPDK 22.11's struct dir24_8_tbl (lib/fib/dir24_8.h): the
 * tbl8 counters; the library rounds the group count up to its bitmap's 64.
 */
struct dir24_8_head {
	uint32_t number_tbl8s, rsvd_tbl8s, cur_tbl8s;
};

static int fib_create(struct bench_struct *s, const struct bench_table *t)
{
	struct rte_fib_conf conf = {
		.type = RTE_FIB_DIR24_8,
		.default_nh = 0,
		.max_routes = (int)t->n + 65536,
		.dir24_8 = { .nh_sz = RTE_FIB_DIR24_8_2B, .num_tbl8 = FIB_TBL8S },
	};

	(void)s;
	fib = rte_fib_create("bench_fib", (int)rte_socket_id(), &conf);
	if (fib == NULL) {
		fprintf(stderr, "bench-fib: rte_fib_create: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

static int fib_load(struct bench_struct *s, const struct bench_table *t)
{
	(void)s;
	for (uint32_t i = 0; i < t->n; i++) {
		int rc = rte_fib_add(fib, t->prefixes[i].v4, t->prefixes[i].depth, t->prefixes[i].nh);

		if (rc < 0) {
			fprintf(stderr, "bench-fib: rte_fib_add #%u: %s\n", i, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int fib_update(struct bench_struct *s, const struct bench_prefix *p, unsigned int n, unsigned int batch)
{
	int rc = 0;

	(void)s;
	(void)batch;
	for (unsigned int i = 0; i < n && rc == 0; i++) {
		rc = rte_fib_delete(fib, p[i].v4, p[i].depth);
		if (rc == 0)
			rc = rte_fib_add(fib, p[i].v4, p[i].depth, p[i].nh);
	}
	return rc;
}

static uint64_t fib_bytes(struct bench_struct *s, bool *allocated_only)
{
	const struct dir24_8_head *h = rte_fib_get_dp(fib);

	(void)s;
	if (h->number_tbl8s < FIB_TBL8S || h->number_tbl8s >= FIB_TBL8S + 64 || h->cur_tbl8s > h->number_tbl8s) { /* another DPDK layout: count what is allocated */
		*allocated_only = true;
		return (uint64_t)2 * ((1u << 24) + (uint64_t)FIB_TBL8S * 256);
	}
	*allocated_only = false;
	return (uint64_t)2 * ((1u << 24) + (uint64_t)h->cur_tbl8s * 256);
}

static void fib_destroy(struct bench_struct *s)
{
	(void)s;
	rte_fib_free(fib);
	fib = NULL;
}

static void fib_lookup(void *ctx, const void *addrs, void *res, unsigned int n)
{
	(void)ctx;
	rte_fib_lookup_bulk(fib, (uint32_t *)(uintptr_t)addrs, res, (int)n);
}

static uint32_t fib_result(const void *res, unsigned int i)
{
	return (uint32_t)((const uint64_t *)res)[i];
}

static int fib_select_scalar(void *ctx)
{
	(void)ctx;
	return rte_fib_select_lookup(fib, RTE_FIB_LOOKUP_DIR24_8_SCALAR_MACRO);
}

static int fib_select_avx512(void *ctx)
{
	(void)ctx;
	return rte_fib_select_lookup(fib, RTE_FIB_LOOKUP_DIR24_8_VECTOR_AVX512);
}

void bench_rte_fib(struct bench_struct *s)
{
	*s = (struct bench_struct){
		.name = "rte_fib dir24_8",
		.family = 4,
		.dpdk = true,
		.create = fib_create,
		.load = fib_load,
		.update = fib_update,
		.bytes = fib_bytes,
		.destroy = fib_destroy,
		.n_variants = 2,
		.variants = {
			{ "scalar", fib_lookup, fib_select_scalar, fib_result },
			{ "avx512", fib_lookup, fib_select_avx512, fib_result },
		},
	};
}
