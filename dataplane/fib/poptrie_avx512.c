/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 Poptrie lookups with AVX-512 (forwarder lcores): 16 addresses at a
 * time, gathers for the direct-pointing entries, the nodes and the leaves,
 * VPOPCNTQ for the bitmap ranks.  Compiled for AVX-512 whatever -march says
 * (target attribute) and used only where the CPU has it (pt_have_avx512):
 * an image built on one machine runs on others.
 */
#include "poptrie.h"

#include <immintrin.h>

#include <rte_vect.h>

#define AVX512_TARGET "avx512f,avx512dq,avx512vl,avx512bw,avx512vpopcntdq,popcnt"

int pt_have_avx512(void)
{
	static int cpu = -1;
	if (cpu < 0) {
		__builtin_cpu_init();
		cpu = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
		      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
		      __builtin_cpu_supports("avx512vpopcntdq");
	}
	/* Honour EAL's --force-max-simd-bitwidth like DPDK's own lookups do. */
	return cpu && rte_vect_get_max_simd_bitwidth() >= RTE_VECT_SIMD_512;
}

/* One level for 8 lanes (64-bit each): lanes in act read their node cur; those
 * at a child move cur there, the others record their leaf's index. */
__attribute__((target(AVX512_TARGET))) static inline __mmask8 step8(const long long *nodes, __mmask8 act, __m512i *cur,
								   __m512i *leaf, __m512i key, unsigned off)
{
	const __m512i one = _mm512_set1_epi64(1), lo32 = _mm512_set1_epi64(0xffffffff);
	__m512i q = _mm512_add_epi64(_mm512_slli_epi64(*cur, 1), *cur); /* 24-byte nodes: 3 qwords */
	__m512i vec = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), act, q, nodes, 8);
	__m512i lvec = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), act, _mm512_add_epi64(q, one), nodes, 8);
	__m512i bases = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), act,
						    _mm512_add_epi64(q, _mm512_set1_epi64(2)), nodes, 8);
	__m512i v = _mm512_srli_epi64(_mm512_sll_epi64(key, _mm_cvtsi32_si128((int)off)), 58);
	__m512i bit = _mm512_sllv_epi64(one, v);
	__m512i upto = _mm512_sub_epi64(_mm512_slli_epi64(bit, 1), one);
	__mmask8 isnode = _mm512_mask_test_epi64_mask(act, vec, bit);
	__m512i rank_n = _mm512_popcnt_epi64(_mm512_and_si512(vec, upto));
	__m512i rank_l = _mm512_popcnt_epi64(_mm512_and_si512(lvec, upto));
	*cur = _mm512_mask_mov_epi64(*cur, isnode,
				     _mm512_sub_epi64(_mm512_add_epi64(_mm512_srli_epi64(bases, 32), rank_n), one));
	*leaf = _mm512_mask_mov_epi64(*leaf, act & (__mmask8)~isnode,
				      _mm512_sub_epi64(_mm512_add_epi64(_mm512_and_si512(bases, lo32), rank_l), one));
	return isnode;
}

/*
 * GROUPS groups of 16 addresses at once: the gathers of one level of all
 * groups are issued together.  Measured on a Xeon (Sapphire Rapids class):
 * two groups were slower than one (121/100/285 against 166/144/332 M/s
 * random/in-table/hot), so one it is.  Inside hayate-fwd on an AMD EPYC (Zen 5) VM two groups were
 * no faster either (61-73 against 65-82 TSC cycles per packet of the whole burst path, 2026-11-27).
 * live: the valid lanes of each group.
 */
#define GROUPS 1
__attribute__((target(AVX512_TARGET))) static inline void burst(const struct pt_root *rt, const uint32_t *addrs,
								uint32_t *nhs, const __mmask16 live[GROUPS])
{
	const long long *nodes = (const long long *)rt->nodes;
	const int *leaves = (const int *)(const void *)rt->leaves;
	__m512i a[GROUPS], e[GROUPS], res[GROUPS];
	__mmask16 node[GROUPS];
	__mmask8 act[2 * GROUPS], any = 0;
	__m512i cur[2 * GROUPS], key[2 * GROUPS], leaf[2 * GROUPS];
	for (unsigned g = 0; g < GROUPS; g++) {
		a[g] = _mm512_maskz_loadu_epi32(live[g], addrs + 16 * g);
		e[g] = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), live[g],
						   _mm512_srli_epi32(a[g], 32 - PT4_DIR_BITS), (const int *)rt->dir, 4);
	}
	for (unsigned g = 0; g < GROUPS; g++) {
		node[g] = _mm512_mask_testn_epi32_mask(live[g], e[g], _mm512_set1_epi32((int)PT_LEAF));
		res[g] = _mm512_and_si512(e[g], _mm512_set1_epi32((int)~PT_LEAF));
		for (unsigned h = 0; h < 2; h++) {
			__m256i e8 = h ? _mm512_extracti64x4_epi64(e[g], 1) : _mm512_castsi512_si256(e[g]);
			__m256i a8 = h ? _mm512_extracti64x4_epi64(a[g], 1) : _mm512_castsi512_si256(a[g]);
			act[2 * g + h] = (__mmask8)(node[g] >> (8 * h));
			cur[2 * g + h] = _mm512_cvtepu32_epi64(e8);
			key[2 * g + h] = _mm512_slli_epi64(_mm512_cvtepu32_epi64(a8), 32);
			leaf[2 * g + h] = _mm512_setzero_si512();
			any |= act[2 * g + h];
		}
	}
	for (unsigned off = PT4_DIR_BITS; any != 0; off += 6) {
		any = 0;
		for (unsigned k = 0; k < 2 * GROUPS; k++) {
			if (act[k] != 0)
				act[k] = step8(nodes, act[k], &cur[k], &leaf[k], key[k], off);
			any |= act[k];
		}
	}
	for (unsigned g = 0; g < GROUPS; g++) {
		if (node[g] != 0) {
			/* Leaves are 16-bit: gather 32 bits (the pool is padded) and mask. */
			__m256i nh0 = _mm512_mask_i64gather_epi32(_mm256_setzero_si256(), (__mmask8)node[g], leaf[2 * g],
								  leaves, 2);
			__m256i nh1 = _mm512_mask_i64gather_epi32(_mm256_setzero_si256(), (__mmask8)(node[g] >> 8),
								  leaf[2 * g + 1], leaves, 2);
			__m512i nh = _mm512_inserti64x4(_mm512_castsi256_si512(nh0), nh1, 1);
			res[g] = _mm512_mask_and_epi32(res[g], node[g], nh, _mm512_set1_epi32(0xffff));
		}
		_mm512_mask_storeu_epi32(nhs + 16 * g, live[g], res[g]);
	}
}

__attribute__((target(AVX512_TARGET))) void pt_lookup4_burst_avx512(const struct pt_root *rt, const uint32_t *addrs,
								   uint32_t *nhs, unsigned n)
{
	unsigned i = 0;
	__mmask16 all[GROUPS];
	for (unsigned g = 0; g < GROUPS; g++)
		all[g] = 0xffff; /* every group: an initialiser of one element would leave the others dead */
	for (; i + 16 * GROUPS <= n; i += 16 * GROUPS)
		burst(rt, addrs + i, nhs + i, all);
	if (i < n) {
		__mmask16 live[GROUPS];
		for (unsigned g = 0; g < GROUPS; g++) {
			unsigned left = n - i > 16 * g ? n - i - 16 * g : 0;
			live[g] = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
		}
		burst(rt, addrs + i, nhs + i, live);
	}
}
