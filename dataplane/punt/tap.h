/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tap exchange: the punt path between the forwarders and the kernel.
 *
 * Forwarder lcores put punted mbufs (m->port = the hayate port whose tap
 * gets them) on their two single-producer rings (priority, normal); the
 * manager drains them through the per-port policer into the taps, and sends
 * what the kernel writes to each tap out of its port, unchanged.
 *
 * Contract: MANAGER LCORE only.
 */
#ifndef HY_PUNT_TAP_H
#define HY_PUNT_TAP_H

#include <stdint.h>

struct hy_fwd;

/* Set up every port's two token buckets from the punt section of the configuration. */
void hy_tap_policers_init(struct hy_fwd *fwd);

/* One pass of the exchange at TSC time now; returns the packets moved (0: idle). */
unsigned int hy_tap_exchange(struct hy_fwd *fwd, uint64_t now);

#endif
