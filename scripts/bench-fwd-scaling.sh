#!/usr/bin/env bash
# Forwarding throughput from 1 to N lcores on a many-core machine: hayate-fwd against DPDK's l3fwd in FIB mode
# (and testpmd io, the harness ceiling, where dpdk-testpmd is installed), 64-byte frames, full IPv4 table,
# one net_pcap vdev (infinite_rx) per lcore into net_null. Meant to run once, unattended, in ~8 minutes:
#   scripts/bench-fwd-scaling.sh [MAX_LCORES]      (default: up to 14, at most CPUs - 2)
# It builds the project here first (scripts/build.sh build-scaling), then l3fwd with full-table limits; on a
# machine without DPDK or meson it runs from a bundle made elsewhere (scripts/bench-fwd-scaling-bundle.sh).
# Environment:
#   OUT             folder for the results: bench-fwd-scaling.txt (the report, or what is missing), .json (the
#                   figures), .log (every step), logs/ (each engine's output); default build-scaling/results.
#                   The bulky parts (pcaps, l3fwd's build) stay in build-scaling/work.
#   HAYATE_DATA     folder with rib4.txt.gz; default ../shared/data, then shared/data, then out/data
#   SCALING_LCORES  lcore counts to measure, e.g. 1,2,4,8,14 (default: 1,2,4,6,8,10,12,14 up to the maximum)
#   SCALING_BUILD   use this existing build folder instead of building build-scaling (to try the script)
#   SCALING_CPUS    CPUs of the forwarding lcores (default: auto, one per physical core first, not CPU 0 nor the
#                   last); SCALING_MIN_CPUS (default 4) lets a small machine try the script.
#   SCALING_BUNDLE  run from a prebuilt bundle (scripts/bench-fwd-scaling-bundle.sh make) on a machine without
#                   DPDK, meson or a compiler: hayate-fwd, l3fwd and testpmd come from it, with their libraries,
#                   and the table too where HAYATE_DATA names none.
#   SCALING_NO_HUGE=1  run without hugepages (--no-huge) even where they could be reserved.
#   SCALING_STARTS  rounds: starts of each engine per lcore count (default 1), counts and engines taking turns
#                   within a round; a VM's figures can differ from one start to the next far more than between
#                   the windows of one start, and the report gives each round's ratios.
#   SCALING_ENGINES engines to measure (default testpmd-io,hayate,l3fwd-fib; run.py --engines names them all)
# The table lives outside the repository (../shared/data): on a machine that gets only the working tree, copy
# ../shared/data/rib4.txt.gz to out/data/ (ignored by git) and carry out/data with it; a bundle holds it.
# Anything missing (DPDK, meson, the table, root, hugepages) is listed at once, in the results file too.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)
out=${OUT:-$root/build-scaling/results}
work=$root/build-scaling/work
mkdir -p "$out" "$work"
out=$(cd "$out" && pwd)
results=$out/bench-fwd-scaling.log
report=$out/bench-fwd-scaling.txt
: >"$results"
rm -f "$report"
say() { echo "$*" | tee -a "$results" >&2; }

# ---- what this machine lacks, all of it at once
missing=()
bundle=${SCALING_BUNDLE:-}
if [ -n "$bundle" ]; then
	bundle=$(cd "$bundle" && pwd) || exit 2
	needed=(python3 flock)
	for f in bin/hayate-fwd bin/dpdk-l3fwd bin/dpdk-testpmd; do
		[ -x "$bundle/$f" ] || missing+=("$f in the bundle $bundle")
	done
else
	needed=(meson ninja cc pkg-config python3 perl flock)
fi
for cmd in "${needed[@]}"; do
	command -v "$cmd" >/dev/null || missing+=("command $cmd")
done
if command -v python3 >/dev/null && ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
	missing+=("Python >= 3.10 (python3 is $(python3 -V 2>&1))")
fi
if [ -z "$bundle" ] && command -v pkg-config >/dev/null; then
	pkg-config --atleast-version=22.11 libdpdk 2>/dev/null ||
		missing+=("DPDK >= 22.11 development files (pkg-config libdpdk: $(pkg-config --modversion libdpdk 2>&1 | head -1); Debian: libdpdk-dev dpdk)")
	pkg-config --exists jansson 2>/dev/null || missing+=("jansson development files (Debian: libjansson-dev)")
	pkg-config --exists libsystemd 2>/dev/null || missing+=("libsystemd development files (Debian: libsystemd-dev)")
	if pkg-config --exists libdpdk 2>/dev/null; then
		libdir=$(pkg-config --variable=libdir libdpdk)
		for pmd in net_pcap net_null; do
			find "$libdir" -name "librte_${pmd}.so*" 2>/dev/null | grep -q . ||
				missing+=("DPDK driver $pmd (librte_${pmd}.so under $libdir)")
		done
	fi
fi
[ -n "$bundle" ] || [ -f /usr/share/dpdk/examples/l3fwd/main.c ] ||
	missing+=("/usr/share/dpdk/examples/l3fwd (Debian: dpdk-doc)")
data=
for d in "${HAYATE_DATA:-}" "$root/../shared/data" "$root/shared/data" "$root/out/data" "$bundle"; do
	if [ -n "$d" ] && [ -f "$d/rib4.txt.gz" ]; then data=$d; break; fi
done
[ -n "$data" ] || missing+=("the table rib4.txt.gz (set HAYATE_DATA, or carry it to out/data/rib4.txt.gz)")
[ "$(id -u)" = 0 ] || missing+=("root (hugepages, EAL)")
if [ "${SCALING_NO_HUGE:-0}" = 1 ]; then
	say "note: SCALING_NO_HUGE=1: running without hugepages (--no-huge), which is 2-3x slower"
elif [ ! -w /proc/sys/vm/nr_hugepages ]; then
	say "note: /proc/sys/vm/nr_hugepages is not writable: running without hugepages (--no-huge), which is 2-3x slower"
fi
ncpu=$(nproc)
[ "$ncpu" -ge "${SCALING_MIN_CPUS:-4}" ] || missing+=("at least ${SCALING_MIN_CPUS:-4} CPUs (this machine has $ncpu)")
say "machine: $ncpu CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
if ((${#missing[@]})); then
	say "bench-fwd-scaling: cannot run, missing:"
	for m in "${missing[@]}"; do say "  - $m"; done
	cp "$results" "$report"
	exit 2
fi

# ---- build
build=${SCALING_BUILD:-}
if [ -n "$bundle" ]; then
	say "== using the bundle in $bundle: $(cat "$bundle/VERSION" 2>/dev/null | head -1)"
	# Its bin/ holds wrappers that run each program on the bundle's libraries and drivers; dpdk-testpmd is
	# found on the PATH.
	PATH=$bundle/bin:$PATH
	hayate_bin=$bundle/bin/hayate-fwd
elif [ -n "$build" ]; then
	build=$(cd "$build" && pwd)
	say "== using the build in $build"
else
	build=$root/build-scaling
	say "== build (scripts/build.sh build-scaling)"
	if ! scripts/build.sh build-scaling -Dmarch=native >"$work/build.log" 2>&1; then
		# Another component's unit test or tool may not build; the forwarder alone is enough here.
		ninja -C build-scaling fwd/hayate-fwd >>"$work/build.log" 2>&1 ||
			{ say "build of fwd/hayate-fwd failed:"; tail -30 "$work/build.log" | tee -a "$results" >&2; exit 1; }
		say "note: the full build failed, fwd/hayate-fwd built alone; the first error:"
		grep -m3 -B2 -A8 'error' "$work/build.log" | tee -a "$results" >&2
	fi
	say "build done in $(($(date +%s) - started)) s"
fi
[ -n "$bundle" ] || hayate_bin=$build/fwd/hayate-fwd
[ -x "$hayate_bin" ] || { say "no $hayate_bin"; exit 1; }

# ---- lcore counts: CPU 0 runs the manager (hayate-fwd) or main lcore (testpmd); the last CPU is left to this
# runner and the kernel.
max=${1:-14}
cpus=${SCALING_CPUS:-auto}
if [ "$cpus" = auto ]; then
	((max > ncpu - 2)) && max=$((ncpu - 2))
else
	n_listed=$(echo "$cpus" | tr ',' '\n' | grep -c .)
	((max > n_listed)) && max=$n_listed
fi
counts=${SCALING_LCORES:-}
if [ -z "$counts" ]; then
	for n in 1 2 4 6 8 10 12 14; do ((n <= max)) && counts+=${counts:+,}$n; done
	((max > 1)) && [[ ",$counts," != *",$max,"* ]] && counts+=,$max
fi
engines=hayate,l3fwd-fib
command -v dpdk-testpmd >/dev/null && engines=testpmd-io,$engines
engines=${SCALING_ENGINES:-$engines}
frames=65536
say "lcores $counts; engines $engines; table $data/rib4.txt.gz"

# ---- hugepages: each lcore's pcap copy (~82k mbufs of 2.3 KB) plus the tables (l3fwd keeps 1 GiB of IPv6
# tbl8 groups even for its one IPv6 route), with room to spare.
pages=$((max * 100 + 1536))
no_huge=()
exec 9>/tmp/hayate-hugepages.lock
flock 9
old_pages=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
runner=
cleanup() {
	if [ -n "$runner" ] && kill -0 "$runner" 2>/dev/null; then
		kill -TERM "$runner" 2>/dev/null
		wait "$runner" 2>/dev/null
	fi
	if [ "${SCALING_NO_HUGE:-0}" != 1 ] && [ -w /proc/sys/vm/nr_hugepages ]; then
		echo "$old_pages" >/proc/sys/vm/nr_hugepages
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "${SCALING_NO_HUGE:-0}" = 1 ]; then
	no_huge=(--no-huge $((max * 220 + 2048)))
elif [ -w /proc/sys/vm/nr_hugepages ]; then
	echo $((old_pages + pages)) >/proc/sys/vm/nr_hugepages
	got=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$got" -lt $((old_pages + pages)) ]; then
		say "note: asked for $((old_pages + pages)) hugepages, got $got: running without hugepages"
		no_huge=(--no-huge $((max * 220 + 2048)))
	fi
else
	no_huge=(--no-huge $((max * 220 + 2048)))
fi

# ---- traffic and l3fwd
say "== traffic and l3fwd"
python3 dataplane/bench/fwd/traffic.py --table "$data/rib4.txt.gz" --out "$work/traffic" --streams "$max" \
	--frames "$frames" --profiles 64 2>&1 | tee -a "$results" >&2
if [ -n "$bundle" ]; then
	l3fwd_bin=$bundle/bin/dpdk-l3fwd
else
	# run.py gives l3fwd the pool floor of each lcore count (L3FWD_MIN_MBUFS); this one is the fallback.
	dataplane/bench/fwd/build-l3fwd.sh "$work/l3fwd-build" $((max * (frames + 16384))) 2>&1 | tee -a "$results" >&2
	l3fwd_bin=$work/l3fwd-build/dpdk-l3fwd
fi
[ -x "$l3fwd_bin" ] || { say "l3fwd build failed"; exit 1; }
say "ready after $(($(date +%s) - started)) s"

# ---- run: short windows, one start each, so that 8 counts x 3 engines fit the time
PYTHONPATH=$root/dataplane/agent python3 dataplane/bench/fwd/run.py \
	--traffic "$work/traffic" --workdir "$out/logs" --l3fwd "$l3fwd_bin" \
	--hayate "$hayate_bin" --engines "$engines" --profiles 64 --lcores "$counts" \
	--cpus "$cpus" --main-cpu 0 --frames "$frames" --starts "${SCALING_STARTS:-1}" --windows 3 --window 1 --warmup 1.5 \
	--json "$out/bench-fwd-scaling.json" "${no_huge[@]}" >>"$results" 2>&1 &
runner=$!
wait "$runner"
rc=$?
runner=
say "finished in $(($(date +%s) - started)) s (rc $rc); report $report, figures $out/bench-fwd-scaling.json"
if [ -f "$report" ]; then
	{ grep -m1 '^machine:' "$results"; cat "$report"; } | tee "$report.tmp"
	mv "$report.tmp" "$report"
else
	tail -30 "$results"
fi
exit "$rc"
