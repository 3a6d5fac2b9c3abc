/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL start-up, and the ports' network namespace (config ports_netns).  net_af_packet and net_af_xdp open
 * their sockets and make their interface ioctls (MTU, promiscuous mode) by interface name in the calling
 * thread's namespace, so the main thread enters that namespace to probe, configure, start and stop the ports,
 * and returns to its own, where the taps live, for everything else. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "fwd.h"

static int own_ns = -1, ports_ns = -1;

int hy_netns_open(const char *name, char *err, size_t errlen)
{
	char path[128];

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if ((own_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "ports_netns: cannot open our own namespace: %s", strerror(errno));
		return -errno;
	}
	if ((ports_ns = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "ports_netns: cannot enter %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int enter(int fd, const char *which)
{
	if (fd < 0 || setns(fd, CLONE_NEWNET) == 0)
		return 0;
	fprintf(stderr, "hayate-fwd: cannot enter %s network namespace: %s\n", which, strerror(errno));
	return -errno;
}

int hy_netns_enter_ports(void)
{
	return enter(ports_ns, "the ports'");
}

int hy_netns_leave_ports(void)
{
	return enter(own_ns, "our own");
}

static int taps_create(const struct hy_config *conf, char *err, size_t errlen)
{
	for (uint16_t i = 0; i < conf->n_ports; i++) {
		char name[32], args[64];
		int rc;

		if (conf->ports[i].tap[0] == '\0')
			continue;
		hy_tap_vdev_name(i, name, sizeof(name));
		snprintf(args, sizeof(args), "iface=%s", conf->ports[i].tap);
		if ((rc = rte_eal_hotplug_add("vdev", name, args)) < 0) {
			snprintf(err, errlen, "ports[%u].tap: cannot create tap \"%s\": %s", i, conf->ports[i].tap,
				 rte_strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int hy_eal_init(const struct hy_config *conf, int argc, char **argv, char *err, size_t errlen)
{
	if (conf->ports_netns[0] == '\0') {
		if (rte_eal_init(argc, argv) < 0) {
			snprintf(err, errlen, "EAL initialisation failed: %s", rte_strerror(rte_errno));
			return -1;
		}
		return 0;
	}
	if (hy_netns_open(conf->ports_netns, err, errlen) < 0 || hy_netns_enter_ports() < 0)
		return -1;
	/* EAL's own threads start in ports_netns; none of them opens sockets by interface name. */
	int rc = rte_eal_init(argc, argv);
	if (rc < 0)
		snprintf(err, errlen, "EAL initialisation failed (ports in namespace %s): %s", conf->ports_netns,
			 rte_strerror(rte_errno));
	if (hy_netns_leave_ports() < 0) {
		snprintf(err, errlen, "ports_netns: cannot return to our own namespace");
		return -1;
	}
	return rc < 0 ? rc : taps_create(conf, err, errlen);
}
