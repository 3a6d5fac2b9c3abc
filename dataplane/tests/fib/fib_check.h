/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the FIB tests and the fuzz target: EAL start-up, a seeded
 * generator, and a checker that applies the same operation to a FIB of each
 * backend and to the reference, then compares lookups around the prefix.
 */
#ifndef HY_TEST_FIB_CHECK_H
#define HY_TEST_FIB_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fib/fib.h"
#include "ref_lpm.h"

typedef unsigned __int128 u128;

extern unsigned long test_failures;

#define CHECK(cond, ...)                                                                                   \
	do {                                                                                               \
		if (!(cond)) {                                                                             \
			test_failures++;                                                                   \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                    \
			fprintf(stderr, __VA_ARGS__);                                                      \
			fprintf(stderr, "\n");                                                             \
		}                                                                                          \
	} while (0)

/* EAL for tests: no hugepages, no PCI, nothing shared on disk. */
int test_eal_init(const char *prog, const char *mem_mb);

uint64_t rng_next(uint64_t *state);

/* Address helpers: a key is the address left-aligned in 128 bits. */
u128 key_of_v6(const uint8_t a[16]);
void v6_of_key(u128 key, uint8_t a[16]);
u128 prefix_mask(unsigned len);

struct hy_fib *make_fib(enum hy_fib_backend backend, uint32_t max4, uint32_t max6, struct rte_rcu_qsbr *qsbr);

/* Route operation in test form. */
struct test_op {
	unsigned family, len;
	u128 key; /* left-aligned */
	uint32_t nh; /* 0: delete */
};
struct hy_fib_route to_route(const struct test_op *op);

/* Lookup of one key (left-aligned) via the single and the bulk interfaces;
 * fails the test when they disagree. */
uint32_t fib_lookup_key(const struct hy_fib *fib, unsigned family, u128 key);
uint32_t ref_lookup_key(const struct ref_lpm *ref, unsigned family, u128 key);

/* Compare fib and reference at the edges of and around prefix key/len and at
 * a few random addresses; returns the number of mismatches. */
unsigned check_around(const struct hy_fib *fib, const struct ref_lpm *ref, unsigned family, u128 key, unsigned len,
		      uint64_t *rng, const char *what);

struct checker {
	struct hy_fib *fib[2]; /* poptrie, rte_fib */
	struct ref_lpm ref;
	uint64_t rng;
	uint64_t ops, mismatches;
};
int checker_init(struct checker *c, uint32_t max4, uint32_t max6);
void checker_fini(struct checker *c);
/* Apply to both FIBs and the reference; check return codes and lookups. */
void checker_apply(struct checker *c, const struct test_op *op);
/* Delete every route again (between fuzz inputs). */
void checker_reset(struct checker *c);
/* Decode fuzz bytes into operations and apply them all. */
void checker_run_bytes(struct checker *c, const uint8_t *data, size_t size);

#endif
