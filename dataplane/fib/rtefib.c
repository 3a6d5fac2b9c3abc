/* SPDX-License-Identifier: BSD-3-Clause */
/* The rte_fib / rte_fib6 backend, double-buffered (see rtefib.h). */
#include "rtefib.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>

#include "fib.h"

#define LOOKUP_CHUNK 64

struct instance {
	struct rte_fib *f4;
	struct rte_fib6 *f6;
};

struct rcopy {
	struct instance side[2];
	unsigned active; /* readers use side[active] (atomic) */
	int socket;
};

struct logged_op {
	hy_key key;
	uint32_t nh; /* 0: delete */
	uint8_t family, len;
};

struct rtefib {
	const struct hy_rib *rib4, *rib6;
	unsigned n_copies;
	struct rcopy copy[HY_FIB_MAX_NUMA];
	struct rte_rcu_qsbr *qsbr;
	uint32_t max4, max6;
	uint32_t groups4, groups6;	   /* admitted by the route store's exact count */
	uint32_t dpdk_tbl8_4, dpdk_tbl8_6; /* configured in DPDK: room for its over-reservation */
	struct logged_op *log;
	uint32_t n_log, cap_log;
	uint64_t rebuilds;
};

static unsigned instance_seq;

static struct rte_fib *make4(const struct rtefib *rf, int socket)
{
	char name[32];
	snprintf(name, sizeof(name), "hyf4_%u", __atomic_fetch_add(&instance_seq, 1, __ATOMIC_RELAXED));
	struct rte_fib_conf conf = {
		.type = RTE_FIB_DIR24_8,
		.default_nh = HY_FIB_NH_NONE,
		.max_routes = (int)rf->max4,
		.rib_ext_sz = 0,
		.dir24_8 = {.nh_sz = RTE_FIB_DIR24_8_4B, .num_tbl8 = rf->dpdk_tbl8_4},
	};
	return rte_fib_create(name, socket < 0 ? SOCKET_ID_ANY : socket, &conf);
}

static struct rte_fib6 *make6(const struct rtefib *rf, int socket)
{
	char name[32];
	snprintf(name, sizeof(name), "hyf6_%u", __atomic_fetch_add(&instance_seq, 1, __ATOMIC_RELAXED));
	struct rte_fib6_conf conf = {
		.type = RTE_FIB6_TRIE,
		.default_nh = HY_FIB_NH_NONE,
		.max_routes = (int)rf->max6,
		.trie = {.nh_sz = RTE_FIB6_TRIE_4B, .num_tbl8 = rf->dpdk_tbl8_6},
	};
	return rte_fib6_create(name, socket < 0 ? SOCKET_ID_ANY : socket, &conf);
}

static void key_to_v6(hy_key key, uint8_t out[16])
{
	uint64_t hi = rte_cpu_to_be_64((uint64_t)(key >> 64)), lo = rte_cpu_to_be_64((uint64_t)key);
	memcpy(out, &hi, 8);
	memcpy(out + 8, &lo, 8);
}

static int fib_op(struct instance *in, unsigned family, hy_key key, unsigned len, uint32_t nh)
{
	if (family == 4) {
		uint32_t a = (uint32_t)(key >> 96);
		return nh ? rte_fib_add(in->f4, a, (uint8_t)len, nh) : rte_fib_delete(in->f4, a, (uint8_t)len);
	}
	uint8_t a[16];
	key_to_v6(key, a);
	return nh ? rte_fib6_add(in->f6, a, (uint8_t)len, nh) : rte_fib6_delete(in->f6, a, (uint8_t)len);
}

struct load_arg {
	struct instance *in;
	unsigned family;
};

static int load_route(hy_key key, unsigned len, uint32_t nh, void *arg)
{
	struct load_arg *la = arg;
	return fib_op(la->in, la->family, key, len, nh);
}

/* Replace one instance (not in readers' use) by a fresh one loaded from the store. */
static int rebuild(struct rtefib *rf, struct instance *in, int socket, unsigned family)
{
	struct instance fresh = {NULL, NULL};
	if (family == 4)
		fresh.f4 = make4(rf, socket);
	else
		fresh.f6 = make6(rf, socket);
	if (fresh.f4 == NULL && fresh.f6 == NULL)
		return -rte_errno ? -rte_errno : -ENOMEM;
	struct load_arg la = {&fresh, family};
	int rc = rib_walk(family == 4 ? rf->rib4 : rf->rib6, load_route, &la);
	if (rc != 0) {
		rte_fib_free(fresh.f4);
		rte_fib6_free(fresh.f6);
		return rc < 0 ? rc : -EIO;
	}
	if (family == 4) {
		rte_fib_free(in->f4);
		in->f4 = fresh.f4;
	} else {
		rte_fib6_free(in->f6);
		in->f6 = fresh.f6;
	}
	rf->rebuilds++;
	return 0;
}

/*
 * One operation on one idle instance.  DPDK's drifted reservation is cured by
 * rebuilding the instance from the store, which already holds the operation:
 * returns 1 then (also for /0, below).
 */
static int idle_op(struct rtefib *rf, struct instance *in, int socket, const struct logged_op *op)
{
	/*
	 * DPDK 22.11's DIR24_8 mishandles prefixes that reach the last address
	 * of the space: a default route is written over the whole table (found
	 * by the fuzz target), and 255.255.255.252/30 added over its two /32s
	 * overwrites them and 0.0.0.0 (the end of its range wraps to 0; found by
	 * tests/fib).  An instance loaded in address order, covering prefixes
	 * first, is right, so such a change reloads the idle instance.
	 */
	bool reaches_top = (~op->key & rib_mask(~(hy_key)0, op->len)) == 0;
	int rc = reaches_top ? -ENOSPC : fib_op(in, op->family, op->key, op->len, op->nh);
	if (rc == -ENOSPC) {
		rc = rebuild(rf, in, socket, op->family);
		return rc < 0 ? rc : 1;
	}
	return rc;
}

int rtefib_create(struct rtefib **rfp, const struct hy_rib *rib4, const struct hy_rib *rib6, unsigned n_copies,
		  const int *sockets, struct rte_rcu_qsbr *qsbr, char *err, size_t errlen)
{
	struct rtefib *rf = calloc(1, sizeof(*rf));
	if (rf == NULL) {
		snprintf(err, errlen, "rte_fib backend: out of memory");
		return -ENOMEM;
	}
	rf->rib4 = rib4;
	rf->rib6 = rib6;
	rf->n_copies = n_copies;
	rf->qsbr = qsbr;
	rf->max4 = RTE_MAX(rib4->max_routes, 1u);
	rf->max6 = RTE_MAX(rib6->max_routes, 1u);
	/*
	 * tbl8 groups.  IPv4: a real table needs about one per 1,000 routes
	 * (only /25../32 need one, one per /24 holding them).  IPv6: the real
	 * table uses 0.24 per route, but TRIE reserves, per route, one group per
	 * byte between the covering route's depth and its own (1.7 per route
	 * for the real table, 273,035 for 160,147 routes) and refuses routes
	 * once the reservation reaches the pool: the pool is sized for 2 per
	 * route.  The store's exact count of what can really be needed is
	 * admitted up to the pool size.
	 */
	rf->dpdk_tbl8_4 = RTE_MAX(rf->max4 / 32, 1024u);
	rf->dpdk_tbl8_6 = RTE_MAX(2 * rf->max6, 1024u);
	rf->groups4 = rf->dpdk_tbl8_4;
	rf->groups6 = rf->dpdk_tbl8_6;
	for (unsigned c = 0; c < n_copies; c++) {
		rf->copy[c].socket = sockets[c];
		for (unsigned s = 0; s < 2; s++) {
			struct instance *in = &rf->copy[c].side[s];
			in->f4 = make4(rf, sockets[c]);
			in->f6 = in->f4 ? make6(rf, sockets[c]) : NULL;
			if (in->f6 == NULL) {
				snprintf(err, errlen,
					 "rte_fib backend: cannot create rte_fib/rte_fib6 on NUMA node %d "
					 "(%u and %u tbl8 groups): %s",
					 sockets[c], rf->dpdk_tbl8_4, rf->dpdk_tbl8_6, rte_strerror(rte_errno));
				rtefib_free(rf);
				return -ENOMEM;
			}
		}
	}
	*rfp = rf;
	return 0;
}

void rtefib_free(struct rtefib *rf)
{
	if (rf == NULL)
		return;
	for (unsigned c = 0; c < HY_FIB_MAX_NUMA; c++) {
		for (unsigned s = 0; s < 2; s++) {
			rte_fib_free(rf->copy[c].side[s].f4);
			rte_fib6_free(rf->copy[c].side[s].f6);
		}
	}
	free(rf->log);
	free(rf);
}

uint64_t rtefib_groups4(const struct rtefib *rf)
{
	return rf->groups4;
}

uint64_t rtefib_groups6(const struct rtefib *rf)
{
	return rf->groups6;
}

void rtefib_begin(struct rtefib *rf)
{
	rf->n_log = 0;
}

int rtefib_op(struct rtefib *rf, unsigned family, hy_key key, unsigned len, uint32_t nh)
{
	if (rf->n_log == rf->cap_log) {
		uint32_t cap = rf->cap_log ? rf->cap_log * 2 : 1024;
		struct logged_op *g = realloc(rf->log, cap * sizeof(*g));
		if (g == NULL)
			return -ENOMEM;
		rf->log = g;
		rf->cap_log = cap;
	}
	struct logged_op op = {key, nh, (uint8_t)family, (uint8_t)len};
	for (unsigned c = 0; c < rf->n_copies; c++) {
		struct rcopy *cp = &rf->copy[c];
		int rc = idle_op(rf, &cp->side[cp->active ^ 1], cp->socket, &op);
		if (rc < 0) {
			/* Undo on the copies done so far: a rebuild from the store, which
			 * the caller rolls back first, is the simplest exact undo. */
			return rc;
		}
	}
	rf->log[rf->n_log++] = op;
	return 0;
}

static bool batch_has_family(const struct rtefib *rf, unsigned family)
{
	for (uint32_t i = 0; i < rf->n_log; i++)
		if (rf->log[i].family == family)
			return true;
	return false;
}

int rtefib_commit(struct rtefib *rf)
{
	for (unsigned c = 0; c < rf->n_copies; c++)
		__atomic_store_n(&rf->copy[c].active, rf->copy[c].active ^ 1, __ATOMIC_RELEASE);
	if (rf->qsbr != NULL)
		rte_rcu_qsbr_synchronize(rf->qsbr, RTE_QSBR_THRID_INVALID);
	int ret = 0;
	for (unsigned c = 0; c < rf->n_copies; c++) {
		struct rcopy *cp = &rf->copy[c];
		struct instance *in = &cp->side[cp->active ^ 1];
		for (uint32_t i = 0; i < rf->n_log; i++) {
			int rc = idle_op(rf, in, cp->socket, &rf->log[i]);
			if (rc == 1) { /* rebuilt from the store: already at the batch's end */
				if (rf->log[i].family == 4 || !batch_has_family(rf, 4))
					if (rf->log[i].family == 6 || !batch_has_family(rf, 6))
						break;
				rc = rebuild(rf, in, cp->socket, rf->log[i].family == 4 ? 6 : 4);
				if (rc < 0)
					ret = rc;
				break;
			}
			if (rc < 0) {
				/* Cannot replay: rebuild both families of this instance. */
				rc = rebuild(rf, in, cp->socket, 4);
				if (rc == 0)
					rc = rebuild(rf, in, cp->socket, 6);
				if (rc < 0)
					ret = rc;
				break;
			}
		}
	}
	rf->n_log = 0;
	return ret;
}

int rtefib_resync(struct rtefib *rf, unsigned family)
{
	int ret = 0;
	for (unsigned c = 0; c < rf->n_copies; c++) {
		struct rcopy *cp = &rf->copy[c];
		int rc = rebuild(rf, &cp->side[cp->active ^ 1], cp->socket, family);
		if (rc < 0)
			ret = rc;
	}
	return ret;
}

uint64_t rtefib_rebuilds(const struct rtefib *rf)
{
	return rf->rebuilds;
}

uint64_t rtefib_bytes(const struct rtefib *rf, unsigned family)
{
	/* First level (2^24 entries of 4 bytes) plus the tbl8 groups (256 of 4
	 * bytes), per instance; two instances per copy. */
	uint64_t groups = family == 4 ? rf->dpdk_tbl8_4 : rf->dpdk_tbl8_6;
	return 2 * ((4ULL << 24) + groups * 256 * 4);
}

void rtefib_lookup4_bulk(const struct rtefib *rf, unsigned copy, const uint32_t *addrs, uint32_t *nhs, unsigned n)
{
	const struct rcopy *cp = &rf->copy[copy];
	struct rte_fib *f = cp->side[__atomic_load_n(&cp->active, __ATOMIC_ACQUIRE)].f4;
	uint64_t out[LOOKUP_CHUNK];
	for (unsigned i = 0; i < n; i += LOOKUP_CHUNK) {
		unsigned k = RTE_MIN(n - i, (unsigned)LOOKUP_CHUNK);
		rte_fib_lookup_bulk(f, (uint32_t *)(uintptr_t)(addrs + i), out, k);
		for (unsigned j = 0; j < k; j++)
			nhs[i + j] = (uint32_t)out[j];
	}
}

void rtefib_lookup6_bulk(const struct rtefib *rf, unsigned copy, const uint8_t (*addrs)[16], uint32_t *nhs, unsigned n)
{
	const struct rcopy *cp = &rf->copy[copy];
	struct rte_fib6 *f = cp->side[__atomic_load_n(&cp->active, __ATOMIC_ACQUIRE)].f6;
	uint64_t out[LOOKUP_CHUNK];
	for (unsigned i = 0; i < n; i += LOOKUP_CHUNK) {
		unsigned k = RTE_MIN(n - i, (unsigned)LOOKUP_CHUNK);
		rte_fib6_lookup_bulk(f, (uint8_t(*)[16])(uintptr_t)(addrs + i), out, k);
		for (unsigned j = 0; j < k; j++)
			nhs[i + j] = (uint32_t)out[j];
	}
}
