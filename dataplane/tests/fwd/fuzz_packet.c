/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the packet parser and checks, then the rewrites a routed packet would get. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"
#include "policer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Addresses that are never routed (RFC 1812 5.3.7, RFC 4291 2.5.2-2.5.6), written apart from the parser. */
static bool never_routed4(const uint8_t *a)
{
	static const uint8_t all_ones[4] = {0xff, 0xff, 0xff, 0xff};

	return a[0] == 0 || a[0] == 127 || (a[0] >= 224 && a[0] <= 239) || memcmp(a, all_ones, 4) == 0;
}

static bool never_routed6(const uint8_t *a)
{
	static const uint8_t zeros[15];

	return a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || (memcmp(a, zeros, 15) == 0 && a[15] <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 1, 1};
	static uint64_t vlans[64] = {[1] = 1ull << (100 - 64)};
	struct hy_port_view view;
	struct hy_pkt pkt, offloaded;
	uint8_t *copy;

	if (size > 16384)
		return 0;
	/* An exact-size heap copy, so that ASan catches any read past the frame. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	memcpy(view.mac, mac, 6);
	view.vlans = vlans;
	hy_pkt_parse(copy, (uint32_t)size, &view, false, &pkt);
	/* A NIC's good checksum verdict may change nothing but the checksum drop. */
	hy_pkt_parse(copy, (uint32_t)size, &view, true, &offloaded);
	if (!(pkt.verdict == HY_V_DROP && pkt.reason == HY_DROP_IP_CHECKSUM) &&
	    memcmp(&pkt, &offloaded, sizeof(pkt)) != 0)
		abort();
	(void)hy_punt_classify(copy, (uint32_t)size);
	if (pkt.verdict == HY_V_ROUTE4 || pkt.verdict == HY_V_ROUTE6) {
		uint8_t *ip = copy + pkt.l3_off;
		uint32_t avail = (uint32_t)size - pkt.l3_off;
		if (pkt.l3_off + pkt.l3_len > size || pkt.ttl == 0)
			abort(); /* the checks promised a complete header and a live TTL */
		if (pkt.verdict == HY_V_ROUTE4 ? never_routed4(ip + 12) || never_routed4(ip + 16)
					       : never_routed6(ip + 8) || never_routed6(ip + 24))
			abort();
		if (pkt.verdict == HY_V_ROUTE4) {
			(void)hy_flow_hash4(ip, avail, pkt.fragment);
			hy_ipv4_ttl_decrement(ip);
		} else {
			(void)hy_flow_hash6(ip, avail);
			hy_ipv6_hop_decrement(ip);
		}
	}
	free(copy);
	return 0;
}
