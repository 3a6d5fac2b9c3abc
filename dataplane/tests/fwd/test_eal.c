/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit test of the EAL argument vector built from a configuration (fwd/eal.c). */
#include <string.h>

#include "check.h"
#include "config.h"
#include "fwd.h"

static int argv_index(char **argv, int argc, const char *arg)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], arg) == 0)
			return i;
	return -1;
}

static void build(const char *json, int extra_argc, char **extra, char ***argv, int *argc)
{
	struct hy_config conf;
	char err[512];

	CHECK_EQ(hy_config_parse(json, strlen(json), &conf, err, sizeof(err)), 0);
	CHECK_EQ(hy_eal_args(&conf, extra_argc, extra, argv, argc, err, sizeof(err)), 0);
	hy_config_free(&conf);
}

int main(void)
{
	static const char *json =
		"{\"version\": 1, \"eal\": [\"--no-pci\"], \"manager_lcore\": 2,"
		" \"ports\": [{\"name\": \"p0\", \"device\": \"0000:3b:00.0\", \"rx_queues\": 2},"
		"            {\"name\": \"p1\", \"device\": \"net_null0,no-rx=1\", \"tap\": null}],"
		" \"lcores\": [{\"lcore\": 4, \"rx\": [{\"port\": \"p0\", \"queue\": 0}, {\"port\": \"p1\", \"queue\": 0}]},"
		"             {\"lcore\": 6, \"rx\": [{\"port\": \"p0\", \"queue\": 1}]}]}";
	char *extra[] = {"--no-huge", "-m", "512"};
	char **argv;
	int argc, i;

	build(json, 3, extra, &argv, &argc);
	i = argv_index(argv, argc, "-l");
	CHECK(i > 0 && strcmp(argv[i + 1], "2,4,6") == 0);
	i = argv_index(argv, argc, "--main-lcore");
	CHECK(i > 0 && strcmp(argv[i + 1], "2") == 0);
	i = argv_index(argv, argc, "0000:3b:00.0");
	CHECK(i > 0 && strcmp(argv[i - 1], "-a") == 0); /* a PCI address is allowed, not a vdev */
	CHECK(argv_index(argv, argc, "--vdev") > 0);
	CHECK(argv_index(argv, argc, "net_taphy0,iface=p0") > 0); /* p0's tap (named after the port) */
	CHECK(argv_index(argv, argc, "net_null0,no-rx=1") > 0);
	CHECK(argv_index(argv, argc, "net_taphy1,iface=p1") < 0); /* p1 has no tap */
	CHECK(argv_index(argv, argc, "--no-pci") > argv_index(argv, argc, "net_null0,no-rx=1"));
	CHECK_EQ(strcmp(argv[argc - 1], "512"), 0); /* command-line extras come last */
	hy_eal_args_free(argv, argc);

	/* An explicit --lcores map in eal[] replaces -l. */
	build("{\"version\": 1, \"eal\": [\"--lcores\", \"0@1,1@0\"], \"ports\": [{\"name\": \"p0\", \"device\": "
	      "\"net_null0\"}], \"lcores\": [{\"lcore\": 1, \"rx\": [{\"port\": \"p0\", \"queue\": 0}]}]}",
	      0, NULL, &argv, &argc);
	CHECK(argv_index(argv, argc, "-l") < 0);
	CHECK(argv_index(argv, argc, "--lcores") > 0);
	hy_eal_args_free(argv, argc);

	/* With ports_netns the taps are not EAL's: they are made later, in the forwarder's own namespace. */
	build("{\"version\": 1, \"ports_netns\": \"wire\", \"ports\": [{\"name\": \"p0\", \"device\": "
	      "\"net_af_packet0,iface=p0-wire\"}], \"lcores\": [{\"lcore\": 1, \"rx\": [{\"port\": \"p0\", "
	      "\"queue\": 0}]}]}",
	      0, NULL, &argv, &argc);
	CHECK(argv_index(argv, argc, "net_af_packet0,iface=p0-wire") > 0);
	CHECK(argv_index(argv, argc, "net_taphy0,iface=p0") < 0);
	hy_eal_args_free(argv, argc);
	CHECK_DONE();
}
