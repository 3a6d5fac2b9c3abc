/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4: packet.h's TTL decrement (body in packet_impl.h) and the flow hash (forwarder lcores). */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>

#include "packet_impl.h"

void hy_ipv4_ttl_decrement(uint8_t *ip)
{
	hy_ipv4_ttl_decrement_inline(ip);
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
