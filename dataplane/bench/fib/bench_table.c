/* SPDX-License-Identifier: BSD-3-Clause */
#include "bench_table.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Next hop of a prefix: a hash of its bits and length, so every run and every structure agree. */
static uint32_t prefix_nh(const uint8_t addr[16], uint8_t depth)
{
	uint64_t h = depth, a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	h = splitmix64(&h) ^ a;
	h = splitmix64(&h) ^ b;
	return (uint32_t)(splitmix64(&h) % BENCH_NH_MAX) + 1;
}

static void clear_host_bits(uint8_t addr[16], unsigned int depth)
{
	for (unsigned int bit = depth; bit < 128; bit++)
		addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
}

static int cmp_prefix(const void *pa, const void *pb)
{
	const struct bench_prefix *a = pa, *b = pb;
	int c = memcmp(a->addr, b->addr, 16);

	return c ? c : (int)a->depth - (int)b->depth;
}

/* Parse "PREFIX/LEN" of the wanted family into p; false for other lines. */
static bool parse_prefix(char *line, int family, struct bench_prefix *p)
{
	char *slash, *end, *s = line;
	unsigned long depth;

	while (*s == ' ' || *s == '\t')
		s++;
	s[strcspn(s, " \t\r\n#")] = '\0';
	slash = strchr(s, '/');
	if (slash == NULL || (strchr(s, ':') != NULL) != (family == 6))
		return false;
	*slash = '\0';
	depth = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || depth > (family == 4 ? 32u : 128u))
		return false;
	memset(p, 0, sizeof(*p));
	if (family == 4) {
		struct in_addr a;

		if (inet_pton(AF_INET, s, &a) != 1)
			return false;
		memcpy(p->addr, &a, 4);
		depth += 96; /* hash and sort IPv4 in the same 128-bit space */
	} else if (inet_pton(AF_INET6, s, p->addr) != 1) {
		return false;
	}
	p->depth = (uint8_t)depth;
	return true;
}

int bench_table_load(struct bench_table *t, int family, const char *path, uint32_t limit)
{
	gzFile f = gzopen(path, "r");
	char line[256];
	uint32_t cap = 0, bad = 0, out = 0;

	memset(t, 0, sizeof(*t));
	t->family = family;
	t->path = path;
	if (f == NULL) {
		fprintf(stderr, "bench-fib: %s: %s\n", path, strerror(errno ? errno : ENOENT));
		return -ENOENT;
	}
	gzbuffer(f, 1 << 20);
	while (gzgets(f, line, sizeof(line)) != NULL) {
		struct bench_prefix p;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (!parse_prefix(line, family, &p)) {
			bad += strchr(line, family == 4 ? '.' : ':') != NULL;
			continue;
		}
		if (t->n == cap) {
			struct bench_prefix *np;

			cap = cap ? cap * 2 : 1 << 16;
			np = realloc(t->prefixes, cap * sizeof(*np));
			if (np == NULL) {
				gzclose(f);
				bench_table_free(t);
				return -ENOMEM;
			}
			t->prefixes = np;
		}
		t->prefixes[t->n++] = p;
	}
	gzclose(f);
	if (bad)
		fprintf(stderr, "bench-fib: %s: %u lines skipped as unreadable\n", path, bad);

	/* Store form: host bits clear, sorted, no duplicates; depth back to the family's. */
	for (uint32_t i = 0; i < t->n; i++) {
		struct bench_prefix *p = &t->prefixes[i];

		clear_host_bits(p->addr, p->depth);
	}
	qsort(t->prefixes, t->n, sizeof(*t->prefixes), cmp_prefix);
	for (uint32_t i = 0; i < t->n; i++) {
		struct bench_prefix *p = &t->prefixes[i];

		if (out > 0 && cmp_prefix(&t->prefixes[out - 1], p) == 0)
			continue;
		p->nh = prefix_nh(p->addr, p->depth);
		if (family == 4) {
			uint32_t a;

			memcpy(&a, p->addr, 4);
			p->v4 = ntohl(a);
			p->depth -= 96;
		}
		t->prefixes[out++] = *p;
	}
	t->n = out;
	/* A limited table keeps an evenly spread sample rather than the lowest prefixes. */
	if (limit > 0 && limit < t->n) {
		for (uint32_t i = 0; i < limit; i++)
			t->prefixes[i] = t->prefixes[(uint64_t)i * t->n / limit];
		t->n = limit;
	}
	if (t->n == 0) {
		fprintf(stderr, "bench-fib: %s: no IPv%d prefixes\n", path, family);
		return -EINVAL;
	}
	return 0;
}

void bench_table_free(struct bench_table *t)
{
	free(t->prefixes);
	t->prefixes = NULL;
	t->n = 0;
}

static void random_in_prefix(const struct bench_prefix *p, int family, uint64_t *rng, void *dst)
{
	if (family == 4) {
		uint32_t host = p->depth == 32 ? 0 : (uint32_t)splitmix64(rng) & (0xffffffffu >> p->depth);

		*(uint32_t *)dst = p->v4 | host;
	} else {
		uint8_t *a = dst, r[16];
		uint64_t x = splitmix64(rng), y = splitmix64(rng);

		memcpy(r, &x, 8);
		memcpy(r + 8, &y, 8);
		for (unsigned int i = 0; i < 16; i++) {
			unsigned int lo = i * 8;
			uint8_t netmask = p->depth >= lo + 8 ? 0xff : p->depth <= lo ? 0 : (uint8_t)(0xff00u >> (p->depth - lo));

			a[i] = (uint8_t)((p->addr[i] & netmask) | (r[i] & ~netmask));
		}
	}
}

int bench_addrs_make(struct bench_addrs *a, const struct bench_table *t, enum bench_set set, uint32_t n,
		     uint64_t seed)
{
	size_t size = t->family == 4 ? 4 : 16;
	uint64_t rng = seed * 0x100000001b3ull + (uint64_t)set;

	if (set == SET_HOT)
		n = BENCH_HOT_ADDRS;
	a->n = n;
	a->addrs = aligned_alloc(64, ((size * n + 63) / 64) * 64);
	if (a->addrs == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		void *dst = (uint8_t *)a->addrs + i * size;

		if (set == SET_RANDOM && t->family == 4) {
			*(uint32_t *)dst = (uint32_t)splitmix64(&rng);
		} else if (set == SET_RANDOM) {
			uint64_t x = splitmix64(&rng), y = splitmix64(&rng);

			memcpy(dst, &x, 8);
			memcpy((uint8_t *)dst + 8, &y, 8);
			((uint8_t *)dst)[0] = (uint8_t)(0x20 | (((uint8_t *)dst)[0] & 0x1f)); /* 2000::/3 */
		} else {
			random_in_prefix(&t->prefixes[splitmix64(&rng) % t->n], t->family, &rng, dst);
		}
	}
	return 0;
}

void bench_addrs_free(struct bench_addrs *a)
{
	free(a->addrs);
	a->addrs = NULL;
}

const char *bench_set_name(enum bench_set set)
{
	static const char *const names[SET_COUNT] = { "random", "in-table", "hot" };

	return names[set];
}
