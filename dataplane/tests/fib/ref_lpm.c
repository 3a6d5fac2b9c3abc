/* SPDX-License-Identifier: BSD-3-Clause */
#include "ref_lpm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mask_into(uint8_t out[16], const uint8_t *addr, unsigned family, unsigned len)
{
	unsigned bytes = family == 4 ? 4 : 16;
	memset(out, 0, 16);
	for (unsigned i = 0; i < bytes; i++) {
		unsigned bits = len >= 8 * (i + 1) ? 8 : (len > 8 * i ? len - 8 * i : 0);
		out[i] = (uint8_t)(addr[i] & (uint8_t)(0xff00u >> bits));
	}
}

static uint64_t hash(const uint8_t a[16], unsigned family, unsigned len)
{
	uint64_t h = 1469598103934665603ULL ^ (family * 131 + len);
	for (unsigned i = 0; i < 16; i++)
		h = (h ^ a[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

void ref_init(struct ref_lpm *r)
{
	memset(r, 0, sizeof(*r));
	r->cap = 1024;
	r->slots = calloc(r->cap, sizeof(*r->slots));
	if (r->slots == NULL)
		abort();
}

void ref_fini(struct ref_lpm *r)
{
	free(r->slots);
}

static struct ref_route *find(const struct ref_lpm *r, const uint8_t m[16], unsigned family, unsigned len)
{
	uint32_t i = (uint32_t)hash(m, family, len) & (r->cap - 1);
	for (;; i = (i + 1) & (r->cap - 1)) {
		struct ref_route *s = &r->slots[i];
		if (!s->used)
			return s;
		if (s->family == family && s->len == len && memcmp(s->addr, m, 16) == 0)
			return s;
	}
}

static void grow(struct ref_lpm *r)
{
	struct ref_route *old = r->slots;
	uint32_t old_cap = r->cap;
	r->cap *= 2;
	r->slots = calloc(r->cap, sizeof(*r->slots));
	if (r->slots == NULL)
		abort();
	for (uint32_t i = 0; i < old_cap; i++)
		if (old[i].used)
			*find(r, old[i].addr, old[i].family, old[i].len) = old[i];
	free(old);
}

uint32_t ref_set(struct ref_lpm *r, unsigned family, const uint8_t *addr, unsigned len, uint32_t nh)
{
	if (2 * (r->n + 1) > r->cap)
		grow(r);
	uint8_t m[16];
	mask_into(m, addr, family, len);
	struct ref_route *s = find(r, m, family, len);
	uint32_t old = s->used ? s->nh : 0;
	if (!s->used) {
		memcpy(s->addr, m, 16);
		s->family = (uint8_t)family;
		s->len = (uint8_t)len;
		s->used = 1;
		r->n++;
		r->per_len[family == 6][len]++;
	}
	s->nh = nh;
	return old;
}

uint32_t ref_del(struct ref_lpm *r, unsigned family, const uint8_t *addr, unsigned len)
{
	uint8_t m[16];
	mask_into(m, addr, family, len);
	struct ref_route *s = find(r, m, family, len);
	if (!s->used)
		return 0;
	uint32_t old = s->nh;
	/* Backward-shift deletion keeps the probe chains intact. */
	uint32_t i = (uint32_t)(s - r->slots);
	s->used = 0;
	for (uint32_t j = (i + 1) & (r->cap - 1); r->slots[j].used; j = (j + 1) & (r->cap - 1)) {
		struct ref_route moved = r->slots[j];
		r->slots[j].used = 0;
		*find(r, moved.addr, moved.family, moved.len) = moved;
	}
	r->n--;
	r->per_len[family == 6][len]--;
	return old;
}

uint32_t ref_get(const struct ref_lpm *r, unsigned family, const uint8_t *addr, unsigned len)
{
	uint8_t m[16];
	mask_into(m, addr, family, len);
	const struct ref_route *s = find(r, m, family, len);
	return s->used ? s->nh : 0;
}

uint32_t ref_lookup(const struct ref_lpm *r, unsigned family, const uint8_t *addr)
{
	for (int len = family == 4 ? 32 : 128; len >= 0; len--) {
		if (r->per_len[family == 6][len] == 0)
			continue;
		uint32_t nh = ref_get(r, family, addr, (unsigned)len);
		if (nh != 0)
			return nh;
	}
	return 0;
}

uint32_t ref_lookup4(const struct ref_lpm *r, uint32_t addr)
{
	uint8_t a[4] = {(uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8), (uint8_t)addr};
	return ref_lookup(r, 4, a);
}

uint32_t ref_count(const struct ref_lpm *r, unsigned family)
{
	uint32_t n = 0;
	for (unsigned l = 0; l <= 128; l++)
		n += r->per_len[family == 6][l];
	return n;
}
