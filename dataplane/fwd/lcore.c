/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarder lcore: run to completion.  Each lcore polls its own (port,
 * queue) pairs, classifies a burst, looks the routed packets up in bulk,
 * rewrites them and sends them on its own TX queue of the egress port.
 *
 * FORWARDER LCORE code: no locks, no allocation, no syscalls below this line
 * except in hy_lcores_init (main lcore, before the start) and the
 * HY_BURST_CYCLES report (a development build, when the lcore stops).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "fib.h"
#include "fwd.h"
#include "nexthop.h"
#include "packet_impl.h"

#define PREFETCH_AHEAD 4
/* Routed packets between the prefetch of a destination's FIB entry and that of the node it points to. */
#define FIB_LAG 8
#define NH_CACHE_EMPTY UINT32_MAX /* never a FIB result (those are 0..HY_FIB_NH_MAX) */

/*
 * A FORWARD next hop as the rewrite needs it.  Read from the next-hop table
 * by the first packet of a burst that goes to it and reused by the rest of
 * the burst: one consistent snapshot per burst, dropped before the lcore's
 * quiescent state.
 */
struct nh_fast {
	uint32_t id;   /* the next hop this was read for, or NH_CACHE_EMPTY */
	uint16_t port; /* hayate egress port */
	uint16_t mtu;  /* of the egress port */
	uint16_t vlan;
	bool tag;      /* leaves with an 802.1Q tag */
	uint8_t l2[12]; /* destination MAC, then the egress port's MAC: the new Ethernet addresses */
};

/*
 * One burst through three stages: parse and check every packet (queueing
 * the routed ones' addresses and prefetching the FIB's first access), one
 * bulk FIB lookup per family, then rewrite and queue for TX.  Packets leave
 * in one rte_eth_tx_burst per egress port and one ring enqueue per punt
 * class at the end of the burst.  The counters of the fast path add up here
 * and reach the lcore's block once per burst.
 */
struct burst {
	uint16_t in_port; /* hayate index of the ingress port */
	uint16_t n4, n6;
	uint16_t n_tx_ports;
	uint32_t fwd4, fwd6, fragments;
	struct nh_fast nh;
	struct rte_mbuf *pkts[HY_BURST];
	struct hy_pkt meta[HY_BURST];
	uint8_t idx4[HY_BURST], idx6[HY_BURST];
	uint32_t addr4[HY_BURST], nh4[HY_BURST], nh6[HY_BURST];
	uint8_t addr6[HY_BURST][16];
	uint16_t n_punt[HY_PUNT_CLASSES];
	struct rte_mbuf *punt[HY_PUNT_CLASSES][HY_BURST];
	uint16_t tx_ports[HY_MAX_PORTS]; /* ports with packets queued, in first-use order */
	uint16_t n_tx[HY_MAX_PORTS];
	struct rte_mbuf *tx[HY_MAX_PORTS][HY_BURST];
};

static inline void drop(struct hy_lcore *lc, struct rte_mbuf *m, enum hy_drop reason)
{
	lc->stats.drops[reason]++;
	rte_pktmbuf_free(m);
}

/* Queue a packet for the manager, which sends it to the tap of port `to`.  Rare: kept out of line. */
static __rte_noinline void punt(const struct hy_fwd *fwd, struct hy_lcore *lc, struct burst *b,
				struct rte_mbuf *m, uint16_t to, enum hy_punt_reason reason)
{
	enum hy_punt_class cls;

	if (fwd->ports[to].tap_id == HY_NO_TAP)
		return drop(lc, m, HY_DROP_PUNT_NO_TAP);
	lc->stats.punts[reason]++;
	m->port = to;
	cls = hy_punt_classify(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
	b->punt[cls][b->n_punt[cls]++] = m;
}

static inline void punt_flush(struct hy_lcore *lc, struct burst *b)
{
	for (int c = 0; c < HY_PUNT_CLASSES; c++) {
		unsigned int n = b->n_punt[c], sent;
		if (n == 0)
			continue;
		sent = rte_ring_sp_enqueue_burst(lc->punt[c], (void **)b->punt[c], n, NULL);
		lc->stats.punted += sent;
		for (unsigned int i = sent; i < n; i++)
			drop(lc, b->punt[c][i], HY_DROP_PUNT_RING_FULL);
		b->n_punt[c] = 0;
	}
}

static inline void tx_queue(struct burst *b, uint16_t port, struct rte_mbuf *m)
{
	uint16_t k = b->n_tx[port]++;

	if (k == 0)
		b->tx_ports[b->n_tx_ports++] = port;
	b->tx[port][k] = m;
}

/* One TX burst per egress port used; what the queue does not take is dropped and counted. */
static inline void tx_flush(const struct hy_fwd *fwd, struct hy_lcore *lc, struct burst *b)
{
	for (uint16_t k = 0; k < b->n_tx_ports; k++) {
		uint16_t p = b->tx_ports[k], n = b->n_tx[p], sent;

		b->n_tx[p] = 0;
		if (unlikely(hy_port_admin_down(fwd, p))) { /* until the routes through it are withdrawn */
			lc->stats.drops[HY_DROP_ADMIN_DOWN] += n;
			rte_pktmbuf_free_bulk(b->tx[p], n);
			continue;
		}
		sent = rte_eth_tx_burst(fwd->ports[p].dpdk_id, lc->txq, b->tx[p], n);
		lc->stats.tx += sent;
		if (unlikely(sent < n)) {
			lc->stats.drops[HY_DROP_TX_FULL] += n - sent;
			rte_pktmbuf_free_bulk(&b->tx[p][sent], n - sent);
		}
	}
	b->n_tx_ports = 0;
}

static inline uint32_t flow_hash(const struct rte_mbuf *m, const struct hy_pkt *meta)
{
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l3_off);
	uint32_t avail = m->data_len - meta->l3_off;

	return (ip[0] >> 4) == 4 ? hy_flow_hash4(ip, avail, meta->fragment) : hy_flow_hash6(ip, avail);
}

/* Ethernet rewrite where a tag is pushed, popped or replaced; false if the mbuf has no headroom. */
static __rte_noinline bool rewrite_l2_tagged(struct rte_mbuf *m, const struct hy_pkt *meta,
					     const struct nh_fast *nh)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);

	if (meta->tagged && !nh->tag) {
		memmove(d + 4, d, 12);
		d = (uint8_t *)rte_pktmbuf_adj(m, 4);
	} else if (!meta->tagged && nh->tag) {
		d = (uint8_t *)rte_pktmbuf_prepend(m, 4);
		if (d == NULL)
			return false;
		memmove(d, d + 4, 12);
		d[12] = 0x81;
		d[13] = 0x00;
		d[14] = 0;
	}
	if (nh->tag) {
		d[14] = (uint8_t)((d[14] & 0xf0) | (nh->vlan >> 8)); /* keep the priority bits */
		d[15] = (uint8_t)nh->vlan;
	}
	memcpy(d, nh->l2, 12);
	return true;
}

static const uint8_t zero_mac[6];

/* Only for a tag the port does not take: declared in ports[].vlans (its device is down), or not at all. */
static bool vlan_declared(const struct hy_port_conf *pc, uint16_t id)
{
	for (uint16_t v = 0; v < pc->n_vlans; v++)
		if (pc->vlans[v].id == id)
			return true;
	return false;
}

/*
 * The next hop of packet i for FIB result nh_id when the burst's cached one
 * does not match: every kind but a resolved FORWARD ends here (the packet is
 * dropped or punted: NULL); a FORWARD entry is cached in b->nh and returned.
 * ECMP groups pick a member by the flow hash and cache the member.
 */
static __rte_noinline const struct nh_fast *resolve(struct hy_fwd *fwd, struct hy_lcore *lc, struct burst *b,
						    unsigned int i, uint32_t nh_id)
{
	struct rte_mbuf *m = b->pkts[i];
	struct hy_nh_entry nh;
	uint16_t to;

	if (nh_id == HY_FIB_NH_NONE) {
		if (fwd->no_route_punt)
			punt(fwd, lc, b, m, b->in_port, HY_PUNT_NO_ROUTE);
		else
			drop(lc, m, HY_DROP_NO_ROUTE);
		return NULL;
	}
	hy_nh_read(fwd->nh_entries, nh_id, &nh);
	if (nh.kind == HY_NH_GROUP) {
		/* Member arrays stay valid until this lcore reports its next quiescent state. */
		if (nh.n_members == 0) {
			drop(lc, m, HY_DROP_NH_INVALID);
			return NULL;
		}
		nh_id = nh.members[flow_hash(m, &b->meta[i]) % nh.n_members];
		if (nh_id == b->nh.id)
			return &b->nh;
		hy_nh_read(fwd->nh_entries, nh_id, &nh);
	}
	switch (nh.kind) {
	case HY_NH_FORWARD:
		break;
	case HY_NH_LOCAL:
		punt(fwd, lc, b, m, b->in_port, HY_PUNT_LOCAL);
		return NULL;
	case HY_NH_BLACKHOLE:
		drop(lc, m, HY_DROP_BLACKHOLE);
		return NULL;
	case HY_NH_PUNT:
		to = nh.port < fwd->n_ports && !(nh.flags & HY_NH_FLAG_CONNECTED) ? nh.port : b->in_port;
		punt(fwd, lc, b, m, to, HY_PUNT_NEXTHOP);
		return NULL;
	default:
		drop(lc, m, HY_DROP_NH_INVALID);
		return NULL;
	}
	if (memcmp(nh.mac, zero_mac, 6) == 0) {
		punt(fwd, lc, b, m, b->in_port, HY_PUNT_UNRESOLVED);
		return NULL;
	}
	if ((nh.flags & HY_NH_FLAG_VLAN) && !hy_link_vlan_up(fwd, nh.port, nh.vlan) &&
	    vlan_declared(&fwd->conf.ports[nh.port], nh.vlan)) {
		drop(lc, m, HY_DROP_ADMIN_DOWN); /* its VLAN device is down, until the routes through it go */
		return NULL;
	}
	b->nh.id = nh_id;
	b->nh.port = nh.port;
	b->nh.mtu = fwd->ports[nh.port].mtu;
	b->nh.tag = nh.flags & HY_NH_FLAG_VLAN;
	b->nh.vlan = nh.vlan;
	memcpy(b->nh.l2, nh.mac, 6);
	memcpy(b->nh.l2 + 6, &fwd->ports[nh.port].mac, 6);
	return &b->nh;
}

/* Stage 3 for one packet: next hop, TTL and MTU, rewrite, TX queue.  v4 is a constant at each call. */
static __rte_always_inline void route(struct hy_fwd *fwd, struct hy_lcore *lc, struct burst *b, unsigned int i,
				      uint32_t nh_id, bool v4)
{
	struct rte_mbuf *m = b->pkts[i];
	const struct hy_pkt *meta = &b->meta[i];
	const struct nh_fast *nh = &b->nh;
	uint32_t frame;
	uint8_t *d;

	if (unlikely(nh_id != nh->id)) {
		nh = resolve(fwd, lc, b, i, nh_id);
		if (nh == NULL)
			return;
	}
	if (unlikely(meta->ttl <= 1))
		return punt(fwd, lc, b, m, b->in_port, HY_PUNT_TTL);
	if (unlikely(meta->l3_len > nh->mtu))
		return punt(fwd, lc, b, m, b->in_port, HY_PUNT_MTU);

	/* Drop the Ethernet padding after a short IP packet, then rewrite. */
	frame = (uint32_t)meta->l3_off + meta->l3_len;
	if (unlikely(m->data_len > frame))
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - frame));
	d = rte_pktmbuf_mtod(m, uint8_t *);
	if (v4)
		hy_ipv4_ttl_decrement_inline(d + meta->l3_off);
	else
		hy_ipv6_hop_decrement(d + meta->l3_off);
	if (likely(!meta->tagged && !nh->tag)) {
		memcpy(d, nh->l2, 12);
	} else if (!rewrite_l2_tagged(m, meta, nh)) {
		return drop(lc, m, HY_DROP_NO_HEADROOM);
	}
	if (v4) {
		b->fwd4++;
		b->fragments += meta->fragment; /* IPv4's: the parse leaves it 0 for IPv6 */
	} else {
		b->fwd6++;
	}
	tx_queue(b, nh->port, m);
}

/* The next hop's interface (port, VLAN or 0) is the one the packet came in on. */
static inline bool nh_on(const struct hy_nh_entry *nh, uint16_t port, uint16_t vlan)
{
	return nh->port == port && ((nh->flags & HY_NH_FLAG_VLAN) ? nh->vlan : 0) == vlan;
}

/* Strict RPF: the source's route leads back out of the packet's interface: a FORWARD next hop or a connected
 * subnet there, or one member of an ECMP group there (as Linux's rp_filter 1 takes any path of a multipath
 * route).  Id 3 (unreachable, or a path the forwarder does not know) names no port and never matches. */
static bool source_on_interface(const struct hy_fwd *fwd, const struct hy_nh_entry *nh, uint16_t port,
				uint16_t vlan)
{
	struct hy_nh_entry member;

	switch (nh->kind) {
	case HY_NH_FORWARD:
	case HY_NH_PUNT:
		return nh_on(nh, port, vlan);
	case HY_NH_GROUP:
		for (uint16_t k = 0; k < nh->n_members; k++) {
			hy_nh_read(fwd->nh_entries, nh->members[k], &member);
			if (member.kind == HY_NH_FORWARD && nh_on(&member, port, vlan))
				return true;
		}
		return false;
	default:
		return false;
	}
}

/* The last next hop, with the ingress VLAN, that passed: a burst's sources mostly share one. */
struct rpf_passed {
	uint32_t nh;
	uint16_t vlan;
};

/* Loose: the source has a route that is neither a blackhole nor the router's own address (a packet from
 * outside with the router's address as its source is spoofed; Linux's rp_filter drops it too).  Strict:
 * and that route leads back out of the packet's interface (port, VLAN). */
static inline bool source_passes(const struct hy_fwd *fwd, uint32_t nh_id, bool strict, uint16_t port,
				 uint16_t vlan, struct rpf_passed *last)
{
	struct hy_nh_entry nh;
	bool ok;

	if (nh_id == HY_FIB_NH_NONE)
		return false;
	if (!strict)
		vlan = 0;
	if (nh_id == last->nh && vlan == last->vlan)
		return true;
	hy_nh_read(fwd->nh_entries, nh_id, &nh);
	if (strict)
		ok = source_on_interface(fwd, &nh, port, vlan);
	else
		ok = nh.kind != HY_NH_BLACKHOLE && nh.kind != HY_NH_LOCAL;
	if (ok)
		*last = (struct rpf_passed){.nh = nh_id, .vlan = vlan};
	return ok;
}

/*
 * Unicast RPF (RFC 3704, loose 2.4 or strict 2.2) between stages 1 and 2, on the ports that ask for it: a
 * packet to be routed whose source fails the port's check is dropped and counted; a blackhole route for a
 * source prefix thus drops what it sends (source-based remote-triggered blackholing, RFC 5635).  A default
 * route matches every source (in strict mode, every source on the default route's interface).  One more bulk
 * lookup per family; packets punted in stage 1 (ARP, ND, link-local, DHCP) are not checked.
 */
static __rte_noinline void urpf_check(struct hy_fwd *fwd, struct hy_lcore *lc, struct burst *b, bool strict)
{
	uint32_t src4[HY_BURST], nh[HY_BURST];
	uint8_t src6[HY_BURST][16];
	struct rpf_passed last = {.nh = HY_FIB_NH_NONE};
	uint16_t kept = 0;

	for (uint16_t k = 0; k < b->n4; k++) {
		const struct rte_mbuf *m = b->pkts[b->idx4[k]];
		uint32_t src;

		memcpy(&src, rte_pktmbuf_mtod_offset(m, const uint8_t *, b->meta[b->idx4[k]].l3_off + 12), 4);
		src4[k] = rte_be_to_cpu_32(src);
	}
	if (b->n4 > 0)
		hy_fib_lookup4_bulk(fwd->fib, lc->socket, src4, nh, b->n4);
	for (uint16_t k = 0; k < b->n4; k++) {
		if (!source_passes(fwd, nh[k], strict, b->in_port, b->meta[b->idx4[k]].vlan, &last)) {
			drop(lc, b->pkts[b->idx4[k]], HY_DROP_URPF);
			continue;
		}
		b->idx4[kept] = b->idx4[k];
		b->addr4[kept++] = b->addr4[k];
	}
	b->n4 = kept;

	for (uint16_t k = 0; k < b->n6; k++) {
		const struct rte_mbuf *m = b->pkts[b->idx6[k]];

		memcpy(src6[k], rte_pktmbuf_mtod_offset(m, const uint8_t *, b->meta[b->idx6[k]].l3_off + 8), 16);
	}
	if (b->n6 > 0)
		hy_fib_lookup6_bulk(fwd->fib, lc->socket, (const uint8_t(*)[16])src6, nh, b->n6);
	kept = 0;
	for (uint16_t k = 0; k < b->n6; k++) {
		if (!source_passes(fwd, nh[k], strict, b->in_port, b->meta[b->idx6[k]].vlan, &last)) {
			drop(lc, b->pkts[b->idx6[k]], HY_DROP_URPF);
			continue;
		}
		b->idx6[kept] = b->idx6[k];
		memmove(b->addr6[kept++], b->addr6[k], 16);
	}
	b->n6 = kept;
}

/* Stage 1 for a packet that is not routed: punt or drop it under its reason (out of line). */
static __rte_noinline void not_routed(const struct hy_fwd *fwd, struct hy_lcore *lc, struct burst *b,
				      struct rte_mbuf *m, const struct hy_pkt *meta)
{
	if (meta->verdict == HY_V_PUNT)
		punt(fwd, lc, b, m, b->in_port, meta->reason);
	else
		drop(lc, m, meta->reason);
}

static void process_burst(struct hy_fwd *fwd, struct hy_lcore *lc, struct burst *b, uint16_t n)
{
	const struct hy_port *in = &fwd->ports[b->in_port];
	struct hy_port_view view;
	struct hy_fib_hint hint;

	memcpy(view.mac, &in->mac, 6);
	view.vlans = in->vlans;
	hy_fib_hint(fwd->fib, lc->socket, &hint);
	b->n4 = b->n6 = 0;
	b->fwd4 = b->fwd6 = b->fragments = 0;
	b->nh.id = NH_CACHE_EMPTY;

	/* Stage 1: parse and check.  Headers arrive from the NIC cold: ask for a few ahead of the one
	 * being parsed.  The FIB's first access for each routed packet is asked for as soon as its
	 * destination is known, and its second FIB_LAG routed packets later, so that the bulk lookup
	 * finds both in cache and waits only for the leaves. */
	for (uint16_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(b->pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = b->pkts[i];
		struct hy_pkt *meta = &b->meta[i];

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(b->pkts[i + PREFETCH_AHEAD], void *));
		if (unlikely(m->nb_segs != 1)) {
			drop(lc, m, HY_DROP_MULTISEG);
			continue;
		}
		hy_pkt_parse_inline(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, &view,
				    (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD, meta);
		if (likely(meta->verdict == HY_V_ROUTE4)) {
			hy_fib_prefetch4(&hint, meta->dst4);
			if (b->n4 >= FIB_LAG)
				hy_fib_prefetch4_next(&hint, b->addr4[b->n4 - FIB_LAG]);
			b->idx4[b->n4] = (uint8_t)i;
			b->addr4[b->n4++] = meta->dst4;
		} else if (meta->verdict == HY_V_ROUTE6) {
			const uint8_t *dst = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l3_off + 24);
			hy_fib_prefetch6(&hint, dst);
			if (b->n6 >= FIB_LAG)
				hy_fib_prefetch6_next(&hint, b->addr6[b->n6 - FIB_LAG]);
			b->idx6[b->n6] = (uint8_t)i;
			memcpy(b->addr6[b->n6++], dst, 16);
		} else {
			not_routed(fwd, lc, b, m, meta);
		}
	}
	if (unlikely(in->urpf != HY_URPF_OFF))
		urpf_check(fwd, lc, b, in->urpf == HY_URPF_STRICT);
	for (uint16_t k = b->n4 > FIB_LAG ? b->n4 - FIB_LAG : 0; k < b->n4; k++)
		hy_fib_prefetch4_next(&hint, b->addr4[k]);
	for (uint16_t k = b->n6 > FIB_LAG ? b->n6 - FIB_LAG : 0; k < b->n6; k++)
		hy_fib_prefetch6_next(&hint, b->addr6[k]);

	/* Stage 2: one bulk lookup per family; stage 3: next hop, rewrite, TX queue. */
	if (b->n4 > 0) {
		hy_fib_lookup4_bulk(fwd->fib, lc->socket, b->addr4, b->nh4, b->n4);
		for (uint16_t k = 0; k < b->n4; k++)
			route(fwd, lc, b, b->idx4[k], b->nh4[k], true);
	}
	if (b->n6 > 0) {
		hy_fib_lookup6_bulk(fwd->fib, lc->socket, (const uint8_t(*)[16])b->addr6, b->nh6, b->n6);
		for (uint16_t k = 0; k < b->n6; k++)
			route(fwd, lc, b, b->idx6[k], b->nh6[k], false);
	}
	lc->stats.fwd4 += b->fwd4;
	lc->stats.fwd6 += b->fwd6;
	lc->stats.fragments += b->fragments;
	tx_flush(fwd, lc, b);
	punt_flush(lc, b);
}

#ifdef HY_BURST_CYCLES
/*
 * Development aid, off by default (configure with -Dc_args=-DHY_BURST_CYCLES): a histogram of the TSC cycles
 * per packet that process_burst takes, printed as percentiles when the lcore stops.  Unlike a packet rate it
 * hardly moves when other processes share the CPU (a preempted burst is one outlier among millions), so it
 * compares two builds of the packet path on a busy machine.
 */
#define CYC_BUCKETS 2048
static __thread uint64_t cyc_hist[CYC_BUCKETS];

static inline void cyc_record(uint64_t cycles, uint16_t n)
{
	uint64_t per = cycles / n;
	cyc_hist[per < CYC_BUCKETS ? per : CYC_BUCKETS - 1] += n;
}

static void cyc_report(unsigned int lcore)
{
	uint64_t total = 0, seen = 0;
	unsigned int pct[] = {10, 25, 50, 75, 90}, k = 0;

	for (unsigned int i = 0; i < CYC_BUCKETS; i++)
		total += cyc_hist[i];
	if (total == 0)
		return;
	fprintf(stderr, "lcore %u: process_burst TSC cycles per packet over %" PRIu64 " packets:", lcore, total);
	for (unsigned int i = 0; i < CYC_BUCKETS && k < RTE_DIM(pct); i++) {
		seen += cyc_hist[i];
		while (k < RTE_DIM(pct) && seen * 100 >= total * pct[k])
			fprintf(stderr, " p%u %u", pct[k++], i);
	}
	fprintf(stderr, " (TSC %" PRIu64 " Hz)\n", rte_get_tsc_hz());
}
#endif

int hy_lcore_main(void *arg)
{
	struct hy_lcore *lc = arg;
	struct hy_fwd *fwd = &hy_fwd;
	struct burst b;
	unsigned int id = rte_lcore_id();

	memset(&b, 0, sizeof(b));
	rte_rcu_qsbr_thread_register(fwd->qsbr, id);
	rte_rcu_qsbr_thread_online(fwd->qsbr, id);
	while (!fwd->stop) {
		uint64_t t0 = rte_rdtsc(), t1;
		uint32_t got = 0;

		for (uint16_t r = 0; r < lc->n_rx; r++) {
			uint16_t n = rte_eth_rx_burst(fwd->ports[lc->rx[r].port].dpdk_id, lc->rx[r].queue, b.pkts,
						      HY_BURST);
			if (n == 0)
				continue;
			got += n;
			b.in_port = lc->rx[r].port;
			if (unlikely(hy_port_admin_down(fwd, b.in_port))) {
				lc->stats.drops[HY_DROP_ADMIN_DOWN] += n;
				rte_pktmbuf_free_bulk(b.pkts, n);
				continue;
			}
#ifdef HY_BURST_CYCLES
			uint64_t c0 = rte_rdtsc();
			process_burst(fwd, lc, &b, n);
			cyc_record(rte_rdtsc() - c0, n);
#else
			process_burst(fwd, lc, &b, n);
#endif
		}
		lc->stats.rx += got;
		/* Nothing of the FIB or next-hop table is held across this point. */
		rte_rcu_qsbr_quiescent(fwd->qsbr, id);
		t1 = rte_rdtsc();
		lc->stats.loops++;
		lc->stats.total_cycles += t1 - t0;
		if (got > 0)
			lc->stats.busy_cycles += t1 - t0;
	}
	rte_rcu_qsbr_thread_offline(fwd->qsbr, id);
	rte_rcu_qsbr_thread_unregister(fwd->qsbr, id);
#ifdef HY_BURST_CYCLES
	cyc_report(id);
#endif
	return 0;
}

int hy_lcores_init(struct hy_fwd *fwd, char *err, size_t errlen)
{
	char name[RTE_RING_NAMESIZE];

	fwd->n_lcores = fwd->conf.n_lcores;
	for (uint16_t i = 0; i < fwd->n_lcores; i++) {
		const struct hy_lcore_conf *lcf = &fwd->conf.lcores[i];
		int socket = (int)rte_lcore_to_socket_id(lcf->lcore);
		struct hy_lcore *lc = rte_zmalloc_socket("hy_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE, socket);

		if (lc == NULL) {
			snprintf(err, errlen, "lcores[%u]: out of memory", i);
			return -ENOMEM;
		}
		fwd->lcores[i] = lc;
		lc->lcore_id = lcf->lcore;
		lc->txq = i;
		lc->socket = socket;
		lc->n_rx = lcf->n_rx;
		lc->rx = fwd->conf.lcores[i].rx;
		for (int c = 0; c < HY_PUNT_CLASSES; c++) {
			snprintf(name, sizeof(name), "hy_punt%u_%d", lcf->lcore, c);
			lc->punt[c] = rte_ring_create(name, HY_PUNT_RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (lc->punt[c] == NULL) {
				snprintf(err, errlen, "lcores[%u]: punt ring: %s", i, rte_strerror(rte_errno));
				return -ENOMEM;
			}
		}
	}
	fwd->manager_txq = fwd->n_lcores;
	return 0;
}
