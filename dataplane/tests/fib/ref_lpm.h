/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tests' reference: an obviously correct longest-prefix match.  Routes
 * sit in one hash table keyed by (family, length, masked address); a lookup
 * tries every length from the longest down.  Slow, simple, independent of
 * the FIB's code.
 */
#ifndef HY_TEST_REF_LPM_H
#define HY_TEST_REF_LPM_H

#include <stdbool.h>
#include <stdint.h>

struct ref_route {
	uint8_t addr[16]; /* masked; IPv4 in the first 4 bytes, network order */
	uint8_t family, len, used;
	uint32_t nh;
};

struct ref_lpm {
	struct ref_route *slots;
	uint32_t cap, n;
	uint32_t per_len[2][129]; /* routes per family and length */
};

void ref_init(struct ref_lpm *r);
void ref_fini(struct ref_lpm *r);
/* Returns the previous next hop (0 if none). */
uint32_t ref_set(struct ref_lpm *r, unsigned family, const uint8_t *addr, unsigned len, uint32_t nh);
/* Returns the removed next hop, 0 if absent. */
uint32_t ref_del(struct ref_lpm *r, unsigned family, const uint8_t *addr, unsigned len);
uint32_t ref_get(const struct ref_lpm *r, unsigned family, const uint8_t *addr, unsigned len);
uint32_t ref_lookup(const struct ref_lpm *r, unsigned family, const uint8_t *addr);
uint32_t ref_lookup4(const struct ref_lpm *r, uint32_t addr);
uint32_t ref_count(const struct ref_lpm *r, unsigned family);

#endif
