/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet + 802.1Q demultiplexing (forwarder lcores: no locks, allocation or syscalls); the body is in
 * packet_impl.h, which the lcore inlines. */
#include "packet_impl.h"

void hy_pkt_parse(const uint8_t *frame, uint32_t len, const struct hy_port_view *port, bool ip_sum_good,
		  struct hy_pkt *pkt)
{
	hy_pkt_parse_inline(frame, len, port, ip_sum_good, pkt);
}
