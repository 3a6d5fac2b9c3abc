/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore counters: every drop and every punt counted under its reason.
 * Each forwarder lcore writes only its own cache-aligned block (no atomics);
 * the manager sums the blocks for STATS, accepting a slightly stale view.
 */
#ifndef HY_COUNTERS_H
#define HY_COUNTERS_H

#include <stdint.h>

#include <rte_common.h>

enum hy_drop {
	HY_DROP_SHORT,		/* frame too short for its headers */
	HY_DROP_MULTISEG,	/* chained mbuf (jumbo frame beyond one segment) */
	HY_DROP_NOT_FOR_US,	/* unicast to another MAC */
	HY_DROP_VLAN_UNKNOWN,	/* 802.1Q id not declared in ports[].vlans or its device down, or stacked tags */
	HY_DROP_IP_VERSION,
	HY_DROP_IP_IHL,		/* IPv4 header length under 5 words */
	HY_DROP_IP_LENGTH,	/* total/payload length inconsistent with the frame */
	HY_DROP_IP_CHECKSUM,
	HY_DROP_TTL_ZERO,	/* received with TTL / hop limit 0 */
	HY_DROP_MARTIAN_SRC,	/* multicast, broadcast, network 0 or loopback source; IPv6 :: or ::1 */
	HY_DROP_MARTIAN_DST,	/* network 0 or loopback destination; IPv6 :: or ::1 */
	HY_DROP_NO_ROUTE,	/* punt.no_route = drop */
	HY_DROP_BLACKHOLE,
	HY_DROP_NH_INVALID,	/* route to a next hop that vanished */
	HY_DROP_TX_FULL,	/* egress queue full */
	HY_DROP_PUNT_RING_FULL,	/* manager not keeping up */
	HY_DROP_PUNT_NO_TAP,	/* punt needed but the port has no tap */
	HY_DROP_NO_HEADROOM,	/* no room in the mbuf to push an 802.1Q tag */
	HY_DROP_ADMIN_DOWN,	/* received on or routed to a port (or VLAN) whose tap (or device) is down */
	HY_DROP_URPF,		/* source failing the port's unicast RPF check (ports[].urpf) */
	HY_DROP_MAX
};

enum hy_punt_reason {
	HY_PUNT_ARP,
	HY_PUNT_ND,		/* ICMPv6 RS/RA/NS/NA/redirect */
	HY_PUNT_MULTICAST,	/* multicast/broadcast destination */
	HY_PUNT_LINK_LOCAL,	/* IPv6 fe80::/10 destination, or source of a packet to be routed */
	HY_PUNT_NON_IP,
	HY_PUNT_LOCAL,		/* LOCAL next hop: the router's own address */
	HY_PUNT_TTL,		/* TTL / hop limit expires here */
	HY_PUNT_OPTIONS,	/* IPv4 options, IPv6 hop-by-hop header */
	HY_PUNT_MTU,		/* larger than the egress MTU */
	HY_PUNT_UNRESOLVED,	/* FORWARD next hop without a MAC yet */
	HY_PUNT_NEXTHOP,	/* PUNT next hop */
	HY_PUNT_NO_ROUTE,
	HY_PUNT_REASON_MAX
};

struct hy_lcore_stats {
	uint64_t rx, tx, fwd4, fwd6, fragments, punted;
	uint64_t drops[HY_DROP_MAX];
	uint64_t punts[HY_PUNT_REASON_MAX];
	uint64_t loops, busy_cycles, total_cycles;
} __rte_cache_aligned;

const char *hy_drop_name(enum hy_drop drop);
const char *hy_punt_reason_name(enum hy_punt_reason reason);

/* Sum blocks (manager lcore). */
void hy_stats_add(struct hy_lcore_stats *sum, const struct hy_lcore_stats *s);

#endif
