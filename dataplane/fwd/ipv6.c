/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv6: header checks and flow hash (forwarder lcores: no locks, allocation or syscalls). */
#include <string.h>

#include <rte_hash_crc.h>

#include "packet.h"

#define NEXT_HOP_BY_HOP 0
#define NEXT_ICMPV6 58
#define ICMPV6_RS 133
#define ICMPV6_REDIRECT 137

static inline void verdict(struct hy_pkt *pkt, enum hy_verdict v, unsigned int reason)
{
	pkt->verdict = (uint8_t)v;
	pkt->reason = (uint8_t)reason;
}

void hy_ipv6_check(const uint8_t *ip, uint32_t avail, struct hy_pkt *pkt)
{
	uint32_t total;

	if (avail < 40)
		return verdict(pkt, HY_V_DROP, HY_DROP_SHORT);
	if ((ip[0] >> 4) != 6)
		return verdict(pkt, HY_V_DROP, HY_DROP_IP_VERSION);
	total = 40u + (uint32_t)(ip[4] << 8 | ip[5]);
	if (total > avail)
		return verdict(pkt, HY_V_DROP, HY_DROP_IP_LENGTH);
	pkt->l3_len = (uint16_t)total;
	pkt->ttl = ip[7];
	if (pkt->ttl == 0)
		return verdict(pkt, HY_V_DROP, HY_DROP_TTL_ZERO);
	if (ip[8] == 0xff)
		return verdict(pkt, HY_V_DROP, HY_DROP_MARTIAN_SRC);
	if (ip[6] == NEXT_ICMPV6 && total >= 41 && ip[40] >= ICMPV6_RS && ip[40] <= ICMPV6_REDIRECT)
		return verdict(pkt, HY_V_PUNT, HY_PUNT_ND);
	if (ip[24] == 0xff)
		return verdict(pkt, HY_V_PUNT, HY_PUNT_MULTICAST);
	if (ip[24] == 0xfe && (ip[25] & 0xc0) == 0x80)
		return verdict(pkt, HY_V_PUNT, HY_PUNT_LINK_LOCAL);
	if (ip[6] == NEXT_HOP_BY_HOP)
		return verdict(pkt, HY_V_PUNT, HY_PUNT_OPTIONS);
	verdict(pkt, HY_V_ROUTE6, 0);
}

uint32_t hy_flow_hash6(const uint8_t *ip, uint32_t avail)
{
	uint32_t h = ip[6], w;

	for (int i = 8; i < 40; i += 4) {
		memcpy(&w, ip + i, 4);
		h = rte_hash_crc_4byte(w, h);
	}
	if ((ip[6] == 6 || ip[6] == 17 || ip[6] == 132) && avail >= 44) {
		memcpy(&w, ip + 40, 4);
		h = rte_hash_crc_4byte(w, h);
	}
	return h;
}
