/* SPDX-License-Identifier: BSD-3-Clause */
/* Counter names (as they appear in STATS) and summation. */
#include "counters.h"

static const char *const drop_names[HY_DROP_MAX] = {
	[HY_DROP_SHORT] = "short",
	[HY_DROP_MULTISEG] = "multi_segment",
	[HY_DROP_NOT_FOR_US] = "not_for_us",
	[HY_DROP_VLAN_UNKNOWN] = "vlan_unknown",
	[HY_DROP_IP_VERSION] = "ip_version",
	[HY_DROP_IP_IHL] = "ip_header_length",
	[HY_DROP_IP_LENGTH] = "ip_length",
	[HY_DROP_IP_CHECKSUM] = "ip_checksum",
	[HY_DROP_TTL_ZERO] = "ttl_zero",
	[HY_DROP_MARTIAN_SRC] = "martian_source",
	[HY_DROP_MARTIAN_DST] = "martian_destination",
	[HY_DROP_NO_ROUTE] = "no_route",
	[HY_DROP_BLACKHOLE] = "blackhole",
	[HY_DROP_NH_INVALID] = "nexthop_invalid",
	[HY_DROP_TX_FULL] = "tx_full",
	[HY_DROP_PUNT_RING_FULL] = "punt_ring_full",
	[HY_DROP_PUNT_NO_TAP] = "punt_no_tap",
	[HY_DROP_NO_HEADROOM] = "no_headroom",
	[HY_DROP_ADMIN_DOWN] = "admin_down",
	[HY_DROP_URPF] = "urpf",
};

static const char *const punt_names[HY_PUNT_REASON_MAX] = {
	[HY_PUNT_ARP] = "arp",
	[HY_PUNT_ND] = "nd",
	[HY_PUNT_MULTICAST] = "multicast",
	[HY_PUNT_LINK_LOCAL] = "link_local",
	[HY_PUNT_NON_IP] = "non_ip",
	[HY_PUNT_LOCAL] = "local",
	[HY_PUNT_TTL] = "ttl_expired",
	[HY_PUNT_OPTIONS] = "ip_options",
	[HY_PUNT_MTU] = "mtu",
	[HY_PUNT_UNRESOLVED] = "unresolved",
	[HY_PUNT_NEXTHOP] = "nexthop_punt",
	[HY_PUNT_NO_ROUTE] = "no_route",
};

const char *hy_drop_name(enum hy_drop drop)
{
	return drop < HY_DROP_MAX ? drop_names[drop] : "?";
}

const char *hy_punt_reason_name(enum hy_punt_reason reason)
{
	return reason < HY_PUNT_REASON_MAX ? punt_names[reason] : "?";
}

void hy_stats_add(struct hy_lcore_stats *sum, const struct hy_lcore_stats *s)
{
	const uint64_t *src = (const uint64_t *)s;
	uint64_t *dst = (uint64_t *)sum;

	/* The block is nothing but uint64_t counters (and cache-line padding). */
	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		dst[i] += src[i];
}
