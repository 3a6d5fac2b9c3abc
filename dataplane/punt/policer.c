/* SPDX-License-Identifier: BSD-3-Clause */
/* Punt policer: token buckets and the priority classifier. */
#include "policer.h"

#include <string.h>

#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define PROTO_OSPF 89
#define PROTO_VRRP 112
#define PORT_BGP 179
#define ICMPV6_RS 133
#define ICMPV6_REDIRECT 137

void hy_policer_init(struct hy_policer *p, uint32_t rate_pps, uint32_t burst, uint64_t hz, uint64_t now)
{
	memset(p, 0, sizeof(*p));
	p->rate = rate_pps;
	p->hz = hz;
	p->depth = (uint64_t)burst * hz;
	p->tokens = p->depth;
	p->last_tsc = now;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool is_bfd_port(uint16_t port)
{
	return port == 3784 || port == 3785 || port == 4784;
}

/* Protocol carried above IP: l4 points at the transport header, l4len bytes available. */
static bool priority_l4(uint8_t proto, const uint8_t *l4, uint32_t l4len, bool v6)
{
	switch (proto) {
	case PROTO_OSPF:
	case PROTO_VRRP:
		return true;
	case PROTO_TCP:
		return l4len >= 4 && (be16(l4) == PORT_BGP || be16(l4 + 2) == PORT_BGP);
	case PROTO_UDP:
		return l4len >= 4 && is_bfd_port(be16(l4 + 2));
	case PROTO_ICMPV6:
		return v6 && l4len >= 1 && l4[0] >= ICMPV6_RS && l4[0] <= ICMPV6_REDIRECT;
	default:
		return false;
	}
}

enum hy_punt_class hy_punt_classify(const uint8_t *frame, uint32_t len)
{
	uint32_t off = 12;
	uint16_t type;

	if (len < 14)
		return HY_PUNT_NORMAL;
	type = be16(frame + off);
	if (type == ETHERTYPE_VLAN) {
		if (len < 18)
			return HY_PUNT_NORMAL;
		off += 4;
		type = be16(frame + off);
	}
	off += 2;
	if (type == ETHERTYPE_ARP)
		return HY_PUNT_PRIORITY;
	if (type == ETHERTYPE_IPV4 && len >= off + 20) {
		const uint8_t *ip = frame + off;
		uint32_t ihl = (ip[0] & 0xfu) * 4u;
		/* Non-first fragments carry no transport header. */
		if (ihl < 20 || len < off + ihl || (be16(ip + 6) & 0x1fff) != 0)
			return HY_PUNT_NORMAL;
		return priority_l4(ip[9], ip + ihl, len - off - ihl, false) ? HY_PUNT_PRIORITY : HY_PUNT_NORMAL;
	}
	if (type == ETHERTYPE_IPV6 && len >= off + 40) {
		const uint8_t *ip = frame + off;
		return priority_l4(ip[6], ip + 40, len - off - 40, true) ? HY_PUNT_PRIORITY : HY_PUNT_NORMAL;
	}
	return HY_PUNT_NORMAL;
}
