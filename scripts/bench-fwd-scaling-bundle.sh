#!/usr/bin/env bash
# scripts/bench-fwd-scaling.sh on a many-core machine that has no DPDK, meson or compiler (a lent x86-64 box whose
# glibc is at least this machine's): build everything here into a bundle, carry it there, run from it.
#   scripts/bench-fwd-scaling-bundle.sh make [DIR]               build here, fill DIR (default out/scaling-bundle)
#   scripts/bench-fwd-scaling-bundle.sh check [DIR]              each program of DIR starts on DIR's files alone
#   scripts/bench-fwd-scaling-bundle.sh run [DIR] [MAX_LCORES]   there: the scaling benchmark from DIR
# The bundle holds hayate-fwd (built for -march=x86-64-v3: its AVX-512 lookup is chosen at run time), DPDK's l3fwd
# (build-l3fwd.sh, full-table limits), dpdk-testpmd, every shared library they and the drivers they use need
# except glibc's own, those drivers (net_pcap, net_null, mempool_ring), and the table rib4.txt.gz. bin/ holds one
# wrapper per program that sets LD_LIBRARY_PATH and names the drivers with EAL's -d, so that nothing of a DPDK
# installed there (or here) is loaded. DIR must be ignored by git (out/ is): the table must not be committed.
# `run` passes its environment on to bench-fwd-scaling.sh (OUT, SCALING_LCORES, SCALING_NO_HUGE, ...).
# `make` with BUNDLE_HAYATE_FWD=FILE BUNDLE_HAYATE_STATE=TEXT bundles that hayate-fwd (e.g. one built from a
# commit with git archive) instead of building the working tree; TEXT says what it was built from.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
verb=${1:-}
dir=${2:-out/scaling-bundle}
# The drivers EAL needs for the benchmark's ports and pools, loaded with -d (EAL's default driver folder is a
# path of the machine that built DPDK).
PMDS=(net_pcap net_null mempool_ring)
# glibc's libraries come from the machine that runs the bundle: its loader must match them.
SYSTEM_LIBS='^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libresolv)[.-]'
MAX_MIB=40

# wrapper NAME MODE: bin/NAME runs libexec/NAME on the bundle's libraries; MODE is how it passes the drivers:
# "eal" puts -d first (testpmd, l3fwd: EAL options come first), "after-sep" after a "--" (hayate-fwd -c FILE --
# EAL-ARGS).
wrapper() {
	local name=$1 mode=$2 args="" pmd
	for pmd in "${PMDS[@]}"; do
		args+=" -d \"\$b/lib/librte_${pmd}.so.$abi\""
	done
	{
		echo '#!/bin/sh'
		echo "# $name on the libraries and drivers of this bundle (scripts/bench-fwd-scaling-bundle.sh)."
		echo 'b=$(cd "$(dirname "$0")/.." && pwd)'
		echo 'LD_LIBRARY_PATH=$b/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}'
		echo 'export LD_LIBRARY_PATH'
		if [ "$mode" = eal ]; then
			echo "exec \"\$b/libexec/$name\"$args \"\$@\""
		else
			echo 'sep=--'
			echo 'for a in "$@"; do [ "$a" = -- ] && sep=; done'
			echo "exec \"\$b/libexec/$name\" \"\$@\" \$sep$args"
		fi
	} >"$dir/bin/$name"
	chmod +x "$dir/bin/$name"
}

# isolated CMD...: runs CMD with EAL's default driver folder (compiled into librte_eal, e.g.
# /usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0) hidden where it exists, as here: EAL loads every driver in it, and a
# second copy of a driver that the bundle already loaded stops EAL ("bus already registered"). The lent machine
# has no DPDK, so there the command runs as it is.
isolated() {
	local eal pmd_dir
	eal=$(find "$dir/lib" -name 'librte_eal.so.*' | head -1)
	pmd_dir=$(grep -aom1 '/[[:alnum:]/_.-]*/dpdk/pmds-[0-9.]*' "$eal" || true)
	if [ -z "$pmd_dir" ] || [ ! -d "$pmd_dir" ]; then
		"$@"
	elif [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
		mkdir -p /tmp/hayate-scaling-empty
		unshare -m sh -c 'mount --bind /tmp/hayate-scaling-empty "$0" && exec "$@"' "$pmd_dir" "$@"
	else
		echo "isolated: $pmd_dir exists and hiding it needs root and unshare" >&2
		return 1
	fi
}

# copy_libs FILE...: every library the files need (ldd's whole closure), glibc's excepted, into lib/ under the
# name the loader asks for.
copy_libs() {
	local soname path
	while read -r soname path; do
		[[ $soname =~ $SYSTEM_LIBS ]] && continue
		[ -e "$dir/lib/$soname" ] || cp -L "$path" "$dir/lib/$soname"
	done < <(ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u)
}

make_bundle() {
	local libdir data frames=65536 max=14
	command -v pkg-config >/dev/null && pkg-config --exists libdpdk ||
		{ echo "make: DPDK's development files are needed here (pkg-config libdpdk)" >&2; exit 1; }
	libdir=$(pkg-config --variable=libdir libdpdk)
	abi=$(readlink -f "$libdir/librte_eal.so" | sed -n 's/.*librte_eal\.so\.\([0-9]*\)\..*/\1/p')
	data=
	for d in "${HAYATE_DATA:-}" "$root/../shared/data" "$root/shared/data" "$root/out/data"; do
		if [ -n "$d" ] && [ -f "$d/rib4.txt.gz" ]; then data=$d; break; fi
	done
	[ -n "$data" ] || { echo "make: no rib4.txt.gz (set HAYATE_DATA)" >&2; exit 1; }
	case "$(cd "$(dirname "$dir")" 2>/dev/null && pwd)/" in
	"$root"/*) git check-ignore -q "$dir" || { echo "make: $dir is not ignored by git" >&2; exit 1; } ;;
	esac

	local hayate_fwd state
	if [ -n "${BUNDLE_HAYATE_FWD:-}" ]; then
		hayate_fwd=$BUNDLE_HAYATE_FWD
		state=${BUNDLE_HAYATE_STATE:?BUNDLE_HAYATE_STATE: say what $hayate_fwd was built from}
		echo "== hayate-fwd: $hayate_fwd ($state)"
	else
		echo "== hayate-fwd (scripts/build.sh build-scaling -Dmarch=x86-64-v3)"
		if ! nice -n 10 scripts/build.sh build-scaling -Dmarch=x86-64-v3 >/tmp/scaling-bundle-build.$$.log 2>&1; then
			# Another component's test or tool may not build; the forwarder alone is enough here.
			nice -n 10 ninja -C build-scaling fwd/hayate-fwd ||
				{ tail -30 /tmp/scaling-bundle-build.$$.log; exit 1; }
			echo "note: the full build failed, fwd/hayate-fwd built alone"
		fi
		rm -f /tmp/scaling-bundle-build.$$.log
		hayate_fwd=build-scaling/fwd/hayate-fwd
		local changes
		changes=$(git status --porcelain dataplane)
		state="the working tree: $(git rev-parse HEAD)"
		[ -z "$changes" ] || state+=" with uncommitted changes in:"$'\n'"$(sed 's/^/  /' <<<"$changes")"
	fi
	echo "== l3fwd (build-l3fwd.sh, -march=x86-64-v3)"
	# run.py sets the pool floor for each lcore count (L3FWD_MIN_MBUFS); this is the fallback, for 14 lcores.
	L3FWD_MARCH=x86-64-v3 nice -n 10 dataplane/bench/fwd/build-l3fwd.sh build-scaling/l3fwd-bundle \
		$((max * (frames + 16384)))

	echo "== bundle $dir"
	rm -rf "$dir"
	mkdir -p "$dir/bin" "$dir/libexec" "$dir/lib"
	dir=$(cd "$dir" && pwd)
	cp "$hayate_fwd" build-scaling/l3fwd-bundle/dpdk-l3fwd "$(command -v dpdk-testpmd)" "$dir/libexec/"
	for pmd in "${PMDS[@]}"; do
		cp -L "$libdir/librte_$pmd.so.$abi" "$dir/lib/"
	done
	copy_libs "$dir"/libexec/* "$dir"/lib/librte_*.so.*
	wrapper hayate-fwd after-sep
	wrapper dpdk-l3fwd eal
	wrapper dpdk-testpmd eal
	cp "$data/rib4.txt.gz" "$dir/"
	local os
	os=$(. /etc/os-release && echo "$PRETTY_NAME")
	{
		echo "hayate-fwd from $state"
		echo "made $(date -u '+%Y-%m-%d %H:%M UTC') on $os, $(ldd --version | head -1)"
		echo "DPDK $(pkg-config --modversion libdpdk); hayate-fwd and l3fwd built for -march=x86-64-v3"
	} >"$dir/VERSION"
	check_bundle
	local mib
	mib=$(du -sm "$dir" | cut -f1)
	echo "bundle: $dir, $mib MiB, $(find "$dir" -type f | wc -l) files"
	((mib <= MAX_MIB)) || { echo "make: the bundle is over $MAX_MIB MiB" >&2; exit 1; }
}

check_bundle() {
	local f bad=0 out
	dir=$(cd "$dir" && pwd)
	abi=$(find "$dir/lib" -name 'librte_eal.so.*' | sed -n 's/.*librte_eal\.so\.\([0-9]*\)$/\1/p' | head -1)
	# Every library resolves inside the bundle (glibc's excepted), with nothing but the bundle's path given.
	for f in "$dir"/libexec/* "$dir"/lib/*; do
		if ! out=$(env -i LD_LIBRARY_PATH="$dir/lib" ldd "$f" 2>&1); then
			echo "check: ldd $f: $out" >&2
			bad=1
			continue
		fi
		if grep -q 'not found' <<<"$out"; then
			echo "check: $f: $(grep 'not found' <<<"$out" | tr -s ' \t\n' ' ')" >&2
			bad=1
		fi
		while read -r soname path; do
			[[ $soname =~ $SYSTEM_LIBS ]] && continue
			[[ $path == "$dir/lib/"* ]] || { echo "check: $f takes $soname from $path" >&2; bad=1; }
		done < <(awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' <<<"$out")
	done
	((bad == 0)) || exit 1
	# testpmd starts, forwards between two null ports and stops (EOF on stdin ends its non-interactive mode).
	if ! out=$(isolated env -i PATH=/usr/bin:/bin "$dir/bin/dpdk-testpmd" --no-pci --no-huge -m 512 \
		--file-prefix "hybundle-$$" -l 0,1 --vdev net_null0 --vdev net_null1 -- --forward-mode=io \
		--total-num-mbufs=4096 </dev/null 2>&1) || ! grep -q '^Bye' <<<"$out"; then
		echo "check: dpdk-testpmd failed:" >&2
		tail -20 <<<"$out" >&2
		exit 1
	fi
	echo "check: $dir: every library inside the bundle, testpmd runs on it"
}

case "$verb" in
make) make_bundle ;;
check) check_bundle ;;
run)
	[ -x "$dir/bin/hayate-fwd" ] ||
		{ echo "run: no bundle in $dir (scripts/bench-fwd-scaling-bundle.sh make)" >&2; exit 2; }
	dir=$(cd "$dir" && pwd)
	SCALING_BUNDLE=$dir isolated scripts/bench-fwd-scaling.sh "${@:3}"
	;;
*)
	sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
