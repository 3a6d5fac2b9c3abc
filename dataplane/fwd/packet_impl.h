/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bodies of packet.h's checks and rewrites, as inline functions: the
 * forwarder lcore (lcore.c) compiles them into its burst loop, where a call
 * per packet into another object file cost more than most of the checks;
 * ether.c and ipv4.c export them under packet.h's names for the unit tests
 * and the fuzz target, which therefore run exactly this code.
 *
 * Contract: as packet.h (FORWARDER LCORE hot path, pure, nothing read beyond
 * len).  Include only from those three files.
 */
#ifndef HY_PACKET_IMPL_H
#define HY_PACKET_IMPL_H

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_ip.h>

#include "packet.h"

#define HY_ETHERTYPE_IPV4 0x0800
#define HY_ETHERTYPE_ARP 0x0806
#define HY_ETHERTYPE_VLAN 0x8100
#define HY_ETHERTYPE_QINQ 0x88a8
#define HY_ETHERTYPE_IPV6 0x86dd

#define HY_NEXT_HOP_BY_HOP 0
#define HY_NEXT_ICMPV6 58
#define HY_ICMPV6_RS 133
#define HY_ICMPV6_REDIRECT 137

static inline void hy_verdict(struct hy_pkt *pkt, enum hy_verdict v, unsigned int reason)
{
	pkt->verdict = (uint8_t)v;
	pkt->reason = (uint8_t)reason;
}

static inline uint16_t hy_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* A 32-bit word as it lies in the packet: no byte swap (a one's-complement sum does not need one). */
static inline uint32_t hy_word32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint32_t hy_be32(const uint8_t *p)
{
	return rte_be_to_cpu_32(hy_word32(p));
}

/*
 * Addresses a routed packet rarely carries, tested on both addresses at once so that the common packet pays
 * one branch: IPv4 networks 0 and 127 and everything from 224 (multicast, class E, broadcast); IPv6 first
 * bytes 00 (:: and ::1 among them), fe (link-local) and ff (multicast).  (uint8_t)(b - 1) wraps 0 to 255.
 */
static inline bool hy_ipv4_unusual(uint32_t src, uint32_t dst)
{
	uint8_t s = (uint8_t)(src >> 24), d = (uint8_t)(dst >> 24);

	return ((uint8_t)(s - 1) >= 223) | (s == 127) | ((uint8_t)(d - 1) >= 223) | (d == 127);
}

static inline bool hy_ipv6_unusual(const uint8_t *ip)
{
	return ((uint8_t)(ip[8] - 1) >= 0xfd) | ((uint8_t)(ip[24] - 1) >= 0xfd);
}

/* RFC 1812 5.3.7: nothing from or to network 0 or 127 is forwarded (Linux drops both as martians). */
static inline bool hy_ipv4_zero_or_loopback(uint32_t addr)
{
	return (addr >> 24) == 0 || (addr >> 24) == 127;
}

/* RFC 4291 2.5.2 and 2.5.3: the unspecified address (::) and the loopback address (::1). */
static inline bool hy_ipv6_unspecified_or_loopback(const uint8_t *addr)
{
	uint64_t hi, lo;

	memcpy(&hi, addr, 8);
	memcpy(&lo, addr + 8, 8);
	return hi == 0 && (lo == 0 || lo == rte_cpu_to_be_64(1));
}

static inline bool hy_ipv6_link_local(const uint8_t *addr)
{
	return addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80;
}

/* ICMPv6 router and neighbour discovery (RS, RA, NS, NA, redirect) without extension headers. */
static inline bool hy_ipv6_nd(const uint8_t *ip, uint32_t total)
{
	return ip[6] == HY_NEXT_ICMPV6 && total >= 41 && ip[40] >= HY_ICMPV6_RS && ip[40] <= HY_ICMPV6_REDIRECT;
}

/* The verdict for unusual IPv4 addresses, as Linux gives it; false where the packet is routed after all
 * (class E, which Linux routes). */
static inline bool hy_ipv4_unusual_verdict(uint32_t src, uint32_t dst, struct hy_pkt *pkt)
{
	if ((src >> 28) == 0xe || src == 0xffffffffu)
		hy_verdict(pkt, HY_V_DROP, HY_DROP_MARTIAN_SRC);
	else if ((dst >> 28) == 0xe || dst == 0xffffffffu)
		hy_verdict(pkt, HY_V_PUNT, HY_PUNT_MULTICAST); /* before the next test: DHCP's 0.0.0.0 sources */
	else if (hy_ipv4_zero_or_loopback(src))
		hy_verdict(pkt, HY_V_DROP, HY_DROP_MARTIAN_SRC);
	else if (hy_ipv4_zero_or_loopback(dst))
		hy_verdict(pkt, HY_V_DROP, HY_DROP_MARTIAN_DST);
	else
		return false;
	return true;
}

/* The same for IPv6; ND and multicast come before the :: test, which lets DAD's and MLD's :: sources reach
 * the kernel, and a link-local source never leaves its link (RFC 4291 2.5.6): the kernel answers "beyond
 * scope of source address". */
static inline bool hy_ipv6_unusual_verdict(const uint8_t *ip, uint32_t total, struct hy_pkt *pkt)
{
	if (ip[8] == 0xff)
		hy_verdict(pkt, HY_V_DROP, HY_DROP_MARTIAN_SRC);
	else if (hy_ipv6_nd(ip, total))
		hy_verdict(pkt, HY_V_PUNT, HY_PUNT_ND);
	else if (ip[24] == 0xff)
		hy_verdict(pkt, HY_V_PUNT, HY_PUNT_MULTICAST);
	else if (hy_ipv6_link_local(ip + 24))
		hy_verdict(pkt, HY_V_PUNT, HY_PUNT_LINK_LOCAL);
	else if (hy_ipv6_unspecified_or_loopback(ip + 24))
		hy_verdict(pkt, HY_V_DROP, HY_DROP_MARTIAN_DST);
	else if (hy_ipv6_unspecified_or_loopback(ip + 8))
		hy_verdict(pkt, HY_V_DROP, HY_DROP_MARTIAN_SRC);
	else if (hy_ipv6_link_local(ip + 8))
		hy_verdict(pkt, HY_V_PUNT, HY_PUNT_LINK_LOCAL);
	else
		return false;
	return true;
}

/* One's-complement sum of a 20-byte header (no options), folded to 16 bits as rte_raw_cksum folds it:
 * five 32-bit loads instead of ten 16-bit ones; 2^16 = 1 modulo 2^16 - 1, so the sums agree.  Word by word:
 * a memcpy of the header into an array made GCC 12 pass it through the stack (a vector store, four reloads). */
static inline uint16_t hy_cksum20(const uint8_t *ip)
{
	uint64_t s = (uint64_t)hy_word32(ip) + hy_word32(ip + 4) + hy_word32(ip + 8) + hy_word32(ip + 12) +
		     hy_word32(ip + 16);

	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

static inline void hy_ipv4_check_inline(const uint8_t *ip, uint32_t avail, bool sum_good, struct hy_pkt *pkt)
{
	uint32_t ihl, total, src;

	if (unlikely(avail < 20))
		return hy_verdict(pkt, HY_V_DROP, HY_DROP_SHORT);
	if (likely(ip[0] == 0x45)) {
		ihl = 20; /* version 4, no options: the packet nearly every router sees */
	} else {
		if ((ip[0] >> 4) != 4)
			return hy_verdict(pkt, HY_V_DROP, HY_DROP_IP_VERSION);
		ihl = (ip[0] & 0xfu) * 4u;
		if (ihl < 20)
			return hy_verdict(pkt, HY_V_DROP, HY_DROP_IP_IHL);
		if (avail < ihl)
			return hy_verdict(pkt, HY_V_DROP, HY_DROP_SHORT);
	}
	total = hy_be16(ip + 2);
	if (unlikely(total < ihl || total > avail))
		return hy_verdict(pkt, HY_V_DROP, HY_DROP_IP_LENGTH);
	/* A NIC's verdict saves the sum, about 2 ns of a 64-byte packet's 25 (docs/benchmarks.md). */
	if (!sum_good) {
		uint16_t sum = likely(ihl == 20) ? hy_cksum20(ip) : rte_raw_cksum(ip, ihl);
		if (unlikely(sum != 0xffff))
			return hy_verdict(pkt, HY_V_DROP, HY_DROP_IP_CHECKSUM);
	}
	pkt->ttl = ip[8];
	pkt->l3_len = (uint16_t)total;
	if (unlikely(pkt->ttl == 0))
		return hy_verdict(pkt, HY_V_DROP, HY_DROP_TTL_ZERO);
	src = hy_be32(ip + 12);
	pkt->dst4 = hy_be32(ip + 16);
	if (unlikely(hy_ipv4_unusual(src, pkt->dst4)) && hy_ipv4_unusual_verdict(src, pkt->dst4, pkt))
		return;
	if (unlikely(ihl > 20))
		return hy_verdict(pkt, HY_V_PUNT, HY_PUNT_OPTIONS);
	/* More-fragments flag or a fragment offset. */
	pkt->fragment = ((ip[6] & 0x3f) | ip[7]) != 0;
	hy_verdict(pkt, HY_V_ROUTE4, 0);
}

static inline void hy_ipv6_check_inline(const uint8_t *ip, uint32_t avail, struct hy_pkt *pkt)
{
	uint32_t total;

	if (unlikely(avail < 40))
		return hy_verdict(pkt, HY_V_DROP, HY_DROP_SHORT);
	if (unlikely((ip[0] >> 4) != 6))
		return hy_verdict(pkt, HY_V_DROP, HY_DROP_IP_VERSION);
	total = 40u + hy_be16(ip + 4);
	if (unlikely(total > avail))
		return hy_verdict(pkt, HY_V_DROP, HY_DROP_IP_LENGTH);
	pkt->l3_len = (uint16_t)total;
	pkt->ttl = ip[7];
	if (unlikely(pkt->ttl == 0))
		return hy_verdict(pkt, HY_V_DROP, HY_DROP_TTL_ZERO);
	if (unlikely(hy_ipv6_unusual(ip)) && hy_ipv6_unusual_verdict(ip, total, pkt))
		return;
	if (unlikely(hy_ipv6_nd(ip, total)))
		return hy_verdict(pkt, HY_V_PUNT, HY_PUNT_ND);
	if (unlikely(ip[6] == HY_NEXT_HOP_BY_HOP))
		return hy_verdict(pkt, HY_V_PUNT, HY_PUNT_OPTIONS);
	hy_verdict(pkt, HY_V_ROUTE6, 0);
}

static inline void hy_pkt_parse_inline(const uint8_t *frame, uint32_t len, const struct hy_port_view *port,
				       bool ip_sum_good, struct hy_pkt *pkt)
{
	uint16_t type;
	uint32_t off = 12;
	bool group;

	memset(pkt, 0, sizeof(*pkt));
	if (unlikely(len < 14))
		return hy_verdict(pkt, HY_V_DROP, HY_DROP_SHORT);
	type = hy_be16(frame + 12);
	if (unlikely(type == HY_ETHERTYPE_VLAN)) {
		if (len < 18)
			return hy_verdict(pkt, HY_V_DROP, HY_DROP_SHORT);
		pkt->tagged = 1;
		pkt->vlan = (uint16_t)(hy_be16(frame + 14) & 0x0fff);
		off = 16;
		type = hy_be16(frame + 16);
		/* Priority-tagged frames (id 0) belong to the untagged interface. */
		if (pkt->vlan != 0 && !(port->vlans[pkt->vlan >> 6] & (1ull << (pkt->vlan & 63))))
			return hy_verdict(pkt, HY_V_DROP, HY_DROP_VLAN_UNKNOWN);
		if (type == HY_ETHERTYPE_VLAN || type == HY_ETHERTYPE_QINQ)
			return hy_verdict(pkt, HY_V_DROP, HY_DROP_VLAN_UNKNOWN);
	} else if (unlikely(type == HY_ETHERTYPE_QINQ)) {
		return hy_verdict(pkt, HY_V_DROP, HY_DROP_VLAN_UNKNOWN);
	}
	off += 2;
	pkt->l3_off = (uint16_t)off;

	group = frame[0] & 1; /* broadcast or multicast destination */
	if (unlikely(!group && memcmp(frame, port->mac, 6) != 0))
		return hy_verdict(pkt, HY_V_DROP, HY_DROP_NOT_FOR_US);
	if (likely(type == HY_ETHERTYPE_IPV4))
		hy_ipv4_check_inline(frame + off, len - off, ip_sum_good, pkt);
	else if (type == HY_ETHERTYPE_IPV6)
		hy_ipv6_check_inline(frame + off, len - off, pkt);
	else if (type == HY_ETHERTYPE_ARP)
		return hy_verdict(pkt, HY_V_PUNT, HY_PUNT_ARP);
	else
		return hy_verdict(pkt, HY_V_PUNT, HY_PUNT_NON_IP);
	/* A valid IP packet in a multicast/broadcast frame is for the kernel, never routed. */
	if (unlikely(group) && pkt->verdict != HY_V_DROP)
		hy_verdict(pkt, HY_V_PUNT, pkt->verdict == HY_V_PUNT ? pkt->reason : HY_PUNT_MULTICAST);
}

/* RFC 1624, eqn. 3 on the 16-bit word holding TTL and protocol: m' is m with the TTL one less and
 * HC' = ~(~HC + ~m + m'), all in one's complement.  A one's-complement sum does not depend on byte order
 * (RFC 1071), so the words are used as they lie in the packet, with no byte swaps. */
static inline void hy_ipv4_ttl_decrement_inline(uint8_t *ip)
{
	uint16_t m, m2, hc;
	uint32_t sum;

	memcpy(&m, ip + 8, 2);
	memcpy(&hc, ip + 10, 2);
	/* The TTL is the word's first byte (callers forward only TTL >= 2: no borrow).  Computed, not
	 * stored and reloaded: a 16-bit load of a byte just stored would wait for the store. */
	m2 = (uint16_t)(m - rte_cpu_to_be_16(0x0100));
	sum = (uint32_t)(uint16_t)~hc + (uint16_t)~m + m2;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	hc = (uint16_t)~sum;
	memcpy(ip + 8, &m2, 2);
	memcpy(ip + 10, &hc, 2);
}

#endif
