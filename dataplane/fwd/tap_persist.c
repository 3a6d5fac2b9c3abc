/* SPDX-License-Identifier: BSD-3-Clause */
/* Keep the taps' kernel interfaces across a forwarder restart.  The tap PMD deletes its interface when its
 * last file descriptor closes, so a crash or restart would take every address, neighbour and route of the
 * port out of the kernel and make FRR's zebra see the interface vanish and come back with a new ifindex (with
 * a full table it did not recover).  A persistent tap survives with no carrier; the restarted forwarder's tap
 * PMD attaches to it again by name, and the kernel keeps its state. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
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
