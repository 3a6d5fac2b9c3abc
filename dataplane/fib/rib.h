/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The authoritative route store of one address family: a binary trie keyed by
 * the prefix bits, one node per bit of every stored prefix.  Manager lcore
 * only (plain malloc, not thread-safe).  The lookup structures are built from
 * it, so it also answers the questions their builders ask: "is there a route
 * longer than depth D under this prefix" is "does this node have a child".
 *
 * Keys are 128-bit, left-aligned: an IPv4 address a is (u128)a << 96, an IPv6
 * address is its 16 bytes in network order.
 */
#ifndef HY_FIB_RIB_H
#define HY_FIB_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 hy_key;

#define RIB_NIL UINT32_MAX

struct rib_node {
	uint32_t child[2]; /* RIB_NIL when absent */
	uint32_t nh;	   /* 0: no route at this prefix */
};

struct hy_rib {
	struct rib_node *nodes; /* nodes[0] is the root (depth 0) */
	uint32_t n_nodes;	/* slots handed out, free ones included */
	uint32_t cap;
	uint32_t free_head; /* free slots chained through child[0] */
	uint32_t n_free;
	uint32_t routes;
	uint32_t max_routes;
	uint8_t maxlen; /* 32 or 128 */
	/*
	 * Groups: the number of distinct prefixes of length L, L in
	 * {grp_first, grp_first + grp_step, ...}, that have a route longer than
	 * L beneath them.  This is an upper bound of the second-level groups
	 * (tbl8) that DPDK's DIR24_8 (first 24, one level) and TRIE (24, 32, ..)
	 * need, counted exactly so the rte_fib backend can refuse a route before
	 * DPDK runs out.
	 */
	uint8_t grp_first, grp_step, grp_last;
	uint64_t groups;
};

static inline unsigned rib_bit(hy_key key, unsigned depth)
{
	return (unsigned)(key >> (127 - depth)) & 1u;
}

static inline hy_key rib_mask(hy_key key, unsigned len)
{
	if (len == 0)
		return 0;
	return key & ~(((hy_key)1 << (128 - len)) - 1);
}

static inline bool rib_has_children(const struct hy_rib *rib, uint32_t n)
{
	return n != RIB_NIL && (rib->nodes[n].child[0] != RIB_NIL || rib->nodes[n].child[1] != RIB_NIL);
}

int rib_init(struct hy_rib *rib, uint8_t maxlen, uint32_t max_routes, uint8_t grp_first, uint8_t grp_step);
void rib_fini(struct hy_rib *rib);

/* Next hop stored for exactly key/len, 0 if none. */
uint32_t rib_get(const struct hy_rib *rib, hy_key key, unsigned len);

/* Store key/len -> nh (nh != 0).  *old: the previous next hop or 0.
 * -ENOSPC at max_routes, -ENOMEM. */
int rib_set(struct hy_rib *rib, hy_key key, unsigned len, uint32_t nh, uint32_t *old);

/* Remove key/len; *old: its next hop.  -ENOENT when absent. */
int rib_del(struct hy_rib *rib, hy_key key, unsigned len, uint32_t *old);

/* Groups (see struct hy_rib) that adding key/len would newly need. */
unsigned rib_groups_needed(const struct hy_rib *rib, hy_key key, unsigned len);

/* Longest-prefix match over the store (slow path, for checks). */
uint32_t rib_lookup(const struct hy_rib *rib, hy_key key);

/* Node at depth len along key, RIB_NIL if none; *nh: the longest route's next
 * hop at depth <= len along the way (0 if none). */
uint32_t rib_descend(const struct hy_rib *rib, hy_key key, unsigned len, uint32_t *nh);

/* Every route in (address, length) order; stops when cb returns non-zero. */
typedef int (*rib_walk_cb)(hy_key key, unsigned len, uint32_t nh, void *arg);
int rib_walk(const struct hy_rib *rib, rib_walk_cb cb, void *arg);

size_t rib_bytes(const struct hy_rib *rib);

#endif
