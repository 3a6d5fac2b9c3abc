/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4: RFC 1812 checks, TTL decrement with incremental checksum, flow hash (forwarder lcores). */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>

#include "packet.h"

static inline void verdict(struct hy_pkt *pkt, enum hy_verdict v, unsigned int reason)
{
	pkt->verdict = (uint8_t)v;
	pkt->reason = (uint8_t)reason;
}

void hy_ipv4_check(const uint8_t *ip, uint32_t avail, struct hy_pkt *pkt)
{
	uint32_t ihl, total, src;

	if (avail < 20)
		return verdict(pkt, HY_V_DROP, HY_DROP_SHORT);
	if ((ip[0] >> 4) != 4)
		return verdict(pkt, HY_V_DROP, HY_DROP_IP_VERSION);
	ihl = (ip[0] & 0xfu) * 4u;
	if (ihl < 20)
		return verdict(pkt, HY_V_DROP, HY_DROP_IP_IHL);
	if (avail < ihl)
		return verdict(pkt, HY_V_DROP, HY_DROP_SHORT);
	total = (uint32_t)(ip[2] << 8 | ip[3]);
	if (total < ihl || total > avail)
		return verdict(pkt, HY_V_DROP, HY_DROP_IP_LENGTH);
	if (rte_raw_cksum(ip, ihl) != 0xffff)
		return verdict(pkt, HY_V_DROP, HY_DROP_IP_CHECKSUM);
	pkt->ttl = ip[8];
	pkt->l3_len = (uint16_t)total;
	if (pkt->ttl == 0)
		return verdict(pkt, HY_V_DROP, HY_DROP_TTL_ZERO);
	src = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
	if ((src >> 28) == 0xe || src == 0xffffffffu)
		return verdict(pkt, HY_V_DROP, HY_DROP_MARTIAN_SRC);
	pkt->dst4 = (uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 | (uint32_t)ip[18] << 8 | ip[19];
	if ((pkt->dst4 >> 28) == 0xe || pkt->dst4 == 0xffffffffu)
		return verdict(pkt, HY_V_PUNT, HY_PUNT_MULTICAST);
	if (ihl > 20)
		return verdict(pkt, HY_V_PUNT, HY_PUNT_OPTIONS);
	/* More-fragments flag or a fragment offset. */
	pkt->fragment = ((ip[6] & 0x3f) | ip[7]) != 0;
	verdict(pkt, HY_V_ROUTE4, 0);
}

void hy_ipv4_ttl_decrement(uint8_t *ip)
{
	/* The 16-bit word holding TTL and protocol changes from m to m' = m - 0x100:
	 * HC' = ~(~HC + ~m + m') (RFC 1624, eqn. 3), all in one's complement. */
	uint16_t m = (uint16_t)(ip[8] << 8 | ip[9]);
	uint16_t m2 = (uint16_t)(m - 0x100);
	uint16_t hc = (uint16_t)(ip[10] << 8 | ip[11]);
	uint32_t sum = (uint32_t)(uint16_t)~hc + (uint16_t)~m + m2;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	hc = (uint16_t)~sum;
	ip[8]--;
	ip[10] = (uint8_t)(hc >> 8);
	ip[11] = (uint8_t)hc;
}

uint32_t hy_flow_hash4(const uint8_t *ip, uint32_t avail, bool fragment)
{
	uint32_t ihl = (ip[0] & 0xfu) * 4u, h;
	uint32_t a, b;

	memcpy(&a, ip + 12, 4);
	memcpy(&b, ip + 16, 4);
	h = rte_hash_crc_4byte(a, ip[9]);
	h = rte_hash_crc_4byte(b, h);
	if (!fragment && (ip[9] == 6 || ip[9] == 17 || ip[9] == 132) && avail >= ihl + 4) {
		uint32_t ports;
		memcpy(&ports, ip + ihl, 4);
		h = rte_hash_crc_4byte(ports, h);
	}
	return h;
}
