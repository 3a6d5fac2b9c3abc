/* SPDX-License-Identifier: BSD-3-Clause */
#include "fib_check.h"

#include <errno.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>

unsigned long test_failures;

int test_eal_init(const char *prog, const char *mem_mb)
{
	char *argv[] = {(char *)prog, "--no-huge", "-m", (char *)mem_mb, "--no-pci", "--no-shconf", "--log-level=lib.eal:error", "--force-max-simd-bitwidth=512",
			"-l", "0", NULL};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", prog, rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

uint64_t rng_next(uint64_t *s)
{
	/* xorshift64* */
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

u128 key_of_v6(const uint8_t a[16])
{
	u128 k = 0;
	for (unsigned i = 0; i < 16; i++)
		k = (k << 8) | a[i];
	return k;
}

void v6_of_key(u128 key, uint8_t a[16])
{
	for (int i = 15; i >= 0; i--) {
		a[i] = (uint8_t)key;
		key >>= 8;
	}
}

u128 prefix_mask(unsigned len)
{
	return len == 0 ? 0 : ~(u128)0 << (128 - len);
}

struct hy_fib *make_fib(enum hy_fib_backend backend, uint32_t max4, uint32_t max6, struct rte_rcu_qsbr *qsbr)
{
	static unsigned seq;
	char name[32], err[256];
	snprintf(name, sizeof(name), "t%u", seq++);
	struct hy_fib_conf conf = {
		.backend = backend, .max_routes4 = max4, .max_routes6 = max6, .n_numa = 0, .qsbr = qsbr, .name = name};
	struct hy_fib *fib = NULL;
	int rc = hy_fib_create(&conf, &fib, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "hy_fib_create(%s): %s\n", hy_fib_backend_name(backend), err);
		return NULL;
	}
	return fib;
}

struct hy_fib_route to_route(const struct test_op *op)
{
	struct hy_fib_route r;
	memset(&r, 0, sizeof(r));
	r.family = (uint8_t)op->family;
	r.depth = (uint8_t)op->len;
	r.op = op->nh ? HY_FIB_ADD : HY_FIB_DEL;
	r.nh = op->nh;
	if (op->family == 4)
		r.addr.v4 = (uint32_t)(op->key >> 96);
	else
		v6_of_key(op->key, r.addr.v6);
	return r;
}

uint32_t fib_lookup_key(const struct hy_fib *fib, unsigned family, u128 key)
{
	uint32_t single, bulk[3];
	if (family == 4) {
		uint32_t a = (uint32_t)(key >> 96);
		uint32_t addrs[3] = {a ^ 0x80000000u, a, ~a};
		single = hy_fib_lookup4(fib, 0, a);
		hy_fib_lookup4_bulk(fib, 0, addrs, bulk, 3);
	} else {
		uint8_t addrs[3][16];
		v6_of_key(key ^ ((u128)1 << 127), addrs[0]);
		v6_of_key(key, addrs[1]);
		v6_of_key(~key, addrs[2]);
		single = hy_fib_lookup6(fib, 0, addrs[1]);
		hy_fib_lookup6_bulk(fib, 0, (const uint8_t(*)[16])addrs, bulk, 3);
	}
	CHECK(single == bulk[1], "%s: single lookup %u, bulk %u", hy_fib_backend_name(hy_fib_backend(fib)), single,
	      bulk[1]);
	return single;
}

uint32_t ref_lookup_key(const struct ref_lpm *ref, unsigned family, u128 key)
{
	uint8_t a[16];
	v6_of_key(key, a);
	return ref_lookup(ref, family, a);
}

static void format_key(char *buf, size_t len, unsigned family, u128 key)
{
	if (family == 4) {
		uint32_t a = (uint32_t)(key >> 96);
		snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	} else {
		snprintf(buf, len, "%016llx%016llx", (unsigned long long)(key >> 64), (unsigned long long)key);
	}
}

unsigned check_around(const struct hy_fib *fib, const struct ref_lpm *ref, unsigned family, u128 key, unsigned len,
		      uint64_t *rng, const char *what)
{
	unsigned maxlen = family == 4 ? 32 : 128;
	u128 fam_mask = prefix_mask(maxlen);
	u128 host = ~prefix_mask(len) & fam_mask;
	u128 first = key & prefix_mask(len), last = first | host;
	u128 unit = (u128)1 << (128 - maxlen);
	u128 probes[10] = {first, last, (first - unit) & fam_mask, (last + unit) & fam_mask,
			   first | (((u128)rng_next(rng) << 64 | rng_next(rng)) & host)};
	unsigned n = 5;
	for (unsigned i = 0; i < 5; i++)
		probes[n++] = ((u128)rng_next(rng) << 64 | rng_next(rng)) & fam_mask;
	unsigned bad = 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t got = fib_lookup_key(fib, family, probes[i]);
		uint32_t want = ref_lookup_key(ref, family, probes[i]);
		if (got != want) {
			char a[64];
			format_key(a, sizeof(a), family, probes[i]);
			CHECK(got == want, "%s: %s lookup of %s: got %u, want %u", what,
			      hy_fib_backend_name(hy_fib_backend(fib)), a, got, want);
			bad++;
		}
	}
	return bad;
}

int checker_init(struct checker *c, uint32_t max4, uint32_t max6)
{
	memset(c, 0, sizeof(*c));
	c->rng = 0x9e3779b97f4a7c15ULL;
	ref_init(&c->ref);
	c->fib[0] = make_fib(HY_FIB_POPTRIE, max4, max6, NULL);
	c->fib[1] = make_fib(HY_FIB_RTE_FIB, max4, max6, NULL);
	return c->fib[0] && c->fib[1] ? 0 : -1;
}

void checker_fini(struct checker *c)
{
	hy_fib_free(c->fib[0]);
	hy_fib_free(c->fib[1]);
	ref_fini(&c->ref);
}

void checker_apply(struct checker *c, const struct test_op *op)
{
	uint8_t a[16];
	v6_of_key(op->key, a);
	bool present = ref_get(&c->ref, op->family, a, op->len) != 0;
	struct hy_fib_route r = to_route(op);
	int rc[2];
	for (unsigned b = 0; b < 2; b++) {
		uint32_t applied = 99;
		rc[b] = hy_fib_apply(c->fib[b], &r, 1, &applied);
		CHECK(applied == (rc[b] == 0 ? 1u : 0u), "applied %u with rc %d", applied, rc[b]);
	}
	c->ops++;
	if (op->nh == 0) {
		int want = present ? 0 : -ENOENT;
		CHECK(rc[0] == want && rc[1] == want, "delete /%u: rc %d and %d, want %d", op->len, rc[0], rc[1], want);
		if (present)
			ref_del(&c->ref, op->family, a, op->len);
	} else {
		/* Both accept or refuse for capacity alike only when the route count is the limit. */
		CHECK(rc[0] == rc[1] || rc[0] == -ENOSPC || rc[1] == -ENOSPC, "add /%u: rc %d and %d", op->len,
		      rc[0], rc[1]);
		if (rc[0] == 0 && rc[1] == 0) {
			ref_set(&c->ref, op->family, a, op->len, op->nh);
		} else {
			/* Keep the three in step: undo where one of them took it. */
			for (unsigned b = 0; b < 2; b++) {
				if (rc[b] != 0)
					continue;
				uint32_t prev = ref_get(&c->ref, op->family, a, op->len);
				struct test_op undo = *op;
				undo.nh = prev;
				struct hy_fib_route u = to_route(&undo);
				uint32_t applied;
				CHECK(hy_fib_apply(c->fib[b], &u, 1, &applied) == 0, "undo failed");
			}
		}
	}
	for (unsigned b = 0; b < 2; b++) {
		struct hy_fib_route q = r;
		uint32_t got = hy_fib_get(c->fib[b], &q);
		uint32_t want = ref_get(&c->ref, op->family, a, op->len);
		CHECK(got == want, "%s get /%u: %u, want %u", hy_fib_backend_name((enum hy_fib_backend)b), op->len, got,
		      want);
		c->mismatches += check_around(c->fib[b], &c->ref, op->family, op->key, op->len, &c->rng, "after op");
	}
}

/*
 * Fuzz input: records of 5..20 bytes.  Byte 0: bit 0 family (0: 4, 1: 6),
 * bit 1 delete, bits 2..7 a "neighbourhood" selector; byte 1: length; byte
 * 2: next hop; then the address bytes (4 or 16, missing ones zero).  Few
 * distinct high bytes make prefixes overlap, which is what needs testing.
 */
void checker_run_bytes(struct checker *c, const uint8_t *data, size_t size)
{
	size_t i = 0;
	while (i + 3 <= size) {
		uint8_t flags = data[i], len = data[i + 1], nh = data[i + 2];
		i += 3;
		struct test_op op;
		op.family = flags & 1 ? 6 : 4;
		unsigned maxlen = op.family == 4 ? 32 : 128;
		unsigned nbytes = op.family == 4 ? 4 : 16;
		op.len = len % (maxlen + 1);
		uint8_t a[16] = {0};
		/* The selector fixes the first byte among four values. */
		a[0] = (uint8_t)(((flags >> 2) & 3) * 64 + 10);
		for (unsigned b = 1; b < nbytes && i < size; b++)
			a[b] = data[i++];
		op.key = key_of_v6(a) & prefix_mask(op.len);
		op.nh = flags & 2 ? 0 : (uint32_t)(nh % 7) + 1 + (nh > 250 ? 65000u : 0u);
		checker_apply(c, &op);
	}
}

void checker_reset(struct checker *c)
{
	for (uint32_t i = 0; i < c->ref.cap; i++) {
		const struct ref_route *r = &c->ref.slots[i];
		if (!r->used)
			continue;
		struct test_op op = {r->family, r->len, key_of_v6(r->addr), 0};
		struct hy_fib_route del = to_route(&op);
		for (unsigned b = 0; b < 2; b++)
			CHECK(hy_fib_apply(c->fib[b], &del, 1, NULL) == 0, "reset: delete failed");
	}
	ref_fini(&c->ref);
	ref_init(&c->ref);
	for (unsigned b = 0; b < 2; b++) {
		struct hy_fib_stats st;
		hy_fib_stats(c->fib[b], &st);
		CHECK(st.routes4 == 0 && st.routes6 == 0, "reset left routes");
	}
}
