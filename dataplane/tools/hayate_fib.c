/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hayate-fib: load a route file into a hayate FIB and answer lookups or print
 * the structure's statistics.  Operators use it to check a table; the tests
 * use it to compare both backends with a reference longest-prefix match.
 *
 * Runs single-threaded on the EAL main lcore (no QSBR: the FIB frees at once).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "fib/fib.h"
#include "route_text.h"

/* --in-memory is refused with --no-huge by DPDK 22.11; --no-shconf keeps runs apart instead. */
#define EAL_ARGS_DEFAULT "--no-pci --no-huge -m 3072 --no-shconf --no-telemetry --log-level=error"
#define EAL_ARGV_MAX 64
#define LOOKUP_BURST 64
/* Capacity asked of the FIB per family: the file's routes, at least this (room for deep IPv6 routes,
 * which need many rte_fib6 groups each). */
#define MIN_CAPACITY 65536u

struct options {
	const char *routes; /* route file, "-" for standard input */
	const char *lookup; /* address file, "-" for standard input, NULL for none */
	const char *eal;
	uint32_t capacity4, capacity6; /* 0: from the file */
	enum hy_fib_backend backend;
	bool stats, json;
};

/* The routes of the file, in order, with the line each came from (for errors). */
struct route_table {
	struct hy_fib_route *ops;
	uint64_t *line_no;
	uint32_t n, cap, n4, n6;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hayate-fib [options] [--routes] ROUTES\n"
		"Load ROUTES (one 'PREFIX/LEN NEXTHOP' a line, IPv4 and IPv6 mixed, '#' comments,\n"
		"NEXTHOP 1..%u; '-' reads standard input) into a hayate FIB, then answer lookups:\n"
		"one address a line in, its next-hop index a line out (0: no route).\n"
		"\n"
		"  -r, --routes FILE      route file (or the first operand)\n"
		"  -b, --backend NAME     poptrie (default) or rte_fib\n"
		"  -l, --lookup FILE      read addresses from FILE ('-': standard input, the default\n"
		"                         unless --stats is given)\n"
		"  -s, --stats            print the structure's statistics (to standard error when\n"
		"                         lookups are answered too)\n"
		"  -j, --json             statistics as JSON\n"
		"  -4, --capacity4 N      IPv4 routes the FIB is sized for (default: the file's, at least %u)\n"
		"  -6, --capacity6 N      IPv6 routes the FIB is sized for (default: the file's, at least %u)\n"
		"  -e, --eal \"ARGS\"       EAL arguments instead of: %s\n"
		"  -h, --help\n"
		"Exit status: 0 success, 1 bad input or FIB error, 2 usage.\n",
		HY_FIB_NH_MAX, MIN_CAPACITY, MIN_CAPACITY, EAL_ARGS_DEFAULT);
}

static int parse_count(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end != '\0' || v == 0 || v > UINT32_MAX || *s == '-')
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static uint32_t capacity(uint32_t asked, uint32_t routes)
{
	if (asked)
		return asked;
	return routes > MIN_CAPACITY ? routes : MIN_CAPACITY;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "routes", required_argument, NULL, 'r' }, { "backend", required_argument, NULL, 'b' },
		{ "lookup", required_argument, NULL, 'l' }, { "stats", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },	    { "eal", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },	    { "capacity4", required_argument, NULL, '4' },
		{ "capacity6", required_argument, NULL, '6' }, { NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){ .eal = EAL_ARGS_DEFAULT, .backend = HY_FIB_POPTRIE };
	while ((c = getopt_long(argc, argv, "r:b:l:sje:h4:6:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->routes = optarg;
			break;
		case 'b':
			if (hy_fib_backend_parse(optarg, &o->backend) < 0) {
				fprintf(stderr, "hayate-fib: unknown backend '%s' (poptrie or rte_fib)\n", optarg);
				return -1;
			}
			break;
		case 'l':
			o->lookup = optarg;
			break;
		case 's':
			o->stats = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'e':
			o->eal = optarg;
			break;
		case '4':
		case '6':
			if (parse_count(optarg, c == '4' ? &o->capacity4 : &o->capacity6) < 0) {
				fprintf(stderr, "hayate-fib: bad --capacity%c '%s'\n", c, optarg);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc && o->routes == NULL)
		o->routes = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "hayate-fib: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->routes == NULL) {
		fprintf(stderr, "hayate-fib: no route file given\n");
		usage(stderr);
		return -1;
	}
	if (o->lookup == NULL && !o->stats)
		o->lookup = "-";
	if (o->lookup != NULL && strcmp(o->lookup, "-") == 0 && strcmp(o->routes, "-") == 0) {
		fprintf(stderr, "hayate-fib: routes and lookups cannot both come from standard input\n");
		return -1;
	}
	return 0;
}

/* EAL wants argv: split the --eal string on blanks (no quoting: EAL arguments have no blanks). */
static int eal_init(const char *args)
{
	static char *argv[EAL_ARGV_MAX];
	static char buf[1024];
	int argc = 0;
	char *save = NULL, *tok;

	if (strlen(args) >= sizeof(buf)) {
		fprintf(stderr, "hayate-fib: --eal arguments too long\n");
		return -1;
	}
	strcpy(buf, args);
	argv[argc++] = (char *)"hayate-fib";
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (argc == EAL_ARGV_MAX - 1) {
			fprintf(stderr, "hayate-fib: too many --eal arguments\n");
			return -1;
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	optind = 1; /* our own getopt_long ran first */
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "hayate-fib: EAL initialisation failed (%s): %s\n", args,
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static FILE *open_input(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");

	if (f == NULL)
		fprintf(stderr, "hayate-fib: %s: %s\n", path, strerror(errno));
	else
		setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

static int table_push(struct route_table *t, const struct hy_fib_route *r, uint64_t line_no)
{
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 65536;
		struct hy_fib_route *ops = realloc(t->ops, cap * sizeof(*ops));
		uint64_t *lines = ops ? realloc(t->line_no, cap * sizeof(*lines)) : NULL;

		if (ops)
			t->ops = ops;
		if (lines == NULL) {
			fprintf(stderr, "hayate-fib: out of memory at %" PRIu32 " routes\n", t->n);
			return -1;
		}
		t->line_no = lines;
		t->cap = cap;
	}
	t->ops[t->n] = *r;
	t->line_no[t->n] = line_no;
	t->n++;
	if (r->family == 4)
		t->n4++;
	else
		t->n6++;
	return 0;
}

static int read_routes(const char *path, struct route_table *t)
{
	FILE *f = open_input(path);
	char *line = NULL, err[160];
	size_t linecap = 0;
	uint64_t line_no = 0;
	ssize_t len;
	int rc = 0;

	if (f == NULL)
		return -1;
	while ((len = getline(&line, &linecap, f)) >= 0) {
		struct hy_fib_route r;
		int p;

		line_no++;
		p = hy_route_text_parse(line, (size_t)len, &r, err, sizeof(err));
		if (p < 0) {
			while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
				line[--len] = '\0';
			fprintf(stderr, "hayate-fib: %s:%" PRIu64 ": %s: '%.*s'\n", path, line_no, err,
				HY_ROUTE_TEXT_LINE_MAX, line);
			rc = -1;
			break;
		}
		if (p == 1 && table_push(t, &r, line_no) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		fprintf(stderr, "hayate-fib: %s: read error\n", path);
		rc = -1;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void format_prefix(const struct hy_fib_route *r, char *buf, size_t len)
{
	if (r->family == 4)
		snprintf(buf, len, "%u.%u.%u.%u/%u", r->addr.v4 >> 24, (r->addr.v4 >> 16) & 0xff,
			 (r->addr.v4 >> 8) & 0xff, r->addr.v4 & 0xff, r->depth);
	else {
		const uint8_t *a = r->addr.v6;
		int n = 0;

		for (int i = 0; i < 16; i += 2)
			n += snprintf(buf + n, len - (size_t)n, "%s%x", i ? ":" : "", (a[i] << 8) | a[i + 1]);
		snprintf(buf + n, len - (size_t)n, "/%u", r->depth);
	}
}

/* Load the whole file in one batch: the FIB is built and published once. */
static int load_fib(struct hy_fib *fib, const char *path, const struct route_table *t, double *build_s)
{
	uint32_t applied = 0;
	double t0 = now_s();
	int rc = hy_fib_apply(fib, t->ops, t->n, &applied);

	*build_s = now_s() - t0;
	if (rc < 0) {
		char prefix[64];

		if (applied < t->n) {
			format_prefix(&t->ops[applied], prefix, sizeof(prefix));
			fprintf(stderr, "hayate-fib: %s:%" PRIu64 ": route %s not added: %s\n", path,
				t->line_no[applied], prefix, strerror(-rc));
		} else {
			fprintf(stderr, "hayate-fib: %s: loading the routes failed: %s\n", path, strerror(-rc));
		}
		return -1;
	}
	return 0;
}

static void print_stats_table(FILE *f, const struct hy_fib *fib, const struct hy_fib_stats *s, double build_s)
{
	fprintf(f, "backend            %s\n", hy_fib_backend_name(hy_fib_backend(fib)));
	fprintf(f, "%-18s %14s %14s\n", "", "IPv4", "IPv6");
	fprintf(f, "%-18s %14" PRIu64 " %14" PRIu64 "\n", "prefixes", s->routes4, s->routes6);
	fprintf(f, "%-18s %14" PRIu64 " %14" PRIu64 "\n", "nodes", s->nodes4, s->nodes6);
	fprintf(f, "%-18s %14" PRIu64 " %14" PRIu64 "\n", "leaves", s->leaves4, s->leaves6);
	fprintf(f, "%-18s %14" PRIu64 " %14" PRIu64 "\n", "bytes", s->bytes4, s->bytes6);
	fprintf(f, "%-18s %14.2f %14.2f\n", "MiB", (double)s->bytes4 / 1048576.0, (double)s->bytes6 / 1048576.0);
	fprintf(f, "route store bytes  %" PRIu64 "\n", s->rib_bytes);
	fprintf(f, "build time s       %.3f\n", build_s);
}

static int print_stats_json(FILE *f, const struct hy_fib *fib, const struct hy_fib_stats *s, double build_s)
{
	json_t *root = json_pack("{s:s, s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I}, s:I, s:f}", "backend",
				 hy_fib_backend_name(hy_fib_backend(fib)), "ipv4", "prefixes",
				 (json_int_t)s->routes4, "nodes", (json_int_t)s->nodes4, "leaves",
				 (json_int_t)s->leaves4, "bytes", (json_int_t)s->bytes4, "ipv6", "prefixes",
				 (json_int_t)s->routes6, "nodes", (json_int_t)s->nodes6, "leaves",
				 (json_int_t)s->leaves6, "bytes", (json_int_t)s->bytes6, "rib_bytes",
				 (json_int_t)s->rib_bytes, "build_seconds", build_s);
	int rc;

	if (root == NULL) {
		fprintf(stderr, "hayate-fib: cannot build the JSON statistics\n");
		return -1;
	}
	rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(root);
	return rc;
}

/* Output buffer for the answers: one fwrite per 64 KiB. */
struct outbuf {
	char buf[1 << 16];
	size_t len;
};

static void out_flush(struct outbuf *o)
{
	fwrite(o->buf, 1, o->len, stdout);
	o->len = 0;
}

static void out_u32(struct outbuf *o, uint32_t v)
{
	char tmp[12];
	int n = 0;

	if (o->len + sizeof(tmp) > sizeof(o->buf))
		out_flush(o);
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		o->buf[o->len++] = tmp[--n];
	o->buf[o->len++] = '\n';
}

/* A burst of lookup lines, split by family, answered in input order. */
struct burst {
	uint32_t a4[LOOKUP_BURST], nh4[LOOKUP_BURST];
	uint8_t a6[LOOKUP_BURST][16];
	uint32_t nh6[LOOKUP_BURST];
	uint8_t family[LOOKUP_BURST];
	unsigned int n, n4, n6;
};

static void burst_answer(const struct hy_fib *fib, int numa, struct burst *b, struct outbuf *o)
{
	unsigned int i4 = 0, i6 = 0;

	if (b->n4)
		hy_fib_lookup4_bulk(fib, numa, b->a4, b->nh4, b->n4);
	if (b->n6)
		hy_fib_lookup6_bulk(fib, numa, (const uint8_t(*)[16])b->a6, b->nh6, b->n6);
	for (unsigned int i = 0; i < b->n; i++)
		out_u32(o, b->family[i] == 4 ? b->nh4[i4++] : b->nh6[i6++]);
	b->n = b->n4 = b->n6 = 0;
}

static int answer_lookups(const struct hy_fib *fib, const char *path)
{
	static struct burst burst;
	static struct outbuf out;
	FILE *f = open_input(path);
	int numa = (int)rte_socket_id();
	char *line = NULL, err[160];
	size_t linecap = 0;
	uint64_t line_no = 0;
	ssize_t len;
	int rc = 0;

	if (f == NULL)
		return -1;
	while ((len = getline(&line, &linecap, f)) >= 0) {
		struct hy_addr a;
		int p;

		line_no++;
		p = hy_addr_text_parse(line, (size_t)len, &a, err, sizeof(err));
		if (p < 0) {
			burst_answer(fib, numa, &burst, &out);
			out_flush(&out);
			fflush(stdout);
			fprintf(stderr, "hayate-fib: %s:%" PRIu64 ": %s\n", path, line_no, err);
			rc = -1;
			break;
		}
		if (p == 0)
			continue;
		burst.family[burst.n++] = a.family;
		if (a.family == 4)
			burst.a4[burst.n4++] = a.v4;
		else
			memcpy(burst.a6[burst.n6++], a.v6, 16);
		if (burst.n == LOOKUP_BURST)
			burst_answer(fib, numa, &burst, &out);
	}
	if (rc == 0) {
		burst_answer(fib, numa, &burst, &out);
		out_flush(&out);
		if (ferror(f)) {
			fprintf(stderr, "hayate-fib: %s: read error\n", path);
			rc = -1;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "hayate-fib: writing the answers failed: %s\n", strerror(errno));
		rc = -1;
	}
	return rc;
}

/* Create the FIB, load the table, answer and report; returns the exit status. */
static int run(const struct options *o, struct route_table *table)
{
	struct hy_fib_conf conf = {
		.backend = o->backend,
		.max_routes4 = capacity(o->capacity4, table->n4),
		.max_routes6 = capacity(o->capacity6, table->n6),
		.n_numa = 1,
		.numa = { -1 },
		.qsbr = NULL, /* single-threaded: memory is freed at once */
		.name = "hayate-fib",
	};
	struct hy_fib *fib = NULL;
	struct hy_fib_stats stats;
	char err[256] = "";
	double build_s = 0;
	int rc = hy_fib_create(&conf, &fib, err, sizeof(err));

	if (rc < 0) {
		fprintf(stderr, "hayate-fib: cannot create the %s FIB: %s (%s)\n", hy_fib_backend_name(o->backend),
			err, strerror(-rc));
		return 1;
	}
	rc = load_fib(fib, o->routes, table, &build_s) < 0;
	free(table->ops); /* the FIB holds the routes now */
	free(table->line_no);
	table->ops = NULL;
	table->line_no = NULL;

	if (rc == 0 && o->lookup != NULL && answer_lookups(fib, o->lookup) < 0)
		rc = 1;
	if (rc == 0 && o->stats) {
		FILE *sf = o->lookup != NULL ? stderr : stdout;

		hy_fib_stats(fib, &stats);
		if (o->json)
			rc = print_stats_json(sf, fib, &stats, build_s) < 0;
		else
			print_stats_table(sf, fib, &stats, build_s);
		if (fflush(sf) != 0)
			rc = 1;
	}
	hy_fib_free(fib);
	return rc;
}

int main(int argc, char **argv)
{
	struct route_table table = { 0 };
	struct options o;
	int rc = 1;

	if (parse_options(argc, argv, &o) < 0)
		return 2;
	if (read_routes(o.routes, &table) == 0 && eal_init(o.eal) == 0) {
		rc = run(&o, &table);
		rte_eal_cleanup();
	}
	free(table.ops);
	free(table.line_no);
	return rc;
}
