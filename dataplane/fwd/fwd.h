/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hayate-fwd runtime state: ports, forwarder lcores, FIB, next hops, punt
 * rings.  Built by main.c on the main (manager) lcore before the forwarders
 * start; afterwards the forwarders only read it, except their own lcore block.
 */
#ifndef HY_FWD_H
#define HY_FWD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ethdev.h>

#include "config.h"
#include "counters.h"
#include "policer.h"

#define HY_BURST 32
#define HY_NO_TAP UINT16_MAX
#define HY_PUNT_RING_SIZE 1024
#define HY_MAX_NUMA_POOLS 8

struct hy_fib;
struct hy_nh_table;
struct hy_nh_entry;
struct rte_rcu_qsbr;
struct rte_ring;
struct rte_mempool;
struct hy_ctl_server;

/* Per-port data the forwarders read on every packet. */
struct hy_port {
	uint16_t dpdk_id;
	uint16_t tap_id; /* DPDK port of the tap mirror, or HY_NO_TAP */
	uint16_t mtu;
	uint16_t n_txq;
	bool admin_down; /* its tap is administratively down: written by the manager (link.c), read per burst */
	uint8_t urpf;	 /* enum hy_urpf: how the source of what it receives is checked (ports[].urpf) */
	struct rte_ether_addr mac;
	uint64_t vlans[4096 / 64]; /* accepted 802.1Q ids: declared, their VLAN device not down (link.c) */
};

struct hy_lcore {
	unsigned int lcore_id;
	uint16_t txq; /* this lcore's TX queue on every port */
	int socket;
	uint16_t n_rx;
	struct hy_rxq_conf *rx;
	struct rte_ring *punt[HY_PUNT_CLASSES]; /* single producer (this lcore), single consumer (manager) */
	struct hy_lcore_stats stats;
};

/* Manager-side punt state per port. */
struct hy_punt_port {
	struct hy_policer policer[HY_PUNT_CLASSES];
	uint64_t to_tap, tap_tx_drops, from_tap, inject_drops;
};

/* Manager-side link state of a port, mirrored on its tap's carrier, and its tap's administrative state,
 * mirrored on the port (link.c). */
struct hy_link_mirror {
	unsigned int tap_ifindex; /* 0: the port has no tap */
	int8_t admin_up;          /* last IFF_UP seen on the tap: 1, 0, -1 not yet */
	bool tap_kept_down;       /* the tap existed before the start, administratively down (tap_persist.c) */
	int8_t up;                /* last link state seen (and set as the tap's carrier): 1, 0, -1 not yet */
	uint64_t changes;         /* link state changes seen since the start */
};

struct hy_fwd {
	struct hy_config conf;
	uint16_t n_ports;
	struct hy_port ports[HY_MAX_PORTS];
	/* Written by the manager for every punted packet: kept off the cache lines the forwarders read. */
	struct hy_punt_port punt[HY_MAX_PORTS] __rte_cache_aligned;
	uint16_t n_lcores __rte_cache_aligned;
	struct hy_lcore *lcores[HY_MAX_LCORES];
	uint16_t manager_txq;
	struct rte_mempool *pool[HY_MAX_NUMA_POOLS];
	struct hy_fib *fib;
	struct rte_rcu_qsbr *qsbr;
	struct hy_nh_table *nh;
	const struct hy_nh_entry *nh_entries;
	struct hy_ctl_server *ctl;
	struct hy_link_mirror link[HY_MAX_PORTS];
	int link_nl; /* NETLINK_ROUTE socket of link.c, -1 when closed */
	bool no_route_punt;
	volatile bool stop;
	uint64_t hz;
	uint64_t start_tsc;
	/* Busy ratio of each lcore over the last second (manager lcore keeps it). */
	struct {
		uint64_t busy, total;
		double ratio;
	} busy_window[HY_MAX_LCORES];
	char boot_id[40];
};

extern struct hy_fwd hy_fwd;

/* ports.c (main lcore, before the forwarders start; hy_ports_stop after they stopped). */
int hy_ports_init(struct hy_fwd *fwd, char *err, size_t errlen);
void hy_ports_stop(struct hy_fwd *fwd);
/* Resolve DPDK port ids from the config's device strings after EAL init. */
int hy_ports_probe(struct hy_fwd *fwd, char *err, size_t errlen);

/* lcore.c: the forwarder loop, launched on each FORWARDER LCORE with its struct hy_lcore; returns when
 * fwd->stop is set. */
int hy_lcore_main(void *arg);
/* Prepare per-lcore state: TX buffers, punt rings (main lcore, before the launch). */
int hy_lcores_init(struct hy_fwd *fwd, char *err, size_t errlen);

/* link.c (manager lcore): hy_link_init after hy_ports_init; hy_link_poll reads each port's link state and
 * mirrors it to the port's tap's carrier, and each tap's administrative state to its port. */
int hy_link_init(struct hy_fwd *fwd, char *err, size_t errlen);
void hy_link_poll(struct hy_fwd *fwd);
void hy_link_close(struct hy_fwd *fwd);
/* Whether the port takes (and sends) frames tagged id: declared in ports[].vlans, its VLAN device not down. */
static inline bool hy_link_vlan_up(const struct hy_fwd *fwd, uint16_t port, uint16_t id)
{
	return __atomic_load_n(&fwd->ports[port].vlans[id >> 6], __ATOMIC_RELAXED) & (1ull << (id & 63));
}
static inline bool hy_port_admin_down(const struct hy_fwd *fwd, uint16_t port)
{
	return __atomic_load_n(&fwd->ports[port].admin_down, __ATOMIC_RELAXED);
}

/* ctl_stats.c: refresh the busy-ratio windows (manager lcore, once a second). */
void hy_stats_tick(struct hy_fwd *fwd);

/* eal.c: EAL argument vector from the config (main thread, before EAL init). */
int hy_eal_args(const struct hy_config *conf, int extra_argc, char **extra_argv, char ***argv_out, int *argc_out,
		char *err, size_t errlen);
void hy_eal_args_free(char **argv, int argc);
/* rte_eal_init, with the ports probed in conf->ports_netns and the taps made in our own namespace when set. */
int hy_eal_init(const struct hy_config *conf, int argc, char **argv, char *err, size_t errlen);
/* ports_netns: open it once; enter it around every call that configures a port, then leave (no-ops when the
 * configuration names none). */
int hy_netns_open(const char *name, char *err, size_t errlen);
int hy_netns_enter_ports(void);
int hy_netns_leave_ports(void);
/* Make the kernel interface of a tap outlive the forwarder (tap_persist.c). */
int hy_tap_persist(const char *ifname, char *err, size_t errlen);
/* Before EAL init: note which taps already exist, administratively down (link[].tap_kept_down). */
void hy_taps_note_admin_state(struct hy_fwd *fwd);
/* Interface flags through any socket (hy_if_socket): IFF_UP as 1 or 0, or a negative errno; set it. */
int hy_if_socket(void);
int hy_if_admin_up(int sock, const char *ifname);
int hy_if_set_admin_up(int sock, const char *ifname, bool up);
/* Name of the tap vdev of port i ("net_taphy<i>"). */
void hy_tap_vdev_name(unsigned int port, char *out, size_t len);

#endif
