/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route tables and address sets of the FIB benchmark.  Every implementation
 * gets the same prefixes, next hops and addresses.  Main lcore only.
 */
#ifndef HY_BENCH_TABLE_H
#define HY_BENCH_TABLE_H

#include <stdbool.h>
#include <stdint.h>

/* Next hops 1..BENCH_NH_MAX fit every structure measured (rte_fib 2-byte entries keep one bit). */
#define BENCH_NH_MAX 4095u

struct bench_prefix {
	uint8_t depth;
	uint8_t addr[16]; /* IPv6: network order, host bits clear */
	uint32_t v4;	  /* IPv4: host order, host bits clear */
	uint32_t nh;	  /* 1..BENCH_NH_MAX, a hash of the prefix */
};

struct bench_table {
	int family; /* 4 or 6 */
	const char *path;
	struct bench_prefix *prefixes;
	uint32_t n;
};

/* The address sets: (a) uniform random, (b) inside the table's prefixes, (c) a hot set. */
enum bench_set { SET_RANDOM, SET_IN_TABLE, SET_HOT, SET_COUNT };
#define BENCH_HOT_ADDRS 1024u

struct bench_addrs {
	void *addrs; /* uint32_t[n] (host order) or uint8_t[n][16] */
	uint32_t n;
};

/*
 * Load a table of prefixes ("PREFIX/LEN" a line, gzip or plain text; lines
 * of the other family and blank or '#' lines are skipped; duplicates dropped).
 * At most limit prefixes when limit > 0.  Returns 0 or -errno with a message on stderr.
 */
int bench_table_load(struct bench_table *t, int family, const char *path, uint32_t limit);
void bench_table_free(struct bench_table *t);

/*
 * Fill an address set (deterministic for a seed).  IPv6 "random" draws from
 * 2000::/3, the global unicast space that holds the table, not all of ::/0.
 */
int bench_addrs_make(struct bench_addrs *a, const struct bench_table *t, enum bench_set set, uint32_t n,
		     uint64_t seed);
void bench_addrs_free(struct bench_addrs *a);

const char *bench_set_name(enum bench_set set);

#endif
