/* SPDX-License-Identifier: BSD-3-Clause */
/* Control handlers for the next-hop table: NH_SET/DEL/DUMP, NHG_SET/DUMP (manager lcore). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_common.h"
#include "fib.h"
#include "fwd.h"
#include "nexthop.h"
#include "server.h"

static const char *kind_name(uint8_t kind)
{
	switch (kind) {
	case HY_NH_FORWARD:
		return "forward";
	case HY_NH_PUNT:
		return "punt";
	case HY_NH_BLACKHOLE:
		return "blackhole";
	case HY_NH_LOCAL:
		return "local";
	case HY_NH_GROUP:
		return "group";
	default:
		return "none";
	}
}

json_t *hy_ctl_nh_json(struct hy_fwd *fwd, uint32_t id)
{
	const struct hy_nh_entry *e = hy_nh_get(fwd->nh, id);
	json_t *o;
	char mac[18];

	if (e == NULL || e->kind == 0)
		return json_null();
	o = json_pack("{s:i, s:s}", "id", (json_int_t)id, "kind", kind_name(e->kind));
	if (e->kind == HY_NH_GROUP) {
		json_t *m = json_array();
		for (uint16_t k = 0; k < e->n_members; k++)
			json_array_append_new(m, json_integer(e->members[k]));
		json_object_set_new(o, "members", m);
		return o;
	}
	if ((e->kind == HY_NH_FORWARD || e->kind == HY_NH_PUNT) && e->port < fwd->n_ports) {
		json_object_set_new(o, "port", json_integer(e->port));
		json_object_set_new(o, "port_name", json_string(fwd->conf.ports[e->port].name));
	}
	if (e->flags & HY_NH_FLAG_VLAN)
		json_object_set_new(o, "vlan", json_integer(e->vlan));
	if (e->flags & HY_NH_FLAG_CONNECTED)
		json_object_set_new(o, "connected", json_true());
	if (e->kind == HY_NH_FORWARD) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", e->mac[0], e->mac[1], e->mac[2], e->mac[3],
			 e->mac[4], e->mac[5]);
		json_object_set_new(o, "mac", json_string(mac));
		json_object_set_new(o, "resolved", json_boolean(memcmp(e->mac, "\0\0\0\0\0\0", 6) != 0));
	}
	return o;
}

static int handle_nh_set(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	struct hy_fwd *fwd = ctx;
	uint32_t n = req->len / HY_CTL_NH_LEN, i;
	char msg[256];
	int rc = 0;

	for (i = 0; i < n; i++) {
		struct hy_ctl_nexthop nh;
		if ((rc = hy_ctl_nexthop_decode(req->payload, i, &nh, msg, sizeof(msg))) < 0 ||
		    (rc = hy_nh_set(fwd->nh, &nh, msg, sizeof(msg))) < 0)
			break;
	}
	return hy_ctl_reply_batch(reply, i, rc, msg);
}

static int used_cb(const struct hy_fib_route *route, void *arg)
{
	uint64_t *used = arg;

	used[route->nh >> 6 & 1023] |= 1ull << (route->nh & 63);
	return 0;
}

static int handle_nh_del(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	struct hy_fwd *fwd = ctx;
	uint32_t n = req->len / 4, i;
	uint64_t *used;
	char msg[256];
	int rc = 0;

	if (n == 0)
		return hy_ctl_reply_batch(reply, 0, 0, NULL);
	/* Which next hops do routes use?  One walk of the route store per batch. */
	used = calloc(HY_NH_IDS / 64, sizeof(*used));
	if (used == NULL)
		return hy_ctl_reply_batch(reply, 0, -ENOMEM, "out of memory");
	hy_fib_walk(fwd->fib, used_cb, used);
	for (i = 0; i < n; i++) {
		uint32_t id = hy_le32(req->payload + 4 * i);
		bool in_use = id < HY_NH_IDS && (used[id >> 6] & (1ull << (id & 63)));
		if ((rc = hy_nh_del(fwd->nh, id, in_use, msg, sizeof(msg))) < 0)
			break;
	}
	free(used);
	hy_nh_commit(fwd->nh);
	return hy_ctl_reply_batch(reply, i, rc, msg);
}

static int handle_nh_dump(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	struct hy_fwd *fwd = ctx;

	(void)req;
	for (uint32_t id = HY_NH_ID_FIRST_USER; id < HY_NH_IDS; id++) {
		const struct hy_nh_entry *e = hy_nh_get(fwd->nh, id);
		struct hy_ctl_nexthop nh = {.id = id, .kind = e->kind, .flags = e->flags, .port = e->port,
					    .vlan = e->vlan};
		uint8_t *p;

		if (e->kind == 0 || e->kind == HY_NH_GROUP)
			continue;
		memcpy(nh.mac, e->mac, 6);
		if ((p = hy_ctl_reply_reserve(reply, HY_CTL_NH_LEN)) == NULL)
			return -ENOMEM;
		hy_ctl_nexthop_encode(p, &nh);
	}
	return 0;
}

static int handle_nhg_set(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	struct hy_fwd *fwd = ctx;
	uint32_t off = 0, i = 0;
	char msg[256];
	int rc = 0;

	while (off < req->len) {
		struct hy_ctl_nhgroup grp;
		if ((rc = hy_ctl_nhgroup_decode(req->payload, req->len, &off, i, &grp, msg, sizeof(msg))) < 0 ||
		    (rc = hy_nhg_set(fwd->nh, &grp, msg, sizeof(msg))) < 0)
			break;
		i++;
	}
	hy_nh_commit(fwd->nh);
	return hy_ctl_reply_batch(reply, i, rc, msg);
}

static int handle_nhg_dump(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	struct hy_fwd *fwd = ctx;

	(void)req;
	for (uint32_t id = HY_NH_ID_FIRST_USER; id < HY_NH_IDS; id++) {
		const struct hy_nh_entry *e = hy_nh_get(fwd->nh, id);
		uint8_t *p;

		if (e->kind != HY_NH_GROUP)
			continue;
		if ((p = hy_ctl_reply_reserve(reply, 8 + 4u * e->n_members)) == NULL)
			return -ENOMEM;
		hy_put_le32(p, id);
		hy_put_le16(p + 4, e->n_members);
		hy_put_le16(p + 6, 0);
		for (uint16_t k = 0; k < e->n_members; k++)
			hy_put_le32(p + 8 + 4u * k, e->members[k]);
	}
	return 0;
}

static const struct hy_ctl_handler nh_set = {HY_CTL_NH_SET, "NH_SET", handle_nh_set, 0, HY_CTL_NH_LEN, false};
static const struct hy_ctl_handler nh_del = {HY_CTL_NH_DEL, "NH_DEL", handle_nh_del, 0, 4, false};
static const struct hy_ctl_handler nh_dump = {HY_CTL_NH_DUMP, "NH_DUMP", handle_nh_dump, 0, 0, false};
static const struct hy_ctl_handler nhg_set = {HY_CTL_NHG_SET, "NHG_SET", handle_nhg_set, 0, 0, true};
static const struct hy_ctl_handler nhg_dump = {HY_CTL_NHG_DUMP, "NHG_DUMP", handle_nhg_dump, 0, 0, false};
HY_CTL_HANDLER(nh_set)
HY_CTL_HANDLER(nh_del)
HY_CTL_HANDLER(nh_dump)
HY_CTL_HANDLER(nhg_set)
HY_CTL_HANDLER(nhg_dump)
