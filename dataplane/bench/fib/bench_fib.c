/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-fib: hayate's FIB beside DPDK's rte_lpm, rte_fib, rte_fib6 and
 * rte_lpm6 in one run, on the same tables and addresses.  Per structure and
 * lookup variant: lookups/s on one core for random, in-table and hot
 * addresses; bytes; build time; route changes/s while another lcore looks
 * up, of all the table's prefixes and of its short ones alone; ratios to the
 * best DPDK structure and the targets.
 *
 * The main lcore builds, measures and updates; the second lcore is the
 * reader during the update measurement.
 */
#define ALLOW_EXPERIMENTAL_API /* rte_vect_get_max_simd_bitwidth */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_vect.h>

#include "bench_impl.h"

#define EAL_ARGS "-l 0-1 --no-pci --force-max-simd-bitwidth=512 --no-telemetry --log-level=error"
#define EAL_HUGE "--in-memory"
#define EAL_NO_HUGE "--no-huge -m 6144 --no-shconf"
#define MAX_ROUNDS 15
#define MAX_ROWS 8
#define CHECK_ADDRS 65536u
/* Short prefixes: a change rewrites many first-level entries (2^(24-len) in DIR-24-8, 2^(18-len) direct
 * entries in Poptrie, whose IPv6 table has few prefixes of /18 and shorter). */
#define SHORT_LEN4 16
#define SHORT_LEN6 24
#define SHORT_LEN(family) ((family) == 4 ? SHORT_LEN4 : SHORT_LEN6)
#define MIN_LOOKUPS_PER_ROUND (1u << 22)
#define SLOW_BUILD_S 5.0 /* a build slower than this is timed once */

struct rte_rcu_qsbr *bench_qsbr;

struct options {
	const char *rib[2];
	const char *only, *eal;
	int family; /* 0: both */
	unsigned int rounds, build_rounds, burst, update_batch;
	uint32_t addresses, limit;
	double update_s;
	bool no_huge, markdown;
};

/* What one row (a structure's lookup variant) measured. */
struct row {
	struct bench_struct *s;
	const struct bench_variant *v;
	bool ok;
	double mlps[SET_COUNT];
	uint64_t mismatches, checked;
	const char *checked_against;
};

/* What one structure measured. */
struct struct_result {
	bool built;
	double build_s;
	uint64_t bytes;
	bool bytes_allocated_only;
	double changes_single, changes_batch, reader_mlps; /* NAN when not measured */
	double changes_short; /* one a publish, the table's prefixes of SHORT_LEN4/6 and shorter */
	char note[96];
};

static struct options opt = {
	.rib = { "../shared/data/rib4.txt.gz", "../shared/data/rib6.txt.gz" },
	.rounds = 5,
	.build_rounds = 3,
	.burst = 32,
	.update_batch = 64,
	.addresses = 1u << 20,
	.update_s = 0.25,
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---------------------------------------------------------------- lookups */

static volatile uint64_t sink; /* keeps the lookups' results alive */

/* One timed round: whole bursts over the set until at least MIN_LOOKUPS_PER_ROUND lookups. */
static double lookup_round(const struct row *r, const struct bench_addrs *a, size_t addr_size)
{
	uint64_t res[BENCH_BURST_MAX], acc = 0, lookups = 0, t0, t1;
	unsigned int burst = opt.burst;
	uint32_t whole = a->n - a->n % burst;

	/* warm the caches the way a running forwarder has them */
	for (uint32_t i = 0; i < whole && i < 65536; i += burst)
		r->v->lookup(r->s->ctx, (const uint8_t *)a->addrs + i * addr_size, res, burst);
	t0 = rte_rdtsc_precise();
	while (lookups < MIN_LOOKUPS_PER_ROUND) {
		for (uint32_t i = 0; i < whole; i += burst) {
			r->v->lookup(r->s->ctx, (const uint8_t *)a->addrs + i * addr_size, res, burst);
			acc += res[0];
		}
		lookups += whole;
	}
	t1 = rte_rdtsc_precise();
	sink += acc;
	return (double)lookups / ((double)(t1 - t0) / (double)rte_get_tsc_hz()) / 1e6;
}

/* Results of the first CHECK_ADDRS addresses of each set, for the cross-check. */
static void lookup_results(const struct row *r, const struct bench_addrs *a, size_t addr_size, uint32_t *out)
{
	uint64_t res[BENCH_BURST_MAX];
	uint32_t n = a->n < CHECK_ADDRS ? a->n : CHECK_ADDRS;

	for (uint32_t i = 0; i < n; i += BENCH_BURST_MAX) {
		unsigned int k = n - i < BENCH_BURST_MAX ? n - i : BENCH_BURST_MAX;

		r->v->lookup(r->s->ctx, (const uint8_t *)a->addrs + i * addr_size, res, k);
		for (unsigned int j = 0; j < k; j++)
			out[i + j] = r->v->result(res, j);
	}
}

/* --------------------------------------------------------------- updates */

struct reader_arg {
	const struct bench_variant *v;
	void *ctx;
	const struct bench_addrs *a;
	size_t addr_size;
	bool rcu;
	atomic_bool started, stop;
	uint64_t lookups;
	double seconds;
};

static int reader_main(void *p)
{
	struct reader_arg *ra = p;
	uint64_t res[BENCH_BURST_MAX], n = 0, acc = 0;
	uint32_t whole = ra->a->n - ra->a->n % opt.burst;
	double t0;

	if (ra->rcu) {
		rte_rcu_qsbr_thread_register(bench_qsbr, 0);
		rte_rcu_qsbr_thread_online(bench_qsbr, 0);
	}
	atomic_store(&ra->started, true);
	t0 = now_s();
	while (!atomic_load_explicit(&ra->stop, memory_order_relaxed)) {
		for (uint32_t i = 0; i < whole; i += opt.burst) {
			ra->v->lookup(ra->ctx, (const uint8_t *)ra->a->addrs + i * ra->addr_size, res, opt.burst);
			acc += res[0];
			if (ra->rcu)
				rte_rcu_qsbr_quiescent(bench_qsbr, 0);
			n += opt.burst;
			if ((i & 4095) == 0 && atomic_load_explicit(&ra->stop, memory_order_relaxed))
				break;
		}
	}
	ra->seconds = now_s() - t0;
	ra->lookups = n;
	sink += acc;
	if (ra->rcu) {
		rte_rcu_qsbr_thread_offline(bench_qsbr, 0);
		rte_rcu_qsbr_thread_unregister(bench_qsbr, 0);
	}
	return 0;
}

static void shuffle(struct bench_prefix *p, uint32_t n, uint64_t seed)
{
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j;
		struct bench_prefix t;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		j = (uint32_t)((seed >> 33) % (i + 1));
		t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
}

/*
 * Delete+add pairs of the table's prefixes (shuffled) for update_s per round
 * while the reader lcore looks up; median changes/s of the rounds.  Stops at
 * the first error and notes it.
 */
static double measure_updates(struct bench_struct *s, const struct bench_prefix *order, uint32_t n,
			      unsigned int batch, struct struct_result *res)
{
	double rates[MAX_ROUNDS];
	unsigned int rounds = 0, chunk = batch > 1 ? batch : 256;
	uint32_t next = 0;
	uint64_t total_pairs = 0;

	for (unsigned int round = 0; round < opt.rounds; round++) {
		uint64_t pairs = 0;
		double t0 = now_s(), t = t0;
		int rc = 0;

		while (t - t0 < opt.update_s) {
			unsigned int k = n - next < chunk ? n - next : chunk;

			rc = s->update(s, order + next, k, batch);
			if (s->reclaim)
				s->reclaim(s);
			t = now_s();
			if (rc < 0)
				break;
			pairs += k;
			next = (next + k) % n;
		}
		total_pairs += pairs;
		if (pairs > 0)
			rates[rounds++] = 2.0 * (double)pairs / (t - t0);
		if (rc < 0) {
			snprintf(res->note, sizeof(res->note), "updates stopped: %s after %" PRIu64 " pairs%s",
				 strerror(-rc), total_pairs, batch > 1 ? " (batched)" : "");
			break;
		}
	}
	return median(rates, rounds);
}

static void measure_struct_updates(struct bench_struct *s, const struct bench_variant *reader_v,
				   const struct bench_table *t, const struct bench_addrs *in_table,
				   struct struct_result *res)
{
	struct bench_prefix *order = malloc(t->n * sizeof(*order));
	struct reader_arg ra = { .v = reader_v, .ctx = s->ctx, .a = in_table,
				 .addr_size = t->family == 4 ? 4 : 16, .rcu = s->reclaim != NULL };
	unsigned int reader = rte_get_next_lcore(rte_lcore_id(), 1, 0);
	bool have_reader = reader < RTE_MAX_LCORE;

	res->changes_single = res->changes_batch = res->reader_mlps = res->changes_short = NAN;
	if (order == NULL)
		return;
	memcpy(order, t->prefixes, t->n * sizeof(*order));
	shuffle(order, t->n, 42);
	if (reader_v->select)
		reader_v->select(s->ctx);
	if (have_reader && rte_eal_remote_launch(reader_main, &ra, reader) == 0) {
		while (!atomic_load(&ra.started))
			rte_pause();
	} else {
		have_reader = false;
		snprintf(res->note, sizeof(res->note), "no second lcore: updates measured without a reader");
	}
	res->changes_single = measure_updates(s, order, t->n, 1, res);
	if (s->batches && res->note[0] == '\0')
		res->changes_batch = measure_updates(s, order, t->n, opt.update_batch, res);
	/* Last, so that the columns above are measured as they always were. */
	uint32_t n_short = 0;
	for (uint32_t i = 0; i < t->n; i++)
		if (t->prefixes[i].depth <= SHORT_LEN(t->family))
			order[n_short++] = t->prefixes[i];
	if (n_short > 0 && res->note[0] == '\0') {
		shuffle(order, n_short, 42);
		res->changes_short = measure_updates(s, order, n_short, 1, res);
	}
	if (have_reader) {
		atomic_store(&ra.stop, true);
		rte_eal_wait_lcore(reader);
		res->reader_mlps = (double)ra.lookups / ra.seconds / 1e6;
	}
	free(order);
}

/* ------------------------------------------------------------- structures */

static bool wanted(const char *name)
{
	char list[256], *save = NULL;

	if (opt.only == NULL)
		return true;
	snprintf(list, sizeof(list), "%s", opt.only);
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (strstr(name, tok) != NULL)
			return true;
	return false;
}

/* Create and load (timed); repeat the build for the median unless it is slow. */
static int build_struct(struct bench_struct *s, const struct bench_table *t, struct struct_result *res)
{
	double times[MAX_ROUNDS];
	unsigned int n = 0;

	for (unsigned int round = 0; round < opt.build_rounds; round++) {
		double t0;
		int rc;

		if (round > 0)
			s->destroy(s);
		rc = s->create(s, t);
		if (rc < 0)
			return rc;
		t0 = now_s();
		rc = s->load(s, t);
		times[n++] = now_s() - t0;
		if (rc < 0) {
			s->destroy(s);
			return rc;
		}
		if (times[0] > SLOW_BUILD_S)
			break;
	}
	res->build_s = median(times, n);
	res->built = true;
	res->bytes = s->bytes(s, &res->bytes_allocated_only);
	return 0;
}

/* Cross-check a row's answers with the reference row's (the first row measured). */
static void check_row(struct row *r, const struct bench_addrs sets[SET_COUNT], size_t addr_size,
		      uint32_t *ref[SET_COUNT], const char **ref_name, uint32_t *scratch)
{
	char *name = malloc(64);

	for (int set = 0; set < SET_COUNT; set++) {
		uint32_t n = sets[set].n < CHECK_ADDRS ? sets[set].n : CHECK_ADDRS;

		lookup_results(r, &sets[set], addr_size, *ref_name == NULL ? ref[set] : scratch);
		if (*ref_name == NULL)
			continue;
		for (uint32_t i = 0; i < n; i++)
			r->mismatches += scratch[i] != ref[set][i];
		r->checked += n;
	}
	if (*ref_name == NULL && name != NULL) {
		snprintf(name, 64, "%s %s", r->s->name, r->v->name);
		*ref_name = name;
	} else {
		free(name);
	}
	r->checked_against = *ref_name;
}

static void print_results(const struct bench_table *t, struct row *rows, unsigned int n_rows,
			  struct struct_result *sres, struct bench_struct *structs);

static int run_family(int family)
{
	struct bench_table t;
	struct bench_addrs sets[SET_COUNT] = { 0 };
	struct bench_struct structs[6];
	struct struct_result sres[6] = { 0 };
	struct row rows[MAX_ROWS * 2];
	uint32_t *ref[SET_COUNT] = { 0 }, *scratch;
	const char *ref_name = NULL;
	unsigned int n_structs = 0, n_rows = 0;
	size_t addr_size = family == 4 ? 4 : 16;
	int rc;

	rc = bench_table_load(&t, family, opt.rib[family == 6], opt.limit);
	if (rc < 0)
		return rc;
	for (int set = 0; set < SET_COUNT; set++) {
		rc = bench_addrs_make(&sets[set], &t, (enum bench_set)set, opt.addresses, 1);
		ref[set] = malloc(CHECK_ADDRS * sizeof(uint32_t));
		if (rc < 0 || ref[set] == NULL)
			return -ENOMEM;
	}
	scratch = malloc(CHECK_ADDRS * sizeof(uint32_t));
	if (scratch == NULL)
		return -ENOMEM;

	/* DPDK first: the first row measured is the reference of the cross-check. */
	if (family == 4) {
		bench_rte_fib(&structs[n_structs++]);
		bench_rte_lpm(&structs[n_structs++]);
	} else {
		bench_rte_fib6(&structs[n_structs++]);
		bench_rte_lpm6(&structs[n_structs++]);
	}
	bench_hayate_poptrie(&structs[n_structs++], family);
	bench_hayate_rte_fib(&structs[n_structs++], family);

	printf("IPv%d: %u prefixes from %s; building...\n", family, t.n, t.path);
	fflush(stdout);
	for (unsigned int i = 0; i < n_structs; i++) {
		struct bench_struct *s = &structs[i];
		struct struct_result *res = &sres[i];
		const struct bench_variant *best = NULL;
		double best_in_table = -1;

		res->changes_single = res->changes_batch = res->reader_mlps = res->changes_short = NAN;
		if (!wanted(s->name))
			continue;
		if (build_struct(s, &t, res) < 0) {
			snprintf(res->note, sizeof(res->note), "build failed");
			continue;
		}
		printf("  %-16s built in %.3f s\n", s->name, res->build_s);
		fflush(stdout);
		for (unsigned int v = 0; v < s->n_variants; v++) {
			struct row *r = &rows[n_rows++];
			double samples[SET_COUNT][MAX_ROUNDS];

			*r = (struct row){ .s = s, .v = &s->variants[v] };
			if (r->v->select && (rc = r->v->select(s->ctx)) < 0) {
				fprintf(stderr, "bench-fib: %s %s not available here: %s\n", s->name, r->v->name,
					strerror(-rc));
				continue;
			}
			r->ok = true;
			check_row(r, sets, addr_size, ref, &ref_name, scratch);
			for (unsigned int round = 0; round < opt.rounds; round++)
				for (int set = 0; set < SET_COUNT; set++)
					samples[set][round] = lookup_round(r, &sets[set], addr_size);
			for (int set = 0; set < SET_COUNT; set++)
				r->mlps[set] = median(samples[set], opt.rounds);
			if (r->mlps[SET_IN_TABLE] > best_in_table) {
				best_in_table = r->mlps[SET_IN_TABLE];
				best = r->v;
			}
		}
		if (best != NULL && opt.update_s > 0) {
			measure_struct_updates(s, best, &t, &sets[SET_IN_TABLE], res);
			/* the same prefixes and next hops went back: the answers must not have changed
			 * (unless an update failed between its delete and its add) */
			for (unsigned int k = n_rows - s->n_variants; k < n_rows && res->note[0] == '\0'; k++) {
				uint64_t before = rows[k].mismatches;

				if (!rows[k].ok || rows[k].checked == 0)
					continue;
				if (rows[k].v->select)
					rows[k].v->select(s->ctx);
				rows[k].checked_against = ref_name;
				check_row(&rows[k], sets, addr_size, ref, &ref_name, scratch);
				if (rows[k].mismatches > before)
					snprintf(res->note, sizeof(res->note), "ANSWERS CHANGED by the updates");
			}
		}
		s->destroy(s);
	}
	print_results(&t, rows, n_rows, sres, structs);

	for (int set = 0; set < SET_COUNT; set++) {
		bench_addrs_free(&sets[set]);
		free(ref[set]);
	}
	free(scratch);
	free((void *)ref_name);
	bench_table_free(&t);
	return 0;
}

/* ---------------------------------------------------------------- output */

static void fmt_num(char *buf, size_t len, double v, const char *fmt)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
}

static const struct row *find_row(const struct row *rows, unsigned int n, const char *s, const char *v)
{
	for (unsigned int i = 0; i < n; i++)
		if (rows[i].ok && strcmp(rows[i].s->name, s) == 0 && strcmp(rows[i].v->name, v) == 0)
			return &rows[i];
	return NULL;
}

/* The Markdown form of the last print_results, printed after its text form. */
static char md[16384];
static size_t md_len;

static void md_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void md_add(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!opt.markdown || md_len >= sizeof(md))
		return;
	va_start(ap, fmt);
	n = vsnprintf(md + md_len, sizeof(md) - md_len, fmt, ap);
	va_end(ap);
	md_len = n < 0 ? md_len : md_len + (size_t)n;
}

static void print_target(const char *what, double value, double target, bool at_least, const char *unit)
{
	bool met = at_least ? value >= target : value <= target;
	char missed[32] = "";

	if (isnan(value)) {
		printf("  %-48s not measured\n", what);
		md_add("| %s | not measured | | |\n", what);
		return;
	}
	if (!met)
		snprintf(missed, sizeof(missed), " by %.0f%%",
			 at_least ? (1 - value / target) * 100 : (value / target - 1) * 100);
	printf("  %-48s %9.2f%s  target %s %.2f%s  %s%s\n", what, value, unit, at_least ? ">=" : "<=", target,
	       unit, met ? "met" : "MISSED", missed);
	md_add("| %s | %.2f%s | %s %.2f%s | %s%s |\n", what, value, unit, at_least ? ">=" : "<=", target, unit,
	       met ? "met" : "**missed**", missed);
}

static void print_markdown(void)
{
	if (opt.markdown)
		printf("\n%.*s\n", (int)md_len, md);
	fflush(stdout);
}

static void print_results(const struct bench_table *t, struct row *rows, unsigned int n_rows,
			  struct struct_result *sres, struct bench_struct *structs)
{
	double best[SET_COUNT] = { 0 }, best_mib = INFINITY, best_build = INFINITY, best_changes = 0;
	double best_short = 0;
	char b[9][24];

	printf("\nIPv%d: %u prefixes, %u addresses per set (random%s, in-table, hot %u), burst %u, median of %u "
	       "rounds\n",
	       t->family, t->n, opt.addresses, t->family == 6 ? " in 2000::/3" : "", BENCH_HOT_ADDRS, opt.burst,
	       opt.rounds);
	md_len = 0;
	md_add("| IPv%d, %u prefixes | random M/s | in-table M/s | hot M/s | MiB | build s | changes/s, one a "
	       "publish | changes/s, %u pairs a publish | changes/s of /%u and shorter | reader M/s during updates "
	       "| answers |\n"
	       "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
	       t->family, t->n, opt.update_batch, SHORT_LEN(t->family));
	printf("%-24s %9s %9s %9s %9s %8s %11s %11s %11s %9s  %s\n", "implementation", "random", "in-table", "hot",
	       "MiB", "build s", "changes/s", "batched/s", "short/s", "reader", "check");
	printf("%-24s %9s %9s %9s %9s %8s %11s %11s %11s %9s\n", "", "M/s", "M/s", "M/s", "", "", "1 a publish", "",
	       t->family == 4 ? "<= /" RTE_STR(SHORT_LEN4) : "<= /" RTE_STR(SHORT_LEN6), "M/s");
	for (unsigned int i = 0; i < n_rows; i++) {
		const struct row *r = &rows[i];
		const struct struct_result *sr = &sres[r->s - structs];
		char name[48], check[64];

		if (!r->ok)
			continue;
		snprintf(name, sizeof(name), "%s %s", r->s->name, r->v->name);
		for (int set = 0; set < SET_COUNT; set++)
			fmt_num(b[set], sizeof(b[set]), r->mlps[set], "%.1f");
		fmt_num(b[3], sizeof(b[3]), (double)sr->bytes / 1048576.0, sr->bytes_allocated_only ? "%.1f*" : "%.2f");
		fmt_num(b[4], sizeof(b[4]), sr->build_s, "%.3f");
		fmt_num(b[5], sizeof(b[5]), sr->changes_single, "%.0f");
		fmt_num(b[6], sizeof(b[6]), sr->changes_batch, "%.0f");
		fmt_num(b[7], sizeof(b[7]), sr->reader_mlps, "%.1f");
		fmt_num(b[8], sizeof(b[8]), sr->changes_short, "%.0f");
		if (r->checked == 0)
			snprintf(check, sizeof(check), "reference");
		else if (r->mismatches == 0)
			snprintf(check, sizeof(check), "agrees (%" PRIu64 ")", r->checked);
		else
			snprintf(check, sizeof(check), "%" PRIu64 " OF %" PRIu64 " DIFFER", r->mismatches, r->checked);
		printf("%-24s %9s %9s %9s %9s %8s %11s %11s %11s %9s  %s\n", name, b[0], b[1], b[2], b[3], b[4], b[5],
		       b[6], b[8], b[7], check);
		md_add("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, b[0], b[1], b[2], b[3],
		       b[4], b[5], b[6], b[8], b[7], check);
		if (r->s->dpdk) {
			for (int set = 0; set < SET_COUNT; set++)
				best[set] = fmax(best[set], r->mlps[set]);
			best_mib = fmin(best_mib, (double)sr->bytes / 1048576.0);
			best_build = fmin(best_build, sr->build_s);
			if (!isnan(sr->changes_single))
				best_changes = fmax(best_changes, sr->changes_single);
			if (!isnan(sr->changes_short))
				best_short = fmax(best_short, sr->changes_short);
		}
	}
	for (unsigned int i = 0; i < 6; i++)
		if (sres[i].note[0])
			printf("  note: %s: %s\n", structs[i].name, sres[i].note);
	printf("  * allocated, not what is in use (the library hides it)\n");

	printf("ratio to the best DPDK structure per column (lookups, changes: higher is better; MiB, build: lower)\n");
	md_add("\n| ratio to the best DPDK | random | in-table | hot | MiB | build | changes/s | batched | short |\n"
	       "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (unsigned int i = 0; i < n_rows; i++) {
		const struct row *r = &rows[i];
		const struct struct_result *sr = &sres[r->s - structs];
		char name[48];

		if (!r->ok || r->s->dpdk || best[SET_RANDOM] == 0)
			continue;
		snprintf(name, sizeof(name), "%s %s", r->s->name, r->v->name);
		for (int set = 0; set < SET_COUNT; set++)
			fmt_num(b[set], sizeof(b[set]), r->mlps[set] / best[set], "%.2fx");
		fmt_num(b[3], sizeof(b[3]), (double)sr->bytes / 1048576.0 / best_mib, "%.3fx");
		fmt_num(b[4], sizeof(b[4]), sr->build_s / best_build, "%.3fx");
		fmt_num(b[5], sizeof(b[5]), sr->changes_single / best_changes, "%.2fx");
		fmt_num(b[6], sizeof(b[6]), sr->changes_batch / best_changes, "%.2fx");
		fmt_num(b[8], sizeof(b[8]), best_short > 0 ? sr->changes_short / best_short : NAN, "%.2fx");
		printf("%-24s %9s %9s %9s %9s %8s %11s %11s %11s\n", name, b[0], b[1], b[2], b[3], b[4], b[5], b[6],
		       b[8]);
		md_add("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, b[0], b[1], b[2], b[3], b[4], b[5],
		       b[6], b[8]);
	}

	/* The targets, for hayate's Poptrie (bulk lookups) against rte_fib/rte_fib6 AVX-512. */
	const struct row *ours = find_row(rows, n_rows, "hayate poptrie", "bulk");
	const struct row *theirs =
		find_row(rows, n_rows, t->family == 4 ? "rte_fib dir24_8" : "rte_fib6 trie", "avx512");
	const char *vs = t->family == 4 ? "rte_fib AVX-512" : "rte_fib6 AVX-512";
	char what[96];

	printf("targets (hayate poptrie bulk):\n");
	md_add("\n| target (hayate poptrie bulk) | measured | target | |\n|---|---:|---:|---|\n");
	if (ours == NULL) {
		printf("  hayate poptrie not measured\n");
		print_markdown();
		return;
	}
	const struct struct_result *os = &sres[ours->s - structs];
	if (theirs != NULL) {
		if (t->family == 4) {
			snprintf(what, sizeof(what), "random / %s", vs);
			print_target(what, ours->mlps[SET_RANDOM] / theirs->mlps[SET_RANDOM], 1.3, true, "x");
			snprintf(what, sizeof(what), "in-table / %s", vs);
			print_target(what, ours->mlps[SET_IN_TABLE] / theirs->mlps[SET_IN_TABLE], 1.3, true, "x");
			snprintf(what, sizeof(what), "hot / %s", vs);
			print_target(what, ours->mlps[SET_HOT] / theirs->mlps[SET_HOT], 0.7, true, "x");
		} else {
			snprintf(what, sizeof(what), "in-table / %s", vs);
			print_target(what, ours->mlps[SET_IN_TABLE] / theirs->mlps[SET_IN_TABLE], 2.0, true, "x");
			snprintf(what, sizeof(what), "hot / %s", vs);
			print_target(what, ours->mlps[SET_HOT] / theirs->mlps[SET_HOT], 1.0, true, "x");
		}
	} else {
		printf("  %s not measured: no lookup ratios\n", vs);
	}
	print_target("structure size", (double)os->bytes / 1048576.0, t->family == 4 ? 5.0 : 4.0, false, " MiB");
	if (t->family == 4)
		print_target("full-table build", os->build_s, 0.3, false, " s");
	print_target("route changes/s, one per publish, reader on", os->changes_single / 1e6, 1.0, true, " M");
	snprintf(what, sizeof(what), "route changes/s, %u pairs per publish", opt.update_batch);
	print_target(what, os->changes_batch / 1e6, 1.0, true, " M");
	print_markdown();
}

/* ------------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench-fib [options]\n"
		"  --rib4 FILE, --rib6 FILE  prefix lists, gzip or text (default ../shared/data/rib{4,6}.txt.gz)\n"
		"  --family 4|6              one family only\n"
		"  --only LIST               structures whose name contains one of these words, comma-separated\n"
		"                            (e.g. hayate,rte_fib; rte_lpm takes ~90 s to build the IPv4 table)\n"
		"  --rounds N                rounds per measurement, median printed (default %u)\n"
		"  --build-rounds N          builds timed per structure (default %u; builds over %.0f s: one)\n"
		"  --addresses N             addresses per set (default %u)\n"
		"  --burst N                 addresses per lookup call, <= %d (default %u)\n"
		"  --limit N                 use N prefixes spread over the table (quick runs)\n"
		"  --update-seconds S        per update round (default %.2f; 0 skips updates)\n"
		"  --update-batch N          delete+add pairs per publish in the batched column (default %u)\n"
		"  --no-huge                 run without hugepages (slower; development only)\n"
		"  --markdown                also print the results as Markdown tables (docs/benchmarks.md)\n"
		"  --eal \"ARGS\"              more EAL arguments (after: %s)\n",
		opt.rounds, opt.build_rounds, SLOW_BUILD_S, opt.addresses, BENCH_BURST_MAX, opt.burst,
		opt.update_s, opt.update_batch, EAL_ARGS);
}

static int parse_args(int argc, char **argv)
{
	enum { O_RIB4 = 256, O_RIB6, O_FAMILY, O_ONLY, O_ROUNDS, O_BROUNDS, O_ADDRS, O_BURST, O_LIMIT, O_USEC,
	       O_UBATCH, O_NOHUGE, O_MD, O_EAL, O_HELP };
	static const struct option longopts[] = {
		{ "rib4", required_argument, NULL, O_RIB4 },
		{ "rib6", required_argument, NULL, O_RIB6 },
		{ "family", required_argument, NULL, O_FAMILY },
		{ "only", required_argument, NULL, O_ONLY },
		{ "rounds", required_argument, NULL, O_ROUNDS },
		{ "build-rounds", required_argument, NULL, O_BROUNDS },
		{ "addresses", required_argument, NULL, O_ADDRS },
		{ "burst", required_argument, NULL, O_BURST },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "update-seconds", required_argument, NULL, O_USEC },
		{ "update-batch", required_argument, NULL, O_UBATCH },
		{ "no-huge", no_argument, NULL, O_NOHUGE },
		{ "markdown", no_argument, NULL, O_MD },
		{ "eal", required_argument, NULL, O_EAL },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_RIB4: opt.rib[0] = optarg; break;
		case O_RIB6: opt.rib[1] = optarg; break;
		case O_FAMILY: opt.family = atoi(optarg); break;
		case O_ONLY: opt.only = optarg; break;
		case O_ROUNDS: opt.rounds = (unsigned int)atoi(optarg); break;
		case O_BROUNDS: opt.build_rounds = (unsigned int)atoi(optarg); break;
		case O_ADDRS: opt.addresses = (uint32_t)strtoul(optarg, NULL, 0); break;
		case O_BURST: opt.burst = (unsigned int)atoi(optarg); break;
		case O_LIMIT: opt.limit = (uint32_t)strtoul(optarg, NULL, 0); break;
		case O_USEC: opt.update_s = atof(optarg); break;
		case O_UBATCH: opt.update_batch = (unsigned int)atoi(optarg); break;
		case O_NOHUGE: opt.no_huge = true; break;
		case O_MD: opt.markdown = true; break;
		case O_EAL: opt.eal = optarg; break;
		case O_HELP: usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc || (opt.family != 0 && opt.family != 4 && opt.family != 6) || opt.rounds < 1 ||
	    opt.rounds > MAX_ROUNDS || opt.build_rounds < 1 || opt.build_rounds > MAX_ROUNDS || opt.burst < 1 ||
	    opt.burst > BENCH_BURST_MAX || opt.addresses < BENCH_BURST_MAX || opt.update_s < 0 ||
	    opt.update_batch < 1) {
		fprintf(stderr, "bench-fib: bad arguments (rounds 1..%d, burst 1..%d, family 4 or 6)\n", MAX_ROUNDS,
			BENCH_BURST_MAX);
		return -1;
	}
	return 0;
}

static int eal_init(void)
{
	static char buf[1024];
	char *argv[64], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s %s %s", EAL_ARGS, opt.no_huge ? EAL_NO_HUGE : EAL_HUGE,
		 opt.eal ? opt.eal : "");
	argv[argc++] = (char *)"bench-fib";
	for (char *tok = strtok_r(buf, " ", &save); tok && argc < 63; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	optind = 1;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "bench-fib: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t qsize;
	int rc = 0;

	if (parse_args(argc, argv) < 0)
		return 2;
	if (eal_init() < 0)
		return 1;
	qsize = rte_rcu_qsbr_get_memsize(1);
	bench_qsbr = rte_zmalloc("bench_qsbr", qsize, RTE_CACHE_LINE_SIZE);
	if (bench_qsbr == NULL || rte_rcu_qsbr_init(bench_qsbr, 1) != 0) {
		fprintf(stderr, "bench-fib: cannot set up the QSBR variable\n");
		return 1;
	}
	printf("bench-fib: main lcore %u, reader lcore %d, TSC %.2f GHz, max SIMD %u bits\n", rte_lcore_id(),
	       (int)rte_get_next_lcore(rte_lcore_id(), 1, 0), (double)rte_get_tsc_hz() / 1e9,
	       (unsigned int)rte_vect_get_max_simd_bitwidth());
	for (int family = 4; family <= 6; family += 2) {
		if (opt.family != 0 && opt.family != family)
			continue;
		if (run_family(family) < 0)
			rc = 1;
	}
	rte_free(bench_qsbr);
	rte_eal_cleanup();
	return rc;
}
