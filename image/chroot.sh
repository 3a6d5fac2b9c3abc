#!/usr/bin/env bash
# Prepare a root filesystem folder for package installation through a chroot, and undo it.
#   chroot.sh mount DIR    bind /proc, /sys, /dev, /dev/pts into DIR and forbid service starts (policy-rc.d)
#   chroot.sh umount DIR   unmount everything under DIR, deepest first, and allow service starts again
# `umount` is idempotent and also clears what a killed earlier build left behind; it fails only when
# something under DIR stays mounted, naming it.
set -euo pipefail
action=${1:-} dir=${2:-}
[ -n "$action" ] && [ -n "$dir" ] || { echo "usage: chroot.sh mount|umount DIR" >&2; exit 2; }
[ -d "$dir" ] || { echo "chroot.sh: $dir is not a directory" >&2; exit 1; }
root=$(realpath "$dir")
policy="$root/usr/sbin/policy-rc.d"
marker="# hayate image build: no service starts in the chroot"

mounts_under() { awk -v r="$root/" 'index($2"/", r) == 1 { print $2 }' /proc/mounts | sort -r; }

case "$action" in
mount)
	mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
	mountpoint -q "$root/sys" || { mount --bind /sys "$root/sys" && mount -o remount,bind,ro "$root/sys"; }
	mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
	mkdir -p "$root/dev/pts"
	mountpoint -q "$root/dev/pts" || mount --bind /dev/pts "$root/dev/pts"
	printf '#!/bin/sh\n%s\nexit 101\n' "$marker" >"$policy"
	chmod 0755 "$policy"
	;;
umount)
	for m in $(mounts_under); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	if [ -f "$policy" ] && grep -qF "$marker" "$policy"; then rm -f "$policy"; fi
	left=$(mounts_under)
	[ -z "$left" ] || { echo "chroot.sh: still mounted: $left" >&2; exit 1; }
	;;
*) echo "usage: chroot.sh mount|umount DIR" >&2; exit 2 ;;
esac
