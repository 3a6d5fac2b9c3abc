#!/usr/bin/env bash
# The forwarding benchmark (`make bench-fwd`): hayate-fwd against DPDK's l3fwd (LPM and FIB modes, full table)
# and testpmd's io mode (the harness ceiling), CPU-bound: net_pcap replaying from memory into net_null.
#   scripts/bench-fwd.sh [BUILD] [run.py options...]
# BUILD is the meson build folder holding fwd/hayate-fwd (default: build). Environment:
#   HAYATE_DATA        folder with rib4.txt.gz and rib6.txt.gz (default ../shared/data); without rib6 the IPv6
#                      profile (64v6) is left out and l3fwd gets a one-route IPv6 table
#   BENCH_FWD_OUT      folder for traffic, logs and results (default BUILD/bench-fwd)
#   BENCH_FWD_HUGEPAGES  2 MiB hugepages to add for the run (default: 2.5 KB per mbuf of the pcap copies, plus
#                      3 GiB for the tables)
#   BENCH_FWD_ENGINES  engines to run (default testpmd-io,l3fwd-lpm,l3fwd-fib,hayate,hayate-rte_fib, the last
#                      being hayate-fwd with DPDK's rte_fib as its FIB; the hayate ones are left out, with a
#                      message, when BUILD has no hayate-fwd; hayate-urpf and hayate-urpf-strict, not in the
#                      default, are hayate-fwd with loose or strict uRPF on its ports:
#                      BENCH_FWD_ENGINES=hayate,hayate-urpf,hayate-urpf-strict gives their cost)
#   BENCH_FWD_LCORES   forwarding lcore counts (default 1,2); their CPUs are --cpus (default 1,0: on a 2-CPU
#                      machine the second lcore shares CPU 0 with testpmd's main lcore / hayate's manager)
#   BENCH_FWD_FRAMES   frames per pcap, i.e. distinct flows and destinations per lcore (default 65536)
#   BENCH_FWD_BASE     a second build folder (e.g. of the last commit, from a git worktree): its hayate-fwd runs
#                      as engine hayate-base beside the others, for a before/after comparison in one run
# Further arguments go to dataplane/bench/fwd/run.py (--profiles, --starts, --windows, --window, --cpus ...).
# Results: BENCH_FWD_OUT/results.txt (the report) and results.json; each engine's output under logs/.
# Holds /tmp/hayate-hugepages.lock for the whole run, raises vm.nr_hugepages and puts the old value back on exit.
# Every process it starts is stopped by its PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build}
shift || true
data=${HAYATE_DATA:-$root/../shared/data}
out=${BENCH_FWD_OUT:-$build/bench-fwd}
engines=${BENCH_FWD_ENGINES:-testpmd-io,l3fwd-lpm,l3fwd-fib,hayate,hayate-rte_fib}
frames=${BENCH_FWD_FRAMES:-65536}
lcores=${BENCH_FWD_LCORES:-1,2}
profiles=64,imix
table6=()
if [ -f "$data/rib6.txt.gz" ]; then
	profiles=64,imix,64v6
	table6=(--table6 "$data/rib6.txt.gz")
fi
base=()
if [ -n "${BENCH_FWD_BASE:-}" ]; then
	[ -x "$BENCH_FWD_BASE/fwd/hayate-fwd" ] || { echo "bench-fwd: no $BENCH_FWD_BASE/fwd/hayate-fwd" >&2; exit 1; }
	[[ ",$engines," == *,hayate-base,* ]] || engines=$engines,hayate-base
	base=(--hayate-base "$BENCH_FWD_BASE/fwd/hayate-fwd")
fi
python=$root/.venv/bin/python
[ -x "$python" ] || python=python3

die() { echo "bench-fwd: $*" >&2; exit 1; }
[ -f "$data/rib4.txt.gz" ] || die "no $data/rib4.txt.gz (set HAYATE_DATA to the folder of the shared tables)"
command -v dpdk-testpmd >/dev/null || die "dpdk-testpmd not found (Debian package dpdk-dev)"
[ "$(id -u)" = 0 ] || die "needs root (hugepages)"
if [[ $engines == *hayate* ]] && [ ! -x "$build/fwd/hayate-fwd" ]; then
	echo "bench-fwd: $build/fwd/hayate-fwd not built: measuring the DPDK engines only" >&2
	engines=$(echo "$engines" | tr ',' '\n' | grep -v '^hayate' | paste -sd,)
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The largest lcore count sets the pcap streams and l3fwd's mbuf pool floor.
max_lcores=$(echo "$lcores" | tr ',' '\n' | sort -n | tail -1)
pages=${BENCH_FWD_HUGEPAGES:-$((max_lcores * (frames + 16384) * 5 / 4096 + 1536))}
echo "== traffic: $frames frames per pcap, $max_lcores streams per profile, table $data/rib4.txt.gz" >&2
stamp=$out/traffic/.stamp-$frames-$max_lcores-$profiles
if [ ! -f "$stamp" ] || [ "$data/rib4.txt.gz" -nt "$stamp" ] || [ dataplane/bench/fwd/traffic.py -nt "$stamp" ]; then
	rm -rf "$out/traffic"
	"$python" dataplane/bench/fwd/traffic.py --table "$data/rib4.txt.gz" "${table6[@]}" --out "$out/traffic" \
		--streams "$max_lcores" --frames "$frames" --profiles "$profiles"
	touch "$stamp"
fi
echo "== l3fwd with full-table limits" >&2
dataplane/bench/fwd/build-l3fwd.sh "$out/l3fwd-build" $((max_lcores * (frames + 16384))) >&2

exec 9>/tmp/hayate-hugepages.lock
echo "== waiting for /tmp/hayate-hugepages.lock" >&2
flock 9
old_pages=$(cat /proc/sys/vm/nr_hugepages)
runner=
cleanup() {
	local rc=$?
	if [ -n "$runner" ] && kill -0 "$runner" 2>/dev/null; then
		kill -TERM "$runner" 2>/dev/null || true
		wait "$runner" 2>/dev/null || true
	fi
	echo "$old_pages" >/proc/sys/vm/nr_hugepages
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
echo $((old_pages + pages)) >/proc/sys/vm/nr_hugepages
got=$(cat /proc/sys/vm/nr_hugepages)
[ "$got" -ge $((old_pages + pages)) ] || die "asked for $((old_pages + pages)) hugepages, the kernel gave $got"

echo "== run ($(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))" >&2
PYTHONPATH=$root/dataplane/agent${PYTHONPATH:+:$PYTHONPATH} "$python" dataplane/bench/fwd/run.py \
	--traffic "$out/traffic" --workdir "$out/logs" --l3fwd "$out/l3fwd-build/dpdk-l3fwd" \
	--hayate "$build/fwd/hayate-fwd" --engines "$engines" --lcores "$lcores" --frames "$frames" \
	--profiles "$profiles" --profile-lcores 64v6=1 "${base[@]}" \
	--json "$out/results.json" "$@" &
runner=$!
wait "$runner"
