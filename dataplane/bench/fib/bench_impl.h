/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One lookup structure under benchmark (hayate's FIB or a DPDK library) and
 * the lookup variants measured on it (bulk/single, scalar/AVX-512).
 *
 * build, update, bytes and destroy run on the main lcore; lookup runs on the
 * main lcore or, during the update measurement, on the reader lcore.
 */
#ifndef HY_BENCH_IMPL_H
#define HY_BENCH_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "bench_table.h"

struct rte_rcu_qsbr;

#define BENCH_BURST_MAX 64
#define BENCH_VARIANTS_MAX 3

/* Look up n <= BENCH_BURST_MAX addresses; raw results go to res (at most 8 bytes each). */
typedef void (*bench_lookup_fn)(void *ctx, const void *addrs, void *res, unsigned int n);

struct bench_variant {
	const char *name;
	bench_lookup_fn lookup;
	/* Make this variant the structure's lookup (rte_fib_select_lookup); NULL when nothing to do.
	 * Returns 0 or -errno when the CPU or EAL does not allow it. */
	int (*select)(void *ctx);
	/* Next hop of result i in hayate's terms (0 = no route). */
	uint32_t (*result)(const void *res, unsigned int i);
};

struct bench_struct {
	const char *name;
	int family;
	bool dpdk; /* a competitor: the ratios are taken to the best of these */
	void *ctx;
	/* Allocate an empty structure able to hold table t (not timed). */
	int (*create)(struct bench_struct *s, const struct bench_table *t);
	/* Add every prefix of t (timed as the build). */
	int (*load)(struct bench_struct *s, const struct bench_table *t);
	/* Delete and re-add n prefixes, batch changes per publication where the structure
	 * has batches (others ignore batch). Returns 0 or -errno. */
	int (*update)(struct bench_struct *s, const struct bench_prefix *p, unsigned int n, unsigned int batch);
	/* Free what readers have finished with (hayate's RCU); may be NULL. */
	void (*reclaim)(struct bench_struct *s);
	/* Bytes of the lookup structure (what lookups may touch), and whether that is only known as allocated. */
	uint64_t (*bytes)(struct bench_struct *s, bool *allocated_only);
	void (*destroy)(struct bench_struct *s);
	bool batches; /* update() takes batches */
	unsigned int n_variants;
	struct bench_variant variants[BENCH_VARIANTS_MAX];
};

/* Readers' QSBR variable for the structures that use RCU (thread id 0 is the reader lcore). */
extern struct rte_rcu_qsbr *bench_qsbr;

/* Fill s for one family; the list is in bench_impl_list.c. */
void bench_hayate_poptrie(struct bench_struct *s, int family);
void bench_hayate_rte_fib(struct bench_struct *s, int family);
void bench_rte_lpm(struct bench_struct *s);
void bench_rte_fib(struct bench_struct *s);
void bench_rte_fib6(struct bench_struct *s);
void bench_rte_lpm6(struct bench_struct *s);

#endif
