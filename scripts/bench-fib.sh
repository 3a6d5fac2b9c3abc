#!/usr/bin/env bash
# The FIB benchmark (`make bench-fib`): scripts/bench-fib.sh [BUILD] [bench-fib options...]
# hayate's Poptrie beside DPDK's rte_lpm, rte_fib, rte_fib6 and rte_lpm6 on the real tables of
# ../shared/data, in one run.  Holds the machine's hugepage lock for the whole run, raises
# vm.nr_hugepages by what the run needs and puts the previous value back on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}; shift || true
data=${HAYATE_DATA:-../shared/data}
pages=${HAYATE_BENCH_HUGEPAGES:-1536} # 2 MiB pages: 3 GiB, the largest structure set of one family
bench="$build/bench/fib/bench-fib"

if [ ! -f "$data/rib4.txt.gz" ] || [ ! -f "$data/rib6.txt.gz" ]; then
	echo "bench-fib: the real tables are not in $data (rib4.txt.gz, rib6.txt.gz): nothing to measure"
	exit 0
fi
if [ ! -x "$bench" ]; then
	echo "bench-fib: $bench not built (run: scripts/build.sh $build)" >&2
	exit 1
fi

exec 9>/tmp/hayate-hugepages.lock
echo "bench-fib: waiting for /tmp/hayate-hugepages.lock" >&2
flock 9
previous=$(cat /proc/sys/vm/nr_hugepages)
restore() { echo "$previous" >/proc/sys/vm/nr_hugepages; }
trap restore EXIT
trap 'exit 130' INT TERM
echo $((previous + pages)) >/proc/sys/vm/nr_hugepages
got=$(($(cat /proc/sys/vm/nr_hugepages) - previous))
if [ "$got" -lt "$pages" ]; then
	echo "bench-fib: only $got of $pages hugepages could be reserved; continuing (builds may fail)" >&2
fi

echo "# bench-fib $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(uname -r)"
echo "# command: scripts/bench-fib.sh $build $*"
"$bench" --rib4 "$data/rib4.txt.gz" --rib6 "$data/rib6.txt.gz" "$@"
