/* SPDX-License-Identifier: BSD-3-Clause */
/* Ports and their tap mirrors: probe, configure, start, stop (main lcore, before/after forwarding). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fwd.h"

/* Frame overhead beyond the MTU: Ethernet header, one VLAN tag, FCS. */
#define FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + 4 + RTE_ETHER_CRC_LEN)

static int port_by_device(const char *device, uint16_t *id)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t n = strcspn(device, ",");

	if (n >= sizeof(name))
		return -ENAMETOOLONG;
	memcpy(name, device, n);
	name[n] = '\0';
	return rte_eth_dev_get_port_by_name(name, id);
}

int hy_ports_probe(struct hy_fwd *fwd, char *err, size_t errlen)
{
	fwd->n_ports = fwd->conf.n_ports;
	for (uint16_t i = 0; i < fwd->n_ports; i++) {
		const struct hy_port_conf *pc = &fwd->conf.ports[i];
		struct hy_port *p = &fwd->ports[i];
		char tap[32];

		if (port_by_device(pc->device, &p->dpdk_id) != 0) {
			snprintf(err, errlen, "ports[%u].device: no DPDK port for \"%s\" (driver missing, --no-pci, "
				 "or a wrong address?)", i, pc->device);
			return -ENODEV;
		}
		p->tap_id = HY_NO_TAP;
		if (pc->tap[0]) {
			hy_tap_vdev_name(i, tap, sizeof(tap));
			if (rte_eth_dev_get_port_by_name(tap, &p->tap_id) != 0) {
				snprintf(err, errlen, "ports[%u].tap: tap \"%s\" was not created (is /dev/net/tun there?)",
					 i, pc->tap);
				return -ENODEV;
			}
		}
		p->mtu = pc->mtu;
		p->urpf = pc->urpf;
		for (uint16_t v = 0; v < pc->n_vlans; v++)
			p->vlans[pc->vlans[v].id >> 6] |= 1ull << (pc->vlans[v].id & 63);
	}
	return 0;
}

static int mbuf_pool_for(struct hy_fwd *fwd, int socket, struct rte_mempool **pool, char *err, size_t errlen)
{
	unsigned int idx = socket < 0 ? 0 : (unsigned int)socket % HY_MAX_NUMA_POOLS;
	uint16_t max_mtu = 0;
	char name[32];

	if (fwd->pool[idx] != NULL) {
		*pool = fwd->pool[idx];
		return 0;
	}
	for (uint16_t i = 0; i < fwd->conf.n_ports; i++)
		if (fwd->conf.ports[i].mtu > max_mtu)
			max_mtu = fwd->conf.ports[i].mtu;
	/* One segment holds the largest frame: the packet path never walks chains. */
	uint32_t room = RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE,
				(uint32_t)(max_mtu + FRAME_OVERHEAD + RTE_PKTMBUF_HEADROOM));
	snprintf(name, sizeof(name), "hy_mbuf_%u", idx);
	fwd->pool[idx] = rte_pktmbuf_pool_create(name, fwd->conf.mbuf.count, fwd->conf.mbuf.cache, 0,
						 (uint16_t)room, socket);
	if (fwd->pool[idx] == NULL) {
		snprintf(err, errlen, "mbuf.count: cannot create a pool of %u mbufs on socket %d: %s",
			 fwd->conf.mbuf.count, socket, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	*pool = fwd->pool[idx];
	return 0;
}

/* rx_offloads: wanted where the device has them (rte_eth_dev_conf_get tells which it got). */
static int port_start(struct hy_fwd *fwd, uint16_t id, const char *what, uint16_t n_rxq, uint16_t n_txq,
		      uint16_t rx_desc, uint16_t tx_desc, uint16_t mtu, const struct rte_ether_addr *mac,
		      uint64_t rx_offloads, char *err, size_t errlen)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	struct rte_mempool *pool;
	int socket = rte_eth_dev_socket_id(id);
	int rc;

	if ((rc = rte_eth_dev_info_get(id, &info)) != 0) {
		snprintf(err, errlen, "%s: cannot read device info: %s", what, rte_strerror(-rc));
		return rc;
	}
	if (n_rxq > info.max_rx_queues || n_txq > info.max_tx_queues) {
		snprintf(err, errlen,
			 "%s: device %s has %u RX / %u TX queues, %u / %u needed (TX: one per forwarder lcore, plus "
			 "the manager's when the port has a tap; net_af_packet: set qpairs=N and poll every queue)",
			 what, info.driver_name, info.max_rx_queues, info.max_tx_queues, n_rxq, n_txq);
		return -EINVAL;
	}
	conf.rxmode.offloads = rx_offloads & info.rx_offload_capa;
	if (n_rxq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
						   (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	}
	if ((rc = rte_eth_dev_configure(id, n_rxq, n_txq, &conf)) != 0) {
		snprintf(err, errlen, "%s: configure: %s", what, rte_strerror(-rc));
		return rc;
	}
	if ((rc = rte_eth_dev_adjust_nb_rx_tx_desc(id, &rx_desc, &tx_desc)) != 0) {
		snprintf(err, errlen, "%s: descriptors: %s", what, rte_strerror(-rc));
		return rc;
	}
	if ((rc = mbuf_pool_for(fwd, socket, &pool, err, errlen)) < 0)
		return rc;
	for (uint16_t q = 0; q < n_rxq; q++)
		if ((rc = rte_eth_rx_queue_setup(id, q, rx_desc, socket, NULL, pool)) != 0) {
			snprintf(err, errlen, "%s: RX queue %u: %s", what, q, rte_strerror(-rc));
			return rc;
		}
	for (uint16_t q = 0; q < n_txq; q++)
		if ((rc = rte_eth_tx_queue_setup(id, q, tx_desc, socket, NULL)) != 0) {
			snprintf(err, errlen, "%s: TX queue %u: %s", what, q, rte_strerror(-rc));
			return rc;
		}
	/* Some virtual devices (net_null, net_pcap) have no MTU or MAC to set: not an error for them. */
	rc = rte_eth_dev_set_mtu(id, mtu);
	if (rc != 0 && rc != -ENOTSUP)
		fprintf(stderr, "hayate-fwd: %s: cannot set MTU %u: %s\n", what, mtu, rte_strerror(-rc));
	if (mac != NULL) {
		/* Devices without a settable MAC (net_pcap) still get the configured one in software: the
		 * parser and the rewrite use it. */
		rc = rte_eth_dev_default_mac_addr_set(id, (struct rte_ether_addr *)(uintptr_t)mac);
		if (rc == -ENOTSUP)
			fprintf(stderr, "hayate-fwd: %s: the device cannot change its MAC; using the configured one\n", what);
		else if (rc != 0) {
			snprintf(err, errlen, "%s: cannot set MAC address: %s", what, rte_strerror(-rc));
			return rc;
		}
	}
	if ((rc = rte_eth_dev_start(id)) != 0) {
		snprintf(err, errlen, "%s: start: %s", what, rte_strerror(-rc));
		return rc;
	}
	return 0;
}

int hy_ports_init(struct hy_fwd *fwd, char *err, size_t errlen)
{
	char what[64];
	int rc;

	for (uint16_t i = 0; i < fwd->n_ports; i++) {
		const struct hy_port_conf *pc = &fwd->conf.ports[i];
		struct hy_port *p = &fwd->ports[i];

		p->n_txq = (uint16_t)(fwd->n_lcores + (p->tap_id != HY_NO_TAP ? 1 : 0));
		snprintf(what, sizeof(what), "ports[%u] (%s)", i, pc->name);
		if ((rc = hy_netns_enter_ports()) != 0) {
			snprintf(err, errlen, "%s: cannot enter ports_netns", what);
			return rc;
		}
		rc = port_start(fwd, p->dpdk_id, what, pc->rx_queues, p->n_txq, pc->rx_desc, pc->tx_desc, pc->mtu,
				pc->has_mac ? (const struct rte_ether_addr *)pc->mac : NULL,
				RTE_ETH_RX_OFFLOAD_IPV4_CKSUM /* saves the forwarder its sum (packet_impl.h) */, err,
				errlen);
		if (pc->has_mac)
			memcpy(&p->mac, pc->mac, RTE_ETHER_ADDR_LEN);
		else
			rte_eth_macaddr_get(p->dpdk_id, &p->mac);
		/* Multicast (ND, OSPF) and the port's MAC must reach us; the parser filters the rest. */
		if (rc == 0) {
			rte_eth_promiscuous_enable(p->dpdk_id);
			rte_eth_allmulticast_enable(p->dpdk_id);
		}
		if (hy_netns_leave_ports() != 0 && rc == 0) {
			snprintf(err, errlen, "%s: cannot leave ports_netns", what);
			rc = -EPERM;
		}
		if (rc != 0)
			return rc;
		if (p->tap_id != HY_NO_TAP) {
			/* The kernel side of the tap gets the port's MAC and MTU, so its ARP/ND answers and
			 * ICMP "too big" are right for the wire. */
			snprintf(what, sizeof(what), "ports[%u].tap (%s)", i, pc->tap);
			rc = port_start(fwd, p->tap_id, what, 1, 1, 512, 512, pc->mtu, &p->mac, 0, err, errlen);
			if (rc != 0 || (rc = hy_tap_persist(pc->tap, err, errlen)) != 0)
				return rc;
		}
	}
	return 0;
}

void hy_ports_stop(struct hy_fwd *fwd)
{
	int sock = hy_if_socket();

	for (uint16_t i = 0; i < fwd->n_ports; i++) {
		struct hy_port *p = &fwd->ports[i];

		hy_netns_enter_ports();
		rte_eth_dev_stop(p->dpdk_id);
		rte_eth_dev_close(p->dpdk_id);
		hy_netns_leave_ports();
		if (p->tap_id != HY_NO_TAP) {
			/* The tap PMD sets the interface down as it stops: leave it as the operator had it, up
			 * without carrier as after a crash, or down. */
			bool up = hy_if_admin_up(sock, fwd->conf.ports[i].tap) == 1;

			rte_eth_dev_stop(p->tap_id);
			rte_eth_dev_close(p->tap_id);
			if (up)
				hy_if_set_admin_up(sock, fwd->conf.ports[i].tap, true);
		}
	}
	if (sock >= 0)
		close(sock);
}
