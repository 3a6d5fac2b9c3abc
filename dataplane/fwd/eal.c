/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL argument vector built from the configuration (main thread, before rte_eal_init). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwd.h"

#define MAX_ARGS (HY_MAX_EAL_ARGS + 4 * HY_MAX_PORTS + 16)

void hy_tap_vdev_name(unsigned int port, char *out, size_t len)
{
	/* The vdev bus matches drivers by prefix: "net_tap" + a suffix of ours. */
	snprintf(out, len, "net_taphy%u", port);
}

/* 0000:3b:00.0 or 3b:00.0, optionally followed by ",devargs". */
static bool is_pci(const char *dev)
{
	size_t n = strcspn(dev, ",");
	unsigned int d, b, s, f;
	char tail;

	if (n == 12 && sscanf(dev, "%4x:%2x:%2x.%1u%c", &d, &b, &s, &f, &tail) >= 4)
		return isxdigit((unsigned char)dev[0]) != 0;
	if (n == 7 && sscanf(dev, "%2x:%2x.%1u%c", &b, &s, &f, &tail) >= 3)
		return isxdigit((unsigned char)dev[0]) != 0;
	return false;
}

static bool has_arg(const struct hy_config *conf, const char *opt)
{
	size_t n = strlen(opt);

	for (unsigned int i = 0; i < conf->n_eal; i++)
		if (strncmp(conf->eal[i], opt, n) == 0 && (conf->eal[i][n] == '\0' || conf->eal[i][n] == '='))
			return true;
	return false;
}

static int push(char **argv, int *argc, const char *fmt, const char *s1, const char *s2)
{
	if (*argc >= MAX_ARGS - 1)
		return -E2BIG;
	if (asprintf(&argv[*argc], fmt, s1, s2) < 0)
		return -ENOMEM;
	(*argc)++;
	return 0;
}

int hy_eal_args(const struct hy_config *conf, int extra_argc, char **extra_argv, char ***argv_out, int *argc_out,
		char *err, size_t errlen)
{
	char **argv = calloc(MAX_ARGS + (size_t)extra_argc, sizeof(*argv));
	char lcores[1024], num[16];
	int argc = 0, rc = 0;
	size_t off;

	if (argv == NULL)
		return -ENOMEM;
	off = (size_t)snprintf(lcores, sizeof(lcores), "%u", conf->manager_lcore);
	for (uint16_t i = 0; i < conf->n_lcores && off < sizeof(lcores); i++)
		off += (size_t)snprintf(lcores + off, sizeof(lcores) - off, ",%u", conf->lcores[i].lcore);
	snprintf(num, sizeof(num), "%u", conf->manager_lcore);
	rc |= push(argv, &argc, "%s%s", "hayate-fwd", "");
	/* An explicit lcore map in eal[] (--lcores 0@0,1@2,... to pin lcores to other CPUs) replaces -l. */
	if (!has_arg(conf, "--lcores") && !has_arg(conf, "-l") && !has_arg(conf, "-c")) {
		rc |= push(argv, &argc, "%s%s", "-l", "");
		rc |= push(argv, &argc, "%s%s", lcores, "");
	}
	if (!has_arg(conf, "--main-lcore")) {
		rc |= push(argv, &argc, "%s%s", "--main-lcore", "");
		rc |= push(argv, &argc, "%s%s", num, "");
	}
	for (uint16_t i = 0; i < conf->n_ports; i++) {
		const struct hy_port_conf *p = &conf->ports[i];
		char tap[32];

		rc |= push(argv, &argc, "%s%s", is_pci(p->device) ? "-a" : "--vdev", "");
		rc |= push(argv, &argc, "%s%s", p->device, "");
		/* With ports_netns the taps are made after EAL init, back in our own namespace. */
		if (p->tap[0] && conf->ports_netns[0] == '\0') {
			hy_tap_vdev_name(i, tap, sizeof(tap));
			rc |= push(argv, &argc, "%s%s", "--vdev", "");
			rc |= push(argv, &argc, "%s,iface=%s", tap, p->tap);
		}
	}
	for (unsigned int i = 0; i < conf->n_eal; i++)
		rc |= push(argv, &argc, "%s%s", conf->eal[i], "");
	for (int i = 0; i < extra_argc; i++)
		rc |= push(argv, &argc, "%s%s", extra_argv[i], "");
	if (rc != 0) {
		hy_eal_args_free(argv, argc);
		snprintf(err, errlen, "eal: too many arguments");
		return -E2BIG;
	}
	*argv_out = argv;
	*argc_out = argc;
	return 0;
}

void hy_eal_args_free(char **argv, int argc)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}
