/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tap exchange (MANAGER LCORE): punted packets from the forwarders' rings go
 * to the tap of their port after the punt policer; what the kernel writes to
 * a tap leaves through the matching port unchanged, on the manager's own TX
 * queue.  Priority rings are drained first so a flood of ordinary punts
 * cannot delay routing-protocol packets.
 */
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "fwd.h"
#include "tap.h"

void hy_tap_policers_init(struct hy_fwd *fwd)
{
	const struct hy_config *c = &fwd->conf;
	uint64_t now = rte_get_tsc_cycles();

	for (uint16_t p = 0; p < fwd->n_ports; p++) {
		hy_policer_init(&fwd->punt[p].policer[HY_PUNT_PRIORITY], c->punt.priority_rate_pps,
				c->punt.priority_burst, fwd->hz, now);
		hy_policer_init(&fwd->punt[p].policer[HY_PUNT_NORMAL], c->punt.rate_pps, c->punt.burst, fwd->hz, now);
	}
}

/* Per-port staging of packets accepted by the policer, sent with one burst per tap. */
struct tap_batch {
	uint16_t n;
	struct rte_mbuf *pkts[HY_BURST];
};

static void tap_send(struct hy_fwd *fwd, uint16_t port, struct tap_batch *tb)
{
	struct hy_punt_port *pp = &fwd->punt[port];
	uint16_t sent = rte_eth_tx_burst(fwd->ports[port].tap_id, 0, tb->pkts, tb->n);

	pp->to_tap += sent;
	pp->tap_tx_drops += tb->n - sent;
	if (sent < tb->n)
		rte_pktmbuf_free_bulk(&tb->pkts[sent], tb->n - sent);
	tb->n = 0;
}

static unsigned int drain_punt_rings(struct hy_fwd *fwd, uint64_t now)
{
	struct tap_batch batch[HY_MAX_PORTS];
	struct rte_mbuf *pkts[HY_BURST];
	unsigned int moved = 0;

	for (uint16_t p = 0; p < fwd->n_ports; p++)
		batch[p].n = 0;
	for (int cls = HY_PUNT_PRIORITY; cls >= HY_PUNT_NORMAL; cls--) {
		for (uint16_t l = 0; l < fwd->n_lcores; l++) {
			unsigned int n = rte_ring_sc_dequeue_burst(fwd->lcores[l]->punt[cls], (void **)pkts, HY_BURST,
								   NULL);
			for (unsigned int i = 0; i < n; i++) {
				uint16_t port = pkts[i]->port; /* set by the forwarder: the tap's port */
				if (!hy_policer_allow(&fwd->punt[port].policer[cls], now)) {
					rte_pktmbuf_free(pkts[i]);
					continue;
				}
				batch[port].pkts[batch[port].n++] = pkts[i];
				if (batch[port].n == HY_BURST)
					tap_send(fwd, port, &batch[port]);
			}
			moved += n;
		}
	}
	for (uint16_t p = 0; p < fwd->n_ports; p++)
		if (batch[p].n > 0)
			tap_send(fwd, p, &batch[p]);
	return moved;
}

static unsigned int inject_from_taps(struct hy_fwd *fwd)
{
	struct rte_mbuf *pkts[HY_BURST];
	unsigned int moved = 0;

	for (uint16_t p = 0; p < fwd->n_ports; p++) {
		const struct hy_port *port = &fwd->ports[p];
		struct hy_punt_port *pp = &fwd->punt[p];
		uint16_t n, sent;

		if (port->tap_id == HY_NO_TAP)
			continue;
		n = rte_eth_rx_burst(port->tap_id, 0, pkts, HY_BURST);
		if (n == 0)
			continue;
		sent = rte_eth_tx_burst(port->dpdk_id, fwd->manager_txq, pkts, n);
		pp->from_tap += sent;
		pp->inject_drops += n - sent;
		if (sent < n)
			rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
		moved += n;
	}
	return moved;
}

unsigned int hy_tap_exchange(struct hy_fwd *fwd, uint64_t now)
{
	return drain_punt_rings(fwd, now) + inject_from_taps(fwd);
}
