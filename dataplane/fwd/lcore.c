/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarder lcore: run to completion.  Each lcore polls its own (port,
 * queue) pairs, classifies a burst, looks the routed packets up in bulk,
 * rewrites them and sends them on its own TX queue of the egress port.
 *
 * FORWARDER LCORE code: no locks, no allocation, no syscalls below this line
 * except in hy_lcores_init (main lcore, before the start).
 */
#include <errno.h>
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
#include "packet.h"

#define PREFETCH_AHEAD 4

/* What one burst collects before the bulk lookups. */
struct burst {
	uint16_t in_port; /* hayate index of the ingress port */
	struct rte_mbuf *pkts[HY_BURST];
	struct hy_pkt meta[HY_BURST];
	uint16_t n4, n6;
	uint8_t idx4[HY_BURST], idx6[HY_BURST];
	uint32_t addr4[HY_BURST], nh4[HY_BURST], nh6[HY_BURST];
	uint8_t addr6[HY_BURST][16];
	uint16_t n_punt[HY_PUNT_CLASSES];
	struct rte_mbuf *punt[HY_PUNT_CLASSES][HY_BURST];
};

static inline void drop(struct hy_lcore *lc, struct rte_mbuf *m, enum hy_drop reason)
{
	lc->stats.drops[reason]++;
	rte_pktmbuf_free(m);
}

/* Queue a packet for the manager, which sends it to the tap of port `to`. */
static inline void punt(const struct hy_fwd *fwd, struct hy_lcore *lc, struct burst *b, struct rte_mbuf *m,
			uint16_t to, enum hy_punt_reason reason)
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

static inline uint32_t flow_hash(const struct rte_mbuf *m, const struct hy_pkt *meta)
{
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l3_off);
	uint32_t avail = m->data_len - meta->l3_off;

	return (ip[0] >> 4) == 4 ? hy_flow_hash4(ip, avail, meta->fragment) : hy_flow_hash6(ip, avail);
}

/* Ethernet rewrite with the 802.1Q tag of the next hop; false if the mbuf has no headroom. */
static inline bool rewrite_l2(struct rte_mbuf *m, const struct hy_pkt *meta, const struct hy_nh_entry *nh,
			      const struct rte_ether_addr *src)
{
	bool out_tag = nh->flags & HY_NH_FLAG_VLAN;
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);

	if (meta->tagged && !out_tag) {
		memmove(d + 4, d, 12);
		d = (uint8_t *)rte_pktmbuf_adj(m, 4);
	} else if (!meta->tagged && out_tag) {
		d = (uint8_t *)rte_pktmbuf_prepend(m, 4);
		if (d == NULL)
			return false;
		memmove(d, d + 4, 12);
		d[12] = 0x81;
		d[13] = 0x00;
		d[14] = 0;
	}
	if (out_tag) {
		d[14] = (uint8_t)((d[14] & 0xf0) | (nh->vlan >> 8)); /* keep the priority bits */
		d[15] = (uint8_t)nh->vlan;
	}
	memcpy(d, nh->mac, 6);
	memcpy(d + 6, src, 6);
	return true;
}

static const uint8_t zero_mac[6];

static inline void route(struct hy_fwd *fwd, struct hy_lcore *lc, struct burst *b, unsigned int i, uint32_t nh_id)
{
	struct rte_mbuf *m = b->pkts[i];
	const struct hy_pkt *meta = &b->meta[i];
	struct hy_nh_entry nh;
	uint16_t to;

	if (nh_id == HY_FIB_NH_NONE) {
		if (fwd->no_route_punt)
			return punt(fwd, lc, b, m, b->in_port, HY_PUNT_NO_ROUTE);
		return drop(lc, m, HY_DROP_NO_ROUTE);
	}
	hy_nh_read(fwd->nh_entries, nh_id, &nh);
	if (nh.kind == HY_NH_GROUP) {
		/* Member arrays stay valid until this lcore reports its next quiescent state. */
		if (nh.n_members == 0)
			return drop(lc, m, HY_DROP_NH_INVALID);
		nh_id = nh.members[flow_hash(m, meta) % nh.n_members];
		hy_nh_read(fwd->nh_entries, nh_id, &nh);
	}
	switch (nh.kind) {
	case HY_NH_FORWARD:
		break;
	case HY_NH_LOCAL:
		return punt(fwd, lc, b, m, b->in_port, HY_PUNT_LOCAL);
	case HY_NH_BLACKHOLE:
		return drop(lc, m, HY_DROP_BLACKHOLE);
	case HY_NH_PUNT:
		to = nh.port < fwd->n_ports ? nh.port : b->in_port;
		return punt(fwd, lc, b, m, to, HY_PUNT_NEXTHOP);
	default:
		return drop(lc, m, HY_DROP_NH_INVALID);
	}
	if (memcmp(nh.mac, zero_mac, 6) == 0)
		return punt(fwd, lc, b, m, b->in_port, HY_PUNT_UNRESOLVED);
	if (meta->ttl <= 1)
		return punt(fwd, lc, b, m, b->in_port, HY_PUNT_TTL);
	if (meta->l3_len > fwd->ports[nh.port].mtu)
		return punt(fwd, lc, b, m, b->in_port, HY_PUNT_MTU);

	/* Drop the Ethernet padding after a short IP packet, then rewrite. */
	uint32_t frame = (uint32_t)meta->l3_off + meta->l3_len;
	if (m->data_len > frame)
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - frame));
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l3_off);
	if (meta->verdict == HY_V_ROUTE4)
		hy_ipv4_ttl_decrement(ip);
	else
		hy_ipv6_hop_decrement(ip);
	if (!rewrite_l2(m, meta, &nh, &fwd->ports[nh.port].mac))
		return drop(lc, m, HY_DROP_NO_HEADROOM);
	lc->stats.fwd4 += meta->verdict == HY_V_ROUTE4;
	lc->stats.fwd6 += meta->verdict == HY_V_ROUTE6;
	lc->stats.fragments += meta->fragment;
	lc->stats.tx += rte_eth_tx_buffer(fwd->ports[nh.port].dpdk_id, lc->txq, lc->txb[nh.port], m);
}

static void process_burst(struct hy_fwd *fwd, struct hy_lcore *lc, struct burst *b, uint16_t n)
{
	const struct hy_port *in = &fwd->ports[b->in_port];
	struct hy_port_view view;

	memcpy(view.mac, &in->mac, 6);
	view.vlans = in->vlans;
	b->n4 = b->n6 = 0;
	/* Headers arrive from the NIC cold: ask for a few ahead of the one being parsed. */
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
		hy_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, &view, meta);
		switch (meta->verdict) {
		case HY_V_ROUTE4:
			b->idx4[b->n4] = (uint8_t)i;
			b->addr4[b->n4++] = meta->dst4;
			break;
		case HY_V_ROUTE6:
			b->idx6[b->n6] = (uint8_t)i;
			memcpy(b->addr6[b->n6++], rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l3_off + 24), 16);
			break;
		case HY_V_PUNT:
			punt(fwd, lc, b, m, b->in_port, meta->reason);
			break;
		default:
			drop(lc, m, meta->reason);
			break;
		}
	}
	if (b->n4 > 0) {
		hy_fib_lookup4_bulk(fwd->fib, lc->socket, b->addr4, b->nh4, b->n4);
		for (uint16_t k = 0; k < b->n4; k++)
			route(fwd, lc, b, b->idx4[k], b->nh4[k]);
	}
	if (b->n6 > 0) {
		hy_fib_lookup6_bulk(fwd->fib, lc->socket, (const uint8_t(*)[16])b->addr6, b->nh6, b->n6);
		for (uint16_t k = 0; k < b->n6; k++)
			route(fwd, lc, b, b->idx6[k], b->nh6[k]);
	}
	punt_flush(lc, b);
}

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
			process_burst(fwd, lc, &b, n);
		}
		if (got > 0) {
			lc->stats.rx += got;
			for (uint16_t p = 0; p < fwd->n_ports; p++)
				lc->stats.tx += rte_eth_tx_buffer_flush(fwd->ports[p].dpdk_id, lc->txq, lc->txb[p]);
		}
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
		for (uint16_t p = 0; p < fwd->n_ports; p++) {
			lc->txb[p] = rte_zmalloc_socket("hy_txb", RTE_ETH_TX_BUFFER_SIZE(HY_BURST), 0, socket);
			if (lc->txb[p] == NULL) {
				snprintf(err, errlen, "lcores[%u]: out of memory", i);
				return -ENOMEM;
			}
			rte_eth_tx_buffer_init(lc->txb[p], HY_BURST);
			rte_eth_tx_buffer_set_err_callback(lc->txb[p], rte_eth_tx_buffer_count_callback,
							   &lc->stats.drops[HY_DROP_TX_FULL]);
		}
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
