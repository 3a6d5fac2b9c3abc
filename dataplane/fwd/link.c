/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Each port's link state, counted and mirrored to its tap's carrier (manager lcore), as VPP's linux-cp
 * does: when a port's link goes down the kernel sees its tap lose carrier, so it marks the port's connected
 * routes linkdown and flushes its neighbours at once, and FRR takes the interface down (OSPF adjacencies,
 * eBGP sessions to directly connected peers) instead of waiting for hold timers.  The link is polled: not
 * every PMD raises link interrupts (af_packet, af_xdp, tap), and with none rte_eth_link_get_nowait asks the
 * driver.
 *
 * The carrier is set with RTM_NEWLINK / IFLA_CARRIER, which the tun driver takes while a queue is
 * attached (the tap PMD's); one message with its acknowledgement per change.
 *
 * The other way, each tap's administrative state is mirrored on its port, as linux-cp's lcp-sync does: an
 * operator's `ip link set TAP down` (or FRR's `shutdown` on the interface) stops the port in both directions
 * (what it receives and what is routed to it is dropped, counted as admin_down, until the kernel's routes
 * through it are withdrawn) and, where the device can, takes its link down so that the far end sees it.
 * A VLAN device on the tap set down stops its tag the same way: its frames are dropped as they arrive (as
 * vlan_unknown, as the kernel drops them), and those routed to it (admin_down), until it is up again.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "fwd.h"

/* The kernel answers at once; a stuck answer must not stall the manager for long. */
#define NETLINK_TIMEOUT_US 100000

/* A VLAN device that does not exist (not created yet, or deleted) leaves its tag as it was. */
static void mirror_vlan_state(struct hy_fwd *fwd, uint16_t i)
{
	const struct hy_port_conf *pc = &fwd->conf.ports[i];
	struct hy_port *p = &fwd->ports[i];

	for (uint16_t v = 0; v < pc->n_vlans; v++) {
		uint16_t id = pc->vlans[v].id;
		uint64_t bit = 1ull << (id & 63);
		int up = hy_if_admin_up(fwd->link_nl, pc->vlans[v].name);

		if (up < 0 || (up == 1) == hy_link_vlan_up(fwd, i, id))
			continue;
		if (up)
			__atomic_fetch_or(&p->vlans[id >> 6], bit, __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(&p->vlans[id >> 6], ~bit, __ATOMIC_RELAXED);
		fprintf(stderr, "hayate-fwd: port %s: VLAN %u (%s) administratively %s: its frames %s\n", pc->name, id,
			pc->vlans[v].name, up ? "up" : "down", up ? "forwarded" : "dropped");
	}
}

int hy_link_init(struct hy_fwd *fwd, char *err, size_t errlen)
{
	struct timeval timeout = {.tv_usec = NETLINK_TIMEOUT_US};

	fwd->link_nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fwd->link_nl < 0 || setsockopt(fwd->link_nl, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0) {
		int rc = -errno;

		snprintf(err, errlen, "link mirror: netlink socket: %s", strerror(-rc));
		return rc;
	}
	for (uint16_t i = 0; i < fwd->n_ports; i++) {
		struct hy_link_mirror *lm = &fwd->link[i];

		lm->up = -1;
		lm->admin_up = -1;
		if (fwd->ports[i].tap_id == HY_NO_TAP)
			continue;
		lm->tap_ifindex = if_nametoindex(fwd->conf.ports[i].tap);
		if (lm->tap_ifindex == 0) {
			snprintf(err, errlen, "ports[%u].tap: no interface %s: %s", i, fwd->conf.ports[i].tap,
				 strerror(errno));
			return -ENODEV;
		}
		/* Before the forwarders start: a port whose tap was down before the start never forwards. */
		if (lm->tap_kept_down) {
			int rc = hy_if_set_admin_up(fwd->link_nl, fwd->conf.ports[i].tap, false);

			fwd->ports[i].admin_down = true;
			fprintf(stderr, "hayate-fwd: port %s: tap %s was administratively down before the start%s%s\n",
				fwd->conf.ports[i].name, fwd->conf.ports[i].tap, rc == 0 ? "" : ": cannot keep it down: ",
				rc == 0 ? "" : strerror(-rc));
		}
		mirror_vlan_state(fwd, i);
	}
	return 0;
}

void hy_link_close(struct hy_fwd *fwd)
{
	if (fwd->link_nl >= 0)
		close(fwd->link_nl);
	fwd->link_nl = -1;
}

/* 0, or a negative errno from the kernel's acknowledgement. */
static int set_carrier(int nl, unsigned int ifindex, bool on)
{
	static uint32_t seq;
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		struct rtattr rta;
		uint8_t carrier;
		uint8_t pad[3];
	} req = {
		.nh = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)) + RTA_SPACE(1),
		       .nlmsg_type = RTM_NEWLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		       .nlmsg_seq = ++seq},
		.ifi = {.ifi_family = AF_UNSPEC, .ifi_index = (int)ifindex},
		.rta = {.rta_len = RTA_LENGTH(1), .rta_type = IFLA_CARRIER},
		.carrier = on,
	};
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	ssize_t n;

	if (send(nl, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	do { /* past the late answer to an earlier request that timed out, if any */
		n = recv(nl, &ack, sizeof(ack), 0);
		if (n < 0)
			return -errno;
		if ((size_t)n < sizeof(ack) || ack.nh.nlmsg_type != NLMSG_ERROR)
			return -EPROTO;
	} while (ack.nh.nlmsg_seq != seq);
	return ack.err.error;
}

static void mirror_admin_state(struct hy_fwd *fwd, uint16_t i)
{
	struct hy_link_mirror *lm = &fwd->link[i];
	struct hy_port *p = &fwd->ports[i];
	int up = hy_if_admin_up(fwd->link_nl, fwd->conf.ports[i].tap), rc;
	bool started = lm->admin_up < 0;

	if (up < 0 || up == lm->admin_up)
		return;
	lm->admin_up = (int8_t)up;
	if (started && up)
		return; /* the port started up, as its tap */
	/* Stop forwarding before the link goes down; bring the link up before forwarding resumes. */
	if (!up)
		__atomic_store_n(&p->admin_down, true, __ATOMIC_RELAXED);
	hy_netns_enter_ports();
	rc = up ? rte_eth_dev_set_link_up(p->dpdk_id) : rte_eth_dev_set_link_down(p->dpdk_id);
	hy_netns_leave_ports();
	if (up)
		__atomic_store_n(&p->admin_down, false, __ATOMIC_RELAXED);
	fprintf(stderr, "hayate-fwd: port %s: tap %s administratively %s: forwarding %s; device link %s%s%s\n",
		fwd->conf.ports[i].name, fwd->conf.ports[i].tap, up ? "up" : "down", up ? "on" : "off",
		rc == 0 ? (up ? "set up" : "set down") : "unchanged: ",
		rc == -ENOTSUP ? "the device cannot set it" : "", rc == 0 || rc == -ENOTSUP ? "" : strerror(-rc));
}

void hy_link_poll(struct hy_fwd *fwd)
{
	for (uint16_t i = 0; i < fwd->n_ports; i++) {
		struct hy_link_mirror *lm = &fwd->link[i];
		struct rte_eth_link link;
		char carrier[128] = "";
		int8_t up;

		if (lm->tap_ifindex != 0) {
			mirror_admin_state(fwd, i);
			mirror_vlan_state(fwd, i);
		}
		if (rte_eth_link_get_nowait(fwd->ports[i].dpdk_id, &link) != 0)
			continue;
		up = link.link_status == RTE_ETH_LINK_UP;
		if (up == lm->up)
			continue;
		if (lm->up >= 0)
			lm->changes++;
		lm->up = up;
		if (lm->tap_ifindex != 0) {
			/* Not retried: a refusal (the tap deleted under us) would only repeat every poll. */
			int rc = set_carrier(fwd->link_nl, lm->tap_ifindex, up);

			snprintf(carrier, sizeof(carrier), "; tap %s carrier %s%s%s", fwd->conf.ports[i].tap,
				 up ? "on" : "off", rc == 0 ? "" : ": failed: ", rc == 0 ? "" : strerror(-rc));
		}
		fprintf(stderr, "hayate-fwd: port %s: link %s%s\n", fwd->conf.ports[i].name, up ? "up" : "down",
			carrier);
	}
}
