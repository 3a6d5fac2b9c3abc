/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Poptrie lookups: forwarder lcores, lock-free, no allocation, no syscalls.
 * The caller holds the root it loaded (pt_root) for the whole burst and
 * reports a quiescent state only after it.
 */
#include "poptrie.h"

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_prefetch.h>

#define BURST 32

static inline unsigned popcnt(uint64_t x)
{
	return (unsigned)__builtin_popcountll(x);
}

static inline uint32_t dir_load(const struct pt_root *rt, uint32_t e)
{
	return __atomic_load_n(&rt->dir[e], __ATOMIC_ACQUIRE);
}

uint32_t pt_lookup4(const struct pt_root *rt, uint32_t addr)
{
	uint32_t e = dir_load(rt, addr >> (32 - PT4_DIR_BITS));
	if (likely(e & PT_LEAF))
		return e & ~PT_LEAF;
	const uint64_t key = (uint64_t)addr << 32;
	const struct pt_node *n = &rt->nodes[e];
	unsigned off = PT4_DIR_BITS;
	for (;;) {
		unsigned v = (unsigned)((key << off) >> 58);
		uint64_t upto = (2ULL << v) - 1;
		if (n->vector & (1ULL << v)) {
			n = &rt->nodes[n->base_node + popcnt(n->vector & upto) - 1];
			off += 6;
		} else {
			return rt->leaves[n->base_leaf + popcnt(n->leafvec & upto) - 1];
		}
	}
}

/*
 * IPv6 keys as two 64-bit halves, host order.  The 6-bit slot at bit offset
 * off comes from the half that holds it: a 128-bit shift by a variable count
 * costs about eight instructions with its carry between halves, and a walk
 * takes up to seven of them per address.
 */
struct key6 {
	uint64_t hi, lo;
};

static inline struct key6 key6(const uint8_t addr[16])
{
	struct key6 k;
	__builtin_memcpy(&k.hi, addr, 8);
	__builtin_memcpy(&k.lo, addr + 8, 8);
	k.hi = rte_be_to_cpu_64(k.hi);
	k.lo = rte_be_to_cpu_64(k.lo);
	return k;
}

static inline unsigned slot6(struct key6 k, unsigned off)
{
	if (off <= 58)
		return (unsigned)((k.hi << off) >> 58);
	if (off >= 64)
		return (unsigned)((k.lo << (off - 64)) >> 58);
	return (unsigned)(((k.hi << off) | (k.lo >> (64 - off))) >> 58);
}

static inline uint32_t walk6(const struct pt_root *rt, const struct pt_node *n, struct key6 key, unsigned off)
{
	for (;;) {
		unsigned v = slot6(key, off);
		uint64_t upto = (2ULL << v) - 1;
		if (n->vector & (1ULL << v)) {
			n = &rt->nodes[n->base_node + popcnt(n->vector & upto) - 1];
			off += 6;
		} else {
			return rt->leaves[n->base_leaf + popcnt(n->leafvec & upto) - 1];
		}
	}
}

uint32_t pt_lookup6(const struct pt_root *rt, unsigned dir_bits, const uint8_t addr[16])
{
	struct key6 key = key6(addr);
	uint32_t e = dir_load(rt, (uint32_t)(key.hi >> (64 - dir_bits)));
	if (e & PT_LEAF)
		return e & ~PT_LEAF;
	return walk6(rt, &rt->nodes[e], key, dir_bits);
}

/*
 * Bursts: every address advances one level per round, and the next round's
 * node (or leaf) is prefetched for all of them first, so the cache misses of
 * a burst overlap instead of following one another.
 */
static void burst4(const struct pt_root *rt, const uint32_t *addrs, uint32_t *nhs, unsigned n)
{
	uint32_t cur[BURST];
	uint8_t active[BURST], leafy[BURST];
	unsigned n_active = 0, n_leafy = 0;
	for (unsigned i = 0; i < n; i++)
		rte_prefetch0(&rt->dir[addrs[i] >> (32 - PT4_DIR_BITS)]);
	for (unsigned i = 0; i < n; i++) {
		uint32_t e = dir_load(rt, addrs[i] >> (32 - PT4_DIR_BITS));
		if (e & PT_LEAF) {
			nhs[i] = e & ~PT_LEAF;
		} else {
			cur[i] = e;
			rte_prefetch0(&rt->nodes[e]);
			active[n_active++] = (uint8_t)i;
		}
	}
	for (unsigned off = PT4_DIR_BITS; n_active != 0; off += 6) {
		unsigned still = 0;
		for (unsigned k = 0; k < n_active; k++) {
			unsigned i = active[k];
			const struct pt_node *nd = &rt->nodes[cur[i]];
			unsigned v = (unsigned)(((uint64_t)addrs[i] << 32 << off) >> 58);
			uint64_t upto = (2ULL << v) - 1;
			if (nd->vector & (1ULL << v)) {
				cur[i] = nd->base_node + popcnt(nd->vector & upto) - 1;
				rte_prefetch0(&rt->nodes[cur[i]]);
				active[still++] = (uint8_t)i;
			} else {
				cur[i] = nd->base_leaf + popcnt(nd->leafvec & upto) - 1;
				rte_prefetch0(&rt->leaves[cur[i]]);
				leafy[n_leafy++] = (uint8_t)i;
			}
		}
		n_active = still;
	}
	for (unsigned k = 0; k < n_leafy; k++)
		nhs[leafy[k]] = rt->leaves[cur[leafy[k]]];
}

void pt_lookup4_burst(const struct pt_root *rt, const uint32_t *addrs, uint32_t *nhs, unsigned n)
{
	for (unsigned i = 0; i < n; i += BURST)
		burst4(rt, addrs + i, nhs + i, n - i < BURST ? n - i : BURST);
}

/*
 * The rounds read only each key's upper 64 bits, as long as a level's slot
 * lies in them (offsets up to 58: every walk that ends by /64, nearly all);
 * the few lanes still on a node past that finish with walk6 on the whole key.
 * Against slot6 in every round: 7% fewer cycles a packet in hayate-fwd's
 * IPv6 burst path (docs/benchmarks.md, FIB).
 */
static void burst6(const struct pt_root *rt, unsigned s, const uint8_t (*addrs)[16], uint32_t *nhs, unsigned n)
{
	uint64_t hi[BURST];
	uint32_t cur[BURST];
	uint8_t active[BURST], leafy[BURST];
	unsigned n_active = 0, n_leafy = 0, off;
	for (unsigned i = 0; i < n; i++) {
		__builtin_memcpy(&hi[i], addrs[i], 8);
		hi[i] = rte_be_to_cpu_64(hi[i]);
		rte_prefetch0(&rt->dir[(uint32_t)(hi[i] >> (64 - s))]);
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t e = dir_load(rt, (uint32_t)(hi[i] >> (64 - s)));
		if (e & PT_LEAF) {
			nhs[i] = e & ~PT_LEAF;
		} else {
			cur[i] = e;
			rte_prefetch0(&rt->nodes[e]);
			active[n_active++] = (uint8_t)i;
		}
	}
	for (off = s; n_active != 0 && off <= 58; off += 6) {
		unsigned still = 0;
		for (unsigned k = 0; k < n_active; k++) {
			unsigned i = active[k];
			const struct pt_node *nd = &rt->nodes[cur[i]];
			unsigned v = (unsigned)((hi[i] << off) >> 58);
			uint64_t upto = (2ULL << v) - 1;
			if (nd->vector & (1ULL << v)) {
				cur[i] = nd->base_node + popcnt(nd->vector & upto) - 1;
				rte_prefetch0(&rt->nodes[cur[i]]);
				active[still++] = (uint8_t)i;
			} else {
				cur[i] = nd->base_leaf + popcnt(nd->leafvec & upto) - 1;
				rte_prefetch0(&rt->leaves[cur[i]]);
				leafy[n_leafy++] = (uint8_t)i;
			}
		}
		n_active = still;
	}
	for (unsigned k = 0; k < n_active; k++) {
		unsigned i = active[k];
		nhs[i] = walk6(rt, &rt->nodes[cur[i]], key6(addrs[i]), off);
	}
	for (unsigned k = 0; k < n_leafy; k++)
		nhs[leafy[k]] = rt->leaves[cur[leafy[k]]];
}

void pt_lookup6_burst(const struct pt_root *rt, unsigned dir_bits, const uint8_t (*addrs)[16], uint32_t *nhs,
		      unsigned n)
{
	for (unsigned i = 0; i < n; i += BURST)
		burst6(rt, dir_bits, addrs + i, nhs + i, n - i < BURST ? n - i : BURST);
}
