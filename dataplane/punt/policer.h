/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Punt policer: a token bucket per port and class, clocked by the TSC.
 *
 * Two classes per port: PRIORITY (BGP tcp/179, OSPF, BFD udp/3784,3785,4784,
 * ARP, IPv6 ND, VRRP) and NORMAL (everything else punted).  A flood of normal
 * punts cannot take the tokens of routing-protocol packets.
 *
 * Contract: hy_punt_classify is pure and may run on forwarder lcores (no
 * locks, no allocation, no syscalls).  Buckets are owned by the manager lcore,
 * which polices while draining the punt rings.
 */
#ifndef HY_PUNT_POLICER_H
#define HY_PUNT_POLICER_H

#include <stdbool.h>
#include <stdint.h>

enum hy_punt_class { HY_PUNT_NORMAL = 0, HY_PUNT_PRIORITY = 1, HY_PUNT_CLASSES = 2 };

struct hy_policer {
	uint64_t tokens;	/* packets x hz, so refills need no division */
	uint64_t last_tsc;
	uint64_t rate;		/* packets per second; 0: unlimited */
	uint64_t depth;		/* burst x hz */
	uint64_t hz;
	uint64_t passed, dropped;
};

/* rate_pps 0 disables policing of that class. */
void hy_policer_init(struct hy_policer *p, uint32_t rate_pps, uint32_t burst, uint64_t hz, uint64_t now);

/* Take one token; false when the packet must be dropped (counted). */
static inline bool hy_policer_allow(struct hy_policer *p, uint64_t now)
{
	if (p->rate == 0) {
		p->passed++;
		return true;
	}
	if (now > p->last_tsc) {
		uint64_t elapsed = now - p->last_tsc;
		/* Bound the refill so elapsed * rate cannot overflow after a long idle time. */
		if (elapsed > p->hz)
			elapsed = p->hz;
		p->tokens += elapsed * p->rate;
		if (p->tokens > p->depth)
			p->tokens = p->depth;
		p->last_tsc = now;
	}
	if (p->tokens >= p->hz) {
		p->tokens -= p->hz;
		p->passed++;
		return true;
	}
	p->dropped++;
	return false;
}

/*
 * Class of a frame (Ethernet header at frame[0], at most one 802.1Q tag).
 * Pure function over the bytes; safe on forwarder lcores.
 */
enum hy_punt_class hy_punt_classify(const uint8_t *frame, uint32_t len);

#endif
