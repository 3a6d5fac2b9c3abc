/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Next-hop table: id (1..65535, the FIB's result) -> what to do with the
 * packet.  Groups (ECMP) share the id space with next hops.
 *
 * Concurrency: the manager lcore is the only writer.  Each entry is guarded
 * by a sequence counter, so a forwarder lcore copies an entry lock-free and
 * retries only if it raced with an update of that very entry.  Member arrays
 * of groups are immutable; a replaced array is freed after a QSBR grace
 * period (hy_nh_commit).
 */
#ifndef HY_NEXTHOP_H
#define HY_NEXTHOP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_seqcount.h>

#include "proto.h"

#define HY_NH_GROUP 5 /* kind of a group entry (internal; wire kinds are 1..4) */
#define HY_NH_IDS 65536u

struct rte_rcu_qsbr;

/* 32 bytes: two entries per cache line. */
struct hy_nh_entry {
	rte_seqcount_t sc;
	uint8_t kind;	/* 0: absent; enum hy_nh_kind; HY_NH_GROUP */
	uint8_t flags;	/* HY_NH_FLAG_VLAN, HY_NH_FLAG_CONNECTED */
	uint16_t port;	/* hayate port index */
	uint16_t vlan;
	uint8_t mac[6];
	uint16_t n_members;
	uint8_t pad[6];
	const uint16_t *members;
};

struct hy_nh_table;

/* Manager lcore: create (with the reserved ids 1..3) and free. */
int hy_nh_table_create(uint16_t n_ports, int socket, struct rte_rcu_qsbr *qsbr, struct hy_nh_table **table);
void hy_nh_table_free(struct hy_nh_table *table);

/* The entry array, for forwarder lcores. */
const struct hy_nh_entry *hy_nh_entries(const struct hy_nh_table *table);

/* FORWARDER LCORE: consistent copy of one entry (lock-free; retries on a concurrent write). */
static inline void hy_nh_read(const struct hy_nh_entry *entries, uint32_t id, struct hy_nh_entry *out)
{
	const struct hy_nh_entry *e = &entries[id & 0xffff];
	uint32_t sn;

	do {
		sn = rte_seqcount_read_begin(&e->sc);
		out->kind = e->kind;
		out->flags = e->flags;
		out->port = e->port;
		out->vlan = e->vlan;
		memcpy(out->mac, e->mac, 6);
		out->n_members = e->n_members;
		out->members = e->members;
	} while (rte_seqcount_read_retry(&e->sc, sn));
}

/* Manager lcore.  Return 0 or -errno with a message. */
int hy_nh_set(struct hy_nh_table *table, const struct hy_ctl_nexthop *nh, char *err, size_t errlen);
int hy_nhg_set(struct hy_nh_table *table, const struct hy_ctl_nhgroup *grp, char *err, size_t errlen);
/* Delete a next hop or group; in_use_by_routes says whether a route points at it. */
int hy_nh_del(struct hy_nh_table *table, uint32_t id, bool in_use_by_routes, char *err, size_t errlen);
/* Publish a batch: wait for readers to leave old member arrays, then free them. */
void hy_nh_commit(struct hy_nh_table *table);

bool hy_nh_exists(const struct hy_nh_table *table, uint32_t id);
/* Manager-side copy of an entry (no seqcount needed on the writer). */
const struct hy_nh_entry *hy_nh_get(const struct hy_nh_table *table, uint32_t id);
uint32_t hy_nh_count(const struct hy_nh_table *table, uint32_t *groups);

#endif
