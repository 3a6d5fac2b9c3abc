/* SPDX-License-Identifier: BSD-3-Clause */
/* Control handlers HELLO and STATS: counters of ports, queues, lcores, punt path (manager lcore). */
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "ctl_common.h"
#include "fib.h"
#include "fwd.h"
#include "server.h"

void hy_stats_tick(struct hy_fwd *fwd)
{
	for (uint16_t i = 0; i < fwd->n_lcores; i++) {
		const struct hy_lcore_stats *s = &fwd->lcores[i]->stats;
		uint64_t busy = s->busy_cycles, total = s->total_cycles;
		uint64_t db = busy - fwd->busy_window[i].busy, dt = total - fwd->busy_window[i].total;

		fwd->busy_window[i].ratio = dt > 0 ? (double)db / (double)dt : 0.0;
		fwd->busy_window[i].busy = busy;
		fwd->busy_window[i].total = total;
	}
}

static int handle_hello(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	struct hy_fwd *fwd = ctx;

	(void)req;
	return hy_ctl_reply_json(reply, json_pack("{s:i, s:s, s:i, s:i, s:s}", "version", HY_CTL_VERSION, "backend",
						  hy_fib_backend_name(hy_fib_backend(fwd->fib)), "ports",
						  (int)fwd->n_ports, "pid", (int)getpid(), "boot_id", fwd->boot_id));
}

static json_t *reasons_json(const uint64_t *v, unsigned int n, const char *(*name)(unsigned int))
{
	json_t *o = json_object();

	for (unsigned int i = 0; i < n; i++)
		json_object_set_new(o, name(i), json_integer((json_int_t)v[i]));
	return o;
}

static const char *drop_name(unsigned int i)
{
	return hy_drop_name((enum hy_drop)i);
}

static const char *punt_name(unsigned int i)
{
	return hy_punt_reason_name((enum hy_punt_reason)i);
}

static json_t *totals_json(const struct hy_lcore_stats *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "rx", (json_int_t)s->rx, "tx", (json_int_t)s->tx, "fwd4",
			 (json_int_t)s->fwd4, "fwd6", (json_int_t)s->fwd6, "fragments", (json_int_t)s->fragments,
			 "punted", (json_int_t)s->punted);
}

static json_t *lcore_json(struct hy_fwd *fwd, uint16_t i)
{
	const struct hy_lcore *lc = fwd->lcores[i];
	const struct hy_lcore_stats *s = &lc->stats;
	json_t *o = totals_json(s), *rxq = json_array();

	json_object_set_new(o, "lcore", json_integer(lc->lcore_id));
	json_object_set_new(o, "socket", json_integer(lc->socket));
	json_object_set_new(o, "busy_ratio", json_real(fwd->busy_window[i].ratio));
	json_object_set_new(o, "busy_ratio_total",
			    json_real(s->total_cycles ? (double)s->busy_cycles / (double)s->total_cycles : 0.0));
	json_object_set_new(o, "loops", json_integer((json_int_t)s->loops));
	for (uint16_t r = 0; r < lc->n_rx; r++)
		json_array_append_new(rxq, json_pack("{s:s, s:i}", "port", fwd->conf.ports[lc->rx[r].port].name,
						     "queue", lc->rx[r].queue));
	json_object_set_new(o, "rx_queues", rxq);
	json_object_set_new(o, "drops", reasons_json(s->drops, HY_DROP_MAX, drop_name));
	json_object_set_new(o, "punts", reasons_json(s->punts, HY_PUNT_REASON_MAX, punt_name));
	return o;
}

static json_t *policer_json(const struct hy_policer *p)
{
	return json_pack("{s:I, s:I, s:I}", "rate_pps", (json_int_t)p->rate, "passed", (json_int_t)p->passed,
			 "dropped", (json_int_t)p->dropped);
}

static json_t *port_stats_json(struct hy_fwd *fwd, uint16_t i)
{
	const struct hy_port *p = &fwd->ports[i];
	const struct hy_punt_port *pp = &fwd->punt[i];
	struct rte_eth_stats st;
	json_t *o, *queues = json_array();

	memset(&st, 0, sizeof(st));
	rte_eth_stats_get(p->dpdk_id, &st);
	o = json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name", fwd->conf.ports[i].name, "id",
		      (int)i, "rx_packets", (json_int_t)st.ipackets, "tx_packets", (json_int_t)st.opackets, "rx_bytes",
		      (json_int_t)st.ibytes, "tx_bytes", (json_int_t)st.obytes, "rx_missed", (json_int_t)st.imissed,
		      "rx_errors", (json_int_t)st.ierrors, "tx_errors", (json_int_t)st.oerrors, "rx_nombuf",
		      (json_int_t)st.rx_nombuf);
	for (uint16_t q = 0; q < fwd->conf.ports[i].rx_queues && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++)
		json_array_append_new(queues, json_pack("{s:i, s:I, s:I}", "queue", q, "rx_packets",
							(json_int_t)st.q_ipackets[q], "rx_bytes",
							(json_int_t)st.q_ibytes[q]));
	json_object_set_new(o, "rx_queues", queues);
	json_object_set_new(o, "admin_up", json_boolean(!hy_port_admin_down(fwd, i)));
	json_object_set_new(o, "link", json_pack("{s:b, s:I}", "up", fwd->link[i].up == 1, "changes",
						 (json_int_t)fwd->link[i].changes));
	json_object_set_new(o, "punt",
			    json_pack("{s:I, s:I, s:I, s:I, s:{s:o, s:o}}", "to_tap", (json_int_t)pp->to_tap,
				      "tap_tx_drops", (json_int_t)pp->tap_tx_drops, "from_tap",
				      (json_int_t)pp->from_tap, "inject_drops", (json_int_t)pp->inject_drops,
				      "policer", "priority", policer_json(&pp->policer[HY_PUNT_PRIORITY]), "normal",
				      policer_json(&pp->policer[HY_PUNT_NORMAL])));
	return o;
}

static int handle_stats(void *ctx, const struct hy_ctl_request *req, struct hy_ctl_reply *reply)
{
	struct hy_fwd *fwd = ctx;
	struct hy_lcore_stats sum;
	struct hy_ctl_counters cc = {0};
	uint64_t policed = 0;
	json_t *o, *ports = json_array(), *lcores = json_array();

	(void)req;
	memset(&sum, 0, sizeof(sum));
	for (uint16_t i = 0; i < fwd->n_lcores; i++) {
		hy_stats_add(&sum, &fwd->lcores[i]->stats);
		json_array_append_new(lcores, lcore_json(fwd, i));
	}
	for (uint16_t i = 0; i < fwd->n_ports; i++) {
		json_array_append_new(ports, port_stats_json(fwd, i));
		policed += fwd->punt[i].policer[0].dropped + fwd->punt[i].policer[1].dropped;
	}
	if (fwd->ctl != NULL)
		hy_ctl_server_counters(fwd->ctl, &cc);
	o = totals_json(&sum);
	json_object_set_new(o, "uptime_s", json_real((double)(rte_rdtsc() - fwd->start_tsc) / (double)fwd->hz));
	json_object_set_new(o, "policed", json_integer((json_int_t)policed));
	json_object_set_new(o, "drops", reasons_json(sum.drops, HY_DROP_MAX, drop_name));
	json_object_set_new(o, "punts", reasons_json(sum.punts, HY_PUNT_REASON_MAX, punt_name));
	json_object_set_new(o, "ports", ports);
	json_object_set_new(o, "lcores", lcores);
	json_object_set_new(o, "control",
			    json_pack("{s:I, s:I, s:I, s:I}", "requests", (json_int_t)cc.requests, "errors",
				      (json_int_t)cc.errors, "accepted", (json_int_t)cc.accepted, "closed",
				      (json_int_t)cc.closed));
	json_object_set_new(o, "fib", hy_ctl_fib_stats_json(fwd));
	return hy_ctl_reply_json(reply, o);
}

static const struct hy_ctl_handler hello = {HY_CTL_HELLO, "HELLO", handle_hello, 0, 0, false};
static const struct hy_ctl_handler stats = {HY_CTL_STATS, "STATS", handle_stats, 0, 0, false};
HY_CTL_HANDLER(hello)
HY_CTL_HANDLER(stats)
