/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lookups during updates.  Reader threads, registered with an rte_rcu_qsbr
 * variable, look up probe addresses in bursts and report a quiescent state
 * after each, while the writer applies a long stream of updates: next hops
 * replaced in place, routes deleted and re-added, more-specific routes that
 * reshape the nodes around the probes added and removed, and large batches
 * that rebuild the whole structure.  Each probe's prefix only ever has one of
 * three next hops (its two values or its covering route's), so any other
 * answer - 0, another prefix's next hop, garbage - is a failure.
 * Both backends.  Debug builds poison released Poptrie blocks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "fib_check.h"

enum { N4 = 2048, N6 = 1024, MAX_READERS = 3, BURST = 64 };

/* One reader per spare core (at least one): a writer that shares a core with
 * spinning readers waits a scheduler tick for every grace period. */
static unsigned readers;

struct probe {
	uint32_t a, b, cover; /* the only next hops the probe may see */
};

static struct probe probes4[N4], probes6[N6];
static uint32_t addr4[N4];
static uint8_t addr6[N6][16];
static struct hy_fib *fib;
static struct rte_rcu_qsbr *qsbr;
static atomic_bool stop;
static atomic_ulong lookups, wrong;

/* IPv4: P_i = 10.x.y.0/24 under C = 10.x.0.0/16; probe at P_i's first address;
 * D_i = P_i's last /28 and E_i its last /32 reshape the nodes beside it. */
static uint32_t p4(unsigned i)
{
	return 0x0a000000u | (i << 8);
}

/* IPv6: P_i = 2001:db8:i::/48 under 2001:db8::/32, D_i = P_i + ::ff/128. */
static void p6(unsigned i, uint8_t a[16])
{
	memset(a, 0, 16);
	a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8;
	a[4] = (uint8_t)(i >> 8), a[5] = (uint8_t)i;
}

static void *reader(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	rte_rcu_qsbr_thread_register(qsbr, id);
	rte_rcu_qsbr_thread_online(qsbr, id);
	uint64_t rng = 77 + id;
	uint32_t a4[BURST], n4[BURST], idx4[BURST], idx6[BURST], n6[BURST];
	uint8_t a6[BURST][16];
	unsigned long n = 0, bad = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (unsigned j = 0; j < BURST; j++) {
			idx4[j] = (uint32_t)(rng_next(&rng) % N4);
			idx6[j] = (uint32_t)(rng_next(&rng) % N6);
			a4[j] = addr4[idx4[j]];
			memcpy(a6[j], addr6[idx6[j]], 16);
		}
		hy_fib_lookup4_bulk(fib, 0, a4, n4, BURST);
		hy_fib_lookup6_bulk(fib, 0, (const uint8_t(*)[16])a6, n6, BURST);
		uint32_t one4 = hy_fib_lookup4(fib, 0, a4[0]);
		uint32_t one6 = hy_fib_lookup6(fib, 0, a6[0]);
		rte_rcu_qsbr_quiescent(qsbr, id);
		for (unsigned j = 0; j < BURST; j++) {
			const struct probe *p = &probes4[idx4[j]], *q = &probes6[idx6[j]];
			if (n4[j] != p->a && n4[j] != p->b && n4[j] != p->cover) {
				if (bad++ < 5)
					fprintf(stderr, "reader %u: IPv4 probe %u saw %u (may be %u, %u or %u)\n", id, idx4[j],
						n4[j], p->a, p->b, p->cover);
			}
			if (n6[j] != q->a && n6[j] != q->b && n6[j] != q->cover) {
				if (bad++ < 5)
					fprintf(stderr, "reader %u: IPv6 probe %u saw %u (may be %u, %u or %u)\n", id, idx6[j],
						n6[j], q->a, q->b, q->cover);
			}
		}
		const struct probe *p = &probes4[idx4[0]], *q = &probes6[idx6[0]];
		bad += (one4 != p->a && one4 != p->b && one4 != p->cover) + (one6 != q->a && one6 != q->b && one6 != q->cover);
		n += 2 * BURST + 2;
	}
	rte_rcu_qsbr_thread_offline(qsbr, id);
	rte_rcu_qsbr_thread_unregister(qsbr, id);
	atomic_fetch_add(&lookups, n);
	atomic_fetch_add(&wrong, bad);
	return NULL;
}

static struct hy_fib_route r4(uint32_t addr, unsigned len, uint32_t nh)
{
	return (struct hy_fib_route){.family = 4, .depth = (uint8_t)len, .op = nh ? HY_FIB_ADD : HY_FIB_DEL, .nh = nh,
				     .addr.v4 = addr};
}

static struct hy_fib_route r6(const uint8_t a[16], unsigned len, uint32_t nh)
{
	struct hy_fib_route r = {.family = 6, .depth = (uint8_t)len, .op = nh ? HY_FIB_ADD : HY_FIB_DEL, .nh = nh};
	memcpy(r.addr.v6, a, 16);
	return r;
}

static int apply(const struct hy_fib_route *r, uint32_t n)
{
	uint32_t applied;
	int rc = hy_fib_apply(fib, r, n, &applied);
	return rc == -ENOENT ? 0 : rc; /* deleting an absent route is part of the stream */
}

/* One random step for prefix i of a family. */
static int step(uint64_t *rng)
{
	uint64_t r = rng_next(rng);
	bool v6 = r & 1;
	unsigned i = (unsigned)((r >> 1) % (v6 ? N6 : N4));
	unsigned what = (unsigned)((r >> 20) % 8);
	struct hy_fib_route op;
	if (!v6) {
		const struct probe *p = &probes4[i];
		switch (what) {
		case 0: case 1: op = r4(p4(i), 24, p->a); break;
		case 2: case 3: op = r4(p4(i), 24, p->b); break;
		case 4: op = r4(p4(i), 24, 0); break;
		case 5: op = r4(p4(i) | 0xf0, 28, p->a); break; /* the /28 never covers the probe */
		case 6: op = r4(p4(i) | 0xf0, 28, 0); break;
		default: op = r4(p4(i) | 0xff, 32, (what & 1) ? p->b : 0); break;
		}
	} else {
		const struct probe *q = &probes6[i];
		uint8_t a[16];
		p6(i, a);
		switch (what) {
		case 0: case 1: op = r6(a, 48, q->a); break;
		case 2: case 3: op = r6(a, 48, q->b); break;
		case 4: op = r6(a, 48, 0); break;
		case 5: a[15] = 0xff; op = r6(a, 128, q->a); break;
		case 6: a[15] = 0xfe; op = r6(a, 127, 0); break;
		default: a[15] = 0xfe; op = r6(a, 127, q->b); break;
		}
	}
	return apply(&op, 1);
}

static unsigned long run(enum hy_fib_backend backend, double seconds)
{
	fib = make_fib(backend, 1u << 16, 1u << 15, qsbr);
	if (fib == NULL)
		return 0;
	/* Covering routes first, then every prefix with its first next hop. */
	for (unsigned c = 0; c < N4 / 256; c++)
		CHECK(apply(&(struct hy_fib_route){.family = 4, .depth = 16, .op = HY_FIB_ADD, .nh = 60000 + c,
						   .addr.v4 = 0x0a000000u | (c << 16)},
			    1) == 0,
		      "cover");
	uint8_t a[16];
	p6(0, a);
	struct hy_fib_route c6 = r6(a, 32, 61000);
	CHECK(apply(&c6, 1) == 0, "v6 cover");
	for (unsigned i = 0; i < N4; i++) {
		struct hy_fib_route r = r4(p4(i), 24, probes4[i].a);
		CHECK(apply(&r, 1) == 0, "v4 prefix");
	}
	for (unsigned i = 0; i < N6; i++) {
		p6(i, a);
		struct hy_fib_route r = r6(a, 48, probes6[i].a);
		CHECK(apply(&r, 1) == 0, "v6 prefix");
	}
	atomic_store(&stop, false);
	atomic_store(&lookups, 0);
	atomic_store(&wrong, 0);
	pthread_t th[MAX_READERS];
	for (unsigned t = 0; t < readers; t++)
		pthread_create(&th[t], NULL, reader, (void *)(uintptr_t)t);
	uint64_t rng = 99;
	unsigned long updates = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	static struct hy_fib_route batch[6000];
	for (;;) {
		for (unsigned k = 0; k < 256; k++, updates++)
			CHECK(step(&rng) == 0, "update %lu failed", updates);
		if (rng_next(&rng) % 64 == 0) {
			/* A batch large enough to rebuild the whole structure. */
			for (unsigned i = 0; i < 6000; i++) {
				unsigned j = i % N4;
				batch[i] = r4(p4(j), 24, (i / N4) % 2 ? probes4[j].b : probes4[j].a);
			}
			CHECK(apply(batch, 6000) == 0, "big batch");
			updates += 6000;
		}
		hy_fib_reclaim(fib);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9 > seconds)
			break;
	}
	atomic_store(&stop, true);
	for (unsigned t = 0; t < readers; t++)
		pthread_join(th[t], NULL);
	hy_fib_reclaim(fib);
	struct hy_fib_stats st;
	hy_fib_stats(fib, &st);
	CHECK(atomic_load(&wrong) == 0, "%s: %lu lookups saw a next hop their prefix never had",
	      hy_fib_backend_name(backend), atomic_load(&wrong));
	CHECK(atomic_load(&lookups) > 0, "readers ran");
	printf("%s: %lu updates, %lu lookups by %u readers, %lu wrong, %llu objects still waiting for readers\n",
	       hy_fib_backend_name(backend), updates, atomic_load(&lookups), readers, atomic_load(&wrong),
	       (unsigned long long)st.pending_reclaim);
	hy_fib_free(fib);
	return updates;
}

int main(int argc, char **argv)
{
	(void)argc;
	if (test_eal_init(argv[0], "1024") < 0)
		return 1;
	for (unsigned i = 0; i < N4; i++) {
		probes4[i] = (struct probe){1 + 3 * i, 2 + 3 * i, 60000 + i / 256};
		addr4[i] = p4(i) | 1;
	}
	for (unsigned i = 0; i < N6; i++) {
		probes6[i] = (struct probe){10000 + 2 * i, 10001 + 2 * i, 61000};
		p6(i, addr6[i]);
		addr6[i][15] = 1;
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	readers = cores > 1 ? (unsigned)(cores - 1) : 1;
	if (readers > MAX_READERS)
		readers = MAX_READERS;
	size_t sz = rte_rcu_qsbr_get_memsize(MAX_READERS);
	qsbr = rte_zmalloc("test_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (qsbr == NULL || rte_rcu_qsbr_init(qsbr, MAX_READERS) != 0) {
		fprintf(stderr, "qsbr init failed\n");
		return 1;
	}
	double seconds = getenv("HAYATE_CONCURRENCY_S") ? atof(getenv("HAYATE_CONCURRENCY_S")) : 4.0;
	run(HY_FIB_POPTRIE, seconds);
	run(HY_FIB_RTE_FIB, seconds);
	rte_free(qsbr);
	printf("%lu failures\n", test_failures);
	return test_failures ? 1 : 0;
}
