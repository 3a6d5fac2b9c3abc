#!/usr/bin/env bash
# Build the Debian 12 container image of the molecule scenario without a registry: debootstrap a root
# filesystem and `podman import` it. Usage: image.sh IMAGE [MIRROR]. Does nothing when IMAGE exists.
set -euo pipefail
image=${1:?usage: image.sh IMAGE [MIRROR]}
mirror=${2:-http://deb.debian.org/debian}
podman=(podman --runtime runc --cgroup-manager cgroupfs)
if "${podman[@]}" image exists "$image"; then
	echo "image $image exists"
	exit 0
fi
rootfs=$(mktemp -d /var/tmp/hayate-molecule-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase \
	--include=systemd,systemd-sysv,dbus,python3,python3-apt,iproute2,ca-certificates,procps,kmod,udev \
	bookworm "$rootfs" "$mirror"
# No getty or udev triggering of the host's devices inside the container.
chroot "$rootfs" systemctl mask getty@tty1.service console-getty.service systemd-udev-trigger.service \
	systemd-udevd.service systemd-modules-load.service >/dev/null
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | "${podman[@]}" import --change 'CMD ["/sbin/init"]' - "$image"
echo "image $image built"
