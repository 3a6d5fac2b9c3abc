/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hayate FIB: the forwarder's routing table, IPv4 and IPv6.
 *
 * A FIB is an authoritative route store (prefix -> next-hop id, longest-prefix
 * semantics) plus one lookup structure per NUMA node built from it.  The
 * backend (Poptrie by default, DPDK rte_fib/rte_fib6 as the alternative) is
 * chosen at creation.
 *
 * Threading contract:
 *   - hy_fib_create/free, hy_fib_apply/add/del, hy_fib_stats, hy_fib_walk and
 *     hy_fib_reclaim run on ONE control thread (the manager lcore); they are
 *     not thread-safe among themselves.
 *   - hy_fib_lookup4/6 and their _bulk forms run on forwarder lcores, lock-free
 *     and allocation-free.  A reader thread must be registered with the QSBR
 *     variable passed in hy_fib_conf and report quiescent states between bursts
 *     (rte_rcu_qsbr_quiescent); memory it might still see is freed only after
 *     that.
 *   - An update is published with an atomic pointer swap: a concurrent lookup
 *     returns the next hop before or after the update, never anything else.
 *
 * Addresses: IPv4 as a host-order uint32_t, IPv6 as 16 bytes in network order.
 * Next-hop ids: 1..HY_FIB_NH_MAX; 0 means "no route".
 * Errors: negative errno; a message in the caller's buffer where one is taken.
 */
#ifndef HY_FIB_H
#define HY_FIB_H

#include <stddef.h>
#include <stdint.h>

struct rte_rcu_qsbr;

#define HY_FIB_NH_NONE 0u
#define HY_FIB_NH_MAX 0xffffu /* Poptrie leaves hold 16-bit next-hop ids */
#define HY_FIB_MAX_NUMA 8

enum hy_fib_backend {
	HY_FIB_POPTRIE = 0,
	HY_FIB_RTE_FIB = 1, /* rte_fib DIR24_8 + rte_fib6 TRIE */
};

struct hy_fib_conf {
	enum hy_fib_backend backend;
	uint32_t max_routes4;	 /* capacity promised to the caller, e.g. 2097152 */
	uint32_t max_routes6;	 /* e.g. 524288 */
	/* NUMA nodes that get a lookup copy (SOCKET_ID_ANY style -1 = any). */
	unsigned int n_numa;
	int numa[HY_FIB_MAX_NUMA];
	/* Readers' QSBR variable; NULL for single-threaded use (tools, tests):
	 * then memory is freed at once. */
	struct rte_rcu_qsbr *qsbr;
	const char *name; /* unique name for DPDK objects */
};

struct hy_fib;

/* One route operation of a batch. */
enum hy_fib_op { HY_FIB_ADD = 1, HY_FIB_DEL = 2 };

struct hy_fib_route {
	uint8_t family; /* 4 or 6 */
	uint8_t depth;	/* prefix length */
	uint8_t op;	/* enum hy_fib_op */
	uint8_t pad;
	uint32_t nh; /* next-hop id for ADD; ignored for DEL */
	union {
		uint32_t v4;	 /* host order */
		uint8_t v6[16]; /* network order */
	} addr;
};

struct hy_fib_stats {
	uint64_t routes4, routes6;
	uint64_t nodes4, leaves4, bytes4; /* per lookup copy */
	uint64_t nodes6, leaves6, bytes6;
	uint64_t rib_bytes; /* route store */
	uint64_t updates, update_errors;
	uint64_t pending_reclaim; /* objects waiting for readers' grace period */
};

/* Create a FIB.  Returns 0, or -errno with a message in err. */
int hy_fib_create(const struct hy_fib_conf *conf, struct hy_fib **fib, char *err, size_t errlen);
void hy_fib_free(struct hy_fib *fib);
enum hy_fib_backend hy_fib_backend(const struct hy_fib *fib);
const char *hy_fib_backend_name(enum hy_fib_backend backend);
int hy_fib_backend_parse(const char *name, enum hy_fib_backend *backend);

/*
 * Apply a batch in order and publish the result once.  ADD replaces an
 * existing route's next hop; DEL of an absent route is -ENOENT.  Stops at the
 * first failing operation: *applied tells how many took effect; returns 0 or
 * that operation's -errno (-ENOSPC when a capacity is reached, -EINVAL for a
 * bad prefix, depth or next hop).  Host bits beyond depth are ignored.
 */
int hy_fib_apply(struct hy_fib *fib, const struct hy_fib_route *ops, uint32_t n, uint32_t *applied);
int hy_fib_add4(struct hy_fib *fib, uint32_t addr, uint8_t depth, uint32_t nh);
int hy_fib_del4(struct hy_fib *fib, uint32_t addr, uint8_t depth);
int hy_fib_add6(struct hy_fib *fib, const uint8_t addr[16], uint8_t depth, uint32_t nh);
int hy_fib_del6(struct hy_fib *fib, const uint8_t addr[16], uint8_t depth);

/* Exact-match read of the route store: next hop of that prefix or 0. */
uint32_t hy_fib_get(const struct hy_fib *fib, const struct hy_fib_route *prefix);

/* Visit every route of the store (family 4, then 6); stop when cb returns non-zero. */
typedef int (*hy_fib_walk_cb)(const struct hy_fib_route *route, void *arg);
int hy_fib_walk(const struct hy_fib *fib, hy_fib_walk_cb cb, void *arg);

void hy_fib_stats(const struct hy_fib *fib, struct hy_fib_stats *stats);

/* Free what readers have finished with; call from the manager loop. */
void hy_fib_reclaim(struct hy_fib *fib);

/*
 * Lookups (forwarder lcores).  numa selects the copy: pass the lcore's
 * socket id; an unknown node falls back to the first copy.
 */
uint32_t hy_fib_lookup4(const struct hy_fib *fib, int numa, uint32_t addr);
uint32_t hy_fib_lookup6(const struct hy_fib *fib, int numa, const uint8_t addr[16]);
void hy_fib_lookup4_bulk(const struct hy_fib *fib, int numa, const uint32_t *addrs, uint32_t *nhs, unsigned int n);
void hy_fib_lookup6_bulk(const struct hy_fib *fib, int numa, const uint8_t (*addrs)[16], uint32_t *nhs, unsigned int n);

/*
 * Where a lookup makes its first two memory accesses, so that a forwarder
 * can prefetch them while it is still parsing the burst and the bulk lookup
 * finds them in cache (forwarder lcores): hy_fib_prefetch4/6 as soon as a
 * destination is known, hy_fib_prefetch4/6_next for the same address a few
 * packets later, when the first line has arrived.  Take the hint once per
 * burst; one that outlives an update costs a useless prefetch, never a wrong
 * result (lookups load the published structure themselves).
 */
struct hy_fib_hint {
	const uint32_t *dir4, *dir6; /* direct-pointing arrays; NULL where the backend gives none */
	const uint8_t *nodes4, *nodes6;
	unsigned int shift4, shift6; /* direct index = the address's first 32 bits >> shift */
	uint32_t leaf_flag;	     /* a direct entry with this bit is a leaf, else a node index */
	uint32_t node_size;	     /* bytes */
};
void hy_fib_hint(const struct hy_fib *fib, int numa, struct hy_fib_hint *hint);

static inline uint32_t hy_fib_top32_(const uint8_t *addr)
{
	return (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
}

static inline void hy_fib_prefetch_node_(const uint32_t *dir, const uint8_t *nodes, const struct hy_fib_hint *hint,
					 uint32_t top)
{
	/* Relaxed: the writer may be replacing the entry; a stale one only misdirects a prefetch. */
	uint32_t e = __atomic_load_n(&dir[top], __ATOMIC_RELAXED);

	if (!(e & hint->leaf_flag)) {
		const uint8_t *node = nodes + (size_t)e * hint->node_size;
		__builtin_prefetch(node);
		__builtin_prefetch(node + hint->node_size - 1); /* a node may straddle two lines */
	}
}

static inline void hy_fib_prefetch4(const struct hy_fib_hint *hint, uint32_t addr)
{
	if (hint->dir4 != NULL)
		__builtin_prefetch(&hint->dir4[addr >> hint->shift4]);
}

static inline void hy_fib_prefetch4_next(const struct hy_fib_hint *hint, uint32_t addr)
{
	if (hint->dir4 != NULL)
		hy_fib_prefetch_node_(hint->dir4, hint->nodes4, hint, addr >> hint->shift4);
}

/* addr: the IPv6 address in network order. */
static inline void hy_fib_prefetch6(const struct hy_fib_hint *hint, const uint8_t *addr)
{
	if (hint->dir6 != NULL)
		__builtin_prefetch(&hint->dir6[hy_fib_top32_(addr) >> hint->shift6]);
}

static inline void hy_fib_prefetch6_next(const struct hy_fib_hint *hint, const uint8_t *addr)
{
	if (hint->dir6 != NULL)
		hy_fib_prefetch_node_(hint->dir6, hint->nodes6, hint, hy_fib_top32_(addr) >> hint->shift6);
}

#endif
