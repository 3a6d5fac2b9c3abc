/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hayate-fwd configuration: the JSON file of docs/config.md, parsed and
 * validated into plain structures.  No DPDK here, so the loader runs before
 * EAL initialisation (--check-config) and inside its fuzz target.
 *
 * Contract: main thread only, before the lcores start.  Errors come back as
 * -EINVAL with "path.to.field: message" in the caller's buffer.
 */
#ifndef HY_CONFIG_H
#define HY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HY_MAX_PORTS 32
#define HY_MAX_RXQ 64
#define HY_MAX_VLANS 64
#define HY_MAX_LCORES 128 /* DPDK's RTE_MAX_LCORE on Debian */
#define HY_MAX_EAL_ARGS 64
#define HY_NAME_MAX 16 /* IFNAMSIZ */
#define HY_PATH_MAX 108 /* sun_path */
#define HY_DEVICE_MAX 256
#define HY_NETNS_MAX 64 /* a name under /run/netns */

struct hy_vlan_conf {
	uint16_t id;
	char name[HY_NAME_MAX];
};

struct hy_port_conf {
	char name[HY_NAME_MAX];
	char device[HY_DEVICE_MAX];
	uint16_t rx_queues;
	uint16_t mtu;
	bool has_mac;
	uint8_t mac[6];
	char tap[HY_NAME_MAX]; /* empty: no tap */
	uint16_t n_vlans;
	struct hy_vlan_conf vlans[HY_MAX_VLANS];
	uint16_t rx_desc, tx_desc;
	uint8_t urpf; /* enum hy_urpf: how the source of what the port receives is checked */
};

/* Unicast RPF of a port ("urpf", RFC 3704): loose drops a source without a route (or with a blackhole
 * route), strict also one whose route does not lead back out of the interface the packet came in on. */
enum hy_urpf {
	HY_URPF_OFF,
	HY_URPF_LOOSE,
	HY_URPF_STRICT,
};
extern const char *const hy_urpf_names[]; /* "off", "loose", "strict" */

struct hy_rxq_conf {
	uint16_t port; /* index in hy_config.ports */
	uint16_t queue;
};

struct hy_lcore_conf {
	unsigned int lcore;
	uint16_t n_rx;
	struct hy_rxq_conf rx[HY_MAX_PORTS * HY_MAX_RXQ];
};

enum hy_fib_backend_conf { HY_CONF_FIB_POPTRIE = 0, HY_CONF_FIB_RTE_FIB = 1 };

struct hy_config {
	unsigned int n_eal;
	char *eal[HY_MAX_EAL_ARGS]; /* owned, freed by hy_config_free */
	unsigned int manager_lcore;
	char ports_netns[HY_NETNS_MAX]; /* namespace holding the ports' kernel interfaces; "": our own */
	uint16_t n_ports;
	struct hy_port_conf ports[HY_MAX_PORTS];
	uint16_t n_lcores;
	struct hy_lcore_conf *lcores; /* n_lcores entries, owned */
	struct {
		enum hy_fib_backend_conf backend;
		uint32_t max_routes4, max_routes6;
	} fib;
	struct {
		bool no_route_punt;
		uint32_t rate_pps, burst, priority_rate_pps, priority_burst;
	} punt;
	struct {
		uint32_t count, cache;
	} mbuf;
	struct {
		char socket[HY_PATH_MAX];
		uint32_t mode;
		char group[64]; /* empty: none */
	} control;
};

/* Parse and validate a JSON text.  On success *conf is filled (release with
 * hy_config_free).  On error returns -EINVAL, conf is left freed and err holds
 * "path: message". */
int hy_config_parse(const char *text, size_t len, struct hy_config *conf, char *err, size_t errlen);

/* Same from a file; errors are prefixed with the file name ("FILE: path: msg"). */
int hy_config_load(const char *file, struct hy_config *conf, char *err, size_t errlen);

void hy_config_free(struct hy_config *conf);

/* Index of the port with that name, or -1. */
int hy_config_port_index(const struct hy_config *conf, const char *name);

#endif
