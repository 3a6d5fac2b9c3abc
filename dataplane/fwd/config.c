/* SPDX-License-Identifier: BSD-3-Clause */
/* Configuration loader: JSON (jansson) -> struct hy_config, every error names its field. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parse_ctx {
	char *err;
	size_t errlen;
};

#define PATH_LEN 96

static int fail(struct parse_ctx *ctx, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parse_ctx *ctx, const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ctx->err, ctx->errlen, "%s: %s", path, msg);
	return -EINVAL;
}

/* A short rendering of a JSON value for messages: got "two", got 3.5. */
static const char *show(const json_t *v, char *buf, size_t len)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	if (s == NULL) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (strlen(s) > 40)
		snprintf(buf, len, "%.37s...", s);
	else
		snprintf(buf, len, "%s", s);
	free(s);
	return buf;
}

static int check_keys(struct parse_ctx *ctx, const char *path, const json_t *obj, const char *const *known)
{
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)obj, key, val) {
		bool ok = false;
		for (const char *const *k = known; *k != NULL; k++)
			if (strcmp(key, *k) == 0)
				ok = true;
		if (!ok) {
			char p[PATH_LEN + 64];
			snprintf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", key);
			return fail(ctx, p, "unknown field");
		}
	}
	return 0;
}

static void join(char *out, const char *path, const char *key)
{
	snprintf(out, PATH_LEN, "%s%s%s", path, path[0] ? "." : "", key);
}

/* Optional integer field in [lo, hi]; absent leaves *out at its default. */
static int get_int(struct parse_ctx *ctx, const json_t *obj, const char *path, const char *key, int64_t lo,
		   int64_t hi, bool required, int64_t *out)
{
	char p[PATH_LEN], buf[64];
	json_t *v = json_object_get(obj, key);

	join(p, path, key);
	if (v == NULL) {
		if (required)
			return fail(ctx, p, "required");
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return fail(ctx, p, "must be an integer %lld..%lld, got %s", (long long)lo, (long long)hi,
			    show(v, buf, sizeof(buf)));
	*out = json_integer_value(v);
	return 0;
}

static int get_u32(struct parse_ctx *ctx, const json_t *obj, const char *path, const char *key, int64_t lo,
		   int64_t hi, uint32_t *out)
{
	int64_t v = *out;
	int rc = get_int(ctx, obj, path, key, lo, hi, false, &v);

	*out = (uint32_t)v;
	return rc;
}

static int get_u16(struct parse_ctx *ctx, const json_t *obj, const char *path, const char *key, int64_t lo,
		   int64_t hi, uint16_t *out)
{
	int64_t v = *out;
	int rc = get_int(ctx, obj, path, key, lo, hi, false, &v);

	*out = (uint16_t)v;
	return rc;
}

/* String field copied into out[outlen]; null allowed when nullable (out becomes ""). */
static int get_str(struct parse_ctx *ctx, const json_t *obj, const char *path, const char *key, size_t minlen,
		   size_t outlen, bool required, bool nullable, char *out, bool *present)
{
	char p[PATH_LEN], buf[64];
	json_t *v = json_object_get(obj, key);

	join(p, path, key);
	if (present != NULL)
		*present = v != NULL;
	if (v == NULL)
		return required ? fail(ctx, p, "required") : 0;
	if (json_is_null(v) && nullable) {
		out[0] = '\0';
		return 0;
	}
	if (!json_is_string(v))
		return fail(ctx, p, "must be a string%s, got %s", nullable ? " or null" : "",
			    show(v, buf, sizeof(buf)));
	size_t n = json_string_length(v);
	if (n < minlen || n >= outlen || strlen(json_string_value(v)) != n)
		return fail(ctx, p, "must be %zu..%zu characters, got %s", minlen, outlen - 1,
			    show(v, buf, sizeof(buf)));
	memcpy(out, json_string_value(v), n + 1);
	return 0;
}

static const json_t *get_obj(struct parse_ctx *ctx, const json_t *obj, const char *path, const char *key,
			     int *rc)
{
	char p[PATH_LEN], buf[64];
	json_t *v = json_object_get(obj, key);

	*rc = 0;
	if (v != NULL && !json_is_object(v)) {
		join(p, path, key);
		*rc = fail(ctx, p, "must be an object, got %s", show(v, buf, sizeof(buf)));
		return NULL;
	}
	return v;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
				      &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (s[i * 3] == '+' || s[i * 3] == '-' || s[i * 3] == ' ' || s[i * 3 + 1] == ' ')
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static bool valid_ifname(const char *s)
{
	for (; *s; s++)
		if (*s == '/' || *s == ' ' || *s == ':' || *s == '\t' || *s == '\n' || *s == ',' || *s == '=')
			return false;
	return true;
}

static int parse_vlans(struct parse_ctx *ctx, const json_t *arr, const char *path, struct hy_port_conf *port)
{
	char p[PATH_LEN], buf[64];
	static const char *const keys[] = {"id", "name", NULL};
	size_t i;
	json_t *v;
	int rc;

	if (!json_is_array(arr))
		return fail(ctx, path, "must be a list, got %s", show(arr, buf, sizeof(buf)));
	if (json_array_size(arr) > HY_MAX_VLANS)
		return fail(ctx, path, "at most %d VLANs", HY_MAX_VLANS);
	json_array_foreach(arr, i, v) {
		struct hy_vlan_conf *vl = &port->vlans[i];
		int64_t id = 0;

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (!json_is_object(v))
			return fail(ctx, p, "must be an object, got %s", show(v, buf, sizeof(buf)));
		if ((rc = check_keys(ctx, p, v, keys)) < 0 ||
		    (rc = get_int(ctx, v, p, "id", 1, 4094, true, &id)) < 0 ||
		    (rc = get_str(ctx, v, p, "name", 1, HY_NAME_MAX, true, false, vl->name, NULL)) < 0)
			return rc;
		vl->id = (uint16_t)id;
		for (size_t j = 0; j < i; j++) {
			if (port->vlans[j].id == vl->id) {
				char q[PATH_LEN + 8];
				snprintf(q, sizeof(q), "%s.id", p);
				return fail(ctx, q, "VLAN %u is declared twice", vl->id);
			}
		}
		if (!valid_ifname(vl->name)) {
			char q[PATH_LEN + 8];
			snprintf(q, sizeof(q), "%s.name", p);
			return fail(ctx, q, "not a valid interface name: \"%s\"", vl->name);
		}
		port->n_vlans++;
	}
	return 0;
}

const char *const hy_urpf_names[] = {"off", "loose", "strict"};

static int parse_port(struct parse_ctx *ctx, const json_t *v, const char *p, struct hy_port_conf *port)
{
	static const char *const keys[] = {"name", "device", "rx_queues", "mtu", "mac", "tap",
					   "vlans", "rx_desc", "tx_desc", "urpf", NULL};
	char q[PATH_LEN], mac[32], urpf[32] = "off";
	bool has_tap, has_mac;
	int rc;

	if ((rc = check_keys(ctx, p, v, keys)) < 0 ||
	    (rc = get_str(ctx, v, p, "name", 1, HY_NAME_MAX, true, false, port->name, NULL)) < 0 ||
	    (rc = get_str(ctx, v, p, "device", 1, HY_DEVICE_MAX, true, false, port->device, NULL)) < 0 ||
	    (rc = get_u16(ctx, v, p, "rx_queues", 1, HY_MAX_RXQ, &port->rx_queues)) < 0 ||
	    (rc = get_u16(ctx, v, p, "mtu", 68, 9600, &port->mtu)) < 0 ||
	    (rc = get_str(ctx, v, p, "mac", 1, sizeof(mac), false, true, mac, &has_mac)) < 0 ||
	    (rc = get_str(ctx, v, p, "tap", 1, HY_NAME_MAX, false, true, port->tap, &has_tap)) < 0 ||
	    (rc = get_u16(ctx, v, p, "rx_desc", 64, 16384, &port->rx_desc)) < 0 ||
	    (rc = get_u16(ctx, v, p, "tx_desc", 64, 16384, &port->tx_desc)) < 0 ||
	    (rc = get_str(ctx, v, p, "urpf", 1, sizeof(urpf), false, false, urpf, NULL)) < 0)
		return rc;
	for (port->urpf = HY_URPF_OFF; port->urpf <= HY_URPF_STRICT; port->urpf++)
		if (strcmp(urpf, hy_urpf_names[port->urpf]) == 0)
			break;
	if (port->urpf > HY_URPF_STRICT) {
		join(q, p, "urpf");
		return fail(ctx, q, "must be \"off\", \"loose\" or \"strict\", got \"%s\"", urpf);
	}
	join(q, p, "name");
	if (!valid_ifname(port->name))
		return fail(ctx, q, "not a valid interface name: \"%s\"", port->name);
	if (!has_tap)
		memcpy(port->tap, port->name, sizeof(port->tap));
	join(q, p, "tap");
	if (port->tap[0] && !valid_ifname(port->tap))
		return fail(ctx, q, "not a valid interface name: \"%s\"", port->tap);
	if (has_mac && mac[0]) {
		join(q, p, "mac");
		if (parse_mac(mac, port->mac) < 0)
			return fail(ctx, q, "must be a MAC address like 02:00:00:00:00:01, got \"%s\"", mac);
		if (port->mac[0] & 1)
			return fail(ctx, q, "must be a unicast MAC address, got \"%s\"", mac);
		port->has_mac = true;
	}
	const json_t *vlans = json_object_get(v, "vlans");
	if (vlans != NULL) {
		join(q, p, "vlans");
		if ((rc = parse_vlans(ctx, vlans, q, port)) < 0)
			return rc;
	}
	return 0;
}

static int parse_ports(struct parse_ctx *ctx, const json_t *root, struct hy_config *conf)
{
	char p[PATH_LEN], buf[64];
	const json_t *arr = json_object_get(root, "ports");
	size_t i;
	json_t *v;
	int rc;

	if (arr == NULL)
		return fail(ctx, "ports", "required");
	if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > HY_MAX_PORTS)
		return fail(ctx, "ports", "must be a list of 1..%d ports, got %s", HY_MAX_PORTS,
			    show(arr, buf, sizeof(buf)));
	json_array_foreach(arr, i, v) {
		struct hy_port_conf *port = &conf->ports[i];

		snprintf(p, sizeof(p), "ports[%zu]", i);
		if (!json_is_object(v))
			return fail(ctx, p, "must be an object, got %s", show(v, buf, sizeof(buf)));
		port->rx_queues = 1;
		port->mtu = 1500;
		port->rx_desc = 1024;
		port->tx_desc = 1024;
		if ((rc = parse_port(ctx, v, p, port)) < 0)
			return rc;
		for (size_t j = 0; j < i; j++) {
			char q[PATH_LEN + 8];
			if (strcmp(conf->ports[j].name, port->name) == 0) {
				snprintf(q, sizeof(q), "%s.name", p);
				return fail(ctx, q, "\"%s\" is also the name of ports[%zu]", port->name, j);
			}
			if (port->tap[0] && strcmp(conf->ports[j].tap, port->tap) == 0) {
				snprintf(q, sizeof(q), "%s.tap", p);
				return fail(ctx, q, "\"%s\" is also the tap of ports[%zu]", port->tap, j);
			}
			if (strcmp(conf->ports[j].device, port->device) == 0) {
				snprintf(q, sizeof(q), "%s.device", p);
				return fail(ctx, q, "\"%s\" is also the device of ports[%zu]", port->device, j);
			}
		}
		conf->n_ports++;
	}
	return 0;
}

static int parse_rx(struct parse_ctx *ctx, const json_t *arr, const char *path, struct hy_config *conf,
		    struct hy_lcore_conf *lc, uint8_t (*owner)[HY_MAX_RXQ])
{
	static const char *const keys[] = {"port", "queue", NULL};
	char p[PATH_LEN], q[PATH_LEN], buf[64], name[HY_NAME_MAX];
	size_t i;
	json_t *v;
	int rc;

	if (!json_is_array(arr))
		return fail(ctx, path, "must be a list, got %s", show(arr, buf, sizeof(buf)));
	if (json_array_size(arr) > HY_MAX_PORTS * HY_MAX_RXQ)
		return fail(ctx, path, "too many queues");
	json_array_foreach(arr, i, v) {
		int64_t queue = 0;
		int port;

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (!json_is_object(v))
			return fail(ctx, p, "must be an object, got %s", show(v, buf, sizeof(buf)));
		if ((rc = check_keys(ctx, p, v, keys)) < 0 ||
		    (rc = get_str(ctx, v, p, "port", 1, HY_NAME_MAX, true, false, name, NULL)) < 0 ||
		    (rc = get_int(ctx, v, p, "queue", 0, HY_MAX_RXQ - 1, true, &queue)) < 0)
			return rc;
		port = hy_config_port_index(conf, name);
		if (port < 0) {
			join(q, p, "port");
			return fail(ctx, q, "no port named \"%s\"", name);
		}
		if (queue >= conf->ports[port].rx_queues) {
			join(q, p, "queue");
			return fail(ctx, q, "port %s has %u RX queues, got queue %lld", name,
				    conf->ports[port].rx_queues, (long long)queue);
		}
		if (owner[port][queue]) {
			join(q, p, "queue");
			return fail(ctx, q, "queue %lld of port %s is already polled by another lcore or entry",
				    (long long)queue, name);
		}
		owner[port][queue] = 1;
		lc->rx[lc->n_rx].port = (uint16_t)port;
		lc->rx[lc->n_rx].queue = (uint16_t)queue;
		lc->n_rx++;
	}
	return 0;
}

static int parse_lcores(struct parse_ctx *ctx, const json_t *root, struct hy_config *conf)
{
	static const char *const keys[] = {"lcore", "rx", NULL};
	char p[PATH_LEN], q[PATH_LEN], buf[64];
	uint8_t owner[HY_MAX_PORTS][HY_MAX_RXQ];
	const json_t *arr = json_object_get(root, "lcores");
	size_t i;
	json_t *v;
	int rc;

	if (arr == NULL)
		return fail(ctx, "lcores", "required");
	if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > HY_MAX_LCORES - 1)
		return fail(ctx, "lcores", "must be a list of 1..%d lcores, got %s", HY_MAX_LCORES - 1,
			    show(arr, buf, sizeof(buf)));
	conf->lcores = calloc(json_array_size(arr), sizeof(*conf->lcores));
	if (conf->lcores == NULL)
		return fail(ctx, "lcores", "out of memory");
	memset(owner, 0, sizeof(owner));
	json_array_foreach(arr, i, v) {
		struct hy_lcore_conf *lc = &conf->lcores[i];
		int64_t id = 0;

		snprintf(p, sizeof(p), "lcores[%zu]", i);
		if (!json_is_object(v))
			return fail(ctx, p, "must be an object, got %s", show(v, buf, sizeof(buf)));
		if ((rc = check_keys(ctx, p, v, keys)) < 0 ||
		    (rc = get_int(ctx, v, p, "lcore", 0, HY_MAX_LCORES - 1, true, &id)) < 0)
			return rc;
		lc->lcore = (unsigned int)id;
		join(q, p, "lcore");
		if (lc->lcore == conf->manager_lcore)
			return fail(ctx, q, "lcore %u is the manager_lcore", lc->lcore);
		for (size_t j = 0; j < i; j++)
			if (conf->lcores[j].lcore == lc->lcore)
				return fail(ctx, q, "lcore %u is also lcores[%zu]", lc->lcore, j);
		const json_t *rx = json_object_get(v, "rx");
		join(q, p, "rx");
		if (rx == NULL)
			return fail(ctx, q, "required");
		if ((rc = parse_rx(ctx, rx, q, conf, lc, owner)) < 0)
			return rc;
		conf->n_lcores++;
	}
	for (uint16_t port = 0; port < conf->n_ports; port++)
		for (uint16_t queue = 0; queue < conf->ports[port].rx_queues; queue++)
			if (!owner[port][queue]) {
				snprintf(p, sizeof(p), "ports[%u].rx_queues", port);
				return fail(ctx, p, "queue %u of port %s is polled by no lcore (see lcores[].rx)",
					    queue, conf->ports[port].name);
			}
	return 0;
}

static int parse_eal(struct parse_ctx *ctx, const json_t *root, struct hy_config *conf)
{
	char p[PATH_LEN], buf[64];
	const json_t *arr = json_object_get(root, "eal");
	size_t i;
	json_t *v;

	if (arr == NULL)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > HY_MAX_EAL_ARGS)
		return fail(ctx, "eal", "must be a list of at most %d strings, got %s", HY_MAX_EAL_ARGS,
			    show(arr, buf, sizeof(buf)));
	json_array_foreach(arr, i, v) {
		snprintf(p, sizeof(p), "eal[%zu]", i);
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return fail(ctx, p, "must be a non-empty string, got %s", show(v, buf, sizeof(buf)));
		conf->eal[i] = strdup(json_string_value(v));
		if (conf->eal[i] == NULL)
			return fail(ctx, p, "out of memory");
		conf->n_eal++;
	}
	return 0;
}

static int parse_fib(struct parse_ctx *ctx, const json_t *root, struct hy_config *conf)
{
	static const char *const keys[] = {"backend", "max_routes4", "max_routes6", NULL};
	char backend[16] = "poptrie";
	int rc;
	const json_t *o = get_obj(ctx, root, "", "fib", &rc);

	if (o == NULL)
		return rc;
	if ((rc = check_keys(ctx, "fib", o, keys)) < 0 ||
	    (rc = get_str(ctx, o, "fib", "backend", 1, sizeof(backend), false, false, backend, NULL)) < 0 ||
	    (rc = get_u32(ctx, o, "fib", "max_routes4", 1, 1 << 26, &conf->fib.max_routes4)) < 0 ||
	    (rc = get_u32(ctx, o, "fib", "max_routes6", 1, 1 << 24, &conf->fib.max_routes6)) < 0)
		return rc;
	if (strcmp(backend, "poptrie") == 0)
		conf->fib.backend = HY_CONF_FIB_POPTRIE;
	else if (strcmp(backend, "rte_fib") == 0)
		conf->fib.backend = HY_CONF_FIB_RTE_FIB;
	else
		return fail(ctx, "fib.backend", "must be \"poptrie\" or \"rte_fib\", got \"%s\"", backend);
	return 0;
}

static int parse_punt(struct parse_ctx *ctx, const json_t *root, struct hy_config *conf)
{
	static const char *const keys[] = {"no_route", "rate_pps", "burst", "priority_rate_pps",
					   "priority_burst", NULL};
	char no_route[8] = "punt";
	int rc;
	const json_t *o = get_obj(ctx, root, "", "punt", &rc);

	if (o == NULL)
		return rc;
	if ((rc = check_keys(ctx, "punt", o, keys)) < 0 ||
	    (rc = get_str(ctx, o, "punt", "no_route", 1, sizeof(no_route), false, false, no_route, NULL)) < 0 ||
	    (rc = get_u32(ctx, o, "punt", "rate_pps", 0, 100000000, &conf->punt.rate_pps)) < 0 ||
	    (rc = get_u32(ctx, o, "punt", "burst", 1, 10000000, &conf->punt.burst)) < 0 ||
	    (rc = get_u32(ctx, o, "punt", "priority_rate_pps", 0, 100000000, &conf->punt.priority_rate_pps)) < 0 ||
	    (rc = get_u32(ctx, o, "punt", "priority_burst", 1, 10000000, &conf->punt.priority_burst)) < 0)
		return rc;
	if (strcmp(no_route, "punt") == 0)
		conf->punt.no_route_punt = true;
	else if (strcmp(no_route, "drop") == 0)
		conf->punt.no_route_punt = false;
	else
		return fail(ctx, "punt.no_route", "must be \"punt\" or \"drop\", got \"%s\"", no_route);
	return 0;
}

static int parse_mbuf(struct parse_ctx *ctx, const json_t *root, struct hy_config *conf)
{
	static const char *const keys[] = {"count", "cache", NULL};
	int rc;
	const json_t *o = get_obj(ctx, root, "", "mbuf", &rc);

	if (o == NULL)
		return rc;
	if ((rc = check_keys(ctx, "mbuf", o, keys)) < 0 ||
	    (rc = get_u32(ctx, o, "mbuf", "count", 1024, 1 << 26, &conf->mbuf.count)) < 0 ||
	    (rc = get_u32(ctx, o, "mbuf", "cache", 0, 512, &conf->mbuf.cache)) < 0)
		return rc;
	return 0;
}

static int parse_control(struct parse_ctx *ctx, const json_t *root, struct hy_config *conf)
{
	static const char *const keys[] = {"socket", "mode", "group", NULL};
	char mode[8] = "0600", *end;
	int rc;
	const json_t *o = get_obj(ctx, root, "", "control", &rc);

	if (o == NULL)
		return rc;
	if ((rc = check_keys(ctx, "control", o, keys)) < 0 ||
	    (rc = get_str(ctx, o, "control", "socket", 2, sizeof(conf->control.socket), false, false,
			  conf->control.socket, NULL)) < 0 ||
	    (rc = get_str(ctx, o, "control", "mode", 1, sizeof(mode), false, false, mode, NULL)) < 0 ||
	    (rc = get_str(ctx, o, "control", "group", 1, sizeof(conf->control.group), false, true,
			  conf->control.group, NULL)) < 0)
		return rc;
	if (conf->control.socket[0] != '/')
		return fail(ctx, "control.socket", "must be an absolute path, got \"%s\"", conf->control.socket);
	unsigned long m = strtoul(mode, &end, 8);
	if (*end != '\0' || mode[0] < '0' || mode[0] > '7' || m > 0777)
		return fail(ctx, "control.mode", "must be an octal mode string like \"0660\", got \"%s\"", mode);
	conf->control.mode = (uint32_t)m;
	return 0;
}

static void set_defaults(struct hy_config *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->fib.backend = HY_CONF_FIB_POPTRIE;
	conf->fib.max_routes4 = 2097152;
	conf->fib.max_routes6 = 524288;
	conf->punt.no_route_punt = true;
	conf->punt.rate_pps = 20000;
	conf->punt.burst = 2000;
	conf->punt.priority_rate_pps = 50000;
	conf->punt.priority_burst = 5000;
	conf->mbuf.count = 32767;
	conf->mbuf.cache = 256;
	snprintf(conf->control.socket, sizeof(conf->control.socket), "/run/hayate/fwd.sock");
	conf->control.mode = 0600;
}

static int parse_root(struct parse_ctx *ctx, const json_t *root, struct hy_config *conf)
{
	static const char *const keys[] = {"version", "eal", "manager_lcore", "ports", "lcores", "fib",
					   "punt", "mbuf", "control", "agent", "ports_netns", NULL};
	char buf[64];
	int64_t version = 0, manager = 0;
	int rc;

	if (!json_is_object(root))
		return fail(ctx, "(top)", "must be an object, got %s", show(root, buf, sizeof(buf)));
	if ((rc = check_keys(ctx, "", root, keys)) < 0 ||
	    (rc = get_int(ctx, root, "", "version", 1, 1, true, &version)) < 0 ||
	    (rc = parse_eal(ctx, root, conf)) < 0 ||
	    (rc = get_int(ctx, root, "", "manager_lcore", 0, HY_MAX_LCORES - 1, false, &manager)) < 0)
		return rc;
	conf->manager_lcore = (unsigned int)manager;
	if ((rc = get_str(ctx, root, "", "ports_netns", 1, sizeof(conf->ports_netns), false, true, conf->ports_netns,
			  NULL)) < 0)
		return rc;
	if (strchr(conf->ports_netns, '/') != NULL || strcmp(conf->ports_netns, ".") == 0 ||
	    strcmp(conf->ports_netns, "..") == 0)
		return fail(ctx, "ports_netns", "must be a namespace name from ip netns (no '/'), got \"%s\"",
			    conf->ports_netns);
	if ((rc = parse_ports(ctx, root, conf)) < 0 || (rc = parse_lcores(ctx, root, conf)) < 0 ||
	    (rc = parse_fib(ctx, root, conf)) < 0 || (rc = parse_punt(ctx, root, conf)) < 0 ||
	    (rc = parse_mbuf(ctx, root, conf)) < 0 || (rc = parse_control(ctx, root, conf)) < 0)
		return rc;
	if (conf->mbuf.cache * 1.5 > conf->mbuf.count)
		return fail(ctx, "mbuf.cache", "must be at most count / 1.5 (%u)", (unsigned)(conf->mbuf.count / 1.5));
	const json_t *agent = json_object_get(root, "agent");
	if (agent != NULL && !json_is_object(agent) && !json_is_null(agent))
		return fail(ctx, "agent", "must be an object, got %s", show(agent, buf, sizeof(buf)));
	return 0;
}

int hy_config_parse(const char *text, size_t len, struct hy_config *conf, char *err, size_t errlen)
{
	struct parse_ctx ctx = {.err = err, .errlen = errlen};
	json_error_t jerr;
	json_t *root;
	int rc;

	set_defaults(conf);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "(json): line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	rc = parse_root(&ctx, root, conf);
	json_decref(root);
	if (rc < 0)
		hy_config_free(conf);
	return rc;
}

int hy_config_load(const char *file, struct hy_config *conf, char *err, size_t errlen)
{
	char msg[512];
	FILE *f = fopen(file, "rb");
	char *text;
	long len;
	int rc;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -errno;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 || len > (16 << 20)) {
		fclose(f);
		snprintf(err, errlen, "%s: cannot read (or larger than 16 MiB)", file);
		return -EINVAL;
	}
	text = malloc((size_t)len + 1);
	if (text == NULL || fread(text, 1, (size_t)len, f) != (size_t)len) {
		free(text);
		fclose(f);
		snprintf(err, errlen, "%s: read error", file);
		return -EIO;
	}
	fclose(f);
	rc = hy_config_parse(text, (size_t)len, conf, msg, sizeof(msg));
	free(text);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", file, msg);
	return rc;
}

void hy_config_free(struct hy_config *conf)
{
	for (unsigned int i = 0; i < conf->n_eal; i++)
		free(conf->eal[i]);
	conf->n_eal = 0;
	free(conf->lcores);
	conf->lcores = NULL;
	conf->n_lcores = 0;
}

int hy_config_port_index(const struct hy_config *conf, const char *name)
{
	for (uint16_t i = 0; i < conf->n_ports; i++)
		if (strcmp(conf->ports[i].name, name) == 0)
			return i;
	return -1;
}
