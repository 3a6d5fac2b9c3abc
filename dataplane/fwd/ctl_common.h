/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON renderings shared by the control handlers of hayate-fwd (manager lcore). */
#ifndef HY_CTL_COMMON_H
#define HY_CTL_COMMON_H

#include <jansson.h>
#include <stdint.h>

struct hy_fwd;

/* {"id","kind",...} of a next hop or group. */
json_t *hy_ctl_nh_json(struct hy_fwd *fwd, uint32_t id);
json_t *hy_ctl_fib_stats_json(struct hy_fwd *fwd);

#endif
