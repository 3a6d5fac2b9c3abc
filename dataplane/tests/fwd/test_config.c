/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the configuration loader: defaults, the documented example, and errors naming the field. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "config.h"

#define BASE_PORTS "\"ports\": [{\"name\": \"p0\", \"device\": \"net_null0\"}]"
#define BASE_LCORES "\"lcores\": [{\"lcore\": 1, \"rx\": [{\"port\": \"p0\", \"queue\": 0}]}]"

static int parse(const char *text, struct hy_config *conf, char *err, size_t errlen)
{
	return hy_config_parse(text, strlen(text), conf, err, errlen);
}

static void expect_error(const char *text, const char *message)
{
	struct hy_config conf;
	char err[512] = "";

	if (parse(text, &conf, err, sizeof(err)) == 0) {
		fprintf(stderr, "accepted, expected \"%s\": %s\n", message, text);
		hy_config_free(&conf);
		check_failures++;
		return;
	}
	if (strstr(err, message) == NULL) {
		fprintf(stderr, "error \"%s\" does not contain \"%s\"\n", err, message);
		check_failures++;
	}
}

static void test_minimal_gets_defaults(void)
{
	struct hy_config c;
	char err[512];

	CHECK_EQ(parse("{\"version\": 1, " BASE_PORTS ", " BASE_LCORES "}", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.n_ports, 1);
	CHECK_EQ(c.ports[0].rx_queues, 1);
	CHECK_EQ(c.ports[0].mtu, 1500);
	CHECK(strcmp(c.ports[0].tap, "p0") == 0); /* tap defaults to the name */
	CHECK_EQ(c.ports[0].has_mac, 0);
	CHECK_EQ(c.ports[0].urpf, HY_URPF_OFF);
	CHECK_EQ(c.manager_lcore, 0);
	CHECK_EQ(c.fib.max_routes4, 2097152);
	CHECK_EQ(c.punt.no_route_punt, 1);
	CHECK_EQ(c.punt.priority_rate_pps, 50000);
	CHECK(strcmp(c.control.socket, "/run/hayate/fwd.sock") == 0);
	CHECK_EQ(c.control.mode, 0600);
	hy_config_free(&c);
}

static void test_documented_example(void)
{
	static const char *text =
		"{\"version\": 1, \"eal\": [\"--no-pci\", \"--in-memory\"], \"manager_lcore\": 0,"
		" \"ports\": [{\"name\": \"p0\", \"device\": \"net_af_packet0,iface=p0-wire\", \"rx_queues\": 1,"
		" \"mtu\": 1500, \"mac\": \"02:00:00:00:00:01\", \"tap\": \"p0\","
		" \"vlans\": [{\"id\": 100, \"name\": \"p0.100\"}], \"rx_desc\": 1024, \"tx_desc\": 1024,"
		" \"urpf\": \"loose\"}],"
		" \"lcores\": [{\"lcore\": 1, \"rx\": [{\"port\": \"p0\", \"queue\": 0}]}],"
		" \"fib\": {\"backend\": \"poptrie\", \"max_routes4\": 2097152, \"max_routes6\": 524288},"
		" \"punt\": {\"no_route\": \"punt\", \"rate_pps\": 20000, \"burst\": 2000, \"priority_rate_pps\": 50000,"
		" \"priority_burst\": 5000}, \"mbuf\": {\"count\": 32767, \"cache\": 256},"
		" \"control\": {\"socket\": \"/run/hayate/fwd.sock\", \"mode\": \"0660\", \"group\": null},"
		" \"agent\": {\"source\": \"netlink\", \"tables\": [\"main\"], \"anything\": {\"the\": \"agent's\"}}}";
	struct hy_config c;
	char err[512];

	CHECK_EQ(parse(text, &c, err, sizeof(err)), 0);
	CHECK_EQ(c.n_eal, 2);
	CHECK_EQ(c.ports[0].has_mac, 1);
	CHECK_EQ(c.ports[0].mac[5], 1);
	CHECK_EQ(c.ports[0].n_vlans, 1);
	CHECK_EQ(c.ports[0].vlans[0].id, 100);
	CHECK_EQ(c.ports[0].urpf, HY_URPF_LOOSE);
	CHECK_EQ(c.control.mode, 0660);
	CHECK_EQ(c.lcores[0].n_rx, 1);
	hy_config_free(&c);
}

static void test_urpf_strict(void)
{
	struct hy_config c;
	char err[512];

	CHECK_EQ(parse("{\"version\": 1, \"ports\": [{\"name\": \"p0\", \"device\": \"net_null0\", \"urpf\": \"strict\"}], "
		       BASE_LCORES "}", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.ports[0].urpf, HY_URPF_STRICT);
	hy_config_free(&c);
}

static void test_errors_name_the_field(void)
{
	expect_error("{\"version\": 2, " BASE_PORTS ", " BASE_LCORES "}", "version: must be an integer 1..1, got 2");
	expect_error("{\"version\": 1, \"colour\": 1, " BASE_PORTS ", " BASE_LCORES "}", "colour: unknown field");
	expect_error("{\"version\": 1, \"ports\": [{\"name\": \"p0\", \"device\": \"x\", \"rx_queues\": \"two\"}], "
		     BASE_LCORES "}",
		     "ports[0].rx_queues: must be an integer 1..64, got \"two\"");
	expect_error("{\"version\": 1, \"ports\": [{\"name\": \"p0\", \"device\": \"x\", \"speed\": 1}], " BASE_LCORES "}",
		     "ports[0].speed: unknown field");
	expect_error("{\"version\": 1, \"ports\": [{\"name\": \"p0\", \"device\": \"x\", \"mac\": \"01:00:5e:00:00:01\"}], "
		     BASE_LCORES "}",
		     "ports[0].mac: must be a unicast MAC");
	expect_error("{\"version\": 1, \"ports\": [{\"name\": \"p0\", \"device\": \"x\", \"urpf\": \"both\"}], "
		     BASE_LCORES "}",
		     "ports[0].urpf: must be \"off\", \"loose\" or \"strict\", got \"both\"");
	expect_error("{\"version\": 1, \"ports\": [{\"name\": \"p0\", \"device\": \"x\", \"vlans\": [{\"id\": 4095, "
		     "\"name\": \"v\"}]}], " BASE_LCORES "}",
		     "ports[0].vlans[0].id: must be an integer 1..4094");
	expect_error("{\"version\": 1, " BASE_PORTS ", \"lcores\": [{\"lcore\": 1, \"rx\": [{\"port\": \"p9\", "
		     "\"queue\": 0}]}]}",
		     "lcores[0].rx[0].port: no port named \"p9\"");
	expect_error("{\"version\": 1, " BASE_PORTS ", \"lcores\": [{\"lcore\": 0, \"rx\": []}]}",
		     "lcores[0].lcore: lcore 0 is the manager_lcore");
	expect_error("{\"version\": 1, " BASE_PORTS ", \"lcores\": [{\"lcore\": 1, \"rx\": []}]}",
		     "ports[0].rx_queues: queue 0 of port p0 is polled by no lcore");
	expect_error("{\"version\": 1, " BASE_PORTS ", \"lcores\": [{\"lcore\": 1, \"rx\": [{\"port\": \"p0\", "
		     "\"queue\": 0}]}, {\"lcore\": 2, \"rx\": [{\"port\": \"p0\", \"queue\": 0}]}]}",
		     "lcores[1].rx[0].queue: queue 0 of port p0 is already polled");
	expect_error("{\"version\": 1, " BASE_PORTS ", " BASE_LCORES ", \"fib\": {\"backend\": \"trie\"}}",
		     "fib.backend: must be \"poptrie\" or \"rte_fib\"");
	expect_error("{\"version\": 1, " BASE_PORTS ", " BASE_LCORES ", \"punt\": {\"no_route\": \"maybe\"}}",
		     "punt.no_route: must be \"punt\" or \"drop\"");
	expect_error("{\"version\": 1, " BASE_PORTS ", " BASE_LCORES ", \"control\": {\"mode\": \"0999\"}}",
		     "control.mode: must be an octal mode string");
	expect_error("{\"version\": 1, " BASE_PORTS ", " BASE_LCORES ", \"control\": {\"socket\": \"rel/x\"}}",
		     "control.socket: must be an absolute path");
	expect_error("{\"version\": 1, " BASE_LCORES "}", "ports: required");
	expect_error("{\"version\": 1, \"ports\": [{\"name\": \"p0\", \"device\": \"a\"}, {\"name\": \"p0\", "
		     "\"device\": \"b\"}], " BASE_LCORES "}",
		     "ports[1].name: \"p0\" is also the name of ports[0]");
	expect_error("{\"version\": 1, " BASE_PORTS ", " BASE_LCORES ", \"agent\": 3}", "agent: must be an object");
	expect_error("{\"version\": 1,", "(json): line 1");
	expect_error("[1]", "(top): must be an object");
}

int main(void)
{
	test_minimal_gets_defaults();
	test_documented_example();
	test_urpf_strict();
	test_errors_name_the_field();
	CHECK_DONE();
}
