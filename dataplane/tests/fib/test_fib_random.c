/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Random tables and random add/delete sequences, both backends against the
 * reference.  Tables are loaded twice into Poptrie, as one batch (a full
 * build) and route by route (incremental updates): lookups must agree and
 * so must the structures' node and leaf counts, since an incrementally
 * updated Poptrie must equal a fresh build.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fib_check.h"

/* Prefix lengths roughly as in Internet tables, with long ones overrepresented. */
static unsigned random_len(uint64_t *rng, unsigned family)
{
	static const unsigned v4[] = {8, 12, 16, 16, 18, 19, 20, 21, 22, 22, 23, 24, 24, 24, 24, 24, 25, 27, 28, 30, 31, 32, 32};
	static const unsigned v6[] = {16, 19, 28, 29, 32, 32, 36, 40, 44, 48, 48, 48, 48, 56, 64, 64, 96, 112, 120, 124, 126, 127, 127, 128, 128};
	uint64_t r = rng_next(rng);
	if (r % 50 == 0)
		return (unsigned)(r >> 8) % (family == 4 ? 33 : 129);
	return family == 4 ? v4[(r >> 8) % (sizeof(v4) / sizeof(v4[0]))] : v6[(r >> 8) % (sizeof(v6) / sizeof(v6[0]))];
}

/* Addresses cluster under a few top bytes so that prefixes nest and overlap. */
static u128 random_key(uint64_t *rng, unsigned family)
{
	u128 k = (u128)rng_next(rng) << 64 | rng_next(rng);
	unsigned top = family == 4 ? 10 + (unsigned)(rng_next(rng) % 4) : 0x20 + (unsigned)(rng_next(rng) % 3);
	k = (k >> 8) | ((u128)top << 120);
	if (rng_next(rng) % 4 == 0) /* deeper sharing: a handful of /32 (v6) or /16 (v4) neighbourhoods */
		k = (k & (family == 4 ? ~prefix_mask(16) : ~prefix_mask(32))) | ((u128)(0x2001 + rng_next(rng) % 5) << 112);
	return k;
}

static void fill_ops(struct test_op *ops, unsigned n, uint64_t *rng)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned family = i % 3 == 2 ? 6 : 4;
		unsigned len = random_len(rng, family);
		ops[i] = (struct test_op){family, len, random_key(rng, family) & prefix_mask(len),
					  (uint32_t)(rng_next(rng) % 300) + 1};
	}
}

static unsigned compare_everywhere(const struct hy_fib *fib, const struct ref_lpm *ref, const struct test_op *ops,
				   unsigned n, uint64_t *rng, const char *what)
{
	unsigned bad = 0;
	for (unsigned i = 0; i < n && bad < 20; i++)
		bad += check_around(fib, ref, ops[i].family, ops[i].key, ops[i].len, rng, what);
	/* And bulk lookups of random addresses, in bursts of 64. */
	enum { B = 64 };
	uint32_t a4[B], n4[B];
	uint8_t a6[B][16];
	uint32_t n6[B];
	for (unsigned round = 0; round < 2000 && bad < 20; round++) {
		for (unsigned j = 0; j < B; j++) {
			u128 k4 = random_key(rng, 4), k6 = random_key(rng, 6);
			a4[j] = (uint32_t)(k4 >> 96);
			v6_of_key(k6, a6[j]);
		}
		hy_fib_lookup4_bulk(fib, 0, a4, n4, B);
		hy_fib_lookup6_bulk(fib, 0, (const uint8_t(*)[16])a6, n6, B);
		for (unsigned j = 0; j < B; j++) {
			uint32_t w4 = ref_lookup4(ref, a4[j]), w6 = ref_lookup(ref, 6, a6[j]);
			CHECK(n4[j] == w4, "%s %s bulk v4 %08x: got %u want %u", what,
			      hy_fib_backend_name(hy_fib_backend(fib)), a4[j], n4[j], w4);
			CHECK(n6[j] == w6, "%s %s bulk v6: got %u want %u", what, hy_fib_backend_name(hy_fib_backend(fib)),
			      n6[j], w6);
			bad += (n4[j] != w4) + (n6[j] != w6);
		}
	}
	return bad;
}

static void test_random_table(uint64_t seed, unsigned n)
{
	uint64_t rng = seed;
	struct test_op *ops = calloc(n, sizeof(*ops));
	struct hy_fib_route *routes = calloc(n, sizeof(*routes));
	struct ref_lpm ref;
	ref_init(&ref);
	fill_ops(ops, n, &rng);
	for (unsigned i = 0; i < n; i++) {
		routes[i] = to_route(&ops[i]);
		uint8_t a[16];
		v6_of_key(ops[i].key, a);
		ref_set(&ref, ops[i].family, a, ops[i].len, ops[i].nh);
	}
	struct hy_fib *batch[2], *single = make_fib(HY_FIB_POPTRIE, n, n, NULL);
	batch[0] = make_fib(HY_FIB_POPTRIE, n, n, NULL);
	uint32_t applied = 0;
	CHECK(hy_fib_apply(batch[0], routes, n, &applied) == 0 && applied == n, "batch of %u: applied %u", n, applied);
	compare_everywhere(batch[0], &ref, ops, n, &rng, "random table (batch)");
	/* rte_fib runs out of tbl8 groups on so many random long IPv6 prefixes:
	 * those it refuses (-ENOSPC) must be absent, everything else right. */
	batch[1] = make_fib(HY_FIB_RTE_FIB, n, n, NULL);
	struct ref_lpm ref_rte;
	ref_init(&ref_rte);
	unsigned refused = 0;
	for (unsigned i = 0; i < n; i++) {
		int rc = hy_fib_apply(batch[1], &routes[i], 1, NULL);
		CHECK(rc == 0 || (rc == -ENOSPC && ops[i].len > 24), "rte_fib add %u: %d", i, rc);
		uint8_t a[16];
		v6_of_key(ops[i].key, a);
		if (rc == 0)
			ref_set(&ref_rte, ops[i].family, a, ops[i].len, ops[i].nh);
		refused += rc == -ENOSPC;
	}
	compare_everywhere(batch[1], &ref_rte, ops, n, &rng, "random table (rte_fib)");
	printf("random table of %u: rte_fib refused %u prefixes longer than /24 for want of tbl8 groups\n", n, refused);
	ref_fini(&ref_rte);
	for (unsigned i = 0; i < n; i++)
		CHECK(hy_fib_apply(single, &routes[i], 1, NULL) == 0, "single add %u", i);
	compare_everywhere(single, &ref, ops, n, &rng, "random table (route by route)");
	struct hy_fib_stats sb, ss;
	hy_fib_stats(batch[0], &sb);
	hy_fib_stats(single, &ss);
	CHECK(sb.routes4 == ref_count(&ref, 4) && sb.routes6 == ref_count(&ref, 6), "route counts %llu %llu",
	      (unsigned long long)sb.routes4, (unsigned long long)sb.routes6);
	CHECK(sb.nodes4 == ss.nodes4 && sb.leaves4 == ss.leaves4 && sb.nodes6 == ss.nodes6 && sb.leaves6 == ss.leaves6,
	      "incremental Poptrie differs from a fresh build: nodes %llu/%llu vs %llu/%llu, leaves %llu/%llu vs "
	      "%llu/%llu",
	      (unsigned long long)ss.nodes4, (unsigned long long)ss.nodes6, (unsigned long long)sb.nodes4,
	      (unsigned long long)sb.nodes6, (unsigned long long)ss.leaves4, (unsigned long long)ss.leaves6,
	      (unsigned long long)sb.leaves4, (unsigned long long)sb.leaves6);
	printf("random table of %u: poptrie v4 %llu nodes %llu leaves, v6 %llu nodes %llu leaves\n", n,
	       (unsigned long long)sb.nodes4, (unsigned long long)sb.leaves4, (unsigned long long)sb.nodes6,
	       (unsigned long long)sb.leaves6);
	hy_fib_free(single);
	hy_fib_free(batch[0]);
	hy_fib_free(batch[1]);
	ref_fini(&ref);
	free(ops);
	free(routes);
}

struct collect {
	struct hy_fib_route *r;
	unsigned n, cap;
};

static int collect_cb(const struct hy_fib_route *r, void *arg)
{
	struct collect *c = arg;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 1024;
		c->r = realloc(c->r, c->cap * sizeof(*c->r));
	}
	c->r[c->n++] = *r;
	return 0;
}

static void test_random_sequence(uint64_t seed, unsigned steps)
{
	struct checker c;
	if (checker_init(&c, 4000, 4000) < 0) {
		CHECK(0, "checker");
		return;
	}
	c.rng = seed;
	uint64_t rng = seed * 7 + 1;
	enum { POOL = 1500 };
	struct test_op pool[POOL];
	fill_ops(pool, POOL, &rng);
	for (unsigned i = 0; i < steps; i++) {
		struct test_op op = pool[rng_next(&rng) % POOL];
		uint64_t r = rng_next(&rng);
		if (r % 5 < 2)
			op.nh = 0; /* delete (maybe absent) */
		else if (r % 5 == 2)
			op.nh = (uint32_t)(r >> 16) % 300 + 1; /* replace */
		checker_apply(&c, &op);
		if (c.mismatches > 20)
			break;
	}
	/* The incrementally kept Poptrie equals a fresh build of its routes. */
	struct collect col = {0};
	hy_fib_walk(c.fib[0], collect_cb, &col);
	struct hy_fib *fresh = make_fib(HY_FIB_POPTRIE, 4000, 4000, NULL);
	if (col.n > 0)
		CHECK(hy_fib_apply(fresh, col.r, col.n, NULL) == 0, "fresh build");
	struct hy_fib_stats a, b;
	hy_fib_stats(c.fib[0], &a);
	hy_fib_stats(fresh, &b);
	CHECK(a.nodes4 == b.nodes4 && a.leaves4 == b.leaves4 && a.nodes6 == b.nodes6 && a.leaves6 == b.leaves6,
	      "after %u steps the Poptrie differs from a fresh build", steps);
	printf("random sequence seed %llu: %llu operations, %llu mismatches, %u routes at the end\n",
	       (unsigned long long)seed, (unsigned long long)c.ops, (unsigned long long)c.mismatches, col.n);
	hy_fib_free(fresh);
	free(col.r);
	checker_fini(&c);
}

int main(int argc, char **argv)
{
	if (test_eal_init(argv[0], "1024") < 0)
		return 1;
	/* "tables": only the random tables (the bulk lookups), as the scalar run does. */
	bool tables_only = argc > 1 && strcmp(argv[1], "tables") == 0;
	test_random_table(1, 3000);
	test_random_table(2, 10000);
	if (!tables_only) {
		test_random_sequence(3, 5000);
		test_random_sequence(4, 5000);
	}
	printf("%lu failures\n", test_failures);
	return test_failures ? 1 : 0;
}
