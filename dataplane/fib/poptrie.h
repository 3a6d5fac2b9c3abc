/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Poptrie (Asai and Ohara, SIGCOMM 2015) for one address family, built from
 * and kept in step with a route store (rib.h).
 *
 * Layout, per lookup copy (one per NUMA node):
 *   dir[2^s]   direct pointing on the top s bits: a leaf (PT_LEAF | next hop)
 *              or the index of a root node;
 *   nodes[]    64-ary internal nodes: bit v of `vector` says slot v is a
 *              child node, found at base_node + popcount(vector & mask(v)) - 1;
 *              otherwise the slot's next hop is leaves[base_leaf +
 *              popcount(leafvec & mask(v)) - 1], where leafvec marks where a
 *              run of equal next hops begins among the leaf slots (leaf
 *              compression);
 *   leaves[]   16-bit next hops.
 * A node's children are contiguous, as are its leaves; both live in pools
 * carved into blocks of 1..64 entries (free list per block size).
 *
 * Updates (manager lcore) rebuild the smallest node whose slots a prefix
 * covers, copy the path above it and publish with one atomic store of a
 * 32-bit direct-pointing entry; replaced blocks go to an rte_rcu_qsbr defer
 * queue.  The structure after any update sequence equals a full build.
 */
#ifndef HY_FIB_POPTRIE_H
#define HY_FIB_POPTRIE_H

#include <stdint.h>

#include "rib.h"

struct rte_rcu_qsbr;
struct poptrie;

#define PT_LEAF 0x80000000u

struct pt_node {
	uint64_t vector;  /* slot is a child node */
	uint64_t leafvec; /* a run of equal leaves starts here */
	uint32_t base_leaf;
	uint32_t base_node;
};

/* What a lookup reads; replaced as a whole only when a pool grows. */
struct pt_root {
	uint32_t *dir;
	struct pt_node *nodes;
	uint16_t *leaves;
	uint32_t node_cap, leaf_cap;
	int socket;
};

int pt_create(struct poptrie **pt, const struct hy_rib *rib, unsigned dir_bits, unsigned n_copies, const int *sockets,
	      struct rte_rcu_qsbr *qsbr, const char *name, char *err, size_t errlen);
void pt_free(struct poptrie *pt);

/* The route store changed at key/len: bring every copy up to date. */
int pt_update(struct poptrie *pt, hy_key key, unsigned len);
/* Build every copy afresh from the route store and publish it. */
int pt_rebuild(struct poptrie *pt);
void pt_reclaim(struct poptrie *pt);

struct pt_stats {
	uint64_t nodes, leaves, bytes, pending;
};
void pt_stats(const struct poptrie *pt, struct pt_stats *st);

/* Forwarder lcores: the published root of a copy. */
const struct pt_root *pt_root(const struct poptrie *pt, unsigned copy);
unsigned pt_dir_bits(const struct poptrie *pt);

uint32_t pt_lookup4(const struct pt_root *rt, uint32_t addr);
uint32_t pt_lookup6(const struct pt_root *rt, unsigned dir_bits, const uint8_t addr[16]);
void pt_lookup4_burst(const struct pt_root *rt, const uint32_t *addrs, uint32_t *nhs, unsigned n);
void pt_lookup6_burst(const struct pt_root *rt, unsigned dir_bits, const uint8_t (*addrs)[16], uint32_t *nhs,
		      unsigned n);
/* AVX-512 (VPOPCNTDQ) bulk path; pt_have_avx512() says whether this CPU runs it. */
int pt_have_avx512(void);
void pt_lookup4_burst_avx512(const struct pt_root *rt, const uint32_t *addrs, uint32_t *nhs, unsigned n);

/* Direct-pointing widths, fixed at build time so the lookups shift by
 * constants (see fib.c for the measurements behind them). */
#ifndef PT4_DIR_BITS
#define PT4_DIR_BITS 18
#endif
#ifndef PT6_DIR_BITS
#define PT6_DIR_BITS 18
#endif

#endif
