/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The alternative backend: DPDK rte_fib (DIR24_8) for IPv4 and rte_fib6
 * (TRIE) for IPv6, driven from the same route store as Poptrie.
 *
 * Reader safety.  rte_fib in DPDK 22.11 has no RCU hook: an update writes
 * the live tables in place, and a delete returns a second-level (tbl8) group
 * to the free pool at once, so a later add may reuse it while a lookup that
 * read the old first-level entry is still inside it.  This backend therefore
 * keeps two instances per lookup copy: a batch is applied to the one readers
 * do not use, the two are swapped with an atomic store, the writer waits for
 * the readers' grace period (rte_rcu_qsbr_synchronize) and then applies the
 * same batch to the other one.  Readers never see an instance being written.
 *
 * Capacity.  Each instance has room for max_routes prefixes and a fixed
 * number of tbl8 groups.  The route store counts exactly how many groups
 * the table can need at most (rib.h); a route that would exceed them is
 * refused with -ENOSPC before DPDK sees it.  DPDK's own reservation count
 * drifts on delete (it can report -ENOSPC with groups to spare); when that
 * happens the instance, which no reader uses at that moment, is rebuilt from
 * the route store and the operation retried.
 */
#ifndef HY_FIB_RTEFIB_H
#define HY_FIB_RTEFIB_H

#include <stdint.h>

#include "rib.h"

struct rte_rcu_qsbr;
struct rtefib;

int rtefib_create(struct rtefib **rf, const struct hy_rib *rib4, const struct hy_rib *rib6, unsigned n_copies,
		  const int *sockets, struct rte_rcu_qsbr *qsbr, char *err, size_t errlen);
void rtefib_free(struct rtefib *rf);

/* Groups available to each family (rib.h's group count must stay below). */
uint64_t rtefib_groups4(const struct rtefib *rf);
uint64_t rtefib_groups6(const struct rtefib *rf);

/*
 * A batch: rtefib_begin, then for every operation already applied to the
 * route store rtefib_op (family 4/6, nh 0 for a delete), then rtefib_commit,
 * which publishes and brings the second instance up to date.
 */
void rtefib_begin(struct rtefib *rf);
int rtefib_op(struct rtefib *rf, unsigned family, hy_key key, unsigned len, uint32_t nh);
int rtefib_commit(struct rtefib *rf);

/* After a failed rtefib_op (the store rolled back): reload the idle instances. */
int rtefib_resync(struct rtefib *rf, unsigned family);

uint64_t rtefib_rebuilds(const struct rtefib *rf);
uint64_t rtefib_bytes(const struct rtefib *rf, unsigned family);

/* Forwarder lcores. */
void rtefib_lookup4_bulk(const struct rtefib *rf, unsigned copy, const uint32_t *addrs, uint32_t *nhs, unsigned n);
void rtefib_lookup6_bulk(const struct rtefib *rf, unsigned copy, const uint8_t (*addrs)[16], uint32_t *nhs,
			 unsigned n);

#endif
