#!/usr/bin/env bash
# Assemble a bootable GPT disk from a finished root filesystem folder, without loop devices or mounts:
#   1 BIOS boot partition (GRUB core.img for legacy BIOS), 2 EFI system partition (FAT32, written with
#   mtools), 3 root (ext4 built from the folder by `mkfs.ext4 -d`). Every partition is made as a file and
#   copied into place, so the build host needs neither partition scanning nor a vfat mount.
# The root folder must already hold the boot loader files (image_os role, finalize step):
#   ROOT/boot/efi/...              the ESP's content (EFI/BOOT/BOOTX64.EFI)
#   ROOT/boot/grub/i386-pc/core.img and boot.img   (optional: BIOS boot)
# Usage: assemble.sh --root DIR --out FILE.raw --root-uuid UUID --esp-id XXXXXXXX [--size-mb N] [--esp-mb N]
# Temporary files live beside the output and are removed on any exit.
set -euo pipefail

root="" out="" root_uuid="" esp_id="" size_mb=0 esp_mb=128
while (($#)); do
	case "$1" in
	--root) root=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--root-uuid) root_uuid=$2; shift 2 ;;
	--esp-id) esp_id=$2; shift 2 ;;
	--size-mb) size_mb=$2; shift 2 ;;
	--esp-mb) esp_mb=$2; shift 2 ;;
	*) echo "assemble: unknown argument $1" >&2; exit 2 ;;
	esac
done
for v in root out root_uuid esp_id; do
	[ -n "${!v}" ] || { echo "assemble: --${v//_/-} is required" >&2; exit 2; }
done
[ -d "$root/etc" ] || { echo "assemble: $root is not a root filesystem" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)

# Anything still mounted inside the root (proc, sys, dev of the chroot phase) would be copied into the image.
if awk -v r="$(realpath "$root")/" 'index($2"/", r) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
	echo "assemble: file systems are still mounted under $root; unmount them first" >&2
	exit 1
fi

work=$(mktemp -d "$(dirname "$out")/.assemble.XXXXXX")
trap 'rm -rf "$work"' EXIT

MiB=$((1024 * 1024))
SECTORS_PER_MiB=2048
bios_start=$((1 * SECTORS_PER_MiB)) bios_sectors=$((1 * SECTORS_PER_MiB))
esp_start=$((2 * SECTORS_PER_MiB)) esp_sectors=$((esp_mb * SECTORS_PER_MiB))
root_start=$((esp_start + esp_sectors))

# Size: what the root holds, plus a quarter and 512 MiB of room, unless given; the first boot grows it anyway.
used_mb=$(du -sxm --exclude=./boot/efi "$root" | cut -f1)
min_mb=$((used_mb + used_mb / 4 + 512 + root_start / SECTORS_PER_MiB + 1))
if ((size_mb == 0)); then
	size_mb=$(((min_mb + 255) / 256 * 256))
elif ((size_mb < min_mb)); then
	echo "assemble: image_size_mb=$size_mb is too small for a root of ${used_mb} MiB (at least $min_mb)" >&2
	exit 1
fi

# Partition table on a sparse file; the root partition takes the rest (the backup GPT needs 33 sectors).
disk="$work/disk.raw"
truncate -s $((size_mb * MiB)) "$disk"
sfdisk --quiet --no-reread --no-tell-kernel "$disk" <<TABLE
label: gpt
unit: sectors
start=$bios_start, size=$bios_sectors, type=21686148-6E6F-744E-6565-6446654D4942, name="bios-boot"
start=$esp_start, size=$esp_sectors, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="esp"
start=$root_start, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name="root"
TABLE
root_sectors=$(sfdisk --json "$disk" | python3 -c 'import json,sys; print(json.load(sys.stdin)["partitiontable"]["partitions"][2]["size"])')

# EFI system partition: FAT32 made in a file, the folder's content copied in with mtools.
esp="$work/esp.img"
mkfs.vfat -C -F 32 -S 512 -s 1 -n ESP -i "$esp_id" "$esp" $((esp_sectors / 2)) >/dev/null
if [ -n "$(ls -A "$root/boot/efi" 2>/dev/null)" ]; then
	MTOOLS_SKIP_CHECK=1 mcopy -s -Q -i "$esp" "$root"/boot/efi/* ::/
fi
dd if="$esp" of="$disk" bs=1M seek=$((esp_start / SECTORS_PER_MiB)) conv=notrunc,sparse status=none

# Root file system from the folder; /boot/efi stays an empty mount point inside it.
rootfs="$work/root.img"
truncate -s $((root_sectors * 512)) "$rootfs"
mkdir -p "$work/esp-content"
if [ -n "$(ls -A "$root/boot/efi" 2>/dev/null)" ]; then
	mv "$root"/boot/efi/* "$work/esp-content/"
fi
restore_esp() { [ -z "$(ls -A "$work/esp-content")" ] || mv "$work"/esp-content/* "$root/boot/efi/"; }
trap 'restore_esp; rm -rf "$work"' EXIT
mkfs.ext4 -q -F -L root -U "$root_uuid" -d "$root" "$rootfs"
restore_esp
dd if="$rootfs" of="$disk" bs=1M seek=$((root_start / SECTORS_PER_MiB)) conv=notrunc,sparse status=none
rm -f "$rootfs" "$esp"

# Legacy BIOS: boot code in the MBR, core.img in the BIOS boot partition.
if [ -f "$root/boot/grub/i386-pc/core.img" ]; then
	python3 "$here/bios_boot.py" "$disk" --boot-img "$root/boot/grub/i386-pc/boot.img" \
		--core-img "$root/boot/grub/i386-pc/core.img" --start "$bios_start" --sectors "$bios_sectors"
fi

mv "$disk" "$out"
echo "assemble: $out ($size_mb MiB: bios-boot, esp ${esp_mb} MiB, root ext4 $root_uuid)"
