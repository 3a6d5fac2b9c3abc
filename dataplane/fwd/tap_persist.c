/* SPDX-License-Identifier: BSD-3-Clause */
/* Keep the taps' kernel interfaces across a forwarder restart.  The tap PMD deletes its interface when its
 * last file descriptor closes, so a crash or restart would take every address, neighbour and route of the
 * port out of the kernel and make FRR's zebra see the interface vanish and come back with a new ifindex (with
 * a full table it did not recover).  A persistent tap survives with no carrier; the restarted forwarder's tap
 * PMD attaches to it again by name, and the kernel keeps its state.
 *
 * The tap's administrative state is the port's (link.c), and it survives a restart too: the tap PMD sets its
 * interface down when it stops and up when it starts, so the stop puts back what the operator had and the
 * start takes down again a tap that the operator had set down. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fwd.h"

int hy_tap_persist(const char *ifname, char *err, size_t errlen)
{
	/* Attach as one more queue with the tap PMD's own flags, then mark the device persistent. */
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC), rc = 0;

	if (fd < 0) {
		snprintf(err, errlen, "tap %s: cannot open /dev/net/tun: %s", ifname, strerror(errno));
		return -errno;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0) {
		snprintf(err, errlen, "tap %s: cannot make it persistent: %s", ifname, strerror(errno));
		rc = -errno;
	}
	close(fd);
	return rc;
}

int hy_if_admin_up(int sock, const char *ifname)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	return (ifr.ifr_flags & IFF_UP) != 0;
}

int hy_if_set_admin_up(int sock, const char *ifname, bool up)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags = (short)(up ? ifr.ifr_flags | IFF_UP : ifr.ifr_flags & ~IFF_UP);
	return ioctl(sock, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

int hy_if_socket(void)
{
	/* Any socket takes the interface ioctls (the kernel hands those its protocol does not know to the device
	 * layer); a netlink one needs no IP stack. */
	return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

void hy_taps_note_admin_state(struct hy_fwd *fwd)
{
	int sock = hy_if_socket();

	for (uint16_t i = 0; i < fwd->conf.n_ports && sock >= 0; i++)
		fwd->link[i].tap_kept_down = fwd->conf.ports[i].tap[0] &&
					     hy_if_admin_up(sock, fwd->conf.ports[i].tap) == 0;
	if (sock >= 0)
		close(sock);
}
