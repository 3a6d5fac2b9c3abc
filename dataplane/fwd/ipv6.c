/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv6 flow hash (forwarder lcores: no locks, allocation or syscalls); the header checks are in packet_impl.h. */
#include <string.h>

#include <rte_hash_crc.h>

#include "packet.h"

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
