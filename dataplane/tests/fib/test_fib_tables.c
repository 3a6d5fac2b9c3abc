/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The real Internet tables (../shared/data, path in $HAYATE_DATA): Poptrie
 * and rte_fib loaded with them must agree with each other on every prefix's
 * first and last address and on random addresses, and with the reference
 * LPM on a sample; a long delete+add churn of the IPv6 table must never run
 * rte_fib6 out of tbl8 groups (DPDK's reservation count drifts on delete).
 * Skipped (exit 77) when the data is absent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fib_check.h"

struct table {
	struct hy_fib_route *r;
	unsigned n, cap;
};

static uint32_t nh_of(const struct hy_fib_route *r)
{
	uint64_t h = r->depth * 0x9e3779b97f4a7c15ULL;
	for (unsigned i = 0; i < 16; i++)
		h = (h ^ r->addr.v6[i]) * 0x100000001b3ULL;
	return (uint32_t)(h % 500) + 1;
}

static int load(const char *dir, const char *file, unsigned family, struct table *t)
{
	char cmd[1024], line[256];
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s/%s'", dir, file);
	FILE *f = popen(cmd, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *slash = strchr(line, '/');
		if (slash == NULL)
			continue;
		*slash = 0;
		struct hy_fib_route r;
		memset(&r, 0, sizeof(r));
		r.family = (uint8_t)family;
		r.depth = (uint8_t)atoi(slash + 1);
		r.op = HY_FIB_ADD;
		if (family == 4) {
			struct in_addr a;
			if (inet_pton(AF_INET, line, &a) != 1)
				continue;
			r.addr.v4 = ntohl(a.s_addr);
		} else if (inet_pton(AF_INET6, line, r.addr.v6) != 1) {
			continue;
		}
		r.nh = nh_of(&r);
		if (t->n == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 65536;
			t->r = realloc(t->r, t->cap * sizeof(*t->r));
		}
		t->r[t->n++] = r;
	}
	return pclose(f) == 0 && t->n > 0 ? 0 : -1;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static u128 key_of(const struct hy_fib_route *r)
{
	return r->family == 4 ? (u128)r->addr.v4 << 96 : key_of_v6(r->addr.v6);
}

/* Poptrie against rte_fib at both ends of every prefix and at random addresses. */
static void compare_backends(struct hy_fib *pt, struct hy_fib *rf, const struct table *t, unsigned family,
			     uint64_t *rng)
{
	enum { B = 64 };
	unsigned bad = 0;
	uint64_t checked = 0;
	for (unsigned i = 0; i < t->n + 20000 && bad < 10; i += B / 2) {
		uint32_t a4[B], n1[B], n2[B];
		uint8_t a6[B][16];
		for (unsigned j = 0; j < B; j++) {
			u128 k;
			if (i + j / 2 < t->n) {
				const struct hy_fib_route *r = &t->r[i + j / 2];
				u128 host = ~prefix_mask(r->depth) & prefix_mask(family == 4 ? 32 : 128);
				k = key_of(r) | (j & 1 ? host : 0);
			} else {
				k = (u128)rng_next(rng) << 64 | rng_next(rng);
			}
			a4[j] = (uint32_t)(k >> 96);
			v6_of_key(k, a6[j]);
		}
		if (family == 4) {
			hy_fib_lookup4_bulk(pt, 0, a4, n1, B);
			hy_fib_lookup4_bulk(rf, 0, a4, n2, B);
		} else {
			hy_fib_lookup6_bulk(pt, 0, (const uint8_t(*)[16])a6, n1, B);
			hy_fib_lookup6_bulk(rf, 0, (const uint8_t(*)[16])a6, n2, B);
		}
		for (unsigned j = 0; j < B; j++) {
			if (n1[j] != n2[j]) {
				char buf[64];
				inet_ntop(family == 4 ? AF_INET6 : AF_INET6, a6[j], buf, sizeof(buf));
				CHECK(n1[j] == n2[j], "IPv%u %s: poptrie %u, rte_fib %u", family, buf, n1[j], n2[j]);
				bad++;
			}
		}
		checked += B;
	}
	printf("IPv%u: poptrie and rte_fib agree on %llu addresses\n", family, (unsigned long long)checked);
}

static void compare_reference(struct hy_fib *fib, const struct table *t, unsigned family, uint64_t *rng)
{
	struct ref_lpm ref;
	ref_init(&ref);
	for (unsigned i = 0; i < t->n; i++) {
		uint8_t a[16];
		v6_of_key(key_of(&t->r[i]), a);
		ref_set(&ref, family, a, t->r[i].depth, t->r[i].nh);
	}
	unsigned bad = 0;
	for (unsigned i = 0; i < 3000 && bad < 10; i++) {
		const struct hy_fib_route *r = &t->r[rng_next(rng) % t->n];
		bad += check_around(fib, &ref, family, key_of(r), r->depth, rng, "real table");
	}
	/* Every route longer than /124 (v6) or /30 (v4), where narrow slots hide bugs. */
	for (unsigned i = 0; i < t->n; i++)
		if (t->r[i].depth > (family == 4 ? 30 : 124))
			bad += check_around(fib, &ref, family, key_of(&t->r[i]), t->r[i].depth, rng, "long prefix");
	ref_fini(&ref);
}

static struct hy_fib *load_fib(enum hy_fib_backend b, const struct table *t4, const struct table *t6)
{
	struct hy_fib *fib = make_fib(b, 1000000, 170000, NULL);
	if (fib == NULL)
		return NULL;
	double t0 = now();
	uint32_t applied = 0;
	int rc = hy_fib_apply(fib, t4->r, t4->n, &applied);
	CHECK(rc == 0 && applied == t4->n, "%s: IPv4 table: rc %d, applied %u of %u", hy_fib_backend_name(b), rc,
	      applied, t4->n);
	double t1 = now();
	rc = hy_fib_apply(fib, t6->r, t6->n, &applied);
	CHECK(rc == 0 && applied == t6->n, "%s: IPv6 table: rc %d, applied %u of %u", hy_fib_backend_name(b), rc,
	      applied, t6->n);
	double t2 = now();
	struct hy_fib_stats st;
	hy_fib_stats(fib, &st);
	printf("%s: IPv4 %u routes loaded in %.3f s, %llu nodes, %llu leaves, %.2f MiB; IPv6 %u routes in %.3f s, "
	       "%llu nodes, %llu leaves, %.2f MiB\n",
	       hy_fib_backend_name(b), t4->n, t1 - t0, (unsigned long long)st.nodes4, (unsigned long long)st.leaves4,
	       (double)st.bytes4 / 1048576, t6->n, t2 - t1, (unsigned long long)st.nodes6,
	       (unsigned long long)st.leaves6, (double)st.bytes6 / 1048576);
	return fib;
}

/* Delete and re-add random IPv6 routes, one operation per batch as the agent would. */
static void churn6(struct hy_fib *fib, const struct table *t6, unsigned pairs, uint64_t *rng)
{
	double t0 = now();
	unsigned failed = 0;
	for (unsigned i = 0; i < pairs && failed < 5; i++) {
		struct hy_fib_route r = t6->r[rng_next(rng) % t6->n];
		r.op = HY_FIB_DEL;
		int rc = hy_fib_apply(fib, &r, 1, NULL);
		r.op = HY_FIB_ADD;
		int rc2 = hy_fib_apply(fib, &r, 1, NULL);
		if (rc != 0 || rc2 != 0) {
			CHECK(rc == 0 && rc2 == 0, "%s: churn pair %u: delete %d, add %d", hy_fib_backend_name(hy_fib_backend(fib)),
			      i, rc, rc2);
			failed++;
		}
	}
	printf("%s: %u IPv6 delete+add pairs in %.2f s\n", hy_fib_backend_name(hy_fib_backend(fib)), pairs, now() - t0);
}

int main(int argc, char **argv)
{
	(void)argc;
	const char *dir = getenv("HAYATE_DATA");
	struct table t4 = {0}, t6 = {0};
	if (dir == NULL || load(dir, "rib4.txt.gz", 4, &t4) < 0 || load(dir, "rib6.txt.gz", 6, &t6) < 0) {
		printf("SKIP: real tables not found in HAYATE_DATA=%s (rib4.txt.gz, rib6.txt.gz)\n", dir ? dir : "(unset)");
		return 77;
	}
	if (test_eal_init(argv[0], "2560") < 0)
		return 1;
	uint64_t rng = 12345;
	struct hy_fib *pt = load_fib(HY_FIB_POPTRIE, &t4, &t6);
	struct hy_fib *rf = load_fib(HY_FIB_RTE_FIB, &t4, &t6);
	if (pt == NULL || rf == NULL)
		return 1;
	compare_backends(pt, rf, &t4, 4, &rng);
	compare_backends(pt, rf, &t6, 6, &rng);
	compare_reference(pt, &t4, 4, &rng);
	compare_reference(pt, &t6, 6, &rng);
	compare_reference(rf, &t6, 6, &rng);
	unsigned pairs = getenv("HAYATE_CHURN_PAIRS") ? (unsigned)atoi(getenv("HAYATE_CHURN_PAIRS")) : 60000;
	churn6(rf, &t6, pairs, &rng);
	churn6(pt, &t6, pairs, &rng);
	compare_backends(pt, rf, &t6, 6, &rng);
	hy_fib_free(pt);
	hy_fib_free(rf);
	free(t4.r);
	free(t6.r);
	printf("%lu failures\n", test_failures);
	return test_failures ? 1 : 0;
}
