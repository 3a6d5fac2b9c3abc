/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Edge cases of both backends against the reference and against values
 * written out by hand: default route, /0, /32, /128 and /127, a prefix and
 * its covering prefix added and deleted in every order, a next hop changed
 * in place, deleting every route, capacity (-ENOSPC) and bad input (-EINVAL).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fib_check.h"

static u128 v4key(uint32_t a)
{
	return (u128)a << 96;
}

static u128 v6key(uint64_t hi, uint64_t lo)
{
	return ((u128)hi << 64) | lo;
}

static void op(struct checker *c, unsigned family, u128 key, unsigned len, uint32_t nh)
{
	struct test_op o = {family, len, key & prefix_mask(len), nh};
	checker_apply(c, &o);
}

static void expect(struct checker *c, unsigned family, u128 key, uint32_t want, const char *what)
{
	for (unsigned b = 0; b < 2; b++) {
		uint32_t got = fib_lookup_key(c->fib[b], family, key);
		CHECK(got == want, "%s (%s): got %u, want %u", what, hy_fib_backend_name((enum hy_fib_backend)b), got,
		      want);
	}
}

static void test_default_route(struct checker *c)
{
	expect(c, 4, v4key(0x01020304), 0, "empty table");
	op(c, 4, 0, 0, 7);
	expect(c, 4, v4key(0), 7, "v4 default at 0.0.0.0");
	expect(c, 4, v4key(0xffffffff), 7, "v4 default at 255.255.255.255");
	op(c, 6, 0, 0, 9);
	expect(c, 6, 0, 9, "v6 default at ::");
	expect(c, 6, ~(u128)0, 9, "v6 default at ffff:..:ffff");
	op(c, 4, v4key(0x0a000000), 8, 3);
	expect(c, 4, v4key(0x0affffff), 3, "10/8 under default");
	expect(c, 4, v4key(0x0b000000), 7, "11.0.0.0 falls to default");
	op(c, 4, 0, 0, 0);
	expect(c, 4, v4key(0x0b000000), 0, "default deleted");
	expect(c, 4, v4key(0x0a000001), 3, "10/8 survives the default's deletion");
	op(c, 6, 0, 0, 0);
	expect(c, 6, 0, 0, "v6 default deleted");
	op(c, 4, v4key(0x0a000000), 8, 0);
}

/* A prefix no longer than the direct-pointing width over routes above, at and below that width: its entries
 * are rewritten by one walk of the route store, which must leave every longer route's node in place. */
static void test_short_prefix_over_longer_routes(struct checker *c)
{
	op(c, 4, v4key(0x0a010000), 16, 31);
	op(c, 4, v4key(0x0a020300), 24, 32);
	op(c, 4, v4key(0x0a400000), 18, 33);
	op(c, 4, v4key(0x0a800000), 12, 34);
	for (int round = 0; round < 2; round++) {
		op(c, 4, v4key(0x0a000000), 8, 35);
		expect(c, 4, v4key(0x0a020301), 32, "/24 under a new /8");
		expect(c, 4, v4key(0x0a020401), 35, "the /8 beside the /24, in its direct entry");
		expect(c, 4, v4key(0x0a01ffff), 31, "/16 under a new /8");
		expect(c, 4, v4key(0x0a7fffff), 35, "the /8 between the /16 and the /18");
		expect(c, 4, v4key(0x0a403fff), 33, "/18 under a new /8");
		expect(c, 4, v4key(0x0a8fffff), 34, "/12 under a new /8");
		op(c, 4, 0, 0, 36);
		expect(c, 4, v4key(0x0b000000), 36, "a default beside the /8");
		expect(c, 4, v4key(0x0a020301), 32, "/24 under the default and the /8");
		op(c, 4, 0, 0, 0);
		op(c, 4, v4key(0x0a000000), 8, 0);
		expect(c, 4, v4key(0x0a020401), 0, "the /8 deleted beside the /24");
		expect(c, 4, v4key(0x0a020301), 32, "/24 after the /8's deletion");
		expect(c, 4, v4key(0x0a400000), 33, "/18 after the /8's deletion");
	}
	op(c, 6, v6key(0x20010db800000000ULL, 0), 32, 37);
	op(c, 6, v6key(0x2001000000000000ULL, 0), 16, 38);
	expect(c, 6, v6key(0x20010db800010000ULL, 0), 37, "/32 under a new /16");
	expect(c, 6, v6key(0x2001ffff00000000ULL, 0), 38, "the /16 beside the /32");
	op(c, 6, v6key(0x2001000000000000ULL, 0), 16, 0);
	expect(c, 6, v6key(0x2001ffff00000000ULL, 0), 0, "the /16 deleted");
	expect(c, 6, v6key(0x20010db800000000ULL, 0), 37, "/32 after the /16's deletion");
	op(c, 6, v6key(0x20010db800000000ULL, 0), 32, 0);
	op(c, 4, v4key(0x0a010000), 16, 0);
	op(c, 4, v4key(0x0a020300), 24, 0);
	op(c, 4, v4key(0x0a400000), 18, 0);
	op(c, 4, v4key(0x0a800000), 12, 0);
}

static void test_host_routes(struct checker *c)
{
	op(c, 4, v4key(0xc0a80101), 32, 11);
	expect(c, 4, v4key(0xc0a80101), 11, "/32 itself");
	expect(c, 4, v4key(0xc0a80100), 0, "/32 minus one");
	expect(c, 4, v4key(0xc0a80102), 0, "/32 plus one");
	op(c, 4, v4key(0xffffffff), 32, 12);
	expect(c, 4, v4key(0xffffffff), 12, "255.255.255.255/32");
	op(c, 4, v4key(0), 32, 13);
	expect(c, 4, v4key(0), 13, "0.0.0.0/32");
	expect(c, 4, v4key(1), 0, "0.0.0.1");
	/* /128, /127 and their neighbours, where the research Poptrie6 erred. */
	u128 base = v6key(0x20010db800000000ULL, 0x00000000000000f0ULL);
	op(c, 6, base, 124, 20);
	op(c, 6, base | 4, 127, 21);
	op(c, 6, base | 7, 128, 22);
	op(c, 6, base | 0xe, 127, 23);
	op(c, 6, base | 0xf, 128, 24);
	expect(c, 6, base, 20, "/124 start");
	expect(c, 6, base | 4, 21, "/127 first");
	expect(c, 6, base | 5, 21, "/127 second");
	expect(c, 6, base | 6, 20, "between /127 and /128");
	expect(c, 6, base | 7, 22, "/128");
	expect(c, 6, base | 8, 20, "after /128");
	expect(c, 6, base | 0xe, 23, "/127 under /124 end");
	expect(c, 6, base | 0xf, 24, "/128 at the /124's last address");
	expect(c, 6, base + 0x10, 0, "past the /124");
	op(c, 6, ~(u128)0, 128, 25);
	expect(c, 6, ~(u128)0, 25, "ffff..ffff/128");
	op(c, 6, 0, 128, 26);
	expect(c, 6, 0, 26, "::/128");
	expect(c, 6, 1, 0, "::1");
	for (unsigned i = 0; i < 5; i++) {
		static const unsigned lens[5] = {124, 127, 128, 127, 128};
		static const unsigned lows[5] = {0, 4, 7, 0xe, 0xf};
		op(c, 6, base | lows[i], lens[i], 0);
	}
	expect(c, 6, base | 7, 0, "all /124../128 deleted");
	op(c, 4, v4key(0xc0a80101), 32, 0);
	op(c, 4, v4key(0xffffffff), 32, 0);
	op(c, 4, v4key(0), 32, 0);
	op(c, 6, ~(u128)0, 128, 0);
	op(c, 6, 0, 128, 0);
	expect(c, 4, v4key(0), 0, "host routes deleted");
}

/* Prefixes p (shorter) and q inside it: every add order, every delete order. */
static void test_cover_orders(struct checker *c, unsigned family, u128 p, unsigned plen, u128 q, unsigned qlen)
{
	for (unsigned add = 0; add < 2; add++) {
		for (unsigned del = 0; del < 2; del++) {
			for (unsigned same = 0; same < 2; same++) {
				uint32_t pnh = 40, qnh = same ? 40 : 41;
				if (add == 0) {
					op(c, family, p, plen, pnh);
					op(c, family, q, qlen, qnh);
				} else {
					op(c, family, q, qlen, qnh);
					op(c, family, p, plen, pnh);
				}
				expect(c, family, q, qnh, "inner prefix with both present");
				expect(c, family, p, p == q ? qnh : pnh, "outer start with both present");
				if (del == 0) {
					op(c, family, p, plen, 0);
					expect(c, family, q, qnh, "inner after the outer's deletion");
					op(c, family, q, qlen, 0);
				} else {
					op(c, family, q, qlen, 0);
					expect(c, family, q, pnh, "inner falls back to the outer");
					op(c, family, p, plen, 0);
				}
				expect(c, family, q, 0, "both deleted");
			}
		}
	}
}

static void test_covering(struct checker *c)
{
	test_cover_orders(c, 4, v4key(0x0a000000), 8, v4key(0x0a010000), 16);
	test_cover_orders(c, 4, v4key(0x0a000000), 8, v4key(0x0a000000), 9);
	test_cover_orders(c, 4, v4key(0xc6336400), 24, v4key(0xc6336480), 25);
	test_cover_orders(c, 4, v4key(0xc6336400), 18, v4key(0xc6336404), 30);
	test_cover_orders(c, 4, v4key(0xc6336404), 30, v4key(0xc6336407), 32);
	test_cover_orders(c, 4, 0, 0, v4key(0x80000000), 1);
	test_cover_orders(c, 4, v4key(0x20000000), 3, v4key(0x20000001), 32);
	u128 n = v6key(0x20010db812340000ULL, 0);
	test_cover_orders(c, 6, n, 32, n, 48);
	test_cover_orders(c, 6, n, 16, n | 0xabc, 128);
	test_cover_orders(c, 6, n | 0xf0, 124, n | 0xfe, 127);
	test_cover_orders(c, 6, n | 0xfc, 126, n | 0xff, 128);
	test_cover_orders(c, 6, 0, 0, n, 64);
}

/* A covering prefix at the very top of the space added over, under and
 * between its sub-prefixes (rte_fib 22.11 gets this wrong by itself). */
static void test_top_of_space(struct checker *c)
{
	static const unsigned orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
	for (unsigned family = 4; family <= 6; family += 2) {
		unsigned bits = family == 4 ? 32 : 128;
		u128 top = prefix_mask(bits);
		u128 unit = (u128)1 << (128 - bits);
		const u128 keys[3] = {top - 3 * unit, top - unit, top};
		const unsigned lens[3] = {bits - 2, bits, bits};
		for (unsigned o = 0; o < 6; o++) {
			op(c, family, 0, 3, 7);
			op(c, family, top, 3, 8);
			for (unsigned k = 0; k < 3; k++) {
				unsigned i = orders[o][k];
				op(c, family, keys[i], lens[i], 20 + i);
			}
			expect(c, family, 0, 7, "bottom of the space beside a top /30 (/126)");
			expect(c, family, top - 3 * unit, 20, "top /30 (/126) itself");
			expect(c, family, top - unit, 21, "second-last address");
			expect(c, family, top, 22, "last address");
			expect(c, family, top - 4 * unit, 8, "below the /30 (/126)");
			for (unsigned k = 0; k < 3; k++)
				op(c, family, keys[orders[o][k]], lens[orders[o][k]], 0);
			op(c, family, 0, 3, 0);
			op(c, family, top, 3, 0);
		}
	}
}

static void test_next_hop_in_place(struct checker *c)
{
	op(c, 4, v4key(0xac100000), 12, 50);
	op(c, 4, v4key(0xac100000), 12, 51);
	expect(c, 4, v4key(0xac1f0001), 51, "next hop replaced");
	struct hy_fib_stats st;
	hy_fib_stats(c->fib[0], &st);
	CHECK(st.routes4 == 1, "a replaced next hop is still one route: %llu", (unsigned long long)st.routes4);
	op(c, 4, v4key(0xac100000), 12, HY_FIB_NH_MAX);
	expect(c, 4, v4key(0xac100000), HY_FIB_NH_MAX, "largest next hop id");
	op(c, 4, v4key(0xac100000), 12, 0);
	u128 k = v6key(0x2a00000000000000ULL, 0);
	op(c, 6, k, 19, 60);
	op(c, 6, k, 19, 61);
	expect(c, 6, k | 1, 61, "v6 next hop replaced");
	op(c, 6, k, 19, 0);
}

static void test_delete_everything(struct checker *c)
{
	uint64_t rng = 42;
	enum { N = 3000 };
	static struct test_op ops[N];
	for (unsigned i = 0; i < N; i++) {
		unsigned family = i % 3 == 0 ? 6 : 4;
		unsigned len = (unsigned)(rng_next(&rng) % (family == 4 ? 33 : 129));
		u128 key = ((u128)rng_next(&rng) << 64 | rng_next(&rng));
		key = (key >> 8) | ((u128)(0x20 + (rng_next(&rng) & 3)) << 120); /* overlap */
		ops[i] = (struct test_op){family, len, key & prefix_mask(len), (uint32_t)(rng_next(&rng) % 100) + 1};
		checker_apply(c, &ops[i]);
	}
	for (unsigned i = N; i-- > 0;) {
		unsigned j = (unsigned)(rng_next(&rng) % (i + 1));
		struct test_op t = ops[i];
		ops[i] = ops[j];
		ops[j] = t;
		struct test_op del = ops[i];
		del.nh = 0;
		checker_apply(c, &del); /* duplicates give -ENOENT, which the checker expects */
	}
	for (unsigned b = 0; b < 2; b++) {
		struct hy_fib_stats st;
		hy_fib_stats(c->fib[b], &st);
		CHECK(st.routes4 == 0 && st.routes6 == 0, "routes left: %llu %llu", (unsigned long long)st.routes4,
		      (unsigned long long)st.routes6);
		if (b == 0)
			CHECK(st.nodes4 == 0 && st.nodes6 == 0 && st.leaves4 == 0 && st.leaves6 == 0,
			      "empty Poptrie keeps nodes %llu/%llu leaves %llu/%llu", (unsigned long long)st.nodes4,
			      (unsigned long long)st.nodes6, (unsigned long long)st.leaves4,
			      (unsigned long long)st.leaves6);
	}
	for (unsigned i = 0; i < 1000; i++) {
		u128 k = (u128)rng_next(&rng) << 64 | rng_next(&rng);
		expect(c, 4, k & prefix_mask(32), 0, "empty after deleting everything");
		expect(c, 6, k, 0, "empty after deleting everything");
	}
}

static void test_capacity(void)
{
	for (unsigned b = 0; b < 2; b++) {
		struct hy_fib *fib = make_fib((enum hy_fib_backend)b, 100, 50, NULL);
		CHECK(fib != NULL, "create");
		if (fib == NULL)
			continue;
		for (uint32_t i = 0; i < 100; i++)
			CHECK(hy_fib_add4(fib, 0x0a000000 + (i << 8), 24, i + 1) == 0, "add %u", i);
		CHECK(hy_fib_add4(fib, 0x0b000000, 24, 1) == -ENOSPC, "101st IPv4 route refused");
		CHECK(hy_fib_lookup4(fib, 0, 0x0b000001) == 0, "refused route not installed");
		CHECK(hy_fib_add4(fib, 0x0a000000, 24, 77) == 0, "replacing at capacity is allowed");
		CHECK(hy_fib_lookup4(fib, 0, 0x0a000001) == 77, "replaced");
		CHECK(hy_fib_del4(fib, 0x0a000100, 24) == 0, "delete one");
		CHECK(hy_fib_add4(fib, 0x0b000000, 24, 5) == 0, "room again after a delete");
		uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
		for (uint32_t i = 0; i < 50; i++) {
			a[5] = (uint8_t)i;
			CHECK(hy_fib_add6(fib, a, 48, i + 1) == 0, "add6 %u", i);
		}
		a[5] = 200;
		CHECK(hy_fib_add6(fib, a, 48, 1) == -ENOSPC, "51st IPv6 route refused");
		CHECK(hy_fib_lookup6(fib, 0, a) == 0, "refused v6 route not installed");
		/* A batch stops at the first failure and says how much took effect. */
		struct hy_fib_route ops[3] = {
			{.family = 4, .depth = 24, .op = HY_FIB_DEL, .addr.v4 = 0x0a000200},
			{.family = 4, .depth = 24, .op = HY_FIB_ADD, .nh = 9, .addr.v4 = 0x0c000000},
			{.family = 4, .depth = 24, .op = HY_FIB_ADD, .nh = 9, .addr.v4 = 0x0d000000},
		};
		uint32_t applied = 99;
		CHECK(hy_fib_apply(fib, ops, 3, &applied) == -ENOSPC && applied == 2, "batch at capacity: applied %u",
		      applied);
		CHECK(hy_fib_lookup4(fib, 0, 0x0c000001) == 9 && hy_fib_lookup4(fib, 0, 0x0d000001) == 0,
		      "batch took the first two operations only");
		struct hy_fib_stats st;
		hy_fib_stats(fib, &st);
		CHECK(st.routes4 == 100 && st.routes6 == 50, "counts at capacity %llu %llu",
		      (unsigned long long)st.routes4, (unsigned long long)st.routes6);
		hy_fib_free(fib);
	}
}

static void test_bad_input(void)
{
	for (unsigned b = 0; b < 2; b++) {
		struct hy_fib *fib = make_fib((enum hy_fib_backend)b, 100, 100, NULL);
		if (fib == NULL) {
			CHECK(fib != NULL, "create");
			continue;
		}
		uint8_t a[16] = {0x20, 0x01};
		CHECK(hy_fib_add4(fib, 1, 33, 1) == -EINVAL, "v4 depth 33");
		CHECK(hy_fib_add6(fib, a, 129, 1) == -EINVAL, "v6 depth 129");
		CHECK(hy_fib_add4(fib, 1, 8, 0) == -EINVAL, "next hop 0");
		CHECK(hy_fib_add4(fib, 1, 8, HY_FIB_NH_MAX + 1) == -EINVAL, "next hop above the maximum");
		CHECK(hy_fib_del4(fib, 0x0a000000, 8) == -ENOENT, "delete of an absent route");
		CHECK(hy_fib_del6(fib, a, 16) == -ENOENT, "delete of an absent v6 route");
		struct hy_fib_route r = {.family = 5, .depth = 8, .op = HY_FIB_ADD, .nh = 1};
		uint32_t applied = 99;
		CHECK(hy_fib_apply(fib, &r, 1, &applied) == -EINVAL && applied == 0, "family 5");
		r.family = 4;
		r.op = 9;
		CHECK(hy_fib_apply(fib, &r, 1, &applied) == -EINVAL, "unknown operation");
		/* Host bits beyond the depth are ignored. */
		CHECK(hy_fib_add4(fib, 0x0a010203, 8, 4) == 0, "add with host bits");
		struct hy_fib_route q = {.family = 4, .depth = 8, .addr.v4 = 0x0a000000};
		CHECK(hy_fib_get(fib, &q) == 4, "stored under the masked prefix");
		CHECK(hy_fib_lookup4(fib, 0, 0x0aff0000) == 4, "covers the whole /8");
		struct hy_fib_stats st;
		hy_fib_stats(fib, &st);
		CHECK(st.routes4 == 1 && st.update_errors >= 3, "stats after bad input: routes %llu errors %llu",
		      (unsigned long long)st.routes4, (unsigned long long)st.update_errors);
		hy_fib_free(fib);
	}
	enum hy_fib_backend be;
	CHECK(hy_fib_backend_parse("poptrie", &be) == 0 && be == HY_FIB_POPTRIE, "parse poptrie");
	CHECK(hy_fib_backend_parse("rte_fib", &be) == 0 && be == HY_FIB_RTE_FIB, "parse rte_fib");
	CHECK(hy_fib_backend_parse("dir24", &be) == -EINVAL, "parse unknown");
	CHECK(strcmp(hy_fib_backend_name(HY_FIB_RTE_FIB), "rte_fib") == 0, "name");
	struct hy_fib_conf conf = {.backend = HY_FIB_POPTRIE, .max_routes4 = 10, .n_numa = 9};
	struct hy_fib *fib;
	char err[128] = "";
	CHECK(hy_fib_create(&conf, &fib, err, sizeof(err)) == -EINVAL && strstr(err, "n_numa") != NULL,
	      "n_numa beyond the maximum: '%s'", err);
}

struct walk_state {
	unsigned n4, n6, stop_after;
	struct hy_fib_route prev;
	int out_of_order;
};

static int walk_cb(const struct hy_fib_route *r, void *arg)
{
	struct walk_state *w = arg;
	if (w->n4 + w->n6 > 0 && r->family == w->prev.family) {
		int cmp = r->family == 4 ? (r->addr.v4 > w->prev.addr.v4) - (r->addr.v4 < w->prev.addr.v4)
					 : memcmp(r->addr.v6, w->prev.addr.v6, 16);
		if (cmp < 0 || (cmp == 0 && r->depth <= w->prev.depth))
			w->out_of_order++;
	}
	if (r->family < w->prev.family)
		w->out_of_order++;
	w->prev = *r;
	if (r->family == 4)
		w->n4++;
	else
		w->n6++;
	return w->stop_after && w->n4 + w->n6 == w->stop_after;
}

static void test_walk(struct checker *c)
{
	op(c, 4, v4key(0x0a000000), 8, 1);
	op(c, 4, v4key(0x0a000000), 16, 2);
	op(c, 4, v4key(0x09000000), 8, 3);
	op(c, 4, 0, 0, 4);
	op(c, 6, v6key(0x2001000000000000ULL, 0), 16, 5);
	op(c, 6, v6key(0x2000000000000000ULL, 0), 3, 6);
	for (unsigned b = 0; b < 2; b++) {
		struct walk_state w = {0};
		CHECK(hy_fib_walk(c->fib[b], walk_cb, &w) == 0, "walk");
		CHECK(w.n4 == 4 && w.n6 == 2 && w.out_of_order == 0, "walk saw %u+%u routes, %d out of order", w.n4,
		      w.n6, w.out_of_order);
		struct walk_state s = {.stop_after = 3};
		CHECK(hy_fib_walk(c->fib[b], walk_cb, &s) == 1 && s.n4 + s.n6 == 3, "walk stops when asked");
	}
	op(c, 4, v4key(0x0a000000), 8, 0);
	op(c, 4, v4key(0x0a000000), 16, 0);
	op(c, 4, v4key(0x09000000), 8, 0);
	op(c, 4, 0, 0, 0);
	op(c, 6, v6key(0x2001000000000000ULL, 0), 16, 0);
	op(c, 6, v6key(0x2000000000000000ULL, 0), 3, 0);
}

/* Two lookup copies (both on node 0: the test machine has one): every update
 * reaches both, unknown nodes fall back to the first, both backends. */
static void test_numa_copies(void)
{
	for (unsigned b = 0; b < 2; b++) {
		struct hy_fib_conf conf = {.backend = (enum hy_fib_backend)b, .max_routes4 = 1000, .max_routes6 = 1000,
					   .n_numa = 2, .numa = {0, 0}, .name = "numa"};
		struct hy_fib *fib = NULL;
		char err[256];
		CHECK(hy_fib_create(&conf, &fib, err, sizeof(err)) == 0, "create with two copies: %s", err);
		if (fib == NULL)
			continue;
		uint64_t rng = 5;
		for (unsigned i = 0; i < 300; i++) {
			uint32_t a = (uint32_t)rng_next(&rng) & 0xffffff00u;
			CHECK(hy_fib_add4(fib, a, (uint8_t)(16 + i % 16), i + 1) == 0, "add");
			uint32_t probe = a | 1;
			uint32_t n0 = hy_fib_lookup4(fib, 0, probe), n7 = hy_fib_lookup4(fib, 7, probe),
				 nneg = hy_fib_lookup4(fib, -1, probe);
			CHECK(n0 == i + 1 && n7 == n0 && nneg == n0, "copies answer %u %u %u, want %u", n0, n7, nneg, i + 1);
		}
		struct hy_fib_stats st;
		hy_fib_stats(fib, &st);
		CHECK(st.routes4 == 300, "routes %llu", (unsigned long long)st.routes4);
		hy_fib_free(fib);
	}
}

int main(int argc, char **argv)
{
	(void)argc;
	if (test_eal_init(argv[0], "1024") < 0)
		return 1;
	struct checker c;
	if (checker_init(&c, 10000, 10000) < 0)
		return 1;
	test_default_route(&c);
	test_short_prefix_over_longer_routes(&c);
	test_host_routes(&c);
	test_covering(&c);
	test_top_of_space(&c);
	test_next_hop_in_place(&c);
	test_walk(&c);
	test_delete_everything(&c);
	checker_fini(&c);
	test_capacity();
	test_bad_input();
	test_numa_copies();
	printf("%lu operations checked, %lu failures\n", (unsigned long)c.ops, test_failures);
	return test_failures ? 1 : 0;
}
