/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hayate-fwd: start-up, the manager lcore's loop and the clean stop.
 *
 *   hayate-fwd -c FILE [-- EAL ARGS...]   run
 *   hayate-fwd --check-config FILE        validate and exit 0, or 1 with "FILE: path: message"
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "fib.h"
#include "fwd.h"
#include "nexthop.h"
#include "server.h"
#include "tap.h"

struct hy_fwd hy_fwd = {.link_nl = -1};

/* How often the manager serves the control socket (TSC ticks per second / this). */
#define CONTROL_POLLS_PER_S 10000
/* After this long without work the manager naps between passes (it is not on the packet path). */
#define MANAGER_IDLE_NAP_US 100
/* How often the ports' link state is read and mirrored to the taps. */
#define LINK_POLLS_PER_S 10

static void on_signal(int sig)
{
	(void)sig;
	hy_fwd.stop = true;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hayate-fwd -c FILE [-- EAL-ARGS...]\n"
		   "       hayate-fwd --check-config FILE\n"
		   "Runs the hayate forwarder with the JSON configuration FILE (docs/config.md).\n");
}

static void make_boot_id(char *out, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/uuid", "r");

	if (f == NULL || fgets(out, (int)len, f) == NULL)
		snprintf(out, len, "%lx-%d", (unsigned long)rte_rdtsc(), getpid());
	if (f != NULL)
		fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

static int fib_init(struct hy_fwd *fwd, char *err, size_t errlen)
{
	struct hy_fib_conf fc = {
		.backend = fwd->conf.fib.backend == HY_CONF_FIB_RTE_FIB ? HY_FIB_RTE_FIB : HY_FIB_POPTRIE,
		.max_routes4 = fwd->conf.fib.max_routes4,
		.max_routes6 = fwd->conf.fib.max_routes6,
		.name = "hy_fib",
	};
	size_t sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	int rc;

	fwd->qsbr = rte_zmalloc("hy_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (fwd->qsbr == NULL || rte_rcu_qsbr_init(fwd->qsbr, RTE_MAX_LCORE) != 0) {
		snprintf(err, errlen, "cannot allocate the RCU QSBR variable");
		return -ENOMEM;
	}
	fc.qsbr = fwd->qsbr;
	/* One lookup copy per NUMA node that has forwarder lcores. */
	for (uint16_t i = 0; i < fwd->conf.n_lcores; i++) {
		int s = (int)rte_lcore_to_socket_id(fwd->conf.lcores[i].lcore);
		bool seen = false;
		for (unsigned int k = 0; k < fc.n_numa; k++)
			seen |= fc.numa[k] == s;
		if (!seen && fc.n_numa < HY_FIB_MAX_NUMA)
			fc.numa[fc.n_numa++] = s;
	}
	if ((rc = hy_fib_create(&fc, &fwd->fib, err, errlen)) < 0)
		return rc;
	rc = hy_nh_table_create(fwd->conf.n_ports, fc.numa[0], fwd->qsbr, &fwd->nh);
	if (rc < 0) {
		snprintf(err, errlen, "cannot allocate the next-hop table");
		return rc;
	}
	fwd->nh_entries = hy_nh_entries(fwd->nh);
	fwd->no_route_punt = fwd->conf.punt.no_route_punt;
	return 0;
}

static void manager_loop(struct hy_fwd *fwd)
{
	uint64_t ctl_period = fwd->hz / CONTROL_POLLS_PER_S, last_ctl = 0, last_tick = rte_rdtsc(), idle_since;
	uint64_t link_period = fwd->hz / LINK_POLLS_PER_S, last_link = 0;

	idle_since = last_tick;
	while (!fwd->stop) {
		uint64_t now = rte_rdtsc();
		unsigned int work = hy_tap_exchange(fwd, now);

		if (now - last_ctl >= ctl_period) {
			work += (unsigned int)hy_ctl_server_poll(fwd->ctl);
			hy_fib_reclaim(fwd->fib);
			last_ctl = now;
		}
		if (now - last_link >= link_period) {
			hy_link_poll(fwd);
			last_link = now;
		}
		if (now - last_tick >= fwd->hz) {
			hy_stats_tick(fwd);
			last_tick = now;
		}
		if (work > 0)
			idle_since = now;
		else if (now - idle_since > fwd->hz / 1000)
			rte_delay_us_sleep(MANAGER_IDLE_NAP_US);
	}
}

static int run(const char *file, int extra_argc, char **extra_argv)
{
	struct hy_fwd *fwd = &hy_fwd;
	char err[512];
	char **argv = NULL, **eal_argv = NULL;
	int argc = 0, rc;

	if (hy_config_load(file, &fwd->conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "hayate-fwd: %s\n", err);
		return 1;
	}
	if (hy_eal_args(&fwd->conf, extra_argc, extra_argv, &argv, &argc, err, sizeof(err)) < 0) {
		fprintf(stderr, "hayate-fwd: %s\n", err);
		return 1;
	}
	/* rte_eal_init permutes its argv: hand it a copy and free ours. */
	eal_argv = calloc((size_t)argc + 1, sizeof(*eal_argv));
	memcpy(eal_argv, argv, (size_t)argc * sizeof(*eal_argv));
	hy_taps_note_admin_state(fwd);
	if (hy_eal_init(&fwd->conf, argc, eal_argv, err, sizeof(err)) < 0) {
		fprintf(stderr, "hayate-fwd: %s\n", err);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	fwd->hz = rte_get_tsc_hz();
	fwd->start_tsc = rte_rdtsc();
	make_boot_id(fwd->boot_id, sizeof(fwd->boot_id));

	if ((rc = hy_ports_probe(fwd, err, sizeof(err))) < 0 || (rc = fib_init(fwd, err, sizeof(err))) < 0 ||
	    (rc = hy_lcores_init(fwd, err, sizeof(err))) < 0 || (rc = hy_ports_init(fwd, err, sizeof(err))) < 0 ||
	    (rc = hy_link_init(fwd, err, sizeof(err))) < 0) {
		fprintf(stderr, "hayate-fwd: %s\n", err);
		goto out;
	}
	hy_tap_policers_init(fwd);
	struct hy_ctl_server_conf cc = {
		.path = fwd->conf.control.socket,
		.mode = fwd->conf.control.mode,
		.group = fwd->conf.control.group,
		.max_clients = 16,
		.ctx = fwd,
	};
	if ((rc = hy_ctl_server_create(&cc, &fwd->ctl, err, sizeof(err))) < 0) {
		fprintf(stderr, "hayate-fwd: %s\n", err);
		goto out;
	}
	for (uint16_t i = 0; i < fwd->n_lcores; i++) {
		rc = rte_eal_remote_launch(hy_lcore_main, fwd->lcores[i], fwd->lcores[i]->lcore_id);
		if (rc != 0) {
			fprintf(stderr, "hayate-fwd: lcores[%u]: cannot launch lcore %u: %s\n", i,
				fwd->lcores[i]->lcore_id, rte_strerror(-rc));
			fwd->stop = true;
			goto out;
		}
	}
	fprintf(stderr, "hayate-fwd: forwarding on %u ports with %u lcores; control socket %s\n", fwd->n_ports,
		fwd->n_lcores, fwd->conf.control.socket);
	sd_notify(0, "READY=1\nSTATUS=forwarding");
	manager_loop(fwd);
	sd_notify(0, "STOPPING=1");
	fprintf(stderr, "hayate-fwd: stopping\n");
	rc = 0;
out:
	fwd->stop = true;
	rte_eal_mp_wait_lcore();
	hy_ctl_server_destroy(fwd->ctl);
	fwd->ctl = NULL;
	hy_link_close(fwd);
	hy_ports_stop(fwd);
	hy_nh_table_free(fwd->nh);
	hy_fib_free(fwd->fib);
	rte_free(fwd->qsbr);
	for (uint16_t i = 0; i < fwd->n_lcores; i++) {
		for (int c = 0; c < HY_PUNT_CLASSES; c++) {
			void *m = NULL;
			while (fwd->lcores[i]->punt[c] != NULL && rte_ring_dequeue(fwd->lcores[i]->punt[c], &m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(fwd->lcores[i]->punt[c]);
		}
		rte_free(fwd->lcores[i]);
	}
	rte_eal_cleanup();
	hy_eal_args_free(argv, argc);
	free(eal_argv);
	hy_config_free(&fwd->conf);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *file = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			file = optarg;
			break;
		case 'C': {
			struct hy_config conf;
			char err[512];
			if (hy_config_load(optarg, &conf, err, sizeof(err)) < 0) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
			hy_config_free(&conf);
			return 0;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (file == NULL) {
		usage(stderr);
		return 2;
	}
	return run(file, argc - optind, argv + optind);
}
