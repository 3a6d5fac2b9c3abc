/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet + 802.1Q demultiplexing (forwarder lcores: no locks, allocation or syscalls). */
#include <string.h>

#include "packet.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_IPV6 0x86dd

static inline void verdict(struct hy_pkt *pkt, enum hy_verdict v, unsigned int reason)
{
	pkt->verdict = (uint8_t)v;
	pkt->reason = (uint8_t)reason;
}

void hy_pkt_parse(const uint8_t *frame, uint32_t len, const struct hy_port_view *port, struct hy_pkt *pkt)
{
	uint16_t type;
	uint32_t off = 12;
	bool group;

	memset(pkt, 0, sizeof(*pkt));
	if (len < 14)
		return verdict(pkt, HY_V_DROP, HY_DROP_SHORT);
	type = (uint16_t)(frame[12] << 8 | frame[13]);
	if (type == ETHERTYPE_VLAN) {
		if (len < 18)
			return verdict(pkt, HY_V_DROP, HY_DROP_SHORT);
		pkt->tagged = 1;
		pkt->vlan = (uint16_t)((frame[14] << 8 | frame[15]) & 0x0fff);
		off = 16;
		type = (uint16_t)(frame[16] << 8 | frame[17]);
		/* Priority-tagged frames (id 0) belong to the untagged interface. */
		if (pkt->vlan != 0 && !(port->vlans[pkt->vlan >> 6] & (1ull << (pkt->vlan & 63))))
			return verdict(pkt, HY_V_DROP, HY_DROP_VLAN_UNKNOWN);
		if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ)
			return verdict(pkt, HY_V_DROP, HY_DROP_VLAN_UNKNOWN);
	} else if (type == ETHERTYPE_QINQ) {
		return verdict(pkt, HY_V_DROP, HY_DROP_VLAN_UNKNOWN);
	}
	off += 2;
	pkt->l3_off = (uint16_t)off;

	group = frame[0] & 1; /* broadcast or multicast destination */
	if (!group && memcmp(frame, port->mac, 6) != 0)
		return verdict(pkt, HY_V_DROP, HY_DROP_NOT_FOR_US);
	switch (type) {
	case ETHERTYPE_ARP:
		return verdict(pkt, HY_V_PUNT, HY_PUNT_ARP);
	case ETHERTYPE_IPV4:
		hy_ipv4_check(frame + off, len - off, pkt);
		break;
	case ETHERTYPE_IPV6:
		hy_ipv6_check(frame + off, len - off, pkt);
		break;
	default:
		return verdict(pkt, HY_V_PUNT, HY_PUNT_NON_IP);
	}
	/* A valid IP packet in a multicast/broadcast frame is for the kernel, never routed. */
	if (group && pkt->verdict != HY_V_DROP)
		verdict(pkt, HY_V_PUNT, pkt->verdict == HY_V_PUNT ? pkt->reason : HY_PUNT_MULTICAST);
}
