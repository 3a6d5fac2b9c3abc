#!/usr/bin/env bash
# Put a first-boot seed on a hayate disk image (raw, or a disk device) before its first boot: the host name
# and root's SSH keys, written into the EFI system partition with mtools (nothing is mounted). The image's
# first-boot unit reads them from /boot/efi/hayate/.
# Usage: seed.sh DISK [--hostname NAME] [--authorized-keys FILE]
set -euo pipefail
disk=${1:-}
[ -n "$disk" ] && [ -e "$disk" ] || { echo "usage: seed.sh DISK [--hostname NAME] [--authorized-keys FILE]" >&2; exit 2; }
shift
hostname="" keys=""
while (($#)); do
	case "$1" in
	--hostname) hostname=$2; shift 2 ;;
	--authorized-keys) keys=$2; shift 2 ;;
	*) echo "seed.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
if [ -n "$hostname" ] && ! [[ $hostname =~ ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]]; then
	echo "seed.sh: --hostname '$hostname' is not a valid host name" >&2
	exit 1
fi
# The ESP's first byte, from the partition table (type C12A7328-...).
start=$(sfdisk --json "$disk" | python3 -c '
import json, sys
parts = json.load(sys.stdin)["partitiontable"]["partitions"]
esp = [p for p in parts if p["type"].upper() == "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"]
print(esp[0]["start"] * 512 if esp else "")')
[ -n "$start" ] || { echo "seed.sh: $disk has no EFI system partition" >&2; exit 1; }
export MTOOLS_SKIP_CHECK=1
img="$disk@@$start"
mmd -i "$img" ::/hayate 2>/dev/null || true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -n "$hostname" ]; then
	echo "$hostname" >"$tmp/hostname"
	mcopy -o -i "$img" "$tmp/hostname" ::/hayate/hostname
fi
if [ -n "$keys" ]; then
	mcopy -o -i "$img" "$keys" ::/hayate/authorized_keys
fi
echo "seed.sh: seeded $disk${hostname:+ (host name $hostname)}${keys:+ (keys from $keys)}"
