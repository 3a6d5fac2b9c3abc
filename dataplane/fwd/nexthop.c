/* SPDX-License-Identifier: BSD-3-Clause */
/* Next-hop table: manager-side updates (the readers are in lcore.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "nexthop.h"

struct hy_nh_table {
	struct hy_nh_entry *entries; /* HY_NH_IDS, hugepage memory on the forwarders' socket */
	uint16_t n_ports;
	struct rte_rcu_qsbr *qsbr;
	uint16_t *member_refs; /* manager only: how many groups list each next hop */
	void **retired;	       /* member arrays waiting for a grace period */
	unsigned int n_retired, cap_retired;
};

static void entry_write(struct hy_nh_entry *e, const struct hy_nh_entry *val)
{
	rte_seqcount_write_begin(&e->sc);
	e->kind = val->kind;
	e->flags = val->flags;
	e->port = val->port;
	e->vlan = val->vlan;
	memcpy(e->mac, val->mac, 6);
	e->n_members = val->n_members;
	e->members = val->members;
	rte_seqcount_write_end(&e->sc);
}

int hy_nh_table_create(uint16_t n_ports, int socket, struct rte_rcu_qsbr *qsbr, struct hy_nh_table **out)
{
	struct hy_nh_table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -ENOMEM;
	t->entries = rte_zmalloc_socket("hy_nh", HY_NH_IDS * sizeof(*t->entries), RTE_CACHE_LINE_SIZE, socket);
	t->member_refs = calloc(HY_NH_IDS, sizeof(*t->member_refs));
	if (t->entries == NULL || t->member_refs == NULL) {
		hy_nh_table_free(t);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < HY_NH_IDS; i++)
		rte_seqcount_init(&t->entries[i].sc);
	t->n_ports = n_ports;
	t->qsbr = qsbr;
	t->entries[HY_NH_ID_LOCAL].kind = HY_NH_LOCAL;
	t->entries[HY_NH_ID_BLACKHOLE].kind = HY_NH_BLACKHOLE;
	/* Reserved PUNT goes through the ingress port's tap: port = UINT16_MAX says so. */
	t->entries[HY_NH_ID_PUNT].kind = HY_NH_PUNT;
	t->entries[HY_NH_ID_PUNT].port = UINT16_MAX;
	*out = t;
	return 0;
}

void hy_nh_table_free(struct hy_nh_table *t)
{
	if (t == NULL)
		return;
	if (t->entries != NULL)
		for (uint32_t i = 0; i < HY_NH_IDS; i++)
			free((void *)(uintptr_t)t->entries[i].members);
	for (unsigned int i = 0; i < t->n_retired; i++)
		free(t->retired[i]);
	free(t->retired);
	rte_free(t->entries);
	free(t->member_refs);
	free(t);
}

const struct hy_nh_entry *hy_nh_entries(const struct hy_nh_table *t)
{
	return t->entries;
}

bool hy_nh_exists(const struct hy_nh_table *t, uint32_t id)
{
	return id > 0 && id < HY_NH_IDS && t->entries[id].kind != 0;
}

const struct hy_nh_entry *hy_nh_get(const struct hy_nh_table *t, uint32_t id)
{
	return id < HY_NH_IDS ? &t->entries[id] : NULL;
}

uint32_t hy_nh_count(const struct hy_nh_table *t, uint32_t *groups)
{
	uint32_t n = 0, g = 0;

	for (uint32_t i = HY_NH_ID_FIRST_USER; i < HY_NH_IDS; i++) {
		if (t->entries[i].kind == HY_NH_GROUP)
			g++;
		else if (t->entries[i].kind != 0)
			n++;
	}
	if (groups != NULL)
		*groups = g;
	return n;
}

static int retire(struct hy_nh_table *t, const uint16_t *members)
{
	if (members == NULL)
		return 0;
	if (t->n_retired == t->cap_retired) {
		unsigned int cap = t->cap_retired ? t->cap_retired * 2 : 64;
		void **r = realloc(t->retired, cap * sizeof(*r));
		if (r == NULL)
			return -ENOMEM;
		t->retired = r;
		t->cap_retired = cap;
	}
	t->retired[t->n_retired++] = (void *)(uintptr_t)members;
	return 0;
}

void hy_nh_commit(struct hy_nh_table *t)
{
	if (t->n_retired == 0)
		return;
	/* Every forwarder reports a quiescent state once per loop: this waits microseconds. */
	if (t->qsbr != NULL)
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
	for (unsigned int i = 0; i < t->n_retired; i++)
		free(t->retired[i]);
	t->n_retired = 0;
}

int hy_nh_set(struct hy_nh_table *t, const struct hy_ctl_nexthop *nh, char *err, size_t errlen)
{
	struct hy_nh_entry val = {0};
	const struct hy_nh_entry *cur = &t->entries[nh->id];

	if (cur->kind == HY_NH_GROUP) {
		snprintf(err, errlen, "nexthop %u: the id is a group; delete the group first", nh->id);
		return -EEXIST;
	}
	if ((nh->kind == HY_NH_FORWARD || nh->kind == HY_NH_PUNT) && nh->port >= t->n_ports) {
		snprintf(err, errlen, "nexthop %u: port %u does not exist (%u ports)", nh->id, nh->port, t->n_ports);
		return -ENODEV;
	}
	val.kind = nh->kind;
	val.flags = nh->flags;
	val.port = nh->kind == HY_NH_FORWARD || nh->kind == HY_NH_PUNT ? nh->port : 0;
	val.vlan = nh->flags & HY_NH_FLAG_VLAN ? nh->vlan : 0;
	if (nh->kind == HY_NH_FORWARD)
		memcpy(val.mac, nh->mac, 6);
	entry_write(&t->entries[nh->id], &val);
	return 0;
}

int hy_nhg_set(struct hy_nh_table *t, const struct hy_ctl_nhgroup *grp, char *err, size_t errlen)
{
	struct hy_nh_entry val = {0};
	struct hy_nh_entry *cur = &t->entries[grp->id];
	uint16_t *members;

	if (cur->kind != 0 && cur->kind != HY_NH_GROUP) {
		snprintf(err, errlen, "nhgroup %u: the id is a next hop; delete it first", grp->id);
		return -EEXIST;
	}
	for (uint16_t k = 0; k < grp->n_members; k++) {
		uint32_t m = hy_ctl_nhgroup_member(grp, k);
		if (t->entries[m].kind == 0 || m < HY_NH_ID_FIRST_USER) {
			snprintf(err, errlen, "nhgroup %u: member %u is not a known next hop", grp->id, m);
			return -ENOENT;
		}
		if (t->entries[m].kind == HY_NH_GROUP) {
			snprintf(err, errlen, "nhgroup %u: member %u is a group (groups do not nest)", grp->id, m);
			return -EINVAL;
		}
	}
	members = malloc(grp->n_members * sizeof(*members));
	if (members == NULL || retire(t, cur->members) < 0) {
		free(members);
		snprintf(err, errlen, "nhgroup %u: out of memory", grp->id);
		return -ENOMEM;
	}
	for (uint16_t k = 0; k < grp->n_members; k++) {
		members[k] = (uint16_t)hy_ctl_nhgroup_member(grp, k);
		t->member_refs[members[k]]++;
	}
	for (uint16_t k = 0; cur->kind == HY_NH_GROUP && k < cur->n_members; k++)
		t->member_refs[cur->members[k]]--;
	val.kind = HY_NH_GROUP;
	val.n_members = grp->n_members;
	val.members = members;
	entry_write(cur, &val);
	return 0;
}

int hy_nh_del(struct hy_nh_table *t, uint32_t id, bool in_use_by_routes, char *err, size_t errlen)
{
	struct hy_nh_entry *cur;
	struct hy_nh_entry none = {0};

	if (id < HY_NH_ID_FIRST_USER || id >= HY_NH_IDS) {
		snprintf(err, errlen, "nexthop %u: reserved or out of range", id);
		return -EINVAL;
	}
	cur = &t->entries[id];
	if (cur->kind == 0) {
		snprintf(err, errlen, "nexthop %u: no such next hop", id);
		return -ENOENT;
	}
	if (in_use_by_routes || t->member_refs[id] > 0) {
		snprintf(err, errlen, "nexthop %u: still used by %s", id, in_use_by_routes ? "routes" : "a group");
		return -EBUSY;
	}
	if (cur->kind == HY_NH_GROUP) {
		if (retire(t, cur->members) < 0) {
			snprintf(err, errlen, "nexthop %u: out of memory", id);
			return -ENOMEM;
		}
		for (uint16_t k = 0; k < cur->n_members; k++)
			t->member_refs[cur->members[k]]--;
	}
	entry_write(cur, &none);
	return 0;
}
