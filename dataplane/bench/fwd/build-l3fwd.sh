#!/usr/bin/env bash
# Builds DPDK's l3fwd example into DIR with its route limits raised so it takes a full Internet table:
#   dataplane/bench/fwd/build-l3fwd.sh DIR MIN_MBUFS
# The example's source (from the DPDK packages, /usr/share/dpdk/examples) is copied into DIR and edited there
# with sed; nothing of DPDK is kept in this repository. Every edit must hit exactly once, so a DPDK whose
# example changed stops the benchmark with the line that no longer matches instead of measuring a small table.
# MIN_MBUFS raises the floor of l3fwd's mbuf pool: net_pcap's infinite_rx keeps the whole pcap in mbufs of that
# pool, one copy per RX queue (L3FWD_MIN_MBUFS in l3fwd's environment overrides it).
set -euo pipefail
dir=${1:?usage: build-l3fwd.sh DIR MIN_MBUFS}
min_mbufs=${2:?usage: build-l3fwd.sh DIR MIN_MBUFS}
examples=${DPDK_EXAMPLES:-/usr/share/dpdk/examples}

if [ ! -f "$examples/l3fwd/main.c" ]; then
	echo "build-l3fwd: $examples/l3fwd not found (Debian package dpdk-doc, or set DPDK_EXAMPLES)" >&2
	exit 1
fi
rm -rf "$dir"
mkdir -p "$dir"
cp -r "$examples/l3fwd" "$dir/l3fwd"
cp -r "$examples/common" "$dir/common"
src=$dir/l3fwd

# edit FILE OLD NEW: replace the fixed string OLD by NEW, which must occur exactly once in FILE.
edit() {
	local file=$src/$1 old=$2 new=$3 hits
	hits=$(grep -cF -- "$old" "$file" || true)
	if [ "$hits" != 1 ]; then
		echo "build-l3fwd: expected one '$old' in $1, found $hits: DPDK's example changed" >&2
		exit 1
	fi
	OLD=$old NEW=$new perl -0pi -e 's/\Q$ENV{OLD}\E/$ENV{NEW}/' "$file"
}

# LPM: 1024 rules and 256 tbl8 groups by default; a full table has ~1M rules and ~1k /24s with longer routes.
edit l3fwd_lpm.c '#define IPV4_L3FWD_LPM_MAX_RULES         1024' '#define IPV4_L3FWD_LPM_MAX_RULES         (1 << 21)'
edit l3fwd_lpm.c '#define IPV4_L3FWD_LPM_NUMBER_TBL8S (1 << 8)' '#define IPV4_L3FWD_LPM_NUMBER_TBL8S (1 << 16)'
# FIB (DIR-24-8): 65536 routes by default.
edit l3fwd_fib.c 'config_ipv4.max_routes = (1 << 16);' 'config_ipv4.max_routes = (1 << 21);'
# IPv6 (LPM6 and the FIB6 trie): a full table has ~160k routes, mostly /48 that each need tbl8 groups below
# their /24; 2^19 groups (512 MiB of hugepages each) hold it.
edit l3fwd_lpm.c '#define IPV6_L3FWD_LPM_MAX_RULES         1024' '#define IPV6_L3FWD_LPM_MAX_RULES         (1 << 19)'
edit l3fwd_lpm.c '#define IPV6_L3FWD_LPM_NUMBER_TBL8S (1 << 16)' '#define IPV6_L3FWD_LPM_NUMBER_TBL8S (1 << 19)'
edit l3fwd_fib.c 'config.max_routes = (1 << 16) - 1;' 'config.max_routes = (1 << 19);'
edit l3fwd_fib.c 'config.trie.num_tbl8 = (1 << 15);' 'config.trie.num_tbl8 = (1 << 19);'
# l3fwd asks every port for IP checksum offload and stops if it lacks it, as net_pcap does; its vector paths never
# look at the result, so asking for nothing changes no work done per packet.
edit main.c '.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,' '.offloads = 0,'
# The pool floor (8192 mbufs) is far below what infinite_rx holds. The environment variable L3FWD_MIN_MBUFS, where
# set, replaces MIN_MBUFS at run time, so that one prebuilt binary serves every lcore count (run.py sets it).
edit main.c '(unsigned)8192)' \
	"(unsigned)(getenv(\"L3FWD_MIN_MBUFS\") ? strtoul(getenv(\"L3FWD_MIN_MBUFS\"), NULL, 10) : ${min_mbufs}UL))"

srcs=(main.c l3fwd_acl.c l3fwd_lpm.c l3fwd_fib.c l3fwd_em.c l3fwd_event.c l3fwd_event_generic.c
	l3fwd_event_internal_port.c)
# pkg-config's flags carry -march=corei7; -march=native after them (L3FWD_MARCH to change it) matches how
# hayate-fwd is built here.
# shellcheck disable=SC2046
(cd "$src" && cc -O3 $(pkg-config --cflags libdpdk) -march="${L3FWD_MARCH:-native}" -DALLOW_EXPERIMENTAL_API \
	-I../common "${srcs[@]}" -o ../dpdk-l3fwd $(pkg-config --libs libdpdk))
echo "build-l3fwd: $dir/dpdk-l3fwd (LPM/FIB up to 2M IPv4 and 512k IPv6 routes, pool floor $min_mbufs mbufs)"
