/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet checks and rewrites: pure functions over frame bytes.
 *
 * Contract: FORWARDER LCORE hot path.  No locks, no allocation, no syscalls;
 * no mbuf either, so the fuzz target runs exactly this code.  A verdict is
 * reached for every input; nothing reads beyond len.
 */
#ifndef HY_PACKET_H
#define HY_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "counters.h"

enum hy_verdict {
	HY_V_DROP = 0,	 /* reason: enum hy_drop */
	HY_V_PUNT = 1,	 /* reason: enum hy_punt_reason */
	HY_V_ROUTE4 = 2, /* look up dst4 */
	HY_V_ROUTE6 = 3, /* look up the IPv6 destination at l3_off + 24 */
};

/* What the parser needs from the ingress port (cache-friendly, read-only). */
struct hy_port_view {
	uint8_t mac[6];
	const uint64_t *vlans; /* bitmap of accepted 802.1Q ids (4096 bits) */
};

/* Parse result; 16 bytes so a burst of them stays in a few cache lines. */
struct hy_pkt {
	uint8_t verdict;
	uint8_t reason;
	uint8_t tagged;	  /* one 802.1Q tag present */
	uint8_t fragment; /* IPv4 fragment: no transport ports for the flow hash */
	uint16_t l3_off;
	uint16_t l3_len;  /* IPv4 total length; IPv6 40 + payload length */
	uint16_t vlan;
	uint8_t ttl;	  /* TTL / hop limit as received */
	uint8_t pad;
	uint32_t dst4;	  /* host order, HY_V_ROUTE4 */
};

/* ip_sum_good: the NIC verified the IPv4 header checksum (RTE_MBUF_F_RX_IP_CKSUM_GOOD), so the software sum
 * is skipped; false for every other frame (no offload, or the NIC found it bad or did not look). */
void hy_pkt_parse(const uint8_t *frame, uint32_t len, const struct hy_port_view *port, bool ip_sum_good,
		  struct hy_pkt *pkt);

/* Decrement the TTL and patch the header checksum incrementally (RFC 1624, eqn. 3). */
void hy_ipv4_ttl_decrement(uint8_t *ip);
static inline void hy_ipv6_hop_decrement(uint8_t *ip)
{
	ip[7]--;
}

/* Flow hash for ECMP: addresses, protocol and (unless fragmented) transport ports. */
uint32_t hy_flow_hash4(const uint8_t *ip, uint32_t avail, bool fragment);
uint32_t hy_flow_hash6(const uint8_t *ip, uint32_t avail);

#endif
