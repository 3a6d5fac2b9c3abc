/* SPDX-License-Identifier: BSD-3-Clause */
/* Control handlers for the FIB: ROUTE_ADD/DEL/DUMP/FLUSH, LOOKUP, FIB_STATS (manager lcore). */
#include <arpa/inet.h>
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

static void route_to_fib(const struct hy_ctl_route *r, enum hy_fib_op op, struct hy_fib_route *f)
{
	memset(f, 0, sizeof(*f));
	f->family = r->family;
	f->depth = r->depth;
	f->op = (uint8_t)op;
	f->nh = r->nh;
	if (r->family == 4)
		f->addr.v4 = (uint32_t)r->addr[0] << 24 | (uint32_t)r->addr[1] << 16 | (uint32_t)r->addr[2] << 8 |
			     r->addr[3];
	else
		memcpy(f->addr.v6, r->addr, 16);
}

static void fib_to_route(const struct hy_fib_route *f, struct hy_ctl_route *r)
{
	memset(r, 0, sizeof(*r));
	r->family = f->family;
	r->depth = f->depth;
	r->nh = f->nh;
	if (f->family == 4) {
		r->addr[0] = (uint8_t)(f->addr.v4 >> 24);
		r->addr[1] = (uint8_t)(f->addr.v4 >> 16);
		r->addr[2] = (uint8_t)(f->addr.v4 >> 8);
		r->addr[3] = (uint8_t)f->addr.v4;
	} else {
		memcpy(r->addr, f->addr.v6, 16);
	}
}

/* Decode, validate and apply a batch; one publication for the whole batch. */
static int route_batch(struct hy_fwd *fwd, const struct hy_ctl_request *req, struct hy_ctl_reply *reply,
		       enum hy_fib_op op)
{
	uint32_t n = req->len / HY_CTL_ROUTE_LEN, valid = 0, applied = 0;
	struct hy_fib_route *ops;
	char msg[256] = "";
	int bad = 0, rc;

	if (n == 0)
		return hy_ctl_reply_batch(reply, 0, 0, NULL);
	ops = malloc((size_t)n * sizeof(*ops));
	if (ops == NULL)
		return hy_ctl_reply_batch(reply, 0, -ENOMEM, "out of memory");
	for (; valid < n; valid++) {
		struct hy_ctl_route r;
		if ((bad = hy_ctl_route_decode(req->payload, valid, &r, msg, sizeof(msg))) < 0)
			break;
		if (op == HY_FIB_ADD && (r.nh == 0 || !hy_nh_exists(fwd->nh, r.nh))) {
			snprintf(msg, sizeof(msg), "route[%u].nh: no next hop or group %u", valid, r.nh);
			bad = -ENOENT;
			break;
		}
		route_to_fib(&r, op, &ops[valid]);
	}
	rc = valid > 0 ? hy_fib_apply(fwd->fib, ops, valid, &applied) : 0;
	free(ops);
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "route[%u]: %s", applied,
			 rc == -ENOENT ? "no such route" : rc == -ENOSPC ? "FIB full (fib.max_routes)" : strerror(-rc));
		return hy_ctl_reply_batch(reply, applied, rc, msg);
	}
	return hy_ctl_reply_batch(reply, valid, bad, msg);
}

static int handle_route_add(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	return route_batch(ctx, req, reply, HY_FIB_ADD);
}

static int handle_route_del(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	return route_batch(ctx, req, reply, HY_FIB_DEL);
}

struct dump_arg {
	uint8_t family;
	struct hy_ctl_reply *reply;
	int rc;
};

static int dump_cb(const struct hy_fib_route *route, void *arg)
{
	struct dump_arg *d = arg;
	struct hy_ctl_route r;
	uint8_t *p;

	if (d->family != 0 && route->family != d->family)
		return 0;
	p = hy_ctl_reply_reserve(d->reply, HY_CTL_ROUTE_LEN);
	if (p == NULL) {
		d->rc = -ENOMEM;
		return 1;
	}
	fib_to_route(route, &r);
	hy_ctl_route_encode(p, &r);
	return 0;
}

static int family_arg(const struct hy_ctl_request *req, struct hy_ctl_reply *reply, uint8_t *family)
{
	*family = req->payload[0];
	if (*family != 0 && *family != 4 && *family != 6)
		return hy_ctl_reply_error(reply, -EINVAL, "family: must be 0, 4 or 6, got %u", *family);
	return 0;
}

static int handle_route_dump(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	struct hy_fwd *fwd = ctx;
	struct dump_arg d = {.reply = reply};
	int rc;

	if ((rc = family_arg(req, reply, &d.family)) < 0)
		return rc;
	hy_fib_walk(fwd->fib, dump_cb, &d);
	if (d.rc < 0)
		return hy_ctl_reply_error(reply, d.rc, "route dump: reply too large or out of memory");
	return 0;
}

struct flush_arg {
	uint8_t family;
	struct hy_fib_route *ops;
	uint32_t n, cap;
	int rc;
};

static int flush_cb(const struct hy_fib_route *route, void *arg)
{
	struct flush_arg *f = arg;

	if (f->family != 0 && route->family != f->family)
		return 0;
	if (f->n == f->cap) {
		uint32_t cap = f->cap ? f->cap * 2 : 4096;
		struct hy_fib_route *ops = realloc(f->ops, (size_t)cap * sizeof(*ops));
		if (ops == NULL) {
			f->rc = -ENOMEM;
			return 1;
		}
		f->ops = ops;
		f->cap = cap;
	}
	f->ops[f->n] = *route;
	f->ops[f->n++].op = HY_FIB_DEL;
	return 0;
}

static int handle_route_flush(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	struct hy_fwd *fwd = ctx;
	struct flush_arg f = {0};
	uint32_t applied = 0;
	uint8_t out[8] = {0};
	int rc;

	if ((rc = family_arg(req, reply, &f.family)) < 0)
		return rc;
	hy_fib_walk(fwd->fib, flush_cb, &f);
	if (f.rc == 0 && f.n > 0)
		f.rc = hy_fib_apply(fwd->fib, f.ops, f.n, &applied);
	free(f.ops);
	hy_put_le32(out, applied);
	hy_ctl_reply_append(reply, out, sizeof(out));
	return f.rc;
}

/* The matched prefix: the longest stored prefix that contains the address. */
static int matched_prefix(const struct hy_fib *fib, uint8_t family, const uint8_t addr[16], struct hy_fib_route *q)
{
	int max = family == 4 ? 32 : 128;

	for (int depth = max; depth >= 0; depth--) {
		memset(q, 0, sizeof(*q));
		q->family = family;
		q->depth = (uint8_t)depth;
		if (family == 4) {
			uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
			q->addr.v4 = depth == 0 ? 0 : a & (uint32_t)(~0ull << (32 - depth));
		} else {
			for (int b = 0; b < 16; b++) {
				int bits = depth - 8 * b;
				q->addr.v6[b] = bits >= 8 ? addr[b] : bits <= 0 ? 0 : (uint8_t)(addr[b] & (0xff << (8 - bits)));
			}
		}
		if (hy_fib_get(fib, q) != 0)
			return 0;
	}
	return -ENOENT;
}

static int handle_lookup(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	struct hy_fwd *fwd = ctx;
	uint8_t family = req->payload[0];
	const uint8_t *addr = req->payload + 4;
	char text[INET6_ADDRSTRLEN + 8], prefix[INET6_ADDRSTRLEN + 8];
	struct hy_fib_route q;
	uint32_t nh;
	json_t *o;

	if (family == 4) {
		uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
		nh = hy_fib_lookup4(fwd->fib, -1, a);
	} else if (family == 6) {
		nh = hy_fib_lookup6(fwd->fib, -1, addr);
	} else {
		return hy_ctl_reply_error(reply, -EINVAL, "family: must be 4 or 6, got %u", family);
	}
	inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
	o = json_pack("{s:s, s:i}", "address", text, "nh", (json_int_t)nh);
	if (nh != 0 && matched_prefix(fwd->fib, family, addr, &q) == 0) {
		inet_ntop(family == 4 ? AF_INET : AF_INET6, q.addr.v6, prefix, sizeof(prefix));
		if (family == 4) {
			uint8_t b[4] = {(uint8_t)(q.addr.v4 >> 24), (uint8_t)(q.addr.v4 >> 16), (uint8_t)(q.addr.v4 >> 8),
					(uint8_t)q.addr.v4};
			inet_ntop(AF_INET, b, prefix, sizeof(prefix));
		}
		snprintf(prefix + strlen(prefix), sizeof(prefix) - strlen(prefix), "/%u", q.depth);
		json_object_set_new(o, "prefix", json_string(prefix));
	} else {
		json_object_set_new(o, "prefix", json_null());
	}
	json_object_set_new(o, "next_hop", nh != 0 ? hy_ctl_nh_json(fwd, nh) : json_null());
	return hy_ctl_reply_json(reply, o);
}

json_t *hy_ctl_fib_stats_json(struct hy_fwd *fwd)
{
	struct hy_fib_stats s;

	hy_fib_stats(fwd->fib, &s);
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "backend",
			 hy_fib_backend_name(hy_fib_backend(fwd->fib)), "routes4", (json_int_t)s.routes4, "routes6",
			 (json_int_t)s.routes6, "nodes4", (json_int_t)s.nodes4, "leaves4", (json_int_t)s.leaves4,
			 "bytes4", (json_int_t)s.bytes4, "nodes6", (json_int_t)s.nodes6, "leaves6",
			 (json_int_t)s.leaves6, "bytes6", (json_int_t)s.bytes6, "rib_bytes", (json_int_t)s.rib_bytes,
			 "updates", (json_int_t)s.updates, "update_errors", (json_int_t)s.update_errors,
			 "pending_reclaim", (json_int_t)s.pending_reclaim);
}

static int handle_fib_stats(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	(void)req;
	return hy_ctl_reply_json(reply, hy_ctl_fib_stats_json(ctx));
}

static const struct hy_ctl_handler route_add = {HY_CTL_ROUTE_ADD, "ROUTE_ADD", handle_route_add, 0,
						HY_CTL_ROUTE_LEN, false};
static const struct hy_ctl_handler route_del = {HY_CTL_ROUTE_DEL, "ROUTE_DEL", handle_route_del, 0,
						HY_CTL_ROUTE_LEN, false};
static const struct hy_ctl_handler route_dump = {HY_CTL_ROUTE_DUMP, "ROUTE_DUMP", handle_route_dump, 1, 0, false};
static const struct hy_ctl_handler route_flush = {HY_CTL_ROUTE_FLUSH, "ROUTE_FLUSH", handle_route_flush, 1, 0,
						  false};
static const struct hy_ctl_handler lookup = {HY_CTL_LOOKUP, "LOOKUP", handle_lookup, 20, 0, false};
static const struct hy_ctl_handler fib_stats = {HY_CTL_FIB_STATS, "FIB_STATS", handle_fib_stats, 0, 0, false};
HY_CTL_HANDLER(route_add)
HY_CTL_HANDLER(route_del)
HY_CTL_HANDLER(route_dump)
HY_CTL_HANDLER(route_flush)
HY_CTL_HANDLER(lookup)
HY_CTL_HANDLER(fib_stats)
